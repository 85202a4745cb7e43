"""Imported endpoints and components: what a team with a hand-deployed endpoint uses."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_pkg import AcceleratorInstanceType, InferenceComponent, InferenceEndpoint

from ..helpers import new_stack, one


def _imported(stack, **component):
    endpoint = InferenceEndpoint.from_endpoint_name(
        stack, "Endpoint", "Chat-Prod", instance_type=AcceleratorInstanceType.G6E_12XLARGE, max_instance_count=2
    )
    return endpoint, InferenceComponent.from_component_name(stack, "Chat", "Chat-Llama", endpoint=endpoint, **component)


def test_imported_component_scales_without_a_resource_to_depend_on():
    stack = new_stack()
    _, chat = _imported(stack, accelerator_count=2, memory_mib=64 * 1024)
    chat.scale_on_concurrent_requests(min_copies=0, max_copies=4, target_per_copy=5)
    template = Template.from_stack(stack)
    target = one(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["Properties"]["ResourceId"] == "inference-component/Chat-Llama"
    assert "DependsOn" not in target
    template.resource_count_is("AWS::SageMaker::InferenceComponent", 0)
    alarms = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": "Chat-Llama-wake-from-zero"}})
    assert len(alarms) == 1


def test_imported_component_capacity_is_checked_when_known():
    stack = new_stack()
    _, chat = _imported(stack, accelerator_count=2, memory_mib=64 * 1024)  # 4 GPUs x 2 instances: 4 copies
    with pytest.raises(ValueError, match=r"max_copies \(5\) must be <= 4"):
        chat.scale_on_concurrent_requests(max_copies=5, target_per_copy=5)


def test_imported_component_with_unknown_size_is_not_checked():
    stack = new_stack()
    _, chat = _imported(stack)
    scaling = chat.scale_on_concurrent_requests(max_copies=50, target_per_copy=5)
    assert scaling.max_copies == 50


def test_imported_grants_use_lowercase_arns():
    stack = new_stack()
    _, chat = _imported(stack)
    caller = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    chat.grant_invoke(caller)
    statement = one(Template.from_stack(stack), "AWS::IAM::Policy")["Properties"]["PolicyDocument"]["Statement"][0]
    tails = [r["Fn::Join"][1][-1] for r in statement["Resource"]]
    assert tails == [":sagemaker:us-east-1:123456789012:endpoint/chat-prod",
                     ":sagemaker:us-east-1:123456789012:inference-component/chat-llama"]  # fmt: skip


@pytest.mark.parametrize(
    ("props", "message"),
    [({"accelerator_count": 0}, "accelerator_count must be >= 1"), ({"copy_count": -1}, "copy_count must be >= 0")],
)
def test_imported_component_rejects(props, message):
    with pytest.raises(ValueError, match=message):
        _imported(new_stack(), **props)


def test_imported_component_rejects_bad_names():
    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(stack, "Endpoint", "chat")
    with pytest.raises(ValueError, match=r"component_name must be 1-63 letters.*got 'bad_name'"):
        InferenceComponent.from_component_name(stack, "C", "bad_name", endpoint=endpoint)
    with pytest.raises(ValueError, match=r"endpoint_name must be 1-63 letters.*got 'bad name'"):
        InferenceEndpoint.from_endpoint_name(stack, "E2", "bad name")


def test_imported_endpoint_rejects_a_string_instance_type():
    with pytest.raises(ValueError, match=r"instance_type must be an AcceleratorInstanceType .*got 'ml.g6.2xlarge'"):
        InferenceEndpoint.from_endpoint_name(new_stack(), "E", "chat", instance_type="ml.g6.2xlarge")
