"""``python -m constructs_pkg.probe --endpoint E [--component C]``: the probe's command line and its run."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TextIO

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

from ..planner import GB, ModelSource, Placement, ScaleOutPlan, plan_scale_out
from .load import MAX_CONCURRENCY, MAX_DURATION_SECONDS, MAX_REQUESTS, Limits, LoadResult, run_load
from .png import chart
from .watch import FINISHED, Target, current_count, describe_target, recorder_stages, scale_out_since

MAX_WAIT_SECONDS = 3600.0
#: The recorder logs a scale-out at its first run after the activity has ended and is listed (a minute or two;
#: later after a retry), so the probe waits up to 6 minutes for the line.
RECORDER_WAIT_SECONDS = 360.0
DEFAULT_BODY = '{"inputs": "Write one sentence about the sea.", "parameters": {"max_new_tokens": 64}}'
#: One attempt per request (a retry would hide the 429s the probe counts); every call ends within its timeouts.
RUNTIME_CONFIG = Config(connect_timeout=5, read_timeout=60, retries={"total_max_attempts": 1, "mode": "standard"})
CONTROL_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"total_max_attempts": 3, "mode": "standard"})


@dataclass
class Clients:
    runtime: Any
    sagemaker: Any
    autoscaling: Any
    logs: Any = None  # only with --recorder-log-group

    @classmethod
    def create(cls, region: str | None, runtime_url: str | None) -> Clients:
        return cls(boto3.client("sagemaker-runtime", region_name=region, endpoint_url=runtime_url, config=RUNTIME_CONFIG),
                   boto3.client("sagemaker", region_name=region, config=CONTROL_CONFIG),
                   boto3.client("application-autoscaling", region_name=region, config=CONTROL_CONFIG),
                   boto3.client("logs", region_name=region, config=CONTROL_CONFIG))  # fmt: skip


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m constructs_pkg.probe", description="Trigger one scale-out with a bounded "
                                "load, wait for it, and compare its timeline with the planner's prediction.")  # fmt: skip
    p.add_argument("--endpoint", required=True, help="the endpoint to invoke")
    p.add_argument("--component", help="the inference component to invoke and watch (default: the endpoint's variant)")
    p.add_argument("--concurrency", type=int, default=8, help=f"requests in flight (default 8, at most {MAX_CONCURRENCY})")
    p.add_argument("--requests", type=int, default=600, help=f"requests in all (default 600, at most {MAX_REQUESTS})")
    p.add_argument("--duration", type=float, default=300.0,
                   help=f"seconds of load at most (default 300, at most {MAX_DURATION_SECONDS:g})")  # fmt: skip
    p.add_argument("--wait", type=float, default=1200.0,
                   help=f"seconds to wait for the scale-out to finish (default 1200, at most {MAX_WAIT_SECONDS:g})")  # fmt: skip
    p.add_argument("--poll", type=float, default=10.0, help="seconds between control-plane reads (default 10)")
    p.add_argument("--body", default=DEFAULT_BODY, help="request body (default: a short text-generation request)")
    p.add_argument("--content-type", default="application/json")
    p.add_argument("--instance-type", help="for the prediction, e.g. ml.g6.2xlarge (default: no prediction)")
    p.add_argument("--image-gb", type=float, help="for the prediction: image size, GB (default: the planner's)")
    p.add_argument("--model-gb", type=float, help="for the prediction: weights, GB (default: the planner's)")
    p.add_argument("--cache", choices=("on", "off"), default="on", help="for the prediction (default on)")
    p.add_argument("--placement", choices=[x.value for x in Placement], default=Placement.NEW_INSTANCE.value)
    p.add_argument("--model-source", choices=[x.value for x in ModelSource], default=ModelSource.S3.value)
    p.add_argument("--recorder-log-group", help="the ScaleOutRecorder function's log group: wait up to "
                   f"{RECORDER_WAIT_SECONDS:g} s more for its stage line of this scale-out (logs:FilterLogEvents)")  # fmt: skip
    p.add_argument("--report", default="probe-report.json", help="JSON report path (default probe-report.json)")
    p.add_argument("--chart", default="probe-report.png", help="PNG chart path (default probe-report.png)")
    p.add_argument("--region", help="AWS region (default: the SDK's)")
    p.add_argument("--runtime-url", help="SageMaker Runtime endpoint URL (default: the SDK's)")
    p.add_argument("--yes", action="store_true", help="do not ask before causing a paid scale-out")
    return p


def main(argv: Sequence[str] | None = None, *, clients: Clients | None = None, ask: Callable[[str], str] = input,
         out: TextIO = sys.stdout, progress: TextIO = sys.stderr, sleep: Callable[[float], None] = time.sleep,
         now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> int:  # fmt: skip
    p = parser()
    o = p.parse_args(argv)
    try:
        limits = Limits(concurrency=o.concurrency, requests=o.requests, duration_seconds=o.duration)
        if not 0 < o.wait <= MAX_WAIT_SECONDS or not 0 < o.poll <= 60:
            raise ValueError(f"--wait must be in (0, {MAX_WAIT_SECONDS:g}] and --poll in (0, 60] seconds, "
                             f"got {o.wait:g} and {o.poll:g}")  # fmt: skip
        plan = _prediction(o)
    except ValueError as error:
        p.error(str(error))
    c = Clients.create(o.region, o.runtime_url) if clients is None else clients
    target = describe_target(c.sagemaker, o.endpoint, o.component)
    if not o.yes and not _confirmed(target, limits, ask, out):
        print("Nothing sent.", file=out)
        return 1
    report = run(o, c, target, limits, plan, progress=progress, sleep=sleep, now=now)
    with open(o.report, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, default=str)
    measured = report["measured"]
    if plan is not None:
        predicted = (plan.stage("detection").seconds, plan.startup_seconds)
        total = plan.total_interval
        chart(o.chart, measured=None if measured is None else (measured["detection_seconds"], measured["startup_seconds"]),
              predicted=predicted, interval=(total.low, total.high))  # fmt: skip
    print(timeline_text(report), file=out)
    print(f"report: {o.report}" + (f", chart: {o.chart}" if plan is not None else ""), file=out)
    return 0 if measured is not None else 3


def _prediction(o: argparse.Namespace) -> ScaleOutPlan | None:
    if o.instance_type is None:
        return None
    sizes = [None if gb is None else round(gb * GB) for gb in (o.image_gb, o.model_gb)]
    return plan_scale_out(o.instance_type, sizes[0], sizes[1], o.cache == "on", placement=Placement(o.placement),
                          model_source=ModelSource(o.model_source))  # fmt: skip


def _confirmed(target: Target, limits: Limits, ask: Callable[[str], str], out: TextIO) -> bool:
    print(f"This sends up to {limits.requests} InvokeEndpoint requests, {limits.concurrency} at a time, for at most "
          f"{limits.duration_seconds:g} s to {target.endpoint}"
          + (f" (component {target.component})" if target.component else "") + f". It is meant to trip the "
          f"scale-out alarm: Application Auto Scaling will then add {target.unit} to {target.resource_id} "
          f"(now {target.count_before}), which you pay for until it scales back in.", file=out)  # fmt: skip
    try:
        answer = ask("Proceed? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def run(o: argparse.Namespace, c: Clients, target: Target, limits: Limits, plan: ScaleOutPlan | None, *,
        progress: TextIO, sleep: Callable[[float], None], now: Callable[[], datetime]) -> dict[str, Any]:  # fmt: skip
    """Load until the scale-out starts (or a cap), then wait for it to finish (or --wait); the report."""
    params: dict[str, Any] = {"EndpointName": target.endpoint, "Body": o.body.encode(), "ContentType": o.content_type}
    if target.component is not None:
        params["InferenceComponentName"] = target.component
    stop, result = threading.Event(), LoadResult()
    started = now()
    load = threading.Thread(target=run_load, args=(lambda: c.runtime.invoke_endpoint(**params), limits, stop, result),
                            daemon=True)  # fmt: skip
    load.start()
    activity: dict[str, Any] | None = None
    counts: list[dict[str, Any]] = []
    try:
        activity = _watch(o, c, target, limits, started, result, load, counts, progress=progress, sleep=sleep, now=now)
    except KeyboardInterrupt:  # Ctrl-C: stop the load and still write the report of what was sent
        with result.lock:
            result.stopped_by = result.stopped_by or "interrupted"
    stop.set()
    load.join()
    stages = None
    if o.recorder_log_group is not None and activity is not None and activity["StatusCode"] == "Successful":
        stages = _wait_for_recorder(o, c, activity, started, progress=progress, sleep=sleep, now=now)
    print(file=progress)
    return report(target, limits, result, activity, started, plan, counts, stages)


def _watch(o: argparse.Namespace, c: Clients, target: Target, limits: Limits, started: datetime, result: LoadResult,
           load: threading.Thread, counts: list[dict[str, Any]], *, progress: TextIO, sleep: Callable[[float], None],
           now: Callable[[], datetime]) -> dict[str, Any] | None:  # fmt: skip
    """Poll until the probe's scale-out finishes, or the load is over and ``--wait`` has passed; the activity seen."""
    activity: dict[str, Any] | None = None
    while (now() - started).total_seconds() < limits.duration_seconds + o.wait:
        sleep(o.poll)
        seen = scale_out_since(c.autoscaling, target, started)
        if seen is not None:
            activity = seen
            with result.lock:  # the scale-out is triggered: no more paid requests are needed (the workers stop)
                result.stopped_by = result.stopped_by or "scale-out started"
        desired, current = current_count(c.sagemaker, target)
        at = (now() - started).total_seconds()
        counts.append({"seconds": round(at, 1), "desired": desired, "current": current})
        _show(progress, at, result, activity, desired, current)
        if activity is not None and activity["StatusCode"] in FINISHED:
            break
        if activity is None and not load.is_alive() and at > result.elapsed_seconds + o.wait:
            break
    return activity


def _wait_for_recorder(o: argparse.Namespace, c: Clients, activity: dict[str, Any], started: datetime, *,
                       progress: TextIO, sleep: Callable[[float], None], now: Callable[[], datetime]) -> dict[str, Any] | None:  # fmt: skip
    waited_from = now()
    while True:
        stages = recorder_stages(c.logs, o.recorder_log_group, activity["ActivityId"],
                                 start_ms=int(started.timestamp() * 1000), end_ms=int(now().timestamp() * 1000) + 1)  # fmt: skip
        waited = (now() - waited_from).total_seconds()
        if stages is not None or waited >= RECORDER_WAIT_SECONDS:
            return stages
        line = f"{waited:6.0f} s | waiting for the recorder's stage line of activity {activity['ActivityId']}"
        progress.write(("\r" + line.ljust(100)) if progress.isatty() else line + "\n")
        sleep(o.poll)


def _show(stream: TextIO, at: float, result: LoadResult, activity: dict[str, Any] | None, desired: int | None,
          current: int | None) -> None:  # fmt: skip
    load = result.snapshot()
    state = "no scale-out yet" if activity is None else f"scale-out {activity['StatusCode']}"
    line = (f"{at:6.0f} s | sent {load['sent']} " + " ".join(f"{k} {v}" for k, v in load["outcomes"].items())
            + f" | {state} | {current}/{desired}")  # fmt: skip
    stream.write(("\r" + line.ljust(100)) if stream.isatty() else line + "\n")
    stream.flush()


def report(target: Target, limits: Limits, result: LoadResult, activity: dict[str, Any] | None, started: datetime,
           plan: ScaleOutPlan | None, counts: list[dict[str, Any]], stages: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    measured = None
    if activity is not None and activity.get("EndTime") is not None and activity["StatusCode"] == "Successful":
        detection = (activity["StartTime"] - started).total_seconds()
        startup = (activity["EndTime"] - activity["StartTime"]).total_seconds()
        measured = {"detection_seconds": round(detection, 1), "startup_seconds": round(startup, 1),
                    "total_seconds": round(detection + startup, 1)}  # fmt: skip
    prediction = None if plan is None else plan.as_dict()
    verdict = None
    if measured is not None and plan is not None:
        interval = plan.startup_interval
        inside = interval.low <= measured["startup_seconds"] <= interval.high
        verdict = "within the predicted interval" if inside else (
            "slower than predicted" if measured["startup_seconds"] > interval.high else "faster than predicted")
    return {
        "target": {"endpoint": target.endpoint, "component": target.component, "resource_id": target.resource_id,
                   "count_before": target.count_before},
        "limits": {"concurrency": limits.concurrency, "requests": limits.requests,
                   "duration_seconds": limits.duration_seconds},
        "load_started": started.isoformat(),
        "load": result.snapshot(),
        "activity": None if activity is None else {k: activity.get(k) for k in (
            "ActivityId", "StatusCode", "StartTime", "EndTime", "Description", "Cause", "StatusMessage")},
        "counts": counts,
        "measured": measured,
        "recorder_stages": stages,
        "prediction": prediction,
        "verdict": verdict,
    }  # fmt: skip


def timeline_text(r: dict[str, Any]) -> str:
    m, p = r["measured"], r["prediction"]
    if r["activity"] is None:
        return "No scale-out started: the load did not trip the scale-out alarm (raise --concurrency or --duration)."
    if m is None:
        return f"The scale-out did not finish successfully: {r['activity']['StatusCode']}: {r['activity']['StatusMessage']}"
    rows = [("stage", "measured s", "predicted s", "")]
    if p is None:
        rows += [("detection (load start -> activity start)", f"{m['detection_seconds']:.0f}", "-", ""),
                 ("startup (activity start -> healthy)", f"{m['startup_seconds']:.0f}", "-", "")]
    else:
        detection = p["stages"][0]["seconds"]
        low, high = p["startup_interval"]
        rows += [("detection (load start -> activity start)", f"{m['detection_seconds']:.0f}", f"{detection:.0f}",
                  "measured includes the time the load takes to build up"),
                 ("startup (activity start -> healthy)", f"{m['startup_seconds']:.0f}", f"{p['startup_seconds']:.0f}",
                  f"interval {low:.0f} to {high:.0f}: {r['verdict']}")]  # fmt: skip
    rows += _recorder_rows(r.get("recorder_stages"), p)
    rows.append(("total", f"{m['total_seconds']:.0f}", "-" if p is None else f"{p['total_seconds']:.0f}", ""))
    width = max(len(row[0]) for row in rows)
    return "\n".join(f"{a:<{width}}  {b:>10}  {c:>11}  {d}".rstrip() for a, b, c, d in rows)


#: The recorder's stages, and the part of the prediction each one compares with.
_RECORDER_ROWS = (
    ("AlarmEvaluation", "  alarm evaluation (first datapoint over target -> ALARM)", "detection"),
    ("AlarmToActivity", "  alarm -> activity start", None),
    ("ProvisioningAndPull", "  provisioning and pull (activity start -> first log line)", "before"),
    ("LoadAndHealthCheck", "  load and health check (first log line -> healthy)", "after"),
)


def _recorder_rows(stages: dict[str, Any] | None, p: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    if not stages:
        return []
    predicted: dict[str, float] = {}
    if p is not None and p.get("container_start_seconds") is not None:
        predicted = {"detection": p["stages"][0]["seconds"], "before": p["container_start_seconds"],
                     "after": p["startup_seconds"] - p["container_start_seconds"]}  # fmt: skip
    rows = [("stages the recorder logged for this scale-out", "", "", "")]
    for name, label, key in _RECORDER_ROWS:
        stage = stages.get(name)
        if isinstance(stage, dict) and isinstance(stage.get("seconds"), (int, float)):
            guess = "-" if key is None or key not in predicted else f"{predicted[key]:.0f}"
            rows.append((label, f"{stage['seconds']:.0f}", guess, str(stage.get("label", ""))))
    return rows
