"""Every Python snippet in README.md runs, in order, against a fixture stack, and the stack then synthesizes.

Snippets build on each other (``endpoint``, ``private``, ``caller``...), as a reader does. Signatures are ``text`` blocks.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk.assertions import Template

from .conftest import ROOT, cdk_context
from .helpers import ENV

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks() -> list[tuple[int, str]]:
    text = (ROOT / "README.md").read_text()
    return [(text[: m.start()].count("\n") + 1, m.group(1)) for m in _BLOCK.finditer(text)]


class _Snapshot:
    """Stands in for syrupy's fixture: records what the snippet compares with it."""

    def __init__(self) -> None:
        self.compared: list = []

    def __eq__(self, other: object) -> bool:
        self.compared.append(other)
        return True


def test_readme_snippets_run_and_synthesize():
    blocks = python_blocks()
    assert len(blocks) >= 10
    app = cdk.App(context=cdk_context())
    stack = cdk.Stack(app, "Readme", env=ENV)
    namespace: dict = {"stack": stack}
    for line, code in blocks:
        try:
            exec(compile(code, f"README.md:{line}", "exec"), namespace)
        except Exception as error:  # name the block, then fail with the original error
            raise AssertionError(f"README.md block at line {line} failed: {error}") from error
    snapshot = _Snapshot()
    namespace["test_inference_stack"](snapshot)
    (compared,) = snapshot.compared
    assert "AWS::SageMaker::InferenceComponent" in {r["Type"] for r in compared["Resources"].values()}
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::Endpoint", 7)  # Endpoint, Private, Pooled, Strict, Single, Isolated, Audited
    template.resource_count_is("AWS::CloudWatch::Dashboard", 3)
