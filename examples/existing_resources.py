"""An ordinary user stack that brings its own VPC, KMS key, execution role and ECR repository."""

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_pkg import AcceleratorInstanceType, CacheGuardMode, ContainerImage, InferenceEndpoint, ScaleOutDashboard

IMAGE_DIGEST = "sha256:2c1f1d1a7a0e7b3f5b7c9e6d4a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3"


class ExistingResourcesStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        vpc = ec2.Vpc.from_vpc_attributes(
            self, "Vpc", vpc_id="vpc-0a1b2c3d4e5f60718", availability_zones=["us-east-1a", "us-east-1b"],
            private_subnet_ids=["subnet-0a1b2c3d4e5f60718", "subnet-1a2b3c4d5e6f70819"],
            private_subnet_route_table_ids=["rtb-0a1b2c3d4e5f60718", "rtb-1a2b3c4d5e6f70819"],
        )  # fmt: skip
        security_group = ec2.SecurityGroup.from_security_group_id(self, "Sg", "sg-0a1b2c3d4e5f60718")
        key = kms.Key.from_key_arn(
            self, "Key", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )
        role = iam.Role.from_role_arn(self, "Role", "arn:aws:iam::111122223333:role/ml-inference", mutable=False)
        repository = ecr.Repository.from_repository_name(self, "Repo", "team/llm-server")
        endpoint = InferenceEndpoint(
            self,
            "Endpoint",
            instance_type=AcceleratorInstanceType.G6_12XLARGE,
            max_instance_count=2,
            vpc=vpc,
            security_groups=[security_group],
            encryption_key=key,
            role=role,
            cache_guard=CacheGuardMode.ENFORCE,  # fail the deploy if the image is not cacheable
        )
        model = endpoint.add_inference_component(
            "Assistant",
            image=ContainerImage.from_ecr_repository(repository, digest=IMAGE_DIGEST),
            accelerator_count=1,
            memory_mib=32 * 1024,
            startup_health_check_timeout=Duration.minutes(20),
        )
        model.scale_on_concurrent_requests(max_copies=8, target_per_copy=4)
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
