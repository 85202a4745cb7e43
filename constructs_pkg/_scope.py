"""Facts about a construct's stack, read through jsii once and kept in Python.

Every jsii call is a round trip to the Node process (about half a millisecond at synth). ``Stack.of``, a stack's
name, path and region, and the ``Aws`` pseudo-parameter tokens never change once read, yet the library used to
read them again for every component; here they are read once per scope (or once per process for the tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from aws_cdk import Aws, Stack, Token
from aws_cdk import aws_cloudwatch as cw
from constructs import IConstruct

_ATTRIBUTE = "_constructs_pkg_scope_facts"


@dataclass
class StackFacts:
    """A stack as the library reads it. ``imports`` holds per-stack imports the library creates once (by key)."""

    stack: Stack
    path: str
    #: The stack name, or its construct path when the name is a token (the base of the library's default names).
    name_base: str
    #: The region, None when it is a token (an environment-agnostic stack).
    region: str | None
    imports: dict[str, object] = field(default_factory=dict)


def remember(obj: object, attribute: str, value: object) -> None:
    """Keep ``value`` on ``obj`` when it takes attributes (jsii's proxies for interfaces, such as an imported role,
    do not: then it is read again next time)."""
    try:
        setattr(obj, attribute, value)
    except AttributeError:
        pass


def stack_facts(scope: IConstruct) -> StackFacts:
    """The facts of ``scope``'s stack, read on first use and then kept on the stack (and on ``scope``)."""
    facts: StackFacts | None = getattr(scope, _ATTRIBUTE, None)
    if facts is None:
        stack = Stack.of(scope)
        facts = getattr(stack, _ATTRIBUTE, None)
        if facts is None:
            path, name, region = stack.node.path, stack.stack_name, stack.region
            facts = StackFacts(
                stack=stack,
                path=path,
                name_base=path if Token.is_unresolved(name) else name,
                region=None if Token.is_unresolved(region) else region,
            )
            remember(stack, _ATTRIBUTE, facts)
        remember(scope, _ATTRIBUTE, facts)
    return facts


def share_facts(child: IConstruct, parent: IConstruct) -> None:
    """Give ``child`` (made directly in ``parent``, and not a stack itself) the facts ``parent`` already holds, so
    ``stack_facts(child)`` needs no ``Stack.of`` round trip: a construct that is no stack is in its parent's stack."""
    facts = getattr(parent, _ATTRIBUTE, None)
    if facts is not None:
        remember(child, _ATTRIBUTE, facts)


def region_or_token(scope: IConstruct) -> str:
    """The stack's region: the concrete name, or the ``AWS::Region`` token."""
    facts = stack_facts(scope)
    return facts.region if facts.region is not None else region_token()


@cache
def region_token() -> str:
    return Aws.REGION


@cache
def partition_token() -> str:
    return Aws.PARTITION


@cache
def account_token() -> str:
    return Aws.ACCOUNT_ID


@cache
def url_suffix_token() -> str:
    return Aws.URL_SUFFIX


@cache
def red() -> str:
    """``cw.Color.RED`` (a hex string)."""
    return cw.Color.RED


def arn(service: str, resource: str) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` with the pseudo-parameter tokens."""
    return f"arn:{partition_token()}:{service}:{region_token()}:{account_token()}:{resource}"
