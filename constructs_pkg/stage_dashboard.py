"""The dashboard rows that show where each scale-out's time went: stages, cache inference, capacity, prediction.

``ScaleOutDashboard`` adds these rows after its own when the endpoint's recorder records stages. Every metric comes
from a component's or endpoint's ``metric_*`` method, every PromQL string from ``metrics.SageMakerQueries``, and the
table's field names from ``runtime.names``; this module only arranges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Aws
from aws_cdk import aws_cloudwatch as cw

from . import _scope, metrics
from ._planning import default_predictions
from .interfaces import IInferenceComponent, IInferenceEndpoint
from .planner import ScaleOutPlan
from .runtime import names
from .scale_out_recorder import ScaleOutRecorder

FULL_WIDTH, HALF_WIDTH, QUARTER_WIDTH = 24, 12, 6
HEADER_HEIGHT, GRAPH_HEIGHT, TABLE_HEIGHT, NOTE_HEIGHT = 1, 6, 6, 7
SECONDS_AXIS = cw.YAxisProps(min=0, label="seconds", show_units=False)
RATIO_AXIS = cw.YAxisProps(min=0, max=1.5, show_units=False)
COUNT_AXIS = cw.YAxisProps(min=0, show_units=False)
LATEST_SCALE_OUTS = 20
PREDICTION_COLOR = "#9467bd"
#: Titles, spelled once so tests and the preview renderer find widgets by them.
STAGES_TITLE = "Scale-out stages (stacked, per scale-out): {name}"
CACHE_TITLE = "Image cache inference (pull / cold pull): {name}"
CAPACITY_TITLE = "Capacity failures (ICE): {name}"
TABLE_TITLE = "Latest scale-outs (recorder log)"
SAGEMAKER_TITLE = "SageMaker's own scale-out metrics (PromQL)"
#: What each stacked stage holds, for both model sources (``runtime.stages.HOLDS`` has the full lists): SageMaker
#: downloads S3 artifacts beside the image pull, before the container's first line; a container given
#: ``HF_MODEL_ID`` downloads the model itself after it starts.
HOLDS = {
    names.STAGE_ALARM_EVALUATION: "datapoints over target -> ALARM",
    names.STAGE_ALARM_TO_ACTIVITY: "ALARM -> scaling activity",
    names.STAGE_PROVISIONING_AND_PULL: "provisioning, image pull, S3 model download, start -> first line",
    names.STAGE_LOAD_AND_HEALTH_CHECK: "HF_MODEL_ID download, GPU load, health check",
}


@dataclass(frozen=True)
class _Source:
    """A component, or a single-model endpoint scaled on instances: what the stage rows are drawn for."""

    name: str
    metrics: IInferenceComponent | IInferenceEndpoint
    predictions: tuple[ScaleOutPlan, ScaleOutPlan] | None  # (cache on, cache off)


def stage_rows(
    endpoint: IInferenceEndpoint, recorder: ScaleOutRecorder | None, queries: metrics.SageMakerQueries | None
) -> list[list[cw.IWidget]]:
    """The stage rows of ``endpoint``; none without a recorder that records stages. With ``queries``, SageMaker's
    own scale-out metrics are charted with PromQL as well as listed."""
    if recorder is None or not recorder.record_stages:
        return []
    rows: list[list[cw.IWidget]] = [[_header(f"### Scale-out stages of `{endpoint.physical_endpoint_name}`")]]
    for source in _sources(endpoint, recorder):
        rows.append([_stages(source), _cache(source), _capacity(source)])
    rows.append([_latest_scale_outs(recorder)])
    rows.append([_sagemaker_note(endpoint, queries or metrics.SageMakerQueries())])
    if queries is not None:
        rows.append(_sagemaker_charts(endpoint, queries))
    return rows


def _sources(endpoint: IInferenceEndpoint, recorder: ScaleOutRecorder) -> list[_Source]:
    sources = [
        _Source(c.component_name, c, default_predictions(endpoint.instance_type, c.accelerator_count,
                                                         getattr(c, "scale_out_plan", None)))
        for c in endpoint.inference_components
    ]  # fmt: skip
    if recorder.variant_scaled:
        spec = endpoint.instance_type.spec if endpoint.instance_type is not None else None
        plan = getattr(endpoint, "scale_out_plan", None)
        sources.append(_Source(endpoint.physical_endpoint_name, endpoint,
                               default_predictions(endpoint.instance_type, spec.accelerators if spec else None, plan)))
    return sources


def _stages(source: _Source) -> cw.GraphWidget:
    """One stacked column of stages per scale-out; the planner's totals as horizontal lines."""
    stages = [source.metrics.metric_scale_out_stage_seconds(stage, label=f"{stage} ({how}): {HOLDS[stage]}")
              for stage, how in metrics.SCALE_OUT_STAGES]  # fmt: skip
    return cw.GraphWidget(
        title=STAGES_TITLE.format(name=source.name), left=stages, stacked=True, width=HALF_WIDTH,
        height=GRAPH_HEIGHT, left_y_axis=SECONDS_AXIS, left_annotations=_predicted(source.predictions) or None,
    )  # fmt: skip


def _predicted(predictions: tuple[ScaleOutPlan, ScaleOutPlan] | None) -> list[cw.HorizontalAnnotation]:
    if predictions is None:
        return []
    return [
        cw.HorizontalAnnotation(value=round(plan.total_seconds), color=PREDICTION_COLOR,
                                label=f"planner, cache {'on' if plan.cache else 'off'}: {plan.total_seconds:.0f} s")
        for plan in predictions
    ]  # fmt: skip


def _cache(source: _Source) -> cw.GraphWidget:
    return cw.GraphWidget(
        title=CACHE_TITLE.format(name=source.name),
        left=[source.metrics.metric_provisioning_pull_to_cold_ratio(label="provisioning+pull / cold deployment's")],
        width=QUARTER_WIDTH, height=GRAPH_HEIGHT, left_y_axis=RATIO_AXIS,
        left_annotations=[cw.HorizontalAnnotation(value=metrics.CACHE_REGRESSION_RATIO, color=_scope.red(),
                                                  label="cache regressed to cold")],
    )  # fmt: skip


def _capacity(source: _Source) -> cw.GraphWidget:
    return cw.GraphWidget(
        title=CAPACITY_TITLE.format(name=source.name),
        left=[source.metrics.metric_scale_out_capacity_failures(label="InsufficientInstanceCapacity"),
              source.metrics.metric_scale_out_failures(label="all failed scale-outs")],
        width=QUARTER_WIDTH, height=GRAPH_HEIGHT, left_y_axis=COUNT_AXIS,
        left_annotations=[cw.HorizontalAnnotation(value=1, color=_scope.red(), label="alarm")],
    )  # fmt: skip


def _latest_scale_outs(recorder: ScaleOutRecorder) -> cw.LogQueryWidget:
    """The recorder's one JSON line per scale-out, newest first. Logs Insights discovers the fields of the first JSON
    fragment of a Lambda log event (CloudWatch Logs User Guide, "Supported logs and discovered fields")."""
    stage_fields = [f"stages.{stage}.seconds as {stage}" for stage, _ in metrics.SCALE_OUT_STAGES]
    return cw.LogQueryWidget(
        title=TABLE_TITLE,
        log_group_names=[recorder.function.log_group.log_group_name],
        query_lines=[
            f"fields @timestamp, resource, model_source, end_to_end, {', '.join(stage_fields)}, cache.ratio as cache_ratio, e2e_gap",
            f'filter event = "{names.STAGES_LOG_EVENT}"',
            "sort @timestamp desc",
            f"limit {LATEST_SCALE_OUTS}",
        ],
        view=cw.LogQueryVisualizationType.TABLE,
        width=FULL_WIDTH,
        height=TABLE_HEIGHT,
    )


def _sagemaker_note(endpoint: IInferenceEndpoint, queries: metrics.SageMakerQueries) -> cw.TextWidget:
    """Where SageMaker's own scaling and ICE metrics are, and the queries to paste (no CDK widget takes PromQL)."""
    name = endpoint.physical_endpoint_name
    lines = [f"- end-to-end scale-out: `{queries.render(queries.scale_out_latency, endpoint=name)}`",
             f"- insufficient capacity: `{queries.render(queries.capacity_failures, endpoint=name)}`"]  # fmt: skip
    for component in endpoint.inference_components[:2]:
        c = component.component_name
        lines.append(f"- `{c}` download / GPU load / container start: "
                     f"`{queries.render(queries.model_download, component=c)}`, "
                     f"`{queries.render(queries.gpu_load, component=c)}`, "
                     f"`{queries.render(queries.container_start, component=c)}`")  # fmt: skip
    console = f"https://{Aws.REGION}.console.{Aws.URL_SUFFIX}/cloudwatch/home?region={Aws.REGION}"
    markdown = "\n".join([
        f"#### {SAGEMAKER_TITLE}",
        f"SageMaker times scale-outs itself when the endpoint's detailed observability is on and the account's OTel "
        f"enrichment is started. Open [CloudWatch]({console}) > *Infrastructure monitoring* > *SageMaker AI "
        "Insights*, or run these in the PromQL query editor (metric names unconfirmed by AWS; override them with "
        "`SageMakerQueries`):",
        *lines,
    ])  # fmt: skip
    return cw.TextWidget(markdown=markdown, width=FULL_WIDTH, height=NOTE_HEIGHT)


def _sagemaker_charts(endpoint: IInferenceEndpoint, queries: metrics.SageMakerQueries) -> list[cw.IWidget]:
    name = endpoint.physical_endpoint_name
    return [
        PromQLChart("SageMaker end-to-end scale-out (s)", queries.render(queries.scale_out_latency, endpoint=name)),
        PromQLChart("SageMaker insufficient-capacity errors", queries.render(queries.capacity_failures, endpoint=name)),
    ]


@jsii.implements(cw.IWidget)
class PromQLChart(cw.ConcreteWidget):
    """A ``chart`` widget with one PromQL query: the shape seen in public dashboards, not in AWS's body reference
    (unverified; that is why ``ScaleOutDashboard.add_sagemaker_promql_widgets`` is opt-in)."""

    def __init__(self, title: str, query: str, *, width: int = HALF_WIDTH, height: int = GRAPH_HEIGHT) -> None:
        super().__init__(width, height)
        self._title = title
        self._query = query

    def to_json(self) -> list[Any]:
        return [{
            "type": "chart", "width": self.width, "height": self.height, "x": self._x, "y": self._y,
            "properties": {
                "title": self._title, "region": Aws.REGION, "view": "timeSeries",
                "data": {"queries": [{"id": "q1", "type": "cloudwatch-metrics", "language": "PromQL",
                                      "query": self._query}]},
            },
        }]  # fmt: skip


def _header(markdown: str) -> cw.TextWidget:
    return cw.TextWidget(markdown=markdown, width=FULL_WIDTH, height=HEADER_HEIGHT)

