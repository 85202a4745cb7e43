"""IAM audit over every example and option set; and proof that the audit catches what it is for."""

from __future__ import annotations

import copy

import pytest

from . import iam_audit
from .stacks import template_names, templates


@pytest.mark.parametrize("name", template_names())
def test_every_statement_is_least_privilege(name):
    template = templates()[name]
    assert sum(1 for _ in iam_audit.statements(template)) >= 5  # the audit really walked the policies
    assert iam_audit.findings(template) == []


def _with_statement(statement: dict) -> dict:
    template = copy.deepcopy(templates()["example qwen3-8b (us-east-1)"])
    policy = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy")
    policy["Properties"]["PolicyDocument"]["Statement"].append({"Effect": "Allow", **statement})
    return template


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Action": "*", "Resource": "*"}, "wildcard action *"),
        ({"Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}, "wildcard action s3:*"),
        ({"Action": "s3:GetObject*", "Resource": "arn:aws:s3:::b/*"}, "wildcard in action s3:GetObject*"),
        ({"Action": "sagemaker:DescribeEndpoint", "Resource": "*"}, "has resource types ['endpoint']"),
        ({"Action": "cloudwatch:PutMetricData", "Resource": "*"}, "cloudwatch:PutMetricData has resource types"),
        ({"Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/x"}, "iam:PassedToService"),
        ({"Action": "sagemaker:DescribeEndpiont", "Resource": "*"}, "not in the Service Authorization Reference"),
        ({"Action": "cloudwatch:PutMetricData", "Resource": "*",
          "Condition": {"StringEquals": {"cloudwatch:namespace": "ConstructsPkg/ScaleOut"}}},
         "is not one endpoint's namespace"),
        ({"Action": "cloudwatch:PutMetricData", "Resource": "*",
          "Condition": {"StringLike": {"cloudwatch:namespace": "ConstructsPkg/ScaleOut/*"}}},
         "is not one endpoint's namespace"),
    ],
)  # fmt: skip
def test_the_audit_catches(statement, expected):
    found = iam_audit.findings(_with_statement(statement))
    assert any(expected in f for f in found), found


def test_the_audit_catches_a_key_that_logs_may_use_for_every_log_group():
    template = copy.deepcopy(templates()["example qwen3-8b (us-east-1)"])
    key = next(r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key")
    (crypto,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "CloudWatchLogsEncryption"]
    crypto["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"] = {"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":logs:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"},
        ":log-group:*"]]}  # fmt: skip
    assert [f for f in iam_audit.findings(template) if "every log group" in f] != []


def test_the_audit_accepts_what_is_allowed():
    allowed = [
        {"Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": "X"}}},
        {"Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/x",
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
    ]  # fmt: skip
    template = templates()["example qwen3-8b (us-east-1)"]
    for statement in allowed:
        assert iam_audit.findings(_with_statement(statement)) == iam_audit.findings(template) == []


def test_the_parametrized_names_are_exactly_the_built_templates():
    """The audits parametrize on ``template_names()`` (no synth at collection): it must name every template built."""
    assert template_names() == list(templates())
