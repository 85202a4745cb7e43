"""Synth-time checks of an inference component's props: what runs (container, model or adapter), its compute on
each instance type, the deployment levers, and whether its copies fit the endpoint."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from . import _validation as v
from ._capacity import copies_per_instance
from .capacity import InstanceTypeCompute
from .deployment import AutoRollback, RollingUpdate
from .images import BoundImage, ContainerImage, ModelData
from .interfaces import IInferenceEndpoint
from .model_data import S3ModelData
from .placement import SchedulingConfig

#: The least memory (MiB) and CPU cores a copy may reserve (this library's floor for ``memory_mib``, ``cpu_cores``).
MIN_MEMORY_MIB = 128
MIN_CPU_CORES = 0.25


def unchecked_component_props(
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


def validate_component_props(
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
    v.int_in_range(errors, "memory_mib", memory_mib, MIN_MEMORY_MIB)
    v.int_in_range(errors, "copy_count", copy_count, 0)
    if cpu_cores is not None and not v.is_token(cpu_cores):
        if isinstance(cpu_cores, bool) or not isinstance(cpu_cores, (int, float)) or cpu_cores < MIN_CPU_CORES:
            errors.append(f"cpu_cores must be a number >= {MIN_CPU_CORES}, got {cpu_cores!r}")
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


def validate_levers(
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
