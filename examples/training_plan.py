"""A model that exists already, on the instances of a SageMaker training plan (an ML capacity reservation)."""

from typing import Any

from aws_cdk import Annotations, CfnParameter, Stack
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    CapacityReservation,
    InferenceEndpoint,
    Model,
    ScaleOutDashboard,
)


class TrainingPlanStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        plan = CfnParameter(self, "TrainingPlanArn", description="ARN of a training plan for ml.p5.48xlarge instances")
        endpoint = InferenceEndpoint(
            self,
            "Endpoint",
            instance_type=AcceleratorInstanceType.P5_48XLARGE,  # the plan's instance type
            max_instance_count=2,  # no more than the plan reserves: there is no on-demand fallback
            capacity_reservation=CapacityReservation(ml_reservation_arn=plan.value_as_string),
        )
        Annotations.of(endpoint).acknowledge_warning(
            "constructs-pkg:reservation-only", "max_instance_count is the number of instances the plan reserves"
        )
        model = Model.from_model_name(self, "Model", "llama-3-70b-instruct")
        chat = endpoint.add_inference_component("Chat", model=model, accelerator_count=8, memory_mib=1024 * 1024)
        chat.scale_on_concurrent_requests(min_copies=1, max_copies=2, target_per_copy=16)
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
