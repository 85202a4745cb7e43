"""Which evidence belongs to one scaling activity (pure). A stage is published only from evidence tied to its
activity; when the tie is ambiguous, these functions return a reason instead, and the recorder logs it and publishes
no stage (never another activity's number).

- **Alarm transitions.** CloudWatch keeps invoking an alarm's Auto Scaling action while the alarm stays in ALARM
  (CloudWatch User Guide, "Alarm actions"), so a second activity can name an alarm whose one OK->ALARM transition
  started an earlier activity. The transition belongs to the first activity of the target, caused by that alarm,
  that started at or after it; a later activity gets no detection stages.
- **Overlapping activities.** A new copy's log stream does not say which activity asked for it (inference-component
  streams have opaque names). When another activity of the same target (not a known scale-in) runs at any moment of
  this one's span, a stream created in the span may be either one's, so neither gets log or SageMaker stages.
- **Several copies.** An activity that adds N copies is waited on until the last one is in service. Its stages
  come from its new streams only when exactly N were created in its span (one per new copy, or per new instance:
  AWS does not say which), and ``ProvisioningAndPull`` then ends at the *last* of their first events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .activities import IN, count_before, direction, target_count, triggering_alarm


@dataclass(frozen=True)
class Streams:
    """The log streams of one activity's span, or why they cannot be told."""

    first_events: tuple[datetime, ...] = ()
    #: Copies the activity added (target minus the count before), when both are known.
    copies_added: int | None = None
    reason: str | None = None

    @property
    def last_first_event(self) -> datetime | None:
        """The first line of the last new copy to start: where ``ProvisioningAndPull`` ends."""
        return max(self.first_events) if self.first_events and self.reason is None else None


def overlapping(activity: Mapping[str, Any], activities: Sequence[Mapping[str, Any]]) -> list[str]:
    """Ids of the target's other activities whose span meets this one's (an unfinished one runs on), except known
    scale-ins, which start no copy."""
    start, end = activity["StartTime"], activity["EndTime"]
    found = []
    for other in activities:
        if other is activity or other.get("ActivityId") == activity.get("ActivityId"):
            continue
        if direction(other) == IN:
            continue
        other_end = other.get("EndTime")
        if other["StartTime"] <= end and (other_end is None or other_end >= start):
            found.append(str(other.get("ActivityId")))
    return found


def copies_added(activity: Mapping[str, Any], activities: Sequence[Mapping[str, Any]]) -> int | None:
    """Target count minus the count before (the newest older Successful activity's target), when both are known."""
    ids = [a.get("ActivityId") for a in activities]
    older = list(activities[ids.index(activity.get("ActivityId")) + 1 :]) if activity.get("ActivityId") in ids else []
    target, before = target_count(activity), count_before([dict(a) for a in older])
    if target is None or before is None or target <= before:
        return None
    return target - before


def activity_streams(streams: Sequence[Mapping[str, Any]], start: datetime, end: datetime,
                     added: int | None) -> Streams:  # fmt: skip
    """The first events of the streams created in [start, end], if they can be the activity's new copies."""
    lo, hi = _millis(start), _millis(end)
    new = [s for s in streams if lo <= s.get("creationTime", -1) <= hi]
    if not new:
        return Streams(copies_added=added, reason="no stream was created during the activity")
    if any(s.get("firstEventTimestamp") is None for s in new):
        return Streams(copies_added=added, reason="a stream created during the activity has no event yet")
    firsts = tuple(sorted(_from_millis(s["firstEventTimestamp"]) for s in new))
    if added is None and len(new) != 1:
        return Streams(firsts, None, f"{len(new)} new streams and the copies added are unknown")
    if added is not None and len(new) != added:
        return Streams(firsts, added, f"{len(new)} new streams for {added} new copies")
    return Streams(firsts, added)


def owned_transition(activity: Mapping[str, Any], activities: Sequence[Mapping[str, Any]],
                     transition: datetime) -> str | None:  # fmt: skip
    """None when the alarm's ALARM transition at ``transition`` started this activity; else the id of the earlier
    activity of the target, caused by the same alarm, that it started."""
    alarm, started = triggering_alarm(activity), activity["StartTime"]
    for other in activities:
        if other.get("ActivityId") == activity.get("ActivityId") or triggering_alarm(other) != alarm:
            continue
        if transition <= other["StartTime"] < started:
            return str(other.get("ActivityId"))
    return None


def first_stream_event(streams: Sequence[Mapping[str, Any]], start: datetime, end: datetime) -> datetime | None:
    """The earliest first event of the streams created in [start, end] (the cold deployment's first copy)."""
    lo, hi = _millis(start), _millis(end)
    found = [s["firstEventTimestamp"] for s in streams
             if lo <= s.get("creationTime", -1) <= hi and s.get("firstEventTimestamp") is not None]  # fmt: skip
    return _from_millis(min(found)) if found else None


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
