"""SageMaker's lifecycle metrics over CloudWatch's Prometheus-compatible query API (``runtime.lifecycle_metrics``),
against a loopback HTTP server answering with cited Prometheus-API fixtures (``tests/fixtures/promql``). The
signature is checked on the server side by an independent implementation of Signature Version 4 (AWS General
Reference, "Create a signed AWS API request"), and against botocore's signer for a fixed clock and credentials."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from constructs_pkg.runtime import lifecycle_metrics, names
from constructs_pkg.runtime.lifecycle_metrics import PromQLStageReader, QueryError, from_env, selector, single_value
from constructs_pkg.runtime.stages import E2E

from .. import fixtures
from .test_recorder import COMPONENT_CONFIG, IC_OUT, VARIANT_CONFIG

PROMQL = "promql/query/"
CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-example")
CLOCK = datetime(2026, 11, 24, 4, 0, 0, tzinfo=timezone.utc)
REGION = "us-east-1"


class Loopback:
    """A query API on 127.0.0.1: answers each POST with the fixture chosen by the metric name in its query."""

    def __init__(self, answers: dict[str, str], status: int = 200) -> None:
        self.answers, self.status, self.requests = answers, status, []
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                loopback.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers.items()),
                                          "body": body})  # fmt: skip
                query = urllib.parse.parse_qs(body.decode())["query"][0]
                name = next((f for metric, f in loopback.answers.items() if f'"{metric}"' in query), PROMQL + "empty")
                payload = json.dumps(fixtures.response(name)).encode()
                self.send_response(loopback.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(answers: dict[str, str], status: int = 200) -> Loopback:
        servers.append(Loopback(answers, status))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: CLOCK.replace(tzinfo=None))


def reader(server: Loopback, **overrides) -> PromQLStageReader:
    return PromQLStageReader(region=REGION, endpoint_name=COMPONENT_CONFIG.endpoint_name, endpoint_url=server.url,
                             credentials=CREDENTIALS, **overrides)  # fmt: skip


def activity() -> dict:
    import boto3

    client = boto3.client("application-autoscaling", region_name=REGION)
    return fixtures.response(IC_OUT, client)["ScalingActivities"][0]  # 03:53:05.120 -> 03:57:35.640


ALL_FOUR = {"model_download_time": PROMQL + "model_download_one_event", "gpu_load_time": PROMQL + "gpu_load_one_event",
            "container_start_time": PROMQL + "container_start_repeated", "e2e_duration": PROMQL + "e2e_one_scale_out"}  # fmt: skip


def test_reads_the_four_lifecycle_stages_of_one_scale_out(serve, fixed_clock):
    server = serve(ALL_FOUR)
    stages = reader(server)(COMPONENT_CONFIG.targets[0], activity())
    assert stages == {names.STAGE_MODEL_DOWNLOAD: 77.4, names.STAGE_GPU_LOAD: 21.2, names.STAGE_CONTAINER_START: 140.1,
                      E2E: 262.0}  # fmt: skip
    assert len(server.requests) == 4
    sent = [urllib.parse.parse_qs(r["body"].decode()) for r in server.requests]
    assert {r["path"] for r in server.requests} == {"/api/v1/query"}
    # Each over the activity's own span: from its start to 2 minutes after its end (390.52 s), evaluated then.
    assert sent[1]["query"] == ['{"model_download_time","aws.sagemaker.endpoint.name"="qwen3lmi-endpoint-9fa583eb",'
                                '"aws.sagemaker.inference_component.name"="qwen3-8b-ic"}[390s]']
    assert sent[1]["time"] == ["1795492775.640"] and sent[1]["limit"] == ["10"]
    assert '"aws.sagemaker.scaling.direction"="ScaleOut"' in sent[0]["query"][0]  # E2E: scale-outs only
    assert all("scaling.direction" not in q["query"][0] for q in sent[1:])


def test_a_stage_with_several_values_is_not_attributed(serve):
    server = serve({"model_download_time": PROMQL + "two_copies"})  # and nothing for the others
    assert reader(server)(COMPONENT_CONFIG.targets[0], activity()) == {}
    assert single_value(fixtures.response(PROMQL + "two_copies")) is None
    assert single_value(fixtures.response(PROMQL + "container_start_repeated")) == 140.1  # one value, re-sent


@pytest.mark.parametrize("status", [200, 400])
def test_an_error_answer_raises(serve, status):
    server = serve({"model_download_time": PROMQL + "error_bad_data"}, status=status)
    with pytest.raises(QueryError, match="bad_data: 1:2: parse error"):
        reader(server)(COMPONENT_CONFIG.targets[0], activity())


def test_a_variant_is_selected_by_its_endpoint_and_variant(serve):
    server = serve({})
    variant = VARIANT_CONFIG.targets[0]
    PromQLStageReader(region=REGION, endpoint_name=VARIANT_CONFIG.endpoint_name, endpoint_url=server.url,
                      credentials=CREDENTIALS)(variant, activity())  # fmt: skip
    query = urllib.parse.parse_qs(server.requests[0]["body"].decode())["query"][0]
    assert f'"aws.sagemaker.variant.name"="{VARIANT_CONFIG.variant_name}"' in query
    assert "inference_component" not in query


# Signature Version 4 ----------------------------------------------------------------------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4(request: dict, secret: str, region: str, service: str) -> str:
    """The Authorization header SigV4 requires for a received request, computed from its parts (independent of
    botocore): canonical request -> string to sign -> signing key -> signature."""
    headers = {k.lower(): v for k, v in request["headers"].items()}
    credential, signed, _ = headers["authorization"].split(", ")
    access_key, scope = credential.split("Credential=")[1].split("/", 1)
    signed_names = signed.split("SignedHeaders=")[1].split(";")
    path, _, query = request["path"].partition("?")
    canonical = "\n".join([
        request["method"], path, query,
        "".join(f"{n}:{' '.join(headers[n].split())}\n" for n in signed_names),
        ";".join(signed_names), hashlib.sha256(request["body"]).hexdigest(),
    ])  # fmt: skip
    stamp = headers["x-amz-date"]
    scope_expected = f"{stamp[:8]}/{region}/{service}/aws4_request"
    assert scope == scope_expected
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), stamp[:8]), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(signed_names)}, Signature={signature}"


def test_the_query_is_signed_as_sigv4_requires(serve, fixed_clock):
    server = serve({})
    reader(server)(COMPONENT_CONFIG.targets[0], activity())
    for received in server.requests:
        headers = {k.lower(): v for k, v in received["headers"].items()}
        assert headers["x-amz-date"] == "20261124T040000Z"
        assert headers["x-amz-security-token"] == "session-token-example"
        assert "host" in headers["authorization"] and "x-amz-date" in headers["authorization"]
        assert headers["authorization"] == sigv4(received, CREDENTIALS.secret_key, REGION, "monitoring")


def test_the_signature_matches_botocores_signer_for_a_fixed_clock(fixed_clock):
    at = datetime(2026, 11, 24, 3, 59, 35, 640000, tzinfo=timezone.utc)
    ours = PromQLStageReader(region=REGION, endpoint_name="e", credentials=CREDENTIALS).signed('{"gpu_load_time"}[60s]', at)
    body = urllib.parse.urlencode({"query": '{"gpu_load_time"}[60s]', "time": "1795492775.640", "limit": "10"}).encode()
    theirs = AWSRequest(method="POST", url="https://monitoring.us-east-1.amazonaws.com/api/v1/query", data=body,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    SigV4Auth(CREDENTIALS, "monitoring", REGION).add_auth(theirs)
    assert ours.url == "https://monitoring.us-east-1.amazonaws.com/api/v1/query"
    assert ours.body == body
    assert ours.headers["Authorization"] == theirs.headers["Authorization"]
    # And both agree with the specification's computation.
    received = {"method": "POST", "path": "/api/v1/query", "body": body,
                "headers": {**dict(ours.headers.items()), "host": "monitoring.us-east-1.amazonaws.com"}}  # fmt: skip
    assert ours.headers["Authorization"] == sigv4(received, CREDENTIALS.secret_key, REGION, "monitoring")


# Configuration ----------------------------------------------------------------------------------------------------


def test_the_reader_is_opt_in_and_its_names_can_be_overridden():
    env = {"AWS_REGION": REGION, "ENDPOINT_NAME": "e"}
    assert from_env(env) is None  # unconfirmed names: off unless asked for
    assert from_env({**env, "SAGEMAKER_STAGES": "false"}) is None
    on = from_env({**env, "SAGEMAKER_STAGES": "true", "SAGEMAKER_METRIC_NAMES": json.dumps({"GpuLoad": "GPULoadTime"})})
    assert on is not None and on.metric_names[names.STAGE_GPU_LOAD] == "GPULoadTime"
    assert on.metric_names[E2E] == lifecycle_metrics.METRIC_NAMES[E2E]
    with pytest.raises(ValueError, match=r"SAGEMAKER_METRIC_NAMES names unknown stages \['Gpu'\]"):
        from_env({**env, "SAGEMAKER_STAGES": "true", "SAGEMAKER_METRIC_NAMES": '{"Gpu": "x"}'})


def test_selector_quotes_dotted_names():
    from datetime import timedelta

    assert selector("a.b", {"x.y": 'q"z'}, timedelta(seconds=90.9)) == '{"a.b","x.y"="q\\"z"}[90s]'
