"""Audit every IAM statement of a template against cfn-lint's copy of the Service Authorization Reference."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Iterator

import cfnlint

#: Actions whose only resource type is optional and which are scoped by a condition key instead.
CONDITION_SCOPED = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}


@functools.cache
def _actions() -> dict[str, dict]:
    path = Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json"
    return json.loads(path.read_text())


def resource_types(action: str) -> list[str] | None:
    """The resource types of ``service:Action``; None when the action is unknown to the data."""
    service, _, name = action.partition(":")
    entry = _actions().get(service, {}).get("Actions", {}).get(name.lower())
    return None if entry is None else entry.get("Resources", [])


def statements(template: dict) -> Iterator[tuple[str, str, dict]]:
    """(logical id, kind, statement) for identity policies and key policies."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents: list[tuple[str, Any]] = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(("identity", props.get("PolicyDocument")))
        elif resource["Type"] == "AWS::IAM::Role":
            documents += [("identity", p["PolicyDocument"]) for p in props.get("Policies", [])]
        elif resource["Type"] == "AWS::KMS::Key":
            documents.append(("key", props.get("KeyPolicy")))
        for kind, document in documents:
            for statement in (document or {}).get("Statement", []):
                yield logical_id, kind, statement


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _is_key_admin(statement: dict) -> bool:
    """AWS's default key-policy statement: the account root may administer the key (keeps it manageable)."""
    principal = json.dumps(statement.get("Principal", {}))
    return statement.get("Action") == "kms:*" and ":root" in principal and statement.get("Resource") == "*"


def findings(template: dict) -> list[str]:
    found: list[str] = []
    for logical_id, kind, statement in statements(template):
        if statement.get("Effect") != "Allow" or (kind == "key" and _is_key_admin(statement)):
            continue
        where = f"{logical_id} {statement.get('Sid', '')}".strip()
        actions = _as_list(statement.get("Action", []))
        for action in actions:
            if action == "*" or action.endswith(":*"):
                found.append(f"{where}: wildcard action {action}")
            elif "*" in action:
                found.append(f"{where}: wildcard in action {action}")
            elif resource_types(action) is None:
                found.append(f"{where}: {action} is not in the Service Authorization Reference data")
        if kind == "identity" and "*" in _as_list(statement.get("Resource", [])):
            for action in actions:
                types = resource_types(action) or []
                condition = CONDITION_SCOPED.get(action)
                scoped = condition is not None and condition in json.dumps(statement.get("Condition", {}))
                if types and not scoped:
                    found.append(f"{where}: {action} has resource types {types} but is granted on '*'")
        if "iam:PassRole" in actions:
            condition = json.dumps(statement.get("Condition", {}))
            if "iam:PassedToService" not in condition or "*" in _as_list(statement.get("Resource", [])):
                found.append(f"{where}: iam:PassRole must name the role and carry an iam:PassedToService condition")
    return found
