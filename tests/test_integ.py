"""The integration tests' snapshot check (scripts/integ.py) fails on a changed template and only then, and the
committed snapshots hold the assertions the tests promise. No synth here: ``scripts/dev integ`` (CI) compares the
snapshots with a fresh synth; these tests prove the comparison it relies on."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from constructs_pkg.runtime import names

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("integ_script", ROOT / "scripts" / "integ.py")
assert _spec is not None and _spec.loader is not None
integ = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(integ)

TESTS = sorted((ROOT / "tests" / "integ").glob("integ_*.py"))
QWEN = ROOT / "tests" / "integ" / "integ_qwen3_8b.py.snapshot"


def _copy(tmp_path: Path, snapshot: Path = QWEN) -> Path:
    return Path(shutil.copytree(snapshot, tmp_path / snapshot.name))


def _templates(assembly: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in assembly.glob("*.template.json")}


def _write(path: Path, template: dict) -> None:
    path.write_text(json.dumps(template, indent=1))


def _custom_resources(assembly: Path, api: str) -> list[dict]:
    """Properties of the assertion stack's custom resources that call ``api``."""
    return [
        resource["Properties"]
        for template in _templates(assembly).values()
        for resource in template["Resources"].values()
        if resource["Type"].startswith("Custom::DeployAssert") and resource["Properties"].get("api") == api
    ]


def test_the_four_integration_tests_have_snapshots_without_assets():
    assert {t.name for t in TESTS} >= {"integ_qwen3_8b.py", "integ_scale_to_zero.py", "integ_single_model.py",
                                       "integ_gated_llm_pools.py"}  # fmt: skip
    for test in TESTS:
        snapshot = integ.snapshot_dir(test)
        cases = json.loads((snapshot / "integ.json").read_text())["testCases"]
        assert all(case["stackUpdateWorkflow"] is False for case in cases.values()), test.name
        assert [p.name for p in snapshot.iterdir() if p.is_dir() or not p.name.endswith(integ._KEPT_SUFFIXES)] == []
        assert len(integ.stacks(snapshot)) == 2, test.name  # the example and its assertion stack


def test_a_snapshot_matches_itself(tmp_path):
    assert integ.differences(QWEN, _copy(tmp_path)) == []


def test_a_changed_property_fails_the_check_with_a_diff(tmp_path):
    actual = _copy(tmp_path)
    path = actual / "IntegQwen3Lmi.template.json"
    template = json.loads(path.read_text())
    config = next(r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::EndpointConfig")
    config["Properties"]["ProductionVariants"][0]["RoutingConfig"] = {"RoutingStrategy": "RANDOM"}
    _write(path, template)
    problems = integ.differences(QWEN, actual)
    assert len(problems) == 1 and "IntegQwen3Lmi" in problems[0] and '"RANDOM"' in problems[0]


def test_an_added_or_removed_stack_fails_the_check(tmp_path):
    actual = _copy(tmp_path)
    manifest = json.loads((actual / "manifest.json").read_text())
    del manifest["artifacts"]["Qwen3LmiAssertions"]
    (actual / "manifest.json").write_text(json.dumps(manifest))
    assert integ.differences(QWEN, actual) == ["stack Qwen3LmiAssertions is gone (still in the snapshot)"]
    assert integ.differences(actual, QWEN) == ["stack Qwen3LmiAssertions is new (not in the snapshot)"]


def test_new_asset_hashes_alone_pass_the_check(tmp_path):
    """A handler edit changes its asset's hash in the template and in the asset manifest, and nothing else."""
    actual = _copy(tmp_path)
    old = next(h for h in integ.stacks(QWEN)["IntegQwen3Lmi"]["hashes"] if (actual / "IntegQwen3Lmi.template.json")
               .read_text().count(h))  # fmt: skip
    new = "f" * len(old)
    for name in ("IntegQwen3Lmi.template.json", "IntegQwen3Lmi.assets.json"):
        (actual / name).write_text((actual / name).read_text().replace(old, new))
    assert (actual / "IntegQwen3Lmi.template.json").read_text() != (QWEN / "IntegQwen3Lmi.template.json").read_text()
    assert integ.differences(QWEN, actual) == []


def test_a_new_salt_alone_passes_the_check_and_committed_salts_are_masked(tmp_path):
    actual = _copy(tmp_path)
    path = actual / "Qwen3LmiAssertions.template.json"
    template = json.loads(path.read_text())
    salted = [r for r in template["Resources"].values() if "salt" in r.get("Properties", {})]
    assert salted and all(r["Properties"]["salt"] == integ.SALT for r in salted)
    for resource in salted:
        resource["Properties"]["salt"] = "1796323201361"
    _write(path, template)
    assert integ.differences(QWEN, actual) == []


def test_a_missing_snapshot_is_reported(tmp_path):
    assert "no snapshot" in integ.differences(tmp_path / "absent", QWEN)[0]


def test_qwen3_asserts_in_service_a_200_the_guard_and_the_heartbeat():
    (endpoint,) = _custom_resources(QWEN, "describeEndpoint")
    assert json.loads(endpoint["expected"]) == {"$ObjectLike": {"EndpointStatus": "InService"}}
    (invoke,) = _custom_resources(QWEN, "invoke")
    assert json.loads(invoke["expected"]) == {"$ObjectLike": {"Payload": {"$StringLike": "^200$"}}}
    (stacks,) = _custom_resources(QWEN, "describeStacks")
    assert '"OutputValue":"true"' in stacks["expected"] and "CacheEligible" in stacks["expected"]
    (heartbeat,) = _custom_resources(QWEN, "listMetrics")
    assert json.loads(heartbeat["parameters"]["MetricName"]) == names.RECORDER_HEARTBEAT
    assert json.loads(heartbeat["parameters"]["Namespace"]).startswith(names.NAMESPACE_PREFIX + "/integqwen3lmi-endpoint-")


def test_scale_to_zero_asserts_a_refused_request_wakes_the_component():
    snapshot = ROOT / "tests" / "integ" / "integ_scale_to_zero.py.snapshot"
    copies = [json.loads(p["expected"])["$ObjectLike"]["RuntimeConfig"]["CurrentCopyCount"]
              for p in _custom_resources(snapshot, "describeInferenceComponent")]  # fmt: skip
    assert sorted(copies) == [0, 1]
    statuses = sorted(json.loads(p["expected"])["$ObjectLike"]["Payload"]["$StringLike"]
                      for p in _custom_resources(snapshot, "invoke"))  # fmt: skip
    assert statuses == ["^200$", "^[45][0-9][0-9]$"]


@pytest.mark.parametrize(
    ("outputs", "failures"),
    [
        ({"S": {"AssertionResultsA": '{"status":"success"}', "Other": "x"}}, []),
        ({"S": {"AssertionResultsA": '{"status":"fail","message":"Expected InService"}'}}, ["S.AssertionResultsA: Expected InService"]),
        ({"S": {"AssertionResultsA": "not json"}}, ["S.AssertionResultsA: not json"]),
    ],
)  # fmt: skip
def test_deploy_fails_on_any_assertion_output_that_is_not_success(outputs, failures):
    assert integ.assertion_failures(outputs) == failures
