"""Refit one endpoint's constants from the scale-outs the recorder logged, and predict its next one with an interval.

Input: the recorder's ``recorder-scale-out-stages`` JSON lines (``runtime.names.STAGES_LOG_EVENT``), as a file of
JSON lines or as Lambda log messages (``[INFO]\\t<time>\\t<request id>\\t{...}``: the first JSON object in a line is
read), or straight from the recorder function's log group with ``logs:FilterLogEvents``. Fields read, per line:
``resource``, ``activity``, ``end_to_end``, ``stages.<Stage>.seconds`` for AlarmEvaluation, AlarmToActivity,
ProvisioningAndPull and LoadAndHealthCheck, and, when present, ``placement`` (``new-instance`` or
``running-instance``) and ``image_cache`` (true/false). A line without them takes the command line's
``--placement`` and ``--cache``: the recorder cannot see a cache hit, so say what you know.

How a trace maps to the timeline: ProvisioningAndPull ends at the new copy's first log line, which is the container
starting (``Timeline.before_first_line``); LoadAndHealthCheck is the rest (``Timeline.after_first_line``).

What is refitted (``CALIBRATED_NAMES``), least squares over the relative errors of both stages of every trace, with a
weak pull towards the published fit so that a constant the traces cannot separate stays where the published rows put
it (``identified`` says which ones the traces did separate). ``load_seconds_per_gb`` is not refitted: one endpoint has
one model size, so its load time is all in ``start_base_seconds``. The reaction lag is the median of the measured
AlarmEvaluation + AlarmToActivity beyond the alarm's datapoints x period.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..bandwidth import BANDWIDTH
from ..runtime import names
from .constants import FITTED, Constants
from .fit import minimise
from .plan import DetectionSettings, ScaleOutPlan, plan_scale_out
from .timeline import ModelSource, Placement, Timeline, timeline

CALIBRATED_NAMES = ("provisioning_seconds", "pull_bytes_per_second", "download_link_fraction", "start_base_seconds")
#: Weight of the pull towards the published fit, per squared log ratio (a 10 % move costs 1e-6: it only decides
#: directions the traces leave open).
PRIOR_WEIGHT = 1e-4
#: Fewer traces than this: the interval stays the published one (a leave-one-out over two traces says little).
MIN_TRACES_FOR_INTERVAL = 3
#: FilterLogEvents pages read at most (each up to 10,000 events or 1 MB).
MAX_PAGES = 20


@dataclass(frozen=True)
class Trace:
    """One recorded scale-out, as the recorder logged it."""

    resource: str
    activity: str | None
    before_first_line: float  # ProvisioningAndPull
    after_first_line: float  # LoadAndHealthCheck
    detection: float | None  # AlarmEvaluation + AlarmToActivity, when both were measured
    placement: Placement | None
    cache: bool | None

    @property
    def end_to_end(self) -> float:
        return self.before_first_line + self.after_first_line


def parse_line(text: str) -> dict[str, object] | None:
    """The recorder's stage record in one line (a bare JSON line or a Lambda log message), or None."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        record, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    return record if isinstance(record, dict) and record.get("event") == names.STAGES_LOG_EVENT else None


def traces(lines: Iterable[str], *, resource: str | None = None) -> list[Trace]:
    """The scale-outs in ``lines`` that have both log-bounded stages, once each (the activity id deduplicates)."""
    found: dict[str, Trace] = {}
    for number, text in enumerate(lines):
        record = parse_line(text)
        if record is None or (resource is not None and record.get("resource") != resource):
            continue
        trace = _trace(record)
        if trace is not None:
            found.setdefault(trace.activity or f"line {number}", trace)
    return list(found.values())


def _trace(record: dict[str, object]) -> Trace | None:
    stages = record.get("stages")
    if not isinstance(stages, dict):
        return None

    def seconds(name: str) -> float | None:
        stage = stages.get(name)
        value = stage.get("seconds") if isinstance(stage, dict) else None
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    before, after = seconds(names.STAGE_PROVISIONING_AND_PULL), seconds(names.STAGE_LOAD_AND_HEALTH_CHECK)
    if before is None or after is None:  # SageMaker's own stages replaced the split: no first-line boundary
        return None
    alarm, reaction = seconds(names.STAGE_ALARM_EVALUATION), seconds(names.STAGE_ALARM_TO_ACTIVITY)
    placement = record.get("placement")
    cache = record.get("image_cache")
    activity = record.get("activity")
    return Trace(
        resource=str(record.get("resource")),
        activity=activity if isinstance(activity, str) else None,
        before_first_line=before,
        after_first_line=after,
        detection=None if alarm is None or reaction is None else alarm + reaction,
        placement=Placement(placement) if placement in {p.value for p in Placement} else None,
        cache=cache if isinstance(cache, bool) else None,
    )


def log_group_lines(client: object, log_group: str, *, start_ms: int, end_ms: int) -> list[str]:
    """The recorder's stage lines in ``log_group`` between the two times (``logs:FilterLogEvents``, bounded pages)."""
    params: dict[str, object] = {"logGroupName": log_group, "startTime": start_ms, "endTime": end_ms,
                                 "filterPattern": f'"{names.STAGES_LOG_EVENT}"'}  # fmt: skip
    lines: list[str] = []
    for _ in range(MAX_PAGES):
        answer = getattr(client, "filter_log_events")(**params)
        lines += [event["message"] for event in answer.get("events", [])]
        token = answer.get("nextToken")
        if not token:
            break
        params["nextToken"] = token
    return lines


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """What stays fixed across one endpoint's scale-outs."""

    instance_type: str
    image_bytes: int
    model_bytes: int
    accelerators: int = 1
    model_source: ModelSource = ModelSource.S3
    #: For traces that do not say: where their copy landed, and whether the image cache served it.
    placement: Placement = Placement.NEW_INSTANCE
    cache: bool = True


@dataclass(frozen=True)
class Calibration:
    constants: Constants
    #: Constants the traces separate (the others stay near the published fit).
    identified: tuple[str, ...]
    reaction_lag_seconds: float | None
    #: Signed relative errors of each trace's end-to-end, predicted from the other traces (empty below 3 traces).
    errors: tuple[float, ...]
    traces: tuple[Trace, ...]

    def plan(self, endpoint: Endpoint, *, placement: Placement, cache: bool,
             detection: DetectionSettings | None = None) -> ScaleOutPlan:  # fmt: skip
        """The calibrated prediction of the endpoint's next scale-out, with its interval."""
        settings = DetectionSettings() if detection is None else detection
        if self.reaction_lag_seconds is not None and detection is None:
            settings = DetectionSettings(reaction_lag_seconds=self.reaction_lag_seconds)
        errors: tuple[float, ...] | None = self.errors or None
        basis = (f"leave-one-out error over this endpoint's {len(self.traces)} recorded scale-outs" if self.errors
                 else f"only {len(self.traces)} recorded scale-out(s): leave-one-out error over the 11 published rows")
        return plan_scale_out(endpoint.instance_type, endpoint.image_bytes, endpoint.model_bytes, cache, settings,
                              accelerators=endpoint.accelerators, placement=placement,
                              model_source=endpoint.model_source, constants=self.constants, errors=errors,
                              error_basis=basis)  # fmt: skip


def calibrate(found: Sequence[Trace], endpoint: Endpoint, *, start: Constants = FITTED) -> Calibration:
    """Refit ``CALIBRATED_NAMES`` to the traces; raises ValueError when there is no trace."""
    if not found:
        raise ValueError(f"no {names.STAGES_LOG_EVENT} line with both ProvisioningAndPull and LoadAndHealthCheck "
                         "was found; the recorder logs one per Successful scale-out when record_stages is on")  # fmt: skip
    constants = _fit(found, endpoint, start)
    errors: tuple[float, ...] = ()
    if len(found) >= MIN_TRACES_FOR_INTERVAL:
        held_out = []
        for index, trace in enumerate(found):
            others = _fit([t for i, t in enumerate(found) if i != index], endpoint, start)
            predicted = _timeline(others, endpoint, trace).end
            held_out.append((predicted - trace.end_to_end) / trace.end_to_end)
        errors = tuple(held_out)
    detections = [t.detection for t in found if t.detection is not None]
    lag = None if not detections else max(0.0, statistics.median(detections) - DetectionSettings().seconds)
    return Calibration(constants, _identified(found, endpoint), lag, errors, tuple(found))


def _fit(found: Sequence[Trace], endpoint: Endpoint, start: Constants) -> Constants:
    def loss(values: dict[str, float]) -> float:
        constants = start.with_values(values)
        total = sum(math.log(value / getattr(start, name)) ** 2 for name, value in values.items()) * PRIOR_WEIGHT
        for trace in found:
            t = _timeline(constants, endpoint, trace)
            total += ((t.before_first_line - trace.before_first_line) / max(trace.before_first_line, 1.0)) ** 2
            total += ((t.after_first_line - trace.after_first_line) / max(trace.after_first_line, 1.0)) ** 2
        return total

    return start.with_values(minimise(loss, {name: getattr(start, name) for name in CALIBRATED_NAMES}))


def _timeline(constants: Constants, endpoint: Endpoint, trace: Trace) -> Timeline:
    return timeline(constants, link_bytes_per_second=BANDWIDTH[endpoint.instance_type].baseline_bytes_per_second,
                    image_bytes=endpoint.image_bytes, model_bytes=endpoint.model_bytes,
                    cache=endpoint.cache if trace.cache is None else trace.cache, accelerators=endpoint.accelerators,
                    placement=endpoint.placement if trace.placement is None else trace.placement,
                    source=endpoint.model_source)  # fmt: skip


def _identified(found: Sequence[Trace], endpoint: Endpoint) -> tuple[str, ...]:
    """Which constants the mix of traces separates: kinds are (placement, cache) pairs."""
    kinds = {(endpoint.placement if t.placement is None else t.placement, endpoint.cache if t.cache is None else t.cache)
             for t in found}  # fmt: skip
    placements = {p for p, _ in kinds}
    caches = {c for _, c in kinds}
    s3 = endpoint.model_source is ModelSource.S3
    provisioning = len(placements) == 2
    download = s3 and endpoint.model_bytes > 0 and True in caches and (provisioning or Placement.RUNNING_INSTANCE in placements)
    pull = endpoint.image_bytes > 0 and False in caches and (provisioning or Placement.RUNNING_INSTANCE in placements
                                                             or (s3 and download))  # fmt: skip
    found_names = ["start_base_seconds"] if s3 else []  # a hub download shares LoadAndHealthCheck with the load
    found_names += ["provisioning_seconds"] if provisioning else []
    found_names += ["pull_bytes_per_second"] if pull else []
    found_names += ["download_link_fraction"] if download else []
    return tuple(name for name in CALIBRATED_NAMES if name in found_names)
