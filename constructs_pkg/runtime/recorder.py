"""The scale-out latency recorder: ``runtime.recorder.handler``, run by EventBridge once a minute.

SageMaker publishes no metric for copy counts, instance counts or the time a scale-out takes. Each run publishes,
in the endpoint's library namespace (``METRIC_NAMESPACE``, ``ConstructsPkg/ScaleOut/<endpoint>``):
- the desired and current copy count of every component and instance count of the endpoint, and a
  ``RecorderHeartbeat`` of 1 (the heartbeat alarm breaches on its absence), at the run's scheduled time;
- for every scale-out activity of a recorded target that ended in the last ``RECORD_LOOKBACK`` and is not recorded
  yet: its latency (EndTime - StartTime) and its detection latency (StartTime - the first datapoint its alarm
  evaluated), or, when it ended Failed or Unfulfilled, a ScaleOutFailures count; all timestamped at its end.

Which activities are scale-outs. Application Auto Scaling's wording differs by service and is not documented for
inference components ("Setting desired instance count to 48." for a variant; EC2 Auto Scaling writes
"from N to M"), so the recorder reads no noun. It decides, in this order:
1. the alarm named in Cause (``monitor alarm <name> in state ALARM``): a target-tracking ``-AlarmHigh-`` alarm or
   the library's own wake-from-zero alarm (``Config.wake_alarms``) means out, a ``-AlarmLow-`` alarm means in;
2. otherwise (no alarm in Cause: a scheduled action, a raised minimum) the counts: the target, the last ``to <N>``
   in Description or StatusMessage, against the count before: the target of the newest older Successful activity
   read, or, for an activity that failed (so never applied), the desired count the run reads now. Neither known:
   not recorded (logged once as ``recorder-direction-unknown``).
Pages (newest first) are followed until one reaches activities started ``RECORD_LOOKBACK + LOOKBACK`` ago; that
one is read whole. One activity runs per target at a time, so one that just ended is on the first page: an activity
longer than the lookback is still recorded, its direction decided as above.

Stage timeline (``STAGE_LOGS=true``; off by default). For every Successful scale-out the run records, it
publishes ``ScaleOutStageSeconds`` per ``Stage`` and logs one ``recorder-scale-out-stages`` line that labels each
stage *measured* (two observed timestamps) or *bounded* (an upper bound that contains other work), and says what it
holds for the component's model source (``runtime.stages``):
- AlarmEvaluation (measured): the first datapoint the alarm evaluated -> the alarm history's ALARM timestamp;
- AlarmToActivity (measured): that ALARM timestamp -> the activity's StartTime;
- ProvisioningAndPull (bounded): StartTime -> the first event of the last new copy's log stream;
- LoadAndHealthCheck (bounded): that first event -> EndTime.
Only evidence that belongs to the activity is used (``runtime.attribution``): an ALARM transition an earlier
activity already answered, streams while another activity of the target overlaps, or new streams that do not
match the copies added give no stage, and a ``recorder-stages-withheld`` line says why. The reads are in
``runtime.stage_evidence``: every stream of the target in name order (complete whatever the names), SageMaker's own
stages from a ``StageReader`` (``runtime.lifecycle_metrics``), which replace LoadAndHealthCheck and are
cross-checked (``E2EScalingLatencyGap``, ``LoadBoundGap``), and ``ProvisioningPullToColdRatio``: the log-bounded
ProvisioningAndPull over the same bound of a cold deployment onto new instances (the endpoint's creation -> the
target's first line; recorded once in the claim table), an inference that the image cache worked.

Successful: a latency. Failed/Unfulfilled: a failure. Overridden: neither (logged). Pending/InProgress: not yet.

Exactly once, nothing lost (``runtime.claims``). Each activity is claimed by its ActivityId, a run's counts per
source (the endpoint, each component, the heartbeat) and scheduled minute: claim (INPROGRESS, leased until the
function must have ended) -> read -> one PutMetricData call per claim (so a retry repeats no chunk) -> COMPLETED. A
killed run's claim is taken over once its lease ends (by EventBridge's retry or the next run), so an activity listed
late, or read by a run that died, is recorded while it ended within ``RECORD_LOOKBACK`` (1 hour, inside the claims'
2-day expiry). A double publish is still possible in exactly two cases: the run dies, or its COMPLETED write fails,
after PutMetricData succeeded; or PutMetricData stored the datums but its answer was lost (a timeout), so the run
released the claim.

Isolation. A failure reading one target, activity or count costs that item only (its claim released); the run goes
on, then raises ``RecorderIncomplete``, so the function's Errors alarm sees it and EventBridge retries. Detection,
stages and the cache ratio are optional: a failure there (malformed alarm history, an unknown timestamp format, the
cold-baseline GetItem/PutItem) drops that part of that activity, logged as ``recorder-optional-part-failed``. Time:
an item starts only with ``deadline.RESERVE`` seconds left and a throttling backoff never eats into them
(``deadline.bounded_sleep``); what does not fit is left, unclaimed, to the next run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from . import lifecycle_metrics, names
from .activities import FAILED, finished_scale_outs, first_datapoint, triggering_alarm
from .aws import RECORDER, Clients, error_code
from .claims import Claims
from .deadline import DEFAULT_REMAINING, RESERVE, bounded_sleep, remaining_seconds
from .recorder_config import Config, Target
from .attribution import owned_transition
from .stage_evidence import StageEvidence
from .stages import StageReader, detection_seconds
from .records import datum as _datum
from .records import log_event

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)
_log = partial(log_event, LOG)  # one JSON line per event (runtime.records)

RECORD_LOOKBACK = timedelta(hours=1)  # activities that ended longer ago are not recorded any more
LOOKBACK = timedelta(hours=6)  # how much older the activities read for the count before may be
MAX_PAGES = 10
HISTORY_BEFORE = timedelta(minutes=30)
_MAX_DATUMS = 1000  # PutMetricData limit per call
_CAPACITY = "InsufficientInstanceCapacity"
_GONE = frozenset({"ValidationException"})  # SageMaker's answer for a resource that does not exist


class RecorderIncomplete(Exception):
    """Raised at the end of a run that could not record some items (each logged); the rest is published."""


class Recorder:
    def __init__(self, config: Config, clients: Clients, *, now: Any = None, stage_reader: StageReader | None = None,
                 remaining: Callable[[], float] | None = None) -> None:  # fmt: skip
        self.config, self.clients = config, clients
        self.now = now or (lambda: datetime.now(timezone.utc))
        self.remaining = remaining if remaining is not None else (lambda: DEFAULT_REMAINING)  # seconds the function has
        #: SageMaker's own stage metrics for a scale-out, when something can read them (see StageReader).
        self.stage_reader = stage_reader
        self.claims = Claims(clients, config.claim_table, now=self.now, remaining=self.remaining)
        self._created: dict[str, datetime] = {}
        self._failures: list[str] = []
        self._answers: dict[str, dict[str, Any] | None] = {}  # the run's Describe* answers, reused by the stages
        self._activities_of: dict[str, list[dict[str, Any]]] = {}  # each target's activities read this run
        self._evidence = StageEvidence(config, clients, describe=self._read_once, created=lambda: self._created,
                                       stage_reader=stage_reader)  # fmt: skip

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        scheduled = _scheduled_time(event, self.now()).replace(second=0, microsecond=0)
        self._failures = []
        endpoint = self.config.endpoint_name
        counts, desired, self._created = self._counts(scheduled)  # by source; a source that failed is absent
        counts["heartbeat"] = _gauge(names.RECORDER_HEARTBEAT, {names.ENDPOINT_DIMENSION: endpoint}, 1, scheduled)
        done = {source: self._publish_once(f"run#{endpoint}#{scheduled.isoformat()}#{source}", partial(list, datums))
                for source, datums in counts.items() if datums}  # fmt: skip
        published, scale_outs = sum(d or 0 for d in done.values()), 0
        # SageMaker's stage metrics are read up to SETTLE after an activity's end: wait that long before claiming it.
        settled = scheduled - (lifecycle_metrics.SETTLE if self.stage_reader is not None else timedelta(0))
        for target in self.config.targets:
            for activity, way in self._finished(target, desired.get(target.resource_id), scheduled - RECORD_LOOKBACK):
                if activity["EndTime"] > settled:
                    _log("recorder-activity-settling", activity=activity.get("ActivityId"), ended=activity["EndTime"])
                    continue  # a later run within RECORD_LOOKBACK claims it
                count = self._publish_once(f"activity#{activity['ActivityId']}",
                                           partial(self._activity_datums, target, activity, way))  # fmt: skip
                published += count or 0
                scale_outs += bool(count)
        _log("recorder-run", endpoint=endpoint, scheduled=scheduled, published=published, scale_outs=scale_outs,
             failures=self._failures)  # fmt: skip
        if self._failures:
            raise RecorderIncomplete(f"{len(self._failures)} item(s) not recorded, left to the retry: {self._failures}")
        return {"published": published, "duplicate": done["heartbeat"] is None, "scale_outs": scale_outs}

    # Exactly once ------------------------------------------------------------------------------------------------
    def _publish_once(self, key: str, build: Callable[[], list[dict[str, Any]]]) -> int | None:
        """Claim, build, publish in one call, complete: the number published, None when claimed before (by a
        completed or a live run), 0 on a failure (logged, released, counted; never raised)."""
        taken = self._attempt("claim", key, lambda: self.claims.take(key))
        if not taken:
            return 0 if taken is None else None
        try:
            datums = build()
            self._publish(datums)
        except Exception as error:  # noqa: BLE001
            self.claims.release(key)
            self._fail("publish", key, error)
            return 0
        self.claims.complete(key)
        return len(datums)

    def _attempt(self, stage: str, item: str, call: Callable[[], Any], ok: frozenset[str] = frozenset(), ok_value: Any = None) -> Any:
        """``call()``; ``ok_value`` on an error whose code is ``ok``; None (the item's failure) on any other."""
        if self.remaining() < RESERVE:
            self._fail("out-of-time", item, None)
            return None
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - per item; the run raises at its end
            if error_code(error) in ok:
                return ok_value
            self._fail(stage, item, error)
            return None

    def _fail(self, stage: str, item: str, error: Exception | None) -> None:
        self._failures.append(f"{stage}:{item}")
        _log("recorder-item-failed", stage=stage, item=item, error=None if error is None else error_code(error) or repr(error))

    def _optional(self, part: str, activity: Mapping[str, Any], read: Callable[[], Any]) -> Any:
        """``read()``, or None when it fails: an optional part costs only itself."""
        try:
            return read()
        except Exception as error:  # noqa: BLE001 - detection, stages and the cache ratio are optional
            _log("recorder-optional-part-failed", part=part, activity=activity.get("ActivityId"), error=error_code(error) or repr(error))
            return None

    # Gauges ------------------------------------------------------------------------------------------------------
    def _counts(self, at: datetime) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int], dict[str, datetime]]:
        """The count datums by source (the endpoint, each component; each claimed on its own, so a retry redoes
        only a source whose read failed, which is absent here), the desired count of each target by resource id
        (the count before a failed change), and each target's creation time (the start of its cold deployment)."""
        counts: dict[str, list[dict[str, Any]]] = {}
        desired: dict[str, int] = {}
        created: dict[str, datetime] = {}
        variant_id = f"endpoint/{self.config.endpoint_name}/variant/{self.config.variant_name}"
        answer = self._describe("describe_endpoint", EndpointName=self.config.endpoint_name)
        if answer is not None:
            datums = counts["endpoint"] = []
            dims = {names.ENDPOINT_DIMENSION: self.config.endpoint_name}
            for variant in answer.get("ProductionVariants", []):
                if variant.get("VariantName") == self.config.variant_name:
                    datums += _gauge(names.DESIRED_INSTANCE_COUNT, dims, variant.get("DesiredInstanceCount"), at)
                    datums += _gauge(names.CURRENT_INSTANCE_COUNT, dims, variant.get("CurrentInstanceCount"), at)
                    _put(desired, variant_id, variant.get("DesiredInstanceCount"))
                    _put(created, variant_id, answer.get("CreationTime"))
        for component in self.config.components:
            answer = self._describe("describe_inference_component", InferenceComponentName=component)
            if answer is None:
                continue
            runtime, dims = answer.get("RuntimeConfig", {}), {names.COMPONENT_DIMENSION: component}
            counts[f"component#{component}"] = [
                *_gauge(names.DESIRED_COPY_COUNT, dims, runtime.get("DesiredCopyCount"), at),
                *_gauge(names.CURRENT_COPY_COUNT, dims, runtime.get("CurrentCopyCount"), at)]  # fmt: skip
            _put(desired, f"inference-component/{component}", runtime.get("DesiredCopyCount"))
            _put(created, f"inference-component/{component}", answer.get("CreationTime"))
        return counts, desired, created

    def _describe(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """The answer; {} when the resource does not exist (yet, or any more); None when it cannot be read (logged,
        the run's failure). Read once per run: the stages reuse it (``_read_once``)."""
        key = json.dumps([operation, params], sort_keys=True, default=str)
        if key not in self._answers:
            call = partial(self.clients.call, "sagemaker", operation, **params)
            self._answers[key] = self._attempt(operation, ",".join(map(str, params.values())), call, _GONE, {})
        return self._answers[key]

    def _read_once(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """For the stages (optional): the run's answer when it has one, else a read whose failure is the caller's;
        None when the resource does not exist or the run could not read it."""
        key = json.dumps([operation, params], sort_keys=True, default=str)
        if key not in self._answers:
            try:
                self._answers[key] = self.clients.call("sagemaker", operation, **params)
            except Exception as error:  # noqa: BLE001
                if error_code(error) not in _GONE:
                    raise
                self._answers[key] = {}
        return self._answers[key] or None

    # Scale-out activities ----------------------------------------------------------------------------------------
    def _finished(self, target: Target, desired_now: int | None, oldest_end: datetime) -> list[tuple[dict[str, Any], str | None]]:
        """The target's activities that ended since ``oldest_end`` and are (or may be) scale-outs, with their
        direction (None: unknown, recorded as nothing but a log line). All the activities read are kept for the
        attribution of stages (``runtime.attribution``)."""
        read = lambda: self._activities(target, oldest_start=oldest_end - LOOKBACK)  # noqa: E731 - newest first
        activities = self._attempt("activities", target.resource_id, read)
        if activities is None:
            return []
        self._activities_of[target.resource_id] = activities
        return finished_scale_outs(activities, oldest_end=oldest_end, desired_now=desired_now,
                                   wake_alarms=self.config.wake_alarms)  # fmt: skip

    def _activity_datums(self, target: Target, activity: dict[str, Any], way: str | None) -> list[dict[str, Any]]:
        status, ended = activity["StatusCode"], activity["EndTime"]
        if way is None:
            _log("recorder-direction-unknown", resource=target.resource_id, activity=activity.get("ActivityId"))
            return []
        if status in FAILED:
            datums = [_datum(names.SCALE_OUT_FAILURES, target.dims, 1, "Count", ended)]
            if _CAPACITY in (activity.get("StatusMessage") or ""):
                datums.append(_datum(names.SCALE_OUT_CAPACITY_FAILURES, target.dims, 1, "Count", ended))
            return datums
        if status != "Successful":  # Overridden: it never finished; the activity that replaced it is recorded
            _log("recorder-scale-out-overridden", resource=target.resource_id, activity=activity.get("ActivityId"))
            return []
        seconds = (ended - activity["StartTime"]).total_seconds()
        datums = [_datum(names.SCALE_OUT_LATENCY, target.dims, seconds, "Seconds", ended)]
        activities = self._activities_of.get(target.resource_id, [])  # the target's others, for attribution
        alarm = self._optional("alarm-evaluation", activity, lambda: self._alarm_evaluation(activity, activities))
        detection = detection_seconds(activity, alarm)
        if detection is not None:
            datums.append(_datum(names.SCALE_OUT_DETECTION_LATENCY, target.dims, detection, "Seconds", ended))
        if self.config.stage_logs:
            datums += self._optional("stages", activity, lambda: list(self._stage_datums(target, activity, alarm, activities))) or []
        return datums

    def _activities(self, target: Target, *, oldest_start: datetime) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"ServiceNamespace": "sagemaker", "ResourceId": target.resource_id,
                                  "ScalableDimension": target.dimension, "MaxResults": 50}  # fmt: skip
        activities: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            answer = self.clients.call("application-autoscaling", "describe_scaling_activities", **params)
            page = answer.get("ScalingActivities", [])
            activities += page
            if not answer.get("NextToken") or any(a["StartTime"] < oldest_start for a in page):
                return activities
            params["NextToken"] = answer["NextToken"]
        _log("recorder-activities-truncated", resource=target.resource_id, pages=MAX_PAGES)
        return activities

    def _alarm_evaluation(self, activity: dict[str, Any],
                          activities: Sequence[Mapping[str, Any]] = ()) -> tuple[datetime, datetime] | None:  # fmt: skip
        """(first datapoint evaluated, time of the ALARM state) of the alarm that started the activity, if known and
        its own: an ALARM transition that an earlier activity of the target (``activities``) already answered is not
        this one's (see ``runtime.attribution``)."""
        alarm = triggering_alarm(activity)
        if alarm is None:
            return None
        started = activity["StartTime"]
        try:
            answer = self.clients.call(
                "cloudwatch", "describe_alarm_history", AlarmName=alarm, HistoryItemType="StateUpdate",
                StartDate=started - HISTORY_BEFORE, EndDate=started + timedelta(minutes=1), ScanBy="TimestampDescending",
            )  # fmt: skip
            for item in answer.get("AlarmHistoryItems", []):  # newest first
                if item["Timestamp"] > started:
                    continue
                data = json.loads(item.get("HistoryData") or "{}")
                if data.get("newState", {}).get("stateValue") != "ALARM":
                    continue
                owner = owned_transition(activity, activities, item["Timestamp"])
                if owner is not None:
                    _log("recorder-alarm-transition-not-owned", alarm=alarm, activity=activity.get("ActivityId"),
                         owner=owner, transition=item["Timestamp"])  # fmt: skip
                    return None
                first = first_datapoint(data["newState"].get("stateReasonData") or {})
                return None if first is None else (first, item["Timestamp"])
        except Exception as error:  # noqa: BLE001 - detection is a bonus; the scale-out latency still counts
            _log("recorder-alarm-history-failed", alarm=alarm, error=error_code(error) or repr(error))
        return None

    # Stage timeline (runtime.stage_evidence) -----------------------------------------------------------------------
    def _stage_datums(self, target: Target, activity: dict[str, Any], alarm: tuple[datetime, datetime] | None,
                      activities: Sequence[Mapping[str, Any]] = ()) -> Iterator[dict[str, Any]]:  # fmt: skip
        return self._evidence.datums(target, activity, alarm, activities)

    def _publish(self, datums: list[dict[str, Any]]) -> None:  # one call: a claim never spans two
        assert len(datums) <= _MAX_DATUMS, "a claim holds one call's datums (at most ~15)"
        if datums:
            self.clients.call("cloudwatch", "put_metric_data", Namespace=names.published_namespace(self.config.endpoint_name), MetricData=datums)


def _put(into: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        into[key] = value


def _gauge(name: str, dims: Mapping[str, str], value: Any, at: datetime) -> list[dict[str, Any]]:
    return [] if value is None else [_datum(name, dims, value, "Count", at)]


def _scheduled_time(event: dict[str, Any], fallback: datetime) -> datetime:
    value = event.get("time") if isinstance(event, dict) else None
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else fallback


_CLIENTS = Clients(budget=RECORDER)  # boto3 clients with the recorder's call budget, kept across warm invocations


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    remaining = remaining_seconds(context)
    clients = Clients(_CLIENTS.client, sleep=bounded_sleep(remaining), budget=RECORDER).for_invocation(context)
    return Recorder(Config.from_env(), clients, remaining=remaining, stage_reader=lifecycle_metrics.from_env()).run(event)
