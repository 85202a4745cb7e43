"""app.py picks an example by context: every name builds its stack, an unknown name is refused."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

import app as app_module

from .conftest import cdk_context


@pytest.mark.parametrize("name", list(app_module.EXAMPLES))
def test_every_example_name_builds_its_stack(name):
    app = cdk.App(context={**cdk_context(recommended_flags=True), "example": name})
    stack = app_module.build(app)
    assert stack.node.id == app_module.EXAMPLES[name][0]
    assert isinstance(stack, app_module.EXAMPLES[name][1])


def test_default_example():
    stack = app_module.build(cdk.App(context=cdk_context(recommended_flags=True)))
    assert stack.node.id == "Qwen3Lmi"


def test_unknown_example_is_refused():
    with pytest.raises(SystemExit, match=r"example must be one of qwen3-8b, .*got 'nope'"):
        app_module.build(cdk.App(context={**cdk_context(recommended_flags=True), "example": "nope"}))
