"""Every SageMaker and Application Auto Scaling resource, in every example and option set, is a valid API request."""

from __future__ import annotations

import copy

import pytest

from . import api_model
from .stacks import templates

AUDITED_TYPES = set(api_model.OPERATIONS)


@pytest.mark.parametrize("name", list(templates()))
def test_template_conforms_to_the_api_models(name):
    template = templates()[name]
    assert {r["Type"] for r in template["Resources"].values()} & AUDITED_TYPES  # something to check
    assert api_model.violations(template) == []


def _first(template: dict, type_: str) -> dict:
    return next(r for r in template["Resources"].values() if r["Type"] == type_)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"]["Specification"]
         ["ComputeResourceRequirements"].pop("MinMemoryRequiredInMb"), "MinMemoryRequiredInMb"),
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"].pop("InferenceComponentName"),
         "InferenceComponentName"),
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"]["RuntimeConfig"].pop("CopyCount"),
         "CopyCount"),
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"].__setitem__(
            "InferenceComponentName", "bad_name"), "does not match"),
        (lambda t: _first(t, "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0].__setitem__(
            "InstanceType", "ml.g6.13xlarge"), "is not one of"),
        (lambda t: _first(t, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"].__setitem__(
            "ScalableDimension", "sagemaker:inference-component:CopyCount"), "is not one of"),
        (lambda t: _first(t, "AWS::ApplicationAutoScaling::ScalingPolicy")["Properties"]
         ["TargetTrackingScalingPolicyConfiguration"].pop("TargetValue"), "TargetValue"),
    ],
    ids=["no-memory", "no-name", "no-copy-count", "bad-name", "bad-instance-type", "bad-dimension", "no-target"],
)  # fmt: skip
def test_a_broken_resource_is_caught(breakage, expected):
    template = copy.deepcopy(templates()["example qwen3-8b (us-east-1)"])
    breakage(template)
    found = api_model.violations(template)
    assert found and any(expected in v for v in found), found
