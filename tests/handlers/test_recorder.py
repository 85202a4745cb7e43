"""The scale-out recorder over cited AWS shapes: direction from alarm identity and counts, never from a noun;
latency, detection and failures; exactly-once across doubled, retried and late runs.

Every response the recorder reads comes from ``tests/fixtures`` through Stubber (validated by the service model):
DescribeEndpoint, DescribeInferenceComponent, DescribeScalingActivities, DescribeAlarmHistory. moto keeps only state
the recorder writes: the DynamoDB claims and the published metrics.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from constructs_pkg.runtime import names
from constructs_pkg.runtime.activities import IN, OUT, direction
from constructs_pkg.runtime.recorder import Config, Recorder, RecorderIncomplete
from constructs_pkg.runtime.stages import E2E, first_event_after, stage_timeline

from .. import fixtures

TABLE = "claims"
AAS = "application_autoscaling/describe_scaling_activities/"
HISTORY = "cloudwatch/describe_alarm_history/"
VARIANT_SAMPLE = AAS + "variant_scale_out_successful"
IC_OUT = AAS + "component_scale_out_successful"


def _component() -> str:
    return fixtures.response("sagemaker/describe_inference_component/in_service")["InferenceComponentName"]


def _endpoint(name: str) -> dict:
    return fixtures.response(f"sagemaker/describe_endpoint/{name}")


COMPONENT = _component()
IC_ENDPOINT = _endpoint("component_endpoint_in_service")["EndpointName"]
VARIANT_ENDPOINT = _endpoint("variant_endpoint_in_service")
COMPONENT_CONFIG = Config(endpoint_name=IC_ENDPOINT, variant_name="AllTraffic", components=(COMPONENT,),
                          claim_table=TABLE, wake_alarms=frozenset({f"{COMPONENT}{names.WAKE_ALARM_SUFFIX}"}))  # fmt: skip
VARIANT_CONFIG = Config(endpoint_name=VARIANT_ENDPOINT["EndpointName"],
                        variant_name=VARIANT_ENDPOINT["ProductionVariants"][0]["VariantName"], components=(),
                        claim_table=TABLE, variant_scaled=True)  # fmt: skip
COMPONENT_DIMS = {names.COMPONENT_DIMENSION: COMPONENT}
VARIANT_DIMS = {names.ENDPOINT_DIMENSION: VARIANT_CONFIG.endpoint_name}


@pytest.fixture
def recorder_aws(aws):
    aws.boto("dynamodb").create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    return aws


def run_at(end: datetime) -> datetime:
    """The scheduled time of the run whose window [t-3 min, t-2 min) holds ``end``."""
    return end.replace(second=0, microsecond=0) + timedelta(minutes=3)


def scheduled(at: datetime) -> dict:
    return fixtures.event("events/scheduled", time=at.strftime("%Y-%m-%dT%H:%M:%SZ"))


def end_of(name: str, index: int = 0) -> datetime:
    return fixtures.pages(name, _client("application-autoscaling"))[0]["ScalingActivities"][index]["EndTime"]


def _client(service: str):
    import boto3

    return boto3.client(service, region_name="us-east-1")


def stub_run(aws, config: Config, activities: str, *, histories=(), edit=None, endpoint=None) -> None:
    """Queue one run's reads: the describes for the counts, the activity pages, then the alarm histories."""
    sagemaker = aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
    if config.variant_scaled:
        fixtures.stub(sagemaker, endpoint or "sagemaker/describe_endpoint/variant_endpoint_in_service",
                      {"EndpointName": config.endpoint_name})  # fmt: skip
    else:
        fixtures.stub(sagemaker, endpoint or "sagemaker/describe_endpoint/component_endpoint_in_service",
                      {"EndpointName": config.endpoint_name})  # fmt: skip
        fixtures.stub(sagemaker, "sagemaker/describe_inference_component/in_service", {"InferenceComponentName": COMPONENT})
    target = config.targets[0]
    base = {"ServiceNamespace": "sagemaker", "ResourceId": target.resource_id, "ScalableDimension": target.dimension,
            "MaxResults": 50}  # fmt: skip
    answers = fixtures.pages(activities)

    def expected(index: int) -> dict:
        return {**base, "NextToken": answers[index - 1]["NextToken"]} if index else base

    fixtures.stub(aws.stub("application-autoscaling", "describe_scaling_activities"), activities, expected, edit=edit)
    alarms = aws.stub("cloudwatch", "describe_alarm_history")
    for history in histories:
        fixtures.stub(alarms, history)


def record(aws, config: Config, at: datetime, *, late: timedelta = timedelta(seconds=5)) -> dict:
    return Recorder(config, aws.clients, now=lambda: at + late).run(scheduled(at))


def stats(aws, name, dims, around: datetime, statistic="Maximum"):
    # Each endpoint publishes in its own namespace: the variant's dims name it, the component's is IC_ENDPOINT's.
    namespace = names.endpoint_namespace(dims.get(names.ENDPOINT_DIMENSION, IC_ENDPOINT))
    answer = aws.boto("cloudwatch").get_metric_statistics(
        Namespace=namespace, MetricName=name, Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=around - timedelta(hours=2), EndTime=around + timedelta(hours=1), Period=60, Statistics=[statistic],
    )  # fmt: skip
    return sorted((p["Timestamp"], p[statistic]) for p in answer["Datapoints"])


# The public variant sample --------------------------------------------------------------------------------------


def test_public_variant_sample_is_one_scale_out_of_426_seconds(recorder_aws):
    end = end_of(VARIANT_SAMPLE)  # 02:35:19.187; it started 02:28:13.498
    stub_run(recorder_aws, VARIANT_CONFIG, VARIANT_SAMPLE, histories=[HISTORY + "none"])
    assert record(recorder_aws, VARIANT_CONFIG, run_at(end))["scale_outs"] == 1
    (point,) = stats(recorder_aws, names.SCALE_OUT_LATENCY, VARIANT_DIMS, end)
    assert abs(point[0] - end) < timedelta(seconds=1)  # timestamped at its end
    assert point[1] == pytest.approx(425.689) and round(point[1]) == 426

    # A doubled delivery of the same event finds both claims completed and publishes nothing.
    stub_run(recorder_aws, VARIANT_CONFIG, VARIANT_SAMPLE)
    assert record(recorder_aws, VARIANT_CONFIG, run_at(end)) == {"published": 0, "duplicate": True, "scale_outs": 0}
    # The next minute's run sees the same activity, already recorded.
    stub_run(recorder_aws, VARIANT_CONFIG, VARIANT_SAMPLE)
    assert record(recorder_aws, VARIANT_CONFIG, run_at(end) + timedelta(minutes=1))["scale_outs"] == 0
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, VARIANT_DIMS, end, "SampleCount")] == [1.0]


def test_variant_scale_in_records_nothing(recorder_aws):
    name = AAS + "variant_scale_in_successful"
    stub_run(recorder_aws, VARIANT_CONFIG, name)
    result = record(recorder_aws, VARIANT_CONFIG, run_at(end_of(name)))
    assert result["scale_outs"] == 0
    assert result["published"] == 3  # the two instance counts and the heartbeat


def test_variant_quota_failure_is_a_failure_from_the_count_before(recorder_aws):
    # Cause names no alarm ("minimum capacity was set to 110"): 110 > the desired 48 the run reads now.
    name = AAS + "variant_scale_out_failed_quota"
    end = end_of(name)
    stub_run(recorder_aws, VARIANT_CONFIG, name)
    record(recorder_aws, VARIANT_CONFIG, run_at(end))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_FAILURES, VARIANT_DIMS, end, "Sum")] == [1.0]
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, VARIANT_DIMS, end) == []


# Inference components -------------------------------------------------------------------------------------------


def test_component_scale_out_publishes_latency_and_detection_at_its_end(recorder_aws):
    end = end_of(IC_OUT)  # 03:53:05.120 -> 03:57:35.640; alarm evaluation started 03:52:10
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    result = record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert (result["published"], result["scale_outs"]) == (7, 1)  # four counts, heartbeat, latency, detection
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [pytest.approx(270.52)]
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS, end)] == [
        pytest.approx(55.12)
    ]


def test_counts_are_published_at_the_run_time(recorder_aws):
    at = run_at(end_of(IC_OUT))
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    record(recorder_aws, COMPONENT_CONFIG, at)
    assert stats(recorder_aws, names.DESIRED_COPY_COUNT, COMPONENT_DIMS, at) == [(at, 2.0)]
    assert stats(recorder_aws, names.CURRENT_COPY_COUNT, COMPONENT_DIMS, at) == [(at, 2.0)]
    endpoint_dims = {names.ENDPOINT_DIMENSION: IC_ENDPOINT}
    assert stats(recorder_aws, names.DESIRED_INSTANCE_COUNT, endpoint_dims, at) == [(at, 2.0)]
    assert stats(recorder_aws, names.CURRENT_INSTANCE_COUNT, endpoint_dims, at) == [(at, 2.0)]


@pytest.mark.parametrize("noun", ["copy count", "instance count", "capacity", "count", "copies"])
def test_direction_does_not_depend_on_the_noun(recorder_aws, noun):
    """The inference-component noun is unconfirmed: rewording it changes nothing."""

    def reword(answer, _index):
        for item in answer["ScalingActivities"]:
            for key in ("Description", "StatusMessage"):
                if key in item:
                    item[key] = item[key].replace("copy count", noun)

    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"], edit=reword)
    assert record(recorder_aws, COMPONENT_CONFIG, run_at(end_of(IC_OUT)))["scale_outs"] == 1


def test_component_scale_in_records_nothing(recorder_aws):
    name = AAS + "component_scale_in_successful"
    stub_run(recorder_aws, COMPONENT_CONFIG, name)
    assert record(recorder_aws, COMPONENT_CONFIG, run_at(end_of(name))) == {"published": 5, "duplicate": False,
                                                                            "scale_outs": 0}  # fmt: skip


@pytest.mark.parametrize("older", [True, False], ids=["after-a-scale-in", "no-older-activity"])
def test_wake_from_zero_is_a_scale_out_known_by_its_alarm(recorder_aws, older):
    name = AAS + "component_wake_from_zero_successful"
    end = end_of(name)  # 03:51:40.250 -> 03:57:44.900

    def only_the_wake(answer, _index):  # without the older scale-in to 0, only the alarm's identity tells
        del answer["ScalingActivities"][1:]

    stub_run(recorder_aws, COMPONENT_CONFIG, name, histories=[HISTORY + "none"], edit=None if older else only_the_wake)
    record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [pytest.approx(364.65)]


def test_a_raised_minimum_is_a_scale_out_by_the_count_before(recorder_aws):
    # No alarm in Cause: target 3 against the target 2 of the older Successful activity.
    name = AAS + "component_min_capacity_raised"
    end = end_of(name)
    stub_run(recorder_aws, COMPONENT_CONFIG, name)
    record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [300.0]


@pytest.mark.parametrize("name", [AAS + "component_scale_out_failed", AAS + "component_scale_out_unfulfilled"])
def test_failed_or_unfulfilled_scale_out_counts_as_a_failure(recorder_aws, name):
    end = end_of(name)
    stub_run(recorder_aws, COMPONENT_CONFIG, name)
    record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_FAILURES, COMPONENT_DIMS, end, "Sum")] == [1.0]
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end) == []
    # Only the failed one's message names InsufficientInstanceCapacity; Unfulfilled has no message.
    capacity = [v for _, v in stats(recorder_aws, names.SCALE_OUT_CAPACITY_FAILURES, COMPONENT_DIMS, end, "Sum")]
    assert capacity == ([1.0] if name.endswith("_failed") else [])


def test_an_overridden_scale_out_is_neither_latency_nor_failure(recorder_aws):
    name = AAS + "component_overridden"  # to 2 (Overridden), replaced by to 3 (Successful), both ending in 03:57
    end = end_of(name)
    stub_run(recorder_aws, COMPONENT_CONFIG, name, histories=[HISTORY + "none"])
    assert record(recorder_aws, COMPONENT_CONFIG, run_at(end))["scale_outs"] == 1
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end, "SampleCount")] == [1.0]
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [238.0]
    assert stats(recorder_aws, names.SCALE_OUT_FAILURES, COMPONENT_DIMS, end, "Sum") == []


def test_an_activity_in_progress_is_counted_once_in_the_window_where_it_ends(recorder_aws):
    name = AAS + "component_in_progress"
    started = fixtures.pages(name, _client("application-autoscaling"))[0]["ScalingActivities"][0]["StartTime"]
    ended = started + timedelta(minutes=6, seconds=12)

    def finished(answer, _index):  # the same activity, as a later DescribeScalingActivities shows it
        item = answer["ScalingActivities"][0]
        item.update(StatusCode="Successful", EndTime=ended,
                    StatusMessage=item["StatusMessage"].replace("Waiting for change to be", "Change successfully"))  # fmt: skip

    stub_run(recorder_aws, COMPONENT_CONFIG, name)
    assert record(recorder_aws, COMPONENT_CONFIG, run_at(started) + timedelta(minutes=2))["scale_outs"] == 0
    for minute in range(3):  # the window holding its end, then the next two
        stub_run(recorder_aws, COMPONENT_CONFIG, name, edit=finished, histories=[HISTORY + "none"] if minute == 0 else ())
        record(recorder_aws, COMPONENT_CONFIG, run_at(ended) + timedelta(minutes=minute))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, ended, "SampleCount")] == [1.0]
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, ended)] == [372.0]


def test_pages_are_followed_until_activities_are_too_old(recorder_aws):
    name = AAS + "component_pages"  # page 3 ends with a NextToken that is never requested
    end = fixtures.pages(name, _client("application-autoscaling"))[1]["ScalingActivities"][0]["EndTime"]
    stub_run(recorder_aws, COMPONENT_CONFIG, name, histories=[HISTORY + "none"])
    record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [305.0]


# Exactly once ---------------------------------------------------------------------------------------------------


def test_a_retried_run_after_a_failure_publishes_once(recorder_aws):
    end = end_of(IC_OUT)
    sagemaker = recorder_aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
    fixtures.stub(sagemaker, "sagemaker/describe_endpoint/component_endpoint_in_service")
    fixtures.stub(sagemaker, "sagemaker/describe_inference_component/in_service")
    scaling = recorder_aws.stub("application-autoscaling", "describe_scaling_activities")
    scaling.add_client_error("describe_scaling_activities", "InternalServiceException", "boom", 500)
    recorder_aws.stub("cloudwatch", "describe_alarm_history")  # routed before the first run's client is made
    with pytest.raises(RecorderIncomplete, match="activities:inference-component/qwen3-8b-ic"):
        record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end) == []  # no latency yet
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    retried = record(recorder_aws, COMPONENT_CONFIG, run_at(end))
    assert (retried["duplicate"], retried["scale_outs"]) == (True, 1)  # the counts were out; the activity was not
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end, "SampleCount")] == [1.0]


def test_a_late_run_still_records_its_own_window(recorder_aws):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    record(recorder_aws, COMPONENT_CONFIG, run_at(end), late=timedelta(minutes=7))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [pytest.approx(270.52)]


def test_missing_endpoint_skips_instance_counts(recorder_aws):
    sagemaker = recorder_aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
    sagemaker.add_client_error("describe_endpoint", "ValidationException", "Could not find endpoint", 400)
    fixtures.stub(sagemaker, "sagemaker/describe_inference_component/in_service")
    fixtures.stub(recorder_aws.stub("application-autoscaling", "describe_scaling_activities"),
                  AAS + "component_scale_in_successful")  # fmt: skip
    at = run_at(end_of(AAS + "component_scale_in_successful"))
    assert record(recorder_aws, COMPONENT_CONFIG, at)["published"] == 3  # copy counts and the heartbeat


# Pure pieces ----------------------------------------------------------------------------------------------------


def test_direction_takes_the_alarm_before_the_counts():
    (activity,) = fixtures.response(VARIANT_SAMPLE)["ScalingActivities"]
    assert direction(activity) == OUT  # AlarmHigh, no count known
    assert direction(activity, before=60) == OUT  # the alarm decides
    (scale_in,) = fixtures.response(AAS + "variant_scale_in_successful")["ScalingActivities"]
    assert direction(scale_in) == IN
    wake = fixtures.response(AAS + "component_wake_from_zero_successful")["ScalingActivities"][0]
    assert (direction(wake), direction(wake, wake_alarms=COMPONENT_CONFIG.wake_alarms)) == (None, OUT)
    (quota,) = fixtures.response(AAS + "variant_scale_out_failed_quota")["ScalingActivities"]
    assert (direction(quota), direction(quota, before=90), direction(quota, before=120)) == (None, OUT, IN)
    assert direction(quota, before=110) is None


def test_config_reads_the_environment():
    env = {"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "COMPONENTS": "a,b", "CLAIM_TABLE": "t", "VARIANT_SCALED": "true"}
    config = Config.from_env(env)
    assert (config.components, config.variant_scaled) == (("a", "b"), True)
    assert config.wake_alarms == {"a-wake-from-zero", "b-wake-from-zero"}  # the construct's names by default
    assert Config.from_env({**env, "WAKE_ALARMS": "x,y"}).wake_alarms == {"x", "y"}
    assert Config.from_env({**env, "WAKE_ALARMS": ""}).wake_alarms == frozenset()
    assert Config.from_env({"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "CLAIM_TABLE": "t"}).components == ()


# Stage timeline (STAGE_LOGS) ------------------------------------------------------------------------------------

STREAMS = "logs/describe_log_streams/"
STAGED_CONFIG = Config(**{**COMPONENT_CONFIG.__dict__, "stage_logs": True})
LOG_GROUP = names.component_log_group(COMPONENT)


def stage(aws, name, around):
    dims = {**COMPONENT_DIMS, names.STAGE_DIMENSION: name}
    return [v for _, v in stats(aws, names.SCALE_OUT_STAGE_SECONDS, dims, around)]


def stub_streams(aws, *answers, baseline=True):
    """The scale-out's newest streams, then (no baseline recorded yet) the listing for the cold deployment."""
    logs = aws.stub("logs", "describe_log_streams")
    newest = {"logGroupName": LOG_GROUP, "orderBy": "LastEventTime", "descending": True, "limit": 50}
    fixtures.stub(logs, answers[0], newest)
    if baseline:
        fixtures.stub(logs, answers[1] if len(answers) > 1 else answers[0], {"logGroupName": LOG_GROUP, "limit": 50})
    return logs


def test_stage_timeline_from_alarm_history_and_log_streams(recorder_aws, caplog):
    end = end_of(IC_OUT)  # started 03:53:05.120; ALARM at 03:52:58.402 after a first datapoint at 03:52:10
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    stub_streams(recorder_aws, STREAMS + "component_scale_out")  # new copy's stream: first event 03:55:10.500
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, end) == [pytest.approx(48.402)]
    assert stage(recorder_aws, names.STAGE_ALARM_TO_ACTIVITY, end) == [pytest.approx(6.718)]
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
    assert stage(recorder_aws, names.STAGE_LOAD_AND_HEALTH_CHECK, end) == [pytest.approx(145.14)]
    # The stages add up to the scale-out's own latency (from the first datapoint): 55.12 + 270.52.
    # Cold deployment: created 09:10:00, first stream's first event 09:15:05 -> 305 s; 125.38 / 305.
    ratio = stats(recorder_aws, names.PROVISIONING_PULL_TO_COLD_RATIO, COMPONENT_DIMS, end)
    assert [v for _, v in ratio] == [pytest.approx(125.38 / 305)]
    (line,) = [json.loads(r.message) for r in caplog.records if "recorder-scale-out-stages" in r.message]
    assert line["stages"][names.STAGE_PROVISIONING_AND_PULL] == {"seconds": pytest.approx(125.38), "label": "bounded"}
    assert line["stages"][names.STAGE_ALARM_EVALUATION]["label"] == "measured"
    assert line["cache"] == {"label": "inference", "pull_seconds": pytest.approx(125.38), "cold_seconds": 305.0,
                             "ratio": 0.411}  # fmt: skip
    item = recorder_aws.boto("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": "cold-baseline#inference-component/qwen3-8b-ic#2026-11-23T09:10:00+00:00"}}
    )
    assert item["Item"]["seconds"] == {"N": "305.0"}  # recorded once, for the next scale-outs


def test_a_recorded_cold_baseline_is_not_read_again(recorder_aws):
    end = end_of(IC_OUT)
    key = "cold-baseline#inference-component/qwen3-8b-ic#2026-11-23T09:10:00+00:00"
    recorder_aws.boto("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": key}, "seconds": {"N": "250.76"}})
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    stub_streams(recorder_aws, STREAMS + "component_scale_out", baseline=False)  # one listing only
    record(recorder_aws, STAGED_CONFIG, run_at(end))
    ratio = stats(recorder_aws, names.PROVISIONING_PULL_TO_COLD_RATIO, COMPONENT_DIMS, end)
    assert [v for _, v in ratio] == [pytest.approx(0.5)]
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, end) == []  # no alarm history: detection not told


def test_no_new_stream_means_no_log_stages(recorder_aws):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    stub_streams(recorder_aws, STREAMS + "none", baseline=False)  # nothing to compare, so no baseline is read
    record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == []
    assert stats(recorder_aws, names.PROVISIONING_PULL_TO_COLD_RATIO, COMPONENT_DIMS, end) == []
    assert stage(recorder_aws, names.STAGE_ALARM_TO_ACTIVITY, end) == [pytest.approx(6.718)]  # detection still told


def test_a_missing_log_group_does_not_fail_the_run(recorder_aws):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    logs = recorder_aws.stub("logs", "describe_log_streams")
    logs.add_client_error("describe_log_streams", "ResourceNotFoundException", "The specified log group does not exist.")
    assert record(recorder_aws, STAGED_CONFIG, run_at(end))["scale_outs"] == 1
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [pytest.approx(270.52)]


def test_stage_logs_are_off_by_default(recorder_aws):
    # No logs stub is queued: a DescribeLogStreams call would fail the run against moto's empty account.
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    record(recorder_aws, COMPONENT_CONFIG, run_at(end_of(IC_OUT)))
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, end_of(IC_OUT)) == []
    assert Config.from_env({"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "CLAIM_TABLE": "t"}).stage_logs is False
    assert Config.from_env({"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "CLAIM_TABLE": "t", "STAGE_LOGS": "true"}).stage_logs


def test_sagemaker_stage_metrics_replace_the_bounds_they_make_obsolete():
    started = datetime(2026, 11, 24, 3, 53, 5, tzinfo=timezone.utc)
    ended, first_event = started + timedelta(seconds=270), started + timedelta(seconds=125)
    bounded = stage_timeline(started=started, ended=ended, first_log_event=first_event)
    assert [(s.name, s.seconds, s.label) for s in bounded] == [
        (names.STAGE_PROVISIONING_AND_PULL, 125.0, "bounded"), (names.STAGE_LOAD_AND_HEALTH_CHECK, 145.0, "bounded")]
    measured = {names.STAGE_MODEL_DOWNLOAD: 77.0, names.STAGE_GPU_LOAD: 21.0, names.STAGE_CONTAINER_START: 40.0}
    full = stage_timeline(started=started, ended=ended, first_log_event=first_event, sagemaker=measured)
    assert [(s.name, s.seconds, s.label) for s in full] == [
        (names.STAGE_PROVISIONING_AND_PULL, 132.0, "bounded"),  # end-to-end minus the measured stages
        (names.STAGE_MODEL_DOWNLOAD, 77.0, "measured"), (names.STAGE_GPU_LOAD, 21.0, "measured"),
        (names.STAGE_CONTAINER_START, 40.0, "measured")]  # fmt: skip
    # Only some present: they are published, the log bounds stay.
    partial = stage_timeline(started=started, ended=ended, first_log_event=first_event,
                             sagemaker={names.STAGE_MODEL_DOWNLOAD: 77.0})  # fmt: skip
    assert [s.name for s in partial] == [names.STAGE_PROVISIONING_AND_PULL, names.STAGE_LOAD_AND_HEALTH_CHECK,
                                         names.STAGE_MODEL_DOWNLOAD]  # fmt: skip
    # More measured than the whole scale-out took: inconsistent, so the bounds stay.
    too_long = {**measured, names.STAGE_MODEL_DOWNLOAD: 250.0}
    assert [s.name for s in stage_timeline(started=started, ended=ended, sagemaker=too_long)] == [
        names.STAGE_MODEL_DOWNLOAD, names.STAGE_GPU_LOAD, names.STAGE_CONTAINER_START]
    # An ALARM after the activity started did not start it: no detection stages.
    late_alarm = (started - timedelta(seconds=30), started + timedelta(seconds=2))
    assert stage_timeline(started=started, ended=ended, alarm=late_alarm) == []
    # A first event outside the activity is not its copy's.
    assert stage_timeline(started=started, ended=ended, first_log_event=ended + timedelta(seconds=1)) == []


def test_e2e_scaling_latency_gap_from_a_stage_reader(recorder_aws):
    end = end_of(IC_OUT)  # ScaleOutLatency 270.52
    asked = []

    def reader(target, activity):
        asked.append((target.resource_id, activity["ActivityId"]))
        return {E2E: 262.0}

    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    stub_streams(recorder_aws, STREAMS + "none", baseline=False)
    Recorder(STAGED_CONFIG, recorder_aws.clients, now=lambda: run_at(end), stage_reader=reader).run(scheduled(run_at(end)))
    assert asked == [("inference-component/qwen3-8b-ic", "3f6c1a2b-0001-4c1d-9e8f-1a2b3c4d5e01")]
    gap = stats(recorder_aws, names.E2E_SCALING_LATENCY_GAP, COMPONENT_DIMS, end, "Minimum")
    assert [v for _, v in gap] == [pytest.approx(8.52)]


def test_no_cold_baseline_when_the_first_streams_are_gone(recorder_aws, caplog):
    """Retention removed the cold deployment's stream: a stream created more than an hour after the component is
    no cold deployment, so no ratio (and nothing stored) rather than a wrong one."""
    end = end_of(IC_OUT)

    def without_the_cold_stream(answer, _index):
        answer["logStreams"] = [s for s in answer["logStreams"] if s["creationTime"] > 1795478400000]  # after 11-24

    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    logs = stub_streams(recorder_aws, STREAMS + "component_scale_out", baseline=False)
    fixtures.stub(logs, STREAMS + "component_scale_out", {"logGroupName": LOG_GROUP, "limit": 50}, edit=without_the_cold_stream)
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stats(recorder_aws, names.PROVISIONING_PULL_TO_COLD_RATIO, COMPONENT_DIMS, end) == []
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
    assert any("recorder-cold-baseline-unknown" in r.message for r in caplog.records)


def test_first_event_after_takes_the_earliest_first_event_of_the_streams_created_in_the_window():
    streams = fixtures.response(STREAMS + "component_scale_out")["logStreams"]
    day = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    assert first_event_after(streams, day, day + timedelta(days=1)) == datetime(2026, 11, 23, 9, 15, 5, tzinfo=timezone.utc)
    scale_out = datetime(2026, 11, 24, 3, 53, 5, 120000, tzinfo=timezone.utc)
    assert first_event_after(streams, scale_out, scale_out + timedelta(minutes=5)) == datetime(
        2026, 11, 24, 3, 55, 10, 500000, tzinfo=timezone.utc)
    assert first_event_after(streams, day - timedelta(days=1), day) is None
