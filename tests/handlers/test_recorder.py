"""The scale-out recorder over cited AWS shapes: direction from alarm identity and counts, never from a noun;
latency, detection and failures; exactly-once across doubled, retried and late runs.

Every response the recorder reads comes from ``tests/fixtures`` through Stubber (validated by the service model):
DescribeEndpoint, DescribeInferenceComponent, DescribeScalingActivities, DescribeAlarmHistory. moto keeps only state
the recorder writes: the DynamoDB claims and the published metrics.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from constructs_pkg.runtime import names
from constructs_pkg.runtime.activities import IN, OUT, direction
from constructs_pkg.runtime.recorder import Config, Recorder, RecorderIncomplete

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


def stub_run(aws, config: Config, activities: str, *, histories=(), edit=None, endpoint=None, component=None,
             history_edit=None, endpoint_edit=None) -> None:  # fmt: skip
    """Queue one run's reads: the describes for the counts, the activity pages, then the alarm histories."""
    sagemaker = aws.stub("sagemaker", "describe_endpoint", "describe_inference_component")
    if config.variant_scaled:
        fixtures.stub(sagemaker, endpoint or "sagemaker/describe_endpoint/variant_endpoint_in_service",
                      {"EndpointName": config.endpoint_name})  # fmt: skip
    else:
        fixtures.stub(sagemaker, endpoint or "sagemaker/describe_endpoint/component_endpoint_in_service",
                      {"EndpointName": config.endpoint_name}, edit=endpoint_edit)  # fmt: skip
        fixtures.stub(sagemaker, component or "sagemaker/describe_inference_component/in_service",
                      {"InferenceComponentName": COMPONENT})  # fmt: skip
    target = config.targets[0]
    base = {"ServiceNamespace": "sagemaker", "ResourceId": target.resource_id, "ScalableDimension": target.dimension,
            "MaxResults": 50}  # fmt: skip
    answers = fixtures.pages(activities)

    def expected(index: int) -> dict:
        return {**base, "NextToken": answers[index - 1]["NextToken"]} if index else base

    fixtures.stub(aws.stub("application-autoscaling", "describe_scaling_activities"), activities, expected, edit=edit)
    alarms = aws.stub("cloudwatch", "describe_alarm_history")
    for history in histories:
        fixtures.stub(alarms, history, edit=history_edit)


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
