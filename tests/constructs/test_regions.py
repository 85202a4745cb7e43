"""Region availability: a synth-time warning names the region and the missing resource type."""

from __future__ import annotations

import subprocess
import sys

import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match

from ..conftest import ROOT
from ..helpers import add_component, new_endpoint, new_stack


def _warnings(region: str) -> list[str]:
    # Strict mode would already fail synth in such a region (the built-in validator agrees); this is about our warning.
    stack = new_stack(env=cdk.Environment(account="123456789012", region=region),
                      **{"@aws-cdk/core:strictCfnValidateErrors": False})  # fmt: skip
    add_component(new_endpoint(stack))
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("is not available in"))
    return [w.entry.data for w in found]


def test_unsupported_region_is_warned_once_per_resource():
    warnings = _warnings("us-west-1")
    assert len(warnings) == 1
    assert "AWS::SageMaker::InferenceComponent is not available in us-west-1" in warnings[0]


def test_supported_region_is_not_warned():
    assert _warnings("us-east-1") == []


def test_environment_agnostic_stack_is_not_warned():
    stack = new_stack(env=None)
    add_component(new_endpoint(stack))
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("is not available in")) == []


def test_region_data_is_generated_from_the_pinned_cfn_lint():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_region_support.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
