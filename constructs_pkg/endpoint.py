"""A SageMaker endpoint shaped for inference components on an accelerator instance type."""

from __future__ import annotations

from enum import StrEnum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Annotations, Aspects, Aws, Duration, IAspect, Resource, Stack, Token
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct, IConstruct, IValidation

from . import _nag, _validation as v
from . import metrics
from ._naming import physical_name
from ._lambda import allow_logs_to_use
from ._regions import check_region_availability
from .cache_guard import DEFAULT_PURGE_TIMEOUT, CacheGuard, CacheGuardMode
from .instance_types import AcceleratorInstanceType
from .scale_out_recorder import DEFAULT_SCALE_OUT_BUDGET, ScaleOutRecorder

if TYPE_CHECKING:
    from .images import ContainerImage, ModelData
    from .inference_component import InferenceComponent

DEFAULT_VARIANT_NAME = "AllTraffic"
_SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


class RoutingStrategy(StrEnum):
    """How SageMaker routes requests among the instances of a variant (``RoutingConfig.RoutingStrategy``)."""

    LEAST_OUTSTANDING_REQUESTS = "LEAST_OUTSTANDING_REQUESTS"
    RANDOM = "RANDOM"
    PREFIX_AWARE = "PREFIX_AWARE"


class InferenceAmiVersion(StrEnum):
    """The AMI, and so the GPU driver and CUDA version, of the hosting instances (``InferenceAmiVersion``)."""

    GPU_2 = "al2-ami-sagemaker-inference-gpu-2"  # NVIDIA 535, CUDA 12.2
    GPU_2_1 = "al2-ami-sagemaker-inference-gpu-2-1"  # NVIDIA 535, CUDA 12.2, CUDA compat mounting off
    GPU_3_1 = "al2-ami-sagemaker-inference-gpu-3-1"  # NVIDIA 550, CUDA 12.4, CUDA compat mounting off
    GPU_4_1 = "al2023-ami-sagemaker-inference-gpu-4-1"  # NVIDIA 580, CUDA 13.0 (LMI 0.36 images are cu130)
    NEURON_2 = "al2-ami-sagemaker-inference-neuron-2"  # Inferentia2 / Trainium


class _EndpointBase(Resource):
    """What every inference endpoint offers, whether defined here or imported."""

    #: The endpoint's name (for a defined endpoint, a reference that orders dependants after it).
    endpoint_name: str
    #: The endpoint's name as a plain string, known before deploy.
    physical_endpoint_name: str
    #: The endpoint's ARN.
    endpoint_arn: str
    #: The production variant that hosts the components.
    variant_name: str
    #: The execution role, when known: components grant it ECR and S3 access. None for imported endpoints.
    role: iam.IRole | None = None
    #: The instance type, when known; enables synth-time capacity checks.
    instance_type: AcceleratorInstanceType | None = None
    #: The most instances managed instance scaling may run, when known; enables synth-time capacity checks.
    max_instance_count: int | None = None

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self._components: list[InferenceComponent] = []
        self._invoke_statements: list[iam.PolicyStatement] = []
        self._listeners: list[Callable[[InferenceComponent], None]] = []
        check_region_availability(self)

    @property
    def inference_components(self) -> list[InferenceComponent]:
        """The components placed on this endpoint by this app, in the order they were added."""
        return list(self._components)

    def add_inference_component(
        self,
        id: str,
        *,
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
    ) -> InferenceComponent:
        """Place a model on this endpoint. See ``InferenceComponent`` for every argument."""
        from .inference_component import InferenceComponent

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
        )

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``InvokeEndpoint`` and ``InvokeEndpointWithResponseStream`` on this endpoint and its components.

        Components added after this call are covered too.
        """
        arns = [self.endpoint_arn, *(c.component_arn for c in self._components)]
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=_INVOKE_ACTIONS, resource_arns=arns)
        self._invoke_statements.extend(grant.principal_statements)
        return grant

    def metric(self, spec: metrics.MetricSpec, **options: Any) -> cw.Metric:
        """Any variant-level metric from ``constructs_pkg.metrics``; options override its defaults."""
        return spec.metric(metrics.variant_dimensions(self.endpoint_name, self.variant_name), **options)

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

    def metric_desired_instance_count(self, **options: Any) -> cw.Metric:
        """Instances managed scaling asked for (published by the recorder). Default: maximum over 1 minute."""
        return metrics.DESIRED_INSTANCE_COUNT.metric(metrics.endpoint_dimensions(self.physical_endpoint_name), **options)

    def metric_current_instance_count(self, **options: Any) -> cw.Metric:
        """Instances in service (published by the recorder). Default: maximum over 1 minute."""
        return metrics.CURRENT_INSTANCE_COUNT.metric(metrics.endpoint_dimensions(self.physical_endpoint_name), **options)

    def metric_cache_purge_verified(self, **options: Any) -> cw.Metric:
        """1 when the cache guard verified the purge at deletion, 0 when not. Default: minimum over 5 minutes."""
        return metrics.CACHE_PURGE_VERIFIED.metric(metrics.endpoint_dimensions(self.physical_endpoint_name), **options)

    def on_component(self, callback: Callable[[InferenceComponent], None]) -> None:
        """Call ``callback`` for every component on this endpoint: those added already, and each one added later."""
        self._listeners.append(callback)
        for component in self._components:
            callback(component)

    def _register(self, component: InferenceComponent) -> None:
        self._components.append(component)
        for statement in self._invoke_statements:
            statement.add_resources(component.component_arn)
        for listener in self._listeners:
            listener(component)


_INVOKE_ACTIONS = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]


class InferenceEndpoint(_EndpointBase):
    """An endpoint for inference components on an accelerator instance type, with managed instance scaling.

    It renders an ``AWS::SageMaker::EndpointConfig`` with the execution role on the config and no model on the
    variant, and an ``AWS::SageMaker::Endpoint`` with a deterministic lowercase name. Add models with
    ``add_inference_component``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_type: AcceleratorInstanceType,
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
        volume_size_gb: int | None = None,
        inference_ami_version: InferenceAmiVersion | None = None,
        variant_name: str = DEFAULT_VARIANT_NAME,
        cache_guard: CacheGuardMode = CacheGuardMode.WARN,
        cache_purge_timeout: Duration | None = None,
        record_scale_out: bool = True,
        scale_out_budget: Duration | None = DEFAULT_SCALE_OUT_BUDGET,
    ) -> None:
        """
        :param instance_type: The accelerator instance type, e.g. ``AcceleratorInstanceType.G6_2XLARGE``.
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
            Default: a new key with yearly rotation, kept when the stack is deleted (the guard's logs outlive it).
            It does not cover NVMe instance-store volumes, which the instance encrypts in hardware.
        :param routing_strategy: Request routing among instances. Default: least outstanding requests.
        :param volume_size_gb: ML storage volume per instance, 1-512 GB. Default: SageMaker's size for the type.
        :param inference_ami_version: Host AMI (GPU driver and CUDA). Default: SageMaker's default AMI.
        :param variant_name: Production variant name. Default: ``AllTraffic``.
        :param cache_guard: Check container-cache eligibility before the endpoint is created and verify the purge
            after it is deleted: ``WARN`` reports, ``ENFORCE`` fails the deployment (or the deletion), ``OFF`` skips.
            Default: ``WARN``.
        :param cache_purge_timeout: How long the guard waits for the endpoint and its components to disappear on
            deletion, 1-120 minutes. Default: 20 minutes.
        :param record_scale_out: Add a ``ScaleOutRecorder`` publishing copy counts, instance counts and measured
            scale-out latency every minute. Default: True.
        :param scale_out_budget: With the recorder, alarm when a component's scale-out takes longer; None for no
            alarm. Default: 6 minutes.
        """
        stack = Stack.of(scope)
        base = stack.stack_name if not Token.is_unresolved(stack.stack_name) else stack.node.path
        relative = f"{scope.node.path}/{id}"[len(stack.node.path) :].lstrip("/")
        name = endpoint_name if endpoint_name is not None else physical_name(f"{base}/{relative}")
        _validate_endpoint_props(
            instance_type=instance_type,
            max_instance_count=max_instance_count,
            initial_instance_count=initial_instance_count,
            min_instance_count=min_instance_count,
            endpoint_name=endpoint_name,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            routing_strategy=routing_strategy,
            volume_size_gb=volume_size_gb,
            inference_ami_version=inference_ami_version,
            variant_name=variant_name,
            cache_guard=cache_guard,
            cache_purge_timeout=cache_purge_timeout,
            record_scale_out=record_scale_out,
        )
        super().__init__(scope, id, physical_name=name)
        self.instance_type = instance_type
        self.max_instance_count = max_instance_count
        self.min_instance_count = min_instance_count
        self.variant_name = variant_name
        if encryption_key is None:
            encryption_key = kms.Key(
                self,
                "Key",
                enable_key_rotation=True,
                description=f"SageMaker endpoint {name}: ML storage volumes and the library's logs",
            )
        allow_logs_to_use(encryption_key)
        self.encryption_key = encryption_key
        self.role = role if role is not None else iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(_SAGEMAKER_PRINCIPAL),
            description=f"Execution role of SageMaker endpoint {name}",
        )
        self.connections, subnet_ids = self._build_network(vpc, vpc_subnets, security_groups)
        self._grant_runtime_access(name, subnet_ids)

        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            execution_role_arn=self.role.role_arn,
            kms_key_id=encryption_key.key_arn,
            vpc_config=sagemaker.CfnEndpointConfig.VpcConfigProperty(
                security_group_ids=[sg.security_group_id for sg in self.connections.security_groups],
                subnets=subnet_ids,
            )
            if vpc is not None
            else None,
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=variant_name,
                    instance_type=instance_type.name,
                    initial_instance_count=initial_instance_count,
                    managed_instance_scaling=sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                        status="ENABLED",
                        min_instance_count=min_instance_count,
                        max_instance_count=max_instance_count,
                    ),
                    routing_config=sagemaker.CfnEndpointConfig.RoutingConfigProperty(
                        routing_strategy=routing_strategy.value
                    ),
                    volume_size_in_gb=volume_size_gb,
                    inference_ami_version=inference_ami_version.value if inference_ami_version is not None else None,
                )
            ],
        )
        resource = sagemaker.CfnEndpoint(
            self, "Resource", endpoint_config_name=self.endpoint_config.attr_endpoint_config_name, endpoint_name=name
        )
        resource.node.add_dependency(self.role)  # the role's policy must exist before SageMaker uses it
        self.endpoint_resource = resource
        #: The deterministic physical name, known before deploy (the cache guard uses it).
        self.physical_endpoint_name = name
        self.endpoint_name = self._get_resource_name_attribute(resource.attr_endpoint_name)
        self.endpoint_arn = self._get_resource_arn_attribute(
            resource.ref, service="sagemaker", resource="endpoint", resource_name=self._physical_name
        )
        self.cache_guard: CacheGuard | None = None
        if cache_guard != CacheGuardMode.OFF:
            self.cache_guard = CacheGuard(
                self,
                "CacheGuard",
                endpoint=self,
                mode=cache_guard,
                purge_timeout=DEFAULT_PURGE_TIMEOUT if cache_purge_timeout is None else cache_purge_timeout,
                encryption_key=encryption_key,
            )
            # Created before the endpoint (eligibility first), deleted after it (purge verification).
            resource.node.add_dependency(self.cache_guard.resource)
        self.scale_out_recorder: ScaleOutRecorder | None = None
        if record_scale_out:
            self.scale_out_recorder = ScaleOutRecorder(
                self, "ScaleOutRecorder", endpoint=self, scale_out_budget=scale_out_budget, encryption_key=encryption_key
            )
        self.node.add_validation(_CapacityValidation(self))
        Aspects.of(self).add(_ScaleToZeroCheck(self))

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
    ) -> _EndpointBase:
        """An endpoint deployed elsewhere. It supports metrics, ``grant_invoke`` and new components.

        :param variant_name: Its production variant. Default: ``AllTraffic``.
        :param instance_type: Its instance type, to check components against at synth time. Default: unchecked.
        :param max_instance_count: Its managed-scaling maximum, for the same checks. Default: unchecked.
        """
        errors: list[str] = []
        v.sagemaker_name(errors, "endpoint_name", endpoint_name)
        v.sagemaker_name(errors, "variant_name", variant_name)
        v.int_in_range(errors, "max_instance_count", max_instance_count, 1)
        v.raise_if_any(errors, "imported endpoint")
        return _ImportedEndpoint(
            scope,
            id,
            endpoint_name=endpoint_name,
            variant_name=variant_name,
            instance_type=instance_type,
            max_instance_count=max_instance_count,
        )

    def _grant_runtime_access(self, endpoint_name: str, subnet_ids: list[str]) -> None:
        """Logs, metrics, network interfaces and the volume key: what SageMaker does with the role at run time.

        Added through ``add_to_principal_policy``, so an imported role is left as it is.
        """
        prefix = f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/"
        statements = [
            iam.PolicyStatement(
                sid="EndpointLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[f"{prefix}{endpoint_name}", f"{prefix}{endpoint_name}:log-stream:*"],
            ),
            iam.PolicyStatement(
                sid="SageMakerMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],  # PutMetricData has no resource type; the namespace condition scopes it
                conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            ),
        ]
        if self.connections.security_groups:
            ec2_arn = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}"
            statements += [
                iam.PolicyStatement(
                    sid="VpcDescribe",
                    actions=[
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                    ],
                    resources=["*"],  # EC2 Describe* actions have no resource type
                ),
                iam.PolicyStatement(
                    sid="VpcNetworkInterfaces",
                    actions=[
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateNetworkInterfacePermission",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission",
                    ],
                    resources=[f"{ec2_arn}:network-interface/*"],
                ),
                iam.PolicyStatement(
                    sid="VpcAttach",
                    actions=["ec2:CreateNetworkInterface"],
                    resources=[
                        *(f"{ec2_arn}:subnet/{subnet}" for subnet in subnet_ids),
                        *(f"{ec2_arn}:security-group/{sg.security_group_id}" for sg in self.connections.security_groups),
                    ],
                ),
            ]
        for statement in statements:
            self.role.add_to_principal_policy(statement)
        _nag.acknowledge_rule(self.role, "IAMNoInlinePolicy", _nag.INLINE_POLICY_REASON)
        _nag.acknowledge(
            self.role,
            _nag.log_streams(f"/aws/sagemaker/Endpoints/{endpoint_name}"),
            "SageMaker names the endpoint's log streams after instances it has not launched yet; "
            "the grant is confined to this endpoint's own log group.",
        )
        _nag.acknowledge(
            self.role,
            _nag.wildcard_resource("*"),
            "ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource type; PutMetricData is "
            "confined by a cloudwatch:namespace condition to /aws/sagemaker/*.",
        )
        # SageMaker attaches the encrypted ML storage volumes through a grant made with this role.
        self.encryption_key.grant(self.role, "kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey")

    def _build_network(
        self, vpc: ec2.IVpc | None, vpc_subnets: ec2.SubnetSelection | None,
        security_groups: list[ec2.ISecurityGroup] | None,
    ) -> tuple[ec2.Connections, list[str]]:
        if vpc is None:
            return ec2.Connections(), []
        if security_groups is None:
            security_groups = [
                ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, description="SageMaker inference endpoint instances")
            ]
        selection = {} if vpc_subnets is None else dict(vpc_subnets._values)  # jsii struct fields
        subnet_ids = vpc.select_subnets(**selection).subnet_ids
        if not Token.is_unresolved(subnet_ids) and not 1 <= len(subnet_ids) <= 16:
            raise ValueError(f"Invalid InferenceEndpoint: vpc_subnets must select 1-16 subnets, got {len(subnet_ids)}")
        return ec2.Connections(security_groups=security_groups), subnet_ids


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
        self.endpoint_arn = Stack.of(self).format_arn(
            service="sagemaker",
            resource="endpoint",
            # SageMaker lower-cases endpoint ARNs; IAM matches ARNs case-sensitively.
            resource_name=endpoint_name if Token.is_unresolved(endpoint_name) else endpoint_name.lower(),
        )


def _validate_endpoint_props(
    *,
    instance_type: Any,
    max_instance_count: Any,
    initial_instance_count: Any,
    min_instance_count: Any,
    endpoint_name: str | None,
    vpc: Any,
    vpc_subnets: Any,
    security_groups: Any,
    routing_strategy: Any,
    volume_size_gb: Any,
    inference_ami_version: Any,
    variant_name: str,
    cache_guard: Any,
    cache_purge_timeout: Any,
    record_scale_out: Any,
) -> None:
    errors: list[str] = []
    if not isinstance(instance_type, AcceleratorInstanceType):
        errors.append(
            "instance_type must be an AcceleratorInstanceType (e.g. AcceleratorInstanceType.G6_2XLARGE or "
            f"AcceleratorInstanceType.of('ml.g6e.12xlarge')), got {instance_type!r}"
        )
    v.int_in_range(errors, "max_instance_count", max_instance_count, 1)
    v.int_in_range(errors, "min_instance_count", min_instance_count, 0)
    v.int_in_range(errors, "initial_instance_count", initial_instance_count, 1)
    counts = (min_instance_count, initial_instance_count, max_instance_count)
    if not errors and not any(v.is_token(c) for c in counts):
        v.check(
            errors,
            min_instance_count <= max_instance_count,
            f"min_instance_count ({min_instance_count}) must be <= max_instance_count ({max_instance_count})",
        )
        v.check(
            errors,
            min_instance_count <= initial_instance_count <= max_instance_count,
            f"initial_instance_count ({initial_instance_count}) must lie between min_instance_count "
            f"({min_instance_count}) and max_instance_count ({max_instance_count})",
        )
    v.sagemaker_name(errors, "endpoint_name", endpoint_name)
    v.sagemaker_name(errors, "variant_name", variant_name)
    v.int_in_range(errors, "volume_size_gb", volume_size_gb, 1, 512)
    if not isinstance(routing_strategy, RoutingStrategy):
        errors.append(f"routing_strategy must be one of {', '.join(RoutingStrategy)}, got {routing_strategy!r}")
    if inference_ami_version is not None and not isinstance(inference_ami_version, InferenceAmiVersion):
        errors.append(
            f"inference_ami_version must be one of {', '.join(InferenceAmiVersion)}, got {inference_ami_version!r}"
        )
    if not isinstance(cache_guard, CacheGuardMode):
        errors.append(f"cache_guard must be one of {', '.join(CacheGuardMode)}, got {cache_guard!r}")
    v.duration_in_range(errors, "cache_purge_timeout", cache_purge_timeout, 60, 7200)
    if not isinstance(record_scale_out, bool):
        errors.append(f"record_scale_out must be True or False, got {record_scale_out!r}")
    if vpc is None and (vpc_subnets is not None or security_groups is not None):
        errors.append("vpc_subnets and security_groups need vpc; got them without a vpc")
    if security_groups is not None and not 1 <= len(security_groups) <= 5:
        errors.append(f"security_groups must hold 1-5 groups, got {len(security_groups)}")
    v.raise_if_any(errors, "InferenceEndpoint")


@jsii.implements(IValidation)
class _CapacityValidation:
    """After all components are added: the copies every component must keep have to fit on the endpoint."""

    def __init__(self, endpoint: InferenceEndpoint) -> None:
        self._endpoint = endpoint

    def validate(self) -> list[str]:
        endpoint = self._endpoint
        spec = endpoint.instance_type.spec if endpoint.instance_type is not None else None
        if spec is None or not endpoint._components:
            return []
        needed = sum(c.accelerator_count * c.guaranteed_copies for c in endpoint._components)
        available = spec.accelerators * endpoint.max_instance_count
        if needed <= available:
            return []
        detail = ", ".join(
            f"{c.node.id}: {c.guaranteed_copies} x {c.accelerator_count}" for c in endpoint._components
        )
        return [
            f"the components' guaranteed copies need {needed} accelerators ({detail}), but max_instance_count "
            f"{endpoint.max_instance_count} x {spec.accelerators} per {endpoint.instance_type} offers {available}; "
            "raise max_instance_count or lower copy_count/min_copies"
        ]


@jsii.implements(IAspect)
class _ScaleToZeroCheck:
    """Warn when the endpoint may drop to zero instances but no component can drop to zero copies."""

    def __init__(self, endpoint: InferenceEndpoint) -> None:
        self._endpoint = endpoint

    def visit(self, node: IConstruct) -> None:
        endpoint = self._endpoint
        if node is not endpoint or endpoint.min_instance_count != 0 or not endpoint._components:
            return
        if all(c.guaranteed_copies > 0 for c in endpoint._components):
            Annotations.of(endpoint).add_warning_v2(
                "constructs-pkg:endpoint-never-reaches-zero",
                "min_instance_count is 0, but every component keeps at least one copy, so the endpoint never "
                "scales to zero instances; use scale_on_concurrent_requests(min_copies=0) to let it",
            )
