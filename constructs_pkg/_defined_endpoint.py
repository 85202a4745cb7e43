"""The core of every endpoint this library defines: name, key, role, network, config, endpoint, guard, recorder."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aspects, Duration, RemovalPolicy, Token
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct, IConstruct

from . import _nag, _scope
from . import _validation as v
from ._endpoint_grants import grant_runtime_access
from ._endpoint_settings import (
    InferenceAmiVersion,
    MetricsConfig,
    PrefixAwareRouting,
    RoutingStrategy,
    prefix_aware_config,
    validate_prefix_aware_routing,
)
from ._iam import SAGEMAKER_PRINCIPAL, GrowingStatement
from ._lambda import allow_logs_to_use
from ._naming import default_name
from .alarm_actions import is_under, route_alarms, validate_actions
from .cache_guard import DEFAULT_PURGE_TIMEOUT, CacheGuard, CacheGuardMode, check_purge_timeout
from .endpoint_base import _EndpointBase
from .errors import ConfigurationError, report_warning
from .images import BoundImage, ModelData, grant_model_access
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceComponent
from .scale_out_recorder import ScaleOutRecorder


class _DefinedEndpoint(_EndpointBase):
    """The core of every endpoint this library defines: name, key, role, network, config, endpoint, guard, recorder.

    A subclass validates its own props, calls ``__init__`` with the shared ones (its own problems in ``errors``, its
    token-valued props in ``unchecked``), then ``_create`` with its variant.
    """

    role: iam.IRole
    instance_type: AcceleratorInstanceType

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_type: AcceleratorInstanceType,
        endpoint_name: str | None,
        role: iam.IRole | None,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
        security_groups: list[ec2.ISecurityGroup] | None,
        encryption_key: kms.IKey | None,
        routing_strategy: RoutingStrategy,
        prefix_aware_routing: PrefixAwareRouting | None,
        volume_size_gb: int | None,
        inference_ami_version: InferenceAmiVersion | None,
        variant_name: str,
        cache_guard: CacheGuardMode,
        cache_purge_timeout: Duration | None,
        record_scale_out: bool,
        scale_out_budget: Duration | None,
        record_stages: bool,
        metrics_config: MetricsConfig | None,
        removal_policy: RemovalPolicy | None,
        errors: list[str],
        unchecked: dict[str, str],
        what: str,
        network_isolation: bool = False,
        alarm_actions: list[cw.IAlarmAction] | None = None,
        ok_actions: list[cw.IAlarmAction] | None = None,
    ) -> None:
        name = default_name(scope, id, endpoint_name)
        if not isinstance(network_isolation, bool):
            errors.append(f"network_isolation must be True or False, got {network_isolation!r}")
        validate_actions(errors, "alarm_actions", alarm_actions)
        validate_actions(errors, "ok_actions", ok_actions)
        _validate_shared_props(
            errors,
            instance_type=instance_type,
            endpoint_name=endpoint_name,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            routing_strategy=routing_strategy,
            prefix_aware_routing=prefix_aware_routing,
            volume_size_gb=volume_size_gb,
            inference_ami_version=inference_ami_version,
            variant_name=variant_name,
            cache_guard=cache_guard,
            cache_purge_timeout=cache_purge_timeout,
            record_scale_out=record_scale_out,
        )
        if not isinstance(record_stages, bool):
            errors.append(f"record_stages must be True or False, got {record_stages!r}")
        if metrics_config is not None and not isinstance(metrics_config, MetricsConfig):
            errors.append(
                "metrics_config must be a MetricsConfig (e.g. MetricsConfig(publish_frequency=Duration.seconds(10))), "
                f"got {metrics_config!r}"
            )
        v.removal_policy(errors, removal_policy)
        v.raise_if_any(errors, what, scope, id)
        super().__init__(scope, id, physical_name=name)
        self._pulled_repositories: set[str] = set()
        #: The deterministic physical name, known before deploy (the cache guard uses it).
        self.physical_endpoint_name = name
        self.instance_type = instance_type
        self.variant_name = variant_name
        self._routing_strategy = routing_strategy
        self._prefix_aware_routing = prefix_aware_routing
        self._volume_size_gb = volume_size_gb
        self._inference_ami_version = inference_ami_version
        self._cache_guard_mode = cache_guard
        self._cache_purge_timeout = cache_purge_timeout
        self._record_scale_out = record_scale_out
        self._scale_out_budget = scale_out_budget
        self._record_stages = record_stages
        #: What the endpoint publishes beyond the standard metrics (rendered as the config's ``MetricsConfig``).
        self.metrics_config = MetricsConfig() if metrics_config is None else metrics_config
        #: Applied to the key, log groups and claims table the library creates; None: the defaults (key and logs kept).
        self.removal_policy = removal_policy
        #: No network calls to or from the model containers (``EnableNetworkIsolation``); see ``network_isolation``.
        self.network_isolation = network_isolation
        # Every alarm the library makes under this endpoint, and under components placed on it elsewhere in the app.
        routing = route_alarms(self, alarm_actions, ok_actions)
        if routing is not None:
            self.on_component(lambda c: None if is_under(c, self) else Aspects.of(c).add(routing))
        if encryption_key is None:
            encryption_key = kms.Key(
                self,
                "Key",
                enable_key_rotation=True,
                description=f"SageMaker endpoint {name}: ML storage volumes and the library's logs",
                removal_policy=RemovalPolicy.RETAIN if removal_policy is None else removal_policy,
                # A deleted key is only scheduled for deletion: the shortest waiting period KMS allows.
                pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
            )
        allow_logs_to_use(encryption_key, name)
        self.encryption_key = encryption_key
        self.role = role if role is not None else iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(SAGEMAKER_PRINCIPAL),
            description=f"Execution role of SageMaker endpoint {name}",
        )
        #: Components' log groups, granted to the role in one statement.
        self._component_logs = GrowingStatement(
            self.role, "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"
        )
        self.connections, self._subnet_ids = self._build_network(vpc, vpc_subnets, security_groups)
        self._vpc = vpc
        grant_runtime_access(
            self.role, self.encryption_key, self.connections, name, self._subnet_ids, None if vpc is None else vpc.vpc_id
        )
        #: Token-valued props, named in one warning once the endpoint is rendered (``_create``).
        self._unchecked = dict(unchecked)
        if v.is_token(instance_type.name):
            self._unchecked["instance_type"] = "accelerator family, whether components fit, cache eligibility"

    def _variant(self, **variant_props: Any) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        """The production variant with the shared settings; ``variant_props`` add the subclass's own."""
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=self.variant_name,
            instance_type=self.instance_type.name,
            routing_config=sagemaker.CfnEndpointConfig.RoutingConfigProperty(
                routing_strategy=self._routing_strategy.value,
                prefix_aware_routing_config=prefix_aware_config(self._prefix_aware_routing),
            ),
            volume_size_in_gb=self._volume_size_gb,
            inference_ami_version=self._inference_ami_version.value if self._inference_ami_version is not None else None,
            **variant_props,
        )

    def _grant_component_access(self, component: IInferenceComponent, model_data: ModelData | None) -> None:
        """The component's image (pulled once per repository), artifacts and log group, for this endpoint's role."""
        image = component.image
        if image is not None:
            self._check_host_cuda(image, component)
            grant_model_access(self.role, image, model_data, self._pulled_repositories)
        elif model_data is not None:
            model_data.grant_read(self.role)  # an adapter: its artifacts only; it runs in its base's container
        name = component.component_name
        prefix = _scope.arn("logs", "log-group:/aws/sagemaker/InferenceComponents/")
        self._component_logs.add(f"{prefix}{name}", f"{prefix}{name}:log-stream:*")
        _nag.acknowledge(
            self.role,
            _nag.log_streams(f"/aws/sagemaker/InferenceComponents/{name}"),
            "SageMaker names a component's log streams after copies it has not started yet; "
            "the grant is confined to this component's own log group.",
        )

    def _check_host_cuda(self, image: BoundImage, where: IConstruct) -> None:
        """Warn when an image built for CUDA 13 runs on a host AMI without a CUDA 13 driver (fails only at deploy)."""
        if image.cuda_major is not None and image.cuda_major >= 13 and self._inference_ami_version != InferenceAmiVersion.GPU_4_1:
            chosen = self._inference_ami_version.value if self._inference_ami_version else "SageMaker's default AMI"
            report_warning(where, "constructs-pkg:image-needs-cuda-13-host",
                f"the image is built for CUDA {image.cuda_major} but the endpoint uses {chosen}; set "
                "inference_ami_version=InferenceAmiVersion.GPU_4_1 (NVIDIA 580, CUDA 13) or pick an LMI release "
                "built for CUDA 12",
            )

    def _vpc_config(self) -> dict[str, Any] | None:
        """Security groups and subnets for a ``VpcConfig`` (the config's for components, the model's otherwise)."""
        if self._vpc is None:
            return None
        return {
            "security_group_ids": [sg.security_group_id for sg in self.connections.security_groups],
            "subnets": self._subnet_ids,
        }

    def _create(
        self,
        variant: sagemaker.CfnEndpointConfig.ProductionVariantProperty,
        *,
        role_on_config: bool,
        data_capture: dict[str, Any] | None = None,
    ) -> None:
        """Render the config and the endpoint, then the guard and the recorder.

        ``role_on_config``: an inference-component endpoint carries the role and VPC on its config; a model-based
        endpoint carries them on its model.
        """
        v.warn_unchecked(self, self._unchecked)
        vpc_config = self._vpc_config() if role_on_config else None
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            execution_role_arn=self.role.role_arn if role_on_config else None,
            kms_key_id=self.encryption_key.key_arn,
            vpc_config=sagemaker.CfnEndpointConfig.VpcConfigProperty(**vpc_config) if vpc_config is not None else None,
            production_variants=[variant],
            # Components: isolation is the config's (a model-based endpoint isolates its model instead).
            enable_network_isolation=True if role_on_config and self.network_isolation else None,
        )
        if data_capture is not None:
            self.endpoint_config.add_property_override("DataCaptureConfig", data_capture)
        # CfnEndpointConfig (aws-cdk-lib 2.275) has MetricsConfigProperty but no metrics_config prop to take it.
        self.endpoint_config.add_property_override("MetricsConfig", self.metrics_config._render())
        resource = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            endpoint_name=self.physical_endpoint_name,
            # A config change keeps the instance count that autoscaling set instead of resetting it to the config's
            # initial count (aws/aws-cdk#23151; botocore UpdateEndpointInput.RetainAllVariantProperties).
            retain_all_variant_properties=True,
        )
        resource.node.add_dependency(self.role)  # the role's policy must exist before SageMaker uses it
        self.endpoint_resource = resource
        self.endpoint_name = self._get_resource_name_attribute(resource.attr_endpoint_name)
        self.endpoint_arn = self._get_resource_arn_attribute(
            resource.ref, service="sagemaker", resource="endpoint", resource_name=self._physical_name
        )
        self.cache_guard: CacheGuard | None = None
        if self._cache_guard_mode != CacheGuardMode.OFF:
            purge_timeout = self._cache_purge_timeout
            self.cache_guard = CacheGuard(
                self,
                "CacheGuard",
                endpoint=self,
                mode=self._cache_guard_mode,
                purge_timeout=DEFAULT_PURGE_TIMEOUT if purge_timeout is None else purge_timeout,
                encryption_key=self.encryption_key,
                removal_policy=self.removal_policy,
            )
            # Created before the endpoint (eligibility first), deleted after it (purge verification).
            resource.node.add_dependency(self.cache_guard.resource)
        self.scale_out_recorder: ScaleOutRecorder | None = None
        if self._record_scale_out:
            self.scale_out_recorder = ScaleOutRecorder(
                self,
                "ScaleOutRecorder",
                endpoint=self,
                scale_out_budget=self._scale_out_budget,
                encryption_key=self.encryption_key,
                record_stages=self._record_stages,
                removal_policy=self.removal_policy,
            )

    def _build_network(
        self,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
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
            raise ConfigurationError(
                self.node.path, "endpoint", [f"vpc_subnets must select 1-16 subnets, got {len(subnet_ids)}"]
            )
        return ec2.Connections(security_groups=security_groups), subnet_ids


def _validate_shared_props(
    errors: list[str],
    *,
    instance_type: Any,
    endpoint_name: str | None,
    vpc: Any,
    vpc_subnets: Any,
    security_groups: Any,
    routing_strategy: Any,
    prefix_aware_routing: Any,
    volume_size_gb: Any,
    inference_ami_version: Any,
    variant_name: str,
    cache_guard: Any,
    cache_purge_timeout: Any,
    record_scale_out: Any,
) -> None:
    if not isinstance(instance_type, AcceleratorInstanceType):
        errors.append(
            "instance_type must be an AcceleratorInstanceType (e.g. AcceleratorInstanceType.G6_2XLARGE or "
            f"AcceleratorInstanceType.of('ml.g6e.12xlarge')), got {instance_type!r}"
        )
    v.sagemaker_name(errors, "endpoint_name", endpoint_name)
    v.sagemaker_name(errors, "variant_name", variant_name)
    v.int_in_range(errors, "volume_size_gb", volume_size_gb, 1, 512)
    spec = instance_type.spec if isinstance(instance_type, AcceleratorInstanceType) else None
    if volume_size_gb is not None and spec is not None and not spec.ebs_volume:
        errors.append(
            f"volume_size_gb must be left out on {instance_type.name}: it has NVMe instance storage only and no EBS "
            f"volume to size (SageMaker refuses VolumeSizeInGB there), got {volume_size_gb}"
        )
    if not isinstance(routing_strategy, RoutingStrategy):
        errors.append(f"routing_strategy must be one of {', '.join(RoutingStrategy)}, got {routing_strategy!r}")
    validate_prefix_aware_routing(errors, routing_strategy, prefix_aware_routing)
    if inference_ami_version is not None and not isinstance(inference_ami_version, InferenceAmiVersion):
        errors.append(
            f"inference_ami_version must be one of {', '.join(InferenceAmiVersion)}, got {inference_ami_version!r}"
        )
    if not isinstance(cache_guard, CacheGuardMode):
        errors.append(f"cache_guard must be one of {', '.join(CacheGuardMode)}, got {cache_guard!r}")
    check_purge_timeout(errors, "cache_purge_timeout", cache_purge_timeout)
    if not isinstance(record_scale_out, bool):
        errors.append(f"record_scale_out must be True or False, got {record_scale_out!r}")
    if vpc is None and (vpc_subnets is not None or security_groups is not None):
        errors.append("vpc_subnets and security_groups need vpc; got them without a vpc")
    if security_groups is not None and not 1 <= len(security_groups) <= 5:
        errors.append(f"security_groups must hold 1-5 groups, got {len(security_groups)}")
