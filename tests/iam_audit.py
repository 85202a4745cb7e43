"""Audit every IAM statement of a template against cfn-lint's copy of the Service Authorization Reference."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Iterator

import cfnlint

#: Actions whose only resource type is optional and which are scoped by a condition key instead.
CONDITION_SCOPED = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}
#: The library's namespaces are this prefix plus one endpoint's name; a grant on anything wider is shared.
LIBRARY_NAMESPACE_PREFIX = "ConstructsPkg/"
_LOGS_CONTEXT = "kms:EncryptionContext:aws:logs:arn"


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
        found += _shared_grants(where, kind, actions, statement, template)
        if "iam:PassRole" in actions:
            condition = json.dumps(statement.get("Condition", {}))
            if "iam:PassedToService" not in condition or "*" in _as_list(statement.get("Resource", [])):
                found.append(f"{where}: iam:PassRole must name the role and carry an iam:PassedToService condition")
    return found


def _shared_grants(where: str, kind: str, actions: list, statement: dict, template: dict) -> list[str]:
    """Grants one endpoint's principals would share with every other: a library namespace wider than one endpoint's,
    and a key that CloudWatch Logs may use for any log group."""
    found: list[str] = []
    for operator, values in statement.get("Condition", {}).items():
        for key, value in values.items():
            resolved = [str(v) for v in _as_list(resolve(value, template))]
            if key == "cloudwatch:namespace" and "cloudwatch:PutMetricData" in actions:
                for namespace in resolved:
                    if namespace.startswith(LIBRARY_NAMESPACE_PREFIX) and (
                        namespace.count("/") < 2 or namespace.endswith("/") or "*" in namespace or "?" in namespace
                    ):
                        found.append(f"{where}: PutMetricData on {namespace} ({operator}) is not one endpoint's namespace")
            if kind == "key" and key == _LOGS_CONTEXT:
                found += [f"{where}: CloudWatch Logs may use the key for every log group ({arn})"
                          for arn in resolved if arn.endswith(":log-group:*")]  # fmt: skip
    return found


# --------------------------------------------------------------------------------------------------------------------
# parliament (offline IAM linter with its own copy of the Service Authorization Reference): each statement is linted
# with its intrinsics resolved to ARNs of the right resource type, so "action granted on a resource type it does not
# support" (RESOURCE_MISMATCH) and "condition key the action does not support" are caught.
#: parliament issues that fail the audit.
LINT_ISSUES = frozenset({"RESOURCE_MISMATCH", "UNKNOWN_ACTION", "UNKNOWN_PREFIX", "UNKNOWN_CONDITION_FOR_ACTION",
                         "MALFORMED", "UNKNOWN_OPERATOR", "MISMATCHED_TYPE"})  # fmt: skip
_ACCOUNT, _REGION = "123456789012", "us-east-1"
_PSEUDO = {"AWS::Region": _REGION, "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws",
           "AWS::AccountId": _ACCOUNT, "AWS::StackName": "stack", "AWS::StackId": "stack-id"}  # fmt: skip
#: CloudFormation type -> the ARN its ``Fn::GetAtt [X, Arn]`` (or ARN-valued ``Ref``) resolves to.
_ARNS = {
    "AWS::Lambda::Function": "arn:aws:lambda:{r}:{a}:function:name",
    "AWS::IAM::Role": "arn:aws:iam::{a}:role/name",
    "AWS::KMS::Key": "arn:aws:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "AWS::Logs::LogGroup": "arn:aws:logs:{r}:{a}:log-group:name:*",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{r}:{a}:table/name",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:name",
    "AWS::S3::Bucket": "arn:aws:s3:::name",
    "AWS::SQS::Queue": "arn:aws:sqs:{r}:{a}:name",
    "AWS::SNS::Topic": "arn:aws:sns:{r}:{a}:name",
    "AWS::SageMaker::Endpoint": "arn:aws:sagemaker:{r}:{a}:endpoint/name",
    "AWS::SageMaker::Model": "arn:aws:sagemaker:{r}:{a}:model/name",
    "AWS::SageMaker::EndpointConfig": "arn:aws:sagemaker:{r}:{a}:endpoint-config/name",
    "AWS::SageMaker::InferenceComponent": "arn:aws:sagemaker:{r}:{a}:inference-component/name",
    "AWS::Events::Rule": "arn:aws:events:{r}:{a}:rule/name",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "arn:aws:autoscaling:{r}:{a}:scalingPolicy:id:resource/sagemaker/x",
}  # fmt: skip
_ARN_REFS = {"AWS::StepFunctions::StateMachine", "AWS::SNS::Topic", "AWS::ApplicationAutoScaling::ScalingPolicy"}


def resolve(value: Any, template: dict) -> Any:
    """``value`` with intrinsics replaced by plausible literals: ARNs of the referenced resource's type."""
    resources = template.get("Resources", {})

    def arn_of(logical_id: str) -> str:
        pattern = _ARNS.get(resources.get(logical_id, {}).get("Type", ""), "arn:aws:unknown:{r}:{a}:name")
        return pattern.format(r=_REGION, a=_ACCOUNT)

    if isinstance(value, list):
        return [resolve(v, template) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1 or not next(iter(value)).startswith(("Fn::", "Ref")):
        return {k: resolve(v, template) for k, v in value.items()}
    (function, argument), = value.items()
    if function == "Ref":
        if argument in _PSEUDO:
            return _PSEUDO[argument]
        return arn_of(argument) if resources.get(argument, {}).get("Type") in _ARN_REFS else "name"
    if function == "Fn::GetAtt":
        return arn_of(argument[0]) if argument[1].endswith("Arn") else "name"
    if function == "Fn::Join":
        return argument[0].join(str(resolve(p, template)) for p in argument[1])
    if function == "Fn::FindInMap":
        name, first, second = (resolve(a, template) for a in argument)
        return template.get("Mappings", {}).get(name, {}).get(first, {}).get(second, "name")
    return "name"


def _lint_policy(statement: dict, kind: str, template: dict, key_arn: str | None) -> list:
    from parliament import analyze_policy_string  # imported lazily: parliament loads its IAM database on import

    statement = resolve(statement, template)
    if kind == "key":  # in a key policy, "*" is the key itself
        statement = {k: v for k, v in statement.items() if k not in ("Principal", "NotPrincipal")}
        statement["Resource"] = key_arn
    policy = analyze_policy_string(json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    return [f for f in policy.findings if f.issue in LINT_ISSUES]


def lint(template: dict) -> set[tuple[str, str, str]]:
    """parliament's findings as (policy kind, action or condition, issue), over every identity and key policy."""
    found: set[tuple[str, str, str]] = set()
    for logical_id, kind, statement in statements(template):
        if kind == "key" and _is_key_admin(statement):
            continue
        key_arn = resolve({"Fn::GetAtt": [logical_id, "Arn"]}, template) if kind == "key" else None
        for finding in _lint_policy(statement, kind, template, key_arn):
            details = finding.detail if isinstance(finding.detail, list) else [finding.detail]
            for detail in details:
                subject = detail.get("action") if isinstance(detail, dict) else str(detail)
                found.add((kind, subject, finding.issue))
    return found
