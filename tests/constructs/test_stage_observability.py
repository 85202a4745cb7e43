"""Issue 14, construct side: MetricsConfig, the recorder's stage timeline (settings, IAM, alarms), the stage
dashboard rows and the synth-time scale-out plan. Resources are found by their properties, widgets by title."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration, Token
from aws_cdk.assertions import Annotations, Match, Template

from constructs_pkg import (
    AcceleratorInstanceType,
    ConfigurationError,
    ContainerImage,
    InferenceEndpoint,
    MetricsConfig,
    SageMakerQueries,
    ScaleOutDashboard,
    SingleModelEndpoint,
)
from constructs_pkg import stage_dashboard as sd
from constructs_pkg.planner import plan_scale_out
from constructs_pkg.runtime import names

from .. import api_model
from ..helpers import IMAGE_URI, add_component, new_endpoint, new_stack, one, statements_of
from .test_dashboard import body, widget

GB = 1_000_000_000


def _single(stack, **props):
    return SingleModelEndpoint(stack, "Llm", instance_type=AcceleratorInstanceType.G6_2XLARGE,
                               image=ContainerImage.from_image_uri(IMAGE_URI), **props)  # fmt: skip


def _alarms(template: Template, metric_name: str) -> list[dict]:
    found = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": metric_name}})
    return [r["Properties"] for r in found.values()]


def _recorder_statements(stack, template, endpoint) -> list[dict]:
    return statements_of(stack, template, endpoint.scale_out_recorder.function.role)


def _resources(statement: dict) -> list[str]:
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return [json.dumps(r) for r in resources]


# MetricsConfig -----------------------------------------------------------------------------------------------------
def test_metrics_config_is_rendered_explicitly_by_default():
    stack = new_stack()
    add_component(new_endpoint(stack))
    config = one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]
    assert config["MetricsConfig"] == {
        "EnableDetailedObservability": True, "EnableEnhancedMetrics": False, "MetricPublishFrequencyInSeconds": 60,
    }  # fmt: skip


def test_metrics_config_settings_reach_a_single_model_endpoint():
    stack = new_stack()
    _single(stack, metrics_config=MetricsConfig(detailed_observability=False, enhanced_metrics=True,
                                                publish_frequency=Duration.seconds(10)))  # fmt: skip
    config = one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]
    assert config["MetricsConfig"] == {
        "EnableDetailedObservability": False, "EnableEnhancedMetrics": True, "MetricPublishFrequencyInSeconds": 10,
    }  # fmt: skip


@pytest.mark.parametrize("frequency", [Duration.seconds(20), Duration.minutes(6), Duration.millis(1500)])
def test_metrics_config_refuses_a_frequency_sagemaker_does_not_offer(frequency):
    with pytest.raises(ConfigurationError, match=r"publish_frequency must be one of 10, 30, 60, 120, 180, 240, 300 seconds"):
        MetricsConfig(publish_frequency=frequency)


def test_metrics_config_refuses_a_non_boolean_flag():
    with pytest.raises(ConfigurationError, match=r"enhanced_metrics must be True or False, got 'yes'"):
        MetricsConfig(enhanced_metrics="yes")  # type: ignore[arg-type]


def test_endpoint_refuses_a_raw_dict_for_metrics_config():
    with pytest.raises(ConfigurationError, match=r"metrics_config must be a MetricsConfig"):
        new_endpoint(new_stack(), metrics_config={"EnableEnhancedMetrics": True})


# Recorder: stage timeline settings and IAM ----------------------------------------------------------------------------
def test_stages_are_recorded_by_default_with_log_stream_reads_of_each_component_only():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    add_component(endpoint, component_name="alpha")
    add_component(endpoint, "Other", component_name="beta")
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "runtime.recorder.handler",
        "Environment": {"Variables": Match.object_like({"STAGE_LOGS": "true"})},
    })  # fmt: skip
    statements = _recorder_statements(stack, template, endpoint)
    (streams,) = [s for s in statements if s["Action"] == "logs:DescribeLogStreams"]
    resources = _resources(streams)
    for name in ("alpha", "beta"):
        group = names.component_log_group(name)
        assert sum(r.endswith(f':log-group:{group}"]]}}') for r in resources) == 1
        assert sum(r.endswith(f':log-group:{group}:*"]]}}') for r in resources) == 1
    assert len(resources) == 4
    claims = [s for s in statements if "dynamodb:GetItem" in s["Action"]]
    assert claims and all("Fn::GetAtt" in json.dumps(s["Resource"]) for s in claims)


def test_stages_off_sets_no_reads_and_no_cache_alarm():
    stack = new_stack()
    endpoint = new_endpoint(stack, record_stages=False)
    add_component(endpoint, component_name="alpha")
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {
        "Environment": {"Variables": Match.object_like({"STAGE_LOGS": "false"})},
    })  # fmt: skip
    actions = json.dumps([s["Action"] for s in _recorder_statements(stack, template, endpoint)])
    assert "logs:DescribeLogStreams" not in actions and "dynamodb:GetItem" not in actions
    assert _alarms(template, names.PROVISIONING_PULL_TO_COLD_RATIO) == []
    assert endpoint.scale_out_recorder.cache_regression_alarms == {}
    assert len(_alarms(template, names.SCALE_OUT_CAPACITY_FAILURES)) == 1  # published with or without stages


def test_record_stages_must_be_a_boolean():
    with pytest.raises(ConfigurationError, match=r"record_stages must be True or False, got 'yes'"):
        new_endpoint(new_stack(), record_stages="yes")


def _own_recorder(**props):
    from constructs_pkg import ScaleOutRecorder

    stack = new_stack()
    endpoint = new_endpoint(stack, record_scale_out=False)
    add_component(endpoint, component_name="alpha")
    recorder = ScaleOutRecorder(stack, "Recorder", endpoint=endpoint, **props)
    return stack, recorder, Template.from_stack(stack)


def test_sagemaker_lifecycle_metrics_are_opt_in():
    stack, recorder, template = _own_recorder()
    variables = template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": "runtime.recorder.handler"}})
    (function,) = variables.values()
    assert "SAGEMAKER_STAGES" not in function["Properties"]["Environment"]["Variables"]
    actions = json.dumps([s["Action"] for s in statements_of(stack, template, recorder.function.role)])
    assert "cloudwatch:GetMetricData" not in actions and "cloudwatch:ListMetrics" not in actions


def test_reading_sagemaker_stages_grants_what_promql_query_metrics_needs():
    stack, recorder, template = _own_recorder(read_sagemaker_stages=True,
                                              sagemaker_metric_names={"GpuLoad": "GPULoadTime"})  # fmt: skip
    template.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "runtime.recorder.handler",
        "Environment": {"Variables": Match.object_like({"SAGEMAKER_STAGES": "true",
                                                        "SAGEMAKER_METRIC_NAMES": '{"GpuLoad": "GPULoadTime"}'})},
    })  # fmt: skip
    (query,) = [s for s in statements_of(stack, template, recorder.function.role)
                if s["Action"] == ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]]  # fmt: skip
    assert query["Resource"] == "*"  # neither action has a resource type (Service Authorization Reference)


@pytest.mark.parametrize(("props", "message"), [
    ({"read_sagemaker_stages": "yes"}, r"read_sagemaker_stages must be True or False, got 'yes'"),
    ({"read_sagemaker_stages": True, "record_stages": False}, r"read_sagemaker_stages needs record_stages=True"),
    ({"read_sagemaker_stages": True, "sagemaker_metric_names": {"Gpu": "x"}}, r"sagemaker_metric_names must name"),
    ({"sagemaker_metric_names": {"GpuLoad": "x"}}, r"with read_sagemaker_stages=True"),
])  # fmt: skip
def test_reading_sagemaker_stages_refuses_bad_settings(props, message):
    with pytest.raises(ConfigurationError, match=message):
        _own_recorder(**props)


def test_variant_scaled_endpoint_reads_its_own_log_group():
    stack = new_stack()
    endpoint = _single(stack)
    endpoint.scale_on_concurrent_requests(max_instances=3, target_per_model=4)
    template = Template.from_stack(stack)
    (streams,) = [s for s in _recorder_statements(stack, template, endpoint) if s["Action"] == "logs:DescribeLogStreams"]
    group = names.endpoint_log_group(endpoint.physical_endpoint_name)
    assert [r for r in _resources(streams) if group in r] and len(_resources(streams)) == 2
    recorder = endpoint.scale_out_recorder
    assert list(recorder.cache_regression_alarms) == [endpoint.physical_endpoint_name]


# Recorder: alarms ------------------------------------------------------------------------------------------------------
def test_cache_regression_and_capacity_alarms_per_component():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    component = add_component(endpoint, component_name="alpha")
    template = Template.from_stack(stack)
    (cache,) = _alarms(template, names.PROVISIONING_PULL_TO_COLD_RATIO)
    assert cache["Threshold"] == 0.8 and cache["Statistic"] == "Maximum" and cache["Period"] == 300
    assert cache["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert cache["EvaluationPeriods"] == 1 and cache["TreatMissingData"] == "notBreaching"
    assert {"Name": names.COMPONENT_DIMENSION, "Value": component.component_name} in cache["Dimensions"]
    (capacity,) = _alarms(template, names.SCALE_OUT_CAPACITY_FAILURES)
    assert capacity["Threshold"] == 1 and capacity["Statistic"] == "Sum"
    assert capacity["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    recorder = endpoint.scale_out_recorder
    assert set(recorder.cache_regression_alarms) == set(recorder.capacity_failure_alarms) == {"alpha"}


def test_sagemaker_capacity_alarm_is_a_promql_alarm_on_this_endpoint():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    add_component(endpoint)
    queries = SageMakerQueries(capacity_failures_alarm='sum(ICECount{"aws.sagemaker.endpoint.name"="${endpoint}"}) > 0')
    alarm = endpoint.scale_out_recorder.add_sagemaker_capacity_alarm(queries)
    assert endpoint.scale_out_recorder.add_sagemaker_capacity_alarm() is alarm  # once per recorder
    template = Template.from_stack(stack)
    (props,) = [r["Properties"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()
                if "EvaluationCriteria" in r["Properties"]]  # fmt: skip
    criteria = props["EvaluationCriteria"]["PromQLCriteria"]
    assert criteria["Query"] == f'sum(ICECount{{"aws.sagemaker.endpoint.name"="{endpoint.physical_endpoint_name}"}}) > 0'
    assert criteria["PendingPeriod"] == 0 and criteria["RecoveryPeriod"] == 300 and props["EvaluationInterval"] == 60
    assert api_model.violations(template.to_json()) == []


def test_queries_refuse_an_empty_string():
    with pytest.raises(
        ConfigurationError, match=r"invalid SageMakerQueries: gpu_load must be a PromQL string of 1-10000 characters"
    ):
        SageMakerQueries(gpu_load="")


# Dashboard ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def staged():
    stack = new_stack()
    endpoint = new_endpoint(stack, instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=2)
    dashboard = ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    component = add_component(endpoint, component_name="qwen")
    plan = component.plan_scale_out(image_bytes=int(10.6 * GB), model_bytes=int(6.5 * GB), cache=True)
    dashboard.add_sagemaker_promql_widgets()
    return stack, component, plan, body(stack)


def test_stages_are_stacked_in_time_order_with_how_each_is_known(staged):
    _, component, _, dashboard = staged
    chart = widget(dashboard, sd.STAGES_TITLE.format(name="qwen"))
    assert chart["properties"]["stacked"] is True
    rows = chart["properties"]["metrics"]
    assert [m[1] for m in rows] == [names.SCALE_OUT_STAGE_SECONDS] * 4
    assert [m[5] for m in rows] == [names.STAGE_ALARM_EVALUATION, names.STAGE_ALARM_TO_ACTIVITY,
                                    names.STAGE_PROVISIONING_AND_PULL, names.STAGE_LOAD_AND_HEALTH_CHECK]  # fmt: skip
    assert [m[-1]["label"].split(" ")[1] for m in rows] == ["(measured):", "(measured):", "(bounded):", "(bounded):"]
    # Each says what it holds for both model sources: S3 artifacts download beside the pull, a hub model after start.
    labels = {m[5]: m[-1]["label"] for m in rows}
    assert "S3 model download" in labels[names.STAGE_PROVISIONING_AND_PULL]
    assert "HF_MODEL_ID download" in labels[names.STAGE_LOAD_AND_HEALTH_CHECK]
    assert all(m[3] == component.component_name for m in rows)


def test_planner_totals_come_from_the_components_own_plan(staged):
    _, _, plan, dashboard = staged
    lines = widget(dashboard, sd.STAGES_TITLE.format(name="qwen"))["properties"]["annotations"]["horizontal"]
    values = {line["label"].split(":")[0]: line["value"] for line in lines}
    assert values["planner, cache on"] == round(plan.total_seconds)
    assert values["planner, cache off"] > values["planner, cache on"]  # a 10.6 GB pull on top
    default = plan_scale_out(plan.instance_type, None, None, True).total_seconds  # the 17.7 / 16.4 GB default
    assert values["planner, cache on"] != round(default)


def test_cache_ratio_has_the_alarm_threshold_and_the_table_reads_the_recorder_log(staged):
    _, _, _, dashboard = staged
    cache = widget(dashboard, sd.CACHE_TITLE.format(name="qwen"))
    assert cache["properties"]["metrics"][0][1] == names.PROVISIONING_PULL_TO_COLD_RATIO
    assert [a["value"] for a in cache["properties"]["annotations"]["horizontal"]] == [0.8]
    table = widget(dashboard, sd.TABLE_TITLE)
    assert table["type"] == "log" and table["properties"]["view"] == "table"
    assert f'filter event = "{names.STAGES_LOG_EVENT}"' in table["properties"]["query"]
    assert "stages.ProvisioningAndPull.seconds" in table["properties"]["query"]
    capacity = widget(dashboard, sd.CAPACITY_TITLE.format(name="qwen"))
    assert capacity["properties"]["metrics"][0][1] == names.SCALE_OUT_CAPACITY_FAILURES


def test_promql_widgets_only_when_asked(staged):
    _, _, _, dashboard = staged
    charts = [w for w in dashboard["widgets"] if w["type"] == "chart"]
    assert len(charts) == 2
    (query,) = charts[0]["properties"]["data"]["queries"]
    assert query["language"] == "PromQL" and '"e2e_duration"' in query["query"]
    stack = new_stack()
    endpoint = new_endpoint(stack)
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    add_component(endpoint, component_name="qwen")
    plain = body(stack)
    assert [w for w in plain["widgets"] if w["type"] == "chart"] == []
    (note,) = [w for w in plain["widgets"] if sd.SAGEMAKER_TITLE in w["properties"].get("markdown", "")]
    assert '"ice_count"' in note["properties"]["markdown"]


def test_no_stage_rows_without_recorded_stages():
    stack = new_stack()
    endpoint = new_endpoint(stack, record_stages=False)
    ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)
    add_component(endpoint, component_name="qwen")
    titles = [w["properties"].get("title") for w in body(stack)["widgets"]]
    assert sd.STAGES_TITLE.format(name="qwen") not in titles and sd.TABLE_TITLE not in titles
    assert f"Demand vs target: qwen" in titles  # the rest of the dashboard is still there


# Synth-time plan ----------------------------------------------------------------------------------------------------
def test_plan_scale_out_reports_an_info_annotation(staged):
    stack, component, plan, _ = staged
    assert plan.instance_type == "ml.g6.2xlarge" and plan.cache is True
    assert plan.inputs["image_bytes"] == int(10.6 * GB)
    Annotations.from_stack(stack).has_info(
        f"/{stack.stack_name}/Endpoint/Model",
        Match.string_like_regexp(rf"predicted scale-out .* {plan.total_seconds:.0f} s from the load spike .* interval "
                                 rf"{plan.total_interval.low:.0f} to {plan.total_interval.high:.0f} s"),
    )


def test_single_model_endpoint_plans_over_all_its_accelerators():
    stack = new_stack()
    endpoint = SingleModelEndpoint(stack, "Llm", instance_type=AcceleratorInstanceType.G6_12XLARGE,
                                   image=ContainerImage.from_image_uri(IMAGE_URI))  # fmt: skip
    plan = endpoint.plan_scale_out(cache=False)
    assert plan.inputs["accelerators"] == 4 and plan.stage("image_pull").seconds > 0


def test_plan_scale_out_needs_a_known_instance_type():
    stack = new_stack()
    endpoint = InferenceEndpoint(stack, "Endpoint", max_instance_count=1,
                                 instance_type=AcceleratorInstanceType.of(Token.as_string({"Ref": "Type"})))  # fmt: skip
    component = add_component(endpoint)
    with pytest.raises(ConfigurationError, match=r"must be known at synth time"):
        component.plan_scale_out()


def test_plan_scale_out_names_a_bad_size():
    component = add_component(new_endpoint(new_stack()))
    with pytest.raises(ConfigurationError, match=r"image_bytes must be a whole number of bytes >= 0 or None .*-1"):
        component.plan_scale_out(image_bytes=-1)
