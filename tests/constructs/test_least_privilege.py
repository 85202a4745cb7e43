"""Least privilege between endpoints (issue 17, item 4): two endpoints in one stack share no metric namespace and no
log-group grant, and the stack passes the four cdk-nag packs.

- each endpoint's functions may publish only to ``ConstructsPkg/ScaleOut/<their endpoint>``, and are told so;
- each key lets CloudWatch Logs use it only for log groups under ``/constructs-pkg/<its endpoint>/``, and every log
  group the library creates (recorder, guard, Provider framework) is named there and encrypted with that key.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Validations
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from constructs import Construct

from constructs_pkg import InferenceEndpoint, ScaleOutRecorder
from constructs_pkg._naming import (
    LOG_GROUP_NAME,
    LOG_GROUP_NAME_MAX,
    SAGEMAKER_NAME_MAX,
    library_log_group_name,
    log_group_prefix,
)
from constructs_pkg.runtime import names

from ..conftest import cdk_context
from ..helpers import add_component, new_endpoint, new_stack
from ..stacks import two_endpoints
from ..test_examples import _nag_findings, nag_packs

LOGS_CONTEXT = "kms:EncryptionContext:aws:logs:arn"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[cdk.Stack, list[InferenceEndpoint], dict, list[str]]:
    """Two endpoints in one stack, synthesized once under the four nag packs and cdk.json's recommended flags."""
    outdir = tmp_path_factory.mktemp("two-endpoints")
    app = cdk.App(outdir=str(outdir), context=cdk_context(recommended_flags=True))
    stack, endpoints = two_endpoints(app)
    Validations.of(app).add_plugins(*nag_packs(app))
    findings = _nag_findings(app.synth, Path(outdir))
    template = json.loads((outdir / stack.template_file).read_text()) if not findings else {}
    return stack, endpoints, template, findings


def _flat(value: Any) -> str:
    """An intrinsic rendered as text, every reference (pseudo-parameter, Fn::Select...) as ``X``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_flat(p) for p in parts)
    return "X"


def _statements(template: dict, type_: str, document: str) -> list[tuple[str, dict]]:
    return [(lid, s) for lid, r in template["Resources"].items() if r["Type"] == type_
            for s in r["Properties"][document]["Statement"]]  # fmt: skip


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def _role_id(stack: cdk.Stack, function) -> str:
    return stack.resolve(stack.get_logical_id(function.role.node.default_child))


def test_the_two_endpoint_stack_passes_the_four_nag_packs(built):
    _, endpoints, template, findings = built
    assert findings == []
    assert len({e.physical_endpoint_name for e in endpoints}) == 2
    assert sum(r["Type"] == "AWS::Lambda::Function" for r in template["Resources"].values()) == 2 * 6


def test_each_function_may_publish_only_to_its_own_endpoints_namespace(built):
    stack, endpoints, template, _ = built
    namespaces = {e.physical_endpoint_name: names.endpoint_namespace(e.physical_endpoint_name) for e in endpoints}
    assert len(set(namespaces.values())) == 2
    policies = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    functions = {lid: r["Properties"] for lid, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
    for endpoint in endpoints:
        own = namespaces[endpoint.physical_endpoint_name]
        publishers = [endpoint.scale_out_recorder.function, endpoint.cache_guard.is_complete_function]
        for function in publishers:
            role = {"Ref": _role_id(stack, function)}
            grants = [s for p in policies if role in p["Roles"] for s in p["PolicyDocument"]["Statement"]
                      if "cloudwatch:PutMetricData" in _actions(s)]  # fmt: skip
            assert grants == [{"Action": "cloudwatch:PutMetricData", "Effect": "Allow", "Resource": "*",
                               "Condition": {"StringEquals": {"cloudwatch:namespace": own}}}]  # fmt: skip
        # Every library function is told its namespace, the one its role may publish to.
        for function in (*publishers, endpoint.cache_guard.on_event_function):
            variables = functions[stack.resolve(stack.get_logical_id(function.node.default_child))]["Environment"]
            assert variables["Variables"][names.NAMESPACE_ENV] == own


def test_no_publish_grant_in_the_stack_covers_both_endpoints_namespaces(built):
    """Whatever the operator (StringEquals or StringLike patterns), no statement reaches two library namespaces."""
    _, endpoints, template, _ = built
    namespaces = [names.endpoint_namespace(e.physical_endpoint_name) for e in endpoints]
    grants = [s for _, s in _statements(template, "AWS::IAM::Policy", "PolicyDocument")
              if "cloudwatch:PutMetricData" in _actions(s)]  # fmt: skip
    assert len(grants) == 2 * 3  # recorder, is_complete and SageMaker's own /aws/sagemaker/* per endpoint
    for grant in grants:
        (operator, condition), = grant["Condition"].items()  # fmt: skip
        patterns = condition["cloudwatch:namespace"]
        patterns = [patterns] if isinstance(patterns, str) else patterns
        match = fnmatch.fnmatchcase if operator == "StringLike" else str.__eq__
        reached = {ns for ns in namespaces for p in patterns if match(ns, p)}
        assert len(reached) <= 1, grant


def test_no_key_lets_logs_use_it_beyond_its_endpoints_log_groups(built):
    stack, endpoints, template, _ = built
    key_ids = {e.physical_endpoint_name: stack.resolve(stack.get_logical_id(e.encryption_key.node.default_child))
               for e in endpoints}  # fmt: skip
    for name, key_id in key_ids.items():
        statements = template["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
        logs = [s for s in statements if "logs." in json.dumps(s.get("Principal", {}))]
        contexts = [s["Condition"]["StringLike"][LOGS_CONTEXT] for s in logs if "Condition" in s]
        assert [[_flat(arn) for arn in c] for c in contexts] == [[f"arn:X:logs:X:X:log-group:/constructs-pkg/{name}/*"]]
        # The statement without a condition is DescribeKey alone (it takes no encryption context).
        assert [_actions(s) for s in logs if "Condition" not in s] == [["kms:DescribeKey"]]
    everything = json.dumps(template)
    assert "log-group:*" not in everything


def test_every_library_log_group_is_named_under_its_endpoints_prefix_and_usable_with_its_key(built):
    stack, endpoints, template, _ = built
    resources = template["Resources"]
    patterns = {}  # key logical id -> the ARN patterns its policy allows Logs
    for key_id, statement in _statements(template, "AWS::KMS::Key", "KeyPolicy"):
        if LOGS_CONTEXT in json.dumps(statement.get("Condition", {})):
            patterns[key_id] = [_flat(a) for a in statement["Condition"]["StringLike"][LOGS_CONTEXT]]
    log_groups = {lid: r["Properties"] for lid, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert len(log_groups) == 2 * 4  # recorder, guard on_event and is_complete, the guard's Provider framework
    for endpoint in endpoints:
        key_id = stack.resolve(stack.get_logical_id(endpoint.encryption_key.node.default_child))
        mine = {lid: p for lid, p in log_groups.items() if p["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}}
        assert len(mine) == 4
        for props in mine.values():
            name = _flat(props["LogGroupName"])
            assert name.startswith(f"/constructs-pkg/{endpoint.physical_endpoint_name}/X/")
            arn = f"arn:X:logs:X:X:log-group:{name}"
            allowed = {k for k, p in patterns.items() if any(fnmatch.fnmatchcase(arn, q) for q in p)}
            assert allowed == {key_id}  # its own key, and no other, lets Logs encrypt it
    # Every function (the Provider framework's too) logs to one of these log groups.
    functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert {f["LoggingConfig"]["LogGroup"]["Ref"] for f in functions} <= set(log_groups)


def test_a_shared_key_names_each_endpoints_prefix_in_one_statement():
    stack = new_stack()
    key = kms.Key(stack, "SharedKey", enable_key_rotation=True)
    first, second = (new_endpoint(stack, id, encryption_key=key) for id in ("A", "B"))
    key_id = stack.resolve(stack.get_logical_id(key.node.default_child))
    policy = Template.from_stack(stack).to_json()["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
    sids = [s["Sid"] for s in policy if "Sid" in s]
    assert sorted(sids) == ["CloudWatchLogsDescribeKey", "CloudWatchLogsEncryption"]
    (crypto,) = [s for s in policy if s.get("Sid") == "CloudWatchLogsEncryption"]
    assert [_flat(a) for a in crypto["Condition"]["StringLike"][LOGS_CONTEXT]] == [
        f"arn:X:logs:X:X:log-group:/constructs-pkg/{e.physical_endpoint_name}/*" for e in (first, second)
    ]


def test_a_token_endpoint_name_becomes_a_join_in_namespace_and_log_group_names():
    """An imported endpoint named by a CfnParameter, recorded by the library: namespace, grant and log group follow.

    (A *defined* endpoint named by a token does not synthesize yet, for a reason outside this module: its role's
    cdk-nag acknowledgement id embeds the name, and an annotation key must resolve to a string.)
    """
    stack = new_stack()
    name = cdk.CfnParameter(stack, "EndpointName", type="String").value_as_string
    endpoint = InferenceEndpoint.from_endpoint_name(stack, "Existing", name)
    recorder = ScaleOutRecorder(stack, "Recorder", endpoint=endpoint, encryption_key=kms.Key(stack, "Key"))
    add_component(endpoint, component_name="adopted")  # its scale-out alarms, on the library's metrics
    ref = {"Ref": "EndpointName"}
    namespace = {"Fn::Join": ["", [f"{names.NAMESPACE_PREFIX}/", ref]]}
    template = Template.from_stack(stack).to_json()
    function = template["Resources"][stack.resolve(stack.get_logical_id(recorder.function.node.default_child))]
    assert function["Properties"]["Environment"]["Variables"][names.NAMESPACE_ENV] == namespace
    role = {"Ref": _role_id(stack, recorder.function)}
    (grant,) = [s for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy" and role in r["Properties"]["Roles"]
                for s in r["Properties"]["PolicyDocument"]["Statement"] if "cloudwatch:PutMetricData" in _actions(s)]  # fmt: skip
    assert grant["Condition"] == {"StringEquals": {"cloudwatch:namespace": namespace}}
    (log_group,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert log_group["LogGroupName"]["Fn::Join"][1][:3] == ["/constructs-pkg/", ref, "/"]
    assert _flat(log_group["LogGroupName"]).startswith("/constructs-pkg/X/X/recorder-functionlogs-")
    # Its alarms and the dashboard read the same namespace.
    assert stack.resolve(endpoint.metric_scale_out_latency().namespace) == namespace
    alarms = [r["Properties"] for r in template["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("Namespace") != "AWS/Lambda"]  # fmt: skip
    assert len(alarms) >= 3 and all(a["Namespace"] == namespace for a in alarms)


def test_log_group_names_stay_valid_and_within_512_characters_for_the_longest_names():
    stack = new_stack()
    longest = "e" * SAGEMAKER_NAME_MAX
    scope = cdk.Stack(stack.node.root, "S" * 128)  # a long stack name and a deep, long path
    deep = scope
    for i in range(12):
        deep = Construct(deep, f"Level{i}" + "x" * 200)
    name = _flat(scope.resolve(library_log_group_name(deep, "Logs" + "y" * 200, longest)))
    assert len(name) - 1 + 36 <= LOG_GROUP_NAME_MAX  # "X" stands for the 36-character stack UUID
    assert LOG_GROUP_NAME.match(name.replace("/X/", "/" + "0" * 36 + "/"))
    assert name.startswith(log_group_prefix(longest))


def test_a_function_publishes_where_its_environment_says_and_derives_the_same_name_without_it():
    assert names.published_namespace("ep", {names.NAMESPACE_ENV: "ConstructsPkg/ScaleOut/given"}) == (
        "ConstructsPkg/ScaleOut/given"
    )
    assert names.published_namespace("ep", {}) == names.endpoint_namespace("ep") == "ConstructsPkg/ScaleOut/ep"
    assert not names.endpoint_namespace("x").startswith("AWS/")
    assert len(names.endpoint_namespace("e" * SAGEMAKER_NAME_MAX)) <= 255  # PutMetricData Namespace max
