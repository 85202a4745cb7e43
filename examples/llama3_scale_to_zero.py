"""The aws-samples scale-to-zero stack (genai-ml-platform-examples, infrastructure/inference_component_scale_to_zero)
on the library: Llama 3 8B from JumpStart's gated, uncompressed prefix on ml.g5.12xlarge, releasing every instance
when idle. What changes: a role scoped to the prefix and the image instead of AmazonSageMakerFullAccess, a wake-up
alarm on 1-minute sums (the sample used a 30-second average), and the recorder and dashboard."""

from typing import Any

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    ContainerImage,
    InferenceAmiVersion,
    InferenceEndpoint,
    RoutingStrategy,
    S3ModelData,
    ScaleInPolicy,
    ScaleInStrategy,
    ScaleOutDashboard,
)

LLAMA3_8B = "meta-textgeneration/meta-textgeneration-llama-3-8b/artifacts/inference-prepack/v1.1.0/"
#: The sample's container environment, unchanged.
ENVIRONMENT = {
    "ENDPOINT_SERVER_TIMEOUT": "3600",
    "HF_MODEL_ID": "/opt/ml/model",
    "MODEL_CACHE_ROOT": "/opt/ml/model",
    "OPTION_GPU_MEMORY_UTILIZATION": "0.85",
    "OPTION_TENSOR_PARALLEL_DEGREE": "4",
    "SAGEMAKER_ENV": "1",
    "SAGEMAKER_MODEL_SERVER_WORKERS": "1",
    "SAGEMAKER_PROGRAM": "inference.py",
}


class Llama3ScaleToZeroStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        endpoint = InferenceEndpoint(
            self,
            "Endpoint",
            instance_type=AcceleratorInstanceType.G5_12XLARGE,
            min_instance_count=0,
            max_instance_count=2,
            routing_strategy=RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
            inference_ami_version=InferenceAmiVersion.GPU_3_1,  # LMI 0.31 is built for CUDA 12.4
            scale_in=ScaleInPolicy(strategy=ScaleInStrategy.IDLE_RELEASE),  # release instances left without copies
        )
        llama = endpoint.add_inference_component(
            "Llama",
            image=ContainerImage.lmi("0.31.0"),  # the sample's djl-inference:0.31.0-lmi13.0.0-cu124
            model_data=S3ModelData.from_s3_prefix(
                f"s3://jumpstart-private-cache-prod-{self.region}/{LLAMA3_8B}", accept_eula=True
            ),
            environment=ENVIRONMENT,
            accelerator_count=4,
            memory_mib=104096,
            copy_count=1,
            startup_health_check_timeout=Duration.hours(1),
            model_download_timeout=Duration.hours(1),
        )
        llama.scale_on_concurrent_requests(min_copies=0, max_copies=2, target_per_copy=1)
        Validations.of(llama).acknowledge(Acknowledgment(
            id="Annotation::constructs-pkg:copy-count-above-minimum",
            reason="As in the sample, the first deploy starts one copy, so the stack is tested on creation; "
            "scaling then releases it when idle.",
        ))  # fmt: skip
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
