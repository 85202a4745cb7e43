"""Which scaling target the probe loads, and the scale-out it triggers, read from the control plane.

- The target: ``DescribeInferenceComponent`` (``RuntimeConfig`` copy counts) for a component, or ``DescribeEndpoint``
  (the variant's instance counts) for a single-model endpoint. Application Auto Scaling's resource id and dimension
  follow the service model's ScalableDimension enum.
- The scale-out: ``DescribeScalingActivities`` on that target, newest first. The probe's scale-out is the oldest
  activity that started after the load did and whose Cause names an ``-AlarmHigh-`` alarm or the library's
  wake-from-zero alarm, or whose target count is above the count before the load. It is finished when its status is
  Successful, Failed, Unfulfilled or Overridden (the service model's StatusCode values besides Pending/InProgress).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..planner.calibrate import log_group_lines, parse_line
from ..runtime import names

FINISHED = frozenset({"Successful", "Failed", "Unfulfilled", "Overridden"})
_TO = re.compile(r"\bto (\d+)\b")


@dataclass(frozen=True)
class Target:
    endpoint: str
    component: str | None
    variant: str
    resource_id: str
    dimension: str
    count_before: int | None

    @property
    def unit(self) -> str:
        return "copies" if self.component else "instances"


def describe_target(sagemaker: Any, endpoint: str, component: str | None) -> Target:
    """The scaling target behind the probe's requests; ValueError when it does not belong to ``endpoint``."""
    if component is not None:
        answer = sagemaker.describe_inference_component(InferenceComponentName=component)
        if answer.get("EndpointName") != endpoint:
            raise ValueError(f"--component {component!r} belongs to endpoint {answer.get('EndpointName')!r}, "
                             f"not --endpoint {endpoint!r}")  # fmt: skip
        return Target(endpoint, component, str(answer.get("VariantName")), f"inference-component/{component}",
                      "sagemaker:inference-component:DesiredCopyCount",
                      answer.get("RuntimeConfig", {}).get("CurrentCopyCount"))  # fmt: skip
    answer = sagemaker.describe_endpoint(EndpointName=endpoint)
    variants = answer.get("ProductionVariants", [])
    if not variants:
        raise ValueError(f"endpoint {endpoint!r} has no production variant to scale")
    variant = variants[0]
    return Target(endpoint, None, variant["VariantName"], f"endpoint/{endpoint}/variant/{variant['VariantName']}",
                  "sagemaker:variant:DesiredInstanceCount", variant.get("CurrentInstanceCount"))  # fmt: skip


def current_count(sagemaker: Any, target: Target) -> tuple[int | None, int | None]:
    """(desired, current) copies or instances now."""
    if target.component is not None:
        runtime = sagemaker.describe_inference_component(InferenceComponentName=target.component).get("RuntimeConfig", {})
        return runtime.get("DesiredCopyCount"), runtime.get("CurrentCopyCount")
    for variant in sagemaker.describe_endpoint(EndpointName=target.endpoint).get("ProductionVariants", []):
        if variant.get("VariantName") == target.variant:
            return variant.get("DesiredInstanceCount"), variant.get("CurrentInstanceCount")
    return None, None


def scale_out_since(autoscaling: Any, target: Target, since: datetime) -> dict[str, Any] | None:
    """The first scale-out activity of ``target`` that started at or after ``since`` (one page: the newest 50)."""
    answer = autoscaling.describe_scaling_activities(ServiceNamespace="sagemaker", ResourceId=target.resource_id,
                                                     ScalableDimension=target.dimension, MaxResults=50)  # fmt: skip
    found = [a for a in answer.get("ScalingActivities", []) if a["StartTime"] >= since and _is_scale_out(a, target)]
    return min(found, key=lambda a: a["StartTime"]) if found else None


def _is_scale_out(activity: dict[str, Any], target: Target) -> bool:
    cause = activity.get("Cause") or ""
    if "-AlarmHigh-" in cause or names.WAKE_ALARM_SUFFIX in cause:
        return True
    if "-AlarmLow-" in cause:
        return False
    counts = _TO.findall(activity.get("Description") or "")
    return bool(counts) and target.count_before is not None and int(counts[-1]) > target.count_before


def recorder_stages(logs: Any, log_group: str, activity_id: str, *, start_ms: int, end_ms: int) -> dict[str, Any] | None:
    """The stages the scale-out recorder logged for this activity (its ``recorder-scale-out-stages`` line), or None.

    The recorder attributes stages, or publishes none when it cannot tell (its module says how); the probe only reads
    what it logged, so the two never disagree about the same scale-out."""
    for line in log_group_lines(logs, log_group, start_ms=start_ms, end_ms=end_ms):
        record = parse_line(line)
        stages = None if record is None or record.get("activity") != activity_id else record.get("stages")
        if isinstance(stages, dict):
            return stages
    return None
