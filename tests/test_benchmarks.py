"""The benchmark compares like with like: the hand-written apps synthesize the library's templates exactly.

No timing here; ``benchmarks/run.py`` measures. If a library change alters a template, these fail until
``benchmarks/handwritten.py`` is brought back in line, so the overhead ratios keep measuring the same content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from benchmarks import handwritten
from benchmarks.run import CONTEXT, components_app, library_app
from constructs_pkg.testing import mask_hashes


def _template(build: Callable[[cdk.App], object], stack_id: str) -> dict[str, Any]:
    app = cdk.App(context=CONTEXT)
    build(app)
    template = Template.from_stack(cast(cdk.Stack, app.node.find_child(stack_id))).to_json()
    return dict(mask_hashes(dict(template)))


def _differences(library: dict[str, Any], hand: dict[str, Any]) -> list[str]:
    problems = [f"only in the library: {k}" for k in sorted(set(library["Resources"]) - set(hand["Resources"]))]
    problems += [f"only hand-written: {k}" for k in sorted(set(hand["Resources"]) - set(library["Resources"]))]
    problems += [f"differs: {k}" for k in sorted(set(library["Resources"]) & set(hand["Resources"]))
                 if library["Resources"][k] != hand["Resources"][k]]  # fmt: skip
    problems += [f"section differs: {s}" for s in sorted(set(library) | set(hand))
                 if s != "Resources" and library.get(s) != hand.get(s)]  # fmt: skip
    return problems


def test_handwritten_reference_app_synthesizes_the_library_template() -> None:
    library = _template(library_app, "Qwen3Lmi")
    hand = _template(handwritten.build, "Qwen3Lmi")
    assert len(library["Resources"]) > 30
    assert _differences(library, hand) == []
    assert library == hand


@pytest.mark.parametrize("count", [1, 3])
def test_handwritten_components_app_synthesizes_the_library_template(count: int) -> None:
    library = _template(components_app(count), "Scale")
    hand = _template(lambda app: handwritten.components_floor(app, count), "Scale")
    components = [r for r in library["Resources"].values() if r["Type"] == "AWS::SageMaker::InferenceComponent"]
    assert len(components) == count
    assert _differences(library, hand) == []
    assert library == hand


def test_the_comparison_notices_a_difference() -> None:
    hand = _template(lambda app: handwritten.components_floor(app, 2), "Scale")
    library = _template(components_app(1), "Scale")
    assert _differences(library, hand) != []
