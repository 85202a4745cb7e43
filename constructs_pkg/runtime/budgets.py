"""Each library function's Lambda timeout and SDK call budgets (see ``runtime/aws.py``, which applies them).

Kept free of boto3 so the constructs, which read the timeouts at synth time, do not import the SDK (about 75 ms of
every ``cdk synth``); ``runtime/aws.py`` re-exports everything here and makes botocore's config from a budget.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class CallBudget:
    """The time one SDK call may take: botocore's timeouts per attempt, the attempts, and the sleeps between them."""

    connect_timeout_s: float
    read_timeout_s: float
    attempts: int
    backoff_base_s: float = 0.5

    def backoff_s(self, attempt: int) -> float:
        """The sleep after failed attempt ``attempt`` (0-based): 0.5 s, 1 s, 2 s, ..."""
        return self.backoff_base_s * 2.0**attempt

    @property
    def attempt_s(self) -> float:
        """The longest one attempt can take: connecting, then waiting for the answer."""
        return self.connect_timeout_s + self.read_timeout_s

    @property
    def worst_case_s(self) -> float:
        """``attempts * (connect + read) + backoff``: the longest one call can take."""
        return self.attempts * self.attempt_s + sum(self.backoff_s(a) for a in range(self.attempts - 1))



@dataclass(frozen=True, kw_only=True)
class FunctionBudget:
    """A library function's Lambda timeout and the budget of each SDK call it makes."""

    handler: str
    timeout_s: int
    call: CallBudget
    #: Time kept after the last SDK call for the handler's own work (logging, replying).
    margin_s: float = 10.0

    def __post_init__(self) -> None:
        if self.call.worst_case_s + self.margin_s > self.timeout_s:
            raise ValueError(
                f"{self.handler}: one call may take {self.call.worst_case_s:g} s plus a {self.margin_s:g} s margin, "
                f"more than the function's {self.timeout_s} s timeout"
            )


#: The guard's on_event: ECR reads on Create/Update, the endpoint check on Delete. 4 x 18 s + 3.5 s = 75.5 s.
GUARD_ON_EVENT = FunctionBudget(
    handler="runtime.guard.on_event", timeout_s=120, call=CallBudget(connect_timeout_s=3, read_timeout_s=15, attempts=4)
)
#: The guard's is_complete: one DescribeEndpoint, ListInferenceComponents pages, the verdict. 3 x 13 s + 1.5 s = 40.5 s.
GUARD_IS_COMPLETE = FunctionBudget(
    handler="runtime.guard.is_complete", timeout_s=60, call=CallBudget(connect_timeout_s=3, read_timeout_s=10, attempts=3)
)
#: The recorder (once a minute). 3 x 12 s + 1.5 s = 37.5 s.
RECORDER = FunctionBudget(
    handler="runtime.recorder.handler", timeout_s=50, call=CallBudget(connect_timeout_s=2, read_timeout_s=10, attempts=3)
)
#: Every library function's budget by Lambda handler (the construct tests look each synthesized function up here).
BUDGETS: dict[str, FunctionBudget] = {b.handler: b for b in (GUARD_ON_EVENT, GUARD_IS_COMPLETE, RECORDER)}
