#!/usr/bin/env python3
"""The default CDK app: synthesizes one example stack, chosen with ``cdk synth -c example=NAME``.

``python app.py`` exits 1 when ``cdk synth`` would fail (an error annotation, an unacknowledged library warning):
``synth_or_exit`` reads them from the synthesized app, which ``app.synth()`` alone does not.
"""

from __future__ import annotations

import os

import aws_cdk as cdk

from constructs_pkg import synth_or_exit

from examples.adopt_existing import AdoptExistingStack
from examples.enterprise_controls import EnterpriseControlsStack
from examples.existing_resources import ExistingResourcesStack
from examples.gated_llm_pools import GatedLlmPoolsStack
from examples.llama3_scale_to_zero import Llama3ScaleToZeroStack
from examples.multi_component import MultiComponentStack
from examples.qwen3_8b import Qwen3LmiStack
from examples.scale_to_zero import ScaleToZeroStack
from examples.single_model import SingleModelStack
from examples.training_plan import TrainingPlanStack

DEFAULT_EXAMPLE = "qwen3-8b"
#: Example name -> (stack id, stack class).
EXAMPLES: dict[str, tuple[str, type[cdk.Stack]]] = {
    "qwen3-8b": ("Qwen3Lmi", Qwen3LmiStack),
    "multi-component": ("MultiComponent", MultiComponentStack),
    "scale-to-zero": ("ScaleToZero", ScaleToZeroStack),
    "single-model": ("SingleModel", SingleModelStack),
    "adopt-existing": ("AdoptExisting", AdoptExistingStack),
    "existing-resources": ("ExistingResources", ExistingResourcesStack),
    "gated-llm-pools": ("GatedLlmPools", GatedLlmPoolsStack),
    "llama3-scale-to-zero": ("Llama3ScaleToZero", Llama3ScaleToZeroStack),
    "training-plan": ("TrainingPlan", TrainingPlanStack),
    "enterprise-controls": ("EnterpriseControls", EnterpriseControlsStack),
}


def build(app: cdk.App) -> cdk.Stack:
    """Add the example named by the ``example`` context (default ``qwen3-8b``) to ``app``."""
    name = app.node.try_get_context("example") or DEFAULT_EXAMPLE
    if name not in EXAMPLES:
        raise SystemExit(f"example must be one of {', '.join(EXAMPLES)}, got {name!r}")
    stack_id, stack_class = EXAMPLES[name]
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION"))
    return stack_class(app, stack_id, env=env)


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    synth_or_exit(app)
