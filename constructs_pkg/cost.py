"""What the library's add-ons cost per month: counts per endpoint and per added component, times us-east-1 list prices.

Pure Python (no aws_cdk). The counts in ``_cost_counts.py`` are derived from synthesized templates
(``counts_from_template``; ``scripts/update_cost_table.py`` regenerates them and the README table, and a test checks
both against the examples ``qwen3-8b`` and ``multi-component``). Command line::

    python -m constructs_pkg.cost --components 3 [--publish-frequency 10] [--detailed-series 40]

Prices are us-east-1 list prices as read on ``PRICES_READ_ON``, without free tiers or volume discounts. Instances,
storage and data transfer of the endpoint itself are not add-ons and are not counted.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._cost_counts import COUNTS
from .runtime import names

#: A 30-day month.
MONTH_SECONDS = 30 * 24 * 3600
PRICES_READ_ON = "2026-12-03"
_CW = "https://aws.amazon.com/cloudwatch/pricing/"
_LAMBDA = "https://aws.amazon.com/lambda/pricing/"
_DDB = "https://aws.amazon.com/dynamodb/pricing/on-demand/"


@dataclass(frozen=True)
class Price:
    usd: float
    #: What one ``usd`` buys.
    unit: str
    source: str


PRICES: dict[str, Price] = {
    "metric": Price(0.30, "metric-month (first 10,000)", _CW),
    "alarm_standard": Price(0.10, "alarm metric-month", _CW),
    "alarm_high_resolution": Price(0.30, "alarm metric-month", _CW),
    "dashboard": Price(3.00, "dashboard-month (3 free)", _CW),
    "put_metric_data": Price(0.01, "1,000 requests", _CW),
    "logs_ingestion": Price(0.50, "GB ingested", _CW),
    "otel_ingestion": Price(0.50, "GB of OTel metrics ingested", _CW),
    "lambda_request": Price(0.20, "1M requests", _LAMBDA),
    "lambda_arm_gb_second": Price(0.0000133334, "GB-second (Arm)", _LAMBDA),
    "dynamodb_write": Price(0.625, "1M write request units (on-demand)", _DDB),
}
#: Price units per counted unit (a price per 1,000 requests divides a request count by 1,000).
_PER = {"put_metric_data": 1_000, "lambda_request": 1_000_000, "dynamodb_write": 1_000_000}

#: Assumed, not measured: bytes the recorder logs per run (its one JSON line and Lambda's START/END/REPORT lines).
ASSUMED_LOG_BYTES_PER_RUN = 512
#: Assumed, not measured: bytes one detailed-observability datapoint takes in CloudWatch's OTel ingestion (AWS says
#: the size grows with resource tags; no figure is published).
ASSUMED_OTEL_BYTES_PER_DATAPOINT = 200

#: Series the recorder publishes (namespace ``ConstructsPkg/ScaleOut/<endpoint>``). Every minute: the copy counts of
#: each component, the instance counts of the endpoint and its heartbeat. On a scale-out: the latency, detection, failure and capacity
#: series, and with stage logs one series per stage plus the cache ratio and the gap to SageMaker's own latency.
GAUGES_PER_COMPONENT = (names.DESIRED_COPY_COUNT, names.CURRENT_COPY_COUNT)
GAUGES_PER_ENDPOINT = (names.DESIRED_INSTANCE_COUNT, names.CURRENT_INSTANCE_COUNT, names.RECORDER_HEARTBEAT)
#: Each run claims, publishes and completes each source of counts on its own (``runtime.recorder``): the endpoint,
#: the heartbeat, and each component. A claim is a conditional PutItem, its completion an UpdateItem or PutItem.
SOURCES_PER_ENDPOINT, SOURCES_PER_COMPONENT, WRITES_PER_SOURCE = 2, 1, 2
EVENT_SERIES = (names.SCALE_OUT_LATENCY, names.SCALE_OUT_DETECTION_LATENCY, names.SCALE_OUT_FAILURES,
                names.SCALE_OUT_CAPACITY_FAILURES)  # fmt: skip
STAGES = (names.STAGE_ALARM_EVALUATION, names.STAGE_ALARM_TO_ACTIVITY, names.STAGE_PROVISIONING_AND_PULL,
          names.STAGE_LOAD_AND_HEALTH_CHECK, names.STAGE_MODEL_DOWNLOAD, names.STAGE_GPU_LOAD,
          names.STAGE_CONTAINER_START)  # fmt: skip
STAGE_EXTRA_SERIES = (names.PROVISIONING_PULL_TO_COLD_RATIO, names.E2E_SCALING_LATENCY_GAP)

#: Count keys, in table order: (key, label, price key or None when AWS lists no price we could cite).
LINES: tuple[tuple[str, str, str | None], ...] = (
    ("custom_metrics", "Custom metric series the recorder publishes (upper bound: event series bill only in hours "
     "with data)", "metric"),
    ("alarms_standard", "Library alarms, standard resolution", "alarm_standard"),
    ("alarms_high_resolution", "Library alarms, high resolution (period < 60 s)", "alarm_high_resolution"),
    ("scaling_alarms_high_resolution", "Target-tracking alarms Application Auto Scaling creates on 10-second "
     "metrics (2 per policy)", "alarm_high_resolution"),
    ("scaling_alarms_standard", "Target-tracking alarms on 60-second metrics (2 per policy)", "alarm_standard"),
    ("promql_alarms", "PromQL alarms (price not on the pages read)", None),
    ("dashboards", "Dashboards", "dashboard"),
    ("recorder_invocations", "Recorder invocations per month", "lambda_request"),
    ("recorder_gb_seconds_max", "Recorder duration per month, GB-s, at most (every run at its timeout)",
     "lambda_arm_gb_second"),
    ("put_metric_data_requests", "PutMetricData requests per month (one per source of counts per run)",
     "put_metric_data"),
    ("dynamodb_writes", "DynamoDB writes per month (a claim and its completion per source per run)", "dynamodb_write"),
    ("log_gb", f"Log ingestion per month, GB (assumed {ASSUMED_LOG_BYTES_PER_RUN} B per run)", "logs_ingestion"),
)  # fmt: skip


# ----------------------------------------------------------------------------------------------- from a template
def counts_from_template(template: Mapping[str, Any]) -> dict[str, float]:
    """Every count in ``LINES`` for one synthesized stack template."""
    resources = template["Resources"].values()
    counts: dict[str, float] = {key: 0 for key, _, _ in LINES}
    for resource in resources:
        props, kind = resource.get("Properties", {}), resource["Type"]
        if kind == "AWS::CloudWatch::Alarm":
            if "EvaluationCriteria" in props:
                counts["promql_alarms"] += 1
            else:
                high = _alarm_period(props) < 60
                counts["alarms_high_resolution" if high else "alarms_standard"] += 1
        elif kind == "AWS::ApplicationAutoScaling::ScalingPolicy" and props.get("PolicyType") == "TargetTrackingScaling":
            metric = (props.get("TargetTrackingScalingPolicyConfiguration") or {}).get("PredefinedMetricSpecification")
            high = "HighResolution" in str((metric or {}).get("PredefinedMetricType", ""))
            counts["scaling_alarms_high_resolution" if high else "scaling_alarms_standard"] += 2
        elif kind == "AWS::CloudWatch::Dashboard":
            counts["dashboards"] += 1
        elif kind == "AWS::Lambda::Function" and "CLAIM_TABLE" in _environment(props):
            _add_recorder(counts, props, template)
    return counts


def _alarm_period(props: Mapping[str, Any]) -> int:
    if "Period" in props:
        return int(props["Period"])
    periods = [int(q["MetricStat"]["Period"]) for q in props.get("Metrics", []) if "MetricStat" in q]
    periods += [int(q["Period"]) for q in props.get("Metrics", []) if "Period" in q]
    return min(periods) if periods else 60


def _environment(props: Mapping[str, Any]) -> dict[str, Any]:
    return dict((props.get("Environment") or {}).get("Variables") or {})


def _add_recorder(counts: dict[str, float], function: Mapping[str, Any], template: Mapping[str, Any]) -> None:
    environment = _environment(function)
    components = [c for c in str(environment.get("COMPONENTS", "")).split(",") if c]
    targets = len(components) + (environment.get("VARIANT_SCALED") == "true")
    events = len(EVENT_SERIES) + (len(STAGES) + len(STAGE_EXTRA_SERIES) if environment.get("STAGE_LOGS") == "true" else 0)
    counts["custom_metrics"] += len(GAUGES_PER_ENDPOINT) + len(GAUGES_PER_COMPONENT) * len(components) + events * targets
    runs = MONTH_SECONDS // _schedule_seconds(template)
    counts["recorder_invocations"] += runs
    counts["recorder_gb_seconds_max"] += runs * int(function["MemorySize"]) / 1024 * int(function["Timeout"])
    sources = SOURCES_PER_ENDPOINT + SOURCES_PER_COMPONENT * len(components)
    counts["put_metric_data_requests"] += runs * sources
    counts["dynamodb_writes"] += runs * sources * WRITES_PER_SOURCE
    counts["log_gb"] += round(runs * ASSUMED_LOG_BYTES_PER_RUN / 1e9, 4)


def _schedule_seconds(template: Mapping[str, Any]) -> int:
    """The period of the recorder's schedule (``rate(N minute[s])``)."""
    for resource in template["Resources"].values():
        expression = str(resource.get("Properties", {}).get("ScheduleExpression", ""))
        match = re.fullmatch(r"rate\((\d+) minutes?\)", expression)
        if resource["Type"] == "AWS::Events::Rule" and match:
            return int(match.group(1)) * 60
    raise ValueError("no rate(N minutes) schedule in the template")


def split(one_component: Mapping[str, float], two_components: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Per endpoint and per added component, from the counts of an endpoint with one and with two components."""
    per_component = {k: round(two_components[k] - one_component[k], 4) for k in one_component}
    per_endpoint = {k: round(one_component[k] - per_component[k], 4) for k in one_component}
    return {"endpoint": per_endpoint, "component": per_component}


# ------------------------------------------------------------------------------------------------------- pricing
def monthly_usd(key: str, count: float) -> float | None:
    price = dict((k, p) for k, _, p in LINES).get(key)
    if price is None:
        return None
    return count / _PER.get(price, 1) * PRICES[price].usd


def detailed_observability_usd(series: int, publish_frequency_seconds: int) -> tuple[int, float]:
    """Datapoints per month and the OTel ingestion price for ``series`` detailed-observability series."""
    datapoints = series * MONTH_SECONDS // publish_frequency_seconds
    return datapoints, datapoints * ASSUMED_OTEL_BYTES_PER_DATAPOINT / 1e9 * PRICES["otel_ingestion"].usd


def _number(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def _usd(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"${value:,.4f}" if 0 < value < 0.01 else f"${value:,.2f}"


def _list_price(price: Price) -> str:
    return f"${f'{price.usd:.10f}'.rstrip('0').rstrip('.')} per {price.unit}"


def render_table(counts: Mapping[str, Mapping[str, float]]) -> str:
    """The README table: one row per line, count and monthly price per endpoint and per added component."""
    rows = ["| What | Per endpoint | Per added component | us-east-1 list price |", "|---|---:|---:|---|"]
    for key, label, price in LINES:
        endpoint, component = counts["endpoint"][key], counts["component"][key]
        listed = "not listed" if price is None else _list_price(PRICES[price])
        rows.append(f"| {label} | {_number(endpoint)} ({_usd(monthly_usd(key, endpoint))}) | "
                    f"{_number(component)} ({_usd(monthly_usd(key, component))}) | {listed} |")  # fmt: skip
    total_endpoint = sum(monthly_usd(k, counts["endpoint"][k]) or 0 for k, _, _ in LINES)
    total_component = sum(monthly_usd(k, counts["component"][k]) or 0 for k, _, _ in LINES)
    rows.append(f"| **Total per month** | **{_usd(total_endpoint)}** | **{_usd(total_component)}** | |")
    for seconds in (60, 10):
        datapoints, usd = detailed_observability_usd(1, seconds)
        rows.append(f"| Detailed observability at {seconds} s, per series (assumed {ASSUMED_OTEL_BYTES_PER_DATAPOINT} B "
                    f"per datapoint) | {datapoints:,} datapoints ({_usd(usd)}) | | "
                    f"{_list_price(PRICES['otel_ingestion'])} |")  # fmt: skip
    return "\n".join(rows)


def estimate(counts: Mapping[str, Mapping[str, float]], components: int, *, publish_frequency_seconds: int = 60,
             detailed_series: int = 0) -> list[tuple[str, float, float | None]]:  # fmt: skip
    """(label, count, monthly USD) per line for one endpoint with ``components`` components."""
    lines = []
    for key, label, _ in LINES:
        count = counts["endpoint"][key] + components * counts["component"][key]
        lines.append((label, count, monthly_usd(key, count)))
    if detailed_series:
        datapoints, usd = detailed_observability_usd(detailed_series, publish_frequency_seconds)
        lines.append((f"Detailed observability, {detailed_series} series at {publish_frequency_seconds} s, datapoints "
                      f"(assumed {ASSUMED_OTEL_BYTES_PER_DATAPOINT} B each)", datapoints, usd))  # fmt: skip
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m constructs_pkg.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--components", type=int, required=True, help="inference components on the endpoint (>= 0)")
    parser.add_argument("--publish-frequency", type=int, choices=(10, 30, 60, 120, 180, 240, 300), default=60,
                        help="MetricsConfig publish frequency in seconds (default 60)")
    parser.add_argument("--detailed-series", type=int, default=0,
                        help="detailed-observability series to price (per GPU, host and container metric)")
    args = parser.parse_args(argv)
    if args.components < 0 or args.detailed_series < 0:
        parser.error(f"--components and --detailed-series must be >= 0, got {args.components}, {args.detailed_series}")
    lines = estimate(COUNTS, args.components, publish_frequency_seconds=args.publish_frequency,
                     detailed_series=args.detailed_series)  # fmt: skip
    for label, count, usd in lines:
        print(f"{_usd(usd):>10}  {_number(count):>12}  {label}")
    print(f"{_usd(sum(u or 0 for _, _, u in lines)):>10}  per month, us-east-1 list prices read {PRICES_READ_ON}, "
          "no free tier")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
