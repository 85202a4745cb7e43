"""Templates to audit: every example, plus a generated matrix of library options. Built once per test session."""

from __future__ import annotations

import functools
import itertools

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from app import EXAMPLES
from constructs_pkg import (
    AcceleratorInstanceType,
    CacheGuardMode,
    ContainerImage,
    InferenceAmiVersion,
    InferenceEndpoint,
    ModelData,
    PrefixAwareRouting,
    RoutingStrategy,
    ScaleOutDashboard,
)

from .conftest import cdk_context
from .helpers import ENV, IMAGE_URI

#: Each option set builds one stack; together they cover every optional property the library renders.
MATRIX = [
    dict(vpc=vpc, min_copies=min_copies, routing=routing, guard=guard)
    for vpc, min_copies, routing, guard in itertools.product(
        (False, True), (0, 1), (RoutingStrategy.LEAST_OUTSTANDING_REQUESTS, RoutingStrategy.PREFIX_AWARE),
        (CacheGuardMode.WARN, CacheGuardMode.ENFORCE),
    )
]  # fmt: skip


def _matrix_stack(app: cdk.App, index: int, vpc: bool, min_copies: int, routing, guard) -> cdk.Stack:
    stack = cdk.Stack(app, f"Matrix{index}", env=ENV)
    network = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1) if vpc else None
    # VolumeSizeInGB only on a type with an EBS volume (g6e has NVMe instance storage only).
    instance_type, volume = ((AcceleratorInstanceType.G6E_12XLARGE, None) if min_copies == 0
                             else (AcceleratorInstanceType.of("ml.g7e.24xlarge"), 200))
    prefix = PrefixAwareRouting(prefix_length=4096, concurrency_threshold=8) if routing == RoutingStrategy.PREFIX_AWARE else None
    endpoint = InferenceEndpoint(
        stack, "Endpoint", instance_type=instance_type, max_instance_count=3,
        min_instance_count=0 if min_copies == 0 else 1, vpc=network, routing_strategy=routing, cache_guard=guard,
        prefix_aware_routing=prefix, volume_size_gb=volume, inference_ami_version=InferenceAmiVersion.GPU_3_1,
    )  # fmt: skip
    bucket = s3.Bucket(stack, "Models", enforce_ssl=True)
    big = endpoint.add_inference_component(
        "Big", image=ContainerImage.lmi(), accelerator_count=2, memory_mib=96 * 1024, cpu_cores=8,
        model_data=ModelData.from_bucket(bucket, "big/model.tar.gz"), environment={"OPTION_ROLLING_BATCH": "vllm"},
        startup_health_check_timeout=Duration.minutes(20), model_download_timeout=Duration.minutes(30),
        copy_count=min_copies,
    )  # fmt: skip
    big.scale_on_concurrent_requests(min_copies=min_copies, max_copies=3, target_per_copy=4.5)
    small = endpoint.add_inference_component(
        "Small", image=ContainerImage.from_image_uri(IMAGE_URI), accelerator_count=1, memory_mib=16 * 1024,
        component_name=f"small-{index}",
    )  # fmt: skip
    small.scale_on_concurrent_requests(
        max_copies=2, target_per_copy=8, scale_in_cooldown=Duration.minutes(10), scale_out_cooldown=Duration.seconds(0)
    )
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    endpoint.scale_out_recorder.add_sagemaker_capacity_alarm()  # a PromQL alarm, audited like the others
    return stack


def two_endpoints(app: cdk.App) -> tuple[cdk.Stack, list[InferenceEndpoint]]:
    """Two endpoints with default keys, guards and recorders in one stack: nothing may be shared between them."""
    stack = cdk.Stack(app, "TwoEndpoints", env=ENV)
    endpoints = []
    for id in ("A", "B"):
        endpoint = InferenceEndpoint(stack, id, instance_type=AcceleratorInstanceType.G6_12XLARGE, max_instance_count=2)
        component = endpoint.add_inference_component(
            "Model", image=ContainerImage.from_image_uri(IMAGE_URI), accelerator_count=1, memory_mib=8192,
            component_name=f"model-{id.lower()}",
        )  # fmt: skip
        component.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
        endpoints.append(endpoint)
    return stack, endpoints


TWO_ENDPOINTS = "two endpoints in one stack"


def _example_name(name: str, env_name: str) -> str:
    return f"example {name} ({env_name})"


def _matrix_name(index: int, options: dict) -> str:
    return f"matrix {index} {options}"


def template_names() -> list[str]:
    """The keys of ``templates()``, in its order, without building anything: tests parametrize on these at collection
    (in every xdist worker) and build the templates only where they run."""
    examples = [_example_name(name, env_name) for name in EXAMPLES for env_name in ("us-east-1", "agnostic")]
    return examples + [_matrix_name(index, options) for index, options in enumerate(MATRIX)] + [TWO_ENDPOINTS]


@functools.cache
def templates() -> dict[str, dict]:
    """Name -> template for every example (us-east-1 and environment-agnostic), every matrix entry, and
    ``two_endpoints``."""
    found: dict[str, dict] = {}
    for name, (stack_id, stack_class) in EXAMPLES.items():
        for env_name, env in (("us-east-1", ENV), ("agnostic", None)):
            app = cdk.App(context=cdk_context(recommended_flags=True))
            found[_example_name(name, env_name)] = Template.from_stack(stack_class(app, stack_id, env=env)).to_json()
    app = cdk.App(context=cdk_context())
    stacks = {_matrix_name(index, options): _matrix_stack(app, index, **options) for index, options in enumerate(MATRIX)}
    found.update({name: Template.from_stack(stack).to_json() for name, stack in stacks.items()})
    stack, _ = two_endpoints(cdk.App(context=cdk_context(recommended_flags=True)))
    found[TWO_ENDPOINTS] = Template.from_stack(stack).to_json()
    return found
