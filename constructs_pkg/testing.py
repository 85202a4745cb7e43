"""Helpers for snapshot-testing stacks that use this library (or any CDK stack).

``normalized_template(stack)`` is the stack's template with asset hashes masked (they change with every handler edit
and CDK upgrade) and JSON held in strings (dashboard bodies, state-machine definitions) parsed, so a changed value is
a one-line diff. Compare it with syrupy's ``snapshot`` fixture, stored as JSON by ``json_snapshot(snapshot)``, and
review the diff like code. ``assert_no_problems(stack)`` fails a test where ``cdk synth`` would fail: on error
annotations and unacknowledged warnings of this library, which an in-process synthesis records without failing.
Install with the ``testing`` extra (``pip install "constructs-pkg[testing]"``) for syrupy.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Stack
from constructs import IConstruct
from aws_cdk.assertions import Template
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from .problems import find_problems

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


def normalized_template(stack: Stack, *, mask_references: bool = False, expand_json: bool = True) -> dict[str, Any]:
    """The stack's template with asset hashes masked, ready for a snapshot.

    :param mask_references: Also replace references to logical ids (``Ref``, ``GetAtt``, ``DependsOn``) by the
        resource's type. Default: False. Logical ids stay as the resource keys either way: a changed logical id
        means CloudFormation replaces the resource, which a snapshot should show.
    :param expand_json: Store JSON held in strings (dashboard bodies, state-machine definitions) parsed, so the
        snapshot shows one value per line and a changed value as a one-line diff (see ``expand_json_strings``).
        Default: True.
    """
    template: dict[str, Any] = dict(Template.from_stack(stack).to_json())
    if mask_references:
        template = mask_logical_ids(template)
    if expand_json:
        template = expand_json_strings(template)
    return mask_hashes(template)  # type: ignore[no-any-return]


_MARK = "\u2063cfn{}\u2063"  # an invisible separator around a part's index, never in a template's own text
_MARKS = re.compile("\u2063cfn(\\d+)\u2063")


def expand_json_strings(value: Any) -> Any:
    """Replace every string that holds a JSON object or array by the parsed value, also when CloudFormation builds
    it with ``Fn::Join`` around references (a dashboard body, a state-machine ``DefinitionString``).

    A reference that makes up a whole JSON string comes back as itself (``{"Ref": ...}``); one inside a longer
    string is written the way ``Fn::Sub`` would (``${Name}``, ``${Name.Attr}``). The result is for reading and
    comparing, not for deploying.
    """
    if isinstance(value, dict):
        join = value.get("Fn::Join") if len(value) == 1 else None
        if isinstance(join, list) and len(join) == 2 and join[0] == "" and isinstance(join[1], list):
            expanded = _parse_join(join[1])
            if expanded is not None:
                return expanded
        return {k: expand_json_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_json_strings(v) for v in value]
    if isinstance(value, str):
        parsed = _parse_json(value)
        return value if parsed is None else expand_json_strings(parsed)
    return value


def _parse_json(text: str) -> dict[str, Any] | list[Any] | None:
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, (dict, list)) else None


def _parse_join(parts: list[Any]) -> Any:
    """The JSON a ``Fn::Join`` with an empty delimiter builds, with its references put back; None when it is not JSON."""
    text = "".join(part if isinstance(part, str) else _MARK.format(i) for i, part in enumerate(parts))
    parsed = _parse_json(text)
    if parsed is None:
        return None

    def restore(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: restore(v) for k, v in item.items()}
        if isinstance(item, list):
            return [restore(v) for v in item]
        if isinstance(item, str) and _MARKS.search(item):
            whole = _MARKS.fullmatch(item)
            if whole:
                return expand_json_strings(parts[int(whole.group(1))])
            return _MARKS.sub(lambda m: _as_sub(parts[int(m.group(1))]), item)
        return item

    return restore(parsed)


def _as_sub(part: Any) -> str:
    """A reference written as ``Fn::Sub`` would: ``${Name}``, ``${Name.Attr}``, else ``${<the intrinsic as JSON>}``."""
    if isinstance(part, dict) and len(part) == 1:
        reference = part.get("Ref")
        if isinstance(reference, str):
            return "${" + reference + "}"
        attribute = part.get("Fn::GetAtt")
        if isinstance(attribute, list) and len(attribute) == 2 and all(isinstance(a, str) for a in attribute):
            return "${" + ".".join(attribute) + "}"
    return "${" + json.dumps(part, sort_keys=True, separators=(",", ":")) + "}"


def assert_no_problems(scope: IConstruct, *, strict: bool = False) -> None:
    """Fail (``AssertionError``) when ``scope`` (a stack, or every stack of an app or stage) has a problem that fails
    ``cdk synth``: an error annotation, or a warning of this library nobody acknowledged. The message lists each
    one with its construct path and, for a warning, the id to acknowledge it with.

    :param strict: Also fail on other libraries' unacknowledged warnings, as ``cdk synth --strict``. Default: False.
    """
    problems = find_problems(scope, strict=strict)
    if problems:
        where = scope.node.path or "the app"
        lines = [f"{where} has {len(problems)} problem(s) that fail cdk synth:", *(f"  {p}" for p in problems)]
        if any(p.id is not None for p in problems):
            lines.append(
                "Fix them, or acknowledge a warning you accept: Validations.of(construct).acknowledge("
                'Acknowledgment(id="Annotation::<id>", reason="..."))'
            )
        raise AssertionError("\n".join(lines))


def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """syrupy's ``snapshot`` fixture, stored as one readable ``.json`` file per test instead of an ``.ambr`` file."""
    return snapshot.use_extension(JSONSnapshotExtension)
