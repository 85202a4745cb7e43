#!/usr/bin/env python3
"""Every example in one CDK app, for CI: ``cdk synth --app "python .ci/all_examples.py"`` synthesizes them all in
one CLI process (one Node, one Python, one jsii start) instead of one ``cdk synth -c example=NAME`` each. Each stack
is built as ``app.py`` builds it for ``-c example=NAME``: same id, class and environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aws_cdk as cdk  # noqa: E402

from app import EXAMPLES  # noqa: E402

if __name__ == "__main__":
    app = cdk.App()
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    for stack_id, stack_class in EXAMPLES.values():
        stack_class(app, stack_id, env=env)
    app.synth()
