"""Narrow, masked snapshots of the parts reviewers care about: endpoint config, IAM statements, scaling.

Update with ``scripts/dev test --snapshot-update`` and review the diff like code.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template
from syrupy.assertion import SnapshotAssertion

from constructs_pkg import ContainerImage
from constructs_pkg.testing import json_snapshot

from .helpers import add_component, mask_hashes, mask_logical_ids, new_endpoint, new_stack, statements_of


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return json_snapshot(snapshot)


@pytest.fixture(scope="module")
def built():
    stack = new_stack()
    endpoint = new_endpoint(stack, min_instance_count=0)
    add_component(endpoint, "Chat", image=ContainerImage.lmi()).scale_on_concurrent_requests(
        min_copies=0, max_copies=4, target_per_copy=6
    )
    return stack, endpoint, Template.from_stack(stack)


@pytest.fixture(scope="module")
def template(built) -> dict:
    return mask_logical_ids(mask_hashes(built[2].to_json()))


def _of_type(template: dict, *types: str) -> list[dict]:
    """Resources of these types, without logical ids, in a stable order."""
    return [
        {"Type": r["Type"], "Properties": r.get("Properties", {})}
        for _, r in sorted(template["Resources"].items())
        if r["Type"] in types
    ]


def test_endpoint_config(template, snapshot_json):
    assert _of_type(template, "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::InferenceComponent") == snapshot_json


def test_iam_statements(built, snapshot_json):
    """The policies the library writes: the execution role's and the cache guard functions' (not the CDK framework's)."""
    stack, endpoint, template = built
    guard = endpoint.cache_guard
    roles = {"execution": endpoint.role, "guard-on-event": guard.on_event_function.role,
             "guard-is-complete": guard.is_complete_function.role}  # fmt: skip
    statements = {name: statements_of(stack, template, role) for name, role in roles.items()}
    assert mask_logical_ids(mask_hashes(statements), template.to_json()) == snapshot_json


def test_scaling(template, snapshot_json):
    assert (
        _of_type(
            template,
            "AWS::ApplicationAutoScaling::ScalableTarget",
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            "AWS::CloudWatch::Alarm",
        )
        == snapshot_json
    )
