"""The library's Lambda functions: the package's ``runtime/`` folder as code, latest Python on ARM, own role and logs."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import _nag

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
    environment: dict[str, str] | None = None,
    encryption_key: kms.IKey | None = None,
    how_invoked: str,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    dead_letter_queue: sqs.IQueue | None = None,
) -> lambda_.Function:
    """A library Lambda function: latest Python on ARM, its own role and a log group, by default kept after stack
    deletion (``removal_policy``); ``dead_letter_queue`` receives the events of asynchronous invocations that
    failed every retry.

    The log group is retained by default on purpose: the cache guard writes its purge verdict while the stack is being
    deleted, and that verdict is the evidence of the deletion.
    """
    log_group = log_group_for(scope, f"{id}Logs", encryption_key, removal_policy)
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
    scope: Construct, id: str, encryption_key: kms.IKey | None, removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
) -> logs.LogGroup:
    """A log group kept three months, encrypted with ``encryption_key`` when one is given."""
    log_group = logs.LogGroup(
        scope, id, retention=logs.RetentionDays.THREE_MONTHS, encryption_key=encryption_key, removal_policy=removal_policy
    )
    if encryption_key is None:
        _nag.acknowledge_rule(
            log_group,
            "CloudWatchLogGroupEncrypted",
            "No customer key was given (encryption_key); CloudWatch Logs encrypts it at rest with its own key, and "
            "it holds only the library's operational JSON lines, no request data.",
        )
    return log_group


def allow_logs_to_use(key: kms.IKey) -> None:
    """Let CloudWatch Logs in this account and region encrypt log groups with ``key`` (no-op for an imported key).

    Two statements: the cryptographic actions are confined to this account's log groups by the encryption context,
    while ``kms:DescribeKey`` takes no encryption context (its only condition keys are kms:CallerAccount,
    kms:RequestAlias and kms:ViaService), so under that condition it would never be allowed.
    """
    logs = iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsEncryption",
            principals=[logs],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                     "kms:GenerateDataKeyWithoutPlaintext"],  # fmt: skip
            resources=["*"],  # in a key policy, "*" is this key
            # StringLike: the Service Authorization Reference types kms:EncryptionContext:* as String.
            conditions={
                "StringLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                }
            },
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsDescribeKey", principals=[logs], actions=["kms:DescribeKey"], resources=["*"]
        )
    )
