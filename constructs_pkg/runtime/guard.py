"""The cache guard's Lambda handlers: ``runtime.guard.on_event`` and ``runtime.guard.is_complete``.

Create/Update: report whether AWS's container image cache can apply to the endpoint (and fail when enforcing).
Delete (runs after the endpoint is deleted): poll until the endpoint and its inference components are gone, then
record the verdict as a log line and CloudWatch metrics. The purge itself is not observable; this is the evidence.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import eligibility, names
from .aws import Clients, error_code

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)

WARN, ENFORCE = "WARN", "ENFORCE"
_NOT_FOUND = frozenset({"ImageNotFoundException", "RepositoryNotFoundException"})
_IMMUTABLE, _MUTABLE = "IMMUTABLE", "MUTABLE"


class MalformedEvent(ValueError):
    """The CloudFormation event lacks what the guard needs."""


class CacheIneligible(RuntimeError):
    """Enforcing mode: the cache cannot apply, so the deployment stops before the endpoint is created."""


class PurgeNotVerified(RuntimeError):
    """Enforcing mode: the endpoint or its components were still there when verification timed out."""


@dataclass(frozen=True)
class GuardEvent:
    """The fields of a CloudFormation custom-resource event that the guard reads (values arrive as strings)."""

    request_type: str
    endpoint_name: str
    instance_type: str
    image_uris: tuple[str, ...]
    mode: str
    purge_timeout_s: float
    physical_id: str | None
    data: Mapping[str, Any]

    @classmethod
    def parse(cls, event: Mapping[str, Any]) -> GuardEvent:
        request_type = event.get("RequestType")
        if request_type not in ("Create", "Update", "Delete"):
            raise MalformedEvent(f"RequestType must be Create, Update or Delete, got {request_type!r}")
        props = event.get("ResourceProperties")
        if not isinstance(props, Mapping):
            raise MalformedEvent("ResourceProperties is missing")
        missing = [k for k in ("EndpointName", "InstanceType", "ImageUris", "Mode", "PurgeTimeoutSeconds") if k not in props]
        if missing:
            raise MalformedEvent(f"ResourceProperties lacks {', '.join(missing)}")
        if props["Mode"] not in (WARN, ENFORCE):
            raise MalformedEvent(f"Mode must be WARN or ENFORCE, got {props['Mode']!r}")
        images = props["ImageUris"]
        if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
            raise MalformedEvent(f"ImageUris must be a list of strings, got {images!r}")
        try:
            timeout = float(props["PurgeTimeoutSeconds"])
        except (TypeError, ValueError):
            raise MalformedEvent(f"PurgeTimeoutSeconds must be a number, got {props['PurgeTimeoutSeconds']!r}") from None
        return cls(
            request_type=request_type,
            endpoint_name=str(props["EndpointName"]),
            instance_type=str(props["InstanceType"]),
            image_uris=tuple(images),
            mode=props["Mode"],
            purge_timeout_s=timeout,
            physical_id=event.get("PhysicalResourceId"),
            data=event.get("Data") or {},
        )


class CacheGuard:
    """One custom-resource request. ``clients`` is injected, so tests pass Stubber- or moto-backed clients."""

    def __init__(self, event: Mapping[str, Any], clients: Clients, *, region: str,
                 now: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.raw = event
        self.clients = clients
        self.region = region
        self.now = now

    def on_event(self) -> dict[str, Any]:
        try:
            event = GuardEvent.parse(self.raw)
        except MalformedEvent as error:
            if self.raw.get("RequestType") == "Delete":  # never make a stack undeletable
                _log("cache-guard-malformed-delete", error=str(error))
                return {"PhysicalResourceId": self.raw.get("PhysicalResourceId", "cache-guard"), "Data": {}}
            raise
        if event.request_type == "Delete":
            return {"PhysicalResourceId": event.physical_id, "Data": {"DeleteStartedAt": str(self.now())}}
        return self._check_eligibility(event)

    def is_complete(self) -> dict[str, Any]:
        try:
            event = GuardEvent.parse(self.raw)
        except MalformedEvent:
            if self.raw.get("RequestType") == "Delete":
                return {"IsComplete": True}
            raise
        if event.request_type != "Delete":
            return {"IsComplete": True}
        return self._verify_purge(event)

    # Create / Update --------------------------------------------------------------------------------------------
    def _check_eligibility(self, event: GuardEvent) -> dict[str, Any]:
        images = [self._check_image(uri) for uri in event.image_uris]
        report = eligibility.evaluate(instance_type=event.instance_type, region=self.region, images=images)
        _log("cache-eligibility", endpoint=event.endpoint_name, mode=event.mode, **report.as_data())
        if event.mode == ENFORCE and report.eligible == "false":
            raise CacheIneligible(
                f"container image cache would not apply to endpoint {event.endpoint_name}: " + "; ".join(report.reasons)
            )
        return {"PhysicalResourceId": f"cache-guard/{event.endpoint_name}", "Data": report.as_data()}

    def _check_image(self, uri: str) -> eligibility.ImageCheck:
        parsed = eligibility.parse_ecr_image_uri(uri)
        if parsed is None:  # the static rules already report it
            return eligibility.ImageCheck(uri, exists=False)
        image_id = {"imageDigest": parsed.digest} if parsed.digest else {"imageTag": parsed.tag or "latest"}
        notes: list[str] = []
        exists: bool | None
        size: int | None = None
        try:
            answer = self.clients.call("ecr", "describe_images", region=parsed.region, registryId=parsed.account,
                                       repositoryName=parsed.repository, imageIds=[image_id])  # fmt: skip
            exists, size = True, int(answer["imageDetails"][0].get("imageSizeInBytes", 0))
        except Exception as error:  # noqa: BLE001 - every failure becomes a finding, none a pass
            code = error_code(error)
            if code in _NOT_FOUND:
                exists = False
                notes.append(f"image {uri} not found in ECR ({code})")
            else:
                exists = None
                notes.append(f"could not check image {uri}: {code or type(error).__name__}")
        pinned = True if parsed.digest else self._tag_immutable(parsed, uri, notes)
        return eligibility.ImageCheck(uri, exists=exists, size_bytes=size, pinned=pinned, notes=tuple(notes))

    def _tag_immutable(self, parsed: eligibility.EcrImage, uri: str, notes: list[str]) -> bool | None:
        try:
            answer = self.clients.call("ecr", "describe_repositories", region=parsed.region,
                                       registryId=parsed.account, repositoryNames=[parsed.repository])  # fmt: skip
        except Exception as error:  # noqa: BLE001
            notes.append(f"could not read tag mutability of {uri}: {error_code(error) or type(error).__name__}")
            return None
        mutability = answer["repositories"][0].get("imageTagMutability", _MUTABLE)
        if mutability in (_IMMUTABLE, _MUTABLE):
            return bool(mutability == _IMMUTABLE)
        notes.append(f"repository of {uri} has tag mutability {mutability}; whether this tag is immutable is unknown")
        return None

    # Delete -----------------------------------------------------------------------------------------------------
    def _verify_purge(self, event: GuardEvent) -> dict[str, Any]:
        started = float(event.data.get("DeleteStartedAt", self.now()))
        remaining = self._what_remains(event.endpoint_name)
        elapsed = max(0.0, self.now() - started)
        if not remaining:
            self._record(event, verified=True, elapsed=elapsed)
            return {"IsComplete": True, "Data": {"PurgeVerified": "true", "PurgeSeconds": f"{elapsed:.0f}"}}
        if elapsed < event.purge_timeout_s:
            return {"IsComplete": False}
        self._record(event, verified=False, elapsed=elapsed, remaining=remaining)
        if event.mode == ENFORCE:
            raise PurgeNotVerified(
                f"cache purge of endpoint {event.endpoint_name} not verified after {elapsed:.0f} s: " + "; ".join(remaining)
            )
        return {"IsComplete": True, "Data": {"PurgeVerified": "false", "PurgeSeconds": f"{elapsed:.0f}"}}

    def _what_remains(self, endpoint_name: str) -> list[str]:
        remaining: list[str] = []
        try:
            answer = self.clients.call("sagemaker", "describe_endpoint", EndpointName=endpoint_name)
            remaining.append(f"endpoint {endpoint_name} is {answer['EndpointStatus']}")
        except Exception as error:  # noqa: BLE001
            if error_code(error) != "ValidationException":  # ValidationException: no such endpoint
                remaining.append(f"could not describe endpoint {endpoint_name}: {error_code(error) or type(error).__name__}")
        try:
            left = self._components_of(endpoint_name)
            if left:
                remaining.append(f"inference components still present: {', '.join(left)}")
        except Exception as error:  # noqa: BLE001
            remaining.append(f"could not list inference components: {error_code(error) or type(error).__name__}")
        return remaining

    def _components_of(self, endpoint_name: str) -> list[str]:
        found: list[str] = []
        params: dict[str, Any] = {"EndpointNameEquals": endpoint_name}
        while True:
            answer = self.clients.call("sagemaker", "list_inference_components", **params)
            found += [c["InferenceComponentName"] for c in answer.get("InferenceComponents", [])]
            if not answer.get("NextToken"):
                return found
            params["NextToken"] = answer["NextToken"]

    def _record(self, event: GuardEvent, *, verified: bool, elapsed: float, remaining: list[str] | None = None) -> None:
        _log("cache-purge", endpoint=event.endpoint_name, verified=verified, seconds=round(elapsed),
             remaining=remaining or [])  # fmt: skip
        dimensions = [{"Name": names.ENDPOINT_DIMENSION, "Value": event.endpoint_name}]
        try:
            self.clients.call(
                "cloudwatch",
                "put_metric_data",
                Namespace=names.published_namespace(event.endpoint_name),
                MetricData=[
                    {"MetricName": names.CACHE_PURGE_VERIFIED, "Dimensions": dimensions,
                     "Value": 1.0 if verified else 0.0, "Unit": "Count"},
                    {"MetricName": names.CACHE_PURGE_VERIFICATION_SECONDS, "Dimensions": dimensions,
                     "Value": elapsed, "Unit": "Seconds"},
                ],
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - a lost metric must not block a stack deletion
            _log("cache-purge-metric-failed", endpoint=event.endpoint_name, error=error_code(error) or str(error))


def _log(kind: str, **fields: Any) -> None:
    LOG.info(json.dumps({"event": kind, **fields}, default=str, sort_keys=True))


_CLIENTS = Clients()


def on_event(event: dict[str, Any], context: object) -> dict[str, Any]:
    return CacheGuard(event, _CLIENTS, region=os.environ["AWS_REGION"]).on_event()


def is_complete(event: dict[str, Any], context: object) -> dict[str, Any]:
    return CacheGuard(event, _CLIENTS, region=os.environ["AWS_REGION"]).is_complete()
