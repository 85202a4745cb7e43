"""Every SageMaker, Application Auto Scaling and CloudWatch alarm resource, in every example and option set, is a valid
API request, and keeps the constraints the API documentation states in prose."""

from __future__ import annotations

import copy

import pytest

from . import api_model, doc_constraints
from .stacks import template_names, templates

AUDITED_TYPES = set(api_model.OPERATIONS)


@pytest.mark.parametrize("name", template_names())
def test_template_conforms_to_the_api_models(name):
    template = templates()[name]
    assert {r["Type"] for r in template["Resources"].values()} & AUDITED_TYPES  # something to check
    assert api_model.violations(template) == []


def _first(template: dict, type_: str) -> dict:
    return next(r for r in template["Resources"].values() if r["Type"] == type_)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"]["Specification"]
         ["ComputeResourceRequirements"].pop("MinMemoryRequiredInMb"), "MinMemoryRequiredInMb"),
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"].pop("InferenceComponentName"),
         "InferenceComponentName"),
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"]["RuntimeConfig"].pop("CopyCount"),
         "CopyCount"),
        (lambda t: _first(t, "AWS::SageMaker::InferenceComponent")["Properties"].__setitem__(
            "InferenceComponentName", "bad_name"), "does not match"),
        (lambda t: _first(t, "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0].__setitem__(
            "InstanceType", "ml.g6.13xlarge"), "is not one of"),
        (lambda t: _first(t, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"].__setitem__(
            "ScalableDimension", "sagemaker:inference-component:CopyCount"), "is not one of"),
        (lambda t: _first(t, "AWS::ApplicationAutoScaling::ScalingPolicy")["Properties"]
         ["TargetTrackingScalingPolicyConfiguration"].pop("TargetValue"), "TargetValue"),
    ],
    ids=["no-memory", "no-name", "no-copy-count", "bad-name", "bad-instance-type", "bad-dimension", "no-target"],
)  # fmt: skip
def test_a_broken_resource_is_caught(breakage, expected):
    template = copy.deepcopy(templates()["example qwen3-8b (us-east-1)"])
    breakage(template)
    found = api_model.violations(template)
    assert found and any(expected in v for v in found), found


# --------------------------------------------------------------------------------------------------------------------
# Constraints the documentation states in prose (tests/doc_constraints.py). Each entry below is a breach found in
# today's templates; when the construct code is fixed, the test fails until the entry is removed.
KNOWN_VIOLATIONS: set[tuple[str, str, str]] = set()


def test_the_documented_constraints_broken_today_are_exactly_the_known_ones():
    found: dict = {}
    for name, template in templates().items():
        for violation, message in doc_constraints.findings(template):
            found.setdefault(violation, f"{name}: {message}")
    assert set(found) == KNOWN_VIOLATIONS, {v: found.get(v, "fixed") for v in set(found) ^ KNOWN_VIOLATIONS}


@pytest.mark.parametrize("rule", doc_constraints.RULES, ids=lambda r: r.id)
def test_each_rule_quotes_its_source(rule):
    text = rule.source.text()
    assert text is not None, f"{rule.id}: {rule.source} cannot be checked here"
    assert rule.quote in text, f"{rule.id}: {rule.quote!r} is not in {rule.source}"


def test_the_instance_types_without_an_ebs_volume():
    no_ebs = doc_constraints.NO_EBS_VOLUME_INSTANCE_TYPES
    assert {"ml.g5.2xlarge", "ml.g6.12xlarge", "ml.g6e.48xlarge", "ml.g4dn.xlarge", "ml.p4d.24xlarge",
            "ml.p4de.24xlarge", "ml.p5.48xlarge", "ml.p5en.48xlarge", "ml.trn1.32xlarge", "ml.trn1n.32xlarge"} <= no_ebs
    assert not {"ml.p3.2xlarge", "ml.inf2.xlarge", "ml.m5.xlarge", "ml.g7e.2xlarge", "ml.trn2.48xlarge"} & no_ebs


def _repaired(name: str) -> dict:
    """A copy of a template with today's known breaches fixed the way the documentation asks."""
    template = copy.deepcopy(_template(name))
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::SageMaker::Endpoint":
            props["RetainAllVariantProperties"] = True
        for variant in props.get("ProductionVariants", []) if resource["Type"] == _EC else []:
            if (variant.get("RoutingConfig") or {}).get("RoutingStrategy") == "PREFIX_AWARE":
                variant["RoutingConfig"]["PrefixAwareRoutingConfig"] = {"PrefixLength": 4096, "ConcurrencyThreshold": 8}
            if variant.get("InstanceType") in doc_constraints.NO_EBS_VOLUME_INSTANCE_TYPES:
                variant.pop("VolumeSizeInGB", None)
    assert doc_constraints.violations(template) == set()
    return template


def _template(prefix: str) -> dict:
    return next(t for name, t in templates().items() if name.startswith(prefix))


def _all(template: dict, type_: str) -> list[dict]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == type_]


_EC, _IC, _MODEL = "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::InferenceComponent", "AWS::SageMaker::Model"
_SP, _ALARM = "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::CloudWatch::Alarm"
_QWEN, _SINGLE, _MATRIX = "example qwen3-8b (us-east-1)", "example single-model (us-east-1)", "matrix 8 "
_GATED, _LLAMA3 = "example gated-llm-pools (us-east-1)", "example llama3-scale-to-zero (us-east-1)"
_ENTERPRISE = "example enterprise-controls (us-east-1)"


def _variant(t: dict) -> dict:
    return _all(t, _EC)[0]["ProductionVariants"][0]


def _ic_container(t: dict) -> dict:
    return _all(t, _IC)[0]["Specification"]["Container"]


def _model_container(t: dict) -> dict:
    return _all(t, _MODEL)[0]["PrimaryContainer"]


def _s3_source(t: dict) -> dict:
    return _model_container(t)["ModelDataSource"]["S3DataSource"]


def _pooled_ic(t: dict) -> dict:
    return next(p for p in _all(t, _IC) if "Specifications" in p)


def _adapter_spec(t: dict) -> dict:
    return next(p["Specification"] for p in _all(t, _IC) if "BaseInferenceComponentName" in p.get("Specification", {}))


def _scale_in(t: dict) -> dict:
    return _variant(t)["ManagedInstanceScaling"]["ScaleInPolicy"]


def _step(t: dict) -> dict:
    return next(p for p in _all(t, _SP) if p["PolicyType"] == "StepScaling")["StepScalingPolicyConfiguration"]


#: Rule id -> (template, breakage). Every rule has one.
DOC_BREAKAGES = {
    "prefix-length-required": (_MATRIX, lambda t: _variant(t).__setitem__("RoutingConfig", {
        "RoutingStrategy": "PREFIX_AWARE", "PrefixAwareRoutingConfig": {"ConcurrencyThreshold": 8}})),
    "prefix-concurrency-required": (_MATRIX, lambda t: _variant(t).__setitem__("RoutingConfig", {
        "RoutingStrategy": "PREFIX_AWARE", "PrefixAwareRoutingConfig": {"PrefixLength": 4096}})),
    "prefix-config-only-with-prefix-aware": (_MATRIX, lambda t: _variant(t)["RoutingConfig"].__setitem__(
        "PrefixAwareRoutingConfig", {"PrefixLength": 4096, "ConcurrencyThreshold": 8})),
    "volume-size-needs-ebs": (_QWEN, lambda t: _variant(t).__setitem__("VolumeSizeInGB", 100)),
    "ami-matches-accelerator": (_QWEN, lambda t: _variant(t).__setitem__(
        "InferenceAmiVersion", "al2-ami-sagemaker-inference-neuron-2")),
    "kms-key-format": (_QWEN, lambda t: _all(t, _EC)[0].__setitem__("KmsKeyId", "my-endpoint-key")),
    "security-group-form": (_MATRIX, lambda t: _all(t, _EC)[0]["VpcConfig"].__setitem__("SecurityGroupIds", ["default"])),
    "retain-all-variant-properties": (_QWEN, lambda t: _all(t, "AWS::SageMaker::Endpoint")[0].__setitem__(
        "RetainAllVariantProperties", False)),
    "ic-environment-at-most-16": (_QWEN, lambda t: _ic_container(t)["Environment"].update(
        {f"OPTION_{i}": "x" for i in range(16)})),
    "ic-environment-key-pattern": (_QWEN, lambda t: _ic_container(t)["Environment"].__setitem__("X", "1")),
    "ic-artifact-tar-gz": (_QWEN, lambda t: _ic_container(t).__setitem__("ArtifactUrl", "s3://models/qwen3/")),
    "ic-image-in-ecr": (_QWEN, lambda t: _ic_container(t).__setitem__("Image", "docker.io/vllm/vllm-openai:latest")),
    "model-image-path": (_SINGLE, lambda t: _model_container(t).__setitem__("Image", "vllm-openai")),
    "model-data-tar-gz": (_SINGLE, lambda t: _model_container(t).__setitem__("ModelDataUrl", "s3://models/m.zip")),
    "model-environment-entry-1024-bytes": (_SINGLE, lambda t: _model_container(t)["Environment"].__setitem__(
        "SYSTEM_PROMPT", "é" * 600)),  # 600 characters fit the schema's 1024; 1200 bytes do not fit the prose
    "model-environment-32-kb": (_SINGLE, lambda t: _model_container(t)["Environment"].update(
        {f"PROMPT_{i}": "x" * 1000 for i in range(40)})),
    "scalable-target-resource-id": (_QWEN, lambda t: _all(t, "AWS::ApplicationAutoScaling::ScalableTarget")[0]
                                    .__setitem__("ResourceId", "endpoint/e/variant/AllTraffic")),
    "target-tracking-configuration": (_QWEN, lambda t: _all(t, _SP)[0].pop("TargetTrackingScalingPolicyConfiguration")),
    "step-scaling-configuration": (_MATRIX, lambda t: next(p for p in _all(t, _SP) if p["PolicyType"] == "StepScaling")
                                   .pop("StepScalingPolicyConfiguration")),
    "step-adjustment-type": (_MATRIX, lambda t: _step(t).pop("AdjustmentType")),
    "step-adjustments": (_MATRIX, lambda t: _step(t).__setitem__("StepAdjustments", [])),
    "step-metric-aggregation": (_MATRIX, lambda t: _step(t).__setitem__("MetricAggregationType", "Sum")),
    "step-bounds": (_MATRIX, lambda t: _step(t)["StepAdjustments"][0].__setitem__("MetricIntervalUpperBound", 0)),
    "alarm-period": (_QWEN, lambda t: _all(t, _ALARM)[0].__setitem__("Period", 90)),
    "alarm-evaluation-window": (_QWEN, lambda t: _all(t, _ALARM)[0].update(Period=60, EvaluationPeriods=1441)),
    "alarm-one-statistic": (_QWEN, lambda t: _all(t, _ALARM)[0].__setitem__("ExtendedStatistic", "p99")),
    "alarm-missing-data": (_QWEN, lambda t: _all(t, _ALARM)[0].__setitem__("TreatMissingData", "notbreaching")),
    "metrics-publish-frequency": (_QWEN, lambda t: _all(t, _EC)[0]["MetricsConfig"].__setitem__(
        "MetricPublishFrequencyInSeconds", 20)),
    "promql-alarm-evaluation-interval": (_MATRIX, lambda t: next(p for p in _all(t, _ALARM) if "EvaluationCriteria" in p)
                                         .pop("EvaluationInterval")),
    "model-s3-prefix-ends-with-slash": (_LLAMA3, lambda t: _s3_source(t).__setitem__(
        "S3Uri", _s3_source(t)["S3Uri"].rstrip("/"))),
    "model-gzip-only-for-an-object": (_LLAMA3, lambda t: _s3_source(t).__setitem__("CompressionType", "Gzip")),
    "model-eula-true": (_LLAMA3, lambda t: _s3_source(t)["ModelAccessConfig"].__setitem__("AcceptEula", False)),
    "ic-specifications-instance-type": (_GATED, lambda t: _pooled_ic(t)["Specifications"][1].pop("InstanceType")),
    "ic-specification-or-specifications": (_GATED, lambda t: _pooled_ic(t).__setitem__(
        "Specification", _pooled_ic(t)["Specifications"][0])),
    "ic-adapter-no-compute": (_GATED, lambda t: _adapter_spec(t).__setitem__(
        "ComputeResourceRequirements", {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 1024})),
    "ic-adapter-artifact-url": (_GATED, lambda t: _adapter_spec(t)["Container"].pop("ArtifactUrl")),
    "ic-rolling-batch-5-to-50-percent": (_GATED, lambda t: _pooled_ic(t)["DeploymentConfig"]["RollingUpdatePolicy"]
                                         .__setitem__("MaximumBatchSize", {"Type": "CAPACITY_PERCENT", "Value": 60})),
    "scale-in-step-only-when-consolidating": (_LLAMA3, lambda t: _scale_in(t).__setitem__("MaximumStepSize", 2)),
    "scale-in-cooldown-only-when-consolidating": (_LLAMA3, lambda t: _scale_in(t).__setitem__("CooldownInMinutes", 30)),
    "isolated-endpoint-models-are-local": (_ENTERPRISE, lambda t: next(
        p for p in _all(t, _MODEL) if "EnableNetworkIsolation" not in p)["PrimaryContainer"]["Environment"].__setitem__(
        "HF_MODEL_ID", "Qwen/Qwen3-8B")),
    "isolated-model-is-local": (_ENTERPRISE, lambda t: next(
        p for p in _all(t, _MODEL) if p.get("EnableNetworkIsolation"))["PrimaryContainer"]["Environment"].__setitem__(
        "HF_MODEL_ID", "s3://models/qwen3/")),
    "data-capture-kms-key-format": (_ENTERPRISE, lambda t: next(p for p in _all(t, _EC) if "DataCaptureConfig" in p)
                                    ["DataCaptureConfig"].__setitem__("KmsKeyId", "my-capture-key")),
    "guard-fits-provider-timeout": (_QWEN, lambda t: _all(t, "Custom::SageMakerCacheGuard")[0].__setitem__(
        "PurgeTimeoutSeconds", "5400")),
}  # fmt: skip


def test_every_documented_rule_has_a_breakage():
    assert set(DOC_BREAKAGES) == {rule.id for rule in doc_constraints.RULES}


@pytest.mark.parametrize("rule_id", list(DOC_BREAKAGES))
def test_a_documented_rule_catches_its_breakage(rule_id):
    name, breakage = DOC_BREAKAGES[rule_id]
    template = _repaired(name)
    breakage(template)
    assert {v[2] for v in doc_constraints.violations(template)} == {rule_id}


@pytest.mark.parametrize(
    ("name", "breakage", "expected"),
    [
        (_SINGLE, lambda t: _model_container(t)["Environment"].update({f"K{i}": "v" for i in range(100)}),
         "more than 100"),
        (_SINGLE, lambda t: _model_container(t).__setitem__("Mode", "Single"), "is not one of"),
        (_QWEN, lambda t: _all(t, _ALARM)[0].__setitem__("ComparisonOperator", ">="), "is not one of"),
        (_QWEN, lambda t: _all(t, _ALARM)[0].__setitem__("Period", 0), "Period"),
    ],
    ids=["model-env-entries", "model-mode", "alarm-operator", "alarm-period-zero"],
)  # fmt: skip
def test_a_broken_model_or_alarm_is_caught(name, breakage, expected):
    template = copy.deepcopy(_template(name))
    assert api_model.violations(template) == []
    breakage(template)
    found = api_model.violations(template)
    assert found and any(expected in v for v in found), found


_PLAN = "example training-plan (us-east-1)"


@pytest.mark.parametrize(
    ("name", "breakage", "expected"),
    [
        (_GATED, lambda t: _variant(t)["InstancePools"][1].__setitem__("Priority", 6), "Priority: 6 is above 5"),
        (_GATED, lambda t: _variant(t)["InstancePools"][0].__setitem__("InstanceType", "ml.g6e.3xlarge"),
         "is not one of"),
        (_GATED, lambda t: _variant(t).__setitem__("VariantInstanceProvisionTimeoutInSeconds", 4000), "above 3600"),
        (_GATED, lambda t: _scale_in(t).__setitem__("Strategy", "FASTEST"), "is not one of"),
        (_GATED, lambda t: _scale_in(t).__setitem__("CooldownInMinutes", 2000), "above 1440"),
        (_GATED, lambda t: _pooled_ic(t)["Specifications"][0]["SchedulingConfig"].__setitem__(
            "PlacementStrategy", "RANDOM"), "is not one of"),
        (_GATED, lambda t: _pooled_ic(t)["Specifications"][0]["SchedulingConfig"]["AvailabilityZoneBalance"]
         .__setitem__("MaxImbalance", 101), "above 100"),
        (_GATED, lambda t: _pooled_ic(t)["Specifications"][0]["DataCacheConfig"].__setitem__("EnableCaching", "yes"),
         "EnableCaching"),
        (_GATED, lambda t: _pooled_ic(t)["DeploymentConfig"]["RollingUpdatePolicy"].pop("WaitIntervalInSeconds"),
         "WaitIntervalInSeconds"),
        (_GATED, lambda t: _pooled_ic(t)["DeploymentConfig"]["RollingUpdatePolicy"]["MaximumBatchSize"]
         .__setitem__("Type", "PERCENT"), "is not one of"),
        (_GATED, lambda t: _pooled_ic(t)["DeploymentConfig"]["AutoRollbackConfiguration"].__setitem__("Alarms", []),
         "Alarms"),
        (_GATED, lambda t: _adapter_spec(t).__setitem__("BaseInferenceComponentName", "bad_name"), "does not match"),
        (_LLAMA3, lambda t: _s3_source(t).__setitem__("S3DataType", "Prefix"), "is not one of"),
        (_LLAMA3, lambda t: _s3_source(t)["ModelAccessConfig"].pop("AcceptEula"), "AcceptEula"),
        (_PLAN, lambda t: _variant(t)["CapacityReservationConfig"].__setitem__(
            "CapacityReservationPreference", "capacity-reservations-first"), "is not one of"),
        (_PLAN, lambda t: _variant(t)["CapacityReservationConfig"].__setitem__(
            "MlReservationArn", "arn:aws:sagemaker:us-east-1:123456789012:reserved-capacity/x"), "does not match"),
        (_PLAN, lambda t: _all(t, _IC)[0]["Specification"].__setitem__("ModelName", "bad_model"), "does not match"),
    ],
    ids=["pool-priority", "pool-type", "provision-timeout", "scale-in-strategy", "scale-in-cooldown",
         "placement-strategy", "max-imbalance", "data-cache-bool", "rolling-wait-required", "batch-type",
         "rollback-alarms", "adapter-base-name", "s3-data-type", "eula-required", "reservation-preference",
         "reservation-arn", "model-name"],
)  # fmt: skip
def test_a_broken_lever_is_caught(name, breakage, expected):
    template = copy.deepcopy(_template(name))
    assert api_model.violations(template) == []
    breakage(template)
    found = api_model.violations(template)
    assert found and any(expected in v for v in found), found
