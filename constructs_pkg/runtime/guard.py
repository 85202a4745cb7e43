"""The cache guard's Lambda handlers: ``runtime.guard.on_event`` and ``runtime.guard.is_complete``.

Create/Update: report whether AWS's container image cache can apply to the endpoint. In ENFORCE mode an ineligible
endpoint fails the request, except while the stack rolls back (``cloudformation:DescribeStacks`` on the guard's own
stack says ``*ROLLBACK_IN_PROGRESS``, or cannot say): a rollback restores what deployed before and must not fail.
For the same reason an Update whose properties this version cannot read (an older library version's, handed back by
a rollback) answers ``unknown`` while the stack rolls back, and fails only a forward Update.

Delete never fails, in any mode, whatever AWS answers (a failed Delete leaves the stack for a person to repair, and
the endpoint is already gone by then). It runs after the endpoint's deletion, because the endpoint depends on the
guard. At each poll the endpoint is classified by ``DescribeEndpoint``:
- gone (ValidationException) or ``Deleting``: the endpoint is being deleted. Poll until it and its inference
  components are gone, then record the verdict: a log line and ``CachePurgeVerified`` 1. If they are still there,
  or AWS cannot be asked, when ``PurgeTimeoutSeconds`` has passed, the verdict is unverified: ``CachePurgeVerified``
  0 and the log line naming what remained (the alarm on that metric is the signal), and the Delete succeeds.
- any other status (InService, Updating, Failed, ...): the endpoint outlives its guard. Only the guard is being
  removed (``cache_guard=OFF`` later, a new logical ID, or an endpoint kept by its removal policy): no verdict is
  published (there is no purge to verify) and the Delete completes at once.
The purge itself is not observable; this is the evidence.

Every SDK call runs within the function's budget (``aws.GUARD_ON_EVENT``, ``aws.GUARD_IS_COMPLETE``) and the
invocation's deadline: what could not be checked in time is reported ``unknown``, never failed.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import eligibility, names
from .aws import GUARD_IS_COMPLETE, GUARD_ON_EVENT, Clients, OutOfTime, error_code, error_name
from .records import log_event

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)
_log = partial(log_event, LOG)  # one JSON line per event (runtime.records)

WARN, ENFORCE = names.GUARD_WARN, names.GUARD_ENFORCE
_NOT_FOUND = frozenset({"ImageNotFoundException", "RepositoryNotFoundException"})
#: Stack statuses in which an Update or Create is CloudFormation restoring the previous state.
_ROLLING_BACK = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS"})
_DELETING = "Deleting"


class MalformedEvent(ValueError):
    """The CloudFormation event lacks what the guard needs."""


class CacheIneligible(RuntimeError):
    """Enforcing mode: the cache cannot apply, so the deployment stops before the endpoint is created."""


@dataclass(frozen=True)
class GuardEvent:
    """The fields of a CloudFormation custom-resource event that the guard reads (values arrive as strings)."""

    request_type: str
    stack_id: str | None
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
            stack_id=event.get("StackId"),
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
        if self.raw.get("RequestType") == "Delete":
            return self._on_delete()
        try:
            event = GuardEvent.parse(self.raw)
        except MalformedEvent as error:
            # A rollback may hand this code the properties an older library version wrote: report, never fail it.
            stack_id = self.raw.get("StackId")
            if self.raw.get("RequestType") != "Update":
                raise
            status = self._stack_status(stack_id if isinstance(stack_id, str) else None)
            if status not in _ROLLING_BACK:
                raise
            _log("cache-guard-malformed-rollback", error=str(error), stack_status=status)
            unknown = {"Eligible": "unknown", "Pinned": "unknown", "ImageBytes": "0", "Reasons": f"not checked: {error}"}
            return {"PhysicalResourceId": str(self.raw.get("PhysicalResourceId", "cache-guard")), "Data": unknown}
        return self._check_eligibility(event)

    def is_complete(self) -> dict[str, Any]:
        if self.raw.get("RequestType") != "Delete":
            return {"IsComplete": True}  # Create and Update finish in on_event
        try:
            return self._verify_purge(GuardEvent.parse(self.raw))
        except Exception as error:  # noqa: BLE001 - a Delete never fails: an error here would fail the stack
            _log("cache-guard-delete-error", error=error_name(error), detail=str(error)[:500])
            return {"IsComplete": True, "Data": {"PurgeVerified": "unknown"}}

    # Create / Update --------------------------------------------------------------------------------------------
    def _check_eligibility(self, event: GuardEvent) -> dict[str, Any]:
        mutability: dict[tuple[str, str, str], bool | None] = {}
        images = [self._check_image(uri, mutability) for uri in dict.fromkeys(event.image_uris)]  # each image once
        report = eligibility.evaluate(instance_type=event.instance_type, region=self.region, images=images)
        _log("cache-eligibility", endpoint=event.endpoint_name, mode=event.mode, request=event.request_type,
             reasons=list(report.reasons), **{k: v for k, v in report.as_data().items() if k != "Reasons"})  # fmt: skip
        data = report.as_data()
        if event.mode == ENFORCE and report.eligible == "false":
            status = self._stack_status(event.stack_id)
            if status is not None and status not in _ROLLING_BACK:
                raise CacheIneligible(
                    f"container image cache would not apply to endpoint {event.endpoint_name}: " + data["Reasons"]
                )
            # A rollback restores the previous deployment; failing it would leave the stack UPDATE_ROLLBACK_FAILED.
            _log("cache-guard-not-enforced", endpoint=event.endpoint_name, stack_status=status or "unknown")
        return {"PhysicalResourceId": f"cache-guard/{event.endpoint_name}", "Data": data}

    def _stack_status(self, stack_id: str | None) -> str | None:
        """The guard's own stack status; None when it cannot be read (then ENFORCE does not fail the request)."""
        try:
            answer = self.clients.call("cloudformation", "describe_stacks", StackName=stack_id)
            status = answer["Stacks"][0]["StackStatus"]
            return status if isinstance(status, str) else None
        except Exception as error:  # noqa: BLE001 - unknown status: do not risk failing a rollback
            _log("cache-guard-stack-status-unknown", stack=stack_id, error=error_name(error))
            return None

    def _check_image(self, uri: str, mutability: dict[tuple[str, str, str], bool | None]) -> eligibility.ImageCheck:
        parsed = eligibility.parse_ecr_image_uri(uri)
        if parsed is None:  # the static rules already report it
            return eligibility.ImageCheck(uri, exists=False)
        notes: list[str] = []
        exists: bool | None
        size: int | None = None
        try:
            answer = self.clients.call("ecr", "describe_images", region=parsed.region, registryId=parsed.account,
                                       repositoryName=parsed.repository, imageIds=[parsed.image_id])  # fmt: skip
            exists, size = True, int(answer["imageDetails"][0].get("imageSizeInBytes", 0))
        except Exception as error:  # noqa: BLE001 - every failure becomes a finding, none a pass
            code = error_code(error)
            if code in _NOT_FOUND:
                exists = False
                notes.append(f"image {uri} not found in ECR ({code})")
            else:
                exists = None
                notes.append(f"could not check image {uri}: {_why(error)}")
        pinned = True if parsed.digest else self._tag_immutable(parsed, uri, notes, mutability)
        return eligibility.ImageCheck(uri, exists=exists, size_bytes=size, pinned=pinned, notes=tuple(notes))

    def _tag_immutable(self, parsed: eligibility.EcrImage, uri: str, notes: list[str],
                       known: dict[tuple[str, str, str], bool | None]) -> bool | None:  # fmt: skip
        """Whether the tag is immutable; the repository is read once, and a failure is noted once (first image)."""
        key = (parsed.region, parsed.account, parsed.repository)
        if key not in known:
            try:
                answer = self.clients.call("ecr", "describe_repositories", region=parsed.region,
                                           registryId=parsed.account, repositoryNames=[parsed.repository])  # fmt: skip
                value = answer["repositories"][0].get("imageTagMutability")
                known[key] = eligibility.tag_is_immutable(value)
                if known[key] is None:
                    notes.append(f"repository of {uri} has tag mutability {value}; whether its tags are immutable is unknown")
            except Exception as error:  # noqa: BLE001
                known[key] = None
                notes.append(f"could not read tag mutability of {uri}: {_why(error)}")
        return known[key]

    # Delete -----------------------------------------------------------------------------------------------------
    def _on_delete(self) -> dict[str, Any]:
        """Only records when the deletion started: no AWS call, so nothing here can fail or hang."""
        try:
            physical_id = GuardEvent.parse(self.raw).physical_id
        except MalformedEvent as error:  # never make a stack undeletable
            _log("cache-guard-malformed-delete", error=str(error))
            physical_id = None
        if physical_id is None:
            physical_id = str(self.raw.get("PhysicalResourceId", "cache-guard"))
        return {"PhysicalResourceId": physical_id, "Data": {"DeleteStartedAt": str(self.now())}}

    def _verify_purge(self, event: GuardEvent) -> dict[str, Any]:
        started = _seconds(event.data.get("DeleteStartedAt"), self.now())
        # Keep time for the verdict: the checks stop early enough for one PutMetricData attempt.
        checks = self.clients.reserving(self.clients.budget.call.attempt_s)
        status, remaining = self._what_remains(checks, event.endpoint_name)
        elapsed = max(0.0, self.now() - started)
        if status is not None and status != _DELETING:
            _log("cache-guard-removed-alone", endpoint=event.endpoint_name, endpoint_status=status)
            return {"IsComplete": True, "Data": {"PurgeVerified": "not-applicable"}}
        if not remaining:
            self._record(event, verified=True, elapsed=elapsed)
            return {"IsComplete": True, "Data": {"PurgeVerified": "true", "PurgeSeconds": f"{elapsed:.0f}"}}
        if elapsed < event.purge_timeout_s:
            return {"IsComplete": False}
        self._record(event, verified=False, elapsed=elapsed, remaining=remaining)
        return {"IsComplete": True, "Data": {"PurgeVerified": "false", "PurgeSeconds": f"{elapsed:.0f}"}}

    def _what_remains(self, clients: Clients, endpoint_name: str) -> tuple[str | None, list[str]]:
        """The endpoint's status (None: gone or unknown) and what keeps the purge from being verified."""
        try:
            answer = clients.call("sagemaker", "describe_endpoint", EndpointName=endpoint_name)
            status = str(answer["EndpointStatus"])
            if status != _DELETING:
                return status, []
            remaining = [f"endpoint {endpoint_name} is {status}"]
        except Exception as error:  # noqa: BLE001
            status, remaining = None, []
            if error_code(error) != "ValidationException":  # ValidationException: no such endpoint
                remaining.append(f"could not describe endpoint {endpoint_name}: {_why(error)}")
        try:
            left = self._components_of(clients, endpoint_name)
            if left:
                remaining.append(f"inference components still present: {', '.join(left)}")
        except Exception as error:  # noqa: BLE001
            remaining.append(f"could not list inference components: {_why(error)}")
        return status, remaining

    @staticmethod
    def _components_of(clients: Clients, endpoint_name: str) -> list[str]:
        found: list[str] = []
        params: dict[str, Any] = {"EndpointNameEquals": endpoint_name}
        while True:
            answer = clients.call("sagemaker", "list_inference_components", **params)
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
            _log("cache-purge-metric-failed", endpoint=event.endpoint_name, error=error_name(error))


def _why(error: BaseException) -> str:
    if isinstance(error, OutOfTime):
        return "not checked, the function's time ran out"
    return error_name(error)


def _seconds(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


_ON_EVENT_CLIENTS = Clients(budget=GUARD_ON_EVENT)
_IS_COMPLETE_CLIENTS = Clients(budget=GUARD_IS_COMPLETE)


def on_event(event: dict[str, Any], context: object) -> dict[str, Any]:
    clients = _ON_EVENT_CLIENTS.for_invocation(context)
    return CacheGuard(event, clients, region=os.environ["AWS_REGION"]).on_event()


def is_complete(event: dict[str, Any], context: object) -> dict[str, Any]:
    clients = _IS_COMPLETE_CLIENTS.for_invocation(context)
    return CacheGuard(event, clients, region=os.environ["AWS_REGION"]).is_complete()
