"""The aws-samples scale-to-zero stack (genai-ml-platform-examples, infrastructure/inference_component_scale_to_zero,
``InferenceComponentCdkStack``) on the library: Llama 3 8B from JumpStart's gated, uncompressed prefix on
ml.g5.12xlarge, releasing every instance when idle.

Kept from the sample: the image (djl-inference 0.31.0-lmi13.0.0-cu124), the model data (S3 prefix, no compression,
EULA accepted), the container environment, one ml.g5.12xlarge at creation with managed instance scaling 0-2, least
outstanding requests routing, the component's 4 accelerators and 104096 MiB, one copy, 3600 s download and health
check timeouts on the component, copy-count scaling 0-2 with a target of 1, and the wake-up step policy (+1 copy,
Maximum aggregation, 60 s cooldown, alarm at >= 1 failure over one period).

Every behaviour change from the sample:
- scaling metric: target tracking on ``SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution`` (1
  concurrent request per copy, high resolution) instead of ``SageMakerInferenceComponentInvocationsPerCopy`` (1
  invocation per copy per minute), with explicit cooldowns (60 s out, 300 s in) where the sample left Application
  Auto Scaling's defaults;
- wake-up alarm: ``NoCapacityInvocationFailures`` Sum over 60 s instead of the sample's 30-second period with CDK's
  default Average statistic; it has a known name (``<component>-wake-from-zero``) that the recorder reads;
- IAM: a role scoped to the model prefix and the image instead of ``AmazonSageMakerFullAccess``, and the endpoint's
  storage encrypted with a KMS key the library creates (``KmsKeyId``; the sample had none);
- no CfnParameters: image, model data and instance type are fixed in code, and the JumpStart bucket follows the
  stack's region (the sample's default named us-east-1's);
- names: the component's name is derived from the stack and construct path instead of the fixed
  ``llama-inference-component`` (a fixed physical name makes a replacement update fail), and the variant is
  ``AllTraffic`` instead of ``variant-0``;
- variant: the download and health-check timeouts are on the component only (the sample also set them on the
  variant, which hosts no model on an inference-component endpoint); the inference AMI is pinned to
  ``al2-ami-sagemaker-inference-gpu-3-1`` (LMI 0.31 is built for CUDA 12.4; the sample took SageMaker's default);
  managed instance scaling has the ``IDLE_RELEASE`` scale-in policy (the sample set none); and ``MetricsConfig``
  is the library's default (detailed observability, 60 s publishing);
- added: the cache guard in WARN mode (a custom resource, its Provider, two functions and a waiter state machine),
  the scale-out recorder (a function run every minute, a DynamoDB claims table, an EventBridge rule) with its
  alarms (scale-out budget 360 s, capacity failures, provisioning-to-cold ratio), and a dashboard;
- left out: the sample's final ``CfnOutput()`` without arguments (it raises at synth).
"""

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
