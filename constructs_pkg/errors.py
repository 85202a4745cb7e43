"""The library's refusal at synth time: one short message naming the construct path, the property, the value and
what is allowed.

Refusals made while constructs are built raise ``ConfigurationError``. Importing the package chains a
``sys.excepthook`` that prints an uncaught ``ConfigurationError`` as that one message (``Error: <path>: ...``)
instead of a traceback through jsii's frames, so ``cdk synth`` shows what to fix and nothing else; any other
exception goes to the previous hook unchanged. Set ``CONSTRUCTS_PKG_TRACEBACK=1`` to see the full traceback.

Checks that can only run once the app is complete (capacity across components, cache eligibility) run in aspects
and report with ``report_error``: an error annotation without a creation trace, which the CLI prints as the message
and the construct path, and then fails the synth. Raising inside a jsii callback (an aspect, a ``Lazy``, an
``IValidation``) instead reaches the user as a ``RuntimeError`` wrapped in a JavaScript stack trace, and an
``IValidation`` message arrives the same way (``ValidationFailedWithErrors`` thrown from ``app.synth()``); an
annotation made with ``Annotations.add_error`` carries a trace whose first frame is jsii's kernel.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from types import TracebackType
from typing import cast

from aws_cdk import Annotations
from constructs import Construct, IConstruct

TRACEBACK_VARIABLE = "CONSTRUCTS_PKG_TRACEBACK"


class ConfigurationError(ValueError):
    """Invalid input: ``path`` is the construct's path (None for a value made outside any construct, such as
    ``ContainerImage.from_image_uri``), each entry of ``problems`` names the property, the value given and what is
    allowed."""

    def __init__(self, path: str | None, what: str, problems: Iterable[str]) -> None:
        self.path = path
        self.what = what
        self.problems = list(problems)
        prefix = "" if path is None else f"{path}: "
        super().__init__(f"{prefix}invalid {what}: " + "; ".join(self.problems))


def path_of(scope: IConstruct, id: str | None = None) -> str:
    """The path of ``scope``, or of its child ``id`` before that child exists."""
    path = scope.node.path
    if id is None:
        return path
    return f"{path}/{id}" if path else id


#: The metadata type the CLI and ``aws_cdk.assertions.Annotations`` read as an error (``Annotations.add_error``).
ERROR_METADATA = "aws:cdk:error"


def report_error(scope: IConstruct, message: str) -> None:
    """An error on ``scope`` that fails ``cdk synth``: like ``Annotations.add_error``, without the stack trace, and once
    (a second synthesis runs the checks again)."""
    if not any(entry.type == ERROR_METADATA and entry.data == message for entry in scope.node.metadata):
        scope.node.add_metadata(ERROR_METADATA, message, stack_trace=False)


#: The metadata type of a warning (``Annotations.add_warning_v2``).
WARNING_METADATA = "aws:cdk:warning"
_PROBE = "ConstructsPkgAcknowledgementProbe"


def report_warning(scope: IConstruct, id: str, message: str) -> None:
    """A warning on ``scope``, acknowledgeable by ``id``: like ``Annotations.add_warning_v2`` (same text, same
    acknowledgements, once per construct), without the stack trace.

    A warning made through jsii carries a trace whose first frame is jsii's kernel, which the CLI prints above the
    warning as its location (``.../lib/program.js:1:5591``). Acknowledgements made with
    ``Annotations.acknowledge_warning`` are kept where Python cannot read them, so a short-lived child asks
    ``add_warning_v2`` whether this one is acknowledged (on ``scope`` or above it).
    """
    text = f"{message} [ack: {id}]"
    node = scope.node  # read once: each read is a jsii round trip
    if any(entry.data == text for entry in node.metadata):
        return
    probe = Construct(cast(Construct, scope), _PROBE)
    Annotations.of(probe).add_warning_v2(id, message)
    acknowledged = not probe.node.metadata
    node.try_remove_child(_PROBE)
    if not acknowledged:
        node.add_metadata(WARNING_METADATA, text, stack_trace=False)


def _excepthook(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if isinstance(error, ConfigurationError) and not os.environ.get(TRACEBACK_VARIABLE):
        print(f"Error: {error}", file=sys.stderr)
        return
    _previous(kind, error, traceback)


_previous = sys.excepthook
if getattr(sys.excepthook, "__module__", None) != __name__:
    sys.excepthook = _excepthook


def invalid(what: str, problem: str, path: str | None = None) -> ConfigurationError:
    """One problem with ``what`` (a factory's result, or the construct at ``path``)."""
    return ConfigurationError(path, what, [problem])
