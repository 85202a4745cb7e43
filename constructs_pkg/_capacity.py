"""Whether components fit an endpoint's instances: accelerators and host memory, per instance type (per pool).

Known only when every input is concrete; a token anywhere makes the answer None (unknown), never a refusal.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import _validation as v
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceComponent, IInferenceEndpoint

#: Placements the exact packing search tries before it gives up and reports "unknown" (no refusal on a guess).
_SEARCH_BUDGET = 200_000

Size = tuple[int, int]  # (accelerators, memory MiB) one copy reserves


def copies_per_instance(
    endpoint: IInferenceEndpoint,
    accelerator_count: int | None,
    memory_mib: int | None,
    instance_type: AcceleratorInstanceType | None = None,
) -> int | None:
    """How many copies of this size one instance holds (of ``instance_type``, by default the endpoint's own);
    None when the instance or copy size is unknown."""
    instance = instance_type if instance_type is not None else endpoint.instance_type
    spec = instance.spec if instance is not None else None
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


def component_capacity(component: IInferenceComponent) -> tuple[int, AcceleratorInstanceType] | None:
    """Most copies of ``component`` the endpoint holds at its instance maximum, and on which instance type: the
    pool whose instances hold the most (instances of any pool may serve). None when unknown."""
    endpoint = component.endpoint
    maximum = endpoint.max_instance_count
    if maximum is None or v.is_token(maximum):
        return None
    best: tuple[int, AcceleratorInstanceType] | None = None
    for instance_type in endpoint.instance_types:
        size = component.size_on(instance_type)
        per_instance = None if size is None else copies_per_instance(endpoint, *size, instance_type=instance_type)
        if per_instance is None:
            return None
        if best is None or per_instance * maximum > best[0]:
            best = (per_instance * maximum, instance_type)
    return best


def pack(items: Sequence[Size], bins: int, capacity: Size) -> bool | None:
    """Whether ``items`` fit into ``bins`` instances of ``capacity`` in both dimensions at once; None when the
    search ran out of budget. Exact: first-fit decreasing answers most cases, a bounded search the rest."""
    if any(a > capacity[0] or m > capacity[1] for a, m in items):
        return False
    if sum(a for a, _ in items) > bins * capacity[0] or sum(m for _, m in items) > bins * capacity[1]:
        return False
    ordered = sorted(items, key=lambda s: (s[0] / max(capacity[0], 1) + s[1] / capacity[1]), reverse=True)
    free = [list(capacity) for _ in range(bins)]
    if _first_fit(ordered, [f[:] for f in free]):
        return True
    budget = [_SEARCH_BUDGET]

    def place(index: int) -> bool | None:
        if index == len(ordered):
            return True
        accelerators, memory = ordered[index]
        seen: set[tuple[int, int]] = set()
        for slot in free:
            state = (slot[0], slot[1])
            if state in seen or slot[0] < accelerators or slot[1] < memory:
                continue  # an instance with the same free room as one tried already leads to the same answers
            seen.add(state)
            budget[0] -= 1
            if budget[0] < 0:
                return None
            slot[0] -= accelerators
            slot[1] -= memory
            found = place(index + 1)
            slot[0] += accelerators
            slot[1] += memory
            if found is not False:
                return found
        return False

    return place(0)


def _first_fit(items: Sequence[Size], free: list[list[int]]) -> bool:
    for accelerators, memory in items:
        slot = next((f for f in free if f[0] >= accelerators and f[1] >= memory), None)
        if slot is None:
            return False
        slot[0] -= accelerators
        slot[1] -= memory
    return True


def guaranteed_copies_problem(endpoint: IInferenceEndpoint) -> str | None:
    """The copies every component must keep have to fit on ``max_instance_count`` instances of each of the
    endpoint's instance types (SageMaker may fall back to any pool entirely); None when they do or it is unknown."""
    maximum = endpoint.max_instance_count
    if maximum is None or v.is_token(maximum):
        return None
    components = list(endpoint.inference_components)
    if any(v.is_token(c.guaranteed_copies) for c in components):
        return None
    for instance_type in endpoint.instance_types:
        spec = instance_type.spec
        if spec is None:
            return None
        items: list[Size] = []
        detail: list[tuple[IInferenceComponent, int, Size]] = []  # worded only for the error (ids cost jsii calls)
        for component in components:
            copies = component.guaranteed_copies
            size = component.size_on(instance_type)
            if copies == 0 or size is None:
                continue
            if any(v.is_token(x) for x in size):
                return None
            items += [size] * copies
            detail.append((component, copies, size))
        if not items:
            continue
        fits = pack(items, maximum, (spec.accelerators, spec.memory_mib))
        if fits is False:
            return (
                "the components' guaranteed copies ("
                + "; ".join(f"{c.node.id}: {n} x ({s[0]} accelerator(s), {s[1]} MiB)" for c, n, s in detail)
                + f") do not fit on max_instance_count "
                f"{maximum} x {instance_type} ({spec.accelerators} accelerator(s) and {spec.memory_mib} MiB each), "
                "counting accelerators and host memory per instance; raise max_instance_count or lower "
                "copy_count/min_copies"
            )
    return None
