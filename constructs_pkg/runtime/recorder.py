"""The scale-out latency recorder: ``runtime.recorder.handler``, run by EventBridge once a minute.

SageMaker publishes no metric for copy counts, instance counts or the time a scale-out takes. Each run publishes,
in the library namespace:
- the desired and current copy count of every component and instance count of the endpoint (at the run's time);
- for every scale-out activity of a component that *ended* in the run's window: its latency (EndTime - StartTime)
  and its detection latency (StartTime - the first datapoint its alarm evaluated), timestamped at its end.

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
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from . import names
from .aws import Clients, error_code

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)

WINDOW = timedelta(minutes=1)
LAG = timedelta(minutes=2)
LOOKBACK = timedelta(hours=6)  # activities that started earlier than this before the window are not searched
CLAIM_TTL = timedelta(days=2)
HISTORY_BEFORE = timedelta(minutes=30)
SCALABLE_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
_CAPACITY_CHANGE = re.compile(r"from (\d+) to (\d+)")
_ALARM = re.compile(r"monitor alarm (\S+) in state ALARM")
_FAILED = frozenset({"Failed", "Unfulfilled"})
_UNFINISHED = frozenset({"Pending", "InProgress"})
_MAX_DATUMS = 1000  # PutMetricData limit per call


@dataclass(frozen=True)
class Config:
    endpoint_name: str
    variant_name: str
    components: tuple[str, ...]
    claim_table: str
    #: True for a single-model endpoint scaled on instances: its variant's activities are recorded too.
    variant_scaled: bool = False

    @property
    def scaled_targets(self) -> list[tuple[str, str, dict[str, str]]]:
        """(Application Auto Scaling resource id, scalable dimension, metric dimensions) of each recorded target."""
        targets = [(f"inference-component/{c}", SCALABLE_DIMENSION, {names.COMPONENT_DIMENSION: c})
                   for c in self.components]  # fmt: skip
        if self.variant_scaled:
            targets.append((f"endpoint/{self.endpoint_name}/variant/{self.variant_name}", VARIANT_DIMENSION,
                            {names.ENDPOINT_DIMENSION: self.endpoint_name}))  # fmt: skip
        return targets

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ) if env is None else env
        return cls(
            endpoint_name=env["ENDPOINT_NAME"],
            variant_name=env["VARIANT_NAME"],
            components=tuple(c for c in env.get("COMPONENTS", "").split(",") if c),
            claim_table=env["CLAIM_TABLE"],
            variant_scaled=env.get("VARIANT_SCALED", "false") == "true",
        )


class Recorder:
    def __init__(self, config: Config, clients: Clients, *, now: Any = None) -> None:
        self.config = config
        self.clients = clients
        self.now = now or (lambda: datetime.now(timezone.utc))

    def run(self, event: dict) -> dict:
        scheduled = _scheduled_time(event, self.now())
        window_end = scheduled.replace(second=0, microsecond=0) - LAG
        window_start = window_end - WINDOW
        claim = f"{self.config.endpoint_name}#{window_start.isoformat()}"
        if not self._claim(claim):
            _log("recorder-window-already-recorded", endpoint=self.config.endpoint_name, window=window_start)
            return {"published": 0, "duplicate": True}
        try:
            datums = self._counts(scheduled)
            activities = 0
            for resource_id, dimension, dims in self.config.scaled_targets:
                for datum in self._activity_datums(resource_id, dimension, dims, window_start, window_end):
                    datums.append(datum)
                    activities += datum["MetricName"] == names.SCALE_OUT_LATENCY
            self._publish(datums)
        except Exception:
            self._release(claim)
            raise
        _log("recorder-run", endpoint=self.config.endpoint_name, window=window_start, datums=len(datums),
             scale_outs=activities)  # fmt: skip
        return {"published": len(datums), "duplicate": False}

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
    def _counts(self, at: datetime) -> list[dict]:
        datums: list[dict] = []
        endpoint = {names.ENDPOINT_DIMENSION: self.config.endpoint_name}
        answer = self._describe("describe_endpoint", EndpointName=self.config.endpoint_name)
        for variant in (answer or {}).get("ProductionVariants", []):
            if variant.get("VariantName") == self.config.variant_name:
                datums += _gauge(names.DESIRED_INSTANCE_COUNT, endpoint, variant.get("DesiredInstanceCount"), at)
                datums += _gauge(names.CURRENT_INSTANCE_COUNT, endpoint, variant.get("CurrentInstanceCount"), at)
        for component in self.config.components:
            answer = self._describe("describe_inference_component", InferenceComponentName=component)
            runtime = (answer or {}).get("RuntimeConfig", {})
            dims = {names.COMPONENT_DIMENSION: component}
            datums += _gauge(names.DESIRED_COPY_COUNT, dims, runtime.get("DesiredCopyCount"), at)
            datums += _gauge(names.CURRENT_COPY_COUNT, dims, runtime.get("CurrentCopyCount"), at)
        return datums

    def _describe(self, operation: str, **params: Any) -> dict | None:
        """None when the resource does not exist (yet, or any more)."""
        try:
            return self.clients.call("sagemaker", operation, **params)
        except Exception as error:  # noqa: BLE001
            if error_code(error) == "ValidationException":
                return None
            raise

    # Scale-out activities ----------------------------------------------------------------------------------------
    def _activity_datums(
        self, resource_id: str, dimension: str, dims: dict[str, str], start: datetime, end: datetime
    ) -> Iterator[dict]:
        for activity in self._activities(resource_id, dimension, oldest_start=start - LOOKBACK):
            ended = activity.get("EndTime")
            if activity["StatusCode"] in _UNFINISHED or ended is None or not start <= ended < end:
                continue  # an unfinished activity is counted in the window where it ends
            if _direction(activity) != "out":
                continue  # scale-in, or a change that is not a scale-out
            if activity["StatusCode"] in _FAILED:
                yield _datum(names.SCALE_OUT_FAILURES, dims, 1, "Count", ended)
                continue
            if activity["StatusCode"] != "Successful":
                continue  # Overridden: superseded by a newer activity, which is counted instead
            yield _datum(names.SCALE_OUT_LATENCY, dims, (ended - activity["StartTime"]).total_seconds(), "Seconds", ended)
            detection = self._detection_seconds(activity)
            if detection is not None:
                yield _datum(names.SCALE_OUT_DETECTION_LATENCY, dims, detection, "Seconds", ended)

    def _activities(self, resource_id: str, dimension: str, *, oldest_start: datetime) -> Iterator[dict]:
        params: dict[str, Any] = {
            "ServiceNamespace": "sagemaker",
            "ResourceId": resource_id,
            "ScalableDimension": dimension,
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

    def _detection_seconds(self, activity: dict) -> float | None:
        match = _ALARM.search(activity.get("Cause", ""))
        if not match:
            return None
        started = activity["StartTime"]
        try:
            answer = self.clients.call(
                "cloudwatch", "describe_alarm_history", AlarmName=match.group(1), HistoryItemType="StateUpdate",
                StartDate=started - HISTORY_BEFORE, EndDate=started + timedelta(minutes=1), ScanBy="TimestampDescending",
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - detection is a bonus; the scale-out latency still counts
            _log("recorder-alarm-history-failed", alarm=match.group(1), error=error_code(error) or str(error))
            return None
        for item in answer.get("AlarmHistoryItems", []):
            if item["Timestamp"] > started:
                continue
            data = json.loads(item.get("HistoryData") or "{}")
            if data.get("newState", {}).get("stateValue") != "ALARM":
                continue
            points = data["newState"].get("stateReasonData", {}).get("evaluatedDatapoints", [])
            stamps = [_parse_time(p["timestamp"]) for p in points if "timestamp" in p]
            if not stamps:
                return None
            seconds = (started - min(stamps)).total_seconds()
            return seconds if seconds >= 0 else None
        return None

    def _publish(self, datums: list[dict]) -> None:
        for i in range(0, len(datums), _MAX_DATUMS):
            self.clients.call("cloudwatch", "put_metric_data", Namespace=names.NAMESPACE, MetricData=datums[i : i + _MAX_DATUMS])


def _direction(activity: dict) -> str | None:
    match = _CAPACITY_CHANGE.search(activity.get("Cause", "")) or _CAPACITY_CHANGE.search(activity.get("StatusMessage", ""))
    if not match:
        return None
    before, after = int(match.group(1)), int(match.group(2))
    return "out" if after > before else "in" if after < before else None


def _gauge(name: str, dims: dict[str, str], value: Any, at: datetime) -> list[dict]:
    return [] if value is None else [_datum(name, dims, value, "Count", at)]


def _datum(name: str, dims: dict[str, str], value: float, unit: str, at: datetime) -> dict:
    return {
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
        "Timestamp": at,
        "Value": float(value),
        "Unit": unit,
    }


def _parse_time(value: str) -> datetime:
    """CloudWatch alarm-history timestamps, e.g. ``2026-11-24T03:40:10.000+0000``."""
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _scheduled_time(event: dict, fallback: datetime) -> datetime:
    value = event.get("time") if isinstance(event, dict) else None
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else fallback


def _log(kind: str, **fields: Any) -> None:
    LOG.info(json.dumps({"event": kind, **fields}, default=str, sort_keys=True))


_CLIENTS = Clients()


def handler(event: dict, context: object) -> dict:
    return Recorder(Config.from_env(), _CLIENTS).run(event)
