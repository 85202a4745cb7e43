"""The scale-out recorder's handler: counts, scale-out and detection latency, and exactly-once publishing.

moto serves DynamoDB (the claims), CloudWatch metrics and DescribeEndpoint; Stubber serves what moto lacks
(DescribeInferenceComponent, DescribeScalingActivities, DescribeAlarmHistory), checked against the service model.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from constructs_pkg.runtime import names
from constructs_pkg.runtime.recorder import SCALABLE_DIMENSION, Config, Recorder

from .conftest import ENDPOINT, REGION

COMPONENT = "qwen"
TABLE = "claims"
RUN = datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)  # the event's scheduled time
WINDOW_START = RUN - timedelta(minutes=3)  # the run owns activity end times in [03:57, 03:58)
ALARM = f"TargetTracking-inference-component/{COMPONENT}-AlarmHigh-0f3c"
EVENT = {"id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-24T04:00:00Z"}


@pytest.fixture
def recorder_aws(aws):
    aws.boto("dynamodb").create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    sm = aws.boto("sagemaker")
    sm.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"})  # fmt: skip
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "m", "InstanceType": "ml.g4dn.xlarge", "InitialInstanceCount": 2}])  # fmt: skip
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="c")
    return aws


def recorder(aws, now=RUN + timedelta(seconds=5)):
    config = Config(endpoint_name=ENDPOINT, variant_name="AllTraffic", components=(COMPONENT,), claim_table=TABLE)
    return Recorder(config, aws.clients, now=lambda: now)


def activity(activity_id, start, end=None, *, status="Successful", before=1, after=2, alarm=ALARM):
    item = {
        "ActivityId": activity_id, "ServiceNamespace": "sagemaker", "ResourceId": f"inference-component/{COMPONENT}",
        "ScalableDimension": SCALABLE_DIMENSION, "Description": f"Setting desired copy count to {after}.",
        "Cause": f"monitor alarm {alarm} in state ALARM triggered policy p changing the desired capacity from {before} to {after}.",
        "StartTime": start, "StatusCode": status,
    }  # fmt: skip
    if end is not None:
        item["EndTime"] = end
    return item


def history(alarm_time, first_point, *, state="ALARM"):
    points = [{"timestamp": (first_point + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
               "value": 9.0} for i in range(3)]  # fmt: skip
    data = {"version": "1.0", "oldState": {"stateValue": "OK"},
            "newState": {"stateValue": state, "stateReasonData": {"threshold": 8.0, "evaluatedDatapoints": points}}}  # fmt: skip
    return {"AlarmName": ALARM, "Timestamp": alarm_time, "HistoryItemType": "StateUpdate",
            "HistorySummary": f"Alarm updated from OK to {state}", "HistoryData": json.dumps(data)}  # fmt: skip


COMPONENT_ANSWER = {
    "InferenceComponentName": COMPONENT, "InferenceComponentArn": f"arn:aws:sagemaker:{REGION}:123456789012:inference-component/{COMPONENT}",
    "EndpointName": ENDPOINT, "EndpointArn": f"arn:aws:sagemaker:{REGION}:123456789012:endpoint/{ENDPOINT}",
    "CreationTime": RUN, "LastModifiedTime": RUN, "RuntimeConfig": {"DesiredCopyCount": 3, "CurrentCopyCount": 2},
}  # fmt: skip


def stub_reads(aws, *pages, histories=(), fail_first_read=False):
    """Stub DescribeInferenceComponent (copy counts) and the activity pages and alarm histories, in call order.

    ``fail_first_read``: a first run fails on its first activity read; the responses then serve a second run.
    """
    sm = aws.stub("sagemaker", "describe_inference_component")
    scaling = aws.stub("application-autoscaling", "describe_scaling_activities")
    if fail_first_read:
        sm.add_response("describe_inference_component", COMPONENT_ANSWER, {"InferenceComponentName": COMPONENT})
        scaling.add_client_error("describe_scaling_activities", "InternalServiceException", "boom", 500)
    sm.add_response("describe_inference_component", COMPONENT_ANSWER, {"InferenceComponentName": COMPONENT})
    for index, (activities, token) in enumerate(pages):
        expected = {"ServiceNamespace": "sagemaker", "ResourceId": f"inference-component/{COMPONENT}",
                    "ScalableDimension": SCALABLE_DIMENSION, "MaxResults": 50}  # fmt: skip
        if index:
            expected["NextToken"] = pages[index - 1][1]
        answer = {"ScalingActivities": activities, **({"NextToken": token} if token else {})}
        scaling.add_response("describe_scaling_activities", answer, expected)
    if histories:
        alarms = aws.stub("cloudwatch", "describe_alarm_history")
        for items in histories:
            alarms.add_response("describe_alarm_history", {"AlarmHistoryItems": items})
    return scaling


def stats(aws, name, dims, statistic="Maximum"):
    answer = aws.boto("cloudwatch").get_metric_statistics(
        Namespace=names.NAMESPACE, MetricName=name, Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        StartTime=RUN - timedelta(hours=2), EndTime=RUN + timedelta(hours=1), Period=60, Statistics=[statistic],
    )  # fmt: skip
    return sorted((p["Timestamp"], p[statistic]) for p in answer["Datapoints"])


COMPONENT_DIMS = {names.COMPONENT_DIMENSION: COMPONENT}


def test_successful_scale_out_publishes_latency_and_detection_at_its_end(recorder_aws):
    start, end = WINDOW_START - timedelta(minutes=4), WINDOW_START + timedelta(seconds=30)
    stub_reads(recorder_aws, ([activity("a1", start, end)], None),
               histories=[[history(start - timedelta(seconds=20), start - timedelta(seconds=50))]])  # fmt: skip
    result = recorder(recorder_aws).run(EVENT)
    assert result == {"published": 6, "duplicate": False}
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS) == [(end, 270.0)]
    assert stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS) == [(end, 50.0)]


def test_counts_are_published_at_the_run_time(recorder_aws):
    stub_reads(recorder_aws, ([], None))
    recorder(recorder_aws).run(EVENT)
    assert stats(recorder_aws, names.DESIRED_COPY_COUNT, COMPONENT_DIMS) == [(RUN, 3.0)]
    assert stats(recorder_aws, names.CURRENT_COPY_COUNT, COMPONENT_DIMS) == [(RUN, 2.0)]
    endpoint_dims = {names.ENDPOINT_DIMENSION: ENDPOINT}
    assert stats(recorder_aws, names.DESIRED_INSTANCE_COUNT, endpoint_dims) == [(RUN, 2.0)]  # from moto
    assert stats(recorder_aws, names.CURRENT_INSTANCE_COUNT, endpoint_dims) == [(RUN, 2.0)]


def test_a_doubled_run_publishes_nothing_the_second_time(recorder_aws):
    start, end = WINDOW_START - timedelta(minutes=4), WINDOW_START + timedelta(seconds=30)
    stub_reads(recorder_aws, ([activity("a1", start, end, alarm="no-such-alarm")], None), histories=[[]])
    assert recorder(recorder_aws).run(EVENT)["duplicate"] is False
    assert recorder(recorder_aws).run(dict(EVENT)) == {"published": 0, "duplicate": True}  # stubs would fail if read
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, "SampleCount") == [(end, 1.0)]


def test_a_retried_run_after_a_failure_publishes_once(recorder_aws):
    start, end = WINDOW_START - timedelta(minutes=4), WINDOW_START + timedelta(seconds=30)
    stub_reads(recorder_aws, ([activity("a1", start, end, alarm="x")], None), histories=[[]], fail_first_read=True)
    with pytest.raises(Exception, match="InternalServiceException"):
        recorder(recorder_aws).run(EVENT)
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS) == []  # nothing published
    assert recorder(recorder_aws).run(EVENT)["duplicate"] is False  # the claim was released for the retry
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, "SampleCount") == [(end, 1.0)]


def test_a_late_run_still_records_its_own_window(recorder_aws):
    start, end = WINDOW_START - timedelta(minutes=4), WINDOW_START + timedelta(seconds=10)
    stub_reads(recorder_aws, ([activity("a1", start, end, alarm="x")], None), histories=[[]])
    recorder(recorder_aws, now=RUN + timedelta(minutes=7)).run(EVENT)  # invoked 7 minutes late
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS) == [(end, 250.0)]


def test_activities_outside_the_window_belong_to_other_runs(recorder_aws):
    before = activity("a0", WINDOW_START - timedelta(minutes=9), WINDOW_START - timedelta(seconds=1))
    after = activity("a2", WINDOW_START - timedelta(minutes=2), WINDOW_START + timedelta(seconds=60))
    stub_reads(recorder_aws, ([after, before], None))
    recorder(recorder_aws).run(EVENT)
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS) == []


def test_an_activity_in_progress_is_not_counted_yet(recorder_aws):
    stub_reads(recorder_aws, ([activity("a1", WINDOW_START - timedelta(minutes=3), status="InProgress")], None))
    assert recorder(recorder_aws).run(EVENT)["published"] == 4  # the four counts only


def test_a_failed_scale_out_counts_as_a_failure_not_a_latency(recorder_aws):
    end = WINDOW_START + timedelta(seconds=20)
    stub_reads(recorder_aws, ([activity("a1", WINDOW_START - timedelta(minutes=8), end, status="Failed")], None))
    recorder(recorder_aws).run(EVENT)
    assert stats(recorder_aws, names.SCALE_OUT_FAILURES, COMPONENT_DIMS, "Sum") == [(end, 1.0)]
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS) == []


def test_scale_in_is_ignored(recorder_aws):
    end = WINDOW_START + timedelta(seconds=20)
    stub_reads(recorder_aws, ([activity("a1", WINDOW_START - timedelta(minutes=1), end, before=3, after=2)], None))
    assert recorder(recorder_aws).run(EVENT)["published"] == 4


def test_pages_are_followed_until_activities_are_too_old(recorder_aws):
    old = WINDOW_START - timedelta(hours=7)
    end = WINDOW_START + timedelta(seconds=5)
    in_window = activity("a1", WINDOW_START - timedelta(minutes=5), end, alarm="x")
    stub_reads(
        recorder_aws,
        ([activity("a3", WINDOW_START + timedelta(minutes=1))], "page-2"),  # newest first: not ended yet
        ([in_window], "page-3"),
        ([activity("a0", old, old + timedelta(minutes=5)), activity("never-read", old)], "page-4"),
        histories=[[]],
    )  # page 4 is never requested: the stubber fails the test if it is
    recorder(recorder_aws).run(EVENT)
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS) == [(end, 305.0)]


def test_detection_uses_the_alarm_transition_before_the_activity(recorder_aws):
    start, end = WINDOW_START - timedelta(minutes=4), WINDOW_START + timedelta(seconds=30)
    later = history(start + timedelta(seconds=30), start + timedelta(seconds=1))  # after the start: not the trigger
    ok = history(start - timedelta(seconds=5), start - timedelta(seconds=40), state="OK")
    trigger = history(start - timedelta(seconds=15), start - timedelta(seconds=45))
    stub_reads(recorder_aws, ([activity("a1", start, end)], None), histories=[[later, ok, trigger]])
    recorder(recorder_aws).run(EVENT)
    assert stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS) == [(end, 45.0)]


def test_missing_endpoint_skips_instance_counts(recorder_aws):
    recorder_aws.boto("sagemaker").delete_endpoint(EndpointName=ENDPOINT)
    stub_reads(recorder_aws, ([], None))
    assert recorder(recorder_aws).run(EVENT)["published"] == 2  # copy counts only


def test_a_single_model_endpoint_records_its_variant_scale_outs(recorder_aws):
    config = Config(endpoint_name=ENDPOINT, variant_name="AllTraffic", components=(), claim_table=TABLE,
                    variant_scaled=True)  # fmt: skip
    start, end = WINDOW_START - timedelta(minutes=6), WINDOW_START + timedelta(seconds=40)
    variant = f"endpoint/{ENDPOINT}/variant/AllTraffic"
    scaling = recorder_aws.stub("application-autoscaling", "describe_scaling_activities")
    item = {**activity("v1", start, end, alarm="x"), "ResourceId": variant,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}  # fmt: skip
    scaling.add_response(
        "describe_scaling_activities",
        {"ScalingActivities": [item]},
        {"ServiceNamespace": "sagemaker", "ResourceId": variant,
         "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MaxResults": 50},
    )  # fmt: skip
    recorder_aws.stub("cloudwatch", "describe_alarm_history").add_response(
        "describe_alarm_history", {"AlarmHistoryItems": []}
    )
    Recorder(config, recorder_aws.clients, now=lambda: RUN).run(EVENT)
    assert stats(recorder_aws, names.SCALE_OUT_LATENCY, {names.ENDPOINT_DIMENSION: ENDPOINT}) == [(end, 400.0)]


def test_config_reads_the_environment():
    config = Config.from_env({"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "COMPONENTS": "a,b", "CLAIM_TABLE": "t",
                              "VARIANT_SCALED": "true"})  # fmt: skip
    assert (config.components, config.variant_scaled) == (("a", "b"), True)
    assert Config.from_env({"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "CLAIM_TABLE": "t"}).components == ()
