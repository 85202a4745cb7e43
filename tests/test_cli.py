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


@pytest.mark.parametrize(("context", "stack"), [([], "Qwen3Lmi"), (["-c", "example=single-model"], "SingleModel")])
def test_cli_synthesizes_the_app(tmp_path, context, stack):
    assert CDK.exists(), "the pinned CDK CLI is missing: run scripts/dev test, which installs it"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(CDK_DISABLE_CLI_TELEMETRY="true", CDK_DISABLE_VERSION_CHECK="true", AWS_EC2_METADATA_DISABLED="true")
    # cdk.json runs `python app.py`: the venv running these tests (which also holds Node 24) must come first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    node = shutil.which("node", path=env.get("PATH"))
    assert node is not None
    result = subprocess.run(
        [str(CDK), "synth", "--no-notices", "-q", "--output", str(tmp_path / "cdk.out"), *context],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "cdk.out" / f"{stack}.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::SageMaker::Endpoint", "AWS::ApplicationAutoScaling::ScalableTarget"} <= types
