"""Every example synthesizes under strict validation with no problem that fails ``cdk synth``, passes cfn-lint, and
has no unacknowledged cdk-nag finding."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks
from cfnlint.api import ManualArgs, lint

from app import EXAMPLES
from constructs_pkg.problems import problems_in

from .conftest import cdk_context
from .stacks import templates

LINT_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
ENVIRONMENTS = {
    "agnostic": None,
    "us-east-1": cdk.Environment(account="123456789012", region="us-east-1"),
}


def nag_packs(app: cdk.App) -> list:
    """The four packs our users gate on: AWS Solutions, HIPAA Security, NIST 800-53 rev 5, PCI DSS 3.2.1."""
    return [AwsSolutionsChecks(app), HIPAASecurityChecks(app), NIST80053R5Checks(app), PCIDSS321Checks(app)]


def _synth_example(name: str, env: cdk.Environment | None, outdir: Path, *, nag: bool = False) -> dict:
    app = cdk.App(outdir=str(outdir), context=cdk_context(recommended_flags=True))
    stack_id, stack_class = EXAMPLES[name]
    stack = stack_class(app, stack_id, env=env)
    if nag:
        Validations.of(app).add_plugins(*nag_packs(app))
    assembly = app.synth()
    assert [str(p) for p in problems_in(assembly)] == []  # what assert_no_problems checks, on this synthesis
    return assembly.get_stack_artifact(stack.artifact_id).template


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_passes_cfn_lint(name, env_name):
    # The session's one synth of each example per environment, under cdk.json's flags (tests/stacks.py builds them
    # exactly as _synth_example does, for the IAM audit too).
    template = templates()[f"example {name} ({env_name})"]
    assert "AWS::ApplicationAutoScaling::ScalableTarget" in {r["Type"] for r in template["Resources"].values()}
    matches = lint(json.dumps(template), config=ManualArgs(regions=LINT_REGIONS, ignore_checks=["W3005"]))
    assert [str(m) for m in matches] == []


def _nag_findings(build, tmp_path: Path) -> list[str]:
    try:
        build()
        return []
    except RuntimeError:
        report = json.loads((tmp_path / "validation-report.json").read_text())
        return sorted(
            f"{violation['ruleName']} @ {construct['constructPath']}"
            for plugin in report["pluginReports"]
            for violation in plugin["violations"]
            for construct in violation["violatingConstructs"]
        )


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_has_no_unacknowledged_nag_findings(name, tmp_path):
    env = ENVIRONMENTS["us-east-1"]
    assert _nag_findings(lambda: _synth_example(name, env, tmp_path, nag=True), tmp_path) == []


def test_nag_really_runs(tmp_path):
    """Guards the test above against a silently disabled plugin: an obvious wildcard must be reported."""

    def build():
        app = cdk.App(outdir=str(tmp_path), context=cdk_context(recommended_flags=True))
        stack = cdk.Stack(app, "Wild")
        role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
        Validations.of(app).add_plugins(*nag_packs(app))
        app.synth()

    rules = {f.split(" @ ")[0].split("[")[0] for f in _nag_findings(build, tmp_path)}
    assert {"AwsSolutions-IAM5", "HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy",
            "PCI.DSS.321-IAMNoInlinePolicy"} <= rules  # fmt: skip
