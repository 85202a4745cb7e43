"""Integration test of the scale-to-zero example: the component starts with zero copies, a request is refused and
wakes it (the NoCapacityInvocationFailures alarm's step policy adds a copy), and the next request returns 200.

Run alone: ``scripts/dev integ --deploy integ_scale_to_zero.py`` (up to one ml.g6.2xlarge for about 45-75 minutes)."""

from _support import WAKE_TIMEOUT, Case, new_app

from examples.scale_to_zero import ScaleToZeroStack

app = new_app()
case = Case(app, "ScaleToZero", ScaleToZeroStack(app, "IntegScaleToZero"))
model = case.component("Qwen3")
# A refused request (any 4xx/5xx: SageMaker documents an error, not which status, while no copy exists) wakes it.
(
    case.in_service()
    .next(case.copies(model, 0))
    .next(case.invoke(model, status="^[45][0-9][0-9]$"))
    .next(case.copies(model, 1, timeout=WAKE_TIMEOUT))
    .next(case.invoke(model, status="^200$"))
)
case.heartbeat()
app.synth()
