"""What every inference component offers, defined here or imported: scaling, grants, metrics and the scale-out plan."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Resource
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from . import _nag
from . import _validation as v
from . import metrics
from ._planning import plan_for
from ._scope import share_facts
from .errors import ConfigurationError
from .images import BoundImage
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceComponent, IInferenceEndpoint, IModel
from .planner import DetectionSettings, ScaleOutPlan
from .scaling import ScalableCopyCount


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
        share_facts(self, scope)
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
        self._follow_scaling_minimum(min_copies)
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

    def _follow_scaling_minimum(self, min_copies: int) -> None:
        """Called as scaling is added; a defined component starts at the minimum (an imported one has started)."""

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow invoking this component (``InvokeEndpoint*`` on the endpoint and this component's ARN)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            resource_arns=[self.endpoint.endpoint_arn, self.component_arn],
        )

    def metric(self, spec: metrics.MetricSpec, **options: Any) -> cw.Metric:
        """Any component metric from ``constructs_pkg.metrics``; options override its defaults."""
        return spec.metric(
            metrics.component_dimensions(self.component_name), endpoint_name=self.endpoint.physical_endpoint_name, **options
        )

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
        dims = metrics.stage_dimensions(metrics.component_dimensions(self.component_name), stage)
        return metrics.SCALE_OUT_STAGE_SECONDS.metric(dims, endpoint_name=self.endpoint.physical_endpoint_name, **options)

    def metric_provisioning_pull_to_cold_ratio(self, **options: Any) -> cw.Metric:
        """A scale-out's provisioning-and-pull bound over the cold first deployment's; near 1, the image cache most
        likely did not serve it (recorder with ``record_stages``). Default: maximum over 5 minutes."""
        return self.metric(metrics.PROVISIONING_PULL_TO_COLD_RATIO, **options)

    def metric_scale_out_capacity_failures(self, **options: Any) -> cw.Metric:
        """Failed scale-outs whose status names InsufficientInstanceCapacity (recorder). Default: sum over 5 minutes."""
        return self.metric(metrics.SCALE_OUT_CAPACITY_FAILURES, **options)
