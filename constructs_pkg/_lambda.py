"""The library's Lambda functions: the package's ``runtime/`` folder as code, latest Python on ARM, own role and logs."""

from __future__ import annotations

from pathlib import Path

import jsii
from aws_cdk import Aws, Duration, IStableListProducer, Lazy, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import _nag, _scope
from ._naming import library_log_group_name, log_group_prefix

#: The Lambda asset: the package's ``runtime/`` folder only (stdlib + boto3); handlers are ``runtime.<module>.<fn>``.
_PACKAGE_DIR = Path(__file__).resolve().parent
_ASSET_EXCLUDE = ["*", "!runtime", "!runtime/*.py"]


def runtime_code() -> lambda_.Code:
    """The asset holding ``constructs_pkg/runtime`` for the library's Lambda functions."""
    return lambda_.Code.from_asset(str(_PACKAGE_DIR), exclude=_ASSET_EXCLUDE)


def python_function(
    scope: Construct,
    id: str,
    *,
    handler: str,
    description: str,
    timeout: Duration,
    endpoint_name: str,
    environment: dict[str, str] | None = None,
    encryption_key: kms.IKey | None = None,
    how_invoked: str,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    dead_letter_queue: sqs.IQueue | None = None,
) -> lambda_.Function:
    """A library Lambda function: latest Python on ARM, its own role and a log group, by default kept after stack
    deletion (``removal_policy``), named under ``endpoint_name``'s log-group prefix (``library_log_group_name``);
    ``dead_letter_queue`` receives the events of asynchronous invocations that failed every retry.

    The log group is retained by default on purpose: the cache guard writes its purge verdict while the stack is being
    deleted, and that verdict is the evidence of the deletion.
    """
    log_group = log_group_for(scope, f"{id}Logs", encryption_key, removal_policy, endpoint_name=endpoint_name)
    role = iam.Role(scope, f"{id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
    role.add_to_policy(
        iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn])
    )
    function = lambda_.Function(
        scope,
        id,
        runtime=lambda_.Runtime.PYTHON_3_14,
        architecture=lambda_.Architecture.ARM_64,
        handler=handler,
        code=runtime_code(),
        timeout=timeout,
        memory_size=256,
        role=role,
        log_group=log_group,
        description=description,
        environment=environment,
        dead_letter_queue=dead_letter_queue,
    )
    function.node.add_dependency(role)
    _nag.acknowledge_rule(role, "IAMNoInlinePolicy", _nag.INLINE_POLICY_REASON)
    _nag.acknowledge_all(function, _nag.function_rules(how_invoked=how_invoked))
    return function


def log_group_for(
    scope: Construct,
    id: str,
    encryption_key: kms.IKey | None,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    *,
    endpoint_name: str,
) -> logs.LogGroup:
    """A log group of endpoint ``endpoint_name``, named under its prefix (``library_log_group_name``: the only log
    groups its key lets CloudWatch Logs use), kept three months, encrypted with ``encryption_key`` when one is given."""
    log_group = logs.LogGroup(
        scope,
        id,
        log_group_name=library_log_group_name(scope, id, endpoint_name),
        retention=logs.RetentionDays.THREE_MONTHS,
        encryption_key=encryption_key,
        removal_policy=removal_policy,
    )
    if encryption_key is None:
        _nag.acknowledge_rule(
            log_group,
            "CloudWatchLogGroupEncrypted",
            "No customer key was given (encryption_key); CloudWatch Logs encrypts it at rest with its own key, and "
            "it holds only the library's operational JSON lines, no request data.",
        )
    return log_group


_LOG_GROUP_ARNS = "_constructs_pkg_logs_may_use"


def allow_logs_to_use(key: kms.IKey, endpoint_name: str) -> None:
    """Let CloudWatch Logs in this account and region encrypt endpoint ``endpoint_name``'s library log groups with
    ``key``, and no other log group (no-op for an imported key).

    Two statements: the cryptographic actions are confined by the encryption context to log groups named under the
    endpoint's prefix (``log_group_prefix``), while ``kms:DescribeKey`` takes no encryption context (its only
    condition keys are kms:CallerAccount, kms:RequestAlias and kms:ViaService), so under that condition it would
    never be allowed. A key shared by several endpoints gets one statement naming each endpoint's prefix.
    """
    arn = _scope.arn("logs", f"log-group:{log_group_prefix(endpoint_name)}*")
    arns: list[str] | None = getattr(key, _LOG_GROUP_ARNS, None)
    if arns is not None:  # the statement exists: it reads the list at synth
        if arn not in arns:
            arns.append(arn)
        return
    arns = [arn]
    _scope.remember(key, _LOG_GROUP_ARNS, arns)
    logs = iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsEncryption",
            principals=[logs],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                     "kms:GenerateDataKeyWithoutPlaintext"],  # fmt: skip
            resources=["*"],  # in a key policy, "*" is this key
            # StringLike: the Service Authorization Reference types kms:EncryptionContext:* as String.
            conditions={"StringLike": {"kms:EncryptionContext:aws:logs:arn": Lazy.list(_Arns(arns))}},
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsDescribeKey", principals=[logs], actions=["kms:DescribeKey"], resources=["*"]
        )
    )


@jsii.implements(IStableListProducer)
class _Arns:
    """The log-group ARN patterns of the endpoints sharing a key, read at synth (a later endpoint adds its own)."""

    def __init__(self, arns: list[str]) -> None:
        self._arns = arns

    def produce(self) -> list[str]:
        return list(self._arns)
