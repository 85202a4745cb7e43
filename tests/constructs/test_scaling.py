"""Copy-count scaling: the scalable target, high-resolution target tracking, and wake-from-zero."""

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Annotations, Match, Template

from ..helpers import add_component, new_endpoint, new_stack, one, resources_of


def _scaled(**scaling):
    stack = new_stack()
    component = add_component(new_endpoint(stack), copy_count=scaling.pop("copy_count", 1))
    component.scale_on_concurrent_requests(**{"max_copies": 4, "target_per_copy": 5, **scaling})
    return stack, component, Template.from_stack(stack)


def _wake_alarms(template) -> list[dict]:
    alarms = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "NoCapacityInvocationFailures"}})
    return [a["Properties"] for a in alarms.values()]


def test_scalable_target_uses_the_service_linked_role_and_waits_for_the_component():
    stack, component, template = _scaled()
    target = one(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["Properties"]["ResourceId"] == f"inference-component/{component.component_name}"
    assert target["Properties"]["ScalableDimension"] == "sagemaker:inference-component:DesiredCopyCount"
    assert target["Properties"]["ServiceNamespace"] == "sagemaker"
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (1, 4)
    assert target["DependsOn"] == [stack.get_logical_id(component.component_resource)]
    role_arn = "".join(p for p in target["Properties"]["RoleARN"]["Fn::Join"][1] if isinstance(p, str))
    assert role_arn.endswith("AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")
    assert not template.find_resources(  # no stray role for Application Auto Scaling
        "AWS::IAM::Role",
        {"Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "application-autoscaling.amazonaws.com"}}]}}},
    )


def test_target_tracking_is_high_resolution_with_explicit_cooldowns():
    _, _, template = _scaled()
    (policy,) = resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert policy["Properties"]["PolicyType"] == "TargetTrackingScaling"
    assert policy["Properties"]["TargetTrackingScalingPolicyConfiguration"] == {
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"
        },
        "TargetValue": 5,
        "ScaleOutCooldown": 60,
        "ScaleInCooldown": 300,
    }
    assert _wake_alarms(template) == []


def test_custom_cooldowns():
    _, _, template = _scaled(scale_out_cooldown=Duration.seconds(0), scale_in_cooldown=Duration.minutes(10))
    (policy,) = resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    config = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert (config["ScaleOutCooldown"], config["ScaleInCooldown"]) == (0, 600)


def test_min_zero_wires_wake_from_zero():
    stack, component, template = _scaled(min_copies=0)
    assert one(template, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]["MinCapacity"] == 0
    step = [
        p for p in resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
        if p["Properties"]["PolicyType"] == "StepScaling"
    ]  # fmt: skip
    assert len(step) == 1
    config = step[0]["Properties"]["StepScalingPolicyConfiguration"]
    assert config["AdjustmentType"] == "ChangeInCapacity"
    assert config["StepAdjustments"] == [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    (alarm,) = _wake_alarms(template)
    assert alarm["MetricName"] == "NoCapacityInvocationFailures"
    assert alarm["Namespace"] == "AWS/SageMaker"
    assert alarm["Dimensions"] == [{"Name": "InferenceComponentName", "Value": component.component_name}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 60, 1)
    step_id = [k for k, v in template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").items()
               if v["Properties"]["PolicyType"] == "StepScaling"][0]  # fmt: skip
    assert alarm["AlarmActions"] == [{"Ref": step_id}]
    assert alarm["AlarmName"] == f"{component.component_name}-wake-from-zero"


def test_scaling_twice_fails():
    stack = new_stack()
    component = add_component(new_endpoint(stack))
    component.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
    with pytest.raises(ValueError, match="already called"):
        component.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)


def _zero_instance_endpoint(min_copies: int):
    from aws_cdk.assertions import Annotations

    stack = new_stack()
    component = add_component(new_endpoint(stack, min_instance_count=0), copy_count=min_copies)
    component.scale_on_concurrent_requests(min_copies=min_copies, max_copies=2, target_per_copy=4)
    return Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("never scales to zero"))


def test_endpoint_that_cannot_reach_zero_instances_is_warned():
    (warning,) = _zero_instance_endpoint(min_copies=1)
    assert "min_copies=0" in warning.entry.data


def test_endpoint_that_can_reach_zero_instances_is_not_warned():
    assert _zero_instance_endpoint(min_copies=0) == []


# --- the copy count a scaled component starts with ------------------------------------------------------------------

_ABOVE_MINIMUM = "constructs-pkg:copy-count-above-minimum"


def _started(min_copies, **component_props):
    stack = new_stack()
    component = add_component(new_endpoint(stack, min_instance_count=0), **component_props)
    component.scale_on_concurrent_requests(min_copies=min_copies, max_copies=4, target_per_copy=5)
    template = Template.from_stack(stack)
    copies = one(template, "AWS::SageMaker::InferenceComponent")["Properties"]["RuntimeConfig"]["CopyCount"]
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(_ABOVE_MINIMUM))
    return component, copies, warnings


@pytest.mark.parametrize("min_copies", [0, 1, 3])
def test_a_copy_count_left_out_follows_the_scaling_minimum(min_copies):
    component, copies, warnings = _started(min_copies)
    assert copies == min_copies == component.copy_count  # scale to zero deploys no copy
    assert warnings == []


def test_a_copy_count_given_above_the_minimum_warns():
    component, copies, warnings = _started(0, copy_count=2)
    assert copies == 2
    (warning,) = warnings
    assert warning.id.endswith("/Endpoint/Model")
    assert warning.entry.data.startswith(
        "copy_count (2) is above min_copies (0): the component deploys 2 copies, which stay until scaling removes "
        "them, and every stack update that changes the component sets the copy count back to 2"
    )


@pytest.mark.parametrize(("copy_count", "min_copies"), [(0, 0), (1, 1)])
def test_a_copy_count_given_at_the_minimum_is_quiet(copy_count, min_copies):
    _, copies, warnings = _started(min_copies, copy_count=copy_count)
    assert (copies, warnings) == (copy_count, [])


def test_a_copy_count_given_below_the_minimum_is_still_refused():
    component = add_component(new_endpoint(new_stack()), copy_count=1)
    with pytest.raises(ValueError, match=r"the component's copy_count \(1\) must lie between min_copies \(2\)"):
        component.scale_on_concurrent_requests(min_copies=2, max_copies=4, target_per_copy=5)


def test_unscaled_component_starts_with_one_copy():
    stack = new_stack()
    add_component(new_endpoint(stack))
    component = one(Template.from_stack(stack), "AWS::SageMaker::InferenceComponent")
    assert component["Properties"]["RuntimeConfig"]["CopyCount"] == 1
