"""A user's stack, type-checked (never run) by tests/test_typing.py with ``mypy --strict``: the public API has real
types, so each ``reveal_type`` below names a class of the package, never ``Any``."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    ConfigurationError,
    ContainerImage,
    IInferenceComponent,
    IInferenceEndpoint,
    InferenceComponent,
    InferenceEndpoint,
    ModelData,
    ScalableCopyCount,
    ScaleOutDashboard,
    ScaleOutRecorder,
    SingleModelEndpoint,
)


class UserStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        image = ContainerImage.from_image_uri(cdk.CfnParameter(self, "ImageUri").value_as_string)
        endpoint = InferenceEndpoint(
            self, "Endpoint", instance_type=AcceleratorInstanceType.G6_12XLARGE, max_instance_count=2
        )
        reveal_type(endpoint)
        component = endpoint.add_inference_component(
            "Model",
            image=image,
            model_data=ModelData.from_s3_uri("s3://bucket/model.tar.gz"),
            accelerator_count=1,
            memory_mib=8192,
        )
        reveal_type(component)
        scaling = component.scale_on_concurrent_requests(max_copies=4, target_per_copy=2, min_copies=0)
        reveal_type(scaling)
        existing = InferenceEndpoint.from_endpoint_name(self, "Existing", "other-endpoint")
        reveal_type(existing)
        imported = InferenceComponent.from_component_name(self, "Imported", "other-model", endpoint=existing)
        reveal_type(imported)
        reveal_type(imported.scale_on_concurrent_requests(max_copies=2, target_per_copy=1))
        ScaleOutRecorder(self, "Recorder", endpoint=existing)
        ScaleOutDashboard(self, "Dashboard", endpoint=existing)
        role = iam.Role(self, "Caller", assumed_by=iam.AccountRootPrincipal())
        reveal_type(existing.grant_invoke(role))
        reveal_type(imported.metric_scale_out_latency())
        single = SingleModelEndpoint(self, "Single", instance_type=AcceleratorInstanceType.G6_2XLARGE, image=image)
        ScaleOutDashboard(self, "SingleDashboard", endpoint=single)
        self.endpoints: list[IInferenceEndpoint] = [endpoint, existing, single]
        self.components: list[IInferenceComponent] = [component, imported]
        self.scalings: list[ScalableCopyCount] = [scaling]


def refused(error: ConfigurationError) -> str | None:
    return error.path
