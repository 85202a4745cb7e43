"""A SageMaker endpoint shaped for inference components on an accelerator instance type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import jsii
from aws_cdk import Aspects, Duration, IAspect, RemovalPolicy
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct, IConstruct

from . import _validation as v
from ._capacity import guaranteed_copies_problem
from ._defined_endpoint import _DefinedEndpoint
from ._endpoint_settings import InferenceAmiVersion, MetricsConfig, PrefixAwareRouting, RoutingStrategy
from .cache_guard import CacheGuardMode
from .data_capture import INFERENCE_COMPONENT_REFUSAL, DataCapture
from .capacity import (
    CapacityReservation,
    InstancePool,
    ScaleInPolicy,
    render_instance_pools,
    render_provision_timeout,
)
from .endpoint_base import DEFAULT_VARIANT_NAME, _ImportedEndpoint
from .errors import ConfigurationError, report_error, report_warning
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceEndpoint
from .scale_out_recorder import DEFAULT_SCALE_OUT_BUDGET

__all__ = [
    "InferenceEndpoint", "InferenceAmiVersion", "MetricsConfig", "PrefixAwareRouting", "RoutingStrategy",
    "DEFAULT_VARIANT_NAME",
]  # fmt: skip


class InferenceEndpoint(_DefinedEndpoint):
    """An endpoint for inference components on an accelerator instance type, with managed instance scaling.

    It renders an ``AWS::SageMaker::EndpointConfig`` with the execution role on the config and no model on the
    variant, and an ``AWS::SageMaker::Endpoint`` with a deterministic lowercase name. Add models with
    ``add_inference_component``.
    """

    max_instance_count: int

    @property
    def instance_types(self) -> list[AcceleratorInstanceType]:
        """Every instance type the variant may launch: its pools' types in priority order, else ``[instance_type]``."""
        return list(self._instance_types)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_type: AcceleratorInstanceType | None = None,
        max_instance_count: int,
        initial_instance_count: int = 1,
        min_instance_count: int = 1,
        endpoint_name: str | None = None,
        role: iam.IRole | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: list[ec2.ISecurityGroup] | None = None,
        encryption_key: kms.IKey | None = None,
        routing_strategy: RoutingStrategy = RoutingStrategy.LEAST_OUTSTANDING_REQUESTS,
        prefix_aware_routing: PrefixAwareRouting | None = None,
        volume_size_gb: int | None = None,
        inference_ami_version: InferenceAmiVersion | None = None,
        variant_name: str = DEFAULT_VARIANT_NAME,
        cache_guard: CacheGuardMode = CacheGuardMode.WARN,
        cache_purge_timeout: Duration | None = None,
        record_scale_out: bool = True,
        scale_out_budget: Duration | None = DEFAULT_SCALE_OUT_BUDGET,
        record_stages: bool = True,
        metrics_config: MetricsConfig | None = None,
        instance_pools: Sequence[InstancePool] | None = None,
        instance_provision_timeout: Duration | None = None,
        capacity_reservation: CapacityReservation | None = None,
        scale_in: ScaleInPolicy | None = None,
        removal_policy: RemovalPolicy | None = None,
        network_isolation: bool = False,
        alarm_actions: Sequence[cw.IAlarmAction] | None = None,
        ok_actions: Sequence[cw.IAlarmAction] | None = None,
        data_capture: DataCapture | None = None,
    ) -> None:
        """
        :param instance_type: The accelerator instance type, e.g. ``AcceleratorInstanceType.G6_2XLARGE``. Required
            unless ``instance_pools`` is given.
        :param max_instance_count: Most instances managed instance scaling may run (>= 1).
        :param initial_instance_count: Instances at creation (>= 1, between min and max). Default: 1.
        :param min_instance_count: Fewest instances managed instance scaling keeps; 0 lets the endpoint scale to zero
            instances once no component has copies. Default: 1.
        :param endpoint_name: Physical name. Default: a lowercase name derived from the stack name and construct path.
        :param role: Execution role SageMaker assumes. Default: a new role with exactly the ECR, S3, logs, metrics,
            network and key access the endpoint and its components need. A role you bring gets the same statements
            when it is mutable (a ``Role`` in your app); an imported role is used as-is.
        :param vpc: Run the instances' network interfaces in this VPC. Default: no VPC (SageMaker-managed network).
        :param vpc_subnets: Subnets in ``vpc``. Default: the VPC's private subnets.
        :param security_groups: Security groups (1-5). Default: one new group with all outbound traffic allowed.
        :param encryption_key: Customer-managed KMS key for the ML storage volumes and the library's log groups.
            Default: a new key with yearly rotation, kept when the stack is deleted unless ``removal_policy`` says otherwise.
            It does not cover NVMe instance-store volumes, which the instance encrypts in hardware.
        :param routing_strategy: Request routing among instances. Default: least outstanding requests.
        :param prefix_aware_routing: Prefix length and concurrency threshold; required with
            ``RoutingStrategy.PREFIX_AWARE`` and refused with any other strategy. Default: none.
        :param volume_size_gb: EBS ML storage volume per instance, 1-512 GB. Refused on types with NVMe instance storage
            only (g4dn, g5, g6, g6e, p4d, p4de, p5*, trn1*, dl1: ``instance_type.spec.ebs_volume`` is False), which have
            no EBS volume. Default: SageMaker's size for the type.
        :param inference_ami_version: Host AMI (GPU driver and CUDA). Default: SageMaker's default AMI.
        :param variant_name: Production variant name. Default: ``AllTraffic``.
        :param cache_guard: Check container-cache eligibility before the endpoint is created and verify the purge
            after it is deleted: ``WARN`` reports, ``ENFORCE`` fails the deployment (or the deletion), ``OFF`` skips.
            Default: ``WARN``.
        :param cache_purge_timeout: How long the guard waits for the endpoint and its components to disappear on
            deletion, 1-55 minutes (the guard's Provider adds 5 minutes and may wait 1 hour in all). Default: 20 minutes.
        :param record_scale_out: Add a ``ScaleOutRecorder`` publishing copy counts, instance counts and measured
            scale-out latency every minute. Default: True.
        :param scale_out_budget: With the recorder, alarm when a component's scale-out takes longer; None for no
            alarm. Default: 6 minutes.
        :param record_stages: With the recorder, time each scale-out stage by stage, infer image-cache misses and
            alarm on them and on capacity failures (see ``ScaleOutRecorder``). Default: True.
        :param metrics_config: What the endpoint publishes beyond the standard metrics (SageMaker's detailed
            observability, enhanced metrics, publish frequency). Default: ``MetricsConfig()``: detailed observability
            on, enhanced metrics off, every 60 seconds, all set explicitly.
        :param instance_pools: 1-5 instance types tried in priority order when one has no capacity
            (``InstancePools``, which replaces the variant's ``InstanceType``); every component must fit each.
            Default: none (``instance_type`` only).
        :param instance_provision_timeout: How long SageMaker keeps trying to get instances, across pools, 300-3600
            whole seconds (``VariantInstanceProvisionTimeoutInSeconds``; capacity only, not download or start-up).
            Default: SageMaker's.
        :param capacity_reservation: Launch instances only into this ML capacity reservation, such as a training
            plan (``CapacityReservationConfig``); with no capacity left, instances fail to launch. Not with
            ``instance_pools``. Default: on-demand capacity.
        :param scale_in: How managed instance scaling releases instances (``ManagedInstanceScaling.ScaleInPolicy``).
            Default: SageMaker's.
        :param removal_policy: What happens to the KMS key, the log groups, the guard's unverified-purge alarm and
            the recorder's claims table and dead-letter queue this endpoint creates when they leave the stack
            (``aws_cdk.RemovalPolicy``). ``DESTROY`` deletes them all; the key then waits the shortest pending window
            KMS allows, 7 days, before it is deleted, and the guard's purge verdict is deleted with its log group. A
            key, role or VPC you pass in is never touched. Default: the key, the log groups and the purge alarm are
            retained (the key encrypts those logs, which keep the evidence of what the guard and recorder saw after
            the stack is gone); the claims table and the dead-letter queue are deleted.
        :param network_isolation: No inbound or outbound network calls to or from the model containers
            (``EnableNetworkIsolation`` on the config). Components must then bring their model from S3 (``ModelData``,
            ``S3ModelData``); a component whose LMI/TGI model-id variable names a Hub id or ``s3://`` URI is refused.
            Default: False.
        :param alarm_actions: Actions (``cloudwatch.IAlarmAction``, e.g. ``SnsAction(topic)``) added to every alarm
            the library creates under this endpoint and its components, including those added later. Leave one out
            with ``exclude_from_alarm_actions(alarm)``. Default: none.
        :param ok_actions: The same for the return to OK. Default: none.
        :param data_capture: Refused here: SageMaker documents data capture only for endpoints that serve a model;
            use ``SingleModelEndpoint``. Default: none.
        """
        errors: list[str] = []
        if data_capture is not None:
            errors.append(INFERENCE_COMPONENT_REFUSAL)
        levers = _render_levers(
            errors, instance_type, instance_pools, instance_provision_timeout, capacity_reservation, scale_in
        )
        pools = _by_priority(instance_pools)
        if pools and instance_type is None:
            instance_type = pools[0].instance_type  # the first tried: the guard and the recorder name it
        v.int_in_range(errors, "max_instance_count", max_instance_count, 1)
        v.int_in_range(errors, "min_instance_count", min_instance_count, 0)
        v.int_in_range(errors, "initial_instance_count", initial_instance_count, 1)
        v.check_count_range(
            errors, ("min_instance_count", min_instance_count), ("initial_instance_count", initial_instance_count),
            ("max_instance_count", max_instance_count),
        )  # fmt: skip
        unchecked = {
            prop: "range, order, and whether components fit"
            for prop, value in (
                ("max_instance_count", max_instance_count),
                ("min_instance_count", min_instance_count),
                ("initial_instance_count", initial_instance_count),
            )
            if v.is_token(value)
        }
        super().__init__(
            scope,
            id,
            instance_type=cast(AcceleratorInstanceType, instance_type),  # None is refused there, by name
            endpoint_name=endpoint_name,
            role=role,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            encryption_key=encryption_key,
            routing_strategy=routing_strategy,
            prefix_aware_routing=prefix_aware_routing,
            volume_size_gb=volume_size_gb,
            inference_ami_version=inference_ami_version,
            variant_name=variant_name,
            cache_guard=cache_guard,
            cache_purge_timeout=cache_purge_timeout,
            record_scale_out=record_scale_out,
            scale_out_budget=scale_out_budget,
            record_stages=record_stages,
            metrics_config=metrics_config,
            removal_policy=removal_policy,
            errors=errors,
            unchecked=unchecked,
            what="InferenceEndpoint",
            network_isolation=network_isolation,
            alarm_actions=None if alarm_actions is None else list(alarm_actions),
            ok_actions=None if ok_actions is None else list(ok_actions),
        )
        self.max_instance_count = max_instance_count
        self.min_instance_count = min_instance_count
        #: The instance types the variant may launch: its pools' in priority order, else ``[instance_type]``.
        self._instance_types = [p.instance_type for p in pools] if pools else [self.instance_type]
        self._create(
            self._variant(
                initial_instance_count=initial_instance_count,
                managed_instance_scaling=sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                    status="ENABLED", min_instance_count=min_instance_count, max_instance_count=max_instance_count
                ),
            ),
            role_on_config=True,  # inference components: the role goes on the config, no model on the variant
        )
        # Plain CloudFormation dicts go in as overrides: typed props silently drop PascalCase keys.
        for key, value in levers.items():
            if value is None:  # InstancePools replaces the variant's InstanceType
                self.endpoint_config.add_deletion_override(f"Properties.ProductionVariants.0.{key}")
            else:
                self.endpoint_config.add_property_override(f"ProductionVariants.0.{key}", value)
        if capacity_reservation is not None:
            report_warning(self, "constructs-pkg:reservation-only",
                "capacity_reservation launches instances only into the reservation: \"If no capacity is available, "
                "the instances fail to launch.\" Scale-out beyond the reserved instances fails; there is no "
                "on-demand fallback",
            )
        # Checks across components run once the app is complete, on a leaf (visited once, not per node). They report
        # as error annotations, which the CLI prints as message and path; see constructs_pkg.errors.
        Aspects.of(self.endpoint_resource).add(_AppCompleteChecks(self))

    @classmethod
    def from_endpoint_name(
        cls,
        scope: Construct,
        id: str,
        endpoint_name: str,
        *,
        variant_name: str = DEFAULT_VARIANT_NAME,
        instance_type: AcceleratorInstanceType | None = None,
        max_instance_count: int | None = None,
    ) -> IInferenceEndpoint:
        """An endpoint deployed elsewhere. It supports metrics, ``grant_invoke`` and new components.

        :param variant_name: Its production variant. Default: ``AllTraffic``.
        :param instance_type: Its instance type, to check components against at synth time. Default: unchecked.
        :param max_instance_count: Its managed-scaling maximum, for the same checks. Default: unchecked.
        """
        errors: list[str] = []
        v.sagemaker_name(errors, "endpoint_name", endpoint_name)
        v.sagemaker_name(errors, "variant_name", variant_name)
        v.int_in_range(errors, "max_instance_count", max_instance_count, 1)
        if instance_type is not None and not isinstance(instance_type, AcceleratorInstanceType):
            errors.append(
                f"instance_type must be an AcceleratorInstanceType (e.g. AcceleratorInstanceType.of('ml.g6.2xlarge')), "
                f"got {instance_type!r}"
            )
        v.raise_if_any(errors, "imported endpoint", scope, id)
        return _ImportedEndpoint(
            scope,
            id,
            endpoint_name=endpoint_name,
            variant_name=variant_name,
            instance_type=instance_type,
            max_instance_count=max_instance_count,
        )


@jsii.implements(IAspect)
class _AppCompleteChecks:
    """Once every component is added: the guaranteed copies must fit (an error), and a scale-to-zero endpoint
    should have a component that can reach zero copies (a warning)."""

    def __init__(self, endpoint: InferenceEndpoint) -> None:
        self._endpoint = endpoint

    def visit(self, node: IConstruct) -> None:
        endpoint = self._endpoint
        if not endpoint._components:
            return
        problem = guaranteed_copies_problem(endpoint)
        if problem is not None:
            report_error(endpoint, problem)
        if endpoint.min_instance_count == 0 and all(c.guaranteed_copies > 0 for c in endpoint._components):
            report_warning(endpoint, "constructs-pkg:endpoint-never-reaches-zero",
                "min_instance_count is 0, but every component keeps at least one copy, so the endpoint never "
                "scales to zero instances; use scale_on_concurrent_requests(min_copies=0) to let it",
            )


def _by_priority(pools: Sequence[InstancePool] | None) -> list[InstancePool]:
    """The pools that are ``InstancePool`` values, in the order SageMaker tries them (a token priority first)."""
    valid = [p for p in pools or () if isinstance(p, InstancePool)]
    return sorted(valid, key=lambda p: 0 if v.is_token(p.priority) else p.priority)


def _render_levers(
    errors: list[str],
    instance_type: AcceleratorInstanceType | None,
    instance_pools: Sequence[InstancePool] | None,
    instance_provision_timeout: Duration | None,
    capacity_reservation: CapacityReservation | None,
    scale_in: ScaleInPolicy | None,
) -> dict[str, Any]:
    """The variant properties of the issue-13 levers, by key under ``ProductionVariants.0`` (None: delete it)."""
    levers: dict[str, Any] = {}
    if instance_pools is not None:
        if instance_type is not None:
            errors.append(
                "instance_type must be left out with instance_pools: \"you replace the InstanceType parameter in "
                "your production variant with an InstancePools list\" (SageMaker developer guide)"
            )
        try:
            levers["InstancePools"] = render_instance_pools(instance_pools)
            levers["InstanceType"] = None
        except ConfigurationError as error:
            errors += error.problems
        for index, pool in enumerate(instance_pools):
            if isinstance(pool, InstancePool) and pool.model_name_override is not None:
                errors.append(
                    f"instance_pools[{index}].model_name_override must be left out on an inference-component endpoint, "
                    f"got {pool.model_name_override!r}: it names a model \"to use for this instance pool instead of the "
                    "model specified for the production variant\" (botocore InstancePool.ModelNameOverride), and this "
                    "endpoint's variant has no model; give a component compute_per_instance_type instead"
                )
    if instance_provision_timeout is not None:
        try:
            levers["VariantInstanceProvisionTimeoutInSeconds"] = render_provision_timeout(instance_provision_timeout)
        except ConfigurationError as error:
            errors += error.problems
    if capacity_reservation is not None:
        if not isinstance(capacity_reservation, CapacityReservation):
            errors.append(f"capacity_reservation must be a CapacityReservation, got {capacity_reservation!r}")
        elif instance_pools is not None:
            errors.append(
                "capacity_reservation cannot be combined with instance_pools: the variant's instance type \"must "
                "match the InstanceType of your training plan\" (assumed: one reservation serves one type)"
            )
        else:
            levers["CapacityReservationConfig"] = capacity_reservation._render()
    if scale_in is not None:
        if not isinstance(scale_in, ScaleInPolicy):
            errors.append(f"scale_in must be a ScaleInPolicy, got {scale_in!r}")
        else:
            levers["ManagedInstanceScaling.ScaleInPolicy"] = scale_in._render()
    return levers
