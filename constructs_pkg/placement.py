"""How SageMaker places a component's copies on the endpoint's instances (``InferenceComponentSpecification.
SchedulingConfig``).

Sources: botocore 1.44.5 ``InferenceComponentSchedulingConfig`` / ``InferenceComponentAvailabilityZoneBalance``, and
the ``AWS::SageMaker::InferenceComponent`` schema (cfn-lint 1.58.0, ``definitions.InferenceComponentSchedulingConfig.
required: ["PlacementStrategy", "AvailabilityZoneBalance"]``), which requires ``AvailabilityZoneBalance`` although the
API does not: the library therefore always renders it, and so a ``SchedulingConfig`` always turns zone balancing on.

The side effect, stated: with ``AvailabilityZoneBalance`` present, "A copy placement is allowed if it reduces
imbalance or the resulting imbalance is within this value" (``MaxImbalance``, "Default value: 0"), and "This
parameter applies only when the endpoint has instances across two or more Availability Zones". So by default the
placement strategy (SPREAD/BINPACK) acts only within each zone, and copies stay level across zones. ``assumed``:
because "Consolidation honors the scheduling configuration of each inference component", a ``CONSOLIDATION``
scale-in may then keep a partly used instance in one zone rather than leave the zones uneven; a ``max_imbalance``
above 0 lets BINPACK and consolidation pack copies onto fewer instances at the cost of zone balance. The mode is
``PERMISSIVE`` (the only one): when balance cannot be reached, copies are still placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ._validation import int_in_range
from .errors import ConfigurationError

#: ``MaxImbalance``: 0-100; "Default value: 0."
MAX_IMBALANCE_RANGE = (0, 100)


class PlacementStrategy(StrEnum):
    """``SchedulingConfig.PlacementStrategy``. "If you also set AvailabilityZoneBalance, this strategy applies to
    placement within each Availability Zone."."""

    #: "Distributes copies evenly across available instances for better resilience."
    SPREAD = "SPREAD"
    #: "Packs copies onto fewer instances to optimize resource utilization."
    BINPACK = "BINPACK"


class AzBalanceEnforcement(StrEnum):
    """``AvailabilityZoneBalance.EnforcementMode``: the only value the API has."""

    #: "The endpoint attempts to balance copies across Availability Zones but proceeds with scheduling even if balance
    #: can't be achieved due to available capacity or instance distribution across Availability Zones."
    PERMISSIVE = "PERMISSIVE"


@dataclass(frozen=True, kw_only=True)
class SchedulingConfig:
    """Copy placement across instances and Availability Zones.

    Pair ``BINPACK`` with the ``CONSOLIDATION`` scale-in strategy to free whole instances; ``SPREAD`` keeps copies
    apart for resilience. "Consolidation honors the scheduling configuration of each inference component."
    """

    placement_strategy: PlacementStrategy
    #: How strictly copies are balanced across zones. Default: ``PERMISSIVE`` (the only mode).
    enforcement_mode: AzBalanceEnforcement = AzBalanceEnforcement.PERMISSIVE
    #: "The maximum allowed difference in the number of inference component copies between any two Availability
    #: Zones", 0-100: how far placement and consolidation may unbalance zones to pack copies (module docstring).
    #: Default: omitted, and SageMaker uses 0 (zones kept level).
    max_imbalance: int | None = None

    def __post_init__(self) -> None:
        errors: list[str] = []
        if not isinstance(self.placement_strategy, PlacementStrategy):
            errors.append(f"scheduling.placement_strategy must be SPREAD or BINPACK, got {self.placement_strategy!r}")
        if not isinstance(self.enforcement_mode, AzBalanceEnforcement):
            errors.append(f"scheduling.enforcement_mode must be PERMISSIVE, got {self.enforcement_mode!r}")
        int_in_range(errors, "scheduling.max_imbalance", self.max_imbalance, *MAX_IMBALANCE_RANGE)
        if errors:
            raise ConfigurationError(None, "SchedulingConfig", errors)

    def _render(self) -> dict[str, Any]:
        balance: dict[str, Any] = {"EnforcementMode": self.enforcement_mode.value}
        if self.max_imbalance is not None:
            balance["MaxImbalance"] = self.max_imbalance
        return {"PlacementStrategy": self.placement_strategy.value, "AvailabilityZoneBalance": balance}
