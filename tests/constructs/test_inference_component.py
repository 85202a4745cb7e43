"""InferenceComponent: the CloudFormation it renders, the role access it grants, and its images."""

import re

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from constructs_pkg import ContainerImage, ModelData

from ..helpers import add_component, new_endpoint, new_stack, one, statements_of

DIGEST = "sha256:" + "c" * 64


def test_component_renders_what_the_api_requires():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    add_component(
        endpoint,
        accelerator_count=2,
        memory_mib=20480,
        cpu_cores=4,
        copy_count=0,
        environment={"HF_MODEL_ID": "Qwen/Qwen3-8B"},
        startup_health_check_timeout=Duration.minutes(10),
        model_download_timeout=Duration.minutes(20),
    )
    template = Template.from_stack(stack)
    props = one(template, "AWS::SageMaker::InferenceComponent")["Properties"]
    assert re.fullmatch(r"teststack-endpoint-model-[0-9a-f]{8}", props["InferenceComponentName"])
    assert props["EndpointName"] == {"Fn::GetAtt": [stack.get_logical_id(endpoint.endpoint_resource), "EndpointName"]}
    assert props["VariantName"] == "AllTraffic"
    assert props["RuntimeConfig"] == {"CopyCount": 0}  # zero is a value, not "unset"
    spec = props["Specification"]
    assert spec["ComputeResourceRequirements"] == {
        "NumberOfAcceleratorDevicesRequired": 2,
        "MinMemoryRequiredInMb": 20480,
        "NumberOfCpuCoresRequired": 4,
    }
    assert spec["Container"]["Environment"] == {"HF_MODEL_ID": "Qwen/Qwen3-8B"}
    assert spec["StartupParameters"] == {
        "ContainerStartupHealthCheckTimeoutInSeconds": 600,
        "ModelDataDownloadTimeoutInSeconds": 1200,
    }
    assert "DeploymentConfig" not in props


def test_explicit_component_name_is_used():
    stack = new_stack()
    component = add_component(new_endpoint(stack), component_name="qwen3-8b")
    assert component.component_name == "qwen3-8b"
    props = one(Template.from_stack(stack), "AWS::SageMaker::InferenceComponent")["Properties"]
    assert props["InferenceComponentName"] == "qwen3-8b"


def test_ecr_repository_image_by_digest_and_model_data_from_bucket():
    stack = new_stack()
    repo = ecr.Repository(stack, "Repo", image_tag_mutability=ecr.TagMutability.IMMUTABLE)
    bucket = s3.Bucket(stack, "Models", encryption=s3.BucketEncryption.KMS)
    endpoint = new_endpoint(stack)
    component = add_component(
        endpoint,
        image=ContainerImage.from_ecr_repository(repo, digest=DIGEST),
        model_data=ModelData.from_bucket(bucket, "qwen/model.tar.gz"),
    )
    assert component.image.pinned is True
    template = Template.from_stack(stack)
    container = one(template, "AWS::SageMaker::InferenceComponent")["Properties"]["Specification"]["Container"]
    assert stack.resolve(container["Image"])["Fn::Join"][1][-1].endswith(f"@{DIGEST}")
    assert container["ArtifactUrl"]["Fn::Join"][1][-1] == "/qwen/model.tar.gz"
    statements = statements_of(stack, template, endpoint.role)
    actions = [s["Action"] for s in statements]
    assert "s3:GetObject" in actions
    assert "kms:Decrypt" in actions
    (read,) = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert read["Resource"]["Fn::Join"][1][-1] == "/qwen/model.tar.gz"


def test_model_data_from_s3_uri_is_scoped_to_the_object():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    add_component(endpoint, model_data=ModelData.from_s3_uri("s3://my-models/llm/model.tar.gz"))
    statements = statements_of(stack, Template.from_stack(stack), endpoint.role)
    (read,) = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert read["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-models/llm/model.tar.gz"]]}


def test_lmi_image_for_a_concrete_region():
    stack = new_stack(env=cdk.Environment(account="123456789012", region="eu-central-2"))
    component = add_component(new_endpoint(stack), image=ContainerImage.lmi("0.35.0"))
    assert component.image.image_uri == (
        "380420809688.dkr.ecr.eu-central-2.amazonaws.com/djl-inference:0.35.0-lmi17.0.0-cu128"
    )
    assert component.image.pinned is False


def test_lmi_image_for_an_environment_agnostic_stack_uses_a_mapping():
    stack = new_stack(env=None)
    add_component(new_endpoint(stack), image=ContainerImage.lmi())
    template = Template.from_stack(stack).to_json()
    (mapping,) = template["Mappings"].values()
    assert mapping["us-east-1"] == {"account": "763104351884"}
    assert mapping["af-south-1"] == {"account": "626614931356"}
    image = one(Template.from_stack(stack), "AWS::SageMaker::InferenceComponent")["Properties"]["Specification"][
        "Container"
    ]["Image"]
    parts = image["Fn::Join"][1]
    assert {"Fn::FindInMap": [list(template["Mappings"])[0], {"Ref": "AWS::Region"}, "account"]} in parts
    assert parts[-1] == "/djl-inference:0.36.0-lmi27.0.0-cu130"


def test_lmi_image_for_an_unknown_region_fails():
    stack = new_stack(env=cdk.Environment(account="123456789012", region="xx-nowhere-1"))
    with pytest.raises(ValueError, match=r"ContainerImage.lmi has no registry for region 'xx-nowhere-1'"):
        add_component(new_endpoint(stack), image=ContainerImage.lmi())


def test_component_metrics_use_its_name():
    stack = new_stack()
    component = add_component(new_endpoint(stack), component_name="qwen")
    metric = component.metric_concurrent_requests_per_copy()
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/SageMaker",
        "ConcurrentRequestsPerCopy",
        "Maximum",
    )
    assert metric.period.to_seconds() == 10
    assert metric.dimensions == {"InferenceComponentName": "qwen"}
    assert component.metric_model_latency(statistic="p50").statistic == "p50"


def _cuda_warnings(**endpoint_props) -> list[str]:
    from aws_cdk.assertions import Annotations, Match

    stack = new_stack()
    add_component(new_endpoint(stack, **endpoint_props), image=ContainerImage.lmi("0.36.0"))
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("built for CUDA"))
    return [w.entry.data for w in found]


def test_cuda_13_image_on_the_default_ami_is_warned():
    (warning,) = _cuda_warnings()
    assert "built for CUDA 13 but the endpoint uses SageMaker's default AMI" in warning
    assert "InferenceAmiVersion.GPU_4_1" in warning


def test_cuda_13_image_on_the_cuda_13_ami_is_not_warned():
    from constructs_pkg import InferenceAmiVersion

    assert _cuda_warnings(inference_ami_version=InferenceAmiVersion.GPU_4_1) == []


def test_cuda_12_image_is_not_warned():
    from aws_cdk.assertions import Annotations, Match

    stack = new_stack()
    add_component(new_endpoint(stack), image=ContainerImage.lmi("0.35.0"))
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("built for CUDA")) == []
