"""Where a variant's instances come from and how they go away: instance pools, the provisioning timeout, an ML
capacity reservation and the managed scale-in policy (``ProductionVariant`` of ``CreateEndpointConfig``).

Each struct renders the CloudFormation property with CloudFormation key names (``_render``); the endpoint places it
on its production variant. Sources: botocore 1.44.5 ``sagemaker`` (``InstancePool``,
``VariantInstanceProvisionTimeoutInSeconds``, ``ProductionVariantCapacityReservationConfig``,
``ProductionVariantManagedInstanceScalingScaleInPolicy``) and the ``AWS::SageMaker::EndpointConfig`` schema.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_cdk import Duration

from ._naming import SAGEMAKER_NAME, SAGEMAKER_NAME_MAX
from ._validation import duration_in_range, int_in_range, is_token
from .errors import ConfigurationError
from .instance_types import AcceleratorInstanceType

#: ``InstancePoolList``: "you can specify an ordered list of up to five instance types" (DG heterogeneous endpoints).
MAX_INSTANCE_POOLS = 5
#: ``InstancePool.Priority``: "Valid values: 1 to 5, where 1 is the highest priority."
PRIORITY_RANGE = (1, 5)
#: ``VariantInstanceProvisionTimeoutInSeconds``: "Valid values: 300 to 3600."
PROVISION_TIMEOUT_RANGE_S = (300, 3600)
#: ``MlReservationArn``: 20-258 characters and this pattern (botocore).
_RESERVATION_ARN = re.compile(r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z0-9\-]{1,14}/.*$", re.DOTALL)
RESERVATION_ARN_LENGTH = (20, 258)
#: ``ScaleInPolicy.MaximumStepSize`` 1-100 and ``CooldownInMinutes`` 5-1440.
MAX_STEP_SIZE_RANGE = (1, 100)
COOLDOWN_RANGE_MIN = (5, 1440)


@dataclass(frozen=True, kw_only=True)
class InstancePool:
    """One instance type a variant may launch, with its priority (``ProductionVariant.InstancePools[]``).

    "SageMaker attempts to provision instances in order of priority, starting with the lowest value. If instances
    for a higher-priority pool are unavailable, SageMaker attempts to provision from the next pool."
    """

    instance_type: AcceleratorInstanceType
    #: 1 (tried first) to 5.
    priority: int
    #: A model to use on this pool instead of the variant's model. Default: the variant's model. Endpoints that host
    #: inference components have no variant model, so `InferenceEndpoint` refuses it; give components
    #: `compute_per_instance_type` there.
    model_name_override: str | None = None

    def __post_init__(self) -> None:
        errors: list[str] = []
        if not isinstance(self.instance_type, AcceleratorInstanceType):
            errors.append(
                "instance_pools[].instance_type must be an AcceleratorInstanceType "
                f"(for example AcceleratorInstanceType.of('ml.g6e.2xlarge')), got {self.instance_type!r}"
            )
        int_in_range(errors, "instance_pools[].priority", self.priority, *PRIORITY_RANGE)
        name = self.model_name_override
        if name is not None and not is_token(name):
            if not isinstance(name, str) or len(name) > SAGEMAKER_NAME_MAX or not SAGEMAKER_NAME.match(name):
                errors.append(
                    "instance_pools[].model_name_override must be 1-63 letters, digits and hyphens, starting and "
                    f"ending with a letter or digit, got {name!r}"
                )
        if errors:
            raise ConfigurationError(None, "capacity", errors)

    def _render(self) -> dict[str, Any]:
        pool: dict[str, Any] = {"InstanceType": self.instance_type.name, "Priority": self.priority}
        if self.model_name_override is not None:
            pool["ModelNameOverride"] = self.model_name_override
        return pool


def render_instance_pools(pools: Sequence[InstancePool]) -> list[dict[str, Any]]:
    """``ProductionVariant.InstancePools``: 1-5 pools with distinct instance types and distinct priorities.

    Distinct types and priorities are ``assumed`` (an ordered fallback list; no AWS sentence on duplicates). With
    pools the variant's own ``InstanceType`` must be left out: "you replace the InstanceType parameter in your
    production variant with an InstancePools list" (DG).
    """
    errors: list[str] = []
    pools = list(pools)
    if not 1 <= len(pools) <= MAX_INSTANCE_POOLS:
        errors.append(f"instance_pools must hold 1-{MAX_INSTANCE_POOLS} pools, got {len(pools)}")
    for i, pool in enumerate(pools):
        if not isinstance(pool, InstancePool):
            errors.append(f"instance_pools[{i}] must be an InstancePool, got {pool!r}")
    if errors:
        raise ConfigurationError(None, "capacity", errors)
    types = Counter(p.instance_type.name for p in pools if not is_token(p.instance_type.name))
    repeated_types = sorted(t for t, n in types.items() if n > 1)
    if repeated_types:
        errors.append(f"instance_pools must name each instance type once, got {', '.join(repeated_types)} twice or more")
    priorities = Counter(p.priority for p in pools if not is_token(p.priority))
    repeated = sorted(str(p) for p, n in priorities.items() if n > 1)
    if repeated:
        errors.append(
            f"instance_pools must give each pool its own priority (the order of fallback), got priority "
            f"{', '.join(repeated)} on more than one pool"
        )
    if errors:
        raise ConfigurationError(None, "capacity", errors)
    return [p._render() for p in sorted(pools, key=lambda p: p.priority if not is_token(p.priority) else 0)]


def render_provision_timeout(timeout: Duration) -> int | float:
    """``VariantInstanceProvisionTimeoutInSeconds``: whole seconds in 300-3600. "When SageMaker encounters an
    insufficient capacity error while provisioning instances, it retries with the next instance pool (if configured)
    or waits until the timeout expires." A ``Duration.seconds(token)`` passes unchecked."""
    errors: list[str] = []
    duration_in_range(errors, "instance_provision_timeout", timeout, *PROVISION_TIMEOUT_RANGE_S)
    if errors:
        raise ConfigurationError(None, "capacity", errors)
    seconds = timeout.to_seconds()
    return seconds if is_token(seconds) else int(seconds)


class CapacityReservationPreference(StrEnum):
    """``CapacityReservationPreference``: the only value the API has."""

    #: "SageMaker AI launches instances only into an ML capacity reservation. If no capacity is available, the
    #: instances fail to launch."
    CAPACITY_RESERVATIONS_ONLY = "capacity-reservations-only"


@dataclass(frozen=True, kw_only=True)
class CapacityReservation:
    """Launch the variant's instances into an ML capacity reservation, such as a training plan
    (``ProductionVariant.CapacityReservationConfig``). "You can use exactly one plan per inference endpoint", and the
    variant's instance type "must match the InstanceType of your training plan" (DG)."""

    #: ``arn:aws:sagemaker:<region>:<account>:training-plan/<name>`` (or ``ml-reservation/...``).
    ml_reservation_arn: str
    preference: CapacityReservationPreference = CapacityReservationPreference.CAPACITY_RESERVATIONS_ONLY

    def __post_init__(self) -> None:
        errors: list[str] = []
        arn = self.ml_reservation_arn
        if not is_token(arn):
            low, high = RESERVATION_ARN_LENGTH
            if not isinstance(arn, str) or not low <= len(arn) <= high or not _RESERVATION_ARN.match(arn):
                errors.append(
                    f"capacity_reservation.ml_reservation_arn must be a SageMaker reservation ARN of {low}-{high} "
                    "characters like 'arn:aws:sagemaker:us-east-1:123456789012:training-plan/my-plan' (resource "
                    f"type of 1-14 lowercase letters, digits or hyphens), got {arn!r}"
                )
        if not isinstance(self.preference, CapacityReservationPreference):
            errors.append(
                "capacity_reservation.preference must be CapacityReservationPreference.CAPACITY_RESERVATIONS_ONLY, "
                f"got {self.preference!r}"
            )
        if errors:
            raise ConfigurationError(None, "capacity", errors)

    def _render(self) -> dict[str, Any]:
        return {"MlReservationArn": self.ml_reservation_arn, "CapacityReservationPreference": self.preference.value}


class ScaleInStrategy(StrEnum):
    """``ScaleInPolicy.Strategy``."""

    #: "Releases instances that have no hosted inference component copies."
    IDLE_RELEASE = "IDLE_RELEASE"
    #: "Consolidates inference component copies onto fewer instances to release more instances."
    CONSOLIDATION = "CONSOLIDATION"


@dataclass(frozen=True, kw_only=True)
class ScaleInPolicy:
    """How managed instance scaling releases instances (``ManagedInstanceScaling.ScaleInPolicy``).

    ``maximum_step_size`` and ``cooldown`` apply only to ``CONSOLIDATION``: "during a consolidation scale-in
    operation" / "before the endpoint evaluates consolidation scale-in opportunities" (botocore), so they are
    refused with ``IDLE_RELEASE``.
    """

    strategy: ScaleInStrategy
    #: Instances terminated at a time while consolidating, 1-100. Default: SageMaker's, 1.
    maximum_step_size: int | None = None
    #: Wait after the last endpoint operation before consolidating, whole minutes in 5-1440. Default: SageMaker's,
    #: 20 minutes.
    cooldown: Duration | None = None

    def __post_init__(self) -> None:
        errors: list[str] = []
        if not isinstance(self.strategy, ScaleInStrategy):
            errors.append(f"scale_in.strategy must be IDLE_RELEASE or CONSOLIDATION, got {self.strategy!r}")
        int_in_range(errors, "scale_in.maximum_step_size", self.maximum_step_size, *MAX_STEP_SIZE_RANGE)
        self._check_cooldown(errors)
        if self.strategy == ScaleInStrategy.IDLE_RELEASE:
            for prop, value in (("maximum_step_size", self.maximum_step_size), ("cooldown", self.cooldown)):
                if value is not None:
                    errors.append(f"scale_in.{prop} applies only to the CONSOLIDATION strategy, got it with IDLE_RELEASE")
        if errors:
            raise ConfigurationError(None, "capacity", errors)

    def _check_cooldown(self, errors: list[str]) -> None:
        if isinstance(self.cooldown, Duration) and self.cooldown.is_unresolved():
            errors.append("scale_in.cooldown must be a concrete duration: CooldownInMinutes cannot be derived from a token")
            return
        low, high = COOLDOWN_RANGE_MIN
        problems: list[str] = []
        duration_in_range(problems, "scale_in.cooldown", self.cooldown, low * 60, high * 60)
        errors.extend(problems)
        if not problems and self.cooldown is not None and self.cooldown.to_seconds() % 60:
            errors.append(f"scale_in.cooldown must be whole minutes, got {self.cooldown.to_seconds()} seconds")

    def _render(self) -> dict[str, Any]:
        policy: dict[str, Any] = {"Strategy": self.strategy.value}
        if self.maximum_step_size is not None:
            policy["MaximumStepSize"] = self.maximum_step_size
        if self.cooldown is not None:
            policy["CooldownInMinutes"] = int(self.cooldown.to_seconds()) // 60
        return policy


@dataclass(frozen=True, kw_only=True)
class InstanceTypeCompute:
    """What one copy of a component reserves on one instance type of a pooled endpoint (an entry of
    ``InferenceComponent``'s ``Specifications``): "Use this parameter when you want to deploy a different model or
    resource configuration for the inference component on each instance type." (botocore)."""

    instance_type: AcceleratorInstanceType
    #: Accelerators per copy on this type (>= 1).
    accelerator_count: int
    #: Host memory per copy on this type, in MiB (>= 128).
    memory_mib: int
    #: CPU cores per copy on this type (>= 0.25). Default: SageMaker decides.
    cpu_cores: float | None = None

    def __post_init__(self) -> None:
        errors: list[str] = []
        if not isinstance(self.instance_type, AcceleratorInstanceType):
            errors.append(
                "compute_per_instance_type[].instance_type must be an AcceleratorInstanceType, "
                f"got {self.instance_type!r}"
            )
        int_in_range(errors, "compute_per_instance_type[].accelerator_count", self.accelerator_count, 1)
        int_in_range(errors, "compute_per_instance_type[].memory_mib", self.memory_mib, 128)
        cores = self.cpu_cores
        if cores is not None and not is_token(cores):
            if isinstance(cores, bool) or not isinstance(cores, (int, float)) or cores < 0.25:
                errors.append(f"compute_per_instance_type[].cpu_cores must be a number >= 0.25, got {cores!r}")
        if errors:
            raise ConfigurationError(None, "InstanceTypeCompute", errors)
