"""Least privilege where cdk-nag and the IAM linter looked (issue 11): network interfaces in a VPC, no managed
policies on any role (the Provider framework's included), and the key policy's CloudWatch Logs statements."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from ..conftest import cdk_context
from ..helpers import ENV, add_component, new_endpoint, new_stack, one, statements_of
from ..stacks import template_names, templates


def _vpc_stack(app: cdk.App | None = None) -> tuple[cdk.Stack, ec2.Vpc, object]:
    stack = new_stack() if app is None else cdk.Stack(app, "VpcStack", env=ENV)
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    vpc.add_flow_log("FlowLog")  # the user's VPC, made clean so that every remaining finding is the library's
    endpoint = new_endpoint(stack, vpc=vpc)
    add_component(endpoint)
    return stack, vpc, endpoint


def _by_sid(statements: list[dict]) -> dict[str, dict]:
    return {s["Sid"]: s for s in statements if "Sid" in s}


def test_network_interfaces_are_bound_to_the_endpoints_subnets_groups_and_vpc():
    stack, vpc, endpoint = _vpc_stack()
    template = Template.from_stack(stack)
    found = _by_sid(statements_of(stack, template, endpoint.role))
    create, others = found["VpcCreateNetworkInterface"], found["VpcNetworkInterfaces"]
    assert create["Action"] == "ec2:CreateNetworkInterface"
    resources = json.dumps(create["Resource"])
    assert resources.count(":network-interface/*") == 1
    assert resources.count(":subnet/") == 2  # the two private subnets
    assert resources.count(":security-group/") == 1
    assert "Condition" not in create  # network-interface has no ec2:Vpc key for this action
    assert others["Action"] == ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                                "ec2:DeleteNetworkInterfacePermission"]  # fmt: skip
    assert json.dumps(others["Resource"]).endswith(':network-interface/*"]]}')
    vpc_arn = json.dumps(others["Condition"]["ArnEquals"]["ec2:Vpc"])
    assert ":vpc/" in vpc_arn and stack.get_logical_id(vpc.node.default_child) in vpc_arn
    # CreateNetworkInterface appears in one statement only (the linter refuses it split over two).
    assert [s["Sid"] for s in found.values() if "ec2:CreateNetworkInterface" in _actions(s)] == [
        "VpcCreateNetworkInterface"
    ]


def test_a_vpc_stack_has_no_unacknowledged_aws_solutions_finding(tmp_path):
    app = cdk.App(outdir=str(tmp_path), context=cdk_context())
    _vpc_stack(app)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        app.synth()
        findings: list[str] = []
    except RuntimeError:
        report = json.loads((tmp_path / "validation-report.json").read_text())
        findings = [f"{v['ruleName']} @ {c['constructPath']}" for p in report["pluginReports"]
                    for v in p["violations"] for c in v["violatingConstructs"]]  # fmt: skip
    assert findings == []


def test_the_nag_check_above_can_fail(tmp_path):
    app = cdk.App(outdir=str(tmp_path), context=cdk_context())
    stack = cdk.Stack(app, "VpcStack", env=ENV)
    ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)  # no flow log: AwsSolutions-VPC7
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError):
        app.synth()
    assert "AwsSolutions-VPC7" in (tmp_path / "validation-report.json").read_text()


@pytest.mark.parametrize("name", template_names())
def test_no_role_has_a_managed_policy(name):
    roles = [r["Properties"] for r in templates()[name]["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert roles  # the example really has roles to look at
    assert [r for r in roles if "ManagedPolicyArns" in r] == []


def test_the_provider_frameworks_functions_log_only_to_the_providers_log_group():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]
    framework = [r["Properties"] for r in resources.values()
                 if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Handler"].startswith("framework.")]  # fmt: skip
    assert len(framework) == 3  # onEvent, isComplete, onTimeout
    log_groups = {json.dumps(f["LoggingConfig"]["LogGroup"]) for f in framework}
    assert len(log_groups) == 1
    log_group_id = json.loads(log_groups.pop())["Ref"]
    role_ids = {f["Role"]["Fn::GetAtt"][0] for f in framework}
    assert len(role_ids) == 2  # one for onEvent, one shared by isComplete and onTimeout
    for role_id in role_ids:
        statements = [s for r in resources.values() if r["Type"] == "AWS::IAM::Policy"
                      and {"Ref": role_id} in r["Properties"]["Roles"]
                      for s in r["Properties"]["PolicyDocument"]["Statement"]]  # fmt: skip
        logs = [s for s in statements if any(a.startswith("logs:") for a in _actions(s))]
        assert logs == [{"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow",
                         "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]}}]  # fmt: skip
    assert endpoint.cache_guard is not None


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def test_cloudwatch_logs_may_describe_the_key_and_use_it_only_for_this_endpoints_log_groups():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    policy = one(Template.from_stack(stack), "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    found = _by_sid(policy)
    crypto, describe = found["CloudWatchLogsEncryption"], found["CloudWatchLogsDescribeKey"]
    assert "kms:DescribeKey" not in crypto["Action"]
    assert set(crypto["Action"]) == {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                                     "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"}  # fmt: skip
    (operator,) = crypto["Condition"]
    assert operator == "StringLike"
    (arn,) = crypto["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert arn["Fn::Join"][1][-1] == f":log-group:/constructs-pkg/{endpoint.physical_endpoint_name}/*"
    assert describe["Action"] == "kms:DescribeKey"
    assert "Condition" not in describe
    assert describe["Principal"] == crypto["Principal"]
