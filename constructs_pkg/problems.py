"""The problems that fail ``cdk synth``, found on the paths the CLI does not guard: ``python app.py`` and pytest.

The library reports what it can only judge once the app is complete (components that do not fit together, cache
eligibility in ``ENFORCE`` mode) as error annotations, and what needs a decision as warnings with an id. ``cdk synth``
fails on the errors, and on unacknowledged warnings under ``@aws-cdk/core:annotationsInValidationReport`` (a flag
aws-cdk-lib recommends). ``app.synth()`` only writes them into the cloud assembly and returns, so ``python app.py`` exits 0
and a test that synthesizes a stack passes. ``synth_or_exit(app)`` ends ``app.py`` with a non-zero exit instead, and
``constructs_pkg.testing.assert_no_problems(stack)`` fails a test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from aws_cdk import App, Stack, Stage, cx_api
from constructs import IConstruct

#: Ids of this library's warnings start with it (``constructs-pkg:unchecked-tokens``).
LIBRARY_WARNING_PREFIX = "constructs-pkg:"
#: Set by the CDK CLI for the app it runs: the CLI then reports the problems itself.
CLI_VARIABLE = "CDK_CLI_VERSION"
_ACK = re.compile(r"^(?P<message>.*) \[ack: (?P<id>[^\]]+)\]$", re.S)


@dataclass(frozen=True)
class Problem:
    """An error annotation, or a warning nobody acknowledged, on the construct at ``path``."""

    level: Literal["error", "warning"]
    path: str
    message: str
    #: A warning's id, to acknowledge it with (``Annotation::<id>`` for ``Validations``); None for an error.
    id: str | None = None

    def __str__(self) -> str:
        ack = "" if self.id is None else f" (acknowledge: Annotation::{self.id})"
        return f"[{self.level}] {self.path}: {self.message}{ack}"


def find_problems(scope: IConstruct, *, strict: bool = False) -> list[Problem]:
    """Synthesize ``scope``'s app and return the problems of ``scope`` (a stack: its own; an app or stage: those of
    every stack in it) that fail ``cdk synth``: every error annotation, and every warning of this library that is not
    acknowledged.

    :param strict: Also count other libraries' unacknowledged warnings, as ``cdk synth --strict`` does.
        Default: False.
    """
    stage = scope if isinstance(scope, Stage) else Stage.of(scope)
    if stage is None:
        raise ValueError(f"{scope.node.path or 'scope'} is not in an App or Stage: nothing to synthesize")
    assembly = stage.synth(force=True)
    if isinstance(scope, Stack):
        return _problems([assembly.get_stack_artifact(scope.artifact_id)], strict)
    return _problems(assembly.stacks_recursively, strict)


def problems_in(assembly: cx_api.CloudAssembly, *, strict: bool = False) -> list[Problem]:
    """The problems recorded in a synthesized cloud assembly (see ``find_problems``)."""
    return _problems(assembly.stacks_recursively, strict)


def _problems(stacks: Iterable[cx_api.CloudFormationStackArtifact], strict: bool) -> list[Problem]:
    found: list[Problem] = []
    for stack in stacks:
        for message in stack.messages:
            data = message.entry.data
            text = data if isinstance(data, str) else str(data)
            if message.level == cx_api.SynthesisMessageLevel.ERROR:
                found.append(Problem("error", message.id.lstrip("/"), text))
            elif message.level == cx_api.SynthesisMessageLevel.WARNING:
                match = _ACK.match(text)
                id = match.group("id") if match else None
                if strict or (id is not None and id.startswith(LIBRARY_WARNING_PREFIX)):
                    found.append(Problem("warning", message.id.lstrip("/"), match.group("message") if match else text, id))
    return found


def synth_or_exit(app: App, *, strict: bool = False) -> cx_api.CloudAssembly:
    """``app.synth()``, ending the program with exit status 1 and one line per problem when ``cdk synth`` would fail
    (see ``find_problems``), so ``python app.py`` fails where the CLI fails. Under the CDK CLI (``CDK_CLI_VERSION``
    set) it only synthesizes: the CLI reports the problems itself.

    :param strict: Also fail on other libraries' unacknowledged warnings, as ``cdk synth --strict``. Default: False.
    """
    assembly = app.synth()
    if os.environ.get(CLI_VARIABLE):
        return assembly
    problems = problems_in(assembly, strict=strict)
    if problems:
        raise SystemExit("\n".join([f"{len(problems)} problem(s) would fail cdk synth:", *map(str, problems)]))
    return assembly
