"""Integration test of the qwen3-8b example: the endpoint is InService, a request returns 200, the cache guard
reported the endpoint eligible, and the scale-out recorder's heartbeat appears in CloudWatch.

Run alone: ``scripts/dev integ --deploy integ_qwen3_8b.py`` (one ml.g6.2xlarge for about 30-60 minutes)."""

from _support import Case, new_app

from examples.qwen3_8b import Qwen3LmiStack

app = new_app()
case = Case(app, "Qwen3Lmi", Qwen3LmiStack(app, "IntegQwen3Lmi"))
qwen = case.component("Qwen3")
case.in_service().next(case.copies(qwen, 1)).next(case.invoke(qwen, status="^200$"))
case.guard_eligible()
case.heartbeat()
app.synth()
