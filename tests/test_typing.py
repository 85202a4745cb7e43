"""``mypy --strict`` on the package, on a user's stack that calls the public API, and on deliberate misuse.

One mypy run covers all three (aws_cdk's stubs are large: a cold run takes minutes, a warm one seconds; `.ci/run`
warms the shared cache in `.mypy_cache` before the suite). The user's file proves real types: each ``reveal_type``
names a class of the package, and the misuse file is rejected with the errors named on its lines.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys

import pytest

from .conftest import ROOT

USER_FILE = "tests/typing/user_stack.py"
MISUSE_FILE = "tests/typing/misuse.py"
#: Code written as a user would: the examples and the demo app.
USER_CODE = ("examples", "app.py")
#: Modules other work streams were rewriting while this test was written, with mypy --strict errors still open.
#: Drop each one from this set once it is clean; every other module must be clean now.
AWAITING_OWNERS: set[str] = set()
_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<message>.*)$")


@functools.cache
def _mypy() -> list[dict[str, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "constructs_pkg", *USER_CODE, USER_FILE,
         MISUSE_FILE],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 2 would be a crash or a usage error
    return [m.groupdict() for m in map(_LINE.match, result.stdout.splitlines()) if m]


def _errors(file: str) -> list[dict[str, str]]:
    return [m for m in _mypy() if m["kind"] == "error" and m["file"] == file]


def test_the_package_passes_mypy_strict():
    errors = [m for m in _mypy() if m["kind"] == "error" and m["file"].startswith("constructs_pkg/")]
    assert errors or not AWAITING_OWNERS, "the package is clean: empty AWAITING_OWNERS"
    unexpected = [f"{m['file']}:{m['line']}: {m['message']}" for m in errors if m["file"] not in AWAITING_OWNERS]
    assert not unexpected, unexpected


def test_the_examples_and_the_app_type_check():
    checked = [m for m in _mypy() if m["kind"] == "error" and m["file"].startswith(("examples/", "app.py"))]
    assert checked == []


def test_a_users_stack_type_checks_with_real_types():
    assert _errors(USER_FILE) == []
    revealed = [m["message"] for m in _mypy() if m["file"] == USER_FILE and m["kind"] == "note"]
    assert revealed == [
        'Revealed type is "constructs_pkg.endpoint.InferenceEndpoint"',
        'Revealed type is "constructs_pkg.inference_component.InferenceComponent"',
        'Revealed type is "constructs_pkg.scaling.ScalableCopyCount"',
        'Revealed type is "constructs_pkg.interfaces.IInferenceEndpoint"',
        'Revealed type is "constructs_pkg.interfaces.IInferenceComponent"',
        'Revealed type is "constructs_pkg.interfaces.IScalableCopyCount"',
        'Revealed type is "aws_cdk.aws_iam.Grant"',
        'Revealed type is "aws_cdk.aws_cloudwatch.Metric"',
    ]


_EXPECTED_MISUSE = {
    "instance-type-str": r'Argument "instance_type" to "InferenceEndpoint" has incompatible type "str"; '
    r'expected "AcceleratorInstanceType( \| None)?"',
    "endpoint-name-str": r'Argument "endpoint" to "ScaleOutDashboard" has incompatible type "str"; '
    r'expected "IInferenceEndpoint"',
    "not-on-interface": r'"IInferenceEndpoint" has no attribute "endpoint_resource"',
    "count-str": r'Argument "max_instance_count" to "InferenceEndpoint" has incompatible type "str"; expected "int"',
}


@pytest.mark.parametrize("mark", list(_EXPECTED_MISUSE))
def test_misuse_is_rejected_with_a_specific_error(mark):
    lines = (ROOT / MISUSE_FILE).read_text().splitlines()
    line = next(str(i) for i, text in enumerate(lines, 1) if text.endswith(f"# MISUSE: {mark}"))
    found = [m["message"] for m in _errors(MISUSE_FILE) if m["line"] == line]
    assert any(re.search(_EXPECTED_MISUSE[mark], message) for message in found), found


def test_every_misuse_line_is_named():
    marked = {i for i, text in enumerate((ROOT / MISUSE_FILE).read_text().splitlines(), 1) if "# MISUSE:" in text}
    assert {int(m["line"]) for m in _errors(MISUSE_FILE)} == marked
