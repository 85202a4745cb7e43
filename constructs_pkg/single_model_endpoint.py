"""A single-model endpoint on an accelerator instance type, scaled on instances by concurrent requests per model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from . import _validation as v
from . import metrics
from ._defined_endpoint import _DefinedEndpoint
from ._endpoint_settings import InferenceAmiVersion, MetricsConfig, PrefixAwareRouting, RoutingStrategy
from .cache_guard import CacheGuardMode
from .data_capture import DataCapture, create_capture
from .network_isolation import isolation_problems
from .endpoint_base import DEFAULT_VARIANT_NAME
from .errors import ConfigurationError
from .images import ContainerImage, ModelData, grant_model_access
from ._planning import plan_for
from .instance_types import AcceleratorInstanceType
from .planner import DetectionSettings, ScaleOutPlan
from .scale_out_recorder import DEFAULT_SCALE_OUT_BUDGET
from .scaling import ScalableInstanceCount


class SingleModelEndpoint(_DefinedEndpoint):
    """One model on an accelerator-instance variant: the classic endpoint pattern, with the same checks, cache guard,
    recorder and dashboard as ``InferenceEndpoint``.

    Renders an ``AWS::SageMaker::Model`` (image, artifacts, environment, execution role, VPC), an
    ``AWS::SageMaker::EndpointConfig`` whose variant names that model, and an ``AWS::SageMaker::Endpoint`` with a
    deterministic lowercase name. Scale instances with ``scale_on_concurrent_requests``.
    """

    hosts_components = False

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_type: AcceleratorInstanceType,
        image: ContainerImage,
        model_data: ModelData | None = None,
        environment: dict[str, str] | None = None,
        initial_instance_count: int = 1,
        startup_health_check_timeout: Duration | None = None,
        model_download_timeout: Duration | None = None,
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
        removal_policy: RemovalPolicy | None = None,
        network_isolation: bool = False,
        data_capture: DataCapture | None = None,
        alarm_actions: Sequence[cw.IAlarmAction] | None = None,
        ok_actions: Sequence[cw.IAlarmAction] | None = None,
    ) -> None:
        """
        :param instance_type: The accelerator instance type.
        :param image: The container image, in Amazon ECR.
        :param model_data: Model artifacts in S3. Default: none (the container fetches its model).
        :param environment: Container environment (on the model: CreateModel's limits): at most 100 entries, keys
            ``[a-zA-Z_][a-zA-Z0-9_]*``, each key and value at most 1024 bytes, all together at most 32 KB. Default: none.
        :param initial_instance_count: Instances at creation (>= 1). Default: 1.
        :param startup_health_check_timeout: 60-3600 s for the container to pass its health check. Default: SageMaker's.
        :param model_download_timeout: 60-3600 s to download the model. Default: SageMaker's.
        :param network_isolation: Isolate the model container (``EnableNetworkIsolation`` on the model): no inbound
            or outbound network calls. The model must then come from ``model_data``; an LMI/TGI model-id variable
            naming a Hub id or ``s3://`` URI is refused. Default: False.
        :param data_capture: Capture a sample of requests and responses to S3 (``DataCaptureConfig``), encrypted
            with the endpoint's key; see ``DataCapture``. Default: none.

        Every other argument is as for ``InferenceEndpoint``; the role and VPC go on the model here.
        """
        errors: list[str] = []
        v.int_in_range(errors, "initial_instance_count", initial_instance_count, 1)
        if network_isolation is True:
            errors.extend(isolation_problems(environment, "a SingleModelEndpoint"))
        if data_capture is not None and not isinstance(data_capture, DataCapture):
            errors.append(f"data_capture must be a DataCapture(sampling_percentage=...), got {data_capture!r}")
        v.container(
            errors,
            image=image,
            model_data=model_data,
            environment=environment,
            startup_health_check_timeout=startup_health_check_timeout,
            model_download_timeout=model_download_timeout,
            for_model=True,
        )
        super().__init__(
            scope,
            id,
            instance_type=instance_type,
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
            unchecked={"initial_instance_count": "range"} if v.is_token(initial_instance_count) else {},
            what="SingleModelEndpoint",
            network_isolation=network_isolation,
            alarm_actions=None if alarm_actions is None else list(alarm_actions),
            ok_actions=None if ok_actions is None else list(ok_actions),
        )
        self.initial_instance_count = initial_instance_count
        self.max_instance_count = initial_instance_count
        self.image = image.bind(self)
        if self.image.from_token_uri:
            self._unchecked["image"] = "ECR URI form, pinned by digest, CUDA version, cache eligibility"
        if model_data is not None and model_data.from_token_uri:
            self._unchecked["model_data"] = "S3 URI form"
        self._check_host_cuda(self.image, self)
        grant_model_access(self.role, self.image, model_data, self._pulled_repositories)
        vpc_config = self._vpc_config()
        self.model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=self.image.image_uri,
                model_data_url=model_data.uri if model_data is not None else None,
                environment=dict(environment) if environment else None,
            ),
            vpc_config=sagemaker.CfnModel.VpcConfigProperty(**vpc_config) if vpc_config else None,
            # botocore CreateModelInput.EnableNetworkIsolation: "Isolates the model container."
            enable_network_isolation=True if network_isolation else None,
        )
        self.model.node.add_dependency(self.role)  # the image pull needs the role's policy
        #: The bucket captures go to (created unless ``data_capture.bucket`` was given); None without data capture.
        self.data_capture_bucket: s3.IBucket | None = None
        capture_config = None
        if data_capture is not None:
            self.data_capture_bucket, capture_config = create_capture(
                self, data_capture, role=self.role, key=self.encryption_key, removal_policy=self.removal_policy
            )
        self._create(
            self._variant(
                model_name=self.model.attr_model_name,
                initial_instance_count=initial_instance_count,
                container_startup_health_check_timeout_in_seconds=v.seconds(startup_health_check_timeout),
                model_data_download_timeout_in_seconds=v.seconds(model_download_timeout),
            ),
            role_on_config=False,
            data_capture=capture_config,
        )
        if self.cache_guard is not None:
            self.cache_guard.add_image(self.image)
        self.scalable_instance_count: ScalableInstanceCount | None = None
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
        """Predict, at synth time, how long an instance scale-out takes, stage by stage (``constructs_pkg.planner``),
        report it as an info annotation, and let the dashboard draw it. Arguments as for
        ``InferenceComponent.plan_scale_out``; the model is taken to shard over all of the instance's accelerators.
        """
        spec = self.instance_type.spec
        self.scale_out_plan = plan_for(
            self, instance_type=self.instance_type, accelerators=spec.accelerators if spec is not None else None,
            image_bytes=image_bytes, model_bytes=model_bytes, cache=cache, detection=detection,
            what=f"endpoint {self.node.id}",
        )  # fmt: skip
        return self.scale_out_plan

    # Without inference components SageMaker publishes the per-device metrics, not the *Normalized ones (metrics.py).
    def metric_gpu_utilization(self, **options: Any) -> cw.Metric:
        """GPU utilization of the variant's instances: 0-100 per GPU, so up to 100 x the instance's GPUs
        (``GPUUtilization``). Default: average over 1 minute."""
        return self.metric(metrics.VARIANT_GPU_UTILIZATION, **options)

    def metric_gpu_memory_utilization(self, **options: Any) -> cw.Metric:
        """GPU memory utilization: 0-100 per GPU (``GPUMemoryUtilization``). Default: average over 1 minute."""
        return self.metric(metrics.VARIANT_GPU_MEMORY_UTILIZATION, **options)

    def metric_cpu_utilization(self, **options: Any) -> cw.Metric:
        """CPU utilization: 0-100 per CPU core (``CPUUtilization``). Default: average over 1 minute."""
        return self.metric(metrics.VARIANT_CPU_UTILIZATION, **options)

    def metric_gpu_reservation(self, **options: Any) -> cw.Metric:
        """Refused: SageMaker publishes ``GPUReservation`` only "for endpoints that host active inference components"
        (metric list); use ``metric_gpu_utilization()``."""
        raise ConfigurationError(
            self.node.path,
            "metric_gpu_reservation",
            ["GPUReservation is published only for endpoints that host inference components; a single-model endpoint "
             "has metric_gpu_utilization() and metric_gpu_memory_utilization()"],
        )  # fmt: skip

    def scale_on_concurrent_requests(
        self,
        *,
        max_instances: int,
        target_per_model: float,
        min_instances: int = 1,
        scale_out_cooldown: Duration | None = None,
        scale_in_cooldown: Duration | None = None,
    ) -> ScalableInstanceCount:
        """Track ``target_per_model`` concurrent requests per instance on 10-second metrics.

        See ``ScalableInstanceCount``. The recorder also records these scale-outs, with the SLO alarm.
        """
        if self.scalable_instance_count is not None:
            raise ConfigurationError(
                self.node.path, "scale_on_concurrent_requests", ["it was already called on this endpoint"]
            )
        self.scalable_instance_count = ScalableInstanceCount(
            self,
            "InstanceScaling",
            endpoint_name=self.physical_endpoint_name,
            variant_name=self.variant_name,
            endpoint_resource=self.endpoint_resource,
            initial_instance_count=self.initial_instance_count,
            max_instances=max_instances,
            target_per_model=target_per_model,
            min_instances=min_instances,
            scale_out_cooldown=scale_out_cooldown,
            scale_in_cooldown=scale_in_cooldown,
        )
        self.max_instance_count = max_instances
        if self.scale_out_recorder is not None:
            self.scale_out_recorder.record_variant_scaling()
        return self.scalable_instance_count
