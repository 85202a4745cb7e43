"""Never in silence: alarms on every library function's errors and throttles, the recorder's heartbeat (missing data
breaches), an unverified cache purge, all on the dashboard; the recorder's failed runs land in an encrypted queue."""

from __future__ import annotations

import json

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from constructs_pkg import InferenceEndpoint, ScaleOutDashboard, ScaleOutRecorder
from constructs_pkg.runtime import names

from ..helpers import add_component, new_endpoint, new_stack, one, statements_of


@pytest.fixture(scope="module")
def built():
    stack = new_stack()
    key = kms.Key(stack, "Key")
    endpoint = new_endpoint(stack, encryption_key=key)
    add_component(endpoint, component_name="qwen")
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    return stack, endpoint, key, Template.from_stack(stack)


def alarms_on(template: Template, metric: str) -> list[dict]:
    found = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": metric}})
    return [a for a in found.values()]


def function_id(stack, function) -> str:
    return stack.get_logical_id(function.node.default_child)


def test_every_library_function_has_an_errors_and_a_throttles_alarm(built):
    stack, endpoint, _, template = built
    functions = [endpoint.scale_out_recorder.function, endpoint.cache_guard.on_event_function,
                 endpoint.cache_guard.is_complete_function]  # fmt: skip
    for metric in ("Errors", "Throttles"):
        alarms = alarms_on(template, metric)
        watched = sorted(a["Properties"]["Dimensions"][0]["Value"]["Ref"] for a in alarms)
        assert watched == sorted(function_id(stack, f) for f in functions), metric
        for alarm in alarms:
            p = alarm["Properties"]
            assert (p["Namespace"], p["Statistic"], p["Threshold"], p["ComparisonOperator"]) == (
                "AWS/Lambda", "Sum", 1, "GreaterThanOrEqualToThreshold")
            assert p["TreatMissingData"] == "notBreaching"  # no invocation is no failure; silence is the heartbeat's


def test_the_heartbeat_alarm_breaches_when_the_recorder_is_silent(built):
    stack, endpoint, _, template = built
    (alarm,) = alarms_on(template, names.RECORDER_HEARTBEAT)
    p = alarm["Properties"]
    assert p["TreatMissingData"] == "breaching"
    assert (p["Statistic"], p["Period"], p["ComparisonOperator"], p["Threshold"]) == (
        "SampleCount", 60, "LessThanThreshold", 1)
    assert p["EvaluationPeriods"] == p["DatapointsToAlarm"] == 5
    assert p["Dimensions"] == [{"Name": names.ENDPOINT_DIMENSION, "Value": endpoint.physical_endpoint_name}]
    assert p["Namespace"] == endpoint.metric_recorder_heartbeat().namespace  # the recorder's publishing namespace


def test_an_unverified_purge_alarms_and_the_alarm_outlives_the_stack(built):
    _, endpoint, _, template = built
    found = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": names.CACHE_PURGE_VERIFIED}})
    (alarm,) = found.values()
    p = alarm["Properties"]
    assert (p["Statistic"], p["ComparisonOperator"], p["Threshold"]) == ("Minimum", "LessThanThreshold", 1)
    assert p["TreatMissingData"] == "notBreaching"  # no deletion, no verdict
    assert alarm["DeletionPolicy"] == "Retain"  # the verdict is published while the stack is being deleted


def test_the_purge_alarm_follows_the_guards_removal_policy():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    add_component(endpoint)
    from constructs_pkg.cache_guard import CacheGuard

    CacheGuard(stack, "Other", endpoint=endpoint, removal_policy=RemovalPolicy.DESTROY)
    found = Template.from_stack(stack).find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": names.CACHE_PURGE_VERIFIED}})
    assert sorted(a["DeletionPolicy"] for a in found.values()) == ["Delete", "Retain"]


def test_the_recorders_failed_runs_land_in_a_queue_encrypted_with_the_endpoints_key(built):
    stack, endpoint, key, template = built
    queue = one(template, "AWS::SQS::Queue")["Properties"]
    assert queue["KmsMasterKeyId"] == {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}
    function = template.to_json()["Resources"][function_id(stack, endpoint.scale_out_recorder.function)]
    queue_id = stack.get_logical_id(endpoint.scale_out_recorder.dead_letter_queue.node.default_child)
    assert function["Properties"]["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    role = endpoint.scale_out_recorder.function.role
    granted = {(tuple(s["Action"]) if isinstance(s["Action"], list) else (s["Action"],), json.dumps(s["Resource"]))
               for s in statements_of(stack, template, role)}  # fmt: skip
    key_arn = json.dumps({"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]})
    assert (("kms:GenerateDataKey", "kms:Decrypt"), key_arn) in granted  # Lambda sends as the role: SSE-KMS needs it
    assert ("sqs:SendMessage",) in {actions for actions, _ in granted}
    policy = one(template, "AWS::SQS::QueuePolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy)


def test_without_a_key_the_queue_uses_sqs_managed_encryption():
    stack = new_stack()
    ScaleOutRecorder(stack, "Recorder", endpoint=InferenceEndpoint.from_endpoint_name(stack, "Imported", "legacy"))
    queue = one(Template.from_stack(stack), "AWS::SQS::Queue")["Properties"]
    assert queue["SqsManagedSseEnabled"] is True


def test_the_dashboard_shows_every_health_alarm(built):
    stack, endpoint, _, template = built
    parts = one(template, "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]["Fn::Join"][1]
    text = json.dumps(parts)
    recorder, guard = endpoint.scale_out_recorder, endpoint.cache_guard
    health = [*recorder.health_alarms, recorder.heartbeat_alarm, *guard.health_alarms, guard.purge_alarm]
    assert len(health) == 8
    for alarm in health:
        assert stack.get_logical_id(alarm.node.default_child) in text, alarm.node.path
