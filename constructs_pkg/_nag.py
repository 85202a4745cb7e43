"""cdk-nag v3 acknowledgements for findings the library's own design causes, each with its reason.

They go through aws-cdk-lib's ``Validations`` API, so the library needs no cdk-nag dependency, and users' nag
gates pass on what the library creates while still catching what they add themselves.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

#: How cdk-nag prints these tokens inside a finding id.
PARTITION, REGION, ACCOUNT = "<AWS::Partition>", "<AWS::Region>", "<AWS::AccountId>"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def wildcard_resource(resource: str) -> str:
    """The id of an AwsSolutions-IAM5 finding for one wildcard resource."""
    return f"AwsSolutions-IAM5[Resource::{resource}]"


def log_streams(log_group: str) -> str:
    return wildcard_resource(f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{log_group}:log-stream:*")
