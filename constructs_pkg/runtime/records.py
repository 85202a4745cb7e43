"""What the library's functions write, spelled once: one JSON log line per event, and a CloudWatch datum."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def log_event(logger: logging.Logger, kind: str, **fields: Any) -> None:
    """One JSON line ``{"event": kind, ...}`` (sorted keys; datetimes and other values as ``str``)."""
    logger.info(json.dumps({"event": kind, **fields}, default=str, sort_keys=True))


def datum(name: str, dims: Mapping[str, str], value: float, unit: str, at: datetime) -> dict[str, Any]:
    """A ``PutMetricData`` ``MetricData`` entry."""
    return {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()], "Timestamp": at,
            "Value": float(value), "Unit": unit}  # fmt: skip
