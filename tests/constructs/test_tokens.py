"""CloudFormation parameters for the image and model URIs, the instance type, the counts and an imported endpoint's
name: the template references them, the IAM resources are built with intrinsics (never a lower-cased placeholder),
and each construct names what it could not check in one warning."""

from __future__ import annotations

import json
from collections import Counter

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from constructs_pkg import (
    AcceleratorInstanceType,
    CacheGuardMode,
    ContainerImage,
    InferenceEndpoint,
    ModelData,
    ScaleOutRecorder,
)

from ..helpers import new_stack, one, resources_of

UNCHECKED = "constructs-pkg:unchecked-tokens"


def _parameter(stack: cdk.Stack, id: str, type: str = "String") -> cdk.CfnParameter:
    return cdk.CfnParameter(stack, id, type=type)


def _ref(stack: cdk.Stack, parameter: cdk.CfnParameter) -> dict:
    return {"Ref": stack.resolve(parameter.logical_id)}


def _stack(guard: CacheGuardMode = CacheGuardMode.WARN):
    stack = new_stack()
    p = {
        "image": _parameter(stack, "ImageUri"),
        "model": _parameter(stack, "ModelUri"),
        "instance": _parameter(stack, "InstanceType"),
        "max": _parameter(stack, "MaxInstances", "Number"),
        "copies": _parameter(stack, "Copies", "Number"),
        "accelerators": _parameter(stack, "Accelerators", "Number"),
        "name": _parameter(stack, "ExistingEndpointName"),
    }
    endpoint = InferenceEndpoint(
        stack,
        "Endpoint",
        instance_type=AcceleratorInstanceType.of(p["instance"].value_as_string),
        max_instance_count=p["max"].value_as_number,  # type: ignore[arg-type]  # a number token is a float
        cache_guard=guard,
    )
    endpoint.add_inference_component(
        "Model",
        image=ContainerImage.from_image_uri(p["image"].value_as_string),
        model_data=ModelData.from_s3_uri(p["model"].value_as_string),
        accelerator_count=p["accelerators"].value_as_number,  # type: ignore[arg-type]
        memory_mib=8192,
        copy_count=p["copies"].value_as_number,  # type: ignore[arg-type]
    )
    imported = InferenceEndpoint.from_endpoint_name(
        stack, "Existing", p["name"].value_as_string, instance_type=AcceleratorInstanceType.of(p["instance"].value_as_string)
    )
    ScaleOutRecorder(stack, "ExistingRecorder", endpoint=imported)
    return stack, p


@pytest.fixture(scope="module")
def built():
    stack, parameters = _stack()
    return stack, parameters, Template.from_stack(stack)


def test_the_template_references_every_parameter(built):
    stack, p, template = built
    variant = one(template, "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0]
    assert variant["InstanceType"] == _ref(stack, p["instance"])
    assert variant["ManagedInstanceScaling"]["MaxInstanceCount"] == _ref(stack, p["max"])
    spec = one(template, "AWS::SageMaker::InferenceComponent")["Properties"]
    assert spec["Specification"]["Container"]["Image"] == _ref(stack, p["image"])
    assert spec["Specification"]["Container"]["ArtifactUrl"] == _ref(stack, p["model"])
    assert spec["Specification"]["ComputeResourceRequirements"]["NumberOfAcceleratorDevicesRequired"] == _ref(
        stack, p["accelerators"]
    )
    assert spec["RuntimeConfig"]["CopyCount"] == _ref(stack, p["copies"])
    guard = one(template, "Custom::SageMakerCacheGuard")["Properties"]
    assert guard["InstanceType"] == _ref(stack, p["instance"])
    assert guard["ImageUris"] == [_ref(stack, p["image"])]


def _statements(template: Template) -> list[dict]:
    policies = resources_of(template, "AWS::IAM::Policy")
    return [s for policy in policies for s in policy["Properties"]["PolicyDocument"]["Statement"]]


def _resources(statement: dict) -> list:
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def test_iam_resources_are_built_from_the_parameters_with_intrinsics(built):
    stack, p, template = built
    statements = _statements(template)
    as_json = json.dumps(template.to_json())
    assert "token[" not in as_json.lower()  # no token placeholder, lower-cased or not, left as a literal
    # The recorder of the endpoint imported by a parameter name: DescribeEndpoint on exactly that name, as given.
    describe = [r for s in statements if s["Action"] == "sagemaker:DescribeEndpoint" for r in _resources(s)]
    joined = [r["Fn::Join"][1] for r in describe if "Fn::Join" in r]
    assert any(_ref(stack, p["name"]) in parts for parts in joined), describe
    # ECR pull: the repository ARN is read from the image URI at deploy time (Fn::Split / Fn::Select).
    pull = next(s for s in statements if "ecr:BatchGetImage" in s["Action"])
    pull_json = json.dumps(pull["Resource"])
    assert "Fn::Join" in pull_json and "Fn::Split" in pull_json and json.dumps(_ref(stack, p["image"])) in pull_json
    assert "*" not in pull_json
    # S3 read: the object ARN is the model URI without its s3:// scheme.
    read = next(s for s in statements if s["Action"] == "s3:GetObject")
    read_json = json.dumps(read["Resource"])
    assert '"s3://"' in read_json and json.dumps(_ref(stack, p["model"])) in read_json


def test_each_construct_names_what_it_could_not_check_in_one_warning(built):
    stack, _, _ = built
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(UNCHECKED))
    per_path = Counter(w.id for w in warnings)
    assert per_path == {"/TestStack/Endpoint": 1, "/TestStack/Endpoint/Model": 1, "/TestStack/Existing": 1}, per_path
    text = {w.id: str(w.entry.data) for w in warnings}
    assert "instance_type" in text["/TestStack/Endpoint"] and "max_instance_count" in text["/TestStack/Endpoint"]
    for prop in ("image", "model_data", "accelerator_count", "copy_count"):
        assert prop in text["/TestStack/Endpoint/Model"]
    assert "memory_mib" not in text["/TestStack/Endpoint/Model"]  # concrete, so checked
    assert "endpoint_name" in text["/TestStack/Existing"] and "instance_type" in text["/TestStack/Existing"]


def test_a_token_instance_type_gives_no_cache_warning_and_no_error_under_enforce():
    stack, _ = _stack(CacheGuardMode.ENFORCE)
    annotations = Annotations.from_stack(stack)
    annotations.has_no_error("*", Match.any_value())
    annotations.has_no_warning("*", Match.string_like_regexp("cache-ineligible|cache may not apply"))


def test_a_concrete_value_is_still_checked_next_to_tokens():
    stack = new_stack()
    endpoint = InferenceEndpoint(
        stack,
        "Endpoint",
        instance_type=AcceleratorInstanceType.of(_parameter(stack, "InstanceType").value_as_string),
        max_instance_count=2,
    )
    with pytest.raises(ValueError, match=r"memory_mib must be >= 128, got 1"):
        endpoint.add_inference_component(
            "Model",
            image=ContainerImage.from_image_uri(_parameter(stack, "ImageUri").value_as_string),
            accelerator_count=1,
            memory_mib=1,
        )


def test_values_the_library_builds_from_tokens_are_not_called_unchecked():
    """An environment-agnostic stack's LMI image URI and a bucket's model URI hold tokens the library made itself."""
    stack = new_stack(env=None)
    endpoint = InferenceEndpoint(stack, "Endpoint", instance_type=AcceleratorInstanceType.G6_12XLARGE, max_instance_count=1)
    endpoint.add_inference_component(
        "Model",
        image=ContainerImage.lmi(),
        model_data=ModelData.from_bucket(s3.Bucket(stack, "Models"), "llm/model.tar.gz"),
        accelerator_count=1,
        memory_mib=8192,
    )
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp(UNCHECKED))
