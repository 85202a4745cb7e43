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

from .errors import ConfigurationError
from .runtime import names

SAGEMAKER = "AWS/SageMaker"
ENDPOINT_INSTANCES = "/aws/sagemaker/Endpoints"
COMPONENT_INSTANCES = "/aws/sagemaker/InferenceComponents"
#: The library's own metrics (copy counts, measured scale-out latency) live in one namespace per endpoint:
#: ``library_namespace(endpoint_name)``, this prefix plus the endpoint's name. A ``MetricSpec`` of the library has
#: no namespace of its own (``None``) and takes the endpoint's name when it builds a metric.
LIBRARY_PREFIX = names.NAMESPACE_PREFIX


def library_namespace(endpoint_name: str) -> str:
    """The namespace endpoint ``endpoint_name``'s recorder and cache guard publish to (and may publish to)."""
    return names.endpoint_namespace(endpoint_name)


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

    #: None: the library's, one per endpoint (``library_namespace``).
    namespace: str | None
    name: str
    statistic: str
    period: Duration | None = None  # None: CloudWatch's 5-minute default
    #: The page listing the metric (SageMaker's); None for the library's own metrics (``runtime/names.py``).
    source: str | None = None

    @property
    def is_library(self) -> bool:
        """Published by the library's functions, in the endpoint's own namespace."""
        return self.namespace is None

    def metric(self, dimensions: dict[str, str], *, endpoint_name: str | None = None, **options: Any) -> cw.Metric:
        """A metric with this spec's defaults; any ``cw.MetricProps`` option overrides them.

        :param endpoint_name: The endpoint whose namespace a library metric lives in; required for those, ignored
            for SageMaker's.
        """
        namespace = self.namespace
        if namespace is None:
            if endpoint_name is None:
                raise TypeError(f"{self.name} is a library metric: give endpoint_name, whose namespace holds it")
            namespace = library_namespace(endpoint_name)
        defaults: dict[str, Any] = {"statistic": self.statistic}
        if self.period is not None:
            defaults["period"] = self.period
        return cw.Metric(
            namespace=namespace, metric_name=self.name, dimensions_map=dimensions, **{**defaults, **options}
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


# Published by the library's recorder (per component) and cache guard (per endpoint), in the endpoint's namespace.
DESIRED_COPY_COUNT = MetricSpec(None, names.DESIRED_COPY_COUNT, "Maximum", Duration.minutes(1))
CURRENT_COPY_COUNT = MetricSpec(None, names.CURRENT_COPY_COUNT, "Maximum", Duration.minutes(1))
SCALE_OUT_LATENCY = MetricSpec(None, names.SCALE_OUT_LATENCY, "p90", Duration.minutes(5))
SCALE_OUT_DETECTION_LATENCY = MetricSpec(None, names.SCALE_OUT_DETECTION_LATENCY, "p90", Duration.minutes(5))
SCALE_OUT_FAILURES = MetricSpec(None, names.SCALE_OUT_FAILURES, "Sum", Duration.minutes(5))
DESIRED_INSTANCE_COUNT = MetricSpec(None, names.DESIRED_INSTANCE_COUNT, "Maximum", Duration.minutes(1))
CURRENT_INSTANCE_COUNT = MetricSpec(None, names.CURRENT_INSTANCE_COUNT, "Maximum", Duration.minutes(1))
CACHE_PURGE_VERIFIED = MetricSpec(None, names.CACHE_PURGE_VERIFIED, "Minimum", Duration.minutes(5))
RECORDER_HEARTBEAT = MetricSpec(None, names.RECORDER_HEARTBEAT, "SampleCount", Duration.minutes(1))


def endpoint_dimensions(endpoint_name: str) -> dict[str, str]:
    """The library's endpoint dimension (instance counts, purge verification)."""
    return {ENDPOINT_DIMENSION: endpoint_name}


def component_dimensions(component_name: str) -> dict[str, str]:
    return {COMPONENT_DIMENSION: component_name}


def variant_dimensions(endpoint_name: str, variant_name: str) -> dict[str, str]:
    return {ENDPOINT_DIMENSION: endpoint_name, VARIANT_DIMENSION: variant_name}


# Scale-out stage timeline (recorder with ``record_stages``), per component or scaled variant: one datum per
# scale-out, timestamped at its end, so a 5-minute maximum shows each scale-out as one point.
SCALE_OUT_STAGE_SECONDS = MetricSpec(None, names.SCALE_OUT_STAGE_SECONDS, "Maximum", Duration.minutes(5))
PROVISIONING_PULL_TO_COLD_RATIO = MetricSpec(None, names.PROVISIONING_PULL_TO_COLD_RATIO, "Maximum", Duration.minutes(5))
SCALE_OUT_CAPACITY_FAILURES = MetricSpec(None, names.SCALE_OUT_CAPACITY_FAILURES, "Sum", Duration.minutes(5))
#: The recorder's stages in time order, each with how it is known (``names.MEASURED`` or ``names.BOUNDED``).
SCALE_OUT_STAGES: tuple[tuple[str, str], ...] = (
    (names.STAGE_ALARM_EVALUATION, names.MEASURED),
    (names.STAGE_ALARM_TO_ACTIVITY, names.MEASURED),
    (names.STAGE_PROVISIONING_AND_PULL, names.BOUNDED),
    (names.STAGE_LOAD_AND_HEALTH_CHECK, names.BOUNDED),
)
#: At or above this ProvisioningPullToColdRatio a scale-out pulled about as long as the cold first deployment:
#: the image most likely did not come from the endpoint's cache (an inference; no API reports a cache hit).
CACHE_REGRESSION_RATIO = 0.8


def stage_dimensions(dimensions: dict[str, str], stage: str) -> dict[str, str]:
    """A component's (or endpoint's) library dimensions plus the ``Stage`` of ScaleOutStageSeconds."""
    return {**dimensions, names.STAGE_DIMENSION: stage}


@dataclass(frozen=True, kw_only=True)
class SageMakerQueries:
    """PromQL for SageMaker's own scale-out metrics (detailed observability), spelled here once.

    Unconfirmed names: the CloudWatch metric list says ``E2EScalingLatency``/``ICECount``/``ModelDownloadTime``,
    SageMaker's inference-monitoring page gives the source names ``e2e_duration``/``ice_count``/
    ``model_download_time`` used below, and no AWS page shows which one PromQL accepts. Override any query once you
    have run it in the CloudWatch PromQL console. ``${endpoint}`` and ``${component}`` are replaced by the names.
    """

    #: Seconds per scale action, trigger to completion; ``direction="ScaleOut"`` keeps scale-outs.
    scale_out_latency: str = (
        'max by ("aws.sagemaker.operation.type") ({"e2e_duration","aws.sagemaker.endpoint.name"="${endpoint}",'
        '"aws.sagemaker.scaling.direction"="ScaleOut"})'
    )
    #: Insufficient-capacity errors per Availability Zone and instance type.
    capacity_failures: str = (
        'sum by ("@resource.cloud.availability_zone","@resource.host.type") '
        '({"ice_count","aws.sagemaker.endpoint.name"="${endpoint}"})'
    )
    #: The capacity alarm's condition: any insufficient-capacity error in the evaluation window.
    capacity_failures_alarm: str = 'sum({"ice_count","aws.sagemaker.endpoint.name"="${endpoint}"}) > 0'
    #: Per component: S3 -> instance, weights -> GPU, container start -> health check (seconds).
    model_download: str = '{"model_download_time","aws.sagemaker.inference_component.name"="${component}"}'
    gpu_load: str = '{"gpu_load_time","aws.sagemaker.inference_component.name"="${component}"}'
    container_start: str = '{"container_start_time","aws.sagemaker.inference_component.name"="${component}"}'

    def __post_init__(self) -> None:
        for name in _QUERY_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str) or not 1 <= len(value) <= _MAX_QUERY:
                raise ConfigurationError(
                    None, "SageMakerQueries", [f"{name} must be a PromQL string of 1-{_MAX_QUERY} characters, got {value!r}"]
                )

    @staticmethod
    def render(query: str, *, endpoint: str = "", component: str = "") -> str:
        """``query`` with ``${endpoint}`` and ``${component}`` replaced."""
        return query.replace("${endpoint}", endpoint).replace("${component}", component)


_QUERY_FIELDS = ("scale_out_latency", "capacity_failures", "capacity_failures_alarm", "model_download", "gpu_load",
                 "container_start")  # fmt: skip
_MAX_QUERY = 10_000  # PutMetricAlarm AlarmPromQLCriteria.Query (botocore cloudwatch model)
