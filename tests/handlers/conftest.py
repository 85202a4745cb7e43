"""Handler fixtures: CloudFormation events as the Provider framework sends them, moto for what it covers, and
botocore Stubber (checked against the real service model) for what moto lacks, such as inference components."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from constructs_pkg.runtime.aws import Clients

REGION = "us-east-1"
ACCOUNT = "123456789012"
ENDPOINT = "qwen3lmi-endpoint-9fa583eb"


def cfn_event(request_type: str, *, props: dict | None = None, physical_id: str | None = None,
              data: dict | None = None, **overrides: Any) -> dict:  # fmt: skip
    """A Provider-framework event. Property values are strings, as CloudFormation sends them."""
    properties = {
        "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:provider",
        "EndpointName": ENDPOINT,
        "InstanceType": "ml.g6.2xlarge",
        "ImageUris": [],
        "Mode": "WARN",
        "PurgeTimeoutSeconds": "600",
        **(props or {}),
    }
    event: dict[str, Any] = {
        "RequestType": request_type,
        "RequestId": "req-1",
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/s/1",
        "LogicalResourceId": "CacheGuard",
        "ResourceType": "Custom::SageMakerCacheGuard",
        "ResourceProperties": properties,
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_id or f"cache-guard/{ENDPOINT}"
    if request_type == "Update":
        event["OldResourceProperties"] = dict(properties)
    if data is not None:
        event["Data"] = data
    event.update(overrides)
    return event


class Routed:
    """A client whose listed operations go to a Stubber-backed client and the rest to moto."""

    def __init__(self, moto_client: Any, stubbed_client: Any, stubbed: set[str]) -> None:
        self._moto, self._stubbed, self._ops = moto_client, stubbed_client, stubbed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stubbed if name in self._ops else self._moto, name)


class Aws:
    """moto-backed AWS with optional Stubber routes, handed to the handler as its ``Clients``."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.stubbers: list[Stubber] = []
        self._routes: dict[str, tuple[Any, set[str]]] = {}
        self._stubbers: dict[str, Stubber] = {}
        self.clients = Clients(self._client, sleep=self.sleeps.append)

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

    def _client(self, service: str, region: str | None) -> Any:
        real = self.boto(service, region)
        if service in self._routes:
            stubbed, operations = self._routes[service]
            return Routed(real, stubbed, operations)
        return real

    def push_image(self, repository: str, tag: str, *, mutability: str = "MUTABLE") -> str:
        """Create a repository with one image in moto; returns the image's URI by tag."""
        ecr = self.boto("ecr")
        try:
            ecr.create_repository(repositoryName=repository, imageTagMutability=mutability)
        except ecr.exceptions.RepositoryAlreadyExistsException:
            pass
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + "1" * 64, "size": 7023, "mediaType": "application/vnd.docker.container.image.v1+json"},
            "layers": [{"digest": "sha256:" + "2" * 64, "size": 10**9, "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"}],
        }  # fmt: skip
        ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
        return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}"

    def metric_values(self, name: str) -> list[float]:
        from datetime import datetime, timedelta, timezone

        from constructs_pkg.runtime import names

        now = datetime.now(timezone.utc)
        answer = self.boto("cloudwatch").get_metric_statistics(
            Namespace=names.NAMESPACE, MetricName=name, Dimensions=[{"Name": "EndpointName", "Value": ENDPOINT}],
            StartTime=now - timedelta(hours=1), EndTime=now + timedelta(hours=1), Period=60, Statistics=["Maximum"],
        )  # fmt: skip
        return [p["Maximum"] for p in answer["Datapoints"]]

    def verify(self) -> None:
        for stubber in self.stubbers:
            stubber.assert_no_pending_responses()


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        fake = Aws()
        yield fake
        fake.verify()
