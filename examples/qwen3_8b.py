"""Qwen3-8B on ml.g6.2xlarge with AWS's LMI container: one GPU per copy, scaled on concurrent requests."""

from typing import Any

from aws_cdk import Duration, Stack
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    ContainerImage,
    InferenceAmiVersion,
    InferenceEndpoint,
    ScaleOutDashboard,
)


class Qwen3LmiStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        endpoint = InferenceEndpoint(
            self,
            "Endpoint",
            instance_type=AcceleratorInstanceType.G6_2XLARGE,
            min_instance_count=1,
            max_instance_count=4,
            inference_ami_version=InferenceAmiVersion.GPU_4_1,  # CUDA 13 host for the cu130 LMI image
        )
        qwen = endpoint.add_inference_component(
            "Qwen3",
            image=ContainerImage.lmi("0.36.0"),
            accelerator_count=1,
            memory_mib=16 * 1024,
            environment={
                "HF_MODEL_ID": "Qwen/Qwen3-8B",
                "OPTION_MAX_MODEL_LEN": "8192",
                "TENSOR_PARALLEL_DEGREE": "1",
            },
            startup_health_check_timeout=Duration.minutes(15),
            model_download_timeout=Duration.minutes(15),
        )
        qwen.scale_on_concurrent_requests(min_copies=1, max_copies=4, target_per_copy=8)
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
