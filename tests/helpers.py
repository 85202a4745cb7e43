"""Builders for construct tests: an app with the project's context, and a stack with a fixed environment."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceEndpoint

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


_HASH = re.compile(r"^[0-9a-f]{64}(\.zip|\.json)?$")


def mask_hashes(value: Any) -> Any:
    """Replace asset hashes so snapshots only change when the template really changes."""
    if isinstance(value, dict):
        return {k: mask_hashes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_hashes(v) for v in value]
    if isinstance(value, str) and (match := _HASH.match(value)):
        return "<asset-hash>" + (match.group(1) or "")
    return value


def mask_logical_ids(value: Any, template: dict | None = None) -> Any:
    """In ``value`` (by default the template itself), replace each logical id of ``template`` by ``<its type>``, and
    drop generated policy names. Snapshots then change only when what a resource is or refers to changes.
    """
    template = value if template is None else template
    names = {logical_id: f"<{resource['Type']}>" for logical_id, resource in template["Resources"].items()}

    def walk(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if key == "PolicyName":
            return "<generated>"
        return names.get(value, value) if isinstance(value, str) else value

    return walk(value)


def statements_of(stack: cdk.Stack, template: Template, role) -> list[dict]:
    """The statements of the policies attached to ``role`` (found by reference, not by logical id)."""
    ref = {"Ref": stack.get_logical_id(role.node.default_child)}
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [ref]}})
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
