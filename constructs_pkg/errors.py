"""The library's refusal at synth time: one short message naming the construct path, the property, the value and
what is allowed.

Refusals made while constructs are built raise ``ConfigurationError``. Importing the package chains a
``sys.excepthook`` that prints an uncaught ``ConfigurationError`` as that one message (``Error: <path>: ...``)
instead of a traceback through jsii's frames, so ``cdk synth`` shows what to fix and nothing else; any other
exception goes to the previous hook unchanged. Set ``CONSTRUCTS_PKG_TRACEBACK=1`` to see the full traceback.

Checks that can only run once the app is complete (capacity across components, cache eligibility) run in aspects
and report with ``Annotations.add_error``: the CLI prints them as ``[Error at <path>] ...`` and fails the synth.
Raising inside a jsii callback instead would reach the user wrapped in a JavaScript stack trace.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from types import TracebackType

from constructs import IConstruct

TRACEBACK_VARIABLE = "CONSTRUCTS_PKG_TRACEBACK"


class ConfigurationError(ValueError):
    """Invalid input to a construct: ``path`` is the construct's path, each entry of ``problems`` names the
    property, the value given and what is allowed."""

    def __init__(self, path: str, what: str, problems: Iterable[str]) -> None:
        self.path = path
        self.what = what
        self.problems = list(problems)
        super().__init__(f"{path}: invalid {what}: " + "; ".join(self.problems))


def path_of(scope: IConstruct, id: str | None = None) -> str:
    """The path of ``scope``, or of its child ``id`` before that child exists."""
    path = scope.node.path
    if id is None:
        return path
    return f"{path}/{id}" if path else id


def _excepthook(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if isinstance(error, ConfigurationError) and not os.environ.get(TRACEBACK_VARIABLE):
        print(f"Error: {error}", file=sys.stderr)
        return
    _previous(kind, error, traceback)


_previous = sys.excepthook
if getattr(sys.excepthook, "__module__", None) != __name__:
    sys.excepthook = _excepthook
