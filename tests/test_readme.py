"""Every Python snippet in README.md runs, in order, and the stack then synthesizes with no problem; the first is a
whole ``app.py`` that runs as written. The ``text`` signature blocks match the code.

Snippets build on each other (``stack``, ``endpoint``, ``private``, ``caller``...), as a reader does.
"""

from __future__ import annotations

import enum
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
from aws_cdk.assertions import Template

from constructs_pkg.problems import CLI_VARIABLE

from .conftest import ROOT

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


def test_readme_snippets_run_and_synthesize(monkeypatch):
    """The first block is a whole app (it synthesizes and checks itself); the others build on its ``stack``."""
    monkeypatch.chdir(ROOT)  # the testing snippet reads ./cdk.json, as a user's test does
    monkeypatch.delenv(CLI_VARIABLE, raising=False)
    blocks = python_blocks()
    assert len(blocks) >= 10
    namespace: dict = {"__name__": "__main__"}
    for line, code in blocks:
        try:
            exec(compile(code, f"README.md:{line}", "exec"), namespace)
        except (Exception, SystemExit) as error:  # name the block, then fail with the original error
            raise AssertionError(f"README.md block at line {line} failed: {error}") from error
    stack = namespace["stack"]
    assert isinstance(namespace["app"], cdk.App) and stack.node.scope is namespace["app"]
    assert namespace["CONTEXT"]["@aws-cdk/core:annotationsInValidationReport"] is True  # cdk.json's flags
    snapshot = _Snapshot()
    namespace["test_inference_stack"](snapshot)  # assert_no_problems passes on everything the README builds
    (compared,) = snapshot.compared
    assert "AWS::SageMaker::InferenceComponent" in {r["Type"] for r in compared["Resources"].values()}
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::Endpoint", 8)  # Endpoint, Private, Pooled, Strict, Idle, Single, Isolated, Audited
    template.resource_count_is("AWS::CloudWatch::Dashboard", 3)
    sleeper = namespace["sleeper"].component_resource
    assert template.to_json()["Resources"][stack.get_logical_id(sleeper)]["Properties"]["RuntimeConfig"] == {
        "CopyCount": 0
    }  # the scale-to-zero recipe deploys no copy


def test_the_short_example_runs_as_app_py(tmp_path):
    """Copied into a new directory as app.py, the first block runs with ``python app.py`` and writes the template."""
    (line, code), *_ = python_blocks()
    (tmp_path / "app.py").write_text(code)
    result = run_app(tmp_path)
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "cdk.out" / "Qwen3Lmi.template.json").read_text())
    assert "AWS::SageMaker::InferenceComponent" in {r["Type"] for r in template["Resources"].values()}


def run_app(directory: Path) -> subprocess.CompletedProcess[str]:
    """``python app.py`` in ``directory``, outside the CDK CLI, with the package importable and Node 24 on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "AWS_"))}
    env.update(PYTHONPATH=str(ROOT), CDK_OUTDIR=str(directory / "cdk.out"))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run([sys.executable, "app.py"], cwd=directory, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


# --- signature blocks: every keyword-only parameter, with its default, as the code has it ------------------------

_SIGNATURE = re.compile(r"^```text\n(?P<head>[A-Za-z_.]+)\((?P<body>.*?)\)\n```", re.S | re.M)
_WIDTH = 118


def _signatures() -> dict[str, Callable[..., object]]:
    """The callables the README's ``text`` signature blocks describe, by the name a block starts with."""
    from constructs_pkg import InferenceComponent, InferenceEndpoint

    return {
        "InferenceEndpoint": InferenceEndpoint.__init__,
        "endpoint.add_inference_component": InferenceEndpoint.add_inference_component,
        "component.scale_on_concurrent_requests": InferenceComponent.scale_on_concurrent_requests,
    }


def _default(value: object) -> str:
    """A default as a reader writes it: ``None``, ``"AllTraffic"``, ``RoutingStrategy.X``, ``Duration.minutes(6)``."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, cdk.Duration):
        seconds = int(value.to_seconds())
        for unit, size in (("hours", 3600), ("minutes", 60)):
            if seconds % size == 0:
                return f"Duration.{unit}({seconds // size})"
        return f"Duration.seconds({seconds})"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def render_signature(head: str, function: Callable[..., object]) -> str:
    """The block for ``function``: positional parameters (without ``self``), ``*``, then every keyword-only one,
    wrapped at 118 columns under the opening parenthesis."""
    parameters = [p for p in inspect.signature(function).parameters.values() if p.name != "self"]
    parts = [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY] + ["*"]
    parts += [p.name if p.default is p.empty else f"{p.name}={_default(p.default)}" for p in parameters
              if p.kind is p.KEYWORD_ONLY]  # fmt: skip
    lines, line = [], f"{head}("
    indent = " " * len(line)
    for i, part in enumerate(parts):
        piece = part + (")" if i == len(parts) - 1 else ",")
        if line.strip() and not line.endswith("(") and len(line) + 1 + len(piece) > _WIDTH:
            lines.append(line)
            line = indent + piece
        else:
            line += ("" if line.endswith("(") else " ") + piece
    return "\n".join([*lines, line])


def test_signature_blocks_list_every_keyword_only_parameter_with_its_default():
    text = (ROOT / "README.md").read_text()
    blocks = {m.group("head"): m.group(0)[len("```text\n"):-len("\n```")] for m in _SIGNATURE.finditer(text)}
    assert set(blocks) == set(_signatures()), "a README signature block without a callable here, or one missing"
    for head, function in _signatures().items():
        expected = render_signature(head, function)
        assert blocks[head] == expected, f"README signature of {head} is out of date; it should read:\n{expected}"
