"""The real, pinned CDK CLI synthesizes app.py offline, with no AWS credentials."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from pathlib import Path

from .conftest import ROOT

CDK = ROOT / "tools" / "cdk-cli" / "node_modules" / ".bin" / "cdk"


def _cli_env() -> dict[str, str]:
    assert CDK.exists(), "the pinned CDK CLI is missing: run scripts/dev test, which installs it"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(CDK_DISABLE_CLI_TELEMETRY="true", CDK_DISABLE_VERSION_CHECK="true", AWS_EC2_METADATA_DISABLED="true")
    # cdk.json runs `python app.py`: the venv running these tests (which also holds Node 24) must come first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    assert shutil.which("node", path=env.get("PATH")) is not None
    return env


def _synth(cwd: Path, out: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CDK), "synth", "--no-notices", "-q", "--output", str(out), *args],
        cwd=cwd,
        env=env or _cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(("context", "stack"), [([], "Qwen3Lmi"), (["-c", "example=single-model"], "SingleModel")])
def test_cli_synthesizes_the_app(tmp_path, context, stack):
    result = _synth(ROOT, tmp_path / "cdk.out", *context)
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "cdk.out" / f"{stack}.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::SageMaker::Endpoint", "AWS::ApplicationAutoScaling::ScalableTarget"} <= types


_FIT_ERROR_APP = """
import aws_cdk as cdk
from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceEndpoint

app = cdk.App()
stack = cdk.Stack(app, "Tiny", env=cdk.Environment(account="123456789012", region="us-east-1"))
endpoint = InferenceEndpoint(stack, "Endpoint", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=1)
image = ContainerImage.from_image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/llm@sha256:" + "a" * 64)
if app.node.try_get_context("case") == "component-too-big":
    endpoint.add_inference_component("Model", image=image, accelerator_count=2, memory_mib=8192)
else:  # each component fits, together they do not: found only once the app is complete
    endpoint.add_inference_component("A", image=image, accelerator_count=1, memory_mib=8192)
    endpoint.add_inference_component("B", image=image, accelerator_count=1, memory_mib=8192)
app.synth()
"""


@pytest.mark.parametrize(
    ("case", "path", "expected"),
    [
        ("component-too-big", "Tiny/Endpoint/Model", "accelerator_count (2) must be <= the 1 accelerator(s)"),
        ("components-together", "Tiny/Endpoint", "do not fit on max_instance_count 1 x ml.g6.2xlarge"),
    ],
)
def test_a_fit_error_reads_as_one_short_message(tmp_path, case, path, expected):
    (tmp_path / "app.py").write_text(_FIT_ERROR_APP)
    (tmp_path / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py"}))
    env = _cli_env()
    env["PYTHONPATH"] = str(ROOT)
    env.pop("CONSTRUCTS_PKG_TRACEBACK", None)
    result = _synth(tmp_path, tmp_path / "cdk.out", "-c", f"case={case}", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert any(expected in line for line in lines), output
    assert any(path in line for line in lines), output
    assert not [line for line in lines if line.lstrip().startswith("at ")], output
    for internal in ("jsii", "program.js", "Traceback", "node_modules"):
        assert internal not in output, output
    assert len(lines) <= 5, output


#: The mistakes a newcomer made after the README's short example (2026-12-03) that passed CI silently.
_NEWCOMER_MISTAKES = """
from aws_cdk import CfnParameter, aws_ecr as ecr
from constructs_pkg import CacheGuardMode

small = InferenceEndpoint(stack, "Small", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=1,
                          inference_ami_version=InferenceAmiVersion.GPU_4_1, cache_guard=CacheGuardMode.ENFORCE)
tagged = ContainerImage.from_ecr_repository(ecr.Repository(stack, "Models"), tag="v1")  # mutable, same stack
small.add_inference_component("A", image=tagged, accelerator_count=1, memory_mib=8192)
small.add_inference_component("B", image=tagged, accelerator_count=1, memory_mib=8192)  # together: do not fit
sized = InferenceEndpoint(stack, "Sized", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=1,
                          inference_ami_version=InferenceAmiVersion.GPU_4_1)
sized.add_inference_component("C", image=ContainerImage.lmi(), accelerator_count=1,
                              memory_mib=CfnParameter(stack, "Memory", type="Number").value_as_number)
"""
_NEWCOMER_PROBLEMS = [
    ("Qwen3Lmi/Small", "do not fit on max_instance_count 1 x ml.g6.2xlarge"),
    ("Qwen3Lmi/Small/CacheGuard", "image Qwen3Lmi/Models:v1 uses a mutable tag"),
    ("Qwen3Lmi/Sized/C", "resolved only at deploy time, so not checked at synth: memory_mib"),
]


def _newcomer_app() -> str:
    """The README's short example with the mistakes added before its last line, ``synth_or_exit(app)``."""
    from .test_readme import python_blocks

    (_, code), *_ = python_blocks()
    body, last = code.rstrip("\n").rsplit("\n", 1)
    assert last.startswith("synth_or_exit(app)")
    return f"{body}\n{_NEWCOMER_MISTAKES}\n{last}\n"


def test_a_newcomers_mistakes_fail_python_app_py(tmp_path):
    from .test_readme import run_app

    (tmp_path / "app.py").write_text(_newcomer_app())
    result = run_app(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "3 problem(s) would fail cdk synth:"
    assert len(lines) == 4, result.stderr
    for path, text in _NEWCOMER_PROBLEMS:
        assert [line for line in lines[1:] if f"] {path}: " in line and text in line], result.stderr


def test_a_newcomers_mistakes_fail_pytest_with_the_helper():
    from constructs_pkg.testing import assert_no_problems

    namespace: dict = {}
    exec(compile(_newcomer_app().replace("\nsynth_or_exit(app)", "\n#"), "newcomer", "exec"), namespace)
    with pytest.raises(AssertionError) as raised:
        assert_no_problems(namespace["stack"])
    message = str(raised.value)
    assert message.startswith("Qwen3Lmi has 3 problem(s) that fail cdk synth:")
    assert all(f"] {path}: " in message and text in message for path, text in _NEWCOMER_PROBLEMS)


def test_a_newcomers_mistakes_fail_cdk_synth_without_a_stray_frame(tmp_path):
    (tmp_path / "app.py").write_text(_newcomer_app())
    flags = {"@aws-cdk/core:annotationsInValidationReport": True}  # recommended: unacknowledged warnings fail
    (tmp_path / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py", "context": flags}))
    env = _cli_env()
    env["PYTHONPATH"] = str(ROOT)
    result = _synth(tmp_path, tmp_path / "cdk.out", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for path, text in _NEWCOMER_PROBLEMS:
        assert path in output and text in output, output
    for internal in ("program.js", "jsii", "Traceback"):  # a warning's location was jsii's program.js:1:5591
        assert internal not in output, output
