"""Shared fixtures. No real AWS credentials are ever used: fake ones are set for every test."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


#: Keys of cdk.json's context that are not feature flags: they apply to every test app.
_BASE_KEYS = ("cli-telemetry", "@aws-cdk/core:strictCfnValidateErrors")
ANNOTATIONS_IN_REPORT = "@aws-cdk/core:annotationsInValidationReport"


def cdk_context(*, recommended_flags: bool = False) -> dict:
    """The context for a test app: no asset bundling, strict CloudFormation validation, and the feature flags.

    Construct tests run under CDK's defaults (``recommended_flags=False``): a user's app with an older cdk.json. The
    examples and the audited templates run under cdk.json's recommended flags, as ``cdk synth`` does in CI. Under
    those, ``@aws-cdk/core:annotationsInValidationReport`` makes every warning fail synthesis until acknowledged; the
    examples are warning-free, and ``tests/test_feature_flags.py`` shows the flag at work.
    """
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    if not recommended_flags:
        context = {key: context[key] for key in _BASE_KEYS}
    return {**context, "aws:cdk:bundling-stacks": []}


os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")


# --- Running the suite on every core (pytest-xdist; scripts/dev test passes -n auto --dist loadfile) ---------------
#: Files whose tests read ``tests/stacks.templates()`` (every example in two environments and the option matrix,
#: built once per process): one xdist work unit, so a run builds them once, not once per worker.
SHARED_TEMPLATES = (
    "tests/test_examples.py",
    "tests/constructs/test_security.py",
    "tests/test_api_conformance.py",
    "tests/test_iam_audit.py",
    "tests/test_iam_lint.py",
)
#: Files whose tests each start their own processes and share nothing: one work unit per test, so they spread.
PER_TEST = ("tests/test_cli.py",)
#: The longest work units, handed out first so that none starts last and runs alone (``mypy --strict`` takes minutes
#: on a cold cache and seconds on a warm one; the CLI tests start Node and Python per synth). The rest follow in
#: collection order.
LONGEST_FIRST = ("tests/test_typing.py", "shared-templates")


def work_unit(nodeid: str) -> str:
    """The xdist work unit of a test: its file, ``shared-templates`` for the files that share the templates, or the
    test itself for the files in ``PER_TEST``."""
    path = nodeid.split("::", 1)[0]
    if path in PER_TEST:
        return nodeid
    return "shared-templates" if path in SHARED_TEMPLATES else path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest work units first, then the per-test units, then the rest (a stable sort: every test is kept, and the
    order within a unit is unchanged)."""
    rank = {unit: index for index, unit in enumerate(LONGEST_FIRST)}

    def order(item: pytest.Item) -> int:
        unit = work_unit(item.nodeid)
        if unit in rank:
            return rank[unit]
        return len(rank) if item.nodeid.split("::", 1)[0] in PER_TEST else len(rank) + 1

    items.sort(key=order)


def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    """``--dist loadfile`` with the units of ``work_unit``, handed out in collection order (``--no-loadscope-reorder``)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduler(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return Scheduler(config, log)
