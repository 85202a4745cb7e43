"""parliament lints every identity policy and key policy of every example and option set; and proof that it can fail."""

from __future__ import annotations

import copy

import pytest

from . import iam_audit
from .stacks import templates

#: parliament findings in today's templates, as (policy kind, action or detail, issue). Fixing the construct code makes
#: the test below fail until the entry is removed.
KNOWN_VIOLATIONS: set[tuple[str, str, str]] = set()


def test_parliament_findings_today_are_exactly_the_known_ones():
    found: dict = {}
    for name, template in templates().items():
        assert sum(1 for _ in iam_audit.statements(template)) >= 5, name  # the lint really walked the policies
        for finding in iam_audit.lint(template):
            found.setdefault(finding, name)
    assert set(found) == KNOWN_VIOLATIONS, {f: found.get(f, "fixed") for f in set(found) ^ KNOWN_VIOLATIONS}


def _first_id(template: dict, type_: str) -> str:
    return next(i for i, r in template["Resources"].items() if r["Type"] == type_)


def _with(kind: str, statement: dict) -> dict:
    template = copy.deepcopy(templates()["example qwen3-8b (us-east-1)"])
    if kind == "identity":
        policy = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy")
        statement = statement(template) if callable(statement) else statement
        policy["Properties"]["PolicyDocument"]["Statement"].append({"Effect": "Allow", **statement})
    else:
        key = next(r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key")
        key["Properties"]["KeyPolicy"]["Statement"].append(
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, **statement})
    return template


@pytest.mark.parametrize(
    ("kind", "statement", "expected"),
    [
        ("identity", {"Action": "sagemaker:InvokeEndpoint", "Resource": "arn:aws:s3:::bucket/*"},
         ("identity", "sagemaker:InvokeEndpoint", "RESOURCE_MISMATCH")),
        ("identity", lambda t: {"Action": "s3:GetObject", "Resource": {"Fn::GetAtt": [_first_id(t, "AWS::IAM::Role"), "Arn"]}},
         ("identity", "s3:GetObject", "RESOURCE_MISMATCH")),
        ("identity", {"Action": "sagemaker:DescribeEndpoint",
                      "Resource": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/x",
                      "Condition": {"StringEquals": {"s3:prefix": "x"}}},
         ("identity", "Unknown condition s3:prefix for action sagemaker:DescribeEndpoint",
          "UNKNOWN_CONDITION_FOR_ACTION")),
        ("key", {"Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"sagemaker:VolumeKmsKey": "x"}}},
         ("key", "Unknown condition sagemaker:VolumeKmsKey for action kms:Decrypt", "UNKNOWN_CONDITION_FOR_ACTION")),
    ],
    ids=["action-on-foreign-resource", "action-on-resolved-getatt", "foreign-condition", "key-policy-condition"],
)  # fmt: skip
def test_the_lint_catches(kind, statement, expected):
    found = iam_audit.lint(_with(kind, statement))
    assert expected in found, found
    assert expected not in iam_audit.lint(templates()["example qwen3-8b (us-east-1)"])


def test_intrinsics_resolve_to_arns_of_the_referenced_type():
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function"}, "Sm": {"Type": "AWS::StepFunctions::StateMachine"}}}
    assert iam_audit.resolve({"Fn::GetAtt": ["Fn", "Arn"]}, template).startswith("arn:aws:lambda:us-east-1:")
    assert iam_audit.resolve({"Ref": "Sm"}, template).startswith("arn:aws:states:us-east-1:")
    assert iam_audit.resolve({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b"]]}, template) == "arn:aws:s3:::b"
