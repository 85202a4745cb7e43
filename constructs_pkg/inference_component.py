"""An inference component: one model, with the accelerators and memory each copy reserves, on an endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Annotations, Duration, Resource
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from . import _nag
from . import _validation as v
from . import metrics
from ._capacity import copies_per_instance
from ._naming import default_name, imported_arn
from ._planning import plan_for
from .capacity import InstanceTypeCompute
from .deployment import AutoRollback, RollingUpdate, render_deployment_config
from .errors import ConfigurationError
from .images import BoundImage, ContainerImage, ModelData
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceComponent, IInferenceEndpoint, IModel
from .model import Model
from .model_data import S3ModelData
from .placement import SchedulingConfig
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
    #: Its image (a model's image for a model-based component); None for an imported component, an imported model
    #: or an adapter.
    image: BoundImage | None = None
    #: The model it runs by name, if any.
    model: IModel | None = None
    #: The component this one is an adapter of, if any.
    base_component: IInferenceComponent | None = None

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.scalable_copy_count: ScalableCopyCount | None = None
        #: The prediction ``plan_scale_out`` made last; the dashboard draws it next to what was observed.
        self.scale_out_plan: ScaleOutPlan | None = None
        self._invocation_errors_alarm: cw.Alarm | None = None

    def size_on(self, instance_type: AcceleratorInstanceType) -> tuple[int, int] | None:
        """Accelerators and host memory (MiB) one copy reserves on ``instance_type``; None when unknown or for an
        adapter (it uses its base's compute)."""
        if self.base_component is not None or self.accelerator_count is None or self.memory_mib is None:
            return None
        return self.accelerator_count, self.memory_mib

    def alarm_invocation_errors(self, *, threshold: int = 1) -> cw.Alarm:
        """An alarm on this component's 5XX errors: a minute's sum of ``Invocation5XXErrors`` at or above
        ``threshold``, missing data not breaching. Made once; ``AutoRollback.on_invocation_errors()`` uses it to roll
        back a deployment. It has no action: route it with ``add_alarm_action``."""
        if self._invocation_errors_alarm is None:
            errors: list[str] = []
            v.int_in_range(errors, "threshold", threshold, 1)
            v.raise_if_any(errors, "alarm_invocation_errors", self)
            alarm = self.metric_invocation_5xx_errors().create_alarm(
                self,
                "InvocationErrorsAlarm",
                alarm_description=f"Inference component {self.component_name} answered {threshold} or more 5XX "
                "errors in a minute",
                threshold=threshold,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            _nag.acknowledge_rule(
                alarm,
                "CloudWatchAlarmAction",
                "SageMaker watches this alarm during a rolling update of the component and rolls back when it "
                "fires; who else is told is the user's choice (add_alarm_action).",
            )
            self._invocation_errors_alarm = alarm
        return self._invocation_errors_alarm

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
        if self.base_component is not None:
            raise ConfigurationError(
                self.node.path,
                "scale_on_concurrent_requests",
                ["an adapter has no copies of its own: it runs on its base component's copies (assumed: the API "
                 "documents no copy count or scaling for adapters); scale the base component"],
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

    A component runs one of: its own container (``image``, optionally one ``.tar.gz`` in ``model_data``); a
    ``Model`` (``model``, or ``model_data=S3ModelData...`` which makes one from ``image``); or, as an adapter, the
    artifacts in ``model_data`` on top of ``base_component``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint: IInferenceEndpoint,
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
    ) -> None:
        """
        :param endpoint: The endpoint that hosts the component (an ``InferenceEndpoint`` or an imported one).
        :param image: The container image, in Amazon ECR. Required unless ``model`` or ``base_component`` is given.
        :param accelerator_count: Accelerators (GPUs, or NeuronCores) reserved per copy (>= 1). Required unless
            ``compute_per_instance_type`` or ``base_component`` is given.
        :param memory_mib: Host memory reserved per copy, in MiB (>= 128). Required like ``accelerator_count``.
        :param model_data: ``ModelData``: one ``.tar.gz`` (the container's ``ArtifactUrl``; for an adapter, its
            artifacts). ``S3ModelData``: an uncompressed prefix or a gated model; the component then defines a
            ``Model`` from ``image``, ``model_data`` and ``environment`` (the endpoint's role reads the data) and runs
            it by name. Default: none (the container fetches its model, e.g. ``HF_MODEL_ID``).
        :param environment: Container environment. On the component's own container: at most 16 entries, keys
            `^[a-zA-Z_][a-zA-Z0-9_]{1,1024}$` (two characters at least, as CloudFormation requires), each key and
            value at most 1024 characters. On a ``Model`` (with ``S3ModelData``): up to 100 entries and 32 KB.
            Default: none.
        :param cpu_cores: CPU cores reserved per copy (>= 0.25). Default: SageMaker decides.
        :param copy_count: Copies at creation (>= 0). Autoscaling takes over from there. Default: 1 (an adapter has
            no copies of its own).
        :param startup_health_check_timeout: How long a copy may take to pass its health check, 60-3600 s.
            Default: SageMaker's default.
        :param model_download_timeout: How long a copy may take to download its model, 60-3600 s.
            Default: SageMaker's default.
        :param component_name: Physical name. Default: a lowercase name derived from the stack name and path.
        :param model: Run this model (``Model``, or ``Model.from_model_name``) by name instead of a container of the
            component's own (``Specification.ModelName``). Default: none.
        :param compute_per_instance_type: On an endpoint with instance pools, what a copy reserves on each pool's
            instance type (2-5 entries, one per pool type), rendered as ``Specifications``. Default: the same
            ``accelerator_count``/``memory_mib`` on every type, which must fit each.
        :param data_cache: Cache the image and model artifacts on each instance the component runs on
            (``DataCacheConfig.EnableCaching``), so copies added there start faster. Default: not sent, and
            SageMaker decides (AWS documents no default in the API).
        :param scheduling: How copies are placed across instances and Availability Zones (``SchedulingConfig``).
            Default: SageMaker's placement.
        :param rolling_update: How an update of the component (new image, model, environment) replaces copies
            (``DeploymentConfig.RollingUpdatePolicy``). Default: SageMaker's own update.
        :param auto_rollback: Alarms that roll an update back (``AutoRollbackConfiguration``); requires
            ``rolling_update``. ``AutoRollback.on_invocation_errors()`` adds an alarm on this component's 5XX errors.
            Default: no rollback on alarms.
        :param base_component: Make this an adapter (for example LoRA) of that component on the same endpoint
            (``BaseInferenceComponentName``): it uses the base's compute and copies, so it takes only ``model_data``
            (one ``.tar.gz``). Default: not an adapter.
        """
        name = default_name(scope, id, component_name)
        adapter = base_component is not None
        if copy_count is None:
            copy_count = 0 if adapter else 1
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
        _validate_levers(
            scope, id, endpoint=endpoint, image=image, accelerator_count=accelerator_count, memory_mib=memory_mib,
            cpu_cores=cpu_cores, model_data=model_data, environment=environment, copy_count=copy_count, model=model,
            compute_per_instance_type=compute_per_instance_type, data_cache=data_cache, scheduling=scheduling,
            rolling_update=rolling_update, auto_rollback=auto_rollback, base_component=base_component,
            startup_health_check_timeout=startup_health_check_timeout, model_download_timeout=model_download_timeout,
        )  # fmt: skip
        super().__init__(scope, id, physical_name=name)
        self.endpoint = endpoint
        self.component_name = name
        self.base_component = base_component
        self._per_type = {c.instance_type.name: c for c in compute_per_instance_type or ()}
        self.copy_count = None if adapter else copy_count
        if compute_per_instance_type:
            first = compute_per_instance_type[0]
            self.accelerator_count, self.memory_mib = first.accelerator_count, first.memory_mib
        else:
            self.accelerator_count, self.memory_mib = accelerator_count, memory_mib
        if isinstance(model_data, S3ModelData):
            assert image is not None  # validated
            model = Model(self, "Model", image=image, model_data=model_data, environment=environment, role=endpoint.role)
        self.model: IModel | None = model
        self.image: BoundImage | None
        if model is not None:
            self.image = model.image
        else:
            self.image = image.bind(self) if image is not None else None

        resource = sagemaker.CfnInferenceComponent(
            self,
            "Resource",
            endpoint_name=endpoint.endpoint_name,
            inference_component_name=name,
            variant_name=endpoint.variant_name,
            runtime_config=None if adapter else sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(
                copy_count=copy_count
            ),
        )
        # Plain CloudFormation dicts go in as overrides: typed props silently drop PascalCase keys.
        shared = self._shared_specification(
            model_data=model_data if isinstance(model_data, ModelData) else None,
            environment=None if model is not None else environment,
            startup_health_check_timeout=startup_health_check_timeout,
            model_download_timeout=model_download_timeout,
            data_cache=data_cache,
            scheduling=scheduling,
        )
        if compute_per_instance_type:
            resource.add_property_override("Specifications", [
                {"InstanceType": c.instance_type.name, **shared,
                 "ComputeResourceRequirements": _compute(c.accelerator_count, c.memory_mib, c.cpu_cores)}
                for c in compute_per_instance_type
            ])  # fmt: skip
        elif adapter:
            assert base_component is not None
            resource.add_property_override(
                "Specification", {"BaseInferenceComponentName": base_component.component_name, **shared}
            )
            if base_component.component_resource is not None:
                resource.node.add_dependency(base_component.component_resource)  # the base must exist first
        else:
            assert accelerator_count is not None and memory_mib is not None  # validated
            resource.add_property_override(
                "Specification", {**shared, "ComputeResourceRequirements": _compute(accelerator_count, memory_mib, cpu_cores)}
            )
        self.rollback_alarms: list[cw.IAlarm] = []
        deployment = self._deployment_config(rolling_update, auto_rollback)
        if deployment is not None:
            resource.add_property_override("DeploymentConfig", deployment)
        # EndpointName is a GetAtt on the endpoint, which itself waits for the role's policy (and so its grants).
        self.component_resource = resource
        self.component_arn: str = resource.ref  # Ref returns the inference-component ARN
        endpoint.bind_component(self, model_data if isinstance(model_data, ModelData) else None)
        v.warn_unchecked(self, _unchecked_component_props(
            self.image, model_data if isinstance(model_data, ModelData) else None, accelerator_count, memory_mib,
            copy_count,
        ))  # fmt: skip

    def _shared_specification(
        self,
        *,
        model_data: ModelData | None,
        environment: dict[str, str] | None,
        startup_health_check_timeout: Duration | None,
        model_download_timeout: Duration | None,
        data_cache: bool | None,
        scheduling: SchedulingConfig | None,
    ) -> dict[str, Any]:
        """The ``Specification`` members every instance type shares: what runs, how it starts, caching, placement."""
        spec: dict[str, Any] = {}
        if self.model is not None:
            spec["ModelName"] = self.model.model_name
        else:
            container: dict[str, Any] = {}
            if self.image is not None:
                container["Image"] = self.image.image_uri
            if model_data is not None:
                container["ArtifactUrl"] = model_data.uri
            if environment:
                container["Environment"] = dict(environment)
            spec["Container"] = container
        startup: dict[str, Any] = {}
        if startup_health_check_timeout is not None:
            startup["ContainerStartupHealthCheckTimeoutInSeconds"] = v.seconds(startup_health_check_timeout)
        if model_download_timeout is not None:
            startup["ModelDataDownloadTimeoutInSeconds"] = v.seconds(model_download_timeout)
        if startup:
            spec["StartupParameters"] = startup
        if data_cache is not None:
            spec["DataCacheConfig"] = {"EnableCaching": data_cache}
        if scheduling is not None:
            spec["SchedulingConfig"] = scheduling._render()
        return spec

    def _deployment_config(
        self, rolling_update: RollingUpdate | None, auto_rollback: AutoRollback | None
    ) -> dict[str, Any] | None:
        if auto_rollback is not None and auto_rollback.invocation_errors_threshold is not None:
            self.rollback_alarms.append(self.alarm_invocation_errors(threshold=auto_rollback.invocation_errors_threshold))
        if auto_rollback is not None:
            self.rollback_alarms += list(auto_rollback.alarms)
        try:
            config = render_deployment_config(rolling_update, auto_rollback, self.rollback_alarms)
        except ConfigurationError as error:
            raise ConfigurationError(self.node.path, "InferenceComponent", error.problems) from None
        if rolling_update is not None:
            warning = rolling_update.batch_size_warning(self.copy_count)
            if warning is not None:
                Annotations.of(self).add_warning_v2("constructs-pkg:rolling-batch-size", warning)
        return config

    def size_on(self, instance_type: AcceleratorInstanceType) -> tuple[int, int] | None:
        """What one copy reserves on ``instance_type``: its own entry of ``compute_per_instance_type``, else the
        component's size; None for an adapter (it uses its base's compute)."""
        per_type = self._per_type.get(instance_type.name)
        if per_type is not None:
            return per_type.accelerator_count, per_type.memory_mib
        return super().size_on(instance_type)

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
    image: BoundImage | None,
    model_data: ModelData | None,
    accelerator_count: int | None,
    memory_mib: int | None,
    copy_count: int | None,
) -> dict[str, str]:
    unchecked = {}
    if image is not None and image.from_token_uri:
        unchecked["image"] = "ECR URI form, pinned by digest, CUDA version, cache eligibility"
    if model_data is not None and model_data.from_token_uri:
        unchecked["model_data"] = "S3 URI form"
    for prop, value in (("accelerator_count", accelerator_count), ("memory_mib", memory_mib), ("copy_count", copy_count)):
        if v.is_token(value):
            unchecked[prop] = "range and whether copies fit on the endpoint"
    return unchecked


def _compute(accelerator_count: int, memory_mib: int, cpu_cores: float | None) -> dict[str, Any]:
    compute: dict[str, Any] = {
        "NumberOfAcceleratorDevicesRequired": accelerator_count,
        "MinMemoryRequiredInMb": memory_mib,
    }
    if cpu_cores is not None:
        compute["NumberOfCpuCoresRequired"] = cpu_cores
    return compute


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
    container_errors: list[str] = []
    on_model = isinstance(model_data, S3ModelData)  # the Model checks its own environment (100 entries, 32 KB)
    v.container(
        container_errors,
        image=image if image is not None else ContainerImage(),
        model_data=None if on_model else model_data,
        environment=None if on_model else environment,
        startup_health_check_timeout=startup_health_check_timeout,
        model_download_timeout=model_download_timeout,
    )
    if model_data is not None and not isinstance(model_data, (ModelData, S3ModelData)):
        container_errors = [e for e in container_errors if not e.startswith("model_data must be")]
        errors.append(
            "model_data must be ModelData (one .tar.gz: from_s3_uri, from_bucket) or S3ModelData (from_s3_prefix, "
            f"from_bucket_prefix, from_s3_object, from_bucket_object), got {model_data!r}"
        )
    errors += container_errors
    v.sagemaker_name(errors, "component_name", component_name)
    v.raise_if_any(errors, "InferenceComponent", scope, id)


def _validate_levers(
    scope: Construct,
    id: str,
    *,
    endpoint: IInferenceEndpoint,
    image: Any,
    accelerator_count: Any,
    memory_mib: Any,
    cpu_cores: Any,
    model_data: Any,
    environment: Any,
    copy_count: Any,
    model: Any,
    compute_per_instance_type: Any,
    data_cache: Any,
    scheduling: Any,
    rolling_update: Any,
    auto_rollback: Any,
    base_component: Any,
    startup_health_check_timeout: Any,
    model_download_timeout: Any,
) -> None:
    """What runs (container, model or adapter), the per-instance-type compute, the new levers, and the fit."""
    errors: list[str] = []
    if data_cache is not None and not isinstance(data_cache, bool):
        errors.append(f"data_cache must be True, False or None, got {data_cache!r}")
    if scheduling is not None and not isinstance(scheduling, SchedulingConfig):
        errors.append(f"scheduling must be a SchedulingConfig, got {scheduling!r}")
    if rolling_update is not None and not isinstance(rolling_update, RollingUpdate):
        errors.append(f"rolling_update must be a RollingUpdate, got {rolling_update!r}")
    if auto_rollback is not None and not isinstance(auto_rollback, AutoRollback):
        errors.append(f"auto_rollback must be an AutoRollback, got {auto_rollback!r}")
    if auto_rollback is not None and rolling_update is None:
        errors.append("auto_rollback requires rolling_update: the API's DeploymentConfig requires RollingUpdatePolicy")
    if base_component is not None:
        _check_adapter(errors, endpoint, locals())
    else:
        _check_source(errors, image=image, model=model, model_data=model_data, environment=environment)
        per_type = _check_per_instance_type(errors, endpoint, compute_per_instance_type)
        if per_type is None:
            for prop, value in (("accelerator_count", accelerator_count), ("memory_mib", memory_mib)):
                if value is None:
                    errors.append(f"{prop} is required (or compute_per_instance_type on an endpoint with instance pools)")
        else:
            for prop, value in (("accelerator_count", accelerator_count), ("memory_mib", memory_mib),
                                ("cpu_cores", cpu_cores)):  # fmt: skip
                if value is not None:
                    errors.append(f"{prop} must be left out with compute_per_instance_type (each entry sets its own)")
        if not errors:
            sizes = (
                {c.instance_type.name: (c.accelerator_count, c.memory_mib) for c in per_type}
                if per_type is not None
                else {t.name: (accelerator_count, memory_mib) for t in endpoint.instance_types}
            )
            _check_fits_instance(errors, endpoint, sizes, copy_count)
    v.raise_if_any(errors, "InferenceComponent", scope, id)


def _check_source(errors: list[str], *, image: Any, model: Any, model_data: Any, environment: Any) -> None:
    """Exactly one thing to run: the component's own container (``image``), or a model (``model``, or one made from
    ``image`` and ``S3ModelData``)."""
    if model is not None:
        if not (hasattr(model, "model_name") and hasattr(model, "model_arn")):
            errors.append(f"model must be a Model or Model.from_model_name(...), got {model!r}")
        # assumed: a Model carries image, environment and data, and the API names no way to combine both
        for prop, value in (("image", image), ("model_data", model_data), ("environment", environment)):
            if value is not None:
                errors.append(
                    f"{prop} must be left out with model: the model carries its own image, data and environment "
                    "(the component sends only ModelName)"
                )
    elif image is None:
        errors.append("image is required (or model, or base_component for an adapter), got None")


def _check_adapter(errors: list[str], endpoint: IInferenceEndpoint, given: dict[str, Any]) -> None:
    """An adapter (``BaseInferenceComponentName``): "The adapter inference component uses the compute resources that
    you assigned to the base inference component. When you create an adapter inference component, use the
    Container parameter to specify the location of the adapter artifacts. In the parameter value, use the
    ArtifactUrl parameter" (botocore)."""
    base = given["base_component"]
    if not (hasattr(base, "component_name") and hasattr(base, "endpoint")):
        errors.append(f"base_component must be an inference component, got {base!r}")
        return
    if base.endpoint is not endpoint and base.endpoint.physical_endpoint_name != endpoint.physical_endpoint_name:
        errors.append(f"base_component must be on the same endpoint, got one on {base.endpoint.node.path}")
    if getattr(base, "base_component", None) is not None:
        errors.append("base_component must hold a foundation model, got an adapter (an adapter of an adapter)")
    if not isinstance(given["model_data"], ModelData):
        errors.append(
            "model_data is required for an adapter and must be ModelData (one .tar.gz, the adapter's ArtifactUrl), "
            f"got {given['model_data']!r}"
        )
    documented = "\"Omit this parameter if your request is meant to create an adapter inference component.\""
    for prop in ("accelerator_count", "memory_mib", "cpu_cores", "compute_per_instance_type"):
        if given[prop] is not None:
            errors.append(f"{prop} must be left out for an adapter (it uses its base's compute): {documented}")
    # assumed: the API documents only ArtifactUrl for an adapter's container, and no copies, placement, caching or
    # deployment settings of its own; they belong to the base component
    for prop in ("image", "model", "environment", "data_cache", "scheduling", "rolling_update", "auto_rollback",
                 "startup_health_check_timeout", "model_download_timeout"):  # fmt: skip
        if given[prop] is not None:
            errors.append(f"{prop} must be left out for an adapter: it runs in its base component's container")
    if given["copy_count"] != 0:
        errors.append(f"copy_count must be left out for an adapter (it has its base's copies), got {given['copy_count']}")


def _check_per_instance_type(
    errors: list[str], endpoint: IInferenceEndpoint, given: Any
) -> list[InstanceTypeCompute] | None:
    """``Specifications``: CloudFormation takes 2-5 (the API 1-5), each with its ``InstanceType`` ("Required when
    using the Specifications parameter with multiple entries."), one per instance type of the endpoint."""
    if given is None:
        return None
    entries: list[InstanceTypeCompute] = list(given)
    if not 2 <= len(entries) <= 5:
        errors.append(
            f"compute_per_instance_type must hold 2-5 entries (CloudFormation's Specifications takes 2-5; for one "
            f"instance type use accelerator_count and memory_mib), got {len(entries)}"
        )
    if not all(isinstance(e, InstanceTypeCompute) for e in entries):
        errors.append(f"compute_per_instance_type entries must be InstanceTypeCompute, got {entries!r}")
        return None
    names = [e.instance_type.name for e in entries]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        errors.append(f"compute_per_instance_type must name each instance type once, got {', '.join(repeated)} twice")
    known = [t.name for t in endpoint.instance_types]
    if known and not any(v.is_token(n) for n in known + names) and set(names) != set(known):
        errors.append(
            f"compute_per_instance_type must cover exactly the endpoint's instance types ({', '.join(known)}), got "
            f"{', '.join(names)} (assumed: SageMaker needs a specification for each type it may place copies on)"
        )
    return entries


def _check_fits_instance(
    errors: list[str], endpoint: IInferenceEndpoint, sizes: dict[str, tuple[Any, Any]], copy_count: int
) -> None:
    """One copy must fit one instance of every type the endpoint may launch, and ``copy_count`` copies must fit
    ``max_instance_count`` instances of each (SageMaker may fall back to any pool entirely)."""
    for instance in endpoint.instance_types:
        spec = instance.spec
        accelerator_count, memory_mib = sizes.get(instance.name, (None, None))
        if spec is None or accelerator_count is None or v.is_token(accelerator_count) or v.is_token(memory_mib):
            continue
        prefix = "" if len(sizes) < 2 else "compute_per_instance_type: "
        fits_one = accelerator_count <= spec.accelerators and memory_mib <= spec.memory_mib
        v.check(
            errors,
            accelerator_count <= spec.accelerators,
            f"{prefix}accelerator_count ({accelerator_count}) must be <= the {spec.accelerators} accelerator(s) of "
            f"one {instance}",
        )
        v.check(
            errors,
            memory_mib <= spec.memory_mib,
            f"{prefix}memory_mib ({memory_mib}) must be <= the {spec.memory_mib} MiB of one {instance}",
        )
        per_instance = copies_per_instance(endpoint, accelerator_count, memory_mib, instance_type=instance)
        maximum = endpoint.max_instance_count
        if fits_one and per_instance is not None and maximum is not None and not v.is_token(maximum):
            if not v.is_token(copy_count):
                v.check(
                    errors,
                    copy_count <= per_instance * maximum,
                    f"copy_count ({copy_count}) must be <= {per_instance * maximum}, the copies that fit on "
                    f"max_instance_count {maximum} x {instance}",
                )
