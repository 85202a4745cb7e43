"""Integration test of the gated-llm-pools example: the endpoint (g6e first, g5 when g6e has no capacity) is
InService, the Llama 3 base component has its copy, and a request to it returns 200.

Run alone: ``scripts/dev integ --deploy integ_gated_llm_pools.py`` (one ml.g6e.2xlarge or ml.g5.2xlarge for about
30-60 minutes), in a region where JumpStart's gated-model bucket holds Llama 3 8B, with the LoRA adapter's artifact
at the example's S3 URI (see the README's "Integration tests")."""

from _support import Case, new_app

from examples.gated_llm_pools import GatedLlmPoolsStack

app = new_app()
case = Case(app, "GatedLlmPools", GatedLlmPoolsStack(app, "IntegGatedLlmPools"))
llama = case.component("Llama3")
case.in_service().next(case.copies(llama, 1)).next(case.invoke(llama, status="^200$"))
case.heartbeat()
app.synth()
