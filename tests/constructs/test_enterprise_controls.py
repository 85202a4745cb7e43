"""Network isolation, data capture and alarm routing: rendering, refusals and wiring."""

from __future__ import annotations

import json

import botocore.session
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from constructs_pkg import (
    AcceleratorInstanceType,
    CacheGuard,
    CaptureMode,
    ConfigurationError,
    ContainerImage,
    DataCapture,
    InferenceComponent,
    InferenceEndpoint,
    Model,
    ModelData,
    S3ModelData,
    ScaleOutRecorder,
    SingleModelEndpoint,
    exclude_from_alarm_actions,
)

from constructs_pkg.data_capture import SAMPLING_PERCENTAGE_RANGE

from ..doc_constraints import CfnSchema, normalize
from ..helpers import IMAGE_URI, add_component, new_endpoint, new_stack, one, resources_of, statements_of

TARBALL = ModelData.from_s3_uri("s3://models-bucket/qwen3.tar.gz")


def _single(stack, **props):
    props = {"instance_type": AcceleratorInstanceType.G6_2XLARGE, "image": ContainerImage.from_image_uri(IMAGE_URI),
             "model_data": TARBALL, **props}  # fmt: skip
    return SingleModelEndpoint(stack, "Single", **props)


def _alarms(template: Template) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in template.find_resources("AWS::CloudWatch::Alarm").items()}


# ------------------------------------------------------------------------------------------------ network isolation
def test_isolation_is_on_the_config_of_a_component_endpoint():
    stack = new_stack()
    add_component(new_endpoint(stack, network_isolation=True), model_data=TARBALL,
                  environment={"HF_MODEL_ID": "/opt/ml/model"})  # fmt: skip
    assert one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]["EnableNetworkIsolation"] is True


def test_isolation_is_left_out_by_default():
    stack = new_stack()
    add_component(new_endpoint(stack))
    _single(stack)
    template = Template.from_stack(stack)
    for type_ in ("AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Model"):
        assert all("EnableNetworkIsolation" not in r["Properties"] for r in resources_of(template, type_))


def test_isolation_is_on_the_model_of_a_single_model_endpoint():
    stack = new_stack()
    _single(stack, network_isolation=True, environment={"HF_MODEL_ID": "/opt/ml/model"})
    template = Template.from_stack(stack)
    assert one(template, "AWS::SageMaker::Model")["Properties"]["EnableNetworkIsolation"] is True
    assert "EnableNetworkIsolation" not in one(template, "AWS::SageMaker::EndpointConfig")["Properties"]


@pytest.mark.parametrize(
    "environment",
    [{"HF_MODEL_ID": "Qwen/Qwen3-8B"}, {"HF_MODEL_ID": "s3://models-bucket/qwen3/"}, {"OPTION_MODEL_ID": "org/model"},
     {"MODEL_ID": "meta-llama/Llama-3.1-8B"}],
    ids=["lmi-hub-id", "lmi-s3-uri", "lmi-option", "tgi-model-id"],
)  # fmt: skip
def test_a_component_that_downloads_its_model_is_refused(environment):
    endpoint = new_endpoint(new_stack(), network_isolation=True)
    with pytest.raises(ConfigurationError) as raised:
        add_component(endpoint, environment=environment)
    (name, value), = environment.items()
    message = str(raised.value)
    assert f"{name}={value!r}" in message and "network_isolation=True" in message and "/opt/ml/model" in message
    assert raised.value.path.endswith("/Endpoint/Model")


def test_an_isolated_component_loads_from_s3_artifacts_or_an_s3_prefix():
    stack = new_stack()
    endpoint = new_endpoint(stack, network_isolation=True)
    add_component(endpoint, "Tarball", model_data=TARBALL, environment={"HF_MODEL_ID": "/opt/ml/model"})
    add_component(endpoint, "Prefix", model_data=S3ModelData.from_s3_prefix("s3://models-bucket/qwen3/"),
                  environment={"OPTION_MODEL_ID": "/opt/ml/model"})  # fmt: skip
    assert len(resources_of(Template.from_stack(stack), "AWS::SageMaker::InferenceComponent")) == 2


def test_a_model_of_yours_is_checked_too():
    stack = new_stack()
    endpoint = new_endpoint(stack, network_isolation=True)
    model = Model(stack, "Hub", image=ContainerImage.from_image_uri(IMAGE_URI), environment={"HF_MODEL_ID": "org/m"})
    with pytest.raises(ConfigurationError, match="HF_MODEL_ID='org/m'"):
        add_component(endpoint, "ByModel", image=None, model=model)


def test_without_isolation_a_hub_model_is_fine():
    add_component(new_endpoint(new_stack()), environment={"HF_MODEL_ID": "Qwen/Qwen3-8B"})


def test_a_single_model_endpoint_that_downloads_is_refused():
    with pytest.raises(ConfigurationError, match=r"SingleModelEndpoint: environment HF_MODEL_ID='Qwen/Qwen3-8B'"):
        _single(new_stack(), network_isolation=True, environment={"HF_MODEL_ID": "Qwen/Qwen3-8B"})


def test_network_isolation_must_be_a_bool():
    with pytest.raises(ConfigurationError, match="network_isolation must be True or False, got 'yes'"):
        new_endpoint(new_stack(), network_isolation="yes")


# ------------------------------------------------------------------------------------------------------ data capture
def test_data_capture_renders_with_the_endpoint_key_and_a_created_bucket():
    stack = new_stack()
    endpoint = _single(stack, data_capture=DataCapture(sampling_percentage=0, capture_mode=CaptureMode.INPUT,
                                                       csv_content_types=["text/csv"]))  # fmt: skip
    template = Template.from_stack(stack)
    config = one(template, "AWS::SageMaker::EndpointConfig")["Properties"]["DataCaptureConfig"]
    bucket_id = stack.get_logical_id(endpoint.data_capture_bucket.node.default_child)
    key_arn = {"Fn::GetAtt": [stack.get_logical_id(endpoint.encryption_key.node.default_child), "Arn"]}
    assert config == {
        "EnableCapture": True, "InitialSamplingPercentage": 0, "KmsKeyId": key_arn,
        "DestinationS3Uri": {"Fn::Join": ["", ["s3://", {"Ref": bucket_id}, "/data-capture"]]},
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"], "CsvContentTypes": ["text/csv"]},
    }  # fmt: skip
    bucket = template.to_json()["Resources"][bucket_id]["Properties"]
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 30
    policy = one(template, "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy)
    statements = statements_of(stack, template, endpoint.role)
    put = next(s for s in statements if s["Action"] == "s3:PutObject")
    assert put["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/data-capture/*"]]}
    assert any(s["Action"] == ["kms:GenerateDataKey", "kms:Encrypt"] and s["Resource"] == key_arn for s in statements)


def test_data_capture_to_a_bucket_of_yours():
    stack = new_stack()
    bucket = s3.Bucket.from_bucket_name(stack, "Audit", "audit-bucket")
    endpoint = _single(stack, data_capture=DataCapture(sampling_percentage=100, bucket=bucket, prefix="llm/captures"))
    template = Template.from_stack(stack)
    assert resources_of(template, "AWS::S3::Bucket") == [] and endpoint.data_capture_bucket is bucket
    config = one(template, "AWS::SageMaker::EndpointConfig")["Properties"]["DataCaptureConfig"]
    assert config["DestinationS3Uri"] == "s3://audit-bucket/llm/captures"
    assert config["CaptureOptions"] == [{"CaptureMode": "InputAndOutput"}]


def test_retention_sets_the_created_buckets_lifecycle():
    stack = new_stack()
    _single(stack, data_capture=DataCapture(sampling_percentage=5, retention=Duration.days(400)))
    bucket = one(Template.from_stack(stack), "AWS::S3::Bucket")["Properties"]
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 400


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"sampling_percentage": 101}, "data_capture.sampling_percentage must be between 0 and 100, got 101"),
        ({"sampling_percentage": -1}, "data_capture.sampling_percentage must be between 0 and 100, got -1"),
        ({"sampling_percentage": 2.5}, "data_capture.sampling_percentage must be a whole number between 0 and 100"),
        ({"sampling_percentage": 5, "prefix": "/captures"}, "data_capture.prefix must be 1-400 characters"),
        ({"sampling_percentage": 5, "capture_mode": "Both"}, "data_capture.capture_mode must be one of Input, Output"),
        ({"sampling_percentage": 5, "json_content_types": ["json"]}, "content types like 'application/json', got 'json'"),
        ({"sampling_percentage": 5, "csv_content_types": [f"text/c{i}" for i in range(11)]}, "at most 10 content types"),
        ({"sampling_percentage": 5, "retention": Duration.hours(36)}, "data_capture.retention must be whole days"),
        ({"sampling_percentage": 5, "retention": Duration.days(30), "bucket": object()}, "data_capture.bucket must"),
    ],
    ids=["over-100", "negative", "fraction", "slash-prefix", "bad-mode", "bad-json-type", "eleven-csv", "hours",
         "not-a-bucket"],
)  # fmt: skip
def test_bad_data_capture_is_refused(props, message):
    with pytest.raises(ConfigurationError) as raised:
        DataCapture(**props)
    assert message in str(raised.value)


def test_retention_with_your_bucket_is_refused():
    bucket = s3.Bucket.from_bucket_name(new_stack(), "Audit", "audit-bucket")
    with pytest.raises(ConfigurationError, match="retention applies only to the bucket the endpoint creates"):
        DataCapture(sampling_percentage=5, bucket=bucket, retention=Duration.days(7))


def test_data_capture_is_refused_on_a_component_endpoint_with_the_docs_words():
    with pytest.raises(ConfigurationError) as raised:
        new_endpoint(new_stack(), data_capture=DataCapture(sampling_percentage=5))
    message = str(raised.value)
    assert "you must deploy a model using SageMaker AI hosting services" in message
    assert "SingleModelEndpoint(..., data_capture=DataCapture(...))" in message


# ----------------------------------------------------------------------------------------------------- alarm routing
class _Yours(Construct):
    """A construct class of the user's."""


@pytest.fixture(scope="module")
def routed():
    """alarm_actions set at construction; alarms added afterwards, on the endpoint and on a component elsewhere."""
    stack = new_stack()
    topic, ok_topic = sns.Topic(stack, "Alarms"), sns.Topic(stack, "Recovered")
    endpoint = new_endpoint(stack, alarm_actions=[cw_actions.SnsAction(topic)], ok_actions=[cw_actions.SnsAction(ok_topic)])
    early = add_component(endpoint, "Early")
    early.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
    late = add_component(endpoint, "Late")  # added after alarm_actions was set
    late.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
    late_alarm = late.alarm_invocation_errors()
    elsewhere = InferenceComponent(stack, "Elsewhere", endpoint=endpoint, image=ContainerImage.from_image_uri(IMAGE_URI),
                                   accelerator_count=1, memory_mib=8192)  # fmt: skip
    elsewhere_alarm = elsewhere.alarm_invocation_errors()
    excluded = early.alarm_invocation_errors()
    exclude_from_alarm_actions(excluded)
    metric = early.metric_invocation_5xx_errors()
    yours = cw.Alarm(stack, "Yours", metric=metric, threshold=1, evaluation_periods=1)
    # Under the endpoint but owned by a construct class of yours: not the library's.
    inside = cw.Alarm(_Yours(endpoint, "YoursInside"), "Alarm", metric=metric, threshold=1, evaluation_periods=1)
    # Grouped by a plain Construct under a library construct: the library's.
    grouped = cw.Alarm(Construct(endpoint.scale_out_recorder, "Group"), "Alarm", metric=metric, threshold=1,
                       evaluation_periods=1)  # fmt: skip
    # Under a function the library made (as a helper adding function-error alarms might): the library's.
    function = endpoint.scale_out_recorder.function
    on_function = function.metric_errors().create_alarm(function, "Errors", threshold=1, evaluation_periods=1)
    template = Template.from_stack(stack)
    refs = {"alarm": {"Ref": stack.get_logical_id(topic.node.default_child)},
            "ok": {"Ref": stack.get_logical_id(ok_topic.node.default_child)}}  # fmt: skip
    ids = {name: stack.get_logical_id(a.node.default_child)
           for name, a in (("late", late_alarm), ("elsewhere", elsewhere_alarm), ("excluded", excluded),
                           ("yours", yours), ("inside", inside), ("grouped", grouped),
                           ("function", on_function))}  # fmt: skip
    return endpoint, template, refs, ids


def test_a_component_added_after_alarm_actions_carries_the_action(routed):
    endpoint, template, refs, ids = routed
    alarms = _alarms(template)
    budgets = endpoint.scale_out_recorder.budget_alarms  # one per component, made as each component was added
    assert len(budgets) == 3
    for alarm in budgets.values():
        assert alarms[alarm.stack.get_logical_id(alarm.node.default_child)]["AlarmActions"] == [refs["alarm"]]
    for name in ("late", "elsewhere"):
        assert alarms[ids[name]]["AlarmActions"] == [refs["alarm"]]
        assert alarms[ids[name]]["OKActions"] == [refs["ok"]]


def test_every_library_alarm_is_routed_and_no_other(routed):
    _, template, refs, ids = routed
    alarms = _alarms(template)
    untouched = {ids["excluded"], ids["yours"], ids["inside"]}
    assert ids["grouped"] in alarms and ids["function"] in alarms
    assert len(alarms) >= 10
    for key, props in alarms.items():
        if key in untouched:
            assert "AlarmActions" not in props and "OKActions" not in props, key
        else:
            assert props["AlarmActions"] == [refs["alarm"]] and props["OKActions"] == [refs["ok"]], key


def test_routing_covers_promql_alarms_added_later():
    stack = new_stack()
    topic = sns.Topic(stack, "Alarms")
    endpoint = new_endpoint(stack, alarm_actions=[cw_actions.SnsAction(topic)])
    endpoint.scale_out_recorder.add_sagemaker_capacity_alarm()
    alarms = _alarms(Template.from_stack(stack))
    promql = [p for p in alarms.values() if "EvaluationCriteria" in p]
    assert len(promql) == 1 and promql[0]["AlarmActions"] == [{"Ref": stack.get_logical_id(topic.node.default_child)}]


def test_a_standalone_recorder_and_guard_route_their_own_alarms():
    stack = new_stack()
    topic = sns.Topic(stack, "Alarms")
    imported = InferenceEndpoint.from_endpoint_name(stack, "Imported", "existing-endpoint",
                                                    instance_type=AcceleratorInstanceType.G6_2XLARGE)  # fmt: skip
    recorder = ScaleOutRecorder(stack, "Recorder", endpoint=imported, alarm_actions=[cw_actions.SnsAction(topic)])
    guard = CacheGuard(stack, "Guard", endpoint=imported, alarm_actions=[cw_actions.SnsAction(topic)])
    recorder.record_variant_scaling()
    cw.Alarm(guard, "AddedLater", metric=imported.metric_invocations(), threshold=1, evaluation_periods=1)
    alarms = _alarms(Template.from_stack(stack))
    assert len(alarms) >= 3
    assert all(p["AlarmActions"] == [{"Ref": stack.get_logical_id(topic.node.default_child)}] for p in alarms.values())


def test_without_alarm_actions_alarms_have_none():
    stack = new_stack()
    add_component(new_endpoint(stack)).scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
    alarms = _alarms(Template.from_stack(stack))
    assert alarms and all("AlarmActions" not in p for p in alarms.values())


@pytest.mark.parametrize("actions", ["arn:aws:sns:us-east-1:123456789012:t", ["arn:aws:sns:us-east-1:123456789012:t"]])
def test_alarm_actions_must_be_alarm_actions(actions):
    with pytest.raises(ConfigurationError, match="alarm_actions must (be a list of|hold) cloudwatch.IAlarmAction"):
        new_endpoint(new_stack(), alarm_actions=actions)


# ------------------------------------------------------------------------------------------- grounded in AWS's text
def test_where_isolation_and_capture_live_in_the_installed_models():
    """EnableNetworkIsolation is on both the config and the model, create-only in CloudFormation; DataCaptureConfig
    is the config's only, and the sampling range is the API's."""
    config, model = (json.loads(CfnSchema(t).text()) for t in ("AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Model"))
    assert config["properties"]["EnableNetworkIsolation"]["description"] == (
        "Sets whether all model containers deployed to the endpoint are isolated. If they are, no inbound or outbound "
        "network calls can be made to or from the model containers.")  # fmt: skip
    assert model["properties"]["EnableNetworkIsolation"]["description"] == (
        "Isolates the model container. No inbound or outbound network calls can be made to or from the model container.")
    for schema in (config, model):
        assert "/properties/EnableNetworkIsolation" in schema["createOnlyProperties"]
    assert "DataCaptureConfig" in config["properties"] and "DataCaptureConfig" not in model["properties"]
    capture = config["definitions"]["DataCaptureConfig"]["properties"]["InitialSamplingPercentage"]
    assert (capture["minimum"], capture["maximum"]) == SAMPLING_PERCENTAGE_RANGE
    sagemaker = botocore.session.get_session().get_service_model("sagemaker")
    shape = sagemaker.shape_for("SamplingPercentage")
    assert (shape.metadata["min"], shape.metadata["max"]) == SAMPLING_PERCENTAGE_RANGE
    assert set(sagemaker.shape_for("CaptureMode").enum) == {m.value for m in CaptureMode}
    assert "DataCaptureConfig" not in sagemaker.shape_for("CreateInferenceComponentInput").members
    assert "data capture" not in normalize(sagemaker.operation_model("CreateInferenceComponent").documentation).lower()
