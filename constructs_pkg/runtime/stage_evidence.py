"""The evidence behind one scale-out's stage timeline: its log streams, its cold baseline, SageMaker's own stage
metrics, and what each stage holds. Used by ``runtime.recorder`` (``STAGE_LOGS=true``) for every Successful
scale-out it records; every read here is optional, so a failure costs the stages, never the scale-out's latency.

What belongs to the activity is decided by ``runtime.attribution``; when that is ambiguous the stages are withheld
and one ``recorder-stages-withheld`` line says why. Each recorded scale-out gets one ``recorder-scale-out-stages``
line (``names.STAGES_LOG_EVENT``).

Calls per target and run: at most ``STREAM_PAGES`` DescribeLogStreams (the listing is shared by every activity
and the cold baseline), plus one GetItem and, once per component lifetime, one PutItem for the baseline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from . import names
from .attribution import Streams, activity_streams, copies_added, first_stream_event, overlapping
from .aws import Clients, error_code
from .recorder_config import Config, Target
from .records import datum as _datum
from .records import log_event
from .stages import E2E, StageReader, log_bound_gap, model_source, stage_timeline

#: The recorder's logger (its lines are one stream, whichever module writes them).
LOG = logging.getLogger(f"{__name__.rsplit('.', 1)[0]}.recorder")
_log = partial(log_event, LOG)  # one JSON line per event (runtime.records)
STREAMS_PAGE = 50  # DescribeLogStreams limit per call
STREAM_PAGES = 10  # pages of streams read per target and run (500 streams); more, and no log stage is published
#: A target whose first stream came later than this after its creation has no cold deployment left to compare;
#: a component created later than this after its endpoint was deployed onto running instances.
COLD_DEPLOYMENT = timedelta(hours=1)


class StageEvidence:
    """Reads and attributes the evidence for the stage timeline of one run's scale-outs."""

    def __init__(self, config: Config, clients: Clients, *, describe: Callable[..., dict[str, Any] | None],
                 created: Callable[[], Mapping[str, datetime]], stage_reader: StageReader | None = None) -> None:  # fmt: skip
        self.config = config
        self.clients = clients
        self._describe = describe
        self._created = created
        self.stage_reader = stage_reader
        self._listings: dict[str, list[dict[str, Any]] | None] = {}  # log streams per target, read once per run

    def datums(self, target: Target, activity: Mapping[str, Any], alarm: tuple[datetime, datetime] | None,
               activities: Sequence[Mapping[str, Any]] = ()) -> Iterator[dict[str, Any]]:  # fmt: skip
        """The activity's stages from evidence that is its own; what cannot be attributed is withheld (logged)."""
        started, ended = activity["StartTime"], activity["EndTime"]
        withheld: dict[str, str] = {}
        others = overlapping(activity, activities)
        if others:  # a new stream or a SageMaker event in the span may be the other activity's
            withheld["logs"] = withheld["sagemaker"] = f"overlaps activities {', '.join(others)} of the target"
            streams, sagemaker = Streams(reason=withheld["logs"]), {}
        else:
            streams = self._activity_streams(target, activity, activities)
            sagemaker = self._sagemaker_stages(target, activity)
            if streams.reason is not None:
                withheld["logs"] = streams.reason
        first_event, source = streams.last_first_event, self._model_source(target)
        stages = stage_timeline(started=started, ended=ended, alarm=alarm, first_log_event=first_event,
                                sagemaker=sagemaker, source=source)  # fmt: skip
        for stage in stages:
            yield _datum(names.SCALE_OUT_STAGE_SECONDS, {**target.dims, names.STAGE_DIMENSION: stage.name},
                         stage.seconds, "Seconds", ended)  # fmt: skip
        cache: dict[str, Any] = {"label": "inference", "baseline": "cold deployment onto new instances"}
        if first_event is not None and streams.copies_added not in (None, 1):
            withheld["cache"] = "the cold baseline is one copy's first line; this activity added several"
        elif first_event is not None:
            pull = (first_event - started).total_seconds()
            cold = self._cold_baseline(target)
            cache.update(pull_seconds=pull, cold_seconds=cold)
            if cold:
                cache["ratio"] = round(pull / cold, 3)
                yield _datum(names.PROVISIONING_PULL_TO_COLD_RATIO, target.dims, pull / cold, "None", ended)
        e2e, gap = sagemaker.get(E2E), None
        if e2e is not None:
            gap = (ended - started).total_seconds() - e2e
            yield _datum(names.E2E_SCALING_LATENCY_GAP, target.dims, gap, "Seconds", ended)
        bound_gap = log_bound_gap(stages, first_event, ended)
        if bound_gap is not None:
            yield _datum(names.LOG_BOUND_GAP, target.dims, bound_gap, "Seconds", ended)
        if withheld:
            _log("recorder-stages-withheld", resource=target.resource_id, activity=activity.get("ActivityId"),
                 withheld=withheld)  # fmt: skip
        _log(names.STAGES_LOG_EVENT, resource=target.resource_id, activity=activity.get("ActivityId"), ended=ended,
             end_to_end=(ended - started).total_seconds(), sagemaker_e2e=e2e, e2e_gap=gap, log_bound_gap=bound_gap,
             cache=cache, model_source=source, copies_added=streams.copies_added, withheld=withheld,
             stages={s.name: {"seconds": s.seconds, "label": s.label, "holds": list(s.holds), "within": s.within}
                     for s in stages})  # fmt: skip

    def _streams(self, group: str, **params: Any) -> dict[str, Any] | None:
        """One page of the group's log streams; None when the group does not exist or cannot be read."""
        try:
            return self.clients.call("logs", "describe_log_streams", logGroupName=group, limit=STREAMS_PAGE, **params)
        except Exception as error:  # noqa: BLE001 - stages are a bonus; the scale-out latency still counts
            _log("recorder-log-streams-failed", group=group, error=error_code(error) or str(error))
            return None

    def _listing(self, target: Target) -> list[dict[str, Any]] | None:
        """Every stream of the target (``<variant>/`` streams only, in an endpoint's group), read once per run in
        name order: complete whatever the names, unlike ``LastEventTime`` order, whose ``lastEventTimestamp`` is
        eventually consistent ("typically ... less than an hour", DescribeLogStreams). None when a page fails or
        more than ``STREAM_PAGES`` pages exist (then a new stream might be missing)."""
        key = f"{target.log_group}#{target.stream_prefix}"
        if key not in self._listings:
            params: dict[str, Any] = {"orderBy": "LogStreamName"}
            if target.stream_prefix:
                params["logStreamNamePrefix"] = target.stream_prefix
            streams: list[dict[str, Any]] | None = []
            for _ in range(STREAM_PAGES):
                page = self._streams(target.log_group, **params)
                if page is None or streams is None:
                    streams = None
                    break
                streams += page.get("logStreams", [])
                if not page.get("nextToken"):
                    break
                params["nextToken"] = page["nextToken"]
            else:
                _log("recorder-log-streams-truncated", group=target.log_group, pages=STREAM_PAGES)
                streams = None
            self._listings[key] = streams
        return self._listings[key]

    def _activity_streams(self, target: Target, activity: Mapping[str, Any],
                          activities: Sequence[Mapping[str, Any]]) -> Streams:  # fmt: skip
        listing = self._listing(target)
        if listing is None:
            return Streams(reason="the log streams could not be listed completely")
        added = copies_added(activity, activities) if activities else None
        return activity_streams(listing, activity["StartTime"], activity["EndTime"], added)

    def _model_source(self, target: Target) -> str:
        """Who downloads the model (``runtime.stages.model_source``), from the run's DescribeInferenceComponent."""
        component = target.dims.get(names.COMPONENT_DIMENSION)
        if component is None:
            return model_source(None)
        try:
            return model_source(self._describe("describe_inference_component", InferenceComponentName=component))
        except Exception as error:  # noqa: BLE001 - labels are a bonus
            _log("recorder-model-source-unknown", resource=target.resource_id, error=error_code(error) or str(error))
            return model_source(None)

    def _cold_baseline(self, target: Target) -> float | None:
        """Seconds from the endpoint's creation to the first line of the target's first stream: a cold deployment
        onto new instances, like a scale-out that launches one. Only when the target was created with its endpoint
        (within ``COLD_DEPLOYMENT``); a component added later to running instances has no such baseline. Read once
        and kept in the claim table, keyed by the target's creation time (a replaced component gets its own)."""
        created = self._created().get(target.resource_id)
        if created is None:
            return None
        key = f"{names.COLD_BASELINE_KEY}{target.resource_id}#{created.isoformat()}"
        try:
            item = self.clients.call("dynamodb", "get_item", TableName=self.config.claim_table, Key={"pk": {"S": key}})
            if "Item" in item:
                return float(item["Item"]["seconds"]["N"])
            launched = (self._describe("describe_endpoint", EndpointName=self.config.endpoint_name) or {}).get("CreationTime")
        except Exception as error:  # noqa: BLE001 - the ratio is a bonus
            _log("recorder-cold-baseline-failed", resource=target.resource_id, error=error_code(error) or str(error))
            return None
        listing = self._listing(target)
        if launched is None or listing is None:
            return None
        if created - launched > COLD_DEPLOYMENT:
            _log("recorder-cold-baseline-unknown", resource=target.resource_id, created=created, endpoint_created=launched,
                 reason="created onto the endpoint's running instances: no cold deployment onto new instances")  # fmt: skip
            return None
        first = first_stream_event(listing, created, created + COLD_DEPLOYMENT)
        if first is None:
            _log("recorder-cold-baseline-unknown", resource=target.resource_id, created=created,
                 reason="no stream of the first deployment is left")  # fmt: skip
            return None
        seconds = float((first - launched).total_seconds())
        try:
            self.clients.call("dynamodb", "put_item", TableName=self.config.claim_table,
                              Item={"pk": {"S": key}, "seconds": {"N": repr(seconds)}},
                              ConditionExpression="attribute_not_exists(pk)")  # fmt: skip
        except Exception as error:  # noqa: BLE001 - kept for next time only; this scale-out still gets its ratio
            if error_code(error) != "ConditionalCheckFailedException":
                _log("recorder-cold-baseline-not-kept", resource=target.resource_id, error=error_code(error) or str(error))
        _log("recorder-cold-baseline", resource=target.resource_id, created=created, seconds=seconds)
        return seconds

    def _sagemaker_stages(self, target: Target, activity: Mapping[str, Any]) -> dict[str, float]:
        if self.stage_reader is None:
            return {}
        try:
            return dict(self.stage_reader(target, activity))
        except Exception as error:  # noqa: BLE001 - SageMaker's stage metrics are optional
            _log("recorder-sagemaker-stages-failed", resource=target.resource_id, error=error_code(error) or str(error))
            return {}
