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
