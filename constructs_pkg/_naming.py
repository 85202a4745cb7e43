"""Deterministic physical names.

SageMaker lower-cases some ARNs, the inference-component name is not a CloudFormation attribute, and the cache
guard must know the endpoint's name before the endpoint exists. So the library picks lowercase names itself,
derived from the construct path: stable across synths, unique per path, and within the API's pattern.
"""

from __future__ import annotations

import hashlib
import re

from aws_cdk import Aws, Fn, Token
from constructs import IConstruct

from ._scope import remember, stack_facts

SAGEMAKER_NAME_MAX = 63
#: Every log group the library creates is named ``/constructs-pkg/<endpoint>/...`` (``library_log_group_name``).
LOG_GROUP_ROOT = "/constructs-pkg"
#: CreateLogGroup: "logGroupName ... Length Constraints: Minimum length of 1. Maximum length of 512",
#: pattern ``[\.\-_/#A-Za-z0-9]+``.
LOG_GROUP_NAME_MAX = 512
LOG_GROUP_NAME = re.compile(r"^[\.\-_/#A-Za-z0-9]+$")
_LOG_GROUP_TAIL_MAX = 128
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
_HASH_LEN = 8
_PATH = "_constructs_pkg_path"  # a construct's path never changes: kept on the Python object once read


def physical_name(path: str, *, max_length: int = SAGEMAKER_NAME_MAX) -> str:
    """A lowercase name of at most ``max_length`` characters matching ``[a-z0-9](-*[a-z0-9])*``.

    Human-readable path parts come first (the tail is kept when too long), and a hash of the full path
    comes last, so two paths never collide even when their readable parts do.
    """
    digest = hashlib.sha256(path.encode()).hexdigest()[:_HASH_LEN]
    parts = [re.sub(r"[^a-z0-9]+", "", p.lower()) for p in path.split("/")]
    readable = "-".join(p for p in parts if p)
    budget = max_length - _HASH_LEN - 1
    if len(readable) > budget:
        readable = readable[-budget:].lstrip("-")
    return f"{readable}-{digest}" if readable else digest


def lower_name(name: str) -> str:
    """A name as SageMaker writes it in ARNs: lower-cased when concrete; a token is left as it is (lower-casing
    its placeholder would write a corrupt literal)."""
    if "${Token[" not in name:  # answered in Python: each jsii call costs synth time
        return name.lower()
    return name if Token.is_unresolved(name) else name.lower()


def imported_arn(scope: IConstruct, resource: str, name: str) -> str:
    """The ARN of an imported SageMaker resource. SageMaker lower-cases names in ARNs, and IAM matches ARNs
    case-sensitively, so a concrete name is lower-cased."""
    return stack_facts(scope).stack.format_arn(service="sagemaker", resource=resource, resource_name=lower_name(name))


def default_name(scope: IConstruct, id: str, given: str | None) -> str:
    """``given``, or the physical name of construct ``id`` in ``scope``: its stack name plus its path in the stack."""
    if given is not None:
        return given
    stack = stack_facts(scope)  # read once per scope: each jsii call costs synth time
    scope_path = getattr(scope, _PATH, None)
    if scope_path is None:
        scope_path = scope.node.path
        remember(scope, _PATH, scope_path)
    relative = f"{scope_path}/{id}"[len(stack.path) :].lstrip("/")
    return physical_name(f"{stack.name_base}/{relative}")


def log_group_prefix(endpoint_name: str) -> str:
    """The start of the name of every log group the library creates for endpoint ``endpoint_name``.

    The endpoint's key lets CloudWatch Logs use it for log groups under this prefix only. It holds the endpoint's
    name and no reference to a log group, so the key policy can name it without a dependency cycle; a token name
    (a CfnParameter) becomes an ``Fn::Join``.
    """
    return f"{LOG_GROUP_ROOT}/{endpoint_name}/"


def library_log_group_name(scope: IConstruct, id: str, endpoint_name: str) -> str:
    """``<log_group_prefix><stack id>/<path>-<hash>``: the physical name of log group ``id`` in ``scope``.

    - under the endpoint's prefix, so its key policy can name it;
    - the UUID of the stack's ``AWS::StackId``: a log group kept after its stack was deleted (the default
      ``RemovalPolicy.RETAIN``) does not block the same stack's next creation, which gets a new stack id;
    - the construct's path in its stack (readable, then a hash of the full path, like ``physical_name``): unique
      within the stack, and it changes exactly when the construct moves, so CloudFormation can create the new log
      group before it deletes (or keeps) the old one.

    At most 16 + 63 (SageMaker's endpoint-name limit) + 1 + 36 + 1 + 128 = 245 characters of ``[a-z0-9/-]`` and
    the endpoint's ``[a-zA-Z0-9-]``: within CloudWatch Logs' 512 and its pattern.
    """
    stack = stack_facts(scope)
    relative = f"{scope.node.path}/{id}"[len(stack.path) :].lstrip("/")
    stack_uuid = Fn.select(2, Fn.split("/", Aws.STACK_ID))
    return f"{log_group_prefix(endpoint_name)}{stack_uuid}/{physical_name(relative, max_length=_LOG_GROUP_TAIL_MAX)}"
