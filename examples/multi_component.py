"""Two models with different GPU needs sharing ml.g6e.12xlarge instances (4 x L40S, 384 GiB each)."""

from typing import Any

from aws_cdk import Duration, Stack
from constructs import Construct

from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceAmiVersion, InferenceEndpoint, ScaleOutDashboard


class MultiComponentStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        endpoint = InferenceEndpoint(
            self,
            "Endpoint",
            instance_type=AcceleratorInstanceType.G6E_12XLARGE,
            max_instance_count=3,
            inference_ami_version=InferenceAmiVersion.GPU_4_1,
        )
        large = endpoint.add_inference_component(
            "Qwen3_32B",
            image=ContainerImage.lmi(),
            accelerator_count=2,  # tensor parallel over two GPUs
            memory_mib=128 * 1024,
            environment={"HF_MODEL_ID": "Qwen/Qwen3-32B", "TENSOR_PARALLEL_DEGREE": "2"},
            startup_health_check_timeout=Duration.minutes(30),
            model_download_timeout=Duration.minutes(30),
        )
        large.scale_on_concurrent_requests(min_copies=1, max_copies=4, target_per_copy=6)
        small = endpoint.add_inference_component(
            "Qwen3_8B",
            image=ContainerImage.lmi(),
            accelerator_count=1,
            memory_mib=32 * 1024,
            environment={"HF_MODEL_ID": "Qwen/Qwen3-8B", "TENSOR_PARALLEL_DEGREE": "1"},
            startup_health_check_timeout=Duration.minutes(15),
        )
        small.scale_on_concurrent_requests(min_copies=1, max_copies=6, target_per_copy=10)
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
