"""Reading Application Auto Scaling activities and CloudWatch alarm history (pure): which way an activity scaled,
the count it set, and the first datapoint its alarm evaluated. See ``runtime.recorder``'s docstring for the order of
evidence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

OUT, IN = "out", "in"
FAILED = frozenset({"Failed", "Unfulfilled"})
UNFINISHED = frozenset({"Pending", "InProgress"})
_ALARM = re.compile(r"\balarm (\S+) in state ALARM")
_TARGET = re.compile(r"\bto (\d+)\b")
_SCALE_OUT_ALARM = "-AlarmHigh-"  # Application Auto Scaling's target-tracking alarm names
_SCALE_IN_ALARM = "-AlarmLow-"


def triggering_alarm(activity: Mapping[str, Any]) -> str | None:
    """The alarm named in Cause (``monitor alarm <name> in state ALARM triggered policy <policy>``), if any."""
    match = _ALARM.search(activity.get("Cause") or "")
    return match.group(1) if match else None


def target_count(activity: Mapping[str, Any]) -> int | None:
    """The count the activity sets: the last ``to <N>`` of Description, else of StatusMessage. No noun is read."""
    for text in (activity.get("Description"), activity.get("StatusMessage")):
        found = _TARGET.findall(text or "")
        if found:
            return int(found[-1])
    return None


def direction(activity: Mapping[str, Any], *, wake_alarms: frozenset[str] | set[str] = frozenset(),
              before: int | None = None) -> str | None:  # fmt: skip
    """OUT, IN or None (unknown or no change); see ``runtime.recorder``'s docstring for the order of evidence."""
    alarm = triggering_alarm(activity)
    if alarm is not None:
        if alarm in wake_alarms or _SCALE_OUT_ALARM in alarm:
            return OUT
        if _SCALE_IN_ALARM in alarm:
            return IN
    target = target_count(activity)
    if target is None or before is None or target == before:
        return None
    return OUT if target > before else IN


def count_before(older: list[dict[str, Any]]) -> int | None:
    """The target of the newest older activity that applied (Successful), i.e. the count an activity started from."""
    for activity in older:  # newest first
        if activity.get("StatusCode") == "Successful":
            return target_count(activity)
    return None


def finished_scale_outs(activities: list[dict[str, Any]], *, oldest_end: datetime, desired_now: int | None,
                        wake_alarms: frozenset[str] | set[str] = frozenset()) -> list[tuple[dict[str, Any], str | None]]:  # fmt: skip
    """Of ``activities`` (newest first), those that ended at or after ``oldest_end`` and scaled out, or whose
    direction is unknown (None), each with its direction. ``desired_now`` is the count before a failed change."""
    found: list[tuple[dict[str, Any], str | None]] = []
    for index, activity in enumerate(activities):
        ended, status = activity.get("EndTime"), activity.get("StatusCode")
        if status in UNFINISHED or ended is None or ended < oldest_end:
            continue  # an unfinished activity is recorded once it has ended
        before = count_before(activities[index + 1 :])
        if before is None and status in FAILED:
            before = desired_now  # the change never applied, so the desired count is still the one before
        way = direction(activity, wake_alarms=wake_alarms, before=before)
        if way is None or way == OUT:
            found.append((activity, way))
    return found


def first_datapoint(reason: Mapping[str, Any]) -> datetime | None:
    """The first datapoint of an alarm evaluation: the earliest of ``startDate`` (the first period of the evaluation
    range) and the ``evaluatedDatapoints`` timestamps, which may list only the newest points."""
    stamps = [_parse_time(p["timestamp"]) for p in reason.get("evaluatedDatapoints", []) if "timestamp" in p]
    if isinstance(reason.get("startDate"), str):
        stamps.append(_parse_time(reason["startDate"]))
    return min(stamps) if stamps else None


def _parse_time(value: str) -> datetime:
    """CloudWatch alarm-history timestamps, e.g. ``2026-11-24T03:40:10.000+0000``."""
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
