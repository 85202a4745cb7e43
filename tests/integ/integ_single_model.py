"""Integration test of the single-model example: the endpoint is InService and a request (no inference component:
the classic variant) returns 200.

Run alone: ``scripts/dev integ --deploy integ_single_model.py`` (one ml.g6.2xlarge for about 30-60 minutes)."""

from _support import Case, new_app

from examples.single_model import SingleModelStack

app = new_app()
case = Case(app, "SingleModel", SingleModelStack(app, "IntegSingleModel"))
case.in_service().next(case.invoke(None, status="^200$"))
case.heartbeat()
app.synth()
