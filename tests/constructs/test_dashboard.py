"""ScaleOutDashboard: widgets are found by title, never by position."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Template

from constructs_pkg import CacheGuardMode, InferenceEndpoint, ScaleOutDashboard

from ..helpers import add_component, new_endpoint, new_stack, one, resources_of


def body(stack) -> dict:
    """The dashboard body with tokens replaced by readable placeholders."""
    parts = one(Template.from_stack(stack), "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))


def widget(dashboard: dict, title: str) -> dict:
    (found,) = [w for w in dashboard["widgets"] if w["properties"].get("title") == title]
    return found


def metric_names(w: dict) -> list[str]:
    return [m[1] for m in w["properties"]["metrics"]]


@pytest.fixture(scope="module")
def dashboard() -> dict:
    stack = new_stack()
    endpoint = new_endpoint(stack)
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)  # before the component: the layout waits for synth
    component = add_component(endpoint, component_name="qwen")
    component.scale_on_concurrent_requests(min_copies=1, max_copies=4, target_per_copy=6)
    return body(stack)


def test_demand_is_drawn_against_the_target(dashboard):
    w = widget(dashboard, "Demand vs target: qwen")
    assert w["properties"]["metrics"] == [
        ["AWS/SageMaker", "ConcurrentRequestsPerCopy", "InferenceComponentName", "qwen",
         {"label": "concurrent requests per copy", "period": 10, "stat": "Maximum"}]
    ]  # fmt: skip
    (line,) = w["properties"]["annotations"]["horizontal"]
    assert (line["value"], line["label"]) == (6, "target per copy")


def test_copies_and_instances(dashboard):
    w = widget(dashboard, "Copies and instances: qwen")
    assert metric_names(w) == ["DesiredCopyCount", "CurrentCopyCount", "DesiredInstanceCount", "CurrentInstanceCount"]
    assert [m[-1].get("yAxis") for m in w["properties"]["metrics"]] == [None, None, "right", "right"]


def test_scale_out_latency_against_the_budget(dashboard):
    w = widget(dashboard, "Scale-out latency: qwen")
    stats = [(m[1], m[-1]["stat"]) for m in w["properties"]["metrics"]]
    assert stats == [("ScaleOutLatency", "p50"), ("ScaleOutLatency", "p90"), ("ScaleOutLatency", "Maximum"),
                     ("ScaleOutDetectionLatency", "p90")]  # fmt: skip
    (line,) = w["properties"]["annotations"]["horizontal"]
    assert (line["value"], line["label"]) == (360, "budget")


def test_failures_latency_and_gpu_rows(dashboard):
    assert metric_names(widget(dashboard, "No-capacity failures and errors: qwen")) == [
        "NoCapacityInvocationFailures", "Invocation4XXErrors", "Invocation5XXErrors", "InvocationModelErrors",
        "ScaleOutFailures",
    ]  # fmt: skip
    latency = widget(dashboard, "Latency percentiles (microseconds): qwen")
    assert [(m[1], m[-1].get("stat", "Average")) for m in latency["properties"]["metrics"]] == [
        ("ModelLatency", "p50"), ("ModelLatency", "p90"), ("ModelLatency", "p99"), ("OverheadLatency", "Average"),
    ]  # fmt: skip
    gpu = widget(dashboard, "GPU utilization (%): qwen")
    assert metric_names(gpu) == ["GPUUtilizationNormalized", "GPUMemoryUtilizationNormalized"]
    assert gpu["properties"]["metrics"][0][0] == "/aws/sagemaker/InferenceComponents"


def test_endpoint_row_shows_instances_reservation_and_the_slo_alarms(dashboard):
    assert metric_names(widget(dashboard, "Instances")) == ["DesiredInstanceCount", "CurrentInstanceCount"]
    assert metric_names(widget(dashboard, "Accelerator reservation and use (%)")) == [
        "GPUReservation", "GPUUtilizationNormalized",
    ]  # fmt: skip
    assert widget(dashboard, "Scale-out SLO")["properties"]["alarms"] == ["<token>", "<token>"]  # budget, heartbeat


def test_widgets_tile_the_grid_without_overlap(dashboard):
    cells = set()
    for w in dashboard["widgets"]:
        assert w["x"] + w["width"] <= 24
        for x in range(w["x"], w["x"] + w["width"]):
            for y in range(w["y"], w["y"] + w["height"]):
                assert (x, y) not in cells, w["properties"].get("title")
                cells.add((x, y))


def test_one_row_set_per_component_and_no_target_without_scaling():
    stack = new_stack()
    endpoint = new_endpoint(stack, scale_out_budget=None, cache_guard=CacheGuardMode.OFF)
    add_component(endpoint, "A", component_name="a")
    add_component(endpoint, "B", component_name="b")
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    dashboard = body(stack)
    assert "annotations" not in widget(dashboard, "Demand vs target: a")["properties"]
    assert "annotations" not in widget(dashboard, "Scale-out latency: b")["properties"]
    assert [w["properties"].get("title") for w in dashboard["widgets"]].count("Scale-out SLO") == 0


def test_dashboard_for_an_imported_endpoint():
    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(stack, "Imported", "legacy")
    add_component(endpoint, component_name="adopted")
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint, dashboard_name="legacy-scale-out")
    assert one(Template.from_stack(stack), "AWS::CloudWatch::Dashboard")["Properties"]["DashboardName"] == "legacy-scale-out"
    w = widget(body(stack), "Demand vs target: adopted")
    assert w["properties"]["metrics"][0][3] == "adopted"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"dashboard_name": "my dashboard"}, r"dashboard_name must be 1-255 letters, digits, '-' or '_', got 'my dashboard'"),
        ({"default_interval": Duration.seconds(10)}, r"default_interval must be between 60 and 39312000 seconds, got 10"),
    ],
)  # fmt: skip
def test_dashboard_rejects(props, message):
    stack = new_stack()
    with pytest.raises(ValueError, match=message):
        ScaleOutDashboard(stack, "Dashboard", endpoint=new_endpoint(stack), **props)


# ---------------------------------------------------------------------------------- only metrics that exist (issue 11)
def _titles(dashboard: dict) -> list[str]:
    return [w["properties"].get("title", "") for w in dashboard["widgets"]]


def _all_metrics(dashboard: dict) -> list[list]:
    return [m for w in dashboard["widgets"] for m in w["properties"].get("metrics", [])]


def _texts(dashboard: dict) -> list[str]:
    return [w["properties"]["markdown"] for w in dashboard["widgets"] if w["type"] == "text"]


def test_reservation_and_normalized_metrics_only_on_component_endpoints():
    from constructs_pkg import ContainerImage, SingleModelEndpoint
    from constructs_pkg import AcceleratorInstanceType as T

    from ..helpers import IMAGE_URI

    stack = new_stack()
    endpoint = SingleModelEndpoint(stack, "Llm", instance_type=T.G6_2XLARGE, image=ContainerImage.from_image_uri(IMAGE_URI))
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    dashboard = body(stack)
    names = {m[1] for m in _all_metrics(dashboard)}
    assert not {"GPUReservation", "GPUUtilizationNormalized", "GPUMemoryUtilizationNormalized",
                "CPUUtilizationNormalized"} & names  # fmt: skip
    assert "/aws/sagemaker/InferenceComponents" not in {m[0] for m in _all_metrics(dashboard)}
    utilization = widget(dashboard, f"GPU utilization (% x GPUs): {endpoint.physical_endpoint_name}")
    assert [(m[0], m[1]) for m in utilization["properties"]["metrics"]] == [
        ("/aws/sagemaker/Endpoints", "GPUUtilization"), ("/aws/sagemaker/Endpoints", "GPUMemoryUtilization"),
        ("/aws/sagemaker/Endpoints", "CPUUtilization"),
    ]  # fmt: skip
    assert "max" not in utilization["properties"]["yAxis"]["left"]  # 0-100 per device, summed over devices


def test_component_endpoints_keep_reservation_and_normalized_metrics(dashboard):
    assert metric_names(widget(dashboard, "Accelerator reservation and use (%)")) == [
        "GPUReservation", "GPUUtilizationNormalized",
    ]  # fmt: skip
    assert widget(dashboard, "GPU utilization (%): qwen")["properties"]["metrics"][0][0] == (
        "/aws/sagemaker/InferenceComponents"
    )


@pytest.mark.parametrize("name", ["ml.inf2.48xlarge", "ml.trn1.32xlarge", "ml.trn2.48xlarge"])
def test_no_gpu_widgets_on_neuron_instances(name):
    from constructs_pkg import AcceleratorInstanceType

    stack = new_stack()
    endpoint = new_endpoint(stack, instance_type=AcceleratorInstanceType.of(name))
    add_component(endpoint, component_name="neuron", accelerator_count=2)
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    dashboard = body(stack)
    assert [m[1] for m in _all_metrics(dashboard) if m[1].startswith("GPU")] == []
    assert [t for t in _titles(dashboard) if "GPU" in t or "Accelerator" in t] == []
    assert "Demand vs target: neuron" in _titles(dashboard)  # the rest of the dashboard is still there


def test_gpu_widgets_stay_on_gpu_instances(dashboard):
    assert "GPU utilization (%): qwen" in _titles(dashboard)


def test_every_statistic_is_valid_for_its_metric(dashboard):
    overhead = [m[-1].get("stat", "Average") for m in _all_metrics(dashboard) if m[1] == "OverheadLatency"]
    assert overhead and all(s in ("Average", "Sum", "Minimum", "Maximum", "SampleCount") for s in overhead)
    for m in _all_metrics(dashboard):
        stat = m[-1].get("stat", "Average")
        if m[1] in ("ConcurrentRequestsPerCopy", "ConcurrentRequestsPerModel"):
            assert stat in ("Minimum", "Maximum"), m  # "Valid statistics: Min, Max"
        if m[1] in ("Invocations", "InvocationsPerCopy"):
            assert stat == "Sum", m
        if m[1] in ("Invocation4XXErrors", "Invocation5XXErrors", "InvocationModelErrors"):
            assert stat in ("Average", "Sum"), m


def test_library_metrics_only_when_a_recorder_publishes_them():
    stack = new_stack()
    endpoint = new_endpoint(stack, record_scale_out=False)
    add_component(endpoint, component_name="quiet")
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    dashboard = body(stack)
    assert not [m for m in _all_metrics(dashboard) if m[0].startswith("ConstructsPkg/ScaleOut")]
    assert not {"Instances", "Copies and instances: quiet", "Scale-out latency: quiet"} & set(_titles(dashboard))
    assert "ScaleOutFailures" not in metric_names(widget(dashboard, "No-capacity failures and errors: quiet"))
    (text,) = [t for t in _texts(dashboard) if "ScaleOutRecorder" in t]
    assert "record_scale_out=True" in text and f"ConstructsPkg/ScaleOut/{endpoint.physical_endpoint_name}" in text


def test_an_imported_endpoint_without_a_recorder_says_how_to_turn_it_on():
    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(stack, "Imported", "legacy")
    add_component(endpoint, component_name="adopted")
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    dashboard = body(stack)
    assert not [m for m in _all_metrics(dashboard) if m[0].startswith("ConstructsPkg/ScaleOut")]
    assert any("ScaleOutRecorder(scope, id, endpoint=endpoint)" in t for t in _texts(dashboard))


def test_an_imported_endpoint_with_a_recorder_shows_its_metrics():
    from constructs_pkg import ScaleOutRecorder

    stack = new_stack()
    endpoint = InferenceEndpoint.from_endpoint_name(stack, "Imported", "legacy")
    add_component(endpoint, component_name="adopted")
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    ScaleOutRecorder(stack, "Recorder", endpoint=endpoint)
    dashboard = body(stack)
    assert metric_names(widget(dashboard, "Scale-out latency: adopted"))[0] == "ScaleOutLatency"
    assert not [t for t in _texts(dashboard) if "ScaleOutRecorder" in t]
    assert "ConstructsPkg/ScaleOut/legacy" in {m[0] for m in _all_metrics(dashboard)}  # the recorder's namespace


def test_each_endpoint_charts_its_library_metrics_from_its_own_namespace():
    stack = new_stack()
    names = []
    for id in ("A", "B"):
        endpoint = new_endpoint(stack, id)
        add_component(endpoint, component_name=f"model-{id.lower()}")
        ScaleOutDashboard(stack, f"Dashboard{id}", endpoint=endpoint)
        names.append(endpoint.physical_endpoint_name)
    found = []
    for resource in resources_of(Template.from_stack(stack), "AWS::CloudWatch::Dashboard"):
        parts = resource["Properties"]["DashboardBody"]["Fn::Join"][1]
        dashboard = json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))
        found.append({m[0] for m in _all_metrics(dashboard) if m[0].startswith("ConstructsPkg/")})
    assert sorted(found, key=sorted) == sorted(({f"ConstructsPkg/ScaleOut/{n}"} for n in names), key=sorted)


def test_every_sagemaker_metric_cites_its_source():
    from constructs_pkg import metrics

    specs = [v for v in vars(metrics).values() if isinstance(v, metrics.MetricSpec)]
    sagemaker = [s for s in specs if not s.is_library]
    assert len(sagemaker) >= 20
    assert {s.name: s.source for s in sagemaker if s.source not in (metrics.CWM, metrics.ZERO)} == {}
    assert metrics.CWM == "https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html"
    assert metrics.NO_CAPACITY_INVOCATION_FAILURES.source == metrics.ZERO
    assert all(s.source is None for s in specs if s.is_library)
