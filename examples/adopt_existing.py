"""Adopt an endpoint and component deployed by hand: scale it, watch it, and let a service call it."""

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    InferenceComponent,
    InferenceEndpoint,
    ScaleOutDashboard,
    ScaleOutRecorder,
)


class AdoptExistingStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        endpoint = InferenceEndpoint.from_endpoint_name(
            self, "Endpoint", "chat-prod", instance_type=AcceleratorInstanceType.G6E_12XLARGE, max_instance_count=4
        )
        chat = InferenceComponent.from_component_name(
            self, "Chat", "chat-prod-llama", endpoint=endpoint, accelerator_count=2, memory_mib=96 * 1024
        )
        chat.scale_on_concurrent_requests(min_copies=1, max_copies=8, target_per_copy=6)
        ScaleOutRecorder(self, "Recorder", endpoint=endpoint)
        ScaleOutDashboard(self, "Dashboard", endpoint=endpoint)
        api = iam.Role(self, "ApiRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        chat.grant_invoke(api)
        # Your own roles are yours to justify to your compliance packs, as here for the grant's inline policy.
        for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
            Validations.of(api).acknowledge(
                Acknowledgment(id=f"{pack}-IAMNoInlinePolicy", reason="Invoke rights on one endpoint and component only")
            )
