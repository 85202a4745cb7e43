"""The planner's command line: a plan (the default), ``rows`` (the published rows and the leave-one-out check) and
``calibrate`` (refit from the recorder's lines). Imports no aws_cdk; boto3 only when ``calibrate`` reads a log group.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

from ..runtime import names
from .calibrate import CALIBRATED_NAMES, Calibration, Endpoint, calibrate, log_group_lines, traces
from .constants import FITTED, FITTED_NAMES, GB, INFORMED_BY, LEAVE_ONE_OUT, Constants
from .fit import predict_row
from .plan import DEFAULT_IMAGE_BYTES, DEFAULT_MODEL_BYTES, DetectionSettings, plan_scale_out
from .published import ROWS
from .timeline import ModelSource, Placement

COMMANDS = ("plan", "rows", "calibrate")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args and args[0] in COMMANDS else "plan"
    if command == "rows":
        print(rows_table())
        return 0
    parser = _parser(command)
    options = parser.parse_args(args)
    try:
        output = _plan(options) if command == "plan" else _calibrate(options)
    except ValueError as error:
        parser.error(str(error))
    print(output)
    return 0


def _parser(command: str) -> argparse.ArgumentParser:
    prog = "python -m constructs_pkg.planner" + ("" if command == "plan" else f" {command}")
    about = ("Predict one scale-out, stage by stage, with an interval. Other commands: rows, calibrate." if command == "plan"
             else "Refit an endpoint's constants from the recorder's recorder-scale-out-stages lines and predict its "
             "next scale-out.")  # fmt: skip
    parser = argparse.ArgumentParser(prog=prog, description=about)
    parser.add_argument("--instance-type", required=True, help="for example ml.g6.2xlarge")
    parser.add_argument("--image-gb", type=float, help="compressed container image size, GB (default: 17.7, LMI)")
    parser.add_argument("--model-gb", type=float, help="model weights to download, GB (default: 16.4, Qwen3-8B)")
    parser.add_argument("--cache", choices=("on", "off"), default="on",
                        help="container image cache (default: on, as plan_scale_out(cache=True))")  # fmt: skip
    parser.add_argument("--placement", choices=[p.value for p in Placement], default=Placement.NEW_INSTANCE.value,
                        help="where the new copy lands (default: new-instance)")  # fmt: skip
    parser.add_argument("--model-source", choices=[s.value for s in ModelSource], default=ModelSource.S3.value,
                        help="s3: artifacts downloaded beside the pull; hub: HF_MODEL_ID, downloaded after start")  # fmt: skip
    parser.add_argument("--accelerators", type=int, default=1, help="accelerators per model copy (default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    if command == "plan":
        parser.add_argument("--metric-period", type=int, default=10, help="alarm period, seconds (default 10)")
        parser.add_argument("--datapoints", type=int, default=3, help="datapoints to alarm (default 3)")
        parser.add_argument("--evaluation-periods", type=int, help="evaluation periods (default: = datapoints)")
        parser.add_argument("--reaction-lag", type=float, default=0.0, help="extra seconds before scaling acts")
        return parser
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--traces", help="a file of JSON lines or Lambda log messages ('-': standard input)")
    source.add_argument("--log-group", help="the recorder function's log group, read with logs:FilterLogEvents")
    parser.add_argument("--hours", type=float, default=168.0, help="how far back to read the log group (default 168)")
    parser.add_argument("--region", help="the log group's region (default: the SDK's)")
    parser.add_argument("--resource", help="the recorded target, e.g. inference-component/my-ic (default: the only one)")
    return parser


def _plan(o: argparse.Namespace) -> str:
    detection = DetectionSettings(period_seconds=o.metric_period, datapoints_to_alarm=o.datapoints,
                                  evaluation_periods=o.evaluation_periods, reaction_lag_seconds=o.reaction_lag)  # fmt: skip
    plan = plan_scale_out(o.instance_type, _bytes("--image-gb", o.image_gb), _bytes("--model-gb", o.model_gb),
                          o.cache == "on", detection, accelerators=o.accelerators, placement=Placement(o.placement),
                          model_source=ModelSource(o.model_source))  # fmt: skip
    if o.json:
        return json.dumps({**plan.as_dict(), "fitted": fitted_summary()}, indent=2)
    return plan.as_table() + "\n\n" + fitted_text()


def fitted_summary() -> dict[str, Any]:
    return {
        "constants": {name: {"value": getattr(FITTED, name), "informed_by": INFORMED_BY[name]} for name in FITTED_NAMES},
        "assumed": {name: value for name, value in FITTED.as_dict().items() if name not in FITTED_NAMES},
        "rows": len(ROWS),
        "leave_one_out_mean_abs": round(statistics.fmean(abs(e) for e in LEAVE_ONE_OUT), 4),
        "leave_one_out_range": [min(LEAVE_ONE_OUT), max(LEAVE_ONE_OUT)],
    }


def fitted_text() -> str:
    s = fitted_summary()
    low, high = s["leave_one_out_range"]
    return (f"Fitted jointly (least squares) to all {s['rows']} published rows of AWS's container-caching blog: "
            + ", ".join(FITTED_NAMES) + ". Assumed: " + ", ".join(s["assumed"]) + ".\n"
            f"Leave-one-out over the {s['rows']} rows: mean |error| {s['leave_one_out_mean_abs']:.1%}, "
            f"from {low:+.1%} to {high:+.1%}. Every row: python -m constructs_pkg.planner rows")  # fmt: skip


def rows_table() -> str:
    lines = ["row                                                published  fitted  left out  error"]
    for row, error in zip(ROWS, LEAVE_ONE_OUT):
        left_out = row.seconds * (1 + error)
        lines.append(f"{row.label:<50} {row.seconds:>7.0f} s {predict_row(FITTED, row):>5.0f} s {left_out:>6.0f} s "
                     f"{error:>+6.1%}")  # fmt: skip
    lines.append("fitted: the prediction of the constants fitted to all rows; left out: the prediction of the constants")
    lines.append("fitted to the other ten rows (leave-one-out), and its error. Source: " + ROWS[0].source)
    return "\n".join(lines + ["", fitted_text()])


def _calibrate(o: argparse.Namespace) -> str:
    image, model = _bytes("--image-gb", o.image_gb), _bytes("--model-gb", o.model_gb)
    endpoint = Endpoint(
        instance_type=o.instance_type,
        image_bytes=DEFAULT_IMAGE_BYTES if image is None else image,
        model_bytes=DEFAULT_MODEL_BYTES if model is None else model,
        accelerators=o.accelerators, model_source=ModelSource(o.model_source), placement=Placement(o.placement),
        cache=o.cache == "on",
    )  # fmt: skip
    plan_scale_out(endpoint.instance_type, endpoint.image_bytes, endpoint.model_bytes)  # validates the inputs
    lines = _read_lines(o)
    found = traces(lines, resource=o.resource)
    resources = sorted({t.resource for t in found})
    if len(resources) > 1:
        raise ValueError(f"--resource is needed: the lines hold scale-outs of {', '.join(resources)}")
    result = calibrate(found, endpoint)
    plan = result.plan(endpoint, placement=endpoint.placement, cache=endpoint.cache)
    if o.json:
        return json.dumps({"traces": len(found), "resource": resources[0], "constants": _constant_rows(result),
                           "reaction_lag_seconds": result.reaction_lag_seconds,
                           "leave_one_out": list(result.errors), "plan": plan.as_dict()}, indent=2)  # fmt: skip
    table = ["constant                 published    calibrated  traces separate it"]
    for name, row in _constant_rows(result).items():
        table.append(f"{name:<24} {row['published']:>10.4g} {row['calibrated']:>13.4g}  "
                     f"{'yes' if row['identified'] else 'no (kept near the published fit)'}")  # fmt: skip
    lag = result.reaction_lag_seconds
    return "\n".join([f"{len(found)} recorded scale-out(s) of {resources[0]}", *table,
                      f"reaction lag (measured detection beyond datapoints x period): "
                      + ("not measured" if lag is None else f"{lag:.0f} s"), "",
                      f"calibrated prediction ({endpoint.placement.value}, cache {o.cache}):", plan.as_table()])  # fmt: skip


def _constant_rows(result: Calibration) -> dict[str, dict[str, Any]]:
    published: Constants = FITTED
    return {name: {"published": getattr(published, name), "calibrated": round(getattr(result.constants, name), 4),
                   "identified": name in result.identified} for name in CALIBRATED_NAMES}  # fmt: skip


def _read_lines(o: argparse.Namespace) -> list[str]:
    if o.traces is not None:
        if o.traces == "-":
            return sys.stdin.read().splitlines()
        try:
            with open(o.traces, encoding="utf-8") as handle:
                return handle.read().splitlines()
        except OSError as error:
            raise ValueError(f"--traces {o.traces!r} cannot be read: {error.strerror}") from error
    # boto3 takes about as long to import as the rest of the planner's start-up, so only this path pays for it.
    boto3 = importlib.import_module("boto3")
    client = boto3.client("logs", region_name=o.region)
    now = int(time.time() * 1000)
    lines = log_group_lines(client, o.log_group, start_ms=now - int(o.hours * 3_600_000), end_ms=now)
    if not lines:
        raise ValueError(f"no {names.STAGES_LOG_EVENT} line in --log-group {o.log_group!r} in the last {o.hours:g} h")
    return lines


def _bytes(flag: str, gb: float | None) -> int | None:
    if gb is None:
        return None
    if not gb >= 0:  # also rejects NaN
        raise ValueError(f"{flag} must be a number of GB >= 0, got {gb}")
    return round(gb * GB)
