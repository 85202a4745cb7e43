"""Fault injection against the scale-out recorder: each test is one row and states its outcome (nothing lost,
nothing doubled). moto keeps the claims (DynamoDB conditions behave as in AWS) and the published metrics; every
answer the recorder reads is a cited fixture served through Stubber, edited where a row varies one field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from constructs_pkg.runtime import names
from constructs_pkg.runtime.activities import OUT, count_before, finished_scale_outs
from constructs_pkg.runtime.aws import Clients
from constructs_pkg.runtime.claims import COMPLETED, INPROGRESS, LEASE_SKEW
from constructs_pkg.runtime.deadline import RESERVE, OutOfTime, bounded_sleep
from constructs_pkg.runtime.recorder import RECORD_LOOKBACK, Config, Recorder, RecorderIncomplete
from constructs_pkg.runtime.stages import detection_seconds

from .. import fixtures
from .test_recorder import (AAS, COMPONENT, COMPONENT_CONFIG, COMPONENT_DIMS, HISTORY, IC_OUT, TABLE, end_of, record,
                            recorder_aws, run_at, scheduled, stats, stub_run)  # noqa: F401  # fmt: skip
from .test_recorder_stages import STAGED_CONFIG, STREAMS, stage, stub_streams

OTHER = f"{COMPONENT}-b"
TWO = Config(**{**COMPONENT_CONFIG.__dict__, "components": (COMPONENT, OTHER)})
OTHER_DIMS = {names.COMPONENT_DIMENSION: OTHER}
START = datetime.fromisoformat("2026-11-24T03:53:05.120+00:00")  # IC_OUT's StartTime


class Killed(BaseException):
    """What no ``except Exception`` sees: the run stops here, as a Lambda timeout would stop it."""


class Faulty(Clients):
    """The test's Clients, with ``faults[operation]`` raised on that operation's calls, in order (None: no fault)."""

    def __init__(self, base: Clients, **faults: list[BaseException | None]) -> None:
        super().__init__(base.client, sleep=base.sleep)
        self.faults = faults

    def call(self, service: str, operation: str, **params):  # type: ignore[no-untyped-def]
        queue = self.faults.get(operation)
        fault = queue.pop(0) if queue else None
        if fault is not None:
            raise fault
        return super().call(service, operation, **params)


def latencies(aws, dims=COMPONENT_DIMS, end=None, statistic="SampleCount"):
    return [v for _, v in stats(aws, names.SCALE_OUT_LATENCY, dims, end or end_of(IC_OUT), statistic)]


def claim_of(aws, key: str) -> dict:
    return aws.boto("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": key}}).get("Item", {})


ACTIVITY_KEY = "activity#3f6c1a2b-0001-4c1d-9e8f-1a2b3c4d5e01"  # IC_OUT's newest ActivityId


# Throttling -----------------------------------------------------------------------------------------------------


class Clock:
    """A 50 s function: backoff sleeps advance it."""

    def __init__(self, timeout: float = 50.0) -> None:
        self.timeout, self.elapsed = timeout, 0.0

    def remaining(self) -> float:
        return self.timeout - self.elapsed

    def sleep(self, seconds: float) -> None:
        self.elapsed += seconds


def _throttle(stubber, operation: str, times: int) -> None:
    for _ in range(times):
        stubber.add_client_error(operation, "ThrottlingException", "Rate exceeded", 400)


def _as_other(answer, _index):
    for item in answer["ScalingActivities"]:
        item["ResourceId"] = f"inference-component/{OTHER}"
        item["ActivityId"] = item["ActivityId"].replace("3f6c1a2b", "4f6c1a2b")


def test_throttling_on_two_components_fits_the_timeout_and_the_rest_is_recorded_by_the_retry(recorder_aws):
    """Throttling that clears on the 5th try costs 7.5 s of backoff per call; 7 calls would sleep 52.5 s against
    the 50 s function. The run stops sleeping with RESERVE left, gives back what it could not finish, and the retry
    records it: each scale-out once."""
    end = end_of(IC_OUT)
    sagemaker = recorder_aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
    scaling = recorder_aws.stub("application-autoscaling", "describe_scaling_activities")
    alarms = recorder_aws.stub("cloudwatch", "describe_alarm_history")
    for name, edit in (("sagemaker/describe_endpoint/component_endpoint_in_service", None),
                       ("sagemaker/describe_inference_component/in_service", None),
                       ("sagemaker/describe_inference_component/in_service",
                        lambda a, _i: a.update(InferenceComponentName=OTHER))):  # fmt: skip
        _throttle(sagemaker, name.split("/")[1], 4)
        fixtures.stub(sagemaker, name, edit=edit)
    _throttle(scaling, "describe_scaling_activities", 4)  # component A: 30 s of backoff so far
    fixtures.stub(scaling, IC_OUT)
    _throttle(alarms, "describe_alarm_history", 4)  # 37.5 s
    fixtures.stub(alarms, HISTORY + "none")
    _throttle(scaling, "describe_scaling_activities", 2)  # component B: 0.5 s fits; 1 s would leave < RESERVE (12 s)
    clock = Clock()
    # Five attempts per call, as the case had (the recorder's budget now allows 3: runtime.aws.RECORDER).
    clients = Clients(recorder_aws.clients.client, sleep=bounded_sleep(clock.remaining, clock.sleep), attempts=5)
    with pytest.raises(RecorderIncomplete, match=f"activities:inference-component/{OTHER}"):
        Recorder(TWO, clients, now=lambda: run_at(end), remaining=clock.remaining).run(scheduled(run_at(end)))
    assert clock.elapsed == 38.0 and clock.remaining() >= RESERVE  # never slept into the reserve
    assert (latencies(recorder_aws), latencies(recorder_aws, OTHER_DIMS)) == ([1.0], [])

    # EventBridge's retry a minute later, without throttling: B is recorded, A is not repeated.
    stub_two(recorder_aws, end)
    retry = Recorder(TWO, recorder_aws.clients, now=lambda: run_at(end) + timedelta(minutes=1))
    assert retry.run(scheduled(run_at(end)))["scale_outs"] == 1
    assert (latencies(recorder_aws), latencies(recorder_aws, OTHER_DIMS)) == ([1.0], [1.0])


def stub_two(aws, end: datetime, *, histories: int = 1) -> None:
    sagemaker = aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
    fixtures.stub(sagemaker, "sagemaker/describe_endpoint/component_endpoint_in_service")
    fixtures.stub(sagemaker, "sagemaker/describe_inference_component/in_service")
    fixtures.stub(sagemaker, "sagemaker/describe_inference_component/in_service",
                  edit=lambda a, _i: a.update(InferenceComponentName=OTHER))  # fmt: skip
    scaling = aws.stub("application-autoscaling", "describe_scaling_activities")
    fixtures.stub(scaling, IC_OUT)
    fixtures.stub(scaling, IC_OUT, edit=_as_other)
    for _ in range(histories):
        fixtures.stub(aws.stub("cloudwatch", "describe_alarm_history"), HISTORY + "none")


def test_a_backoff_that_would_eat_the_reserve_raises_out_of_time_instead_of_sleeping():
    slept: list[float] = []
    sleep = bounded_sleep(lambda: RESERVE + 1.5, slept.append)
    sleep(1.5)
    with pytest.raises(OutOfTime):
        sleep(1.6)
    assert slept == [1.5]


# AccessDenied ---------------------------------------------------------------------------------------------------


def test_access_denied_on_describe_endpoint_costs_only_the_instance_counts_and_fails_loudly(recorder_aws):
    end = end_of(IC_OUT)
    for attempt in range(2):  # the run, then EventBridge's retry, still denied
        sagemaker = recorder_aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
        sagemaker.add_client_error("describe_endpoint", "AccessDeniedException", "not authorized", 400)
        fixtures.stub(sagemaker, "sagemaker/describe_inference_component/in_service")
        fixtures.stub(recorder_aws.stub("application-autoscaling", "describe_scaling_activities"), IC_OUT)
        if attempt == 0:
            fixtures.stub(recorder_aws.stub("cloudwatch", "describe_alarm_history"), HISTORY + "none")
        with pytest.raises(RecorderIncomplete, match="describe_endpoint"):  # Errors > 0: the alarm sees it
            record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert latencies(recorder_aws) == [1.0]  # the scale-out still counted, once
    at = run_at(end)
    assert [v for _, v in stats(recorder_aws, names.DESIRED_COPY_COUNT, COMPONENT_DIMS, at, "SampleCount")] == [1.0]
    assert stats(recorder_aws, names.DESIRED_INSTANCE_COUNT, {names.ENDPOINT_DIMENSION: COMPONENT_CONFIG.endpoint_name},
                 at) == []  # fmt: skip


def test_a_count_that_failed_is_redone_alone_by_the_retry(recorder_aws):
    end = end_of(IC_OUT)
    at = run_at(end)
    sagemaker = recorder_aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
    sagemaker.add_client_error("describe_endpoint", "InternalFailure", "try again", 500)
    fixtures.stub(sagemaker, "sagemaker/describe_inference_component/in_service")
    fixtures.stub(recorder_aws.stub("application-autoscaling", "describe_scaling_activities"), IC_OUT)
    fixtures.stub(recorder_aws.stub("cloudwatch", "describe_alarm_history"), HISTORY + "none")
    with pytest.raises(RecorderIncomplete, match="describe_endpoint"):
        record(recorder_aws, COMPONENT_CONFIG, at)
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    assert record(recorder_aws, COMPONENT_CONFIG, at)["published"] == 2  # only the instance counts were missing
    endpoint_dims = {names.ENDPOINT_DIMENSION: COMPONENT_CONFIG.endpoint_name}
    for name, dims in ((names.DESIRED_INSTANCE_COUNT, endpoint_dims), (names.DESIRED_COPY_COUNT, COMPONENT_DIMS),
                       (names.RECORDER_HEARTBEAT, endpoint_dims)):  # fmt: skip
        assert [v for _, v in stats(recorder_aws, name, dims, at, "SampleCount")] == [1.0], name


# Paging and the lookback ----------------------------------------------------------------------------------------


def test_an_activity_longer_than_the_lookback_is_recorded_once(recorder_aws):
    end = end_of(IC_OUT)

    def eight_hours(answer, _index):
        answer["ScalingActivities"][0]["StartTime"] = end - timedelta(hours=8)
        answer["ScalingActivities"][1]["StartTime"] = end - timedelta(hours=9)

    for minute in range(2):
        stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"] if minute == 0 else (),
                 edit=eight_hours)  # fmt: skip
        record(recorder_aws, COMPONENT_CONFIG, run_at(end) + timedelta(minutes=minute))
    assert latencies(recorder_aws, statistic="Maximum") == [8 * 3600.0]
    assert latencies(recorder_aws) == [1.0]


def test_a_page_that_reaches_old_activities_is_the_last(recorder_aws):
    name = AAS + "component_pages"  # page 4 starts 7 h before page 3's end and carries a NextToken never asked for
    end = fixtures.pages(name)[1]["ScalingActivities"][0]["EndTime"]
    stub_run(recorder_aws, COMPONENT_CONFIG, name, histories=[HISTORY + "none"])
    record(recorder_aws, COMPONENT_CONFIG, run_at(datetime.fromisoformat(end)))
    assert latencies(recorder_aws, end=datetime.fromisoformat(end), statistic="Maximum") == [305.0]


def test_an_activity_listed_late_is_still_recorded_once(recorder_aws):
    """Listed 12 minutes after its EndTime: the runs before did not see it, the first run that does records it."""
    end = end_of(IC_OUT)

    def not_listed_yet(answer, _index):
        del answer["ScalingActivities"][0]

    for minute in range(3, 12):
        stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, edit=not_listed_yet)
        record(recorder_aws, COMPONENT_CONFIG, end.replace(second=0, microsecond=0) + timedelta(minutes=minute))
    for minute in range(12, 15):
        stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"] if minute == 12 else ())
        record(recorder_aws, COMPONENT_CONFIG, end.replace(second=0, microsecond=0) + timedelta(minutes=minute))
    assert latencies(recorder_aws) == [1.0]


@pytest.mark.parametrize(("older_by", "recorded"), [(timedelta(0), 1), (timedelta(microseconds=1), 0)],
                         ids=["at-the-edge", "just-beyond"])  # fmt: skip
def test_the_lookback_keeps_its_oldest_end_and_not_one_microsecond_more(recorder_aws, older_by, recorded):
    at = run_at(end_of(IC_OUT))

    def ended_at_the_edge(answer, _index):
        activity = answer["ScalingActivities"][0]
        activity["EndTime"] = at - RECORD_LOOKBACK - older_by
        activity["StartTime"] = activity["EndTime"] - timedelta(seconds=270)

    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, edit=ended_at_the_edge,
             histories=[HISTORY + "none"] if recorded else ())  # fmt: skip
    assert record(recorder_aws, COMPONENT_CONFIG, at)["scale_outs"] == recorded


# ConditionalCheckFailed: claims -----------------------------------------------------------------------------------


def test_a_claim_held_by_a_live_run_is_left_alone_and_taken_over_once_its_lease_ends(recorder_aws):
    end = end_of(IC_OUT)
    now = run_at(end)
    lease = int((now + timedelta(seconds=30)).timestamp())
    recorder_aws.boto("dynamodb").put_item(TableName=TABLE, Item={
        "pk": {"S": ACTIVITY_KEY}, "status": {"S": INPROGRESS}, "lease": {"N": str(lease)}, "owner": {"S": "other"}})
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)  # the conditional put fails: no history is read
    assert record(recorder_aws, COMPONENT_CONFIG, now)["scale_outs"] == 0
    assert latencies(recorder_aws) == []
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    assert record(recorder_aws, COMPONENT_CONFIG, now + timedelta(minutes=1))["scale_outs"] == 1
    assert latencies(recorder_aws) == [1.0]
    assert claim_of(recorder_aws, ACTIVITY_KEY)["status"] == {"S": COMPLETED}


# A run killed mid-way --------------------------------------------------------------------------------------------


def test_a_run_killed_before_its_publish_is_recorded_once_by_a_run_after_its_lease(recorder_aws):
    end = end_of(IC_OUT)
    now = run_at(end) + timedelta(seconds=5)
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    killed = Faulty(recorder_aws.clients, describe_alarm_history=[Killed()])
    with pytest.raises(Killed):
        Recorder(COMPONENT_CONFIG, killed, now=lambda: now).run(scheduled(run_at(end)))
    assert claim_of(recorder_aws, ACTIVITY_KEY)["status"] == {"S": INPROGRESS}  # no except ran: the claim stays
    # A doubled delivery during the dead run's lease leaves the claim alone (it cannot know the run is dead).
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    Recorder(COMPONENT_CONFIG, recorder_aws.clients, now=lambda: now + timedelta(seconds=20)).run(scheduled(run_at(end)))
    assert latencies(recorder_aws) == []
    # The retry (EventBridge waits about a minute) finds the lease over and records it.
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    later = now + timedelta(seconds=50) + LEASE_SKEW + timedelta(seconds=2)
    assert Recorder(COMPONENT_CONFIG, recorder_aws.clients, now=lambda: later).run(scheduled(run_at(end)))["scale_outs"] == 1
    assert latencies(recorder_aws) == [1.0]


def test_a_run_killed_between_publish_and_completion_is_the_documented_double(recorder_aws):
    """The one window the docstring names: PutMetricData succeeded, the COMPLETED write never ran."""
    end = end_of(IC_OUT)
    now = run_at(end)
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    # put_item: claim and completion of the endpoint's counts, the component's and the heartbeat, the activity's
    # claim, then the activity's completion is killed.
    killed = Faulty(recorder_aws.clients, put_item=[None] * 7 + [Killed()])
    with pytest.raises(Killed):
        Recorder(COMPONENT_CONFIG, killed, now=lambda: now).run(scheduled(now))
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    record(recorder_aws, COMPONENT_CONFIG, now + timedelta(minutes=2))
    assert latencies(recorder_aws) == [2.0]


# One PutMetricData per claim ---------------------------------------------------------------------------------------


def test_a_failed_publish_is_retried_alone_and_nothing_is_published_twice(recorder_aws):
    end = end_of(IC_OUT)
    stub_two(recorder_aws, end, histories=2)
    error = RuntimeError("connection reset")
    # The endpoint's counts, A's, B's, the heartbeat, A's scale-out, then B's scale-out fails.
    failing = Faulty(recorder_aws.clients, put_metric_data=[None] * 5 + [error])
    with pytest.raises(RecorderIncomplete, match="publish:activity#4f6c1a2b"):
        Recorder(TWO, failing, now=lambda: run_at(end)).run(scheduled(run_at(end)))
    stub_two(recorder_aws, end)
    Recorder(TWO, recorder_aws.clients, now=lambda: run_at(end) + timedelta(minutes=1)).run(scheduled(run_at(end)))
    assert (latencies(recorder_aws), latencies(recorder_aws, OTHER_DIMS)) == ([1.0], [1.0])
    at = run_at(end)
    assert [v for _, v in stats(recorder_aws, names.RECORDER_HEARTBEAT, {names.ENDPOINT_DIMENSION: TWO.endpoint_name},
                                at, "SampleCount")] == [1.0]  # fmt: skip


# Malformed data ---------------------------------------------------------------------------------------------------


def _history(edit_data):
    def edit(answer, _index):
        for item in answer["AlarmHistoryItems"]:
            item["HistoryData"] = edit_data(item["HistoryData"])

    return edit


@pytest.mark.parametrize("corrupt", [
    lambda data: data[: len(data) // 2],  # truncated JSON
    lambda data: data.replace("+0000", " UTC"),  # a timestamp format nobody parses
], ids=["malformed-history-data", "unknown-timestamp-format"])  # fmt: skip
def test_malformed_alarm_history_costs_only_that_activitys_detection(recorder_aws, corrupt):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    fixtures.stub(recorder_aws.stub("cloudwatch", "describe_alarm_history"), HISTORY + "component_alarm_high",
                  edit=_history(corrupt))  # fmt: skip
    assert record(recorder_aws, COMPONENT_CONFIG, run_at(end))["scale_outs"] == 1  # the run does not fail
    assert latencies(recorder_aws, statistic="Maximum") == [pytest.approx(270.52)]
    assert stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS, end) == []


def test_a_failing_cold_baseline_read_costs_only_the_cache_ratio(recorder_aws):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    stub_streams(recorder_aws, STREAMS + "component_scale_out")
    recorder_aws.stub("dynamodb", "get_item").add_client_error("get_item", "ProvisionedThroughputExceededException",
                                                                "Throughput exceeds the current capacity", 400)  # fmt: skip
    assert record(recorder_aws, STAGED_CONFIG, run_at(end))["scale_outs"] == 1
    assert latencies(recorder_aws, statistic="Maximum") == [pytest.approx(270.52)]
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS, end)] == [
        pytest.approx(55.12)]  # fmt: skip
    assert stats(recorder_aws, names.PROVISIONING_PULL_TO_COLD_RATIO, COMPONENT_DIMS, end) == []
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]  # stages stay


# A resource deleted mid-run -----------------------------------------------------------------------------------------


def test_a_component_deleted_mid_run_still_gets_its_last_scale_out_once(recorder_aws):
    end = end_of(IC_OUT)
    for minute in range(2):
        sagemaker = recorder_aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
        fixtures.stub(sagemaker, "sagemaker/describe_endpoint/component_endpoint_in_service")
        sagemaker.add_client_error("describe_inference_component", "ValidationException",
                                   f"Could not find inference component {COMPONENT}", 400)  # fmt: skip
        fixtures.stub(recorder_aws.stub("application-autoscaling", "describe_scaling_activities"), IC_OUT)
        if minute == 0:
            fixtures.stub(recorder_aws.stub("cloudwatch", "describe_alarm_history"), HISTORY + "none")
        published = record(recorder_aws, COMPONENT_CONFIG, run_at(end) + timedelta(minutes=minute))["published"]
        assert published == [4, 3][minute]  # instance counts and heartbeat, and the latency once
    assert latencies(recorder_aws) == [1.0]
    assert stats(recorder_aws, names.DESIRED_COPY_COUNT, COMPONENT_DIMS, run_at(end)) == []  # not guessed


def test_a_claims_table_gone_mid_run_loses_nothing_once_it_is_back(recorder_aws):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    # The three count claims and their completions go through; the table is gone at the activity's claim.
    gone = Faulty(recorder_aws.clients, put_item=[None] * 6 + [_client_error("ResourceNotFoundException")])
    with pytest.raises(RecorderIncomplete, match=f"claim:{ACTIVITY_KEY}"):
        Recorder(COMPONENT_CONFIG, gone, now=lambda: run_at(end)).run(scheduled(run_at(end)))
    assert latencies(recorder_aws) == []  # nothing published without a claim
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    record(recorder_aws, COMPONENT_CONFIG, run_at(end) + timedelta(minutes=1))
    assert latencies(recorder_aws) == [1.0]


def _client_error(code: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}}, "PutItem")


# Clock skew -------------------------------------------------------------------------------------------------------


def test_an_activity_ending_after_the_runs_scheduled_time_is_recorded_once(recorder_aws):
    """Application Auto Scaling's clock ahead of EventBridge's: the EndTime is 30 s after the run's time."""
    end = end_of(IC_OUT)
    at = end.replace(second=0, microsecond=0)  # scheduled before the end it reads
    for minute in range(3):
        stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"] if minute == 0 else ())
        record(recorder_aws, COMPONENT_CONFIG, at + timedelta(minutes=minute))
    assert latencies(recorder_aws) == [1.0]


def test_a_host_clock_ahead_by_less_than_the_skew_margin_does_not_take_a_live_claim(recorder_aws):
    end = end_of(IC_OUT)
    now = run_at(end)
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    with pytest.raises(Killed):  # a run that is still alive as far as its own clock goes
        Recorder(COMPONENT_CONFIG, Faulty(recorder_aws.clients, describe_alarm_history=[Killed()]),
                 now=lambda: now).run(scheduled(now))  # fmt: skip
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    skewed = now + timedelta(seconds=50) + LEASE_SKEW - timedelta(seconds=1)  # its function's end, seen early
    Recorder(COMPONENT_CONFIG, recorder_aws.clients, now=lambda: skewed).run(scheduled(now + timedelta(minutes=1)))
    assert latencies(recorder_aws) == []


# Mutants the suite must kill -----------------------------------------------------------------------------------------


def test_the_count_before_is_the_newest_older_successful_one_never_a_failed_one(recorder_aws):
    """A raised minimum (no alarm) to 3, after a failed attempt to 4 and a Successful 2: 2 -> 3 is a scale-out."""
    name = AAS + "component_min_capacity_raised"
    end = end_of(name)

    def failed_between(answer, _index):
        failed = json.loads(json.dumps(answer["ScalingActivities"][1], default=str))
        failed.update(ActivityId="3f6c1a2b-0009-4c1d-9e8f-1a2b3c4d5e09", StatusCode="Failed",
                      Description="Setting desired copy count to 4.", StatusMessage="Failed to set desired copy count to 4.",
                      StartTime=end - timedelta(hours=1), EndTime=end - timedelta(minutes=50))  # fmt: skip
        answer["ScalingActivities"].insert(1, failed)

    stub_run(recorder_aws, COMPONENT_CONFIG, name, edit=failed_between)
    record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert latencies(recorder_aws, end=end, statistic="Maximum") == [300.0]
    activities = fixtures.pages(name, recorder_aws.boto("application-autoscaling"))[0]["ScalingActivities"]
    failed = {**activities[1], "StatusCode": "Failed", "Description": "Setting desired copy count to 4."}
    assert count_before([failed, activities[1]]) == 2
    assert finished_scale_outs([activities[0], failed, activities[1]], oldest_end=end, desired_now=3) == [
        (activities[0], OUT)]


def test_an_alarm_state_after_the_activity_started_gives_no_detection(recorder_aws):
    end = end_of(IC_OUT)

    def alarmed_late(answer, _index):  # the only ALARM now comes 30 s after the activity started
        answer["AlarmHistoryItems"] = [i for i in answer["AlarmHistoryItems"] if "to ALARM" in i["HistorySummary"]]
        answer["AlarmHistoryItems"][0]["Timestamp"] = START + timedelta(seconds=30)

    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    fixtures.stub(recorder_aws.stub("cloudwatch", "describe_alarm_history"), HISTORY + "component_alarm_high",
                  edit=alarmed_late)  # fmt: skip
    assert record(recorder_aws, COMPONENT_CONFIG, run_at(end))["scale_outs"] == 1
    assert stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS, end) == []


def test_a_first_datapoint_after_the_activity_started_gives_no_negative_detection(recorder_aws):
    end = end_of(IC_OUT)

    def datapoints_after_start(answer, _index):  # CloudWatch's clock ahead: its datapoints 03:53:10-03:53:30
        for item in answer["AlarmHistoryItems"]:
            item["HistoryData"] = item["HistoryData"].replace("03:52:", "03:53:")

    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT)
    fixtures.stub(recorder_aws.stub("cloudwatch", "describe_alarm_history"), HISTORY + "component_alarm_high",
                  edit=datapoints_after_start)  # fmt: skip
    assert record(recorder_aws, COMPONENT_CONFIG, run_at(end))["scale_outs"] == 1
    assert stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS, end) == []
    assert detection_seconds({"StartTime": START}, (START + timedelta(seconds=5), START)) is None


def test_the_handler_takes_its_budget_from_the_lambda_context():
    from constructs_pkg.runtime.deadline import DEFAULT_REMAINING, remaining_seconds

    class Context:  # the one member of the Lambda context object the recorder reads
        def get_remaining_time_in_millis(self) -> int:
            return 12_345

    assert remaining_seconds(Context())() == 12.345
    assert DEFAULT_REMAINING - 1 < remaining_seconds(None)() <= DEFAULT_REMAINING
