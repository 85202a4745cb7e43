"""SageMaker's own lifecycle metrics for one scale-out, read over CloudWatch's Prometheus-compatible query API: the
``StageReader`` of ``runtime.recorder`` (standard library HTTP, signed with botocore's SigV4 signer).

Opt-in (``SAGEMAKER_STAGES=true``; the construct's ``read_sagemaker_stages``), because AWS has not confirmed what
the queries depend on: which metric names PromQL accepts (CloudWatch's "SageMaker AI Insights metrics" page lists
``E2EScalingLatency``/``ModelDownloadTime``/``GPULoadTime``/``ContainerStartDuration``; SageMaker's
"inference-monitoring" page gives the source names ``e2e_duration``/``model_download_time``/``gpu_load_time``/
``container_start_time`` used by default), and which labels the operation metrics carry. Override the names with
``SAGEMAKER_METRIC_NAMES`` (JSON: stage -> metric name). A wrong name finds nothing, so it costs the stages, never
a wrong number.

The API (CloudWatch User Guide, "QueryMetrics",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-PromQL-API-QueryMetrics.html):
``POST https://monitoring.<region>.amazonaws.com/api/v1/query`` with form fields ``query``, ``time`` (Unix seconds)
and ``limit`` (1-500), signed with Signature Version 4 for the service ``monitoring``; the caller needs
``cloudwatch:GetMetricData`` and ``cloudwatch:ListMetrics``. The answer is the Prometheus HTTP API's
(https://prometheus.io/docs/prometheus/latest/querying/api/): an instant query of a range selector returns
``{"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {...}, "values": [[<unix s>,
"<value>"], ...]}]}}``.

Attribution. Each metric is read over the activity's own span, from its start to ``SETTLE`` after its end, and
taken only when that span holds exactly one value in one series (one event, possibly repeated by the exporter).
Several values (several copies, or another activity's event) give nothing for that stage. The recorder asks only
for activities no other activity of the target overlaps (``runtime.attribution``).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3  # type: ignore[import-untyped]  # no stubs in the Lambda runtime's boto3
from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]

from . import names
from .recorder_config import Target
from .stages import E2E

SERVICE = "monitoring"  # CloudWatch's SigV4 signing name
PATH = "/api/v1/query"
#: After the activity's end, how long its events may take to arrive ("within about 2 minutes", AWS ML Blog on
#: SageMaker detailed metrics); the recorder reads an activity at least 2 minutes after it ended.
SETTLE = timedelta(minutes=2)
TIMEOUT_SECONDS = 3.0  # per request: four requests fit well inside the recorder's 50 s
LIMIT = 10  # series per query: more than one already means the stage cannot be attributed
#: Source metric names (SageMaker Developer Guide, inference-monitoring), by the stage they time.
METRIC_NAMES: Mapping[str, str] = names.SAGEMAKER_LIFECYCLE_METRICS
ENDPOINT_LABEL = "aws.sagemaker.endpoint.name"
VARIANT_LABEL = "aws.sagemaker.variant.name"
COMPONENT_LABEL = "aws.sagemaker.inference_component.name"
DIRECTION_LABEL = "aws.sagemaker.scaling.direction"
SCALE_OUT = "ScaleOut"


class QueryError(RuntimeError):
    """The query API answered with an error (its ``errorType`` and ``error``) or an unexpected shape."""


def selector(metric: str, labels: Mapping[str, str], window: timedelta) -> str:
    """A range selector with quoted (dotted) names: ``{"<metric>","<label>"="<value>",...}[<seconds>s]``
    (CloudWatch PromQL: dotted names must be quoted inside the braces)."""
    parts = [json.dumps(metric)] + [f"{json.dumps(k)}={json.dumps(v)}" for k, v in labels.items()]
    return "{" + ",".join(parts) + "}" + f"[{int(window.total_seconds())}s]"


def single_value(answer: Mapping[str, Any]) -> float | None:
    """The one value of a matrix answer (one series, one distinct value), else None."""
    if answer.get("status") != "success":
        raise QueryError(f"{answer.get('errorType', 'unknown')}: {answer.get('error', 'no error message')}")
    data = answer.get("data") or {}
    if data.get("resultType") != "matrix":
        raise QueryError(f"expected a matrix, got {data.get('resultType')!r}")
    series = data.get("result") or []
    values = {float(v) for s in series for _, v in s.get("values", [])}
    return values.pop() if len(series) == 1 and len(values) == 1 else None


@dataclass(frozen=True)
class PromQLStageReader:
    """``reader(target, activity) -> {stage: seconds}`` over the query API (see the module docstring)."""

    region: str
    endpoint_name: str
    metric_names: Mapping[str, str] = field(default_factory=lambda: dict(METRIC_NAMES))
    #: The query API's base URL. Default: ``https://monitoring.<region>.amazonaws.com``.
    endpoint_url: str | None = None
    #: botocore credentials (access key, secret key, token). Default: the function's, read on each call.
    credentials: Any = None
    urlopen: Callable[..., Any] = urllib.request.urlopen

    def __call__(self, target: Target, activity: Mapping[str, Any]) -> dict[str, float]:
        labels = self._labels(target)
        if labels is None:
            return {}
        started, ended = activity["StartTime"], activity["EndTime"]
        at = ended + SETTLE
        found: dict[str, float] = {}
        for stage, metric in self.metric_names.items():
            stage_labels = {**labels, DIRECTION_LABEL: SCALE_OUT} if stage == E2E else labels
            value = single_value(self.query(selector(metric, stage_labels, at - started), at))
            if value is not None:
                found[stage] = value
        return found

    def _labels(self, target: Target) -> dict[str, str] | None:
        component = target.dims.get(names.COMPONENT_DIMENSION)
        if component is not None:
            return {ENDPOINT_LABEL: self.endpoint_name, COMPONENT_LABEL: component}
        variant = target.stream_prefix.rstrip("/")
        return {ENDPOINT_LABEL: self.endpoint_name, VARIANT_LABEL: variant} if variant else None

    def query(self, promql: str, at: datetime) -> dict[str, Any]:
        """One signed instant query (POST, form-encoded), its JSON answer."""
        request = self.signed(promql, at)
        sent = urllib.request.Request(request.url, data=request.body, method="POST",
                                      headers={k: v for k, v in request.headers.items()})  # fmt: skip
        try:
            with self.urlopen(sent, timeout=TIMEOUT_SECONDS) as response:
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:  # the API's error body has the same envelope
            try:
                answer = json.loads(error.read())
            except ValueError:
                raise QueryError(f"HTTP {error.code}") from error
        return answer

    def signed(self, promql: str, at: datetime) -> AWSRequest:
        """The request, signed by botocore's SigV4 signer (the payload hash included)."""
        base = self.endpoint_url or f"https://{SERVICE}.{self.region}.amazonaws.com"
        body = urllib.parse.urlencode({"query": promql, "time": f"{at.timestamp():.3f}", "limit": str(LIMIT)})
        request = AWSRequest(method="POST", url=base.rstrip("/") + PATH, data=body.encode(),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        SigV4Auth(self._credentials(), SERVICE, self.region).add_auth(request)
        return request.prepare()

    def _credentials(self) -> Any:
        if self.credentials is not None:
            return self.credentials
        return boto3.Session().get_credentials().get_frozen_credentials()


def from_env(env: Mapping[str, str] | None = None) -> PromQLStageReader | None:
    """The reader when ``SAGEMAKER_STAGES=true``, else None. ``SAGEMAKER_METRIC_NAMES`` (JSON) overrides names."""
    env = os.environ if env is None else env
    if env.get("SAGEMAKER_STAGES", "false") != "true":
        return None
    overrides = json.loads(env.get("SAGEMAKER_METRIC_NAMES") or "{}")
    unknown = set(overrides) - set(METRIC_NAMES)
    if unknown:
        raise ValueError(f"SAGEMAKER_METRIC_NAMES names unknown stages {sorted(unknown)}; known: {sorted(METRIC_NAMES)}")
    return PromQLStageReader(region=env["AWS_REGION"], endpoint_name=env["ENDPOINT_NAME"],
                             metric_names={**METRIC_NAMES, **overrides})  # fmt: skip
