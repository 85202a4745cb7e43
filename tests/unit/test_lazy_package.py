"""``import constructs_pkg`` loads no aws_cdk until a construct is used, and type checkers still see every name."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import pytest

import constructs_pkg

from ..conftest import ROOT

PROBE = "import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'aws_cdk', 'jsii', 'boto3'}}))"


@pytest.mark.parametrize("module", ["constructs_pkg", "constructs_pkg.planner", "constructs_pkg.planner.cli"])
def test_the_package_and_the_planner_import_neither_aws_cdk_nor_jsii(module):
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.strip() == "[]"


def test_the_probe_imports_boto3_but_neither_aws_cdk_nor_jsii():
    out = subprocess.run([sys.executable, "-c", PROBE.format(module="constructs_pkg.probe")], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert out.strip() == "['boto3']"


def test_using_a_construct_loads_aws_cdk():
    code = "import sys, constructs_pkg; constructs_pkg.InferenceEndpoint; print('aws_cdk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_running_the_planner_as_a_module_warns_about_nothing():
    command = [sys.executable, "-W", "error", "-m", "constructs_pkg.planner", "--instance-type", "ml.g6.2xlarge"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


def _stub_exports() -> dict[str, str]:
    tree = ast.parse((ROOT / "constructs_pkg" / "__init__.pyi").read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                assert alias.asname == alias.name, "re-export as itself, so type checkers treat it as public"
                found[alias.name] = str(node.module)
    return found


def test_the_type_stub_re_exports_exactly_the_lazy_names_from_the_same_modules():
    assert _stub_exports() == constructs_pkg._EXPORTS
    assert constructs_pkg.__all__ == sorted(constructs_pkg._EXPORTS)


@pytest.mark.parametrize("name", sorted(constructs_pkg._EXPORTS))
def test_each_public_name_is_the_object_its_module_defines(name):
    module = importlib.import_module(f"constructs_pkg.{constructs_pkg._EXPORTS[name]}")
    assert getattr(constructs_pkg, name) is getattr(module, name)
    assert name in dir(constructs_pkg)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'constructs_pkg' has no attribute 'InferenceEndpointt'"):
        constructs_pkg.InferenceEndpointt  # noqa: B018
