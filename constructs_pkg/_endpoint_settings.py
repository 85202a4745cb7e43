"""Settings of an endpoint this library defines: routing and host AMI of its variant, and its config's metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_sagemaker as sagemaker

from . import _validation as v
from .errors import ConfigurationError


class RoutingStrategy(StrEnum):
    """How SageMaker routes requests among the instances of a variant (``RoutingConfig.RoutingStrategy``)."""

    LEAST_OUTSTANDING_REQUESTS = "LEAST_OUTSTANDING_REQUESTS"
    RANDOM = "RANDOM"
    PREFIX_AWARE = "PREFIX_AWARE"


#: ``PrefixAwareRoutingConfig`` ranges (botocore ``PrefixAwareRoutingConfig.PrefixLength`` / ``ConcurrencyThreshold``).
PREFIX_LENGTH_RANGE = (1024, 65536)
CONCURRENCY_THRESHOLD_RANGE = (1, 1024)


@dataclass(frozen=True, kw_only=True)
class PrefixAwareRouting:
    """Settings of ``RoutingStrategy.PREFIX_AWARE`` (``RoutingConfig.PrefixAwareRoutingConfig``). SageMaker requires
    both when the strategy is ``PREFIX_AWARE`` and documents no default for either.
    """

    #: How much of each request decides where it goes, 1024-65536: bytes of the body for ``InvokeEndpoint``,
    #: characters of the messages' text for the OpenAI-compatible API. Cover the shared content (a system prompt)
    #: plus enough unique content to spread the load.
    prefix_length: int
    #: In-flight requests on the chosen copy (or instance, without components) at which the endpoint sends a request
    #: elsewhere, 1-1024. It applies to every copy of every component in the variant: size it for the copy that
    #: serves the fewest concurrent requests.
    concurrency_threshold: int


class InferenceAmiVersion(StrEnum):
    """The AMI, and so the GPU driver and CUDA version, of the hosting instances (``InferenceAmiVersion``)."""

    GPU_2 = "al2-ami-sagemaker-inference-gpu-2"  # NVIDIA 535, CUDA 12.2
    GPU_2_1 = "al2-ami-sagemaker-inference-gpu-2-1"  # NVIDIA 535, CUDA 12.2, CUDA compat mounting off
    GPU_3_1 = "al2-ami-sagemaker-inference-gpu-3-1"  # NVIDIA 550, CUDA 12.4, CUDA compat mounting off
    GPU_4_1 = "al2023-ami-sagemaker-inference-gpu-4-1"  # NVIDIA 580, CUDA 13.0 (LMI 0.36 images are cu130)
    NEURON_2 = "al2-ami-sagemaker-inference-neuron-2"  # Inferentia2 / Trainium


#: ``MetricsConfig.MetricPublishFrequencyInSeconds`` values (botocore sagemaker model prose; an enum in CloudFormation).
PUBLISH_FREQUENCIES_SECONDS = (10, 30, 60, 120, 180, 240, 300)


@dataclass(frozen=True, kw_only=True)
class MetricsConfig:
    """What the endpoint publishes to CloudWatch beyond the standard metrics (``EndpointConfig.MetricsConfig``).

    The library always renders all three settings: SageMaker's own default for detailed observability depends on
    when the config was created (True after 2026-06-17, False before), and CloudFormation replaces the endpoint
    config whenever ``MetricsConfig`` changes, which updates the endpoint (a blue/green deployment of its instances).
    SageMaker charges nothing to emit these metrics; CloudWatch bills OTel metric ingestion per GB.
    """

    #: SageMaker's detailed observability: per-GPU, per-instance host and container (vLLM/SGLang) metrics, component
    #: placement, and the operation metrics that time scale-outs (end-to-end scaling latency, model download, GPU
    #: load, container start, insufficient-capacity counts), queryable with PromQL once the account's OTel enrichment
    #: is on. Cost: CloudWatch OTel ingestion ($0.50/GB; more resource tags make each datapoint larger).
    #: Default: True (SageMaker's own default for new configs, set explicitly).
    detailed_observability: bool = True
    #: Enhanced metrics: the standard utilization and invocation metrics also per instance and per container.
    #: Cost: more metric series to read and chart. Default: False (SageMaker's default).
    enhanced_metrics: bool = False
    #: How often the utilization (and, with detailed observability, GPU, host, container and placement) metrics are
    #: published: 10, 30, 60, 120, 180, 240 or 300 seconds. 10 s gives six times the datapoints (and ingestion) of
    #: 60 s. Scale-out operation metrics are event-driven and do not follow it. Default: 60 seconds.
    publish_frequency: Duration = field(default_factory=lambda: Duration.seconds(60))

    def __post_init__(self) -> None:
        errors: list[str] = []
        for name in ("detailed_observability", "enhanced_metrics"):
            value = getattr(self, name)
            if not isinstance(value, bool) and not v.is_token(value):
                errors.append(f"{name} must be True or False, got {value!r}")
        seconds = _whole_seconds(self.publish_frequency)
        if seconds not in PUBLISH_FREQUENCIES_SECONDS:
            allowed = ", ".join(str(s) for s in PUBLISH_FREQUENCIES_SECONDS)
            errors.append(f"publish_frequency must be one of {allowed} seconds, got {self.publish_frequency!r}")
        if errors:
            raise ConfigurationError(None, "MetricsConfig", errors)

    def _render(self) -> dict[str, Any]:
        """The CloudFormation ``MetricsConfig`` property."""
        return {
            "EnableDetailedObservability": self.detailed_observability,
            "EnableEnhancedMetrics": self.enhanced_metrics,
            "MetricPublishFrequencyInSeconds": _whole_seconds(self.publish_frequency),
        }


def _whole_seconds(value: Any) -> int | None:
    """Whole seconds of a concrete ``Duration``; None for anything else (a token, a fraction of a second)."""
    if not isinstance(value, Duration) or value.is_unresolved():
        return None
    seconds = v.seconds_of(value)
    return int(seconds) if seconds == int(seconds) else None


def validate_prefix_aware_routing(errors: list[str], routing_strategy: Any, prefix_aware_routing: Any) -> None:
    """Both settings when the strategy is PREFIX_AWARE ("Required when RoutingStrategy is PREFIX_AWARE"), none
    otherwise ("Specify this parameter only when you set RoutingStrategy to PREFIX_AWARE")."""
    prefix_aware = routing_strategy == RoutingStrategy.PREFIX_AWARE
    if prefix_aware_routing is None:
        if prefix_aware:
            errors.append(
                "prefix_aware_routing is required with routing_strategy=PREFIX_AWARE (SageMaker requires PrefixLength "
                f"{PREFIX_LENGTH_RANGE[0]}-{PREFIX_LENGTH_RANGE[1]} and ConcurrencyThreshold "
                f"{CONCURRENCY_THRESHOLD_RANGE[0]}-{CONCURRENCY_THRESHOLD_RANGE[1]}), for example "
                "PrefixAwareRouting(prefix_length=4096, concurrency_threshold=8); got None"
            )
        return
    if not isinstance(prefix_aware_routing, PrefixAwareRouting):
        errors.append(
            "prefix_aware_routing must be a PrefixAwareRouting(prefix_length=..., concurrency_threshold=...), "
            f"got {prefix_aware_routing!r}"
        )
        return
    if not prefix_aware:
        errors.append(
            "prefix_aware_routing applies only with routing_strategy=PREFIX_AWARE, got routing_strategy="
            f"{getattr(routing_strategy, 'value', routing_strategy)}"
        )
    v.int_in_range(errors, "prefix_aware_routing.prefix_length", prefix_aware_routing.prefix_length, *PREFIX_LENGTH_RANGE)
    v.int_in_range(
        errors, "prefix_aware_routing.concurrency_threshold", prefix_aware_routing.concurrency_threshold,
        *CONCURRENCY_THRESHOLD_RANGE,
    )  # fmt: skip


def prefix_aware_config(
    routing: PrefixAwareRouting | None,
) -> sagemaker.CfnEndpointConfig.PrefixAwareRoutingConfigProperty | None:
    if routing is None:
        return None
    return sagemaker.CfnEndpointConfig.PrefixAwareRoutingConfigProperty(
        prefix_length=routing.prefix_length, concurrency_threshold=routing.concurrency_threshold
    )
