"""The scale-out latency recorder: ``runtime.recorder.handler``, run by EventBridge once a minute.

SageMaker publishes no metric for copy counts, instance counts or the time a scale-out takes. Each run publishes,
in the library namespace:
- the desired and current copy count of every component and instance count of the endpoint (at the run's time);
- for every scale-out activity of a recorded target that *ended* in the run's window: its latency
  (EndTime - StartTime) and its detection latency (StartTime - the first datapoint its alarm evaluated), or, when it
  ended Failed or Unfulfilled, a ScaleOutFailures count; all timestamped at its end.

Which activities are scale-outs. Application Auto Scaling's wording differs by service and is not documented for
inference components ("Setting desired instance count to 48." for a variant; EC2 Auto Scaling writes
"from N to M"), so the recorder reads no noun. It decides, in this order:
1. the alarm named in Cause (``monitor alarm <name> in state ALARM``): a target-tracking ``-AlarmHigh-`` alarm or
   the library's own wake-from-zero alarm (``Config.wake_alarms``) means out, a ``-AlarmLow-`` alarm means in;
2. otherwise the target, the last ``to <N>`` in Description or StatusMessage, against the count before: the target
   of the newest older Successful activity of the same target, or, for an activity that failed (so never applied),
   the desired count the run reads now. Neither known: not recorded (logged as ``recorder-direction-unknown``).

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

Statuses. Successful: a latency. Failed/Unfulfilled: a failure. Overridden (a newer activity replaced it before it
finished): neither, because it did not finish; the activity that replaced it is recorded on its own (logged as
``recorder-scale-out-overridden``). Pending/InProgress: nothing yet; it is recorded by the run whose window holds
its EndTime, so exactly once.

Exactly once: a run owns the one-minute window of activity end times [t-3 min, t-2 min), where t is its *scheduled*
time (the event's ``time``, not the clock), so a late run still takes its own window and consecutive runs tile time.
The 2-minute lag lets DescribeScalingActivities settle. Before reading anything the run claims its window with a
conditional DynamoDB put; a doubled delivery of the same event finds the claim and publishes nothing. Everything is
published in one final PutMetricData call; if anything fails before it, the claim is released so the retry redoes
the window. (Only a crash between that call and the function's return can lose a window, never double it.)
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from . import lifecycle_metrics, names
from .activities import OUT, count_before, direction, first_datapoint, triggering_alarm
from .aws import Clients, error_code
from .recorder_config import Config, Target
from .attribution import owned_transition
from .stage_evidence import StageEvidence
from .stages import StageReader, detection_seconds

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)

WINDOW = timedelta(minutes=1)
LAG = timedelta(minutes=2)
LOOKBACK = timedelta(hours=6)  # activities that started earlier than this before the window are not searched
CLAIM_TTL = timedelta(days=2)
HISTORY_BEFORE = timedelta(minutes=30)
_FAILED = frozenset({"Failed", "Unfulfilled"})
_UNFINISHED = frozenset({"Pending", "InProgress"})
_MAX_DATUMS = 1000  # PutMetricData limit per call
_CAPACITY = "InsufficientInstanceCapacity"


class Recorder:
    def __init__(self, config: Config, clients: Clients, *, now: Any = None, stage_reader: StageReader | None = None) -> None:
        self.config = config
        self.clients = clients
        self.now = now or (lambda: datetime.now(timezone.utc))
        #: SageMaker's own stage metrics for a scale-out, when something can read them (see StageReader).
        self.stage_reader = stage_reader
        self._created: dict[str, datetime] = {}
        self._answers: dict[str, dict[str, Any] | None] = {}  # the run's Describe* answers, reused by the stages
        self._evidence = StageEvidence(config, clients, describe=self._describe, created=lambda: self._created,
                                       stage_reader=stage_reader)  # fmt: skip

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        scheduled = _scheduled_time(event, self.now())
        window_end = scheduled.replace(second=0, microsecond=0) - LAG
        window_start = window_end - WINDOW
        claim = f"{self.config.endpoint_name}#{window_start.isoformat()}"
        if not self._claim(claim):
            _log("recorder-window-already-recorded", endpoint=self.config.endpoint_name, window=window_start)
            return {"published": 0, "duplicate": True}
        try:
            datums, desired, self._created = self._counts(scheduled)
            scale_outs = 0
            for target in self.config.targets:
                for datum in self._activity_datums(target, desired.get(target.resource_id), window_start, window_end):
                    datums.append(datum)
                    scale_outs += datum["MetricName"] in (names.SCALE_OUT_LATENCY, names.SCALE_OUT_FAILURES)
            self._publish(datums)
        except Exception:
            self._release(claim)
            raise
        _log("recorder-run", endpoint=self.config.endpoint_name, window=window_start, datums=len(datums),
             scale_outs=scale_outs)  # fmt: skip
        return {"published": len(datums), "duplicate": False, "scale_outs": scale_outs}

    # Exactly-once ------------------------------------------------------------------------------------------------
    def _claim(self, key: str) -> bool:
        expires = int(time.time() + CLAIM_TTL.total_seconds())
        try:
            self.clients.call("dynamodb", "put_item", TableName=self.config.claim_table,
                              Item={"pk": {"S": key}, "expires": {"N": str(expires)}},
                              ConditionExpression="attribute_not_exists(pk)")  # fmt: skip
            return True
        except Exception as error:  # noqa: BLE001
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise

    def _release(self, key: str) -> None:
        try:
            self.clients.call("dynamodb", "delete_item", TableName=self.config.claim_table, Key={"pk": {"S": key}})
        except Exception as error:  # noqa: BLE001 - the original failure matters more
            _log("recorder-release-failed", key=key, error=error_code(error) or str(error))

    # Gauges ------------------------------------------------------------------------------------------------------
    def _counts(self, at: datetime) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, datetime]]:
        """The count datums, the desired count of each target by resource id (the count before a failed change),
        and each target's creation time (the start of its cold deployment)."""
        datums: list[dict[str, Any]] = []
        desired: dict[str, int] = {}
        created: dict[str, datetime] = {}
        endpoint = {names.ENDPOINT_DIMENSION: self.config.endpoint_name}
        answer = self._describe("describe_endpoint", EndpointName=self.config.endpoint_name)
        for variant in (answer or {}).get("ProductionVariants", []):
            if variant.get("VariantName") == self.config.variant_name:
                datums += _gauge(names.DESIRED_INSTANCE_COUNT, endpoint, variant.get("DesiredInstanceCount"), at)
                datums += _gauge(names.CURRENT_INSTANCE_COUNT, endpoint, variant.get("CurrentInstanceCount"), at)
                variant_id = f"endpoint/{self.config.endpoint_name}/variant/{self.config.variant_name}"
                if variant.get("DesiredInstanceCount") is not None:
                    desired[variant_id] = variant["DesiredInstanceCount"]
                if (answer or {}).get("CreationTime") is not None:
                    created[variant_id] = (answer or {})["CreationTime"]
        for component in self.config.components:
            answer = self._describe("describe_inference_component", InferenceComponentName=component)
            runtime = (answer or {}).get("RuntimeConfig", {})
            dims = {names.COMPONENT_DIMENSION: component}
            datums += _gauge(names.DESIRED_COPY_COUNT, dims, runtime.get("DesiredCopyCount"), at)
            datums += _gauge(names.CURRENT_COPY_COUNT, dims, runtime.get("CurrentCopyCount"), at)
            if runtime.get("DesiredCopyCount") is not None:
                desired[f"inference-component/{component}"] = runtime["DesiredCopyCount"]
            if (answer or {}).get("CreationTime") is not None:
                created[f"inference-component/{component}"] = (answer or {})["CreationTime"]
        return datums, desired, created

    def _describe(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """None when the resource does not exist (yet, or any more). Read once per run."""
        key = json.dumps([operation, params], sort_keys=True)
        if key not in self._answers:
            try:
                self._answers[key] = self.clients.call("sagemaker", operation, **params)
            except Exception as error:  # noqa: BLE001
                if error_code(error) != "ValidationException":
                    raise
                self._answers[key] = None
        return self._answers[key]

    # Scale-out activities ----------------------------------------------------------------------------------------
    def _activity_datums(self, target: Target, desired_now: int | None, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        activities = list(self._activities(target, oldest_start=start - LOOKBACK))  # newest first
        for index, activity in enumerate(activities):
            ended = activity.get("EndTime")
            status = activity["StatusCode"]
            if status in _UNFINISHED or ended is None or not start <= ended < end:
                continue  # an unfinished activity is counted in the window where it ends
            before = count_before(activities[index + 1 :])
            if before is None and status in _FAILED:
                before = desired_now  # the change never applied, so the desired count is still the one before
            way = direction(activity, wake_alarms=self.config.wake_alarms, before=before)
            if way is None:
                _log("recorder-direction-unknown", resource=target.resource_id, activity=activity.get("ActivityId"))
                continue
            if way != OUT:
                continue
            if status in _FAILED:
                yield _datum(names.SCALE_OUT_FAILURES, target.dims, 1, "Count", ended)
                if _CAPACITY in (activity.get("StatusMessage") or ""):
                    yield _datum(names.SCALE_OUT_CAPACITY_FAILURES, target.dims, 1, "Count", ended)
            elif status == "Successful":
                yield _datum(names.SCALE_OUT_LATENCY, target.dims, (ended - activity["StartTime"]).total_seconds(),
                             "Seconds", ended)  # fmt: skip
                alarm = self._alarm_evaluation(activity, activities)
                detection = detection_seconds(activity, alarm)
                if detection is not None:
                    yield _datum(names.SCALE_OUT_DETECTION_LATENCY, target.dims, detection, "Seconds", ended)
                if self.config.stage_logs:
                    yield from self._stage_datums(target, activity, alarm, activities)
            else:  # Overridden: it never finished; the activity that replaced it is recorded on its own
                _log("recorder-scale-out-overridden", resource=target.resource_id, activity=activity.get("ActivityId"))

    def _activities(self, target: Target, *, oldest_start: datetime) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "ServiceNamespace": "sagemaker",
            "ResourceId": target.resource_id,
            "ScalableDimension": target.dimension,
            "MaxResults": 50,
        }
        while True:
            answer = self.clients.call("application-autoscaling", "describe_scaling_activities", **params)
            for activity in answer.get("ScalingActivities", []):  # newest first
                if activity["StartTime"] < oldest_start:
                    return
                yield activity
            if not answer.get("NextToken"):
                return
            params["NextToken"] = answer["NextToken"]

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

    def _publish(self, datums: list[dict[str, Any]]) -> None:
        for i in range(0, len(datums), _MAX_DATUMS):
            self.clients.call("cloudwatch", "put_metric_data", Namespace=names.NAMESPACE, MetricData=datums[i : i + _MAX_DATUMS])



def _gauge(name: str, dims: Mapping[str, str], value: Any, at: datetime) -> list[dict[str, Any]]:
    return [] if value is None else [_datum(name, dims, value, "Count", at)]


def _datum(name: str, dims: Mapping[str, str], value: float, unit: str, at: datetime) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
        "Timestamp": at,
        "Value": float(value),
        "Unit": unit,
    }


def _scheduled_time(event: dict[str, Any], fallback: datetime) -> datetime:
    value = event.get("time") if isinstance(event, dict) else None
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else fallback


def _log(kind: str, **fields: Any) -> None:
    LOG.info(json.dumps({"event": kind, **fields}, default=str, sort_keys=True))


_CLIENTS = Clients()


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return Recorder(Config.from_env(), _CLIENTS, stage_reader=lifecycle_metrics.from_env()).run(event)
