"""Snapshots a reviewer can read: ``normalized_template`` stores JSON held in strings (dashboard bodies, state-machine
definitions) parsed, so syrupy's diff shows a changed value as one changed line, not a changed one-line blob."""

from __future__ import annotations

import difflib

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_pkg import (
    AcceleratorInstanceType, ContainerImage, InferenceAmiVersion, InferenceEndpoint, ScaleOutDashboard,
)  # fmt: skip
from constructs_pkg.testing import expand_json_strings, normalized_template

from .conftest import cdk_context
from .helpers import ENV


def _serialized(*, target_per_copy: float = 8, interval: Duration | None = None, expand_json: bool = True) -> str:
    """A README-like stack (endpoint, scaled component, dashboard), as syrupy's JSON extension stores it."""
    stack = cdk.Stack(cdk.App(context=cdk_context()), "Readable", env=ENV)
    endpoint = InferenceEndpoint(stack, "Endpoint", instance_type=AcceleratorInstanceType.G6_2XLARGE,
                                 max_instance_count=4, inference_ami_version=InferenceAmiVersion.GPU_4_1)  # fmt: skip
    qwen = endpoint.add_inference_component("Qwen3", image=ContainerImage.lmi(), accelerator_count=1, memory_mib=16384)
    qwen.scale_on_concurrent_requests(min_copies=1, max_copies=4, target_per_copy=target_per_copy)
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint, **({} if interval is None else {"default_interval": interval}))
    options = {} if expand_json else {"expand_json": False}  # expanded by default
    template = normalized_template(stack, mask_references=True, **options)
    return str(JSONSnapshotExtension().serialize(template))


def _changed(before: str, after: str) -> list[tuple[list[str], list[str]]]:
    """Each hunk of the diff (no context lines) as (removed lines, added lines)."""
    hunks: list[tuple[list[str], list[str]]] = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith("@@"):
            hunks.append(([], []))
        elif line.startswith("-") and not line.startswith("---"):
            hunks[-1][0].append(line[1:].strip())
        elif line.startswith("+") and not line.startswith("+++"):
            hunks[-1][1].append(line[1:].strip())
    return hunks


@pytest.fixture(scope="module")
def baseline() -> str:
    return _serialized()


def test_a_dashboard_setting_changes_exactly_one_line(baseline):
    assert _changed(baseline, _serialized(interval=Duration.hours(6))) == [(['"start": "-PT3H",'], ['"start": "-PT6H",'])]


def test_a_new_target_shows_as_two_one_line_changes_policy_and_dashboard(baseline):
    assert _changed(baseline, _serialized(target_per_copy=6)) == [
        (['"value": 8,'], ['"value": 6,']),  # the dashboard's target annotation
        (['"TargetValue": 8'], ['"TargetValue": 6']),  # the scaling policy
    ]


def test_without_expansion_the_dashboard_change_is_one_long_line():
    """What snapshots showed before: the whole body as one escaped string, which pytest elides."""
    ((removed, added),) = [h for h in _changed(_serialized(expand_json=False), _serialized(interval=Duration.hours(6),
                                                                                            expand_json=False))]  # fmt: skip
    assert len(removed) == len(added) == 1 and len(removed[0]) > 300 and "-PT3H" in removed[0]


def test_state_machine_definitions_are_expanded_too(baseline):
    assert '"DefinitionString": {' in baseline and '"StartAt": "framework-isComplete-task"' in baseline
    assert '"DashboardBody": {' in baseline


def test_expansion_puts_references_back():
    join = {"Fn::Join": ["", ['{"a":"', {"Ref": "Fn"}, '","b":"arn:', {"Fn::GetAtt": ["Role", "Arn"]}, '/x","c":[1,2]}']]}
    assert expand_json_strings({"Body": join}) == {
        "Body": {"a": {"Ref": "Fn"}, "b": "arn:${Role.Arn}/x", "c": [1, 2]}
    }
    other = {"Fn::Join": ["", ['{"n":', {"Ref": "Count"}, "}"]]}  # a reference outside a JSON string: not JSON
    assert expand_json_strings(other) == other
    assert expand_json_strings({"Fn::Join": ["", ['"x:', {"Fn::Select": [0, ["a"]]}, '"']]}) == {
        "Fn::Join": ["", ['"x:', {"Fn::Select": [0, ["a"]]}, '"']]
    }
    assert expand_json_strings({"s": '{"k": "[1]"}', "t": "{not json", "u": "plain", "v": "7"}) == {
        "s": {"k": [1]}, "t": "{not json", "u": "plain", "v": "7",
    }  # fmt: skip
    partial = {"Fn::Join": ["", ['["', {"Fn::Sub": "x"}, '-y"]']]}
    assert expand_json_strings(partial) == ['${{"Fn::Sub":"x"}}-y']
