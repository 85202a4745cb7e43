"""cdk-nag v3 acknowledgements for findings the library's own design causes, each with its reason.

They go through aws-cdk-lib's ``Validations`` API, so the library needs no cdk-nag dependency, and users' nag
gates pass on what the library creates while still catching what they add themselves.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

from ._scope import remember

#: How cdk-nag prints these tokens inside a finding id.
PARTITION, REGION, ACCOUNT = "<AWS::Partition>", "<AWS::Region>", "<AWS::AccountId>"
_VALIDATIONS = "_constructs_pkg_validations"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    acknowledge_all(scope, [(rule, reason)])


def acknowledge_all(scope: IConstruct, rules: list[tuple[str, str]]) -> None:
    """Acknowledge several (rule id, reason) pairs on ``scope`` in one call (each jsii call costs synth time).

    ``Validations.of(scope)`` is looked up once per scope and kept on it: roles are acknowledged once per component.
    """
    validations: Validations | None = getattr(scope, _VALIDATIONS, None)
    if validations is None:
        validations = Validations.of(scope)
        remember(scope, _VALIDATIONS, validations)
    validations.acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule, reason in rules))


def wildcard_resource(resource: str) -> str:
    """The id of an AwsSolutions-IAM5 finding for one wildcard resource."""
    return f"AwsSolutions-IAM5[Resource::{resource}]"


def log_streams(log_group: str) -> str:
    return wildcard_resource(f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{log_group}:log-stream:*")


HIPAA, NIST_R5, PCI = "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"
#: The compliance packs that carry each rule (cdk-nag 3.0.2); an acknowledgement names one pack's rule exactly.
_PACKS_OF_RULE: dict[str, tuple[str, ...]] = {
    "IAMNoInlinePolicy": (HIPAA, NIST_R5, PCI),
    "LambdaInsideVPC": (HIPAA, NIST_R5, PCI),
    "LambdaConcurrency": (HIPAA, NIST_R5),
    "LambdaDLQ": (HIPAA, NIST_R5),
    "CloudWatchAlarmAction": (HIPAA, NIST_R5),
    "DynamoDBInBackupPlan": (HIPAA, NIST_R5),
    "CloudWatchLogGroupEncrypted": (HIPAA, NIST_R5, PCI),
}

INLINE_POLICY_REASON = (
    "CDK grants put this role's resource-scoped statements in a policy attached to this role only; a customer "
    "managed policy would hold the same statements with no less privilege."
)


def in_packs(rule: str, reason: str) -> list[tuple[str, str]]:
    """``rule`` as acknowledged in every compliance pack (HIPAA, NIST 800-53 R5, PCI DSS 3.2.1) that carries it."""
    return [(f"{pack}-{rule}", reason) for pack in _PACKS_OF_RULE[rule]]


def acknowledge_rule(scope: IConstruct, rule: str, reason: str) -> None:
    acknowledge_all(scope, in_packs(rule, reason))


def function_rules(*, how_invoked: str) -> list[tuple[str, str]]:
    """The compliance packs' Lambda rules, for a function of the library (or of the CDK Provider framework)."""
    return [
        *in_packs(
            "LambdaConcurrency",
            f"{how_invoked}; reserving concurrency would take capacity from the account and fail deployments in "
            "accounts at the default concurrency quota.",
        ),
        *in_packs("LambdaDLQ", f"{how_invoked}, so a failed invocation is retried or reported, not lost silently."),
        *in_packs(
            "LambdaInsideVPC",
            "It only calls AWS APIs with its role and serves no network traffic; inside a VPC it would need NAT or "
            "interface endpoints for SageMaker, ECR, CloudWatch and Application Auto Scaling.",
        ),
    ]
