"""The only place where namespaces, metric names, dimensions and default statistics are spelled.

Each SageMaker metric cites the page that lists it (``MetricSpec.source``), where its namespace, the endpoint kinds
that emit it and its valid statistics are stated: ``CWM`` ("Amazon SageMaker AI metrics in Amazon CloudWatch") for all
but ``NoCapacityInvocationFailures``, which the scale-to-zero page introduces (``ZERO``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from .runtime import names

SAGEMAKER = "AWS/SageMaker"
ENDPOINT_INSTANCES = "/aws/sagemaker/Endpoints"
COMPONENT_INSTANCES = "/aws/sagemaker/InferenceComponents"
#: The library's own namespace, for what SageMaker does not publish (copy counts, measured scale-out latency).
LIBRARY = names.NAMESPACE

COMPONENT_DIMENSION = names.COMPONENT_DIMENSION
ENDPOINT_DIMENSION = names.ENDPOINT_DIMENSION
VARIANT_DIMENSION = "VariantName"

HIGH_RESOLUTION = Duration.seconds(10)
MINUTE = Duration.minutes(1)

CWM = "https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html"
ZERO = "https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html"


@dataclass(frozen=True)
class MetricSpec:
    """One CloudWatch metric: where it lives and how it is read by default."""

    namespace: str
    name: str
    statistic: str
    period: Duration | None = None  # None: CloudWatch's 5-minute default
    #: The page listing the metric (SageMaker's); None for the library's own metrics (``runtime/names.py``).
    source: str | None = None

    def metric(self, dimensions: dict[str, str], **options: Any) -> cw.Metric:
        """A metric with this spec's defaults; any ``cw.MetricProps`` option overrides them."""
        defaults: dict[str, Any] = {"statistic": self.statistic}
        if self.period is not None:
            defaults["period"] = self.period
        return cw.Metric(
            namespace=self.namespace, metric_name=self.name, dimensions_map=dimensions, **{**defaults, **options}
        )


# Per inference component (dimension InferenceComponentName).
CONCURRENT_REQUESTS_PER_COPY = MetricSpec(SAGEMAKER, "ConcurrentRequestsPerCopy", "Maximum", HIGH_RESOLUTION, CWM)
INVOCATIONS = MetricSpec(SAGEMAKER, "Invocations", "Sum", MINUTE, CWM)
INVOCATIONS_PER_COPY = MetricSpec(SAGEMAKER, "InvocationsPerCopy", "Sum", MINUTE, CWM)
INVOCATION_4XX_ERRORS = MetricSpec(SAGEMAKER, "Invocation4XXErrors", "Sum", MINUTE, CWM)
INVOCATION_5XX_ERRORS = MetricSpec(SAGEMAKER, "Invocation5XXErrors", "Sum", MINUTE, CWM)
INVOCATION_MODEL_ERRORS = MetricSpec(SAGEMAKER, "InvocationModelErrors", "Sum", MINUTE, CWM)
MODEL_LATENCY = MetricSpec(SAGEMAKER, "ModelLatency", "p90", MINUTE, CWM)
#: "Valid statistics: Average, Sum, Min, Max, Sample Count": no percentiles [CWM].
OVERHEAD_LATENCY = MetricSpec(SAGEMAKER, "OverheadLatency", "Average", MINUTE, CWM)
NO_CAPACITY_INVOCATION_FAILURES = MetricSpec(SAGEMAKER, "NoCapacityInvocationFailures", "Sum", MINUTE, ZERO)
COMPONENT_GPU_UTILIZATION = MetricSpec(COMPONENT_INSTANCES, "GPUUtilizationNormalized", "Average", MINUTE, CWM)
COMPONENT_GPU_MEMORY_UTILIZATION = MetricSpec(
    COMPONENT_INSTANCES, "GPUMemoryUtilizationNormalized", "Average", MINUTE, CWM
)
COMPONENT_CPU_UTILIZATION = MetricSpec(COMPONENT_INSTANCES, "CPUUtilizationNormalized", "Average", MINUTE, CWM)
COMPONENT_MEMORY_UTILIZATION = MetricSpec(COMPONENT_INSTANCES, "MemoryUtilizationNormalized", "Average", MINUTE, CWM)

# Per endpoint variant (dimensions EndpointName, VariantName). The *Normalized metrics and GPUReservation are "provided
# only for endpoints that host active inference components" [CWM].
CONCURRENT_REQUESTS_PER_MODEL = MetricSpec(SAGEMAKER, "ConcurrentRequestsPerModel", "Maximum", HIGH_RESOLUTION, CWM)
ENDPOINT_GPU_UTILIZATION = MetricSpec(ENDPOINT_INSTANCES, "GPUUtilizationNormalized", "Average", MINUTE, CWM)
ENDPOINT_GPU_MEMORY_UTILIZATION = MetricSpec(
    ENDPOINT_INSTANCES, "GPUMemoryUtilizationNormalized", "Average", MINUTE, CWM
)
ENDPOINT_GPU_RESERVATION = MetricSpec(ENDPOINT_INSTANCES, "GPUReservation", "Average", MINUTE, CWM)
ENDPOINT_CPU_UTILIZATION = MetricSpec(ENDPOINT_INSTANCES, "CPUUtilizationNormalized", "Average", MINUTE, CWM)
#: What a single-model endpoint publishes instead: 0-100 per device, times the instance's devices [CWM].
VARIANT_GPU_UTILIZATION = MetricSpec(ENDPOINT_INSTANCES, "GPUUtilization", "Average", MINUTE, CWM)
VARIANT_GPU_MEMORY_UTILIZATION = MetricSpec(ENDPOINT_INSTANCES, "GPUMemoryUtilization", "Average", MINUTE, CWM)
VARIANT_CPU_UTILIZATION = MetricSpec(ENDPOINT_INSTANCES, "CPUUtilization", "Average", MINUTE, CWM)


# Published by the library's recorder (per component) and cache guard (per endpoint).
DESIRED_COPY_COUNT = MetricSpec(LIBRARY, names.DESIRED_COPY_COUNT, "Maximum", Duration.minutes(1))
CURRENT_COPY_COUNT = MetricSpec(LIBRARY, names.CURRENT_COPY_COUNT, "Maximum", Duration.minutes(1))
SCALE_OUT_LATENCY = MetricSpec(LIBRARY, names.SCALE_OUT_LATENCY, "p90", Duration.minutes(5))
SCALE_OUT_DETECTION_LATENCY = MetricSpec(LIBRARY, names.SCALE_OUT_DETECTION_LATENCY, "p90", Duration.minutes(5))
SCALE_OUT_FAILURES = MetricSpec(LIBRARY, names.SCALE_OUT_FAILURES, "Sum", Duration.minutes(5))
DESIRED_INSTANCE_COUNT = MetricSpec(LIBRARY, names.DESIRED_INSTANCE_COUNT, "Maximum", Duration.minutes(1))
CURRENT_INSTANCE_COUNT = MetricSpec(LIBRARY, names.CURRENT_INSTANCE_COUNT, "Maximum", Duration.minutes(1))
CACHE_PURGE_VERIFIED = MetricSpec(LIBRARY, names.CACHE_PURGE_VERIFIED, "Minimum", Duration.minutes(5))


def endpoint_dimensions(endpoint_name: str) -> dict[str, str]:
    """The library namespace's endpoint dimension (instance counts, purge verification)."""
    return {ENDPOINT_DIMENSION: endpoint_name}


def component_dimensions(component_name: str) -> dict[str, str]:
    return {COMPONENT_DIMENSION: component_name}


def variant_dimensions(endpoint_name: str, variant_name: str) -> dict[str, str]:
    return {ENDPOINT_DIMENSION: endpoint_name, VARIANT_DIMENSION: variant_name}
