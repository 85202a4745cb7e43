"""What every endpoint offers, defined here or imported: grants, metrics and its components; and the import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aws_cdk import Duration, Resource
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import _validation as v
from . import metrics
from ._naming import imported_arn
from ._regions import check_region_availability
from .errors import ConfigurationError, path_of
from .images import ContainerImage, ModelData
from .inference_component import InferenceComponent
from .capacity import InstanceTypeCompute
from .deployment import AutoRollback, RollingUpdate
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceComponent, IModel
from .model_data import S3ModelData
from .placement import SchedulingConfig

DEFAULT_VARIANT_NAME = "AllTraffic"
_INVOKE_ACTIONS = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]


class _EndpointBase(Resource):
    """What every endpoint offers, whether defined here or imported: grants, metrics and its components."""

    #: The endpoint's name (for a defined endpoint, a reference that orders dependants after it).
    endpoint_name: str
    #: The endpoint's name as a plain string, known before deploy.
    physical_endpoint_name: str
    #: The endpoint's ARN.
    endpoint_arn: str
    #: The production variant that serves traffic.
    variant_name: str
    #: The execution role, when known: components grant it ECR and S3 access. None for imported endpoints.
    role: iam.IRole | None = None
    #: The instance type, when known; enables synth-time capacity checks.
    instance_type: AcceleratorInstanceType | None = None
    #: The most instances the endpoint may run, when known; enables synth-time capacity checks.
    max_instance_count: int | None = None
    #: True when the endpoint hosts inference components; False for a single-model endpoint.
    hosts_components: bool = True

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self._components: list[IInferenceComponent] = []
        self._invoke_statements: list[iam.PolicyStatement] = []
        self._listeners: list[Callable[[IInferenceComponent], None]] = []
        check_region_availability(self)

    @property
    def instance_types(self) -> list[AcceleratorInstanceType]:
        """Every instance type the endpoint may launch: ``[instance_type]`` (an endpoint with instance pools lists
        theirs); empty when unknown."""
        return [] if self.instance_type is None else [self.instance_type]

    @property
    def inference_components(self) -> list[IInferenceComponent]:
        """The components placed on this endpoint by this app, in the order they were added."""
        return list(self._components)

    def add_inference_component(
        self,
        id: str,
        *,
        image: ContainerImage | None = None,
        accelerator_count: int | None = None,
        memory_mib: int | None = None,
        model_data: ModelData | S3ModelData | None = None,
        environment: dict[str, str] | None = None,
        cpu_cores: float | None = None,
        copy_count: int | None = None,
        startup_health_check_timeout: Duration | None = None,
        model_download_timeout: Duration | None = None,
        component_name: str | None = None,
        model: IModel | None = None,
        compute_per_instance_type: Sequence[InstanceTypeCompute] | None = None,
        data_cache: bool | None = None,
        scheduling: SchedulingConfig | None = None,
        rolling_update: RollingUpdate | None = None,
        auto_rollback: AutoRollback | None = None,
        base_component: IInferenceComponent | None = None,
    ) -> InferenceComponent:
        """Place a model on this endpoint. See ``InferenceComponent`` for every argument."""
        if not self.hosts_components:
            raise ConfigurationError(
                path_of(self, id),
                "add_inference_component",
                [
                    f"endpoint {self.node.path} serves one model and hosts no inference components; use "
                    "InferenceEndpoint to place components"
                ],
            )
        return InferenceComponent(
            self,
            id,
            endpoint=self,
            image=image,
            accelerator_count=accelerator_count,
            memory_mib=memory_mib,
            model_data=model_data,
            environment=environment,
            cpu_cores=cpu_cores,
            copy_count=copy_count,
            startup_health_check_timeout=startup_health_check_timeout,
            model_download_timeout=model_download_timeout,
            component_name=component_name,
            model=model,
            compute_per_instance_type=compute_per_instance_type,
            data_cache=data_cache,
            scheduling=scheduling,
            rolling_update=rolling_update,
            auto_rollback=auto_rollback,
            base_component=base_component,
        )

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``InvokeEndpoint`` and ``InvokeEndpointWithResponseStream`` on this endpoint and its components.

        Components added after this call are covered too.
        """
        arns = [self.endpoint_arn, *(c.component_arn for c in self._components)]
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=_INVOKE_ACTIONS, resource_arns=arns)
        self._invoke_statements.extend(grant.principal_statements)
        return grant

    def on_component(self, callback: Callable[[IInferenceComponent], None]) -> None:
        """Call ``callback`` for every component on this endpoint: those added already, and each one added later."""
        self._listeners.append(callback)
        for component in self._components:
            callback(component)

    def bind_component(self, component: IInferenceComponent, model_data: ModelData | None) -> None:
        """Called by a component placed on this endpoint: grants the endpoint's role access to its image and
        artifacts (a defined endpoint), then registers it with grants and listeners."""
        self._grant_component_access(component, model_data)
        self._components.append(component)
        for statement in self._invoke_statements:
            statement.add_resources(component.component_arn)
        for listener in self._listeners:
            listener(component)

    def _grant_component_access(self, component: IInferenceComponent, model_data: ModelData | None) -> None:
        """An imported endpoint's own role must already have access; a defined endpoint grants its role."""

    # Variant metrics (AWS/SageMaker and /aws/sagemaker/Endpoints, dimensions EndpointName and VariantName) -------
    def metric(self, spec: metrics.MetricSpec, **options: Any) -> cw.Metric:
        """Any variant-level metric from ``constructs_pkg.metrics``; options override its defaults."""
        return spec.metric(
            metrics.variant_dimensions(self.endpoint_name, self.variant_name),
            endpoint_name=self.physical_endpoint_name,
            **options,
        )

    def metric_concurrent_requests_per_model(self, **options: Any) -> cw.Metric:
        """Single-model endpoints' scaling signal: concurrent requests per model. Default: maximum over 10 seconds."""
        return self.metric(metrics.CONCURRENT_REQUESTS_PER_MODEL, **options)

    def metric_invocations(self, **options: Any) -> cw.Metric:
        """Requests to the variant. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATIONS, **options)

    def metric_invocation_4xx_errors(self, **options: Any) -> cw.Metric:
        """Requests that failed with a 4xx answer. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATION_4XX_ERRORS, **options)

    def metric_invocation_5xx_errors(self, **options: Any) -> cw.Metric:
        """Requests that failed with a 5xx answer. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATION_5XX_ERRORS, **options)

    def metric_invocation_model_errors(self, **options: Any) -> cw.Metric:
        """Requests the model container failed. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATION_MODEL_ERRORS, **options)

    def metric_model_latency(self, **options: Any) -> cw.Metric:
        """Time the model took to answer, in microseconds. Default: p90 over 1 minute."""
        return self.metric(metrics.MODEL_LATENCY, **options)

    def metric_overhead_latency(self, **options: Any) -> cw.Metric:
        """SageMaker's own time per request, in microseconds. Default: average over 1 minute (no percentiles)."""
        return self.metric(metrics.OVERHEAD_LATENCY, **options)

    def metric_gpu_utilization(self, **options: Any) -> cw.Metric:
        """GPU utilization across the endpoint's instances, normalized to 0-100. Default: average over 1 minute."""
        return self.metric(metrics.ENDPOINT_GPU_UTILIZATION, **options)

    def metric_gpu_memory_utilization(self, **options: Any) -> cw.Metric:
        """GPU memory utilization, normalized to 0-100. Default: average over 1 minute."""
        return self.metric(metrics.ENDPOINT_GPU_MEMORY_UTILIZATION, **options)

    def metric_gpu_reservation(self, **options: Any) -> cw.Metric:
        """Share of the endpoint's accelerators reserved by component copies. Default: average over 1 minute."""
        return self.metric(metrics.ENDPOINT_GPU_RESERVATION, **options)

    def metric_cpu_utilization(self, **options: Any) -> cw.Metric:
        """CPU utilization, normalized to 0-100. Default: average over 1 minute."""
        return self.metric(metrics.ENDPOINT_CPU_UTILIZATION, **options)

    # Library metrics (ConstructsPkg/ScaleOut/<endpoint>, dimension EndpointName) ----------------------------------
    def _library_metric(self, spec: metrics.MetricSpec, **options: Any) -> cw.Metric:
        name = self.physical_endpoint_name
        return spec.metric(metrics.endpoint_dimensions(name), endpoint_name=name, **options)

    def metric_desired_instance_count(self, **options: Any) -> cw.Metric:
        """Instances the endpoint is asked to run (published by the recorder). Default: maximum over 1 minute."""
        return self._library_metric(metrics.DESIRED_INSTANCE_COUNT, **options)

    def metric_current_instance_count(self, **options: Any) -> cw.Metric:
        """Instances in service (published by the recorder). Default: maximum over 1 minute."""
        return self._library_metric(metrics.CURRENT_INSTANCE_COUNT, **options)

    def metric_scale_out_latency(self, **options: Any) -> cw.Metric:
        """Seconds each instance scale-out of a single-model endpoint took (recorder). Default: p90 over 5 minutes."""
        return self._library_metric(metrics.SCALE_OUT_LATENCY, **options)

    def metric_scale_out_detection_latency(self, **options: Any) -> cw.Metric:
        """Seconds from the first evaluated alarm datapoint to the scale-out's start (recorder). Default: p90, 5 min."""
        return self._library_metric(metrics.SCALE_OUT_DETECTION_LATENCY, **options)

    def metric_scale_out_failures(self, **options: Any) -> cw.Metric:
        """Instance scale-outs that ended Failed or Unfulfilled (recorder). Default: sum over 5 minutes."""
        return self._library_metric(metrics.SCALE_OUT_FAILURES, **options)

    def metric_cache_purge_verified(self, **options: Any) -> cw.Metric:
        """1 when the cache guard verified the purge at deletion, 0 when not. Default: minimum over 5 minutes."""
        return self._library_metric(metrics.CACHE_PURGE_VERIFIED, **options)

    def metric_recorder_heartbeat(self, **options: Any) -> cw.Metric:
        """Runs of the scale-out recorder (one a minute while it works). Default: sample count over 1 minute."""
        return self._library_metric(metrics.RECORDER_HEARTBEAT, **options)

    def metric_scale_out_stage_seconds(self, stage: str, **options: Any) -> cw.Metric:
        """Seconds one stage of each instance scale-out of a single-model endpoint took (recorder with
        ``record_stages``; ``stage`` is one of ``metrics.SCALE_OUT_STAGES``). Default: maximum over 5 minutes."""
        name = self.physical_endpoint_name
        dims = metrics.stage_dimensions(metrics.endpoint_dimensions(name), stage)
        return metrics.SCALE_OUT_STAGE_SECONDS.metric(dims, endpoint_name=name, **options)

    def metric_provisioning_pull_to_cold_ratio(self, **options: Any) -> cw.Metric:
        """An instance scale-out's provisioning-and-pull bound over the cold first deployment's (recorder with
        ``record_stages``). Default: maximum over 5 minutes."""
        return self._library_metric(metrics.PROVISIONING_PULL_TO_COLD_RATIO, **options)

    def metric_scale_out_capacity_failures(self, **options: Any) -> cw.Metric:
        """Failed instance scale-outs that name InsufficientInstanceCapacity (recorder). Default: sum over 5 minutes."""
        return self._library_metric(metrics.SCALE_OUT_CAPACITY_FAILURES, **options)


class _ImportedEndpoint(_EndpointBase):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint_name: str,
        variant_name: str,
        instance_type: AcceleratorInstanceType | None,
        max_instance_count: int | None,
    ) -> None:
        super().__init__(scope, id)
        self.endpoint_name = endpoint_name
        self.physical_endpoint_name = endpoint_name
        self.variant_name = variant_name
        self.instance_type = instance_type
        self.max_instance_count = max_instance_count
        self.endpoint_arn = imported_arn(self, "endpoint", endpoint_name)
        unchecked = {}
        if v.is_token(endpoint_name):
            unchecked["endpoint_name"] = (
                "SageMaker's name rule; IAM ARNs use it as given, and SageMaker lower-cases names in ARNs, so pass a "
                "lowercase name"
            )
        if instance_type is not None and v.is_token(instance_type.name):
            unchecked["instance_type"] = "accelerator family, whether components fit"
        if v.is_token(max_instance_count):
            unchecked["max_instance_count"] = "whether components and copies fit"
        v.warn_unchecked(self, unchecked)


