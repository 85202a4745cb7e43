"""boto3 clients created lazily, and a retry for throttling that is visible to tests (Stubber bypasses botocore's)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3  # type: ignore[import-untyped]  # no stubs in the Lambda runtime's boto3
from botocore.config import Config  # type: ignore[import-untyped]

THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded"}
)


def error_code(error: Exception) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return code if isinstance(code, str) else None
    return None


class Clients:
    """Creates each boto3 client on first use, so importing a handler never touches AWS."""

    def __init__(self, factory: Callable[[str, str | None], Any] | None = None, *, sleep: Callable[[float], None] = time.sleep,
                 attempts: int = 5) -> None:  # fmt: skip
        self._factory = factory or _boto3_client
        self._clients: dict[str, Any] = {}
        self.sleep = sleep
        self.attempts = attempts

    def client(self, service: str, region: str | None = None) -> Any:
        """The client for ``service`` in ``region`` (None: the function's own region)."""
        key = f"{service}@{region}"
        if key not in self._clients:
            self._clients[key] = self._factory(service, region)
        return self._clients[key]

    def call(self, service: str, operation: str, *, region: str | None = None, **params: Any) -> dict[str, Any]:
        """Call ``operation`` and retry throttling with exponential backoff (0.5 s, 1 s, 2 s, ...)."""
        method = getattr(self.client(service, region), operation)
        for attempt in range(self.attempts):
            try:
                answer: dict[str, Any] = method(**params)
                return answer
            except Exception as error:  # noqa: BLE001 - only throttling is retried; everything else propagates
                if error_code(error) not in THROTTLING_CODES or attempt == self.attempts - 1:
                    raise
                self.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _boto3_client(service: str, region: str | None) -> Any:
    # One attempt per call: Clients.call owns the retry policy, so it is the same in Lambda and in tests.
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return boto3.client(service, region_name=region, config=config)
