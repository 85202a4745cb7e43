"""SingleModelEndpoint: model, config, instance scaling on ConcurrentRequestsPerModel, guard, recorder, dashboard."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from constructs_pkg import (
    AcceleratorInstanceType,
    ConfigurationError,
    ContainerImage,
    ModelData,
    ScaleOutDashboard,
    SingleModelEndpoint,
)

from ..helpers import IMAGE_URI, new_stack, one, statements_of


def _endpoint(stack, **props):
    props = {"instance_type": AcceleratorInstanceType.G6_2XLARGE, "image": ContainerImage.from_image_uri(IMAGE_URI),
             **props}  # fmt: skip
    return SingleModelEndpoint(stack, "Llm", **props)


@pytest.fixture(scope="module")
def built():
    stack = new_stack()
    endpoint = _endpoint(
        stack, model_data=ModelData.from_s3_uri("s3://models/llm.tar.gz"), environment={"HF_MODEL_ID": "x"},
        startup_health_check_timeout=Duration.minutes(12), initial_instance_count=2,
    )  # fmt: skip
    endpoint.scale_on_concurrent_requests(min_instances=2, max_instances=5, target_per_model=7)
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    return stack, endpoint, Template.from_stack(stack)


def test_model_carries_role_image_artifacts_and_environment(built):
    stack, endpoint, template = built
    model = one(template, "AWS::SageMaker::Model")["Properties"]
    assert model["ExecutionRoleArn"] == {"Fn::GetAtt": [stack.get_logical_id(endpoint.role.node.default_child), "Arn"]}
    assert model["PrimaryContainer"] == {
        "Image": IMAGE_URI,
        "ModelDataUrl": "s3://models/llm.tar.gz",
        "Environment": {"HF_MODEL_ID": "x"},
    }


def test_variant_names_the_model_and_config_has_no_role(built):
    stack, endpoint, template = built
    config = one(template, "AWS::SageMaker::EndpointConfig")["Properties"]
    assert "ExecutionRoleArn" not in config
    (variant,) = config["ProductionVariants"]
    assert variant["ModelName"] == {"Fn::GetAtt": [stack.get_logical_id(endpoint.model), "ModelName"]}
    assert (variant["InitialInstanceCount"], variant["ContainerStartupHealthCheckTimeoutInSeconds"]) == (2, 720)
    assert "ManagedInstanceScaling" not in variant


def test_instances_scale_on_concurrent_requests_per_model(built):
    stack, endpoint, template = built
    target = one(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["Properties"]["ResourceId"] == f"endpoint/{endpoint.physical_endpoint_name}/variant/AllTraffic"
    assert target["Properties"]["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (2, 5)
    assert target["DependsOn"] == [stack.get_logical_id(endpoint.endpoint_resource)]
    policy = one(template, "AWS::ApplicationAutoScaling::ScalingPolicy")["Properties"]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"
    }
    assert config["TargetValue"] == 7


def test_guard_checks_the_model_image_and_recorder_records_the_variant(built):
    stack, endpoint, template = built
    assert one(template, "Custom::SageMakerCacheGuard")["Properties"]["ImageUris"] == [IMAGE_URI]
    function = template.to_json()["Resources"][stack.get_logical_id(endpoint.scale_out_recorder.function.node.default_child)]
    assert function["Properties"]["Environment"]["Variables"]["VARIANT_SCALED"] == "true"
    statements = statements_of(stack, template, endpoint.scale_out_recorder.function.role)
    (history,) = [s for s in statements if s["Action"] == "cloudwatch:DescribeAlarmHistory"]
    pattern = f":alarm:TargetTracking-endpoint/{endpoint.physical_endpoint_name}/variant/AllTraffic-AlarmHigh-*"
    assert history["Resource"]["Fn::Join"][1][-1] == pattern  # exactly this variant's alarms
    assert list(endpoint.scale_out_recorder.budget_alarms) == [endpoint.physical_endpoint_name]


def test_dashboard_shows_the_variant(built):
    _, endpoint, template = built
    parts = one(template, "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]["Fn::Join"][1]
    body = json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))
    (demand,) = [w for w in body["widgets"] if w["properties"].get("title", "").startswith("Demand vs target")]
    assert demand["properties"]["metrics"][0][1] == "ConcurrentRequestsPerModel"
    assert demand["properties"]["annotations"]["horizontal"][0]["value"] == 7
    (latency,) = [w for w in body["widgets"] if w["properties"].get("title", "").startswith("Scale-out latency")]
    assert latency["properties"]["metrics"][0][2:4] == ["EndpointName", endpoint.physical_endpoint_name]


def test_vpc_goes_on_the_model():
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    _endpoint(stack, vpc=vpc)
    template = Template.from_stack(stack)
    assert len(one(template, "AWS::SageMaker::Model")["Properties"]["VpcConfig"]["Subnets"]) == 2
    assert "VpcConfig" not in one(template, "AWS::SageMaker::EndpointConfig")["Properties"]


@pytest.mark.parametrize(
    ("scaling", "message"),
    [
        ({"min_instances": 0}, r"min_instances must be >= 1, got 0"),
        ({"max_instances": 0}, r"max_instances must be >= 1, got 0"),
        ({"min_instances": 2}, r"the endpoint's initial_instance_count \(1\) must lie between min_instances \(2\)"),
        ({"target_per_model": 0}, r"target_per_model must be a number > 0, got 0"),
    ],
)
def test_scaling_rejects(scaling, message):
    endpoint = _endpoint(new_stack())
    with pytest.raises(ValueError, match=message):
        endpoint.scale_on_concurrent_requests(**{"max_instances": 3, "target_per_model": 5, **scaling})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"initial_instance_count": 0}, r"initial_instance_count must be >= 1, got 0"),
        ({"image": "nginx"}, r"image must be a ContainerImage"),
        ({"environment": {"9": "x"}}, r"environment key '9' must match"),
        ({"instance_type": AcceleratorInstanceType}, r"instance_type must be an AcceleratorInstanceType"),
    ],
)
def test_endpoint_rejects(props, message):
    with pytest.raises(ValueError, match=message):
        _endpoint(new_stack(), **props)


def test_it_hosts_no_components():
    with pytest.raises(ConfigurationError, match="hosts no inference components"):
        _endpoint(new_stack()).add_inference_component("X", image=None, accelerator_count=1, memory_mib=128)


@pytest.mark.parametrize(
    ("method", "metric_name"),
    [("metric_gpu_utilization", "GPUUtilization"), ("metric_gpu_memory_utilization", "GPUMemoryUtilization"),
     ("metric_cpu_utilization", "CPUUtilization")],
)  # fmt: skip
def test_utilization_metrics_are_the_ones_published_without_components(method, metric_name):
    """The *Normalized metrics exist only for endpoints hosting inference components (metrics.py)."""
    stack = new_stack()
    endpoint = _endpoint(stack)
    metric = getattr(endpoint, method)()
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "/aws/sagemaker/Endpoints", metric_name, "Average"
    )
    assert metric.dimensions == {"EndpointName": endpoint.endpoint_name, "VariantName": endpoint.variant_name}
    assert getattr(endpoint, method)(statistic="Maximum").statistic == "Maximum"


def test_gpu_reservation_is_refused_because_only_component_endpoints_publish_it():
    with pytest.raises(ConfigurationError, match="metric_gpu_reservation.*only for endpoints that host inference"):
        _endpoint(new_stack()).metric_gpu_reservation()
