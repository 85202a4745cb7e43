"""Copy-count autoscaling of an inference component on 10-second ConcurrentRequestsPerCopy metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import _validation as v
from . import metrics

if TYPE_CHECKING:
    from .inference_component import InferenceComponent

SCALABLE_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
SERVICE_NAMESPACE = appscaling.ServiceNamespace.SAGEMAKER
#: Application Auto Scaling's service-linked role for SageMaker; it exists once per account.
SERVICE_LINKED_ROLE = (
    "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)
DEFAULT_SCALE_OUT_COOLDOWN = Duration.seconds(60)


def target_tracking_alarm_pattern(component_name: str) -> str:
    """Names Application Auto Scaling gives the scale-out alarms of a component's target tracking (suffix a UUID)."""
    return f"TargetTracking-inference-component/{component_name}-AlarmHigh-*"


def wake_alarm_name(component_name: str) -> str:
    """The deterministic name of a component's wake-from-zero alarm."""
    return f"{component_name}-wake-from-zero"

DEFAULT_SCALE_IN_COOLDOWN = Duration.seconds(300)
DEFAULT_WAKE_COOLDOWN = Duration.seconds(60)
_COOLDOWN_RANGE_S = (0, 3600)


class ScalableCopyCount(Construct):
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
        component: InferenceComponent,
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
        _validate_scaling_props(component, max_copies, target_per_copy, min_copies, scale_out_cooldown, scale_in_cooldown)
        super().__init__(scope, id)
        self.min_copies = min_copies
        self.max_copies = max_copies
        self.target_per_copy = target_per_copy
        stack = Stack.of(self)
        role = iam.Role.from_role_arn(
            self,
            "ServiceLinkedRole",
            stack.format_arn(service="iam", region="", resource="role", resource_name=SERVICE_LINKED_ROLE),
            mutable=False,
        )
        self.scalable_target = appscaling.ScalableTarget(
            self,
            "Target",
            service_namespace=SERVICE_NAMESPACE,
            resource_id=f"inference-component/{component.component_name}",
            scalable_dimension=SCALABLE_DIMENSION,
            min_capacity=min_copies,
            max_capacity=max_copies,
            role=role,
        )
        # The resource id is a plain string, so CloudFormation would not otherwise wait for the component.
        self.scalable_target.node.add_dependency(component.component_resource)
        self.target_tracking = self.scalable_target.scale_to_track_metric(
            "ConcurrentRequestsPerCopy",
            target_value=target_per_copy,
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
            scale_out_cooldown=DEFAULT_SCALE_OUT_COOLDOWN if scale_out_cooldown is None else scale_out_cooldown,
            scale_in_cooldown=DEFAULT_SCALE_IN_COOLDOWN if scale_in_cooldown is None else scale_in_cooldown,
        )
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
            self.wake_from_zero.upper_alarm.node.default_child.alarm_name = wake_alarm_name(component.component_name)


def _validate_scaling_props(
    component: InferenceComponent,
    max_copies: int,
    target_per_copy: float,
    min_copies: int,
    scale_out_cooldown: Duration | None,
    scale_in_cooldown: Duration | None,
) -> None:
    from .inference_component import copy_capacity

    errors: list[str] = []
    v.int_in_range(errors, "max_copies", max_copies, 1)
    v.int_in_range(errors, "min_copies", min_copies, 0)
    if not v.is_token(target_per_copy) and (
        isinstance(target_per_copy, bool) or not isinstance(target_per_copy, (int, float)) or target_per_copy <= 0
    ):
        errors.append(f"target_per_copy must be a number > 0, got {target_per_copy!r}")
    v.duration_in_range(errors, "scale_out_cooldown", scale_out_cooldown, *_COOLDOWN_RANGE_S)
    v.duration_in_range(errors, "scale_in_cooldown", scale_in_cooldown, *_COOLDOWN_RANGE_S)
    counts = (min_copies, max_copies, component.copy_count)
    if not errors and not any(v.is_token(c) for c in counts):
        v.check(errors, min_copies <= max_copies, f"min_copies ({min_copies}) must be <= max_copies ({max_copies})")
        v.check(
            errors,
            min_copies <= component.copy_count <= max_copies,
            f"the component's copy_count ({component.copy_count}) must lie between min_copies ({min_copies}) "
            f"and max_copies ({max_copies})",
        )
        capacity = copy_capacity(component.endpoint, component.accelerator_count, component.memory_mib)
        if capacity is not None:
            v.check(
                errors,
                max_copies <= capacity,
                f"max_copies ({max_copies}) must be <= {capacity}: copies of {component.accelerator_count} "
                f"accelerator(s) and {component.memory_mib} MiB that fit on max_instance_count "
                f"{component.endpoint.max_instance_count} x {component.endpoint.instance_type}",
            )
    v.raise_if_any(errors, "scale_on_concurrent_requests")
