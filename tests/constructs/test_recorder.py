"""ScaleOutRecorder construct: schedule, claims table, least-privilege IAM, and the scale-out SLO alarm."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Template

from constructs_pkg import InferenceEndpoint, ScaleOutRecorder

from ..helpers import add_component, new_endpoint, new_stack, one, statements_of


@pytest.fixture(scope="module")
def built():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    component = add_component(endpoint, component_name="qwen")
    component.scale_on_concurrent_requests(min_copies=0, max_copies=2, target_per_copy=4, )
    return stack, endpoint, Template.from_stack(stack)


def test_recorder_runs_every_minute_with_its_configuration(built):
    stack, endpoint, template = built
    recorder = endpoint.scale_out_recorder
    rule = one(template, "AWS::Events::Rule")["Properties"]
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    function_id = stack.get_logical_id(recorder.function.node.default_child)
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    function = template.to_json()["Resources"][function_id]["Properties"]
    assert function["Handler"] == "runtime.recorder.handler"
    variables = function["Environment"]["Variables"]
    assert variables["ENDPOINT_NAME"] == endpoint.physical_endpoint_name
    assert variables["VARIANT_NAME"] == "AllTraffic"
    assert variables["COMPONENTS"] == "qwen"  # added after the recorder was created
    assert variables["CLAIM_TABLE"] == {"Ref": stack.get_logical_id(recorder.claims.node.default_child)}


def test_recorder_knows_the_name_of_the_wake_alarm_the_scaling_created(built):
    stack, endpoint, template = built
    function = template.to_json()["Resources"][stack.get_logical_id(endpoint.scale_out_recorder.function.node.default_child)]
    wake = [a["Properties"]["AlarmName"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("MetricName") == "NoCapacityInvocationFailures"]  # fmt: skip
    assert wake == ["qwen-wake-from-zero"]
    assert function["Properties"]["Environment"]["Variables"]["WAKE_ALARMS"] == "qwen-wake-from-zero"


def test_the_handlers_default_wake_alarms_are_the_alarms_the_scaling_created(built):
    """Without WAKE_ALARMS the handler derives the names from COMPONENTS: they must be the synthesized alarms'."""
    from constructs_pkg.runtime.recorder_config import Config

    stack, endpoint, template = built
    function = template.to_json()["Resources"][stack.get_logical_id(endpoint.scale_out_recorder.function.node.default_child)]
    variables = function["Properties"]["Environment"]["Variables"]
    env = {k: v for k, v in variables.items() if isinstance(v, str) and k != "WAKE_ALARMS"} | {"CLAIM_TABLE": "claims"}
    wake = {a["Properties"]["AlarmName"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()
            if a["Properties"].get("MetricName") == "NoCapacityInvocationFailures"}  # fmt: skip
    assert wake and Config.from_env(env).wake_alarms == wake


def test_claims_table_expires_items_and_has_point_in_time_recovery(built):
    table = one(built[2], "AWS::DynamoDB::Table")["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_recorder_iam_is_least_privilege(built):
    stack, endpoint, template = built
    statements = statements_of(stack, template, endpoint.scale_out_recorder.function.role)
    by_action = {tuple(s["Action"]) if isinstance(s["Action"], list) else s["Action"]: s for s in statements}
    claims = by_action[("dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem")]  # GetItem: the cold baseline
    assert claims["Resource"][0]["Fn::GetAtt"][1] == "Arn"
    component_id = stack.get_logical_id(endpoint.inference_components[0].component_resource)
    assert by_action["sagemaker:DescribeInferenceComponent"]["Resource"] == {"Ref": component_id}
    assert by_action["application-autoscaling:DescribeScalingActivities"]["Resource"] == "*"
    alarms = [r["Fn::Join"][1][-1] for r in by_action["cloudwatch:DescribeAlarmHistory"]["Resource"]]
    assert alarms == [":alarm:TargetTracking-inference-component/qwen-AlarmHigh-*", ":alarm:qwen-wake-from-zero"]
    assert by_action["cloudwatch:PutMetricData"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": f"ConstructsPkg/ScaleOut/{endpoint.physical_endpoint_name}"}
    }


def test_scale_out_budget_alarm_per_component(built):
    alarms = built[2].find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "ScaleOutLatency"}})
    (alarm,) = [a["Properties"] for a in alarms.values()]
    assert alarm["Threshold"] == 360  # the default budget: 6 minutes
    assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (
        "Maximum", 300, 3, 1,
    )  # fmt: skip
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Dimensions"] == [{"Name": "InferenceComponentName", "Value": "qwen"}]


def test_custom_budget_and_no_budget():
    stack = new_stack()
    add_component(new_endpoint(stack, scale_out_budget=Duration.minutes(4)))
    add_component(new_endpoint(stack, "Other", scale_out_budget=None))
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "ScaleOutLatency"}})
    assert [a["Properties"]["Threshold"] for a in alarms.values()] == [240]


def test_recorder_can_be_turned_off():
    stack = new_stack()
    endpoint = new_endpoint(stack, record_scale_out=False)
    assert endpoint.scale_out_recorder is None
    Template.from_stack(stack).resource_count_is("AWS::Events::Rule", 0)


def test_recorder_for_an_imported_endpoint():
    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(stack, "Imported", "legacy-endpoint")
    add_component(endpoint, component_name="early")
    recorder = ScaleOutRecorder(stack, "Recorder", endpoint=endpoint)
    add_component(endpoint, "Late", component_name="late")
    function = one(Template.from_stack(stack), "AWS::Lambda::Function")["Properties"]
    assert function["Environment"]["Variables"]["COMPONENTS"] == "early,late"
    assert function["Environment"]["Variables"]["WAKE_ALARMS"] == "early-wake-from-zero,late-wake-from-zero"
    assert function["Environment"]["Variables"]["ENDPOINT_NAME"] == "legacy-endpoint"
    assert set(recorder.budget_alarms) == {"early", "late"}


def test_budget_must_be_positive():
    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(stack, "Imported", "legacy-endpoint")
    with pytest.raises(ValueError, match=r"scale_out_budget must be between 1 and 86400 seconds, got 0 seconds"):
        ScaleOutRecorder(stack, "Recorder", endpoint=endpoint, scale_out_budget=Duration.seconds(0))
