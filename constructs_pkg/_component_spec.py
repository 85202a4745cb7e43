"""An inference component's ``Specification`` (or per-instance-type ``Specifications``) as CloudFormation takes it:
what runs (container, model or adapter), how it starts, caching, placement and the compute each copy reserves.

Plain CloudFormation dicts, applied as property overrides: typed props silently drop PascalCase keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration

from . import _validation as v
from .capacity import InstanceTypeCompute
from .images import BoundImage, ModelData
from .interfaces import IInferenceComponent, IModel
from .placement import SchedulingConfig


def shared_specification(
    *,
    model: IModel | None,
    image: BoundImage | None,
    model_data: ModelData | None,
    environment: dict[str, str] | None,
    startup_health_check_timeout: Duration | None,
    model_download_timeout: Duration | None,
    data_cache: bool | None,
    scheduling: SchedulingConfig | None,
) -> dict[str, Any]:
    """The ``Specification`` members every instance type shares: what runs, how it starts, caching, placement."""
    spec: dict[str, Any] = {}
    if model is not None:
        spec["ModelName"] = model.model_name
    else:
        container: dict[str, Any] = {}
        if image is not None:
            container["Image"] = image.image_uri
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


def specification(
    shared: dict[str, Any],
    *,
    compute_per_instance_type: Sequence[InstanceTypeCompute] | None,
    base_component: IInferenceComponent | None,
    accelerator_count: int | None,
    memory_mib: int | None,
    cpu_cores: float | None,
) -> tuple[str, Any]:
    """The property name and value: ``Specifications`` (one per instance type), an adapter's ``Specification`` on
    its base component, or one ``Specification`` with the copy's compute."""
    if compute_per_instance_type:
        return "Specifications", [
            {"InstanceType": c.instance_type.name, **shared,
             "ComputeResourceRequirements": compute_requirements(c.accelerator_count, c.memory_mib, c.cpu_cores)}
            for c in compute_per_instance_type
        ]  # fmt: skip
    if base_component is not None:
        return "Specification", {"BaseInferenceComponentName": base_component.component_name, **shared}
    assert accelerator_count is not None and memory_mib is not None  # validated
    return "Specification", {
        **shared, "ComputeResourceRequirements": compute_requirements(accelerator_count, memory_mib, cpu_cores)
    }


def compute_requirements(accelerator_count: int, memory_mib: int, cpu_cores: float | None) -> dict[str, Any]:
    """``ComputeResourceRequirements``: accelerators and memory, and CPU cores when given."""
    compute: dict[str, Any] = {
        "NumberOfAcceleratorDevicesRequired": accelerator_count,
        "MinMemoryRequiredInMb": memory_mib,
    }
    if cpu_cores is not None:
        compute["NumberOfCpuCoresRequired"] = cpu_cores
    return compute
