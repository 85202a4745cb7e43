"""InferenceEndpoint: the endpoint config for inference components, the endpoint, its role, import and grants."""

import re

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from constructs_pkg import (
    AcceleratorInstanceType,
    CacheGuardMode,
    InferenceAmiVersion,
    InferenceEndpoint,
    RoutingStrategy,
)

from ..helpers import add_component, new_endpoint, new_stack, one, statements_of


@pytest.fixture(scope="module")
def built():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    add_component(endpoint)
    return stack, endpoint, Template.from_stack(stack)


@pytest.fixture(scope="module")
def default_template(built) -> Template:
    return built[2]


@pytest.fixture(scope="module")
def role_statements(built) -> list[dict]:
    stack, endpoint, template = built
    return statements_of(stack, template, endpoint.role)


def test_config_is_shaped_for_inference_components(built, default_template):
    stack, endpoint, _ = built
    config = one(default_template, "AWS::SageMaker::EndpointConfig")["Properties"]
    assert config["ExecutionRoleArn"] == {"Fn::GetAtt": [stack.get_logical_id(endpoint.role.node.default_child), "Arn"]}
    (variant,) = config["ProductionVariants"]
    assert "ModelName" not in variant
    assert "Fn::GetAtt" in config["ExecutionRoleArn"]
    assert variant == {
        "VariantName": "AllTraffic",
        "InstanceType": "ml.g6.12xlarge",
        "InitialInstanceCount": 1,
        "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2},
        "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
    }
    assert "EndpointConfigName" not in config  # CloudFormation must be free to replace the config


def test_endpoint_has_a_deterministic_lowercase_name():
    names = []
    for _ in range(2):
        stack = new_stack()
        new_endpoint(stack)
        names.append(one(Template.from_stack(stack), "AWS::SageMaker::Endpoint")["Properties"]["EndpointName"])
    assert names[0] == names[1]
    assert re.fullmatch(r"teststack-endpoint-[0-9a-f]{8}", names[0])


def test_endpoint_exposes_its_name_before_deploy():
    stack = new_stack()
    endpoint = new_endpoint(stack, endpoint_name="my-endpoint")
    assert endpoint.physical_endpoint_name == "my-endpoint"
    logical_id = stack.get_logical_id(endpoint.endpoint_resource)
    assert stack.resolve(endpoint.endpoint_name) == {"Fn::GetAtt": [logical_id, "EndpointName"]}
    assert one(Template.from_stack(stack), "AWS::SageMaker::Endpoint")["Properties"]["EndpointName"] == "my-endpoint"


def test_endpoint_waits_for_its_role_policy(built, default_template):
    stack, endpoint, _ = built
    resource = one(default_template, "AWS::SageMaker::Endpoint")
    policy = endpoint.role.node.find_child("DefaultPolicy").node.default_child
    assert stack.get_logical_id(policy) in resource["DependsOn"]


def test_scale_to_zero_instances_is_allowed():
    stack = new_stack()
    new_endpoint(stack, min_instance_count=0)
    variant = one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0]
    assert variant["ManagedInstanceScaling"]["MinInstanceCount"] == 0
    assert variant["InitialInstanceCount"] == 1


def test_options_are_rendered():
    stack = new_stack()
    new_endpoint(
        stack,
        instance_type=AcceleratorInstanceType.of("ml.g7e.12xlarge"),  # an EBS volume: VolumeSizeInGB applies
        routing_strategy=RoutingStrategy.RANDOM,
        volume_size_gb=100,
        inference_ami_version=InferenceAmiVersion.GPU_4_1,
        variant_name="main",
        initial_instance_count=2,
    )
    variant = one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0]
    assert variant["RoutingConfig"] == {"RoutingStrategy": "RANDOM"}
    assert variant["VolumeSizeInGB"] == 100
    assert variant["InferenceAmiVersion"] == "al2023-ami-sagemaker-inference-gpu-4-1"
    assert variant["VariantName"] == "main"
    assert variant["InitialInstanceCount"] == 2


def test_role_is_least_privilege(built, default_template, role_statements):
    stack, endpoint, _ = built
    statements = role_statements
    actions = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not any("*" in a for a in actions), actions
    assert set(actions) >= {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "logs:PutLogEvents"}
    for statement in statements:
        if statement["Resource"] == "*":
            assert statement["Action"] in ("ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"), statement
    (metrics,) = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}
    default_template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    role = default_template.to_json()["Resources"][stack.get_logical_id(endpoint.role.node.default_child)]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}


def test_ecr_pull_is_scoped_to_the_component_repository(role_statements):
    (pull,) = [s for s in role_statements if "ecr:BatchGetImage" in s["Action"]]
    joined = "".join(p if isinstance(p, str) else "" for p in pull["Resource"]["Fn::Join"][1])
    assert joined.endswith(":ecr:us-east-1:123456789012:repository/llm")


def test_given_role_is_used_and_no_role_is_created():
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Existing", "arn:aws:iam::123456789012:role/sm-exec", mutable=False)
    add_component(new_endpoint(stack, role=role, cache_guard=CacheGuardMode.OFF, record_scale_out=False))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    template.resource_count_is("AWS::IAM::Policy", 0)
    config = one(template, "AWS::SageMaker::EndpointConfig")["Properties"]
    assert config["ExecutionRoleArn"] == "arn:aws:iam::123456789012:role/sm-exec"


def test_vpc_and_key_are_wired():
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    endpoint = new_endpoint(stack, vpc=vpc, encryption_key=key)
    template = Template.from_stack(stack)
    config = one(template, "AWS::SageMaker::EndpointConfig")["Properties"]
    assert config["KmsKeyId"] == {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}
    assert len(config["VpcConfig"]["Subnets"]) == 2
    assert config["VpcConfig"]["SecurityGroupIds"] == [
        {"Fn::GetAtt": [stack.get_logical_id(endpoint.connections.security_groups[0].node.default_child), "GroupId"]}
    ]
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Sid": "VpcCreateNetworkInterface"}),
                        Match.object_like({"Sid": "VpcNetworkInterfaces"}),
                        Match.object_like(
                            {"Action": ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"]}
                        ),
                    ]
                )
            }
        },
    )


def test_grant_invoke_covers_endpoint_and_components_added_later():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    caller = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    endpoint.grant_invoke(caller)
    component = add_component(endpoint)
    template = Template.from_stack(stack)
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": stack.get_logical_id(caller.node.default_child)}]}})
    (policy,) = policies.values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
    assert statement["Resource"] == [
        {"Ref": stack.get_logical_id(endpoint.endpoint_resource)},
        {"Ref": stack.get_logical_id(component.component_resource)},
    ]


def test_imported_endpoint_supports_metrics_grants_and_components():
    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(
        stack, "Imported", "MyEndpoint", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=2
    )
    caller = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    endpoint.grant_invoke(caller)
    add_component(endpoint)
    metric = endpoint.metric_gpu_utilization()
    assert (metric.namespace, metric.metric_name) == ("/aws/sagemaker/Endpoints", "GPUUtilizationNormalized")
    assert metric.dimensions == {"EndpointName": "MyEndpoint", "VariantName": "AllTraffic"}
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::Endpoint", 0)
    component = one(template, "AWS::SageMaker::InferenceComponent")["Properties"]
    assert component["EndpointName"] == "MyEndpoint"
    statement = one(template, "AWS::IAM::Policy")["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Resource"][0] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:us-east-1:123456789012:endpoint/myendpoint"]]
    }
