"""The stage timeline of one scale-out (pure): which stages were measured or bounded from what was observed, and
what each one holds for the component's model source.

Where the model download sits depends on who downloads it:
- ``artifacts`` (an S3 ``ArtifactUrl``/``ModelDataUrl``): SageMaker downloads it beside the image pull, before the
  container starts, so it lies inside ``ProvisioningAndPull``;
- ``container`` (``HF_MODEL_ID`` and no artifacts): the container downloads it after it starts, so it lies inside
  ``LoadAndHealthCheck`` (and inside SageMaker's ``ContainerStart``).

SageMaker's own lifecycle metrics, when a reader supplies them, are modelled as AWS defines them (CloudWatch,
"SageMaker AI Insights metrics"): ``ContainerStart`` runs from container start to the passed health check, so it
*contains* ``GpuLoad`` (and a container's own download); ``ModelDownload`` of artifacts *overlaps* the pull. Only
``ProvisioningAndPull`` (end-to-end minus ``ContainerStart``) and ``ContainerStart`` add up; the others are published
with what they lie within, never stacked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import names
from .recorder_config import Target


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    label: str  # names.MEASURED or names.BOUNDED
    #: What the stage's seconds hold, for the model source.
    holds: tuple[str, ...] = ()
    #: The stage it lies inside (it overlaps it, so it is not stacked), if any.
    within: str | None = None


#: SageMaker's stage metrics a StageReader may return (seconds, by names.STAGE_* or E2E).
SAGEMAKER_STAGES = (names.STAGE_MODEL_DOWNLOAD, names.STAGE_GPU_LOAD, names.STAGE_CONTAINER_START)
E2E = names.STAGE_E2E
#: ``reader(target, activity) -> {stage: seconds}``: SageMaker's own stage metrics for one scale-out.
StageReader = Callable[[Target, Mapping[str, Any]], Mapping[str, float]]

ARTIFACTS, CONTAINER, UNKNOWN = names.MODEL_SOURCE_ARTIFACTS, names.MODEL_SOURCE_CONTAINER, "unknown"
_PROVISIONING = "instance provisioning (when a new instance is launched)"
_PULL = "image pull"
_S3_DOWNLOAD = "model download from S3 (beside the pull)"
_CONTAINER_DOWNLOAD = "model download by the container"
_EITHER_DOWNLOAD = "model download, if SageMaker downloads S3 artifacts (source unknown)"
_FIRST_LINE = "container start until its first log line"
_LOAD = "weights to GPU"
_HEALTH = "health check"
_POLLING = "Auto Scaling's polling"
HOLDS: Mapping[tuple[str, str], tuple[str, ...]] = {
    (names.STAGE_PROVISIONING_AND_PULL, ARTIFACTS): (_PROVISIONING, _PULL, _S3_DOWNLOAD, _FIRST_LINE),
    (names.STAGE_PROVISIONING_AND_PULL, CONTAINER): (_PROVISIONING, _PULL, _FIRST_LINE),
    (names.STAGE_PROVISIONING_AND_PULL, UNKNOWN): (_PROVISIONING, _PULL, _EITHER_DOWNLOAD, _FIRST_LINE),
    (names.STAGE_LOAD_AND_HEALTH_CHECK, ARTIFACTS): (_LOAD, _HEALTH, _POLLING),
    (names.STAGE_LOAD_AND_HEALTH_CHECK, CONTAINER): (_CONTAINER_DOWNLOAD, _LOAD, _HEALTH, _POLLING),
    (names.STAGE_LOAD_AND_HEALTH_CHECK, UNKNOWN): ("model download, if the container downloads it (source unknown)",
                                                   _LOAD, _HEALTH, _POLLING),  # fmt: skip
}
#: With SageMaker's ContainerStart, ProvisioningAndPull is end-to-end minus it: the pull side, and the polling.
_DERIVED_HOLDS = {
    ARTIFACTS: (_PROVISIONING, _PULL, _S3_DOWNLOAD, _POLLING),
    CONTAINER: (_PROVISIONING, _PULL, _POLLING),
    UNKNOWN: (_PROVISIONING, _PULL, _EITHER_DOWNLOAD, _POLLING),
}
_CONTAINER_START_HOLDS = {
    ARTIFACTS: ("container start to passed health check", _LOAD),
    CONTAINER: ("container start to passed health check", _CONTAINER_DOWNLOAD, _LOAD),
    UNKNOWN: ("container start to passed health check", _LOAD),
}


def model_source(component: Mapping[str, Any] | None) -> str:
    """``artifacts``, ``container`` or ``unknown`` from a DescribeInferenceComponent answer's
    ``Specification.Container`` (``ArtifactUrl``; ``Environment.HF_MODEL_ID``). A component built on a Model, or
    a variant, is ``unknown`` (its container is not in the answer)."""
    container = ((component or {}).get("Specification") or {}).get("Container") or {}
    if container.get("ArtifactUrl"):
        return ARTIFACTS
    if (container.get("Environment") or {}).get("HF_MODEL_ID"):
        return CONTAINER
    return UNKNOWN


def alarm_stages(started: datetime, alarm: tuple[datetime, datetime] | None) -> list[Stage]:
    """AlarmEvaluation and AlarmToActivity, when the transition came before the activity."""
    if alarm is None:
        return []
    first, alarmed = alarm
    if not first <= alarmed <= started:
        return []
    return [Stage(names.STAGE_ALARM_EVALUATION, (alarmed - first).total_seconds(), names.MEASURED,
                  ("alarm datapoints over target until ALARM",)),
            Stage(names.STAGE_ALARM_TO_ACTIVITY, (started - alarmed).total_seconds(), names.MEASURED,
                  ("ALARM until Application Auto Scaling starts the activity",))]  # fmt: skip


def stage_timeline(*, started: datetime, ended: datetime, alarm: tuple[datetime, datetime] | None = None,
                   first_log_event: datetime | None = None, sagemaker: Mapping[str, float] | None = None,
                   source: str = UNKNOWN) -> list[Stage]:  # fmt: skip
    """The stages of one scale-out from what was observed; a stage that cannot be told is left out, never guessed.
    ``first_log_event`` is the first line of the activity's last new copy (see ``runtime.attribution``)."""
    stages = alarm_stages(started, alarm)
    end_to_end = (ended - started).total_seconds()
    measured = {k: float(v) for k, v in (sagemaker or {}).items() if k in SAGEMAKER_STAGES and v is not None}
    if sagemaker_consistent(measured, end_to_end, source):
        start = measured[names.STAGE_CONTAINER_START]
        stages.append(Stage(names.STAGE_PROVISIONING_AND_PULL, end_to_end - start, names.BOUNDED, _DERIVED_HOLDS[source]))
        stages.append(Stage(names.STAGE_CONTAINER_START, start, names.MEASURED, _CONTAINER_START_HOLDS[source]))
        if names.STAGE_GPU_LOAD in measured:
            stages.append(Stage(names.STAGE_GPU_LOAD, measured[names.STAGE_GPU_LOAD], names.MEASURED, (_LOAD,),
                                within=names.STAGE_CONTAINER_START))  # fmt: skip
        if names.STAGE_MODEL_DOWNLOAD in measured:
            within = {ARTIFACTS: names.STAGE_PROVISIONING_AND_PULL, CONTAINER: names.STAGE_CONTAINER_START}.get(source)
            stages.append(Stage(names.STAGE_MODEL_DOWNLOAD, measured[names.STAGE_MODEL_DOWNLOAD], names.MEASURED,
                                ("model download",), within=within or "unknown (model source unknown)"))  # fmt: skip
        return stages
    if first_log_event is not None and started <= first_log_event <= ended:
        for name, seconds in ((names.STAGE_PROVISIONING_AND_PULL, (first_log_event - started).total_seconds()),
                              (names.STAGE_LOAD_AND_HEALTH_CHECK, (ended - first_log_event).total_seconds())):  # fmt: skip
            stages.append(Stage(name, seconds, names.BOUNDED, HOLDS[(name, source)]))
    return stages


def sagemaker_consistent(measured: Mapping[str, float], end_to_end: float, source: str) -> bool:
    """SageMaker's stages can replace the log bounds: ContainerStart is there, fits in the scale-out, contains the
    GPU load (and a container's own download), and an S3 download fits before it."""
    start = measured.get(names.STAGE_CONTAINER_START)
    if start is None or not 0 <= start <= end_to_end:
        return False
    load = measured.get(names.STAGE_GPU_LOAD, 0.0)
    download = measured.get(names.STAGE_MODEL_DOWNLOAD, 0.0)
    if load > start or (source == CONTAINER and load + download > start):
        return False
    return not (source == ARTIFACTS and download > end_to_end - start)


def log_bound_gap(stages: list[Stage], first_log_event: datetime | None, ended: datetime) -> float | None:
    """The log-bounded LoadAndHealthCheck (first line -> end) minus SageMaker's ContainerStart, when both exist:
    the cross-check of the two sources (Auto Scaling's polling minus the wait for the first line)."""
    start = next((s.seconds for s in stages if s.name == names.STAGE_CONTAINER_START), None)
    if start is None or first_log_event is None or first_log_event > ended:
        return None
    return (ended - first_log_event).total_seconds() - start


def detection_seconds(activity: Mapping[str, Any], alarm: tuple[datetime, datetime] | None) -> float | None:
    if alarm is None:
        return None
    seconds = (activity["StartTime"] - alarm[0]).total_seconds()
    return seconds if seconds >= 0 else None
