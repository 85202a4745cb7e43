"""A scripted fake AWS that plays whole scale-outs for the scale-out recorder, minute by minute.

A ``Scenario`` scripts what happens to one inference component: the datapoints over target that trip its
target-tracking alarm, the alarm's ALARM state, the scaling activity (in progress, then Successful or Failed), the
new copy's log stream and its first event, and the copy counts. Its stages are *scripted as durations*; the timeline
of timestamps is derived from them, and the recorder must recover exactly those durations from what it reads.

``simulate(scenario)`` runs ``Recorder.run`` for every minute of the scenario, as EventBridge would, against
``FakeAws``. FakeAws answers each call from a cited fixture of ``tests/fixtures`` (templated with the scenario's
times, names and counts) and serves it through botocore's Stubber on a real client, so every request is checked
against the service model's input shape and every answer against its output shape. DynamoDB keeps the recorder's
claims and cold baseline in a dict; PutMetricData (which has no output shape) is captured as the published series.

The result exposes what the recorder published as time series (``Result.series``: metric key -> [(timestamp,
value)]), which is what ``docs/dashboard.png`` is rendered from, and the recorder's log lines.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import boto3
from botocore.stub import Stubber

from constructs_pkg.runtime import names
from constructs_pkg.runtime.aws import Clients
from constructs_pkg.runtime.recorder import LOG as RECORDER_LOG
from constructs_pkg.runtime.recorder import Config, Recorder

from . import fixtures

REGION = "us-east-1"
TABLE = "claims"
ALARM_PERIOD = timedelta(seconds=10)  # the high-resolution AlarmHigh: 3 datapoints of 10 s
STREAM_BEFORE_FIRST_EVENT = timedelta(seconds=8)  # a stream is created a little before its first line arrives

# Cited templates (tests/fixtures), one per AWS shape the simulation serves.
ENDPOINT = "sagemaker/describe_endpoint/component_endpoint_in_service"
COMPONENT = "sagemaker/describe_inference_component/in_service"
OUT_SUCCESSFUL = "application_autoscaling/describe_scaling_activities/component_scale_out_successful"
OUT_IN_PROGRESS = "application_autoscaling/describe_scaling_activities/component_in_progress"
OUT_FAILED_ICE = "application_autoscaling/describe_scaling_activities/component_scale_out_failed"
IN_SUCCESSFUL = "application_autoscaling/describe_scaling_activities/component_scale_in_successful"
ALARM_HIGH = "cloudwatch/describe_alarm_history/component_alarm_high"
STREAMS = "logs/describe_log_streams/component_scale_out"
BASELINE_ITEM = "dynamodb/get_item/cold_baseline"
NO_ITEM = "dynamodb/get_item/none"
STORED = "dynamodb/put_item/stored"
SCHEDULED = "events/scheduled"


def _template(name: str, service: str) -> dict:
    """A fresh copy of a cited fixture's answer, timestamps parsed by the service model."""
    return fixtures.response(name, _model_client(service))


@cache
def _model_client(service: str) -> Any:
    return boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


@dataclass(frozen=True)
class ScaleEvent:
    """One scripted scaling activity; the stage durations are what the recorder must find."""

    kind: str  # "out" (Successful scale-out), "ice" (scale-out Failed for capacity), "in" (Successful scale-in)
    first_datapoint: datetime  # the first datapoint over target (out, ice) or under it (in)
    copies_before: int
    copies_after: int
    alarm_evaluation: float = 48.0  # first datapoint -> ALARM
    alarm_to_activity: float = 7.0  # ALARM -> activity start
    provisioning_and_pull: float = 120.0  # activity start -> the new copy's first log event
    load_and_health_check: float = 140.0  # that first event -> activity end
    failure_after: float = 530.0  # ice: activity start -> Failed

    @property
    def alarm_at(self) -> datetime:
        return self.first_datapoint + timedelta(seconds=self.alarm_evaluation)

    @property
    def started(self) -> datetime:
        return self.alarm_at + timedelta(seconds=self.alarm_to_activity)

    @property
    def first_event(self) -> datetime | None:
        return self.started + timedelta(seconds=self.provisioning_and_pull) if self.kind == "out" else None

    @property
    def ended(self) -> datetime:
        if self.kind == "ice":
            return self.started + timedelta(seconds=self.failure_after)
        if self.kind == "in":
            return self.started + timedelta(seconds=30)
        return self.started + timedelta(seconds=self.provisioning_and_pull + self.load_and_health_check)

    def expected_stages(self) -> dict[str, float]:
        """The scripted stages the recorder must publish for this event (none unless a Successful scale-out)."""
        if self.kind != "out":
            return {}
        return {
            names.STAGE_ALARM_EVALUATION: self.alarm_evaluation,
            names.STAGE_ALARM_TO_ACTIVITY: self.alarm_to_activity,
            names.STAGE_PROVISIONING_AND_PULL: self.provisioning_and_pull,
            names.STAGE_LOAD_AND_HEALTH_CHECK: self.load_and_health_check,
        }


@dataclass(frozen=True)
class Scenario:
    name: str
    events: tuple[ScaleEvent, ...]
    #: The component's first, cold deployment onto the endpoint's new instances: the endpoint's creation -> the
    #: first event of the component's first stream.
    cold_provisioning_and_pull: float = 305.0
    #: Minutes after the last activity ends that the recorder keeps running (it lags its window by 2-3 minutes).
    tail_minutes: int = 5

    @property
    def component(self) -> str:
        return fixtures.response(COMPONENT)["InferenceComponentName"]

    @property
    def endpoint(self) -> str:
        return fixtures.response(ENDPOINT)["EndpointName"]

    @property
    def created(self) -> datetime:
        """The endpoint's creation: its instances were launched then, and the component deployed onto them."""
        return _template(ENDPOINT, "sagemaker")["CreationTime"]

    @property
    def start(self) -> datetime:
        return min(e.first_datapoint for e in self.events).replace(second=0, microsecond=0) - timedelta(minutes=2)

    @property
    def end(self) -> datetime:
        return max(e.ended for e in self.events) + timedelta(minutes=self.tail_minutes)

    def config(self) -> Config:
        return Config(endpoint_name=self.endpoint, variant_name="AllTraffic", components=(self.component,),
                      claim_table=TABLE, stage_logs=True)  # fmt: skip

    def expected_ratio(self, event: ScaleEvent) -> float:
        """ProvisioningPullToColdRatio the recorder must publish for a Successful scale-out."""
        return event.provisioning_and_pull / self.cold_provisioning_and_pull

    def copies(self, at: datetime) -> tuple[int, int]:
        """(desired, current) copy count at ``at``."""
        desired = current = self.events[0].copies_before
        for event in self.events:
            if at >= event.started:
                desired = event.copies_after
                current = event.copies_before
            if at >= event.ended:
                desired = current = event.copies_before if event.kind == "ice" else event.copies_after
        return desired, current

    def datapoints(self) -> list[tuple[datetime, float]]:
        """The scripted ConcurrentRequestsPerCopy datapoints that trip the alarms (for charts)."""
        points = []
        for event in self.events:
            over = event.kind != "in"
            for i in range(3):
                points.append((event.first_datapoint + i * ALARM_PERIOD, (7.0 + i) if over else 0.0))
        return points


BASE = datetime(2026, 11, 24, 10, 0, 10, tzinfo=timezone.utc)

#: The scale-out whose image came from the endpoint's cache: its pull is well under the cold deployment's.
WARM = Scenario("warm", (ScaleEvent("out", BASE, 1, 2, provisioning_and_pull=122.0, load_and_health_check=141.0),))
#: The same scale-out after the image drifted (a mutable tag moved): it pulls like the cold deployment.
CACHE_MISS = Scenario("cache-miss", (ScaleEvent("out", BASE, 1, 2, provisioning_and_pull=296.0,
                                                load_and_health_check=143.0),))  # fmt: skip
#: A scale-out that fails for capacity (InsufficientInstanceCapacity): a failure, no stages.
ICE = Scenario("insufficient-capacity", (ScaleEvent("ice", BASE, 1, 2),))
#: A scale-in: nothing but the copy counts.
SCALE_IN = Scenario("scale-in", (ScaleEvent("in", BASE, 2, 1),))
SCENARIOS = {s.name: s for s in (WARM, CACHE_MISS, ICE, SCALE_IN)}


# The fake ---------------------------------------------------------------------------------------------------------


class _Error(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class FakeAws:
    """Answers the recorder's calls from the scenario at the simulated time ``now``."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.now = scenario.start
        self.items: dict[str, dict] = {}
        self.published: list[dict] = []
        self.calls: list[tuple[str, str]] = []
        self.clients = Clients(self._client, sleep=lambda _seconds: None)

    def _client(self, service: str, region: str | None) -> _StubbedProxy:
        return _StubbedProxy(self, service)

    # One method per operation the recorder calls --------------------------------------------------------------
    def answer(self, service: str, operation: str, params: dict) -> dict:
        self.calls.append((service, operation))
        method = getattr(self, f"_{service.replace('-', '_')}_{operation}", None)
        if method is None:
            raise AssertionError(f"the simulation does not script {service}.{operation}")
        return method(**params)

    def _sagemaker_describe_endpoint(self, EndpointName: str) -> dict:
        answer = _template(ENDPOINT, "sagemaker")
        desired, current = self.scenario.copies(self.now)  # one copy per instance in this script
        answer["ProductionVariants"][0].update(DesiredInstanceCount=desired, CurrentInstanceCount=current)
        return answer

    def _sagemaker_describe_inference_component(self, InferenceComponentName: str) -> dict:
        answer = _template(COMPONENT, "sagemaker")
        desired, current = self.scenario.copies(self.now)
        answer["RuntimeConfig"].update(DesiredCopyCount=desired, CurrentCopyCount=current)
        return answer

    def _application_autoscaling_describe_scaling_activities(self, **params: Any) -> dict:
        visible = [(i, e) for i, e in enumerate(self.scenario.events) if e.started <= self.now]
        return {"ScalingActivities": [self._activity(i, e) for i, e in reversed(visible)]}  # newest first

    def _activity(self, index: int, event: ScaleEvent) -> dict:
        done = event.ended <= self.now
        name = {"out": OUT_SUCCESSFUL if done else OUT_IN_PROGRESS, "ice": OUT_FAILED_ICE if done else OUT_IN_PROGRESS,
                "in": IN_SUCCESSFUL}[event.kind]  # fmt: skip
        item = _template(name, "application-autoscaling")["ScalingActivities"][0]
        item["ActivityId"] = f"5a1e0000-0000-4000-8000-{index:012d}"
        item["ResourceId"] = f"inference-component/{self.scenario.component}"
        item["StartTime"] = event.started
        for key in ("Description", "StatusMessage"):
            if key in item:
                item[key] = re.sub(r"\bto \d+\b", f"to {event.copies_after}", item[key])
        if done:
            item["EndTime"] = event.ended
        return item

    def _cloudwatch_describe_alarm_history(self, AlarmName: str, StartDate: datetime, EndDate: datetime,
                                           **_: Any) -> dict:  # fmt: skip
        items = []
        for event in self.scenario.events:
            if event.kind == "in" or not StartDate <= event.alarm_at <= min(EndDate, self.now):
                continue
            items.append(self._alarm_item(AlarmName, event))
        items.sort(key=lambda item: item["Timestamp"], reverse=True)
        return {"AlarmHistoryItems": items}

    def _alarm_item(self, alarm: str, event: ScaleEvent) -> dict:
        item = next(i for i in _template(ALARM_HIGH, "cloudwatch")["AlarmHistoryItems"]
                    if "to ALARM" in i["HistorySummary"])  # fmt: skip
        data = json.loads(item["HistoryData"])
        reason = data["newState"]["stateReasonData"]
        points = [(event.first_datapoint + i * ALARM_PERIOD, 7.0 + i) for i in range(3)]
        newest, value = points[-1]
        reason.update(queryDate=_cw(event.alarm_at), startDate=_cw(event.first_datapoint), recentDatapoints=[value],
                      evaluatedDatapoints=[{"timestamp": _cw(newest), "sampleCount": 1.0, "value": value}])  # fmt: skip
        listed = ", ".join(f"{v} ({t:%d/%m/%y %H:%M:%S})" for t, v in reversed(points))
        data["newState"]["stateReason"] = re.sub(r"\[.*\]", f"[{listed}]", data["newState"]["stateReason"])
        item.update(AlarmName=alarm, Timestamp=event.alarm_at, HistoryData=json.dumps(data))
        return item

    def _cloudwatch_put_metric_data(self, Namespace: str, MetricData: list[dict]) -> dict:
        assert Namespace == names.endpoint_namespace(self.scenario.endpoint)
        self.published += copy.deepcopy(MetricData)
        return {}  # PutMetricData has no output shape

    def _logs_describe_log_streams(self, logGroupName: str, limit: int = 50, orderBy: str = "LogStreamName",
                                   descending: bool = False, nextToken: str | None = None) -> dict:  # fmt: skip
        assert logGroupName == names.component_log_group(self.scenario.component)
        template = _template(STREAMS, "logs")["logStreams"][0]
        cold = self.scenario.created + timedelta(seconds=self.scenario.cold_provisioning_and_pull)
        firsts = [cold] + [e.first_event for e in self.scenario.events if e.first_event is not None]
        streams = []
        for index, first in enumerate(firsts):
            created = first - STREAM_BEFORE_FIRST_EVENT
            if created > self.now:
                continue
            stream = copy.deepcopy(template)
            name = f"{'ZYXWVUTSRQ'[index % 10]}{index:035d}"  # opaque, 36 characters; sorts newest first by name
            last = max(first, self.now - timedelta(seconds=5))
            arn = f"{template['arn'].split(':log-group:')[0]}:log-group:{logGroupName}:log-stream:{name}"
            stream.update(logStreamName=name, creationTime=_ms(created), lastEventTimestamp=_ms(last),
                          lastIngestionTime=_ms(last) + 600, arn=arn)  # fmt: skip
            if first <= self.now:
                stream["firstEventTimestamp"] = _ms(first)
            else:  # no event yet
                for key in ("firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"):
                    stream.pop(key)
            streams.append(stream)
        key = "lastEventTimestamp" if orderBy == "LastEventTime" else "logStreamName"
        streams.sort(key=lambda s: s.get(key, 0), reverse=descending)
        offset = int(nextToken or 0)
        page = {"logStreams": streams[offset : offset + limit]}
        if offset + limit < len(streams):
            page["nextToken"] = str(offset + limit)
        return page

    def _dynamodb_put_item(self, TableName: str, Item: dict, ConditionExpression: str | None = None,
                           **expression: Any) -> dict:  # fmt: skip
        key = Item["pk"]["S"]
        held = self.items.get(key)
        if ConditionExpression is not None and held is not None and not _lease_ended(held, expression):
            raise _Error("ConditionalCheckFailedException", "The conditional request failed")
        self.items[key] = copy.deepcopy(Item)
        return _template(STORED, "dynamodb")

    def _dynamodb_get_item(self, TableName: str, Key: dict) -> dict:
        item = self.items.get(Key["pk"]["S"])
        if item is None:
            return _template(NO_ITEM, "dynamodb")
        answer = _template(BASELINE_ITEM, "dynamodb")
        answer["Item"] = copy.deepcopy(item)
        return answer

    def _dynamodb_delete_item(self, TableName: str, Key: dict, **condition: Any) -> dict:
        self.items.pop(Key["pk"]["S"], None)
        return _template(STORED, "dynamodb")  # DeleteItem's members are optional in the same way


def _lease_ended(held: dict, expression: dict) -> bool:
    """The claim condition of ``runtime.claims`` (``attribute_not_exists(pk) OR (#status = :inprogress AND #lease <
    :now)``) for an item that exists; a condition without ``:now`` (the cold baseline's) refuses any existing item."""
    values = expression.get("ExpressionAttributeValues", {})
    if ":now" not in values or held.get("status") != values[":inprogress"] or "lease" not in held:
        return False
    return int(held["lease"]["N"]) < int(values[":now"]["N"])


class _StubbedProxy:
    """A real boto3 client with a Stubber: each call queues FakeAws's answer, so botocore checks the request
    against the input shape and the answer against the output shape before the recorder sees it."""

    def __init__(self, fake: FakeAws, service: str) -> None:
        self._fake, self._service = fake, service
        self._client = boto3.client(service, region_name=REGION, aws_access_key_id="testing",
                                    aws_secret_access_key="testing")  # fmt: skip
        self._stubber = Stubber(self._client)
        self._stubber.activate()

    def __getattr__(self, operation: str) -> Any:
        def call(**params: Any) -> dict:
            try:
                answer = self._fake.answer(self._service, operation, params)
            except _Error as error:
                self._stubber.add_client_error(operation, error.code, str(error), 400)
            else:
                self._stubber.add_response(operation, answer, params)
            return getattr(self._client, operation)(**params)

        return call


# Running ----------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: Scenario
    #: Every datum the recorder published, as sent to PutMetricData.
    datums: list[dict]
    #: The recorder's JSON log lines, parsed.
    logs: list[dict]
    #: Each run's return value, in order.
    runs: list[dict] = field(default_factory=list)
    #: (service, operation) of every AWS call, in order.
    calls: list[tuple[str, str]] = field(default_factory=list)

    @property
    def series(self) -> dict[str, list[tuple[datetime, float]]]:
        """Metric key -> [(timestamp, value)], sorted by time. The key is the metric name, or ``<name>/<Stage>``
        for ScaleOutStageSeconds."""
        out: dict[str, list[tuple[datetime, float]]] = {}
        for datum in self.datums:
            dims = {d["Name"]: d["Value"] for d in datum["Dimensions"]}
            key = datum["MetricName"]
            if names.STAGE_DIMENSION in dims:
                key = f"{key}/{dims[names.STAGE_DIMENSION]}"
            out.setdefault(key, []).append((datum["Timestamp"], datum["Value"]))
        return {k: sorted(v) for k, v in out.items()}

    def stages(self) -> list[dict[str, float]]:
        """The stages published per scale-out, in order of their end."""
        by_end: dict[datetime, dict[str, float]] = {}
        for key, points in self.series.items():
            if key.startswith(names.SCALE_OUT_STAGE_SECONDS + "/"):
                for at, value in points:
                    by_end.setdefault(at, {})[key.split("/", 1)[1]] = value
        return [by_end[at] for at in sorted(by_end)]

    def log_lines(self, event: str) -> list[dict]:
        return [line for line in self.logs if line.get("event") == event]


def minutes(scenario: Scenario) -> Iterator[datetime]:
    at = scenario.start
    while at <= scenario.end:
        yield at
        at += timedelta(minutes=1)


def simulate(scenario: Scenario, *, deliveries: int = 1, late: timedelta = timedelta(seconds=5)) -> Result:
    """Run the recorder once a minute over the scenario (``deliveries`` times per scheduled event)."""
    fake = FakeAws(scenario)
    lines: list[dict] = []
    handler = _Capture(lines)
    RECORDER_LOG.addHandler(handler)
    runs = []
    try:
        for at in minutes(scenario):
            fake.now = at + late
            for _ in range(deliveries):
                event = fixtures.event(SCHEDULED, time=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
                runs.append(Recorder(scenario.config(), fake.clients, now=lambda: fake.now).run(event))
    finally:
        RECORDER_LOG.removeHandler(handler)
    return Result(scenario, fake.published, lines, runs, fake.calls)


class _Capture(logging.Handler):
    def __init__(self, lines: list[dict]) -> None:
        super().__init__(logging.INFO)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


def _cw(at: datetime) -> str:
    """CloudWatch alarm-history time format, e.g. ``2026-11-24T03:52:10.000+0000``."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
