"""Controls regulated accounts ask for: isolated model containers, data capture, and every alarm on one SNS topic."""

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    ContainerImage,
    DataCapture,
    InferenceAmiVersion,
    InferenceEndpoint,
    ModelData,
    S3ModelData,
    SingleModelEndpoint,
)


class EnterpriseControlsStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        # One topic for every alarm the library makes. CloudWatch publishes to an encrypted topic only when the
        # topic's key lets it (cloudwatch.amazonaws.com, this account).
        topic_key = kms.Key(self, "AlarmTopicKey", enable_key_rotation=True, description="Alarm notifications")
        topic_key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],  # in a key policy, "*" is this key
            conditions={"StringEquals": {"aws:SourceAccount": self.account}},
        ))  # fmt: skip
        topic = sns.Topic(self, "Alarms", master_key=topic_key, enforce_ssl=True)
        notify = [cw_actions.SnsAction(topic)]
        models = s3.Bucket.from_bucket_name(self, "Models", "example-model-artifacts")

        # Inference components with no network: each model comes from S3, which SageMaker downloads for the container.
        endpoint = InferenceEndpoint(
            self,
            "Isolated",
            instance_type=AcceleratorInstanceType.G6_2XLARGE,
            max_instance_count=2,
            inference_ami_version=InferenceAmiVersion.GPU_4_1,
            network_isolation=True,
            alarm_actions=notify,
            ok_actions=notify,
        )
        qwen = endpoint.add_inference_component(
            "Qwen3",
            image=ContainerImage.lmi("0.36.0"),
            accelerator_count=1,
            memory_mib=16 * 1024,
            model_data=S3ModelData.from_bucket_prefix(models, "qwen3-8b/"),  # uncompressed weights
            environment={"HF_MODEL_ID": "/opt/ml/model", "OPTION_MAX_MODEL_LEN": "8192"},
            startup_health_check_timeout=Duration.minutes(15),
        )
        qwen.scale_on_concurrent_requests(min_copies=1, max_copies=2, target_per_copy=8)
        qwen.alarm_invocation_errors()  # made after alarm_actions was set: it notifies the topic too

        # One model, isolated, with 5 % of requests and responses captured to a bucket the endpoint creates.
        audited = SingleModelEndpoint(
            self,
            "Audited",
            instance_type=AcceleratorInstanceType.G6_2XLARGE,
            image=ContainerImage.lmi("0.36.0"),
            model_data=ModelData.from_bucket(models, "qwen3-8b.tar.gz"),
            environment={"HF_MODEL_ID": "/opt/ml/model"},
            inference_ami_version=InferenceAmiVersion.GPU_4_1,
            network_isolation=True,
            data_capture=DataCapture(sampling_percentage=5),
            alarm_actions=notify,
        )
        audited.scale_on_concurrent_requests(min_instances=1, max_instances=2, target_per_model=8)
