"""The classic pattern: one model per endpoint, scaled on instances by concurrent requests per model."""

from typing import Any

from aws_cdk import Duration, Stack
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    ContainerImage,
    InferenceAmiVersion,
    ScaleOutDashboard,
    SingleModelEndpoint,
)


class SingleModelStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        endpoint = SingleModelEndpoint(
            self,
            "Endpoint",
            instance_type=AcceleratorInstanceType.G6_2XLARGE,
            image=ContainerImage.lmi(),
            environment={"HF_MODEL_ID": "Qwen/Qwen3-8B"},
            inference_ami_version=InferenceAmiVersion.GPU_4_1,
            startup_health_check_timeout=Duration.minutes(15),
        )
        endpoint.scale_on_concurrent_requests(min_instances=1, max_instances=4, target_per_model=8)
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
