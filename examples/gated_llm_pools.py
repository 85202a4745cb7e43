"""A gated (EULA) model from an uncompressed S3 prefix on g6e instances, falling back to g5 when g6e has no capacity,
with the data cache on, bin-packed copies, consolidating scale-in, safe rolling updates and a LoRA adapter."""

from typing import Any

from aws_cdk import Duration, Stack
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    AutoRollback,
    BatchSize,
    ContainerImage,
    InferenceAmiVersion,
    InferenceEndpoint,
    InstancePool,
    InstanceTypeCompute,
    ModelData,
    PlacementStrategy,
    RollingUpdate,
    S3ModelData,
    ScaleInPolicy,
    ScaleInStrategy,
    ScaleOutDashboard,
    SchedulingConfig,
)

G6E, G5 = AcceleratorInstanceType.G6E_2XLARGE, AcceleratorInstanceType.of("ml.g5.2xlarge")
#: JumpStart's gated-model bucket for the stack's region and the Llama 3 8B prefix the aws-samples stack deploys.
LLAMA3_8B = "meta-textgeneration/meta-textgeneration-llama-3-8b/artifacts/inference-prepack/v1.1.0/"


class GatedLlmPoolsStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        endpoint = InferenceEndpoint(
            self,
            "Endpoint",
            instance_pools=[InstancePool(instance_type=G6E, priority=1), InstancePool(instance_type=G5, priority=2)],
            instance_provision_timeout=Duration.minutes(15),  # then SageMaker gives up on capacity
            max_instance_count=4,
            inference_ami_version=InferenceAmiVersion.GPU_4_1,
            # Free whole instances by moving copies together (BINPACK below keeps them together in the first place).
            scale_in=ScaleInPolicy(strategy=ScaleInStrategy.CONSOLIDATION, maximum_step_size=1,
                                   cooldown=Duration.minutes(30)),  # fmt: skip
        )
        llama = endpoint.add_inference_component(
            "Llama3",
            image=ContainerImage.lmi(),
            model_data=S3ModelData.from_s3_prefix(
                f"s3://jumpstart-private-cache-prod-{self.region}/{LLAMA3_8B}", accept_eula=True
            ),
            environment={"HF_MODEL_ID": "/opt/ml/model", "OPTION_MAX_MODEL_LEN": "8192", "OPTION_ENABLE_LORA": "true"},
            # The whole model in bf16 (16 GB) fits one GPU of either type; host memory per copy follows the type.
            compute_per_instance_type=[
                InstanceTypeCompute(instance_type=G6E, accelerator_count=1, memory_mib=48 * 1024),
                InstanceTypeCompute(instance_type=G5, accelerator_count=1, memory_mib=24 * 1024),
            ],
            data_cache=True,
            scheduling=SchedulingConfig(placement_strategy=PlacementStrategy.BINPACK, max_imbalance=1),
            # One copy per step: a percentage of its single starting copy would be less than one copy.
            rolling_update=RollingUpdate(maximum_batch_size=BatchSize.copy_count(1),
                                         wait_interval=Duration.minutes(5), maximum_execution_timeout=Duration.hours(2),
                                         rollback_maximum_batch_size=BatchSize.capacity_percent(100)),  # fmt: skip
            auto_rollback=AutoRollback.on_invocation_errors(threshold=5),
            startup_health_check_timeout=Duration.minutes(15),
            model_download_timeout=Duration.minutes(15),
        )
        llama.scale_on_concurrent_requests(min_copies=1, max_copies=4, target_per_copy=8)
        # A LoRA adapter served by the same copies (it has no compute or copies of its own).
        endpoint.add_inference_component(
            "SupportAdapter",
            base_component=llama,
            model_data=ModelData.from_s3_uri("s3://my-adapters/llama3-8b/support/adapter.tar.gz"),
        )
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
