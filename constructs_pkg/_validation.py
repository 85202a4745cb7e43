"""Token-aware checks shared by the constructs. Every message names the property, the value and what is allowed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Token
from constructs import IConstruct

from ._naming import SAGEMAKER_NAME, SAGEMAKER_NAME_MAX
from ._scope import remember
from .errors import ConfigurationError, path_of, report_warning
from .images import ContainerImage, ModelData


_NUMBER_TOKEN_BELOW = -1e288  # CDK encodes number tokens as doubles near -1.888e+289


def is_token(value: Any) -> bool:
    """``Token.is_unresolved``, answered in Python for plain values: each jsii call costs synth time."""
    if value is None or isinstance(value, (bool, int)):
        return False  # number tokens are floats
    if isinstance(value, float):
        return value < _NUMBER_TOKEN_BELOW and Token.is_unresolved(value)
    if isinstance(value, str):
        return "{Token[" in value and Token.is_unresolved(value)
    return Token.is_unresolved(value)


def check(errors: list[str], condition: bool, message: str) -> None:
    if not condition:
        errors.append(message)


def raise_if_any(errors: Iterable[str], what: str, where: IConstruct | str, id: str | None = None) -> None:
    """Raise one ``ConfigurationError`` listing every problem found, for the construct path ``where``, or for
    construct ``where`` (or its child ``id``): its path is then read only on failure, as jsii calls cost synth time."""
    problems = list(errors)
    if problems:
        raise ConfigurationError(where if isinstance(where, str) else path_of(where, id), what, problems)


UNCHECKED_TOKENS_WARNING = "constructs-pkg:unchecked-tokens"


def warn_unchecked(scope: IConstruct, unchecked: dict[str, str]) -> None:
    """One warning on ``scope`` naming every property that is a token, and what could not be checked for it."""
    if unchecked:
        report_warning(scope, UNCHECKED_TOKENS_WARNING,
            "resolved only at deploy time, so not checked at synth: "
            + "; ".join(f"{prop} ({what})" for prop, what in unchecked.items()),
        )


def int_in_range(errors: list[str], prop: str, value: int | None, low: int, high: int | None = None) -> None:
    """``value`` must be a whole number in [low, high]; None and tokens are skipped."""
    if value is None or is_token(value):
        return
    allowed = f">= {low}" if high is None else f"between {low} and {high}"
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"{prop} must be a whole number {allowed}, got {value!r}")
    elif value < low or (high is not None and value > high):
        errors.append(f"{prop} must be {allowed}, got {value}")


def duration_in_range(
    errors: list[str], prop: str, value: Duration | None, low_s: int, high_s: int
) -> float | None:
    """Seconds of ``value``, which must be a ``Duration`` of whole seconds in [low_s, high_s]; records an error
    otherwise (the seconds are still returned when only the range is broken). None passes through. A token passes
    unchecked when given in seconds (CDK converts a token duration only from seconds)."""
    if value is None:
        return None
    if not isinstance(value, Duration):
        errors.append(f"{prop} must be an aws_cdk.Duration, got {value!r}")
        return None
    if value.is_unresolved():
        if value.unit_label() != "seconds":
            errors.append(f"{prop} from a token must be Duration.seconds(token), got {value.to_string()}")
            return None
        return seconds_of(value)
    seconds = seconds_of(value)
    if seconds != int(seconds):
        errors.append(f"{prop} must be whole seconds, got {seconds:g} seconds")
        return None
    if seconds < low_s or seconds > high_s:
        errors.append(f"{prop} must be between {low_s} and {high_s} seconds, got {seconds:g} seconds")
    return seconds
    if seconds < low_s or seconds > high_s:
        errors.append(f"{prop} must be between {low_s} and {high_s} seconds, got {seconds} seconds")
    return seconds


def sagemaker_name(errors: list[str], prop: str, value: str | None) -> None:
    """The API's name rule for endpoints, endpoint configs, variants and inference components."""
    if value is None or is_token(value):
        return
    if not isinstance(value, str) or len(value) > SAGEMAKER_NAME_MAX or not SAGEMAKER_NAME.match(value):
        errors.append(
            f"{prop} must be 1-{SAGEMAKER_NAME_MAX} letters, digits and hyphens, starting and ending with a letter "
            f"or digit, got {value!r}"
        )


def check_count_range(errors: list[str], low: tuple[str, Any], middle: tuple[str, Any], high: tuple[str, Any]) -> None:
    """``low <= middle <= high`` for three named counts; skipped when any is a token or already reported invalid."""
    (low_name, low_v), (mid_name, mid_v), (high_name, high_v) = low, middle, high
    values = (low_v, mid_v, high_v)
    if errors or any(is_token(x) or x is None for x in values):
        return
    check(errors, low_v <= high_v, f"{low_name} ({low_v}) must be <= {high_name} ({high_v})")
    if low_v <= high_v:
        check(
            errors,
            low_v <= mid_v <= high_v,
            f"{mid_name} ({mid_v}) must lie between {low_name} ({low_v}) and {high_name} ({high_v})",
        )


#: An inference component's container: "Each key and value in the Environment string-to-string map can have length of
#: up to 1024. We support up to 16 entries in the map." (botocore InferenceComponentContainerSpecification.Environment);
#: keys as CloudFormation's AWS::SageMaker::InferenceComponent schema requires (two characters at least).
MAX_ENVIRONMENT_ENTRIES = 16
_ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{1,1024}$")
_ENV_VALUE_MAX = 1024
#: A model's container (CreateModel, botocore ContainerDefinition.Environment): at most 100 entries, keys
#: ``[a-zA-Z_][a-zA-Z0-9_]*`` (one letter is valid), "The maximum length of each key and value in the Environment map
#: is 1024 bytes. The maximum length of all keys and values in the map, combined, is 32 KB." (32 KB read as 32768
#: bytes: ``assumed``, the page gives no byte count.)
MODEL_ENVIRONMENT_MAX_ENTRIES = 100
MODEL_ENVIRONMENT_ITEM_MAX_BYTES = 1024
MODEL_ENVIRONMENT_TOTAL_MAX_BYTES = 32 * 1024
_MODEL_ENV_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_STARTUP_RANGE_S = (60, 3600)


def container(
    errors: list[str],
    *,
    image: Any,
    model_data: Any,
    environment: dict[str, str] | None,
    startup_health_check_timeout: Any,
    model_download_timeout: Any,
    for_model: bool = False,
) -> None:
    """The container of a component or a single-model endpoint: ECR image, S3 artifacts, environment, timeouts.

    ``for_model``: the environment goes on an ``AWS::SageMaker::Model`` (CreateModel's rules), not on a component.
    """
    if not isinstance(image, ContainerImage):
        errors.append(
            "image must be a ContainerImage (from_ecr_repository, from_image_uri or lmi), "
            f"got {image!r}; only Amazon ECR images are supported"
        )
    if model_data is not None and not isinstance(model_data, ModelData):
        errors.append(f"model_data must be a ModelData (from_s3_uri or from_bucket), got {model_data!r}")
    duration_in_range(errors, "startup_health_check_timeout", startup_health_check_timeout, *_STARTUP_RANGE_S)
    duration_in_range(errors, "model_download_timeout", model_download_timeout, *_STARTUP_RANGE_S)
    if for_model:
        model_environment(errors, environment)
        return
    if environment is None:
        return
    if len(environment) > MAX_ENVIRONMENT_ENTRIES:
        errors.append(f"environment must have at most {MAX_ENVIRONMENT_ENTRIES} entries, got {len(environment)}")
    for key, value in environment.items():
        if not is_token(key) and (not isinstance(key, str) or not _ENV_KEY.match(key) or len(key) > _ENV_VALUE_MAX):
            errors.append(
                f"environment key {key!r} must match {_ENV_KEY.pattern} and be at most {_ENV_VALUE_MAX} characters "
                "(a letter or _, then at least one letter, digit or _: an inference component refuses one-letter keys)"
            )
        if not is_token(value) and (not isinstance(value, str) or len(value) > _ENV_VALUE_MAX):
            errors.append(f"environment value of {key!r} must be a string of at most {_ENV_VALUE_MAX} characters")


def model_environment(errors: list[str], environment: Mapping[str, str] | None) -> None:
    """CreateModel's environment rules (botocore ``ContainerDefinition.Environment`` / ``EnvironmentMap``)."""
    if environment is None:
        return
    if not isinstance(environment, Mapping):
        errors.append(f"environment must be a mapping of strings, got {environment!r}")
        return
    if len(environment) > MODEL_ENVIRONMENT_MAX_ENTRIES:
        errors.append(f"environment must have at most {MODEL_ENVIRONMENT_MAX_ENTRIES} entries, got {len(environment)}")
    total = 0
    for key, value in environment.items():
        if is_token(key):
            pass
        elif not isinstance(key, str) or not _MODEL_ENV_KEY.match(key) or len(key.encode()) > MODEL_ENVIRONMENT_ITEM_MAX_BYTES:
            errors.append(
                f"environment key {key!r} must match [a-zA-Z_][a-zA-Z0-9_]* and be at most "
                f"{MODEL_ENVIRONMENT_ITEM_MAX_BYTES} bytes"
            )
        else:
            total += len(key.encode())
        if is_token(value):
            continue
        if not isinstance(value, str) or len(value.encode()) > MODEL_ENVIRONMENT_ITEM_MAX_BYTES:
            errors.append(f"environment value of {key!r} must be a string of at most {MODEL_ENVIRONMENT_ITEM_MAX_BYTES} bytes")
        else:
            total += len(value.encode())
    if total > MODEL_ENVIRONMENT_TOTAL_MAX_BYTES:
        errors.append(
            f"environment keys and values must total at most {MODEL_ENVIRONMENT_TOTAL_MAX_BYTES} bytes (32 KB), "
            f"got {total}"
        )


def seconds(value: Duration | None) -> int | None:
    return None if value is None else int(seconds_of(value))


_SECONDS = "_constructs_pkg_seconds"


def seconds_of(value: Duration) -> float:
    """``value.to_seconds()``, read through jsii once per Duration: validation and rendering both need it."""
    cached: float | None = getattr(value, _SECONDS, None)
    if cached is None:
        cached = value.to_seconds(integral=False)  # a fractional value is refused by its check, not by jsii
        remember(value, _SECONDS, cached)
    return cached


#: What ``removal_policy`` may be: the library's keys and log groups cannot take a snapshot.
REMOVAL_POLICIES = (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)


def removal_policy(errors: list[str], value: Any) -> None:
    """``removal_policy`` is None or one of ``REMOVAL_POLICIES``."""
    if value is not None and (not isinstance(value, RemovalPolicy) or value not in REMOVAL_POLICIES):
        allowed = ", ".join(f"RemovalPolicy.{p.name}" for p in REMOVAL_POLICIES)
        errors.append(f"removal_policy must be one of {allowed} (aws_cdk.RemovalPolicy), got {value!r}")
