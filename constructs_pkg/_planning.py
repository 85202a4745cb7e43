"""Synth-time scale-out predictions: ``planner.plan_scale_out`` for a component or endpoint this app defines."""

from __future__ import annotations

from aws_cdk import Annotations
from constructs import IConstruct

from . import _validation as v
from .errors import ConfigurationError
from .instance_types import AcceleratorInstanceType
from .bandwidth import BANDWIDTH
from .planner import DetectionSettings, ScaleOutPlan, plan_scale_out


def plan_for(
    scope: IConstruct,
    *,
    instance_type: AcceleratorInstanceType | None,
    accelerators: int | None,
    image_bytes: int | None,
    model_bytes: int | None,
    cache: bool,
    detection: DetectionSettings | None,
    what: str,
) -> ScaleOutPlan:
    """The predicted stages of one scale-out onto a new instance, reported as an info annotation on ``scope``.

    :raises ConfigurationError: naming the input the planner refused (an unknown or token instance type included).
    """
    if instance_type is None or v.is_token(instance_type.name):
        raise ConfigurationError(
            scope.node.path, "plan_scale_out",
            [f"the instance type of {what} must be known at synth time to predict its scale-out, got "
             f"{None if instance_type is None else instance_type.name!r}"],
        )  # fmt: skip
    copies = 1 if accelerators is None or v.is_token(accelerators) else accelerators
    try:
        plan = plan_scale_out(instance_type.name, image_bytes, model_bytes, cache, detection, accelerators=copies)
    except ValueError as error:
        raise ConfigurationError(scope.node.path, "plan_scale_out", [str(error)]) from error
    Annotations.of(scope).add_info(
        f"predicted scale-out of {what} onto a new {instance_type.name}: {plan.total_seconds:.0f} s from the load "
        f"spike to healthy ({plan.startup_seconds:.0f} s from provisioning), image cache {'on' if cache else 'off'}; "
        + "; ".join(f"{s.name} {s.seconds:.0f} s" for s in plan.stages)
        + f"; interval {plan.total_interval.low:.0f} to {plan.total_interval.high:.0f} s ({plan.total_interval.basis})"
    )
    return plan


def default_predictions(instance_type: AcceleratorInstanceType | None, accelerators: int | None,
                        chosen: ScaleOutPlan | None) -> tuple[ScaleOutPlan, ScaleOutPlan] | None:  # fmt: skip
    """(cache on, cache off) predictions for the dashboard: from the plan the app asked for (its image and model
    sizes), else the planner's calibration sizes; None when the instance type is unknown to the planner."""
    if chosen is not None:
        image, model = chosen.inputs.get("image_bytes"), chosen.inputs.get("model_bytes")
        copies = chosen.inputs.get("accelerators", 1)
        sizes = (image if isinstance(image, int) else None, model if isinstance(model, int) else None)
        count = copies if isinstance(copies, int) else 1
        return (plan_scale_out(chosen.instance_type, *sizes, True, accelerators=count),
                plan_scale_out(chosen.instance_type, *sizes, False, accelerators=count))  # fmt: skip
    if instance_type is None or v.is_token(instance_type.name) or instance_type.name not in BANDWIDTH:
        return None
    count = 1 if accelerators is None or v.is_token(accelerators) else accelerators
    return (plan_scale_out(instance_type.name, None, None, True, accelerators=count),
            plan_scale_out(instance_type.name, None, None, False, accelerators=count))  # fmt: skip
