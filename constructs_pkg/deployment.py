"""How a component is updated: a rolling update in batches with alarm-based rollback
(``AWS::SageMaker::InferenceComponent.DeploymentConfig``).

The API takes ``DeploymentConfig`` only on ``UpdateInferenceComponent``; CloudFormation's update handler applies it
when the component changes (a new image, model or environment), and it has no effect on create.
Sources: botocore 1.44.5 ``InferenceComponentDeploymentConfig``, ``InferenceComponentRollingUpdatePolicy``,
``InferenceComponentCapacitySize``, ``AutoRollbackConfig``; the CloudFormation schema (writeOnly property).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from ._validation import duration_in_range, int_in_range, is_token
from .errors import ConfigurationError, invalid

#: ``MaximumBatchSize``: "The value must be between 5% to 50% of the copy count of the inference component."
ROLLING_PERCENT_RANGE = (5, 50)
#: ``WaitIntervalInSeconds`` 0-3600; ``MaximumExecutionTimeoutInSeconds`` 600-28800.
WAIT_INTERVAL_RANGE_S = (0, 3600)
EXECUTION_TIMEOUT_RANGE_S = (600, 28800)
#: ``AutoRollbackConfig.Alarms``: 1-10 alarms, names 1-255 characters.
ALARMS_RANGE = (1, 10)
ALARM_NAME_MAX = 255


class BatchSizeType(StrEnum):
    """``InferenceComponentCapacitySize.Type``."""

    COPY_COUNT = "COPY_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


@dataclass(frozen=True, kw_only=True)
class BatchSize:
    """A number of copies or a percentage of the copy count: ``BatchSize.copy_count(2)``,
    ``BatchSize.capacity_percent(25)``."""

    type: BatchSizeType
    value: int

    def __post_init__(self) -> None:
        errors: list[str] = []
        if not isinstance(self.type, BatchSizeType):
            errors.append(f"batch size type must be COPY_COUNT or CAPACITY_PERCENT, got {self.type!r}")
        high = 100 if self.type == BatchSizeType.CAPACITY_PERCENT else None
        int_in_range(errors, "batch size value", self.value, 1, high)
        if errors:
            raise ConfigurationError(None, "deployment config", errors)

    @staticmethod
    def copy_count(value: int) -> BatchSize:
        """``value`` copies per step (at least 1)."""
        return BatchSize(type=BatchSizeType.COPY_COUNT, value=value)

    @staticmethod
    def capacity_percent(value: int) -> BatchSize:
        """``value`` percent of the copy count per step (1-100; a rolling step takes 5-50)."""
        return BatchSize(type=BatchSizeType.CAPACITY_PERCENT, value=value)

    def _render(self) -> dict[str, Any]:
        return {"Type": self.type.value, "Value": self.value}


@dataclass(frozen=True, kw_only=True)
class RollingUpdate:
    """Replace copies in batches: each step "provisions capacity on the new endpoint fleet, routes traffic to that
    fleet, and terminates capacity on the old endpoint fleet", then waits ``wait_interval`` watching the alarms."""

    #: Copies per step: ``BatchSize.copy_count(n)`` or ``BatchSize.capacity_percent(5..50)``.
    maximum_batch_size: BatchSize
    #: "The length of the baking period, during which SageMaker AI monitors alarms for each batch on the new fleet",
    #: whole seconds in 0-3600 (``Duration.seconds(0)`` is allowed).
    wait_interval: Duration
    #: "The time limit for the total deployment", whole seconds in 600-28800. Default: SageMaker's.
    maximum_execution_timeout: Duration | None = None
    #: Copies per rollback step. Default: SageMaker's, "100% of the total capacity" (all at once, blue/green).
    rollback_maximum_batch_size: BatchSize | None = None

    def __post_init__(self) -> None:
        errors: list[str] = []
        batch = self.maximum_batch_size
        if not isinstance(batch, BatchSize):
            errors.append(f"rolling_update.maximum_batch_size must be a BatchSize, got {batch!r}")
        elif batch.type == BatchSizeType.CAPACITY_PERCENT and not is_token(batch.value):
            low, high = ROLLING_PERCENT_RANGE
            if not low <= batch.value <= high:
                errors.append(
                    f"rolling_update.maximum_batch_size must be {low}-{high} percent of the copy count, got "
                    f"{batch.value} percent"
                )
        rollback = self.rollback_maximum_batch_size
        if rollback is not None and not isinstance(rollback, BatchSize):
            errors.append(f"rolling_update.rollback_maximum_batch_size must be a BatchSize, got {rollback!r}")
        if self.wait_interval is None:
            errors.append("rolling_update.wait_interval is required by the API (WaitIntervalInSeconds), got None")
        duration_in_range(errors, "rolling_update.wait_interval", self.wait_interval, *WAIT_INTERVAL_RANGE_S)
        duration_in_range(
            errors, "rolling_update.maximum_execution_timeout", self.maximum_execution_timeout,
            *EXECUTION_TIMEOUT_RANGE_S,
        )  # fmt: skip
        if errors:
            raise ConfigurationError(None, "deployment config", errors)

    def batch_size_warning(self, copy_count: int | None) -> str | None:
        """A warning when the batch cannot keep the API's rule for a known copy count, "The value must be between 5%
        to 50% of the copy count of the inference component." (botocore ``InferenceComponentRollingUpdatePolicy.
        MaximumBatchSize``):
        - a ``COPY_COUNT`` batch outside 5-50% of the copy count (``assumed`` reading of the percentage rule for counts);
        - a ``CAPACITY_PERCENT`` batch that is less than one whole copy (50% of 1 copy is half a copy). SageMaker
          replaces whole copies, and AWS does not say how it rounds: up to one copy (then the step is more than 50%)
          or by refusing the update. The library warns rather than refuses, because autoscaling changes the copy count.
        """
        batch = self.maximum_batch_size
        if copy_count is None or is_token(copy_count) or is_token(batch.value) or copy_count < 1:
            return None
        rule = "\"The value must be between 5% to 50% of the copy count of the inference component.\""
        if batch.type == BatchSizeType.CAPACITY_PERCENT:
            copies = batch.value * copy_count / 100
            if copies >= 1:
                return None
            return (
                f"rolling_update.maximum_batch_size is {batch.value} percent of the copy count {copy_count}, "
                f"{copies:g} copies: less than one copy per step. SageMaker replaces whole copies, so it must round "
                f"(one copy is {100 / copy_count:g}% of the copy count) or refuse the update: {rule} Use "
                f"BatchSize.copy_count(1) to state one copy per step, or a copy count of at least "
                f"{math.ceil(100 / batch.value)}."
            )
        low, high = math.ceil(0.05 * copy_count), max(1, math.floor(0.5 * copy_count))
        if low <= batch.value <= high:
            return None
        return (
            f"rolling_update.maximum_batch_size is {batch.value} copies, outside {low}-{high} (5-50% of the copy count "
            f"{copy_count}): {rule}"
        )

    def _render(self) -> dict[str, Any]:
        policy: dict[str, Any] = {
            "MaximumBatchSize": self.maximum_batch_size._render(),
            "WaitIntervalInSeconds": _seconds(self.wait_interval),
        }
        if self.maximum_execution_timeout is not None:
            policy["MaximumExecutionTimeoutInSeconds"] = _seconds(self.maximum_execution_timeout)
        if self.rollback_maximum_batch_size is not None:
            policy["RollbackMaximumBatchSize"] = self.rollback_maximum_batch_size._render()
        return policy


@dataclass(frozen=True, kw_only=True)
class AutoRollback:
    """"If any alarms are tripped during a deployment, SageMaker rolls back the deployment." 1-10 alarms in all:
    those given, plus the component's own 5XX alarm with ``AutoRollback.on_invocation_errors()``."""

    #: CloudWatch alarms of yours. Default: none (then ``invocation_errors_threshold`` must be set).
    alarms: Sequence[cw.IAlarm] = ()
    #: Also alarm on the component's ``Invocation5XXErrors``: fires when a minute's sum reaches this many errors
    #: (``InferenceComponent.alarm_invocation_errors``). Default: None, no alarm of the library's.
    invocation_errors_threshold: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "alarms", tuple(self.alarms))
        errors: list[str] = []
        int_in_range(errors, "auto_rollback.invocation_errors_threshold", self.invocation_errors_threshold, 1)
        low, high = ALARMS_RANGE
        total = len(self.alarms) + (self.invocation_errors_threshold is not None)
        if not low <= total <= high:
            errors.append(
                f"auto_rollback.alarms must hold {low}-{high} alarms, got {total} (with invocation_errors_threshold, "
                "the component's own 5XX alarm counts as one)"
            )
        names: list[str] = []
        for alarm in self.alarms:
            name = getattr(alarm, "alarm_name", None)
            if not isinstance(name, str):
                errors.append(f"auto_rollback.alarms must be CloudWatch alarms (cw.IAlarm), got {alarm!r}")
            elif not is_token(name):
                if not name.strip() or len(name) > ALARM_NAME_MAX:
                    errors.append(f"auto_rollback alarm name must be 1-{ALARM_NAME_MAX} characters, not blank, got {name!r}")
                names.append(name)
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            errors.append(f"auto_rollback.alarms must be distinct, got {', '.join(repeated)} more than once")
        if errors:
            raise ConfigurationError(None, "deployment config", errors)

    @staticmethod
    def on_invocation_errors(*, threshold: int = 1, alarms: Sequence[cw.IAlarm] = ()) -> AutoRollback:
        """Roll back when the component answers ``threshold`` or more 5XX errors in a minute, and on ``alarms``."""
        return AutoRollback(alarms=alarms, invocation_errors_threshold=threshold)


def render_deployment_config(
    rolling_update: RollingUpdate | None,
    auto_rollback: AutoRollback | None,
    alarms: Sequence[cw.IAlarm] | None = None,
) -> dict[str, Any] | None:
    """``DeploymentConfig``, or None when neither is given. The API requires ``RollingUpdatePolicy`` in it
    (``InferenceComponentDeploymentConfig`` required ``[RollingUpdatePolicy]``), so rollback alone is refused.
    ``alarms``: every alarm to watch (the component adds its own); default ``auto_rollback.alarms``."""
    if rolling_update is None and auto_rollback is None:
        return None
    if rolling_update is None:
        raise invalid(
            "deployment config", "auto_rollback requires rolling_update: the API's DeploymentConfig requires RollingUpdatePolicy"
        )
    if not isinstance(rolling_update, RollingUpdate):
        raise invalid("deployment config", f"rolling_update must be a RollingUpdate, got {rolling_update!r}")
    if auto_rollback is not None and not isinstance(auto_rollback, AutoRollback):
        raise invalid("deployment config", f"auto_rollback must be an AutoRollback, got {auto_rollback!r}")
    config: dict[str, Any] = {"RollingUpdatePolicy": rolling_update._render()}
    if auto_rollback is not None:
        watched = auto_rollback.alarms if alarms is None else alarms
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": alarm.alarm_name} for alarm in watched]}
    return config


def _seconds(value: Duration) -> int | float:
    seconds = value.to_seconds()
    return seconds if is_token(seconds) else int(seconds)
