"""An inference component: one model, with the accelerators and memory each copy reserves, on an endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from . import _validation as v
from ._component_base import _ComponentBase
from ._component_checks import MIN_MEMORY_MIB, unchecked_component_props, validate_component_props, validate_levers
from ._component_spec import shared_specification, specification
from ._imported_component import _ImportedComponent
from ._naming import default_name
from .capacity import InstanceTypeCompute
from .deployment import AutoRollback, RollingUpdate, render_deployment_config
from .errors import ConfigurationError, report_warning
from .images import BoundImage, ContainerImage, ModelData
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceComponent, IInferenceEndpoint, IModel
from .model import Model
from .network_isolation import isolation_problems
from .model_data import S3ModelData
from .placement import SchedulingConfig


COPY_COUNT_ABOVE_MINIMUM_WARNING = "constructs-pkg:copy-count-above-minimum"


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
        :param copy_count: Copies at creation (>= 0). Autoscaling takes over from there, and a stack update that
            changes the component sets the copy count back to it, so a value above the scaling minimum warns
            (``constructs-pkg:copy-count-above-minimum``). Default: ``min_copies`` once
            ``scale_on_concurrent_requests`` is called (0 for scale to zero), else 1 (an adapter has no copies of its
            own).
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
        self._copy_count_given = copy_count is not None
        if copy_count is None:
            copy_count = 0 if adapter else 1
        validate_component_props(
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
        validate_levers(
            scope, id, endpoint=endpoint, image=image, accelerator_count=accelerator_count, memory_mib=memory_mib,
            cpu_cores=cpu_cores, model_data=model_data, environment=environment, copy_count=copy_count, model=model,
            compute_per_instance_type=compute_per_instance_type, data_cache=data_cache, scheduling=scheduling,
            rolling_update=rolling_update, auto_rollback=auto_rollback, base_component=base_component,
            startup_health_check_timeout=startup_health_check_timeout, model_download_timeout=model_download_timeout,
        )  # fmt: skip
        if getattr(endpoint, "network_isolation", False) is True:  # the endpoint isolates every model container
            given = getattr(model, "environment", None) if model is not None else environment
            v.raise_if_any(isolation_problems(given, f"component {id}"), "InferenceComponent", scope, id)
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
        shared = shared_specification(
            model=model,
            image=self.image,
            model_data=model_data if isinstance(model_data, ModelData) else None,
            environment=None if model is not None else environment,
            startup_health_check_timeout=startup_health_check_timeout,
            model_download_timeout=model_download_timeout,
            data_cache=data_cache,
            scheduling=scheduling,
        )
        resource.add_property_override(*specification(
            shared, compute_per_instance_type=compute_per_instance_type, base_component=base_component,
            accelerator_count=accelerator_count, memory_mib=memory_mib, cpu_cores=cpu_cores,
        ))  # fmt: skip
        if base_component is not None and base_component.component_resource is not None:
            resource.node.add_dependency(base_component.component_resource)  # the base must exist first
        self.rollback_alarms: list[cw.IAlarm] = []
        deployment = self._deployment_config(rolling_update, auto_rollback)
        if deployment is not None:
            resource.add_property_override("DeploymentConfig", deployment)
        # EndpointName is a GetAtt on the endpoint, which itself waits for the role's policy (and so its grants).
        self.component_resource = resource
        self.component_arn: str = resource.ref  # Ref returns the inference-component ARN
        endpoint.bind_component(self, model_data if isinstance(model_data, ModelData) else None)
        v.warn_unchecked(self, unchecked_component_props(
            self.image, model_data if isinstance(model_data, ModelData) else None, accelerator_count, memory_mib,
            copy_count,
        ))  # fmt: skip

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
                report_warning(self, "constructs-pkg:rolling-batch-size", warning)
        return config

    def _follow_scaling_minimum(self, min_copies: int) -> None:
        """A copy count left out follows the scaling minimum (so ``min_copies=0`` deploys no copy); one given above
        it warns: the copies stay until scaling removes them, and every update of the component brings them back."""
        if self.copy_count is None or v.is_token(min_copies) or isinstance(min_copies, bool):
            return  # an adapter (refused by the caller), or a token minimum: the default stays
        if not isinstance(min_copies, int) or min_copies < 0:
            return  # the scaling's own checks name it
        if not self._copy_count_given:
            if min_copies == self.copy_count:
                return  # already rendered with this count: setting it again is a jsii round trip for nothing
            self.copy_count = min_copies
            assert self.component_resource is not None  # defined here
            self.component_resource.runtime_config = (
                sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(copy_count=min_copies)
            )
        elif not v.is_token(self.copy_count) and self.copy_count > min_copies:
            report_warning(
                self,
                COPY_COUNT_ABOVE_MINIMUM_WARNING,
                f"copy_count ({self.copy_count}) is above min_copies ({min_copies}): the component deploys "
                f"{self.copy_count} copies, which stay until scaling removes them, and every stack update that "
                f"changes the component sets the copy count back to {self.copy_count}; leave copy_count out to "
                "start at min_copies",
            )

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
        v.int_in_range(errors, "memory_mib", memory_mib, MIN_MEMORY_MIB)
        v.int_in_range(errors, "copy_count", copy_count, 0)
        v.raise_if_any(errors, "imported InferenceComponent", scope, id)
        return _ImportedComponent(
            scope, id, endpoint=endpoint, component_name=component_name, accelerator_count=accelerator_count,
            memory_mib=memory_mib, copy_count=copy_count,
        )  # fmt: skip

