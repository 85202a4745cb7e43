"""What fails ``cdk synth`` fails ``python app.py`` (``synth_or_exit``) and pytest (``assert_no_problems``) too; the
library's warnings carry no jsii trace frame and still honour both ways of acknowledging them."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Annotations, Validations
from aws_cdk.assertions import Annotations as AssertedAnnotations
from aws_cdk.assertions import Match

from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceEndpoint
from constructs_pkg.problems import CLI_VARIABLE, Problem, find_problems, synth_or_exit
from constructs_pkg.testing import assert_no_problems

from ..conftest import cdk_context
from ..helpers import ENV, IMAGE_URI

_TOKENS = "constructs-pkg:unchecked-tokens"


def _app_with(*, fit_error: bool = False, token: bool = False, app: cdk.App | None = None, id: str = "Tiny"):
    """An endpoint (one ml.g6.2xlarge at most) with one component, or two that do not fit together; with ``token``,
    a second endpoint whose component's memory is a parameter (the unchecked-tokens warning)."""
    app = app or cdk.App(context=cdk_context())
    stack = cdk.Stack(app, id, env=ENV)
    endpoint = InferenceEndpoint(stack, "Endpoint", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=1)
    image = ContainerImage.from_image_uri(IMAGE_URI)
    endpoint.add_inference_component("A", image=image, accelerator_count=1, memory_mib=8192)
    if fit_error:
        endpoint.add_inference_component("B", image=image, accelerator_count=1, memory_mib=8192)
    if token:
        other = InferenceEndpoint(stack, "Other", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=1)
        memory = cdk.CfnParameter(stack, "Memory", type="Number").value_as_number
        other.add_inference_component("A", image=image, accelerator_count=1, memory_mib=memory)
    return app, stack, endpoint


def test_an_error_and_a_library_warning_are_problems():
    app, stack, _ = _app_with(fit_error=True, token=True)
    problems = find_problems(stack)
    assert [(p.level, p.path, p.id) for p in problems] == [
        ("error", "Tiny/Endpoint", None),
        ("warning", "Tiny/Other/A", _TOKENS),
    ]
    assert "do not fit on max_instance_count 1 x ml.g6.2xlarge" in problems[0].message
    assert problems[1].message.startswith("resolved only at deploy time, so not checked at synth: memory_mib")
    assert "[ack:" not in problems[1].message
    assert str(problems[1]).endswith(f"(acknowledge: Annotation::{_TOKENS})")


def test_a_clean_stack_has_no_problems():
    _, stack, _ = _app_with()
    assert find_problems(stack) == []
    assert_no_problems(stack)


def test_other_libraries_warnings_count_only_when_strict():
    _, stack, _ = _app_with()
    Annotations.of(stack).add_warning_v2("other-lib:advice", "consider something")
    Annotations.of(stack).add_warning("an old-style warning")
    assert find_problems(stack) == []
    assert [(p.id, p.message) for p in find_problems(stack, strict=True)] == [
        ("other-lib:advice", "consider something"),
        (None, "an old-style warning"),
    ]


def test_an_app_reports_every_stack_and_a_stack_only_its_own():
    app, clean, _ = _app_with(id="Clean")
    _app_with(app=app, id="Broken", fit_error=True)
    assert find_problems(clean) == []
    assert [p.path for p in find_problems(app)] == ["Broken/Endpoint"]


@pytest.mark.parametrize("how", ["validations", "annotations-before", "annotations-after"])
def test_an_acknowledged_library_warning_is_no_problem(how):
    _, stack, endpoint = _app_with(token=True) if how == "annotations-after" else (None, None, None)
    if how == "annotations-after":
        Annotations.of(stack).acknowledge_warning(_TOKENS, "sized by a parameter on purpose")
    else:  # acknowledged on the stack before the warning is made
        app = cdk.App(context=cdk_context())
        stack = cdk.Stack(app, "Tiny", env=ENV)
        if how == "validations":
            Validations.of(stack).acknowledge(Acknowledgment(id=f"Annotation::{_TOKENS}", reason="on purpose"))
        else:
            Annotations.of(stack).acknowledge_warning(_TOKENS, "on purpose")
        _app_with(app=app, id="Unused")  # another stack keeps its warning
        endpoint = InferenceEndpoint(stack, "Endpoint", instance_type=AcceleratorInstanceType.G6_2XLARGE,
                                     max_instance_count=1)  # fmt: skip
        memory = cdk.CfnParameter(stack, "Memory", type="Number").value_as_number
        endpoint.add_inference_component("A", image=ContainerImage.from_image_uri(IMAGE_URI), accelerator_count=1,
                                         memory_mib=memory)  # fmt: skip
    assert find_problems(stack) == []
    assert [c.node.id for c in endpoint.node.find_all() if "Probe" in c.node.id] == []  # the probe is gone


def test_library_warnings_carry_no_trace_and_are_made_once():
    _, stack, endpoint = _app_with(token=True)
    from constructs_pkg.errors import report_warning

    report_warning(endpoint, "constructs-pkg:example", "said once")
    report_warning(endpoint, "constructs-pkg:example", "said once")
    warnings = AssertedAnnotations.from_stack(stack).find_warning("*", Match.any_value())
    assert sorted(w.entry.data for w in warnings) == [
        "resolved only at deploy time, so not checked at synth: memory_mib (range and whether copies fit on the "
        f"endpoint) [ack: {_TOKENS}]",
        "said once [ack: constructs-pkg:example]",
    ]
    # The CLI prints a trace's first frame (jsii's program.js) above the warning as its location.
    assert [w.entry.trace for w in warnings] == [None, None]


def test_assert_no_problems_lists_each_problem_with_its_path():
    _, stack, _ = _app_with(fit_error=True, token=True)
    with pytest.raises(AssertionError) as raised:
        assert_no_problems(stack)
    lines = str(raised.value).splitlines()
    assert lines[0] == "Tiny has 2 problem(s) that fail cdk synth:"
    assert lines[1].startswith("  [error] Tiny/Endpoint: the components' guaranteed copies")
    assert lines[2].startswith("  [warning] Tiny/Other/A: resolved only at deploy time")
    assert lines[3].startswith("Fix them, or acknowledge a warning you accept: Validations.of(construct)")
    assert len(lines) == 4


def test_synth_or_exit_ends_python_app_py_like_the_cli(monkeypatch):
    monkeypatch.delenv(CLI_VARIABLE, raising=False)
    app, _, _ = _app_with(fit_error=True)
    with pytest.raises(SystemExit) as raised:
        synth_or_exit(app)
    message = str(raised.value.code)
    assert message.splitlines()[0] == "1 problem(s) would fail cdk synth:"
    assert message.splitlines()[1].startswith("[error] Tiny/Endpoint: the components' guaranteed copies")

    clean, _, _ = _app_with()
    assert synth_or_exit(clean).get_stack_by_name("Tiny").template["Resources"]


def test_under_the_cli_synth_or_exit_leaves_the_report_to_the_cli(monkeypatch):
    monkeypatch.setenv(CLI_VARIABLE, "2.1148.1")
    app, _, _ = _app_with(fit_error=True)
    assembly = synth_or_exit(app)
    assert [m.level for m in assembly.get_stack_by_name("Tiny").messages] == [cdk.cx_api.SynthesisMessageLevel.ERROR]


def test_problem_reads_as_one_line():
    assert str(Problem("error", "S/E", "bad")) == "[error] S/E: bad"
    assert str(Problem("warning", "S/E", "hm", "constructs-pkg:x")) == "[warning] S/E: hm (acknowledge: Annotation::constructs-pkg:x)"
