"""The library's Lambda functions: the package's ``runtime/`` folder as code, latest Python on ARM, own role and logs."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

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
) -> lambda_.Function:
    """A library Lambda function: latest Python on ARM, its own role and a log group kept after stack deletion.

    The log group is retained on purpose: the cache guard writes its purge verdict while the stack is being deleted.
    """
    log_group = logs.LogGroup(scope, f"{id}Logs", retention=logs.RetentionDays.THREE_MONTHS)
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
    )
    function.node.add_dependency(role)
    return function
