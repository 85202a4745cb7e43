"""Token-aware checks shared by the constructs. Every message names the property, the value and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_cdk import Duration, Token

from ._naming import SAGEMAKER_NAME, SAGEMAKER_NAME_MAX


def is_token(value: Any) -> bool:
    return value is not None and Token.is_unresolved(value)


def check(errors: list[str], condition: bool, message: str) -> None:
    if not condition:
        errors.append(message)


def raise_if_any(errors: Iterable[str], what: str) -> None:
    errors = list(errors)
    if errors:
        raise ValueError(f"Invalid {what}: " + "; ".join(errors))


def int_in_range(errors: list[str], prop: str, value: int | None, low: int, high: int | None = None) -> None:
    """``value`` must be a whole number in [low, high]; None and tokens are skipped."""
    if value is None or is_token(value):
        return
    allowed = f">= {low}" if high is None else f"between {low} and {high}"
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"{prop} must be a whole number {allowed}, got {value!r}")
    elif value < low or (high is not None and value > high):
        errors.append(f"{prop} must be {allowed}, got {value}")


def duration_in_range(errors: list[str], prop: str, value: Duration | None, low_s: int, high_s: int) -> int | None:
    """Seconds of ``value`` if it lies in [low_s, high_s]; records an error otherwise. None passes through."""
    if value is None:
        return None
    if not isinstance(value, Duration):
        errors.append(f"{prop} must be an aws_cdk.Duration, got {value!r}")
        return None
    seconds = value.to_seconds()
    if is_token(seconds):
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
