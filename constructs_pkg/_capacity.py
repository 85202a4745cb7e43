"""How many copies of a component's size fit on an endpoint: known only when every input is concrete."""

from __future__ import annotations

from . import _validation as v
from .interfaces import IInferenceEndpoint


def copies_per_instance(endpoint: IInferenceEndpoint, accelerator_count: int | None, memory_mib: int | None) -> int | None:
    """How many copies of this size one instance holds; None when the instance or copy size is unknown."""
    spec = endpoint.instance_type.spec if endpoint.instance_type is not None else None
    if spec is None or accelerator_count is None or memory_mib is None:
        return None
    if v.is_token(accelerator_count) or v.is_token(memory_mib):
        return None
    return min(spec.accelerators // accelerator_count, spec.memory_mib // memory_mib)


def copy_capacity(endpoint: IInferenceEndpoint, accelerator_count: int | None, memory_mib: int | None) -> int | None:
    """Most copies of this size the endpoint holds at its instance maximum; None when unknown."""
    per_instance = copies_per_instance(endpoint, accelerator_count, memory_mib)
    maximum = endpoint.max_instance_count
    if per_instance is None or maximum is None or v.is_token(maximum):
        return None
    return per_instance * maximum
