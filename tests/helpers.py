"""Builders for construct tests: an app with the project's context, and a stack with a fixed environment."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceEndpoint
from constructs_pkg.testing import mask_hashes, mask_logical_ids  # noqa: F401 - re-exported for tests

from .conftest import cdk_context

ENV = cdk.Environment(account="123456789012", region="us-east-1")
IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm@sha256:" + "a" * 64


def new_stack(env: cdk.Environment | None = ENV, **context: Any) -> cdk.Stack:
    app = cdk.App(context={**cdk_context(), **context})
    return cdk.Stack(
        app, "TestStack", env=env, synthesizer=cdk.DefaultStackSynthesizer(generate_bootstrap_version_rule=False)
    )


def new_endpoint(stack: cdk.Stack, id: str = "Endpoint", **props: Any) -> InferenceEndpoint:
    props = {"instance_type": AcceleratorInstanceType.G6_12XLARGE, "max_instance_count": 2, **props}
    return InferenceEndpoint(stack, id, **props)


def add_component(endpoint: InferenceEndpoint, id: str = "Model", **props: Any):
    props = {
        "image": ContainerImage.from_image_uri(IMAGE_URI),
        "accelerator_count": 1,
        "memory_mib": 8192,
        **props,
    }
    return endpoint.add_inference_component(id, **props)


def resources_of(template: Template, type_: str) -> list[dict]:
    return list(template.find_resources(type_).values())


def one(template: Template, type_: str) -> dict:
    found = resources_of(template, type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


def statements_of(stack: cdk.Stack, template: Template, role) -> list[dict]:
    """The statements of the policies attached to ``role`` (found by reference, not by logical id)."""
    ref = {"Ref": stack.get_logical_id(role.node.default_child)}
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [ref]}})
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
