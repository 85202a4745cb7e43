"""The function's time budget: what is left of it (from the Lambda context), and a backoff sleep that never
outlives it. ``runtime.aws.Clients`` retries throttling with exponential backoff; given ``bounded_sleep`` as its
sleep, a backoff that would leave less than ``RESERVE`` seconds raises ``OutOfTime`` instead, so the caller can
give its item back before Lambda kills the run."""

from __future__ import annotations

import time
from collections.abc import Callable

from .aws import RECORDER, OutOfTime

__all__ = ["DEFAULT_REMAINING", "RESERVE", "OutOfTime", "bounded_sleep", "remaining_seconds"]

#: Seconds one item needs after a sleep or before it starts. It covers one attempt's connect and read timeouts of
#: the recorder's call budget (``runtime.aws.RECORDER``), so the attempt after a sleep can still finish.
RESERVE = max(10.0, RECORDER.call.attempt_s)
#: Without a Lambda context (tests, a local run): the recorder function's timeout.
DEFAULT_REMAINING = float(RECORDER.timeout_s)


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
