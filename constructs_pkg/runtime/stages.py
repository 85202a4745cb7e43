"""The stage timeline of one scale-out (pure): which stages were measured or bounded from what was observed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import names
from .recorder_config import Target


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    label: str  # names.MEASURED or names.BOUNDED


#: SageMaker's stage metrics a StageReader may return (seconds, by names.STAGE_* or E2E).
SAGEMAKER_STAGES = (names.STAGE_MODEL_DOWNLOAD, names.STAGE_GPU_LOAD, names.STAGE_CONTAINER_START)
E2E = "E2EScalingLatency"
#: ``reader(target, activity) -> {stage: seconds}``: SageMaker's own stage metrics for one scale-out.
StageReader = Callable[[Target, Mapping[str, Any]], Mapping[str, float]]


def stage_timeline(*, started: datetime, ended: datetime, alarm: tuple[datetime, datetime] | None = None,
                   first_log_event: datetime | None = None, sagemaker: Mapping[str, float] | None = None) -> list[Stage]:  # fmt: skip
    """The stages of one scale-out from what was observed (see ``runtime.recorder``'s docstring); a stage that cannot be told
    is left out, never guessed."""
    stages: list[Stage] = []
    if alarm is not None:
        first, alarmed = alarm
        if first <= alarmed <= started:
            stages.append(Stage(names.STAGE_ALARM_EVALUATION, (alarmed - first).total_seconds(), names.MEASURED))
            stages.append(Stage(names.STAGE_ALARM_TO_ACTIVITY, (started - alarmed).total_seconds(), names.MEASURED))
    measured = {k: v for k, v in (sagemaker or {}).items() if k in SAGEMAKER_STAGES and v is not None}
    end_to_end = (ended - started).total_seconds()
    if len(measured) == len(SAGEMAKER_STAGES) and sum(measured.values()) <= end_to_end:
        # They stack (one bar per provisioning event in SageMaker AI Insights), so the rest is provisioning + pull.
        stages.append(Stage(names.STAGE_PROVISIONING_AND_PULL, end_to_end - sum(measured.values()), names.BOUNDED))
        stages += [Stage(name, measured[name], names.MEASURED) for name in SAGEMAKER_STAGES]
        return stages
    if first_log_event is not None and started <= first_log_event <= ended:
        stages.append(Stage(names.STAGE_PROVISIONING_AND_PULL, (first_log_event - started).total_seconds(), names.BOUNDED))
        stages.append(Stage(names.STAGE_LOAD_AND_HEALTH_CHECK, (ended - first_log_event).total_seconds(), names.BOUNDED))
    stages += [Stage(name, measured[name], names.MEASURED) for name in SAGEMAKER_STAGES if name in measured]
    return stages


def first_event_after(streams: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> datetime | None:
    """The earliest first event of the streams created in [start, end] (epoch milliseconds in the answer)."""
    lo, hi = _millis(start), _millis(end)
    found = [s for s in streams if lo <= s.get("creationTime", -1) <= hi and s.get("firstEventTimestamp") is not None]
    if not found:
        return None
    return _from_millis(min(s["firstEventTimestamp"] for s in found))


def detection_seconds(activity: Mapping[str, Any], alarm: tuple[datetime, datetime] | None) -> float | None:
    if alarm is None:
        return None
    seconds = (activity["StartTime"] - alarm[0]).total_seconds()
    return seconds if seconds >= 0 else None


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
