"""``removal_policy``: by default the key and the log groups outlive the stack; ``DESTROY`` leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import RemovalPolicy, Validations
from aws_cdk.assertions import Template

from constructs_pkg import (
    AcceleratorInstanceType,
    CacheGuard,
    ConfigurationError,
    ContainerImage,
    InferenceEndpoint,
    ScaleOutRecorder,
    SingleModelEndpoint,
)

from ..conftest import cdk_context
from ..helpers import ENV, IMAGE_URI, add_component, new_endpoint, new_stack
from ..test_examples import nag_packs

RETAINED = ("DeletionPolicy", "UpdateReplacePolicy")


def _deleted(template: dict[str, Any]) -> list[str]:
    """Type of every resource with an explicit ``DeletionPolicy: Delete``, custom resources (always Delete) aside."""
    return sorted(
        resource["Type"]
        for resource in template["Resources"].values()
        if resource.get("DeletionPolicy") == "Delete" and not resource["Type"].startswith("Custom::")
    )


def _retained(template: dict[str, Any]) -> list[str]:
    """Type of every resource that CloudFormation keeps on deletion or replacement, sorted."""
    return sorted(
        resource["Type"]
        for resource in template["Resources"].values()
        if any(resource.get(key) == "Retain" for key in RETAINED)
    )


def _endpoint_stack(stack: cdk.Stack, **props: Any) -> InferenceEndpoint:
    endpoint = new_endpoint(stack, **props)
    add_component(endpoint).scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
    return endpoint


def _single_model(stack: cdk.Stack, **props: Any) -> SingleModelEndpoint:
    return SingleModelEndpoint(
        stack, "Single", instance_type=AcceleratorInstanceType.G6_2XLARGE,
        image=ContainerImage.from_image_uri(IMAGE_URI), **props,
    )  # fmt: skip


BUILDERS = {"InferenceEndpoint": _endpoint_stack, "SingleModelEndpoint": _single_model}


@pytest.mark.parametrize("kind", BUILDERS)
def test_default_retains_the_key_the_four_log_groups_and_the_purge_alarm_but_not_the_claims_table(kind: str) -> None:
    stack = new_stack()
    BUILDERS[kind](stack)
    template = Template.from_stack(stack).to_json()
    # The unverified-purge alarm stays with the guard's log groups: it must outlive the deletion it judges.
    assert _retained(template) == ["AWS::CloudWatch::Alarm", "AWS::KMS::Key", *["AWS::Logs::LogGroup"] * 4]
    table = next(r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table")
    assert table["DeletionPolicy"] == "Delete"
    key = next(r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key")
    assert "PendingWindowInDays" not in key["Properties"]


@pytest.mark.parametrize("kind", BUILDERS)
def test_destroy_leaves_nothing_retained_anywhere_in_the_template(kind: str) -> None:
    stack = new_stack()
    BUILDERS[kind](stack, removal_policy=RemovalPolicy.DESTROY)
    template = Template.from_stack(stack).to_json()
    text = json.dumps(template)
    assert '"Retain"' not in text
    assert _retained(template) == []
    assert _deleted(template) == ["AWS::CloudWatch::Alarm", "AWS::DynamoDB::Table", "AWS::KMS::Key",
                                  *["AWS::Logs::LogGroup"] * 4, "AWS::SQS::Queue"]  # fmt: skip
    key = next(r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key")
    assert key["Properties"]["PendingWindowInDays"] == 7


def test_retain_on_update_or_delete_applies_to_the_table_too() -> None:
    stack = new_stack()
    _endpoint_stack(stack, removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
    template = Template.from_stack(stack).to_json()
    kept = sorted(r["Type"] for r in template["Resources"].values() if r.get("DeletionPolicy") == "RetainExceptOnCreate")
    assert kept == ["AWS::CloudWatch::Alarm", "AWS::DynamoDB::Table", "AWS::KMS::Key", *["AWS::Logs::LogGroup"] * 4,
                    "AWS::SQS::Queue"]  # fmt: skip


def test_standalone_guard_and_recorder_take_it() -> None:
    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(
        stack, "Imported", "existing", instance_type=AcceleratorInstanceType.G6_12XLARGE
    )
    CacheGuard(stack, "Guard", endpoint=endpoint, removal_policy=RemovalPolicy.DESTROY)
    ScaleOutRecorder(stack, "Recorder", endpoint=endpoint, removal_policy=RemovalPolicy.DESTROY)
    template = Template.from_stack(stack).to_json()
    assert _retained(template) == []
    assert _deleted(template) == [
        "AWS::CloudWatch::Alarm", "AWS::DynamoDB::Table", *["AWS::Logs::LogGroup"] * 4, "AWS::SQS::Queue"
    ]


@pytest.mark.parametrize("bad", ["DESTROY", True, RemovalPolicy.SNAPSHOT])
@pytest.mark.parametrize("kind", [*BUILDERS, "CacheGuard", "ScaleOutRecorder"])
def test_fails_when_removal_policy_is_not_an_allowed_removal_policy(kind: str, bad: Any) -> None:
    stack = new_stack()
    with pytest.raises(ConfigurationError, match=r"removal_policy must be one of RemovalPolicy\.RETAIN, "
                                                 r"RemovalPolicy\.DESTROY, RemovalPolicy\.RETAIN_ON_UPDATE_OR_DELETE .*got"):  # fmt: skip
        if kind in BUILDERS:
            BUILDERS[kind](stack, removal_policy=bad)
        else:
            endpoint = InferenceEndpoint.from_endpoint_name(
                stack, "Imported", "existing", instance_type=AcceleratorInstanceType.G6_12XLARGE
            )
            (CacheGuard if kind == "CacheGuard" else ScaleOutRecorder)(stack, kind, endpoint=endpoint, removal_policy=bad)


def test_destroy_stack_has_no_unacknowledged_nag_findings(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_context(recommended_flags=True))
    stack = cdk.Stack(app, "Destroy", env=ENV)
    _endpoint_stack(stack, removal_policy=RemovalPolicy.DESTROY)
    _single_model(stack, removal_policy=RemovalPolicy.DESTROY)
    Validations.of(app).add_plugins(*nag_packs(app))
    try:
        app.synth()
    except RuntimeError:
        report = json.loads((tmp_path / "validation-report.json").read_text())
        findings = sorted(
            f"{violation['ruleName']} @ {construct['constructPath']}"
            for plugin in report["pluginReports"]
            for violation in plugin["violations"]
            for construct in violation["violatingConstructs"]
        )
        pytest.fail("\n".join(findings))
