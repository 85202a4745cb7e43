"""Every SDK call of every library function fits in that function's timeout, with margin.

The budgets live in one place (``constructs_pkg/runtime/aws.py``): the constructs take each function's timeout from
it and the handlers build their botocore clients from it. These tests read the *synthesized* templates, so a
function added without a budget, or a timeout changed in a construct, fails here.
"""

from __future__ import annotations

import pytest

from constructs_pkg.runtime import aws
from constructs_pkg.runtime.aws import BUDGETS, CallBudget, Clients, FunctionBudget

from ..stacks import templates


def _library_functions() -> list[tuple[str, str, int]]:
    found = []
    for name, template in templates().items():
        for resource in template["Resources"].values():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::Lambda::Function" and str(props.get("Handler", "")).startswith("runtime."):
                found.append((name, props["Handler"], props["Timeout"]))
    return found


def test_every_library_function_of_every_audited_template_has_a_budget_that_fits():
    functions = _library_functions()
    assert {handler for _, handler, _ in functions} == set(BUDGETS)  # the guard's two and the recorder, all seen
    for name, handler, timeout in functions:
        budget = BUDGETS[handler]
        call = budget.call
        worst = call.attempts * (call.connect_timeout_s + call.read_timeout_s) + sum(
            call.backoff_base_s * 2**attempt for attempt in range(call.attempts - 1)
        )
        assert timeout == budget.timeout_s, f"{name}: {handler} timeout {timeout} s is not its budget's"
        assert worst + budget.margin_s <= timeout, f"{name}: {handler} may spend {worst} s in one call of {timeout} s"
        assert budget.margin_s >= 5


@pytest.mark.parametrize("budget", BUDGETS.values(), ids=list(BUDGETS))
def test_the_clients_a_handler_builds_carry_its_budget(budget):
    client = Clients(budget=budget).client("sagemaker", "us-east-1")
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (budget.call.connect_timeout_s, budget.call.read_timeout_s)
    assert config.retries["total_max_attempts"] == 1  # Clients.call does the retrying, within the deadline


def test_the_known_case_persistent_ecr_throttling_with_nine_images_fits_on_event():
    """Two calls per image (DescribeImages, DescribeRepositories) that each exhaust their attempts: the deadline
    stops the run inside the function (tests/handlers/test_guard_faults.py runs it); each call alone fits."""
    assert aws.GUARD_ON_EVENT.call.worst_case_s + aws.GUARD_ON_EVENT.margin_s <= aws.GUARD_ON_EVENT.timeout_s


def test_a_budget_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match=r"runtime.x.y: one call may take 60 s plus a 10 s margin, more than .* 60 s"):
        FunctionBudget(handler="runtime.x.y", timeout_s=60,
                       call=CallBudget(connect_timeout_s=10, read_timeout_s=50, attempts=1))  # fmt: skip
