"""An inference component: one model, with the accelerators and memory each copy reserves, on an endpoint."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Resource
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from . import _validation as v
from . import metrics
from ._capacity import copy_capacity
from ._naming import default_name, imported_arn
from ._planning import plan_for
from .errors import ConfigurationError
from .images import BoundImage, ContainerImage, ModelData
from .interfaces import IInferenceComponent, IInferenceEndpoint
from .planner import DetectionSettings, ScaleOutPlan
from .scaling import ScalableCopyCount

_MIN_MEMORY_MIB = 128
_MIN_CPU_CORES = 0.25


class _ComponentBase(Resource):
    """What every inference component offers, defined here or imported: scaling, grants and metrics."""

    #: The endpoint that hosts it.
    endpoint: IInferenceEndpoint
    #: Its name: not a CloudFormation attribute, so scaling, alarms and IAM use this string.
    component_name: str
    component_arn: str
    #: The CloudFormation resource; None for an imported component.
    component_resource: sagemaker.CfnInferenceComponent | None = None
    #: Accelerators, memory and initial copies; None when unknown (imported), which skips capacity checks.
    accelerator_count: int | None = None
    memory_mib: int | None = None
    copy_count: int | None = None
    #: Its image; None for an imported component.
    image: BoundImage | None = None

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.scalable_copy_count: ScalableCopyCount | None = None
        #: The prediction ``plan_scale_out`` made last; the dashboard draws it next to what was observed.
        self.scale_out_plan: ScaleOutPlan | None = None

    def plan_scale_out(
        self,
        *,
        image_bytes: int | None = None,
        model_bytes: int | None = None,
        cache: bool = True,
        detection: DetectionSettings | None = None,
    ) -> ScaleOutPlan:
        """Predict, at synth time, how long a scale-out of this component onto a new instance takes, stage by stage
        (``constructs_pkg.planner``), report it as an info annotation, and let the dashboard draw it.

        :param image_bytes: Compressed size of the container image. Default: the planner's 17.7 GB LMI image.
        :param model_bytes: Size of the model artifacts. Default: the planner's 16.4 GB (Qwen3-8B).
        :param cache: Whether the container image cache serves the image. Default: True.
        :param detection: The scale-out alarm's settings. Default: 3 datapoints of 10 s (this library's scaling).
        :raises ConfigurationError: the endpoint's instance type is unknown or has no known bandwidth, or an input
            is out of range.
        """
        self.scale_out_plan = plan_for(
            self, instance_type=self.endpoint.instance_type, accelerators=self.accelerator_count,
            image_bytes=image_bytes, model_bytes=model_bytes, cache=cache, detection=detection,
            what=f"inference component {self.node.id}",
        )  # fmt: skip
        return self.scale_out_plan

    @property
    def guaranteed_copies(self) -> int:
        """Copies this component keeps at all times: its initial count, or its scaling minimum once scaled."""
        if self.scalable_copy_count is not None:
            return self.scalable_copy_count.min_copies
        return 0 if self.copy_count is None else self.copy_count

    def scale_on_concurrent_requests(
        self,
        *,
        max_copies: int,
        target_per_copy: float,
        min_copies: int = 1,
        scale_out_cooldown: Duration | None = None,
        scale_in_cooldown: Duration | None = None,
    ) -> ScalableCopyCount:
        """Track ``target_per_copy`` concurrent requests per copy on 10-second metrics; ``min_copies=0`` scales to zero.

        See ``ScalableCopyCount`` for the resources this creates.
        """
        if self.scalable_copy_count is not None:
            raise ConfigurationError(
                self.node.path,
                "scale_on_concurrent_requests",
                ["it was already called on this component; a component has one scalable target"],
            )
        self.scalable_copy_count = ScalableCopyCount(
            self,
            "CopyCountScaling",
            component=self,
            max_copies=max_copies,
            target_per_copy=target_per_copy,
            min_copies=min_copies,
            scale_out_cooldown=scale_out_cooldown,
            scale_in_cooldown=scale_in_cooldown,
        )
        return self.scalable_copy_count

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow invoking this component (``InvokeEndpoint*`` on the endpoint and this component's ARN)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            resource_arns=[self.endpoint.endpoint_arn, self.component_arn],
        )

    def metric(self, spec: metrics.MetricSpec, **options: Any) -> cw.Metric:
        """Any component metric from ``constructs_pkg.metrics``; options override its defaults."""
        return spec.metric(metrics.component_dimensions(self.component_name), **options)

    def metric_concurrent_requests_per_copy(self, **options: Any) -> cw.Metric:
        """The scaling signal: concurrent requests per copy, queued ones included. Default: maximum over 10 seconds."""
        return self.metric(metrics.CONCURRENT_REQUESTS_PER_COPY, **options)

    def metric_invocations(self, **options: Any) -> cw.Metric:
        """Requests sent to the component. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATIONS, **options)

    def metric_no_capacity_invocation_failures(self, **options: Any) -> cw.Metric:
        """Requests refused because the component had no copies (the wake-from-zero signal). Default: sum over 1 minute."""
        return self.metric(metrics.NO_CAPACITY_INVOCATION_FAILURES, **options)

    def metric_model_latency(self, **options: Any) -> cw.Metric:
        """Time the model took to answer, in microseconds. Default: p90 over 1 minute."""
        return self.metric(metrics.MODEL_LATENCY, **options)

    def metric_invocations_per_copy(self, **options: Any) -> cw.Metric:
        """Requests per copy. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATIONS_PER_COPY, **options)

    def metric_invocation_4xx_errors(self, **options: Any) -> cw.Metric:
        """Requests that failed with a 4xx answer. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATION_4XX_ERRORS, **options)

    def metric_invocation_5xx_errors(self, **options: Any) -> cw.Metric:
        """Requests that failed with a 5xx answer. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATION_5XX_ERRORS, **options)

    def metric_invocation_model_errors(self, **options: Any) -> cw.Metric:
        """Requests the model container failed. Default: sum over 1 minute."""
        return self.metric(metrics.INVOCATION_MODEL_ERRORS, **options)

    def metric_overhead_latency(self, **options: Any) -> cw.Metric:
        """SageMaker's own time per request, in microseconds. Default: average over 1 minute (no percentiles)."""
        return self.metric(metrics.OVERHEAD_LATENCY, **options)

    def metric_gpu_utilization(self, **options: Any) -> cw.Metric:
        """GPU utilization of the component's copies, normalized to 0-100. Default: average over 1 minute."""
        return self.metric(metrics.COMPONENT_GPU_UTILIZATION, **options)

    def metric_gpu_memory_utilization(self, **options: Any) -> cw.Metric:
        """GPU memory utilization of the component's copies, normalized to 0-100. Default: average over 1 minute."""
        return self.metric(metrics.COMPONENT_GPU_MEMORY_UTILIZATION, **options)

    def metric_cpu_utilization(self, **options: Any) -> cw.Metric:
        """CPU utilization of the component's copies, normalized to 0-100. Default: average over 1 minute."""
        return self.metric(metrics.COMPONENT_CPU_UTILIZATION, **options)

    def metric_memory_utilization(self, **options: Any) -> cw.Metric:
        """Memory utilization of the component's copies, normalized to 0-100. Default: average over 1 minute."""
        return self.metric(metrics.COMPONENT_MEMORY_UTILIZATION, **options)

    def metric_desired_copy_count(self, **options: Any) -> cw.Metric:
        """Copies Application Auto Scaling asked for (published by the recorder). Default: maximum over 1 minute."""
        return self.metric(metrics.DESIRED_COPY_COUNT, **options)

    def metric_current_copy_count(self, **options: Any) -> cw.Metric:
        """Copies in service (published by the recorder). Default: maximum over 1 minute."""
        return self.metric(metrics.CURRENT_COPY_COUNT, **options)

    def metric_scale_out_latency(self, **options: Any) -> cw.Metric:
        """Seconds each scale-out activity took, start to end (published by the recorder). Default: p90 over 5 minutes."""
        return self.metric(metrics.SCALE_OUT_LATENCY, **options)

    def metric_scale_out_detection_latency(self, **options: Any) -> cw.Metric:
        """Seconds from the first datapoint the scaling alarm evaluated to the scale-out's start. Default: p90, 5 minutes."""
        return self.metric(metrics.SCALE_OUT_DETECTION_LATENCY, **options)

    def metric_scale_out_failures(self, **options: Any) -> cw.Metric:
        """Scale-out activities that ended Failed or Unfulfilled. Default: sum over 5 minutes."""
        return self.metric(metrics.SCALE_OUT_FAILURES, **options)

    def metric_scale_out_stage_seconds(self, stage: str, **options: Any) -> cw.Metric:
        """Seconds one stage of each scale-out took (recorder with ``record_stages``; ``stage`` is one of
        ``metrics.SCALE_OUT_STAGES``). Default: maximum over 5 minutes."""
        return metrics.SCALE_OUT_STAGE_SECONDS.metric(
            metrics.stage_dimensions(metrics.component_dimensions(self.component_name), stage), **options
        )

    def metric_provisioning_pull_to_cold_ratio(self, **options: Any) -> cw.Metric:
        """A scale-out's provisioning-and-pull bound over the cold first deployment's; near 1, the image cache most
        likely did not serve it (recorder with ``record_stages``). Default: maximum over 5 minutes."""
        return self.metric(metrics.PROVISIONING_PULL_TO_COLD_RATIO, **options)

    def metric_scale_out_capacity_failures(self, **options: Any) -> cw.Metric:
        """Failed scale-outs whose status names InsufficientInstanceCapacity (recorder). Default: sum over 5 minutes."""
        return self.metric(metrics.SCALE_OUT_CAPACITY_FAILURES, **options)


class InferenceComponent(_ComponentBase):
    """An ``AWS::SageMaker::InferenceComponent`` on an endpoint, with an explicit, deterministic lowercase name.

    The name is not a CloudFormation attribute, so the library fixes it: scaling, alarms and IAM all use it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint: IInferenceEndpoint,
        image: ContainerImage,
        accelerator_count: int,
        memory_mib: int,
        model_data: ModelData | None = None,
        environment: dict[str, str] | None = None,
        cpu_cores: float | None = None,
        copy_count: int = 1,
        startup_health_check_timeout: Duration | None = None,
        model_download_timeout: Duration | None = None,
        component_name: str | None = None,
    ) -> None:
        """
        :param endpoint: The endpoint that hosts the component (an ``InferenceEndpoint`` or an imported one).
        :param image: The container image, in Amazon ECR.
        :param accelerator_count: Accelerators (GPUs, or NeuronCores) reserved per copy (>= 1).
        :param memory_mib: Host memory reserved per copy, in MiB (>= 128).
        :param model_data: Model artifacts in S3. Default: none (the container fetches its model, e.g. ``HF_MODEL_ID``).
        :param environment: Container environment: at most 16 entries, keys `^[a-zA-Z_][a-zA-Z0-9_]{1,1024}$` (two
            characters at least, as CloudFormation requires), each key and value at most 1024 characters. Default: none.
        :param cpu_cores: CPU cores reserved per copy (>= 0.25). Default: SageMaker decides.
        :param copy_count: Copies at creation (>= 0). Autoscaling takes over from there. Default: 1.
        :param startup_health_check_timeout: How long a copy may take to pass its health check, 60-3600 s.
            Default: SageMaker's default.
        :param model_download_timeout: How long a copy may take to download its model, 60-3600 s.
            Default: SageMaker's default.
        :param component_name: Physical name. Default: a lowercase name derived from the stack name and path.
        """
        name = default_name(scope, id, component_name)
        _validate_component_props(
            scope,
            id,
            endpoint=endpoint,
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
        )
        super().__init__(scope, id, physical_name=name)
        self.endpoint = endpoint
        self.accelerator_count = accelerator_count
        self.memory_mib = memory_mib
        self.copy_count = copy_count
        self.component_name = name
        self.image: BoundImage = image.bind(self)

        startup = None
        if startup_health_check_timeout is not None or model_download_timeout is not None:
            startup = sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
                container_startup_health_check_timeout_in_seconds=v.seconds(startup_health_check_timeout),
                model_data_download_timeout_in_seconds=v.seconds(model_download_timeout),
            )
        resource = sagemaker.CfnInferenceComponent(
            self,
            "Resource",
            endpoint_name=endpoint.endpoint_name,
            inference_component_name=name,
            variant_name=endpoint.variant_name,
            runtime_config=sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(copy_count=copy_count),
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                container=sagemaker.CfnInferenceComponent.InferenceComponentContainerSpecificationProperty(
                    image=self.image.image_uri,
                    artifact_url=model_data.uri if model_data is not None else None,
                    environment=dict(environment) if environment else None,
                ),
                compute_resource_requirements=sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                    number_of_accelerator_devices_required=accelerator_count,
                    min_memory_required_in_mb=memory_mib,
                    number_of_cpu_cores_required=cpu_cores,
                ),
                startup_parameters=startup,
            ),
        )
        # EndpointName is a GetAtt on the endpoint, which itself waits for the role's policy (and so its grants).
        self.component_resource = resource
        self.component_arn: str = resource.ref  # Ref returns the inference-component ARN
        endpoint.bind_component(self, model_data)
        v.warn_unchecked(self, _unchecked_component_props(self.image, model_data, accelerator_count, memory_mib, copy_count))

    @classmethod
    def from_component_name(
        cls,
        scope: Construct,
        id: str,
        component_name: str,
        *,
        endpoint: IInferenceEndpoint,
        accelerator_count: int | None = None,
        memory_mib: int | None = None,
        copy_count: int | None = None,
    ) -> IInferenceComponent:
        """A component deployed elsewhere, on ``endpoint`` (usually ``InferenceEndpoint.from_endpoint_name``).

        It supports ``scale_on_concurrent_requests``, ``grant_invoke``, metrics, the recorder and the dashboard.

        :param accelerator_count: Accelerators per copy, to check scaling against capacity. Default: unchecked.
        :param memory_mib: Memory per copy, for the same check. Default: unchecked.
        :param copy_count: Its current copy count, to check it lies in the scaling range. Default: unchecked.
        """
        errors: list[str] = []
        v.sagemaker_name(errors, "component_name", component_name)
        v.int_in_range(errors, "accelerator_count", accelerator_count, 1)
        v.int_in_range(errors, "memory_mib", memory_mib, _MIN_MEMORY_MIB)
        v.int_in_range(errors, "copy_count", copy_count, 0)
        v.raise_if_any(errors, "imported InferenceComponent", scope, id)
        return _ImportedComponent(
            scope, id, endpoint=endpoint, component_name=component_name, accelerator_count=accelerator_count,
            memory_mib=memory_mib, copy_count=copy_count,
        )  # fmt: skip


class _ImportedComponent(_ComponentBase):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint: IInferenceEndpoint,
        component_name: str,
        accelerator_count: int | None,
        memory_mib: int | None,
        copy_count: int | None,
    ) -> None:
        super().__init__(scope, id)
        self.endpoint = endpoint
        self.component_name = component_name
        self.accelerator_count = accelerator_count
        self.memory_mib = memory_mib
        self.copy_count = copy_count
        self.component_arn = imported_arn(self, "inference-component", component_name)
        endpoint.bind_component(self, None)


def _unchecked_component_props(
    image: BoundImage, model_data: ModelData | None, accelerator_count: int, memory_mib: int, copy_count: int
) -> dict[str, str]:
    unchecked = {}
    if image.from_token_uri:
        unchecked["image"] = "ECR URI form, pinned by digest, CUDA version, cache eligibility"
    if model_data is not None and model_data.from_token_uri:
        unchecked["model_data"] = "S3 URI form"
    for prop, value in (("accelerator_count", accelerator_count), ("memory_mib", memory_mib), ("copy_count", copy_count)):
        if v.is_token(value):
            unchecked[prop] = "range and whether copies fit on the endpoint"
    return unchecked


def _validate_component_props(
    scope: Construct,
    id: str,
    *,
    endpoint: IInferenceEndpoint,
    image: Any,
    accelerator_count: Any,
    memory_mib: Any,
    model_data: Any,
    environment: dict[str, str] | None,
    cpu_cores: Any,
    copy_count: Any,
    startup_health_check_timeout: Any,
    model_download_timeout: Any,
    component_name: str | None,
) -> None:
    errors: list[str] = []
    v.int_in_range(errors, "accelerator_count", accelerator_count, 1)
    v.int_in_range(errors, "memory_mib", memory_mib, _MIN_MEMORY_MIB)
    v.int_in_range(errors, "copy_count", copy_count, 0)
    if cpu_cores is not None and not v.is_token(cpu_cores):
        if isinstance(cpu_cores, bool) or not isinstance(cpu_cores, (int, float)) or cpu_cores < _MIN_CPU_CORES:
            errors.append(f"cpu_cores must be a number >= {_MIN_CPU_CORES}, got {cpu_cores!r}")
    v.container(
        errors,
        image=image,
        model_data=model_data,
        environment=environment,
        startup_health_check_timeout=startup_health_check_timeout,
        model_download_timeout=model_download_timeout,
    )
    v.sagemaker_name(errors, "component_name", component_name)
    if not errors:
        _check_fits_instance(errors, endpoint, accelerator_count, memory_mib, copy_count)
    v.raise_if_any(errors, "InferenceComponent", scope, id)


def _check_fits_instance(
    errors: list[str], endpoint: IInferenceEndpoint, accelerator_count: int, memory_mib: int, copy_count: int
) -> None:
    spec = endpoint.instance_type.spec if endpoint.instance_type is not None else None
    if spec is None or v.is_token(accelerator_count) or v.is_token(memory_mib):
        return
    instance = endpoint.instance_type
    v.check(
        errors,
        accelerator_count <= spec.accelerators,
        f"accelerator_count ({accelerator_count}) must be <= the {spec.accelerators} accelerator(s) of one {instance}",
    )
    v.check(
        errors,
        memory_mib <= spec.memory_mib,
        f"memory_mib ({memory_mib}) must be <= the {spec.memory_mib} MiB of one {instance}",
    )
    capacity = copy_capacity(endpoint, accelerator_count, memory_mib)
    if not errors and capacity is not None and not v.is_token(copy_count):
        v.check(
            errors,
            copy_count <= capacity,
            f"copy_count ({copy_count}) must be <= {capacity}, the copies that fit on max_instance_count "
            f"{endpoint.max_instance_count} x {instance}",
        )
