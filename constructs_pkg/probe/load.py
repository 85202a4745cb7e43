"""A bounded load of SageMaker Runtime ``InvokeEndpoint`` calls: concurrency, request count and duration all capped.

Each outcome is counted by kind. The kinds are the ones a scale-out shows from the outside:
- ``ok``: a 200;
- ``model_not_ready``: ``ModelNotReadyException`` (HTTP 429 in the service model: the copy is not ready yet);
- ``throttled``: ``ThrottlingException`` or any other 429 (too many requests for the capacity there is);
- ``no_capacity``: ``ValidationError`` saying the component has no capacity (scaled to zero: the wake-up alarm's
  ``NoCapacityInvocationFailures``);
- ``error:<code>``: anything else.
A worker that sees a throttle or a not-ready answer waits ``BACKOFF_SECONDS`` before its next call, so the probe
never hammers an endpoint that is already saying no.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The hard ceilings: a probe is a check, not a load test.
MAX_CONCURRENCY = 64
MAX_REQUESTS = 5000
MAX_DURATION_SECONDS = 1800.0
BACKOFF_SECONDS = 0.5
THROTTLING = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})


@dataclass(frozen=True, kw_only=True)
class Limits:
    concurrency: int = 8
    requests: int = 600
    duration_seconds: float = 300.0

    def __post_init__(self) -> None:
        errors = []
        if not isinstance(self.concurrency, int) or not 1 <= self.concurrency <= MAX_CONCURRENCY:
            errors.append(f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, got {self.concurrency!r}")
        if not isinstance(self.requests, int) or not 1 <= self.requests <= MAX_REQUESTS:
            errors.append(f"requests must be a whole number from 1 to {MAX_REQUESTS}, got {self.requests!r}")
        if not isinstance(self.duration_seconds, (int, float)) or not 0 < self.duration_seconds <= MAX_DURATION_SECONDS:
            errors.append(f"duration must be more than 0 and at most {MAX_DURATION_SECONDS:g} s, got {self.duration_seconds!r}")
        if errors:
            raise ValueError("; ".join(errors))


@dataclass
class LoadResult:
    """What the load did, updated live by the workers (read it under ``lock``)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    #: Seconds after the load's start of the first answer of each kind.
    first_seen: dict[str, float] = field(default_factory=dict)
    sent: int = 0
    stopped_by: str | None = None
    elapsed_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            ordered = sorted(self.latencies)
            return {
                "sent": self.sent,
                "outcomes": dict(sorted(self.outcomes.items())),
                "first_seen_seconds": {k: round(v, 1) for k, v in sorted(self.first_seen.items())},
                "latency_p50_seconds": _quantile(ordered, 0.5),
                "latency_p90_seconds": _quantile(ordered, 0.9),
                "stopped_by": self.stopped_by,
                "elapsed_seconds": round(self.elapsed_seconds, 1),
            }


def classify(error: Exception) -> str:
    """The outcome kind of a failed InvokeEndpoint call (a botocore ClientError or a connection error)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return f"error:{type(error).__name__}"
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = str(response.get("Error", {}).get("Message", "")).lower()
    if code == "ModelNotReadyException":
        return "model_not_ready"
    if code in THROTTLING or status == 429:
        return "throttled"
    if code == "ValidationError" and "capacity" in message:
        return "no_capacity"
    return f"error:{code or status}"


def run_load(invoke: Callable[[], object], limits: Limits, stop: threading.Event, result: LoadResult, *,
             clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> LoadResult:  # fmt: skip
    """Call ``invoke`` from ``limits.concurrency`` threads until a cap is reached or ``stop`` is set."""
    started = clock()

    def worker() -> None:
        while True:
            with result.lock:
                if stop.is_set() or result.stopped_by is not None:
                    return
                if result.sent >= limits.requests:
                    result.stopped_by = result.stopped_by or "request cap"
                    return
                if clock() - started >= limits.duration_seconds:
                    result.stopped_by = result.stopped_by or "duration cap"
                    return
                result.sent += 1
            began = clock()
            try:
                invoke()
                kind = "ok"
            except Exception as error:  # noqa: BLE001 - every failure is an outcome to count
                kind = classify(error)
            ended = clock()
            with result.lock:
                result.outcomes[kind] += 1
                result.first_seen.setdefault(kind, ended - started)
                if kind == "ok":
                    result.latencies.append(ended - began)
            if kind in ("throttled", "model_not_ready", "no_capacity"):
                sleep(BACKOFF_SECONDS)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(limits.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with result.lock:
        result.stopped_by = result.stopped_by or "stopped"
        result.elapsed_seconds = clock() - started
    return result


def _quantile(ordered: list[float], q: float) -> float | None:
    return None if not ordered else round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)
