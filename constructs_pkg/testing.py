"""Helpers for snapshot-testing stacks that use this library (or any CDK stack).

``normalized_template(stack)`` is the stack's template with asset hashes masked (they change with every handler edit
and CDK upgrade). Compare it with syrupy's ``snapshot`` fixture, stored as JSON by ``json_snapshot(snapshot)``, and
review the diff like code. Install with the ``testing`` extra (``pip install "constructs-pkg[testing]"``) for syrupy.
"""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

_HASH = re.compile(r"^[0-9a-f]{64}(\.zip|\.json)?$")


def mask_hashes(value: Any) -> Any:
    """Replace every asset hash (``<64 hex>[.zip|.json]``) with ``<asset-hash>``."""
    if isinstance(value, dict):
        return {k: mask_hashes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_hashes(v) for v in value]
    if isinstance(value, str) and (match := _HASH.match(value)):
        return "<asset-hash>" + (match.group(1) or "")
    return value


def mask_logical_ids(value: Any, template: dict[str, Any] | None = None) -> Any:
    """In ``value`` (by default the template itself), replace each logical id of ``template`` by ``<its type>``, and
    generated policy names by ``<generated>``. Snapshots then change only when what a resource is or refers to changes.
    """
    template = value if template is None else template
    names = {logical_id: f"<{resource['Type']}>" for logical_id, resource in template["Resources"].items()}

    def walk(item: Any, key: str | None = None) -> Any:
        if isinstance(item, dict):
            return {k: walk(v, k) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, key) for v in item]
        if key == "PolicyName":
            return "<generated>"
        return names.get(item, item) if isinstance(item, str) else item

    return walk(value)


def normalized_template(stack: Stack, *, mask_references: bool = False) -> dict[str, Any]:
    """The stack's template with asset hashes masked, ready for a snapshot.

    :param mask_references: Also replace references to logical ids (``Ref``, ``GetAtt``, ``DependsOn``) by the
        resource's type. Default: False. Logical ids stay as the resource keys either way: a changed logical id
        means CloudFormation replaces the resource, which a snapshot should show.
    """
    template: dict[str, Any] = mask_hashes(Template.from_stack(stack).to_json())
    return mask_logical_ids(template) if mask_references else template


def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """syrupy's ``snapshot`` fixture, stored as one readable ``.json`` file per test instead of an ``.ambr`` file."""
    return snapshot.use_extension(JSONSnapshotExtension)
