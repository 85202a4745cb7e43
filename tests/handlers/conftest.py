"""Handler test harness: cited CloudFormation events, botocore Stubber serving the cited response fixtures of
``tests/fixtures`` (checked against the installed service model) for everything a handler reads, and moto for the
state a handler writes (DynamoDB claims, CloudWatch metrics)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from constructs_pkg.runtime.aws import RECORDER, Clients, FunctionBudget

from .. import fixtures

REGION = "us-east-1"
ACCOUNT = "123456789012"
ENDPOINT = "qwen3lmi-endpoint-9fa583eb"


CFN_EVENTS = {"Create": "events/cfn_create", "Update": "events/cfn_update", "Delete": "events/cfn_delete"}


def cfn_event(request_type: str, *, props: dict | None = None, physical_id: str | None = None,
              data: dict | None = None, **overrides: Any) -> dict:  # fmt: skip
    """The cited Provider-framework event for ``request_type`` (``events/cfn_<type>``), with guard properties
    replaced by ``props`` (string values, as CloudFormation sends them) and, for isComplete, onEvent's ``Data``."""
    event = fixtures.event(CFN_EVENTS[request_type])
    event["ResourceProperties"] = {**event["ResourceProperties"], **(props or {})}
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if data is not None:
        event["Data"] = data
    event.update(overrides)
    return event


class Routed:
    """A client whose listed operations go to a Stubber-backed client and the rest to moto; an operation with
    queued faults (``Aws.fault``) raises the next one instead."""

    def __init__(self, moto_client: Any, stubbed_client: Any, stubbed: set[str], faults: dict | None = None,
                 always: dict | None = None, service: str = "") -> None:  # fmt: skip
        self._moto, self._stubbed, self._ops = moto_client, stubbed_client, stubbed
        self._faults, self._always, self._service = faults or {}, always or {}, service

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._stubbed if name in self._ops else self._moto, name)
        key = (self._service, name)
        if key not in self._faults and key not in self._always:
            return real

        def call(**params: Any) -> Any:  # decided per call: Clients.call fetches the method once for all attempts
            queued = self._faults.get(key)
            if queued:
                return queued.pop(0)(**params)
            return self._always[key](**params) if key in self._always else real(**params)

        return call


class FakeContext:
    """The Lambda context's ``get_remaining_time_in_millis``, read from the fake clock."""

    def __init__(self, aws: Aws, timeout_s: float) -> None:
        self._end, self._aws = aws.elapsed + timeout_s, aws

    def get_remaining_time_in_millis(self) -> int:
        return int((self._end - self._aws.elapsed) * 1000)


class Aws:
    """moto-backed AWS with optional Stubber routes, handed to the handler as its ``Clients``."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.stubbers: list[Stubber] = []
        self._routes: dict[str, tuple[Any, set[str]]] = {}
        self._stubbers: dict[str, Stubber] = {}
        self._asked: list[tuple[str, str | None]] = []
        self._faults: dict[tuple[str, str], list[Any]] = {}
        self._always: dict[tuple[str, str], Any] = {}
        self.calls: list[tuple[str, str]] = []
        #: The fake clock (seconds): sleeps and faults advance it; Clients read it for their deadline.
        self.elapsed = 0.0
        self.clients = Clients(self._client, sleep=self._sleep, clock=lambda: self.elapsed, budget=RECORDER)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def invocation(self, budget: FunctionBudget, *, timeout_s: float | None = None) -> Clients:
        """Clients as a library function sees them in one invocation: ``budget``'s retries and a deadline from a
        context with ``timeout_s`` (default: the function's timeout) remaining."""
        clients = Clients(self._client, sleep=self._sleep, clock=lambda: self.elapsed, budget=budget)
        return clients.for_invocation(FakeContext(self, budget.timeout_s if timeout_s is None else timeout_s))

    def fault(self, service: str, operation: str, error: BaseException, *, seconds: float = 0.0,
              times: int | None = 1) -> None:  # fmt: skip
        """The next ``times`` calls of ``operation`` (every call: None) take ``seconds`` on the fake clock and raise
        ``error`` (a botocore ReadTimeoutError after the read timeout, a ConnectTimeoutError, ...), before any
        Stubber or moto answer. Counted calls must all happen (``verify``)."""

        def failing(**_params: Any) -> Any:
            self.calls.append((service, operation))
            self.elapsed += seconds
            raise error

        if times is None:
            self._always[(service, operation)] = failing
        else:
            self._faults.setdefault((service, operation), []).extend([failing] * times)

    def boto(self, service: str, region: str | None = None) -> Any:
        return boto3.client(service, region_name=region or REGION)

    def stub(self, service: str, *operations: str) -> Stubber:
        """Route ``operations`` of ``service`` to the service's one Stubber (created on first use); returns it for
        ``fixtures.stub`` / add_client_error. Responses are queued per service, in call order."""
        if service in self._routes:
            stubbed, routed = self._routes[service]
            routed.update(operations)
            return self._stubbers[service]
        stubbed = self.boto(service)
        stubber = Stubber(stubbed)
        stubber.activate()
        self.stubbers.append(stubber)
        self._stubbers[service] = stubber
        self._routes[service] = (stubbed, set(operations))
        return stubber

    def regions_asked(self, service: str) -> list[str | None]:
        """The regions the handler created ``service`` clients for (None: its own)."""
        return [region for name, region in self._asked if name == service]

    def _client(self, service: str, region: str | None) -> Any:
        self._asked.append((service, region))
        real = self.boto(service, region)
        stubbed, operations = self._routes.get(service, (real, set()))
        return Routed(real, stubbed, operations, self._faults, self._always, service)

    def metric_values(self, name: str) -> list[float]:
        from datetime import datetime, timedelta, timezone

        from constructs_pkg.runtime import names

        now = datetime.now(timezone.utc)
        answer = self.boto("cloudwatch").get_metric_statistics(
            Namespace=names.endpoint_namespace(ENDPOINT), MetricName=name, Dimensions=[{"Name": "EndpointName", "Value": ENDPOINT}],
            StartTime=now - timedelta(hours=1), EndTime=now + timedelta(hours=1), Period=60, Statistics=["Maximum"],
        )  # fmt: skip
        return [p["Maximum"] for p in answer["Datapoints"]]

    def verify(self) -> None:
        for stubber in self.stubbers:
            stubber.assert_no_pending_responses()
        assert not any(self._faults.values()), f"faults never raised: {self._faults}"


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        fake = Aws()
        yield fake
        fake.verify()
