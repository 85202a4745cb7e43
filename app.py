#!/usr/bin/env python3
"""The default CDK app: synthesizes one example stack, chosen with ``cdk synth -c example=NAME``."""

import os

import aws_cdk as cdk

from examples.qwen3_8b import Qwen3LmiStack

EXAMPLES = {"qwen3-8b": ("Qwen3Lmi", Qwen3LmiStack)}


def main() -> None:
    app = cdk.App()
    name = app.node.try_get_context("example") or "qwen3-8b"
    if name not in EXAMPLES:
        raise SystemExit(f"example must be one of {', '.join(EXAMPLES)}, got {name!r}")
    stack_id, stack_class = EXAMPLES[name]
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    stack_class(app, stack_id, env=env)
    app.synth()


if __name__ == "__main__":
    main()
