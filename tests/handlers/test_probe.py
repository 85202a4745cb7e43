"""The scale-out probe end to end: boto3's SageMaker Runtime client against a loopback HTTP server that speaks the
runtime protocol (``POST /endpoints/{EndpointName}/invocations``, through ``endpoint_url``), and the control plane
answered from cited fixtures through botocore's Stubber.

The server's error answers are the rest-json shape botocore's parser reads: the code in ``x-amzn-ErrorType``, the
message in the JSON body. Where each one comes from:
- ``ModelNotReadyException``: HTTP 429, the installed service model (sagemaker-runtime, InvokeEndpoint errors).
- ``ThrottlingException``: HTTP 400; assumed: the code botocore's retry rules treat as throttling for every service
  (botocore data/_retry.json "throttling" codes); the runtime model lists no throttling error of its own.
- a bare 429 without a code: assumed, for a front end that limits requests before the service does.
- ``ValidationError`` "... has no capacity ...": HTTP 400; the fact sheet's second-hand scale-to-zero measurement
  ("first request at zero returns HTTP 400 'has no capacity'").
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.stub import Stubber
from PIL import Image

from constructs_pkg.probe import Limits, LoadResult, classify, png
from constructs_pkg.probe.cli import RUNTIME_CONFIG, Clients, main
from constructs_pkg.probe.load import run_load

from .. import fixtures

REGION = "us-east-1"
COMPONENT_FIXTURE = "sagemaker/describe_inference_component/in_service"
HISTORY = "application_autoscaling/describe_scaling_activities/component_scale_out_successful"
IN_PROGRESS = "application_autoscaling/describe_scaling_activities/component_in_progress"
RECORDER_LINE = "logs/filter_log_events/recorder_stage_line"
ENDPOINT = fixtures.response(COMPONENT_FIXTURE)["EndpointName"]
COMPONENT = fixtures.response(COMPONENT_FIXTURE)["InferenceComponentName"]

OK = (200, None, {"generated_text": "The sea is wide."})
NOT_READY = (429, "ModelNotReadyException", {"message": "Model is not ready yet"})
THROTTLED = (400, "ThrottlingException", {"message": "Rate exceeded"})
BARE_429 = (429, None, {"message": "Too Many Requests"})
NO_CAPACITY = (400, "ValidationError", {"message": "Inference Component has no capacity to process this request."})


class RuntimeServer:
    """A loopback SageMaker Runtime: answers each request from ``script`` in turn (the last answer repeats)."""

    def __init__(self, script: list[tuple[int, str | None, dict]]) -> None:
        self.script, self.requests, self.lock = script, [], threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.requests.append((self.path, dict(self.headers), body))
                    status, code, payload = server.script[min(len(server.requests), len(server.script)) - 1]
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if code is not None:
                    self.send_header("x-amzn-ErrorType", f"{code}:http://internal.amazon.com/coral/com.amazonaws.sagemaker/")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator:
    servers: list[RuntimeServer] = []

    def start(script: list) -> RuntimeServer:
        servers.append(RuntimeServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _client(service: str, **kwargs: object):
    return boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
                        **kwargs)  # fmt: skip


class Stubbed:
    """A real client whose every call is answered by ``answer(operation, params, call number)``, through Stubber, so
    botocore checks each request against the input shape and each answer against the output shape."""

    def __init__(self, service: str, answer) -> None:
        self.client, self.answer, self.calls = _client(service), answer, []
        self.stubber = Stubber(self.client)
        self.stubber.activate()

    def __getattr__(self, operation: str):
        def call(**params):
            self.calls.append(operation)
            self.stubber.add_response(operation, self.answer(operation, params, len(self.calls)), params)
            return getattr(self.client, operation)(**params)

        return call


def _control(started: dict, *, scale_out_after: int | None = 2, finished_after: int = 3, startup: float = 250.0,
             detection: float = 2.0):  # fmt: skip
    """Application Auto Scaling: only older activities until call ``scale_out_after``, then the probe's activity
    (``detection`` seconds after the load started), InProgress, then Successful ``startup`` seconds after it started."""

    def activities(operation, params, number):
        answer = fixtures.response(HISTORY, _client("application-autoscaling"))
        if scale_out_after is None or number < scale_out_after:
            return answer
        item = fixtures.response(IN_PROGRESS, _client("application-autoscaling"))["ScalingActivities"][0]
        item["StartTime"] = started["at"] + timedelta(seconds=detection)
        if number >= finished_after:
            done = answer["ScalingActivities"][0]
            item.update(StatusCode="Successful", StatusMessage=done["StatusMessage"],
                        EndTime=item["StartTime"] + timedelta(seconds=startup))  # fmt: skip
        answer["ScalingActivities"].insert(0, item)
        return answer

    def component(operation, params, number):
        return fixtures.response(COMPONENT_FIXTURE, _client("sagemaker"))

    return Stubbed("application-autoscaling", activities), Stubbed("sagemaker", component)


def _recorder_logs(lines_after: int = 2) -> Stubbed:
    """CloudWatch Logs: the recorder has not logged the scale-out before call ``lines_after`` (the cited answer with
    its events emptied), then it has (the cited answer)."""

    def filter_log_events(operation, params, number):
        answer = fixtures.response(RECORDER_LINE, _client("logs"))
        if number < lines_after:
            answer["events"] = []
        return answer

    return Stubbed("logs", filter_log_events)


def _run(server: RuntimeServer, tmp_path, *extra: str, control=None, ask=lambda _: "y", logs=None):
    started: dict = {}

    def now() -> datetime:
        at = datetime.now(timezone.utc)
        started.setdefault("at", at)
        return at

    autoscaling, sagemaker = control(started) if control else _control(started)
    clients = Clients(_client("sagemaker-runtime", endpoint_url=server.url, config=RUNTIME_CONFIG), sagemaker, autoscaling,
                      logs)  # fmt: skip
    out, progress = io.StringIO(), io.StringIO()
    code = main(["--endpoint", ENDPOINT, "--component", COMPONENT, "--report", str(tmp_path / "r.json"),
                 "--chart", str(tmp_path / "r.png"), *extra], clients=clients, ask=ask, out=out, progress=progress,
                sleep=lambda _s: time.sleep(0.05), now=now)  # fmt: skip
    report = json.loads((tmp_path / "r.json").read_text()) if (tmp_path / "r.json").exists() else None
    return code, report, out.getvalue(), progress.getvalue()


def test_the_probe_triggers_waits_for_and_reports_the_scale_out_against_the_plan(serve, tmp_path):
    server = serve([OK, OK, OK, NOT_READY, THROTTLED, BARE_429, OK] * 4 + [OK])
    code, report, out, progress = _run(server, tmp_path, "--concurrency", "4", "--requests", "40", "--duration", "20",
                                       "--instance-type", "ml.g6.2xlarge", "--yes")  # fmt: skip
    assert code == 0
    path, headers, body = server.requests[0]
    assert path == f"/endpoints/{ENDPOINT}/invocations"
    assert headers["X-Amzn-SageMaker-Inference-Component"] == COMPONENT and json.loads(body)["inputs"]
    outcomes = report["load"]["outcomes"]
    assert outcomes["ok"] >= 3 and outcomes["model_not_ready"] >= 1 and outcomes["throttled"] >= 2
    assert report["load"]["sent"] == len(server.requests) <= 40
    assert report["measured"]["startup_seconds"] == 250.0 and report["activity"]["StatusCode"] == "Successful"
    assert report["verdict"] == "within the predicted interval"
    assert "startup (activity start -> healthy)" in out and "interval" in out
    assert "scale-out InProgress" in progress and "scale-out Successful" in progress
    image = Image.open(tmp_path / "r.png")
    assert image.size == (png.WIDTH, png.HEIGHT) and image.getpixel((5, 5)) == png.PAPER
    origin = png.LABELS + png.MARGIN
    assert image.getpixel((origin, 40)) == png.DETECTION and image.getpixel((400, 40)) == png.STARTUP  # measured
    assert image.getpixel((origin + 5, 100)) == png.DETECTION  # the predicted 30 s of detection, on the second bar
    assert png.INK in {image.getpixel((x, y)) for x in range(png.LABELS) for y in range(30, 60)}  # its label


def test_the_probe_prints_the_stages_the_recorder_logged_for_its_scale_out(serve, tmp_path):
    server = serve([OK])
    logs = _recorder_logs()
    code, report, out, progress = _run(server, tmp_path, "--requests", "20", "--instance-type", "ml.g6.2xlarge",
                                       "--recorder-log-group", "/aws/lambda/recorder", "--yes", logs=logs)  # fmt: skip
    assert code == 0 and logs.calls == ["filter_log_events", "filter_log_events"]
    assert report["recorder_stages"]["ProvisioningAndPull"] == {"label": "bounded", "seconds": 180.5}
    assert "waiting for the recorder's stage line of activity 3f6c1a2b-0013" in progress
    row = next(line for line in out.splitlines() if "provisioning and pull" in line)
    predicted = report["prediction"]["container_start_seconds"]
    assert row.split()[-3:] == [f"{180.5:.0f}", f"{predicted:.0f}", "bounded"]


def test_the_load_stops_once_the_scale_out_has_started(serve, tmp_path):
    server = serve([OK])
    seen: list[int] = []

    def control(started):
        autoscaling, sagemaker = _control(started, finished_after=12)  # the scale-out runs for ten more polls
        answer = autoscaling.answer

        def counting(operation, params, number):
            if number == 2:  # the poll that first returns the probe's activity
                seen.append(len(server.requests))
            return answer(operation, params, number)

        autoscaling.answer = counting
        return autoscaling, sagemaker

    code, report, _, _ = _run(server, tmp_path, "--concurrency", "2", "--requests", "5000", "--duration", "30", "--yes",
                              control=control)  # fmt: skip
    assert code == 0 and report["load"]["stopped_by"] == "scale-out started" and report["prediction"] is None
    # a few more requests may finish while the poll completes; without the stop, ten more polls of load would follow
    assert report["load"]["sent"] <= seen[0] + 20


def test_ctrl_c_stops_the_load_and_still_writes_the_report(serve, tmp_path):
    server = serve([OK])
    started: dict = {}
    autoscaling, sagemaker = _control(started)
    clients = Clients(_client("sagemaker-runtime", endpoint_url=server.url, config=RUNTIME_CONFIG), sagemaker, autoscaling)

    def interrupted(_seconds: float) -> None:
        time.sleep(0.05)
        raise KeyboardInterrupt

    code = main(["--endpoint", ENDPOINT, "--component", COMPONENT, "--report", str(tmp_path / "r.json"), "--yes"],
                clients=clients, out=io.StringIO(), progress=io.StringIO(), sleep=interrupted,
                now=lambda: started.setdefault("at", datetime.now(timezone.utc)))  # fmt: skip
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 3 and report["load"]["stopped_by"] == "interrupted" and report["activity"] is None
    assert report["load"]["sent"] == len(server.requests)


def test_without_confirmation_nothing_is_sent(serve, tmp_path):
    server = serve([OK])
    code, report, out, _ = _run(server, tmp_path, ask=lambda _: "")
    assert code == 1 and server.requests == [] and report is None
    assert "which you pay for" in out and "Nothing sent." in out

    def closed(_prompt: str) -> str:
        raise EOFError

    assert _run(server, tmp_path, ask=closed)[0] == 1 and server.requests == []


def test_no_scale_out_is_reported_as_such(serve, tmp_path):
    server = serve([NO_CAPACITY])
    code, report, out, _ = _run(server, tmp_path, "--requests", "6", "--duration", "1", "--wait", "0.3", "--poll",
                                "0.1", "--yes", control=lambda started: _control(started, scale_out_after=None))  # fmt: skip
    assert code == 3 and report["activity"] is None and report["load"]["outcomes"] == {"no_capacity": 6}
    assert "No scale-out started" in out


@pytest.mark.parametrize(("flags", "message"), [
    (["--concurrency", "65"], "concurrency must be a whole number from 1 to 64, got 65"),
    (["--requests", "0"], "requests must be a whole number from 1 to 5000, got 0"),
    (["--duration", "1801"], "duration must be more than 0 and at most 1800 s, got 1801"),
    (["--wait", "0"], "--wait must be in (0, 3600]"),
])  # fmt: skip
def test_caps_are_enforced_with_a_clear_error(flags, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--endpoint", ENDPOINT, *flags], clients=None)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_run_load_stops_at_the_request_cap_and_at_the_duration_cap():
    calls = []
    result = run_load(lambda: calls.append(1), Limits(concurrency=3, requests=10, duration_seconds=2), threading.Event(),
                      LoadResult())  # fmt: skip
    assert len(calls) == 10 and result.stopped_by == "request cap" and result.outcomes == {"ok": 10}
    ticks = iter(range(1000))
    timed = run_load(lambda: None, Limits(concurrency=1, requests=5000, duration_seconds=5), threading.Event(),
                     LoadResult(), clock=lambda: float(next(ticks)))  # fmt: skip
    assert timed.stopped_by == "duration cap" and timed.sent < 10


def test_classify_names_each_kind_of_refusal(serve):
    server = serve([NOT_READY, THROTTLED, BARE_429, NO_CAPACITY, (500, "InternalFailure", {"message": "x"})])
    runtime = _client("sagemaker-runtime", endpoint_url=server.url, config=RUNTIME_CONFIG)
    kinds = []
    for _ in range(5):
        with pytest.raises(Exception) as error:
            runtime.invoke_endpoint(EndpointName=ENDPOINT, Body=b"{}", ContentType="application/json")
        kinds.append(classify(error.value))
    assert kinds == ["model_not_ready", "throttled", "throttled", "no_capacity", "error:InternalFailure"]
