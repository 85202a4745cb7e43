"""An endpoint that releases every instance when idle and wakes on the first request."""

from typing import Any

from aws_cdk import Duration, Stack
from constructs import Construct

from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceAmiVersion, InferenceEndpoint, ScaleOutDashboard


class ScaleToZeroStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        endpoint = InferenceEndpoint(
            self,
            "Endpoint",
            instance_type=AcceleratorInstanceType.G6_2XLARGE,
            min_instance_count=0,  # managed instance scaling may release every instance...
            max_instance_count=2,
            inference_ami_version=InferenceAmiVersion.GPU_4_1,
        )
        model = endpoint.add_inference_component(
            "Qwen3",
            image=ContainerImage.lmi(),
            accelerator_count=1,
            memory_mib=16 * 1024,
            environment={"HF_MODEL_ID": "Qwen/Qwen3-8B"},
            startup_health_check_timeout=Duration.minutes(15),
        )
        # ...once the component has no copies (it starts with min_copies, here none); the first refused request
        # (NoCapacityInvocationFailures) wakes it.
        model.scale_on_concurrent_requests(min_copies=0, max_copies=2, target_per_copy=8,
                                           scale_in_cooldown=Duration.minutes(15))  # fmt: skip
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
