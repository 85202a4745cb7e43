"""boto3 clients created lazily, every call inside a time budget, and a retry visible to tests (Stubber bypasses
botocore's).

The one place where SDK timeouts and retries are decided. Each library function has a ``FunctionBudget``: its
Lambda timeout (the constructs read ``timeout_s`` from here) and the ``CallBudget`` of every SDK call it makes
(botocore connect and read timeouts, attempts, backoff). A call's worst case,
``attempts * (connect + read) + backoff``, plus the function's ``margin_s`` fits in its timeout
(tests/constructs/test_call_budgets.py checks every function of a synthesized template). A run makes many calls,
so ``Clients.for_invocation(context)`` also sets a deadline (the invocation's remaining time minus the margin): an
attempt that could not finish before it is not started (``OutOfTime``), and a backoff that would pass it is not
slept (the last error is raised). So no call, and no sequence of calls, outlives the function.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import boto3  # type: ignore[import-untyped]  # no stubs in the Lambda runtime's boto3
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    ConnectionError as BotoConnectionError,
    HTTPClientError,
)

from .budgets import (
    BUDGETS as BUDGETS,
    GUARD_IS_COMPLETE as GUARD_IS_COMPLETE,
    GUARD_ON_EVENT as GUARD_ON_EVENT,
    RECORDER as RECORDER,
    CallBudget as CallBudget,
    FunctionBudget as FunctionBudget,
)

THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded"}
)


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return code if isinstance(code, str) else None
    return None


def error_name(error: BaseException) -> str:
    """The AWS error code, else the exception's class name (``ReadTimeoutError``, ``OutOfTime``)."""
    return error_code(error) or type(error).__name__


def is_retryable(error: BaseException) -> bool:
    """Throttling, and the connection-level failures botocore raises for timeouts, hangs and unreachable endpoints
    (ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError, ConnectionClosedError). A 5xx ClientError is
    not retried: the caller decides what it means."""
    return error_code(error) in THROTTLING_CODES or isinstance(error, (BotoConnectionError, HTTPClientError))


def botocore_config(call: CallBudget) -> Config:
    """botocore's settings for one call of ``call``'s budget."""
    # One attempt per botocore call: Clients.call owns the retry policy, so it is the same in Lambda and in tests.
    return Config(
        connect_timeout=call.connect_timeout_s,
        read_timeout=call.read_timeout_s,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )


class OutOfTime(RuntimeError):
    """The invocation's deadline leaves no room for another attempt; the call was not made."""


class Clients:
    """Creates each boto3 client on first use, so importing a handler never touches AWS."""

    def __init__(self, factory: Callable[[str, str | None], Any] | None = None, *, sleep: Callable[[float], None] = time.sleep,
                 attempts: int | None = None, budget: FunctionBudget = RECORDER,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        """``attempts`` overrides the budget's (kept for callers written before budgets). Default budget: the
        tightest library function's, so a client made without one still fits every function."""
        self.budget = budget
        self.attempts = budget.call.attempts if attempts is None else attempts
        self._factory = factory or self._boto3_client
        self._clients: dict[str, Any] = {}
        self.sleep = sleep
        self.clock = clock
        #: ``clock()`` time after which no attempt starts; None: no deadline (tests, scripts).
        self.deadline: float | None = None

    def for_invocation(self, context: object) -> Clients:
        """A view sharing this object's clients, with a deadline of the invocation's remaining time (Lambda's
        ``context.get_remaining_time_in_millis()``; the budget's timeout when unknown) minus the budget's margin."""
        remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
        remaining = remaining_ms() / 1000 if callable(remaining_ms) else float(self.budget.timeout_s)
        return self.until(self.clock() + remaining - self.budget.margin_s)

    def until(self, deadline: float) -> Clients:
        """A view sharing this object's clients whose calls end before ``deadline`` (a ``clock()`` time)."""
        view = copy.copy(self)
        view.deadline = deadline if self.deadline is None else min(deadline, self.deadline)
        return view

    def reserving(self, seconds: float) -> Clients:
        """A view whose deadline leaves ``seconds`` for calls made after it (for example a verdict to publish)."""
        return self if self.deadline is None else self.until(self.deadline - seconds)

    def remaining_s(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def client(self, service: str, region: str | None = None) -> Any:
        """The client for ``service`` in ``region`` (None: the function's own region)."""
        key = f"{service}@{region}"
        if key not in self._clients:
            self._clients[key] = self._factory(service, region)
        return self._clients[key]

    def call(self, service: str, operation: str, *, region: str | None = None, **params: Any) -> dict[str, Any]:
        """Call ``operation``; retry throttling and connection failures with exponential backoff (0.5 s, 1 s, ...)
        while the deadline leaves room for another whole attempt. Raises ``OutOfTime`` when none is left."""
        method = getattr(self.client(service, region), operation)
        attempt_s = self.budget.call.attempt_s
        for attempt in range(self.attempts):
            if self.deadline is not None and self.clock() + attempt_s > self.deadline:
                raise OutOfTime(f"{service}.{operation} not called: less than {attempt_s:g} s left before the deadline")
            try:
                answer: dict[str, Any] = method(**params)
                return answer
            except Exception as error:
                pause = self.budget.call.backoff_s(attempt)
                last = attempt == self.attempts - 1
                late = self.deadline is not None and self.clock() + pause + attempt_s > self.deadline
                if not is_retryable(error) or last or late:
                    raise
                self.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _boto3_client(self, service: str, region: str | None) -> Any:
        return boto3.client(service, region_name=region, config=botocore_config(self.budget.call))
