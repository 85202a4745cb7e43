"""Target tracking on SageMaker's 10-second concurrency metrics: copies of a component, or instances of a variant."""

from __future__ import annotations

from typing import cast

from aws_cdk import CfnResource, Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import _validation as v
from . import metrics
from ._capacity import component_capacity
from ._scope import stack_facts
from .runtime import names
from .interfaces import IInferenceComponent

COPY_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
INSTANCE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
SERVICE_NAMESPACE = appscaling.ServiceNamespace.SAGEMAKER
#: Application Auto Scaling's service-linked role for SageMaker; it exists once per account.
SERVICE_LINKED_ROLE = (
    "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)
DEFAULT_SCALE_OUT_COOLDOWN = Duration.seconds(60)
DEFAULT_SCALE_IN_COOLDOWN = Duration.seconds(300)
DEFAULT_WAKE_COOLDOWN = Duration.seconds(60)
_COOLDOWN_RANGE_S = (0, 3600)
_SERVICE_LINKED_ROLE_ARN = "service-linked-role-arn"


def target_tracking_alarm_pattern(resource_id: str) -> str:
    """Names Application Auto Scaling gives the scale-out alarms of a target (a UUID suffix follows)."""
    return f"TargetTracking-{resource_id}-AlarmHigh-*"


def component_resource_id(component_name: str) -> str:
    return f"inference-component/{component_name}"


def variant_resource_id(endpoint_name: str, variant_name: str) -> str:
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


def wake_alarm_name(component_name: str) -> str:
    """The deterministic name of a component's wake-from-zero alarm."""
    return f"{component_name}{names.WAKE_ALARM_SUFFIX}"


def _service_linked_role_arn(scope: Construct) -> str:
    """The service-linked role's ARN in ``scope``'s stack, formatted once per stack (jsii calls cost synth time)."""
    imports = stack_facts(scope).imports
    arn = imports.get(_SERVICE_LINKED_ROLE_ARN)
    if arn is None:
        arn = imports[_SERVICE_LINKED_ROLE_ARN] = stack_facts(scope).stack.format_arn(
            service="iam", region="", resource="role", resource_name=SERVICE_LINKED_ROLE
        )
    return arn  # type: ignore[return-value]


class _TrackedTarget(Construct):
    """A scalable target (service-linked role, explicit dependency) with high-resolution target tracking."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resource_id: str,
        dimension: str,
        min_capacity: int,
        max_capacity: int,
        depends_on: CfnResource | None,
        metric: appscaling.PredefinedMetric,
        target_value: float,
        scale_out_cooldown: Duration | None,
        scale_in_cooldown: Duration | None,
    ) -> None:
        super().__init__(scope, id)
        role = iam.Role.from_role_arn(
            self,
            "ServiceLinkedRole",
            _service_linked_role_arn(scope),  # the component's stack facts are already read
            mutable=False,
        )
        self.scalable_target = appscaling.ScalableTarget(
            self,
            "Target",
            service_namespace=SERVICE_NAMESPACE,
            resource_id=resource_id,
            scalable_dimension=dimension,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            role=role,
        )
        if depends_on is not None:
            # The resource id is a plain string, so CloudFormation would not otherwise wait for the resource.
            self.scalable_target.node.add_dependency(depends_on)
        self.target_tracking = self.scalable_target.scale_to_track_metric(
            "ConcurrentRequests",
            target_value=target_value,
            predefined_metric=metric,
            scale_out_cooldown=DEFAULT_SCALE_OUT_COOLDOWN if scale_out_cooldown is None else scale_out_cooldown,
            scale_in_cooldown=DEFAULT_SCALE_IN_COOLDOWN if scale_in_cooldown is None else scale_in_cooldown,
        )


class ScalableCopyCount(_TrackedTarget):
    """The copy count of one inference component as an Application Auto Scaling target.

    Creates:
    - ``AWS::ApplicationAutoScaling::ScalableTarget`` on ``inference-component/<name>`` /
      ``sagemaker:inference-component:DesiredCopyCount``, using the SageMaker service-linked role and depending on
      the component;
    - a target-tracking ``ScalingPolicy`` on ``SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution``;
    - when ``min_copies`` is 0: a step ``ScalingPolicy`` (+1 copy) and a CloudWatch alarm on the component's
      ``NoCapacityInvocationFailures`` (Sum over 1 minute >= 1), so the first refused request wakes it from zero.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        component: IInferenceComponent,
        max_copies: int,
        target_per_copy: float,
        min_copies: int = 1,
        scale_out_cooldown: Duration | None = None,
        scale_in_cooldown: Duration | None = None,
    ) -> None:
        """
        :param component: The component to scale.
        :param max_copies: Most copies (>= 1, and they must fit on the endpoint's instance maximum).
        :param target_per_copy: Concurrent requests per copy to hold (> 0). Queued requests count.
        :param min_copies: Fewest copies (>= 0). 0 enables scale to zero plus wake-up on the first refused request.
            Default: 1.
        :param scale_out_cooldown: Wait after a scale-out before the next, 0-3600 s. Default: 60 seconds.
        :param scale_in_cooldown: Wait after a scale-in before the next, 0-3600 s. Default: 300 seconds.
        """
        _validate_copy_scaling(
            scope, id, component, max_copies, target_per_copy, min_copies, scale_out_cooldown, scale_in_cooldown
        )
        super().__init__(
            scope,
            id,
            resource_id=component_resource_id(component.component_name),
            dimension=COPY_DIMENSION,
            min_capacity=min_copies,
            max_capacity=max_copies,
            depends_on=component.component_resource,
            metric=appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
            target_value=target_per_copy,
            scale_out_cooldown=scale_out_cooldown,
            scale_in_cooldown=scale_in_cooldown,
        )
        self.min_copies = min_copies
        self.max_copies = max_copies
        self.target_per_copy = target_per_copy
        _warn_unchecked_counts(self, min_copies=min_copies, max_copies=max_copies, target_per_copy=target_per_copy)
        self.wake_from_zero: appscaling.StepScalingPolicy | None = None
        if min_copies == 0:
            self.wake_from_zero = self.scalable_target.scale_on_metric(
                "WakeFromZero",
                metric=component.metric(metrics.NO_CAPACITY_INVOCATION_FAILURES),
                # Application Auto Scaling needs two intervals; only the second acts: +1 copy at >= 1 failure.
                scaling_steps=[
                    appscaling.ScalingInterval(upper=0, change=0),
                    appscaling.ScalingInterval(lower=1, change=1),
                ],
                adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
                metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
                cooldown=DEFAULT_WAKE_COOLDOWN,
                evaluation_periods=1,
                datapoints_to_alarm=1,
            )
            # A known name lets the recorder read this alarm's history with a grant on exactly this alarm.
            alarm = self.wake_from_zero.upper_alarm
            assert alarm is not None  # a step policy with an upper interval has an upper alarm
            cast(cw.CfnAlarm, alarm.node.default_child).alarm_name = wake_alarm_name(component.component_name)


class ScalableInstanceCount(_TrackedTarget):
    """The instance count of a single-model endpoint's variant as an Application Auto Scaling target.

    Creates an ``AWS::ApplicationAutoScaling::ScalableTarget`` on ``endpoint/<name>/variant/<variant>`` /
    ``sagemaker:variant:DesiredInstanceCount`` (service-linked role, depending on the endpoint) and a target-tracking
    ``ScalingPolicy`` on ``SageMakerVariantConcurrentRequestsPerModelHighResolution``. Such endpoints cannot scale
    to zero instances (only inference-component endpoints can), so the minimum is at least 1.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint_name: str,
        variant_name: str,
        endpoint_resource: CfnResource,
        initial_instance_count: int,
        max_instances: int,
        target_per_model: float,
        min_instances: int = 1,
        scale_out_cooldown: Duration | None = None,
        scale_in_cooldown: Duration | None = None,
    ) -> None:
        errors: list[str] = []
        v.int_in_range(errors, "max_instances", max_instances, 1)
        v.int_in_range(errors, "min_instances", min_instances, 1)
        _validate_tracking(errors, "target_per_model", target_per_model, scale_out_cooldown, scale_in_cooldown)
        v.check_count_range(
            errors, ("min_instances", min_instances), ("the endpoint's initial_instance_count", initial_instance_count),
            ("max_instances", max_instances),
        )  # fmt: skip
        v.raise_if_any(errors, "scale_on_concurrent_requests", scope, id)
        super().__init__(
            scope,
            id,
            resource_id=variant_resource_id(endpoint_name, variant_name),
            dimension=INSTANCE_DIMENSION,
            min_capacity=min_instances,
            max_capacity=max_instances,
            depends_on=endpoint_resource,
            metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION,
            target_value=target_per_model,
            scale_out_cooldown=scale_out_cooldown,
            scale_in_cooldown=scale_in_cooldown,
        )
        self.min_instances = min_instances
        self.max_instances = max_instances
        self.target_per_model = target_per_model
        _warn_unchecked_counts(
            self, min_instances=min_instances, max_instances=max_instances, target_per_model=target_per_model
        )


def _warn_unchecked_counts(scope: Construct, **counts: float) -> None:
    v.warn_unchecked(scope, {prop: "range and order" for prop, value in counts.items() if v.is_token(value)})


def _validate_tracking(
    errors: list[str], target_name: str, target: float, scale_out_cooldown: Duration | None, scale_in_cooldown: Duration | None
) -> None:
    if not v.is_token(target) and (isinstance(target, bool) or not isinstance(target, (int, float)) or target <= 0):
        errors.append(f"{target_name} must be a number > 0, got {target!r}")
    v.duration_in_range(errors, "scale_out_cooldown", scale_out_cooldown, *_COOLDOWN_RANGE_S)
    v.duration_in_range(errors, "scale_in_cooldown", scale_in_cooldown, *_COOLDOWN_RANGE_S)


def _validate_copy_scaling(
    scope: Construct,
    id: str,
    component: IInferenceComponent,
    max_copies: int,
    target_per_copy: float,
    min_copies: int,
    scale_out_cooldown: Duration | None,
    scale_in_cooldown: Duration | None,
) -> None:
    errors: list[str] = []
    v.int_in_range(errors, "max_copies", max_copies, 1)
    v.int_in_range(errors, "min_copies", min_copies, 0)
    _validate_tracking(errors, "target_per_copy", target_per_copy, scale_out_cooldown, scale_in_cooldown)
    if component.copy_count is None:
        v.check_count_range(errors, ("min_copies", min_copies), ("min_copies", min_copies), ("max_copies", max_copies))
    else:
        v.check_count_range(
            errors, ("min_copies", min_copies), ("the component's copy_count", component.copy_count),
            ("max_copies", max_copies),
        )  # fmt: skip
    found = component_capacity(component)
    if not errors and found is not None and not v.is_token(max_copies):
        capacity, instance_type = found
        v.check(
            errors,
            max_copies <= capacity,
            f"max_copies ({max_copies}) must be <= {capacity}: copies of {component.accelerator_count} "
            f"accelerator(s) and {component.memory_mib} MiB that fit on max_instance_count "
            f"{component.endpoint.max_instance_count} x {instance_type}",
        )
    v.raise_if_any(errors, "scale_on_concurrent_requests", scope, id)
