"""The function's time budget: what is left of it (from the Lambda context), and a backoff sleep that never
outlives it. ``runtime.aws.Clients`` retries throttling with exponential backoff; given ``bounded_sleep`` as its
sleep, a backoff that would leave less than ``RESERVE`` seconds raises ``OutOfTime`` instead, so the caller can
give its item back before Lambda kills the run."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Seconds one item needs after a sleep or before it starts: one SDK call's budget plus a claim and a publish.
#: It must cover one attempt's connect and read timeouts (``runtime.aws``).
RESERVE = 10.0
#: Without a Lambda context (tests, a local run): the recorder function's timeout.
DEFAULT_REMAINING = 50.0


class OutOfTime(Exception):
    """Raised instead of a backoff sleep that would leave less than ``RESERVE`` seconds."""


def bounded_sleep(remaining: Callable[[], float], sleep: Callable[[float], None] = time.sleep) -> Callable[[float], None]:
    """A ``Clients`` sleep that raises ``OutOfTime`` rather than leave less than ``RESERVE`` seconds."""

    def bounded(seconds: float) -> None:
        left = remaining()
        if left - seconds < RESERVE:
            raise OutOfTime(f"a {seconds} s backoff would leave {left - seconds:.1f} s, less than {RESERVE} s")
        sleep(seconds)

    return bounded


def remaining_seconds(context: object) -> Callable[[], float]:
    """Seconds left, from the Lambda context's ``get_remaining_time_in_millis``; without one, ``DEFAULT_REMAINING``
    from the call."""
    millis = getattr(context, "get_remaining_time_in_millis", None)
    if callable(millis):
        return lambda: float(millis()) / 1000
    started = time.monotonic()
    return lambda: DEFAULT_REMAINING - (time.monotonic() - started)
