"""The cost table: its counts come from the synthesized templates of two examples, and the README shows them."""

from __future__ import annotations

import ast
import importlib.util

import pytest

from constructs_pkg import cost
from constructs_pkg._cost_counts import COUNTS

from .conftest import ROOT
from .stacks import templates

_spec = importlib.util.spec_from_file_location("update_cost_table", ROOT / "scripts" / "update_cost_table.py")
update = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update)
REGENERATE = "run `.venv/bin/python scripts/update_cost_table.py` and commit the result"


def _synthesized() -> dict[str, dict]:
    return {name: templates()[f"example {name} (us-east-1)"] for name in update.EXAMPLES}


def test_the_committed_counts_are_the_templates_counts():
    assert update.current_counts(_synthesized()) == COUNTS, REGENERATE


def test_the_readme_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text()
    assert update.readme_with_table(readme, cost.render_table(COUNTS)) == readme, REGENERATE


def test_the_two_examples_differ_by_one_component():
    one, two = (cost.counts_from_template(t) for t in _synthesized().values())
    ics = [sum(r["Type"] == "AWS::SageMaker::InferenceComponent" for r in t["Resources"].values())
           for t in _synthesized().values()]  # fmt: skip
    assert ics == [1, 2]
    assert COUNTS["component"]["alarms_standard"] >= 3 and COUNTS["component"]["scaling_alarms_high_resolution"] == 2
    assert all(two[k] >= one[k] for k in one)


def test_counting_a_hand_made_template():
    template = {"Resources": {
        "HighRes": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 10}},
        "Minute": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 60}},
        "Math": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": [{"MetricStat": {"Period": 300}}]}},
        "PromQL": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"EvaluationCriteria": {}}},
        "Tracking": {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {
            "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}}},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(5 minutes)"}},
        "Recorder": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 512, "Timeout": 30, "Environment": {
            "Variables": {"CLAIM_TABLE": "t", "COMPONENTS": "a,b,c", "STAGE_LOGS": "false", "VARIANT_SCALED": "true"}}}},
    }}  # fmt: skip
    counts = cost.counts_from_template(template)
    assert (counts["alarms_high_resolution"], counts["alarms_standard"], counts["promql_alarms"]) == (1, 2, 1)
    assert (counts["scaling_alarms_standard"], counts["scaling_alarms_high_resolution"]) == (2, 0)
    assert counts["recorder_invocations"] == 30 * 24 * 12
    assert counts["recorder_gb_seconds_max"] == 30 * 24 * 12 * 0.5 * 30
    # 2 endpoint gauges and the heartbeat + 2 gauges x 3 components + 4 event series x 4 targets (3 components and
    # the variant)
    assert counts["custom_metrics"] == 3 + 6 + 16
    # each run: a publish per source (the endpoint, the heartbeat, 3 components), and a claim and its completion each
    assert counts["put_metric_data_requests"] == 30 * 24 * 12 * 5
    assert counts["dynamodb_writes"] == 30 * 24 * 12 * 5 * 2


def test_the_cli_prints_the_estimate(capsys):
    assert cost.main(["--components", "2", "--publish-frequency", "10", "--detailed-series", "10"]) == 0
    out = capsys.readouterr().out
    lines = cost.estimate(COUNTS, 2, publish_frequency_seconds=10, detailed_series=10)
    total = sum(usd or 0 for _, _, usd in lines)
    assert f"${total:,.2f}  per month" in out
    assert "259,200" not in out and "2,592,000" in out  # 10 series x 259,200 datapoints


@pytest.mark.parametrize("args", [["--components", "-1"], ["--components", "1", "--publish-frequency", "20"], []])
def test_the_cli_refuses_bad_arguments(args):
    with pytest.raises(SystemExit) as raised:
        cost.main(args)
    assert raised.value.code == 2


def test_the_cost_module_imports_no_aws_cdk():
    for path in ("constructs_pkg/cost.py", "constructs_pkg/_cost_counts.py", "constructs_pkg/runtime/names.py"):
        tree = ast.parse((ROOT / path).read_text())
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m.startswith(("aws_cdk", "constructs")) and m != "constructs_pkg" for m in imported), path
