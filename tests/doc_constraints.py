"""Constraints that the AWS documentation states in prose, beyond what the API and CloudFormation schemas encode.

Each rule quotes the sentence it relies on and names where that sentence lives: a member of an installed botocore
service model (``BotocoreDoc``; a test checks that the quote is really there), a file of an installed package
(``PackageText``; checked the same way) or a public source outside this machine (``External``; cited, not checked).
A rule looks at one resource's CloudFormation properties and yields ``(field path, message)`` for each breach; values
that stay unresolved until deploy time (``Ref``/``Fn::GetAtt`` of resources) are never judged.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import botocore.session

Finding = tuple[str, str]  # (field path, message)
Check = Callable[[dict, dict], Iterator[Finding]]  # (properties, template) -> findings


@dataclass(frozen=True)
class BotocoreDoc:
    """The documentation of ``shape.member`` in the installed botocore model of ``service``."""

    service: str
    shape: str
    member: str

    def text(self) -> str:
        model = botocore.session.get_session().get_service_model(self.service)
        return normalize(model.shape_for(self.shape).members[self.member].documentation)

    def __str__(self) -> str:
        return f"botocore {self.service} {self.shape}.{self.member}"


@dataclass(frozen=True)
class PackageText:
    """A text file shipped inside an installed Python package."""

    package: str
    path: str

    def text(self) -> str:
        return normalize(resources.files(self.package).joinpath(self.path).read_text())

    def __str__(self) -> str:
        return f"{self.package}/{self.path}"


@dataclass(frozen=True)
class CfnSchema:
    """The CloudFormation resource schema of ``type_name`` bundled with cfn-lint (us-east-1)."""

    type_name: str

    def text(self) -> str:
        schemas = resources.files("cfnlint").joinpath("data", "schemas")
        name = json.loads(schemas.joinpath("providers", "us-east-1.json").read_text())[self.type_name]
        return schemas.joinpath("resources", f"{name}.json").read_text()

    def __str__(self) -> str:
        return f"cfn-lint schema {self.type_name}"


@dataclass(frozen=True)
class External:
    """A public source that is not installed here; cited, not machine-checked."""

    where: str

    def text(self) -> None:
        return None

    def __str__(self) -> str:
        return self.where


@dataclass(frozen=True)
class Rule:
    id: str
    resource_type: str
    source: BotocoreDoc | PackageText | CfnSchema | External
    quote: str
    check: Check


def normalize(text: str) -> str:
    """Documentation text without HTML tags and with single spaces (and none before punctuation)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text or ""))
    return re.sub(r"\s+([.,;:)])", r"\1", " ".join(text.split()))


# --------------------------------------------------------------------------------------------- value resolution
_PSEUDO = {"AWS::Region": "us-east-1", "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws",
           "AWS::AccountId": "123456789012"}  # fmt: skip


def literal(value: Any, template: dict) -> Any:
    """``value`` with pseudo parameters, ``Fn::Join`` and ``Fn::FindInMap`` resolved (us-east-1); None if unknowable."""
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        return _PSEUDO.get(value["Ref"])
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        resolved = [literal(p, template) for p in parts]
        return None if any(r is None for r in resolved) else separator.join(str(r) for r in resolved)
    if "Fn::FindInMap" in value:
        name, first, second = (literal(v, template) for v in value["Fn::FindInMap"])
        return template.get("Mappings", {}).get(name, {}).get(first, {}).get(second)
    return None


def _variants(props: dict) -> Iterator[dict]:
    yield from props.get("ProductionVariants", [])


def _family(instance_type: str) -> str:
    return instance_type.split(".")[1] if instance_type.count(".") == 2 else ""


# --------------------------------------------------------------------------------------------- data
#: Instance families whose hosts get no EBS volume (instance store only), so ``VolumeSizeInGB`` is refused. Source:
#: SageMaker Python SDK ``volume_size_supported`` (sagemaker-core/src/sagemaker/core/common_utils.py, 2026-08:
#: "Any instance type with a "d" in the instance family (i.e. c5d, p4d, etc) + g5 or g6 or p5 does not support
#: attaching an EBS volume", list ``["g5", "g6", "p5", "trn1"]``; trn1 added by aws/sagemaker-python-sdk#4828
#: "this instance family does not support attaching an ebs volume, hence volume size argument throws a service
#: exception"). The developer guide's "Host instance storage volumes" page defers to a release-notes table that
#: lists only EBS-backed types; a docs maintainer (awsdocs/amazon-sagemaker-developer-guide#80): "We don't attach an
#: EBS volume because it has a local SSD for g4dn."
NO_EBS_FAMILY_PREFIXES = ("g5", "g6", "p5", "trn1")


def takes_no_ebs_volume(instance_type: str) -> bool:
    family = _family(instance_type)
    return "d" in family or family.startswith(NO_EBS_FAMILY_PREFIXES)


#: The exact list, over the instance types the installed botocore model accepts for a production variant.
NO_EBS_VOLUME_INSTANCE_TYPES = frozenset(
    t for t in botocore.session.get_session().get_service_model("sagemaker").shape_for(
        "ProductionVariantInstanceType").enum if takes_no_ebs_volume(t)
)  # fmt: skip

_NEURON_FAMILIES = ("inf2", "trn1", "trn1n", "trn2")
_GPU_FAMILY = re.compile(r"^(g\d|p\d)")
_ECR_IMAGE = re.compile(
    r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+(:[\w.-]{1,128}|@sha256:[0-9a-f]{64})?$"
)
_IMAGE_PATH = re.compile(r"^[^/\s]+/[^:@\s]+(:[\w][\w.-]{0,127}|@[a-z0-9]+:[0-9a-f]{32,})?$")
_KMS_KEY = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias/[\w/-]+"
    r"|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/[0-9a-f-]{36}|alias/[\w/-]+))$"
)
_PROVIDER_WAIT = re.compile(r'"IntervalSeconds":(\d+),"MaxAttempts":(\d+)')


# --------------------------------------------------------------------------------------------- checks
def _prefix_member_required(member: str) -> Check:
    def check(props: dict, template: dict) -> Iterator[Finding]:
        for variant in _variants(props):
            routing = variant.get("RoutingConfig") or {}
            if routing.get("RoutingStrategy") == "PREFIX_AWARE" and member not in (
                routing.get("PrefixAwareRoutingConfig") or {}
            ):
                yield (f"ProductionVariants[].RoutingConfig.PrefixAwareRoutingConfig.{member}",
                       f"variant {variant.get('VariantName')} routes PREFIX_AWARE without {member}")  # fmt: skip

    return check


def _prefix_config_only_with_strategy(props: dict, template: dict) -> Iterator[Finding]:
    for variant in _variants(props):
        routing = variant.get("RoutingConfig") or {}
        if "PrefixAwareRoutingConfig" in routing and routing.get("RoutingStrategy") != "PREFIX_AWARE":
            yield ("ProductionVariants[].RoutingConfig.PrefixAwareRoutingConfig",
                   f"set while RoutingStrategy is {routing.get('RoutingStrategy')!r}")  # fmt: skip


def _volume_size_needs_ebs(props: dict, template: dict) -> Iterator[Finding]:
    for variant in _variants(props):
        instance_type = literal(variant.get("InstanceType"), template)
        if "VolumeSizeInGB" in variant and isinstance(instance_type, str) and takes_no_ebs_volume(instance_type):
            yield "ProductionVariants[].VolumeSizeInGB", f"{instance_type} has instance storage and takes no EBS volume"


def _ami_matches_accelerator(props: dict, template: dict) -> Iterator[Finding]:
    for variant in _variants(props):
        ami = literal(variant.get("InferenceAmiVersion"), template)
        instance_type = literal(variant.get("InstanceType"), template)
        if not isinstance(ami, str) or not isinstance(instance_type, str):
            continue
        family = _family(instance_type)
        neuron, gpu = family in _NEURON_FAMILIES, bool(_GPU_FAMILY.match(family))
        if ("-neuron-" in ami and not neuron) or ("-gpu-" in ami and not gpu):
            yield "ProductionVariants[].InferenceAmiVersion", f"{ami} does not serve {instance_type}"


def _kms_key_format(props: dict, template: dict) -> Iterator[Finding]:
    key = literal(props.get("KmsKeyId"), template)
    if isinstance(key, str) and not _KMS_KEY.match(key):
        yield "KmsKeyId", f"{key!r} is none of key ID, key ARN, alias name, alias ARN"


def _security_group_form(props: dict, template: dict) -> Iterator[Finding]:
    for group in (props.get("VpcConfig") or {}).get("SecurityGroupIds", []):
        group = literal(group, template)
        if isinstance(group, str) and not re.fullmatch(r"sg-[0-9a-f]{8,17}", group):
            yield "VpcConfig.SecurityGroupIds[]", f"{group!r} is not of the form sg-xxxxxxxx"


def _retain_variant_properties(props: dict, template: dict) -> Iterator[Finding]:
    if props.get("RetainAllVariantProperties") is not True:
        yield ("RetainAllVariantProperties", "not true: an endpoint update resets the instance count that "
               "autoscaling set (aws/aws-cdk#23151)")  # fmt: skip


def _specs(props: dict) -> Iterator[tuple[str, dict]]:
    """The component's singular ``Specification`` and each per-instance-type ``Specifications`` entry."""
    if props.get("Specification"):
        yield "Specification", props["Specification"]
    for spec in props.get("Specifications") or []:
        yield "Specifications[]", spec


def _containers(props: dict, key: str) -> Iterator[tuple[str, dict]]:
    if key == "Specification":
        for path, spec in _specs(props):
            if spec.get("Container"):
                yield f"{path}.Container", spec["Container"]
    elif props.get("PrimaryContainer"):
        yield "PrimaryContainer", props["PrimaryContainer"]


def _environment(container: dict, template: dict) -> dict:
    env = container.get("Environment") or {}
    return env if isinstance(env, dict) else {}


def _ic_env_at_most_16(props: dict, template: dict) -> Iterator[Finding]:
    for path, container in _containers(props, "Specification"):
        if len(env := _environment(container, template)) > 16:
            yield f"{path}.Environment", f"{len(env)} entries"


def _ic_env_key_cfn_pattern(props: dict, template: dict) -> Iterator[Finding]:
    for path, container in _containers(props, "Specification"):
        for key in _environment(container, template):
            if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]{1,1024}", key):
                yield f"{path}.Environment", f"key {key!r} does not match ^[a-zA-Z_][a-zA-Z0-9_]{{1,1024}}$"


def _tar_gz(key: str, member: str) -> Check:
    def check(props: dict, template: dict) -> Iterator[Finding]:
        for path, container in _containers(props, key):
            url = literal(container.get(member), template)
            if isinstance(url, str) and not url.endswith(".tar.gz"):
                yield f"{path}.{member}", f"{url!r} does not end in .tar.gz"

    return check


def _ic_image_is_ecr(props: dict, template: dict) -> Iterator[Finding]:
    for path, container in _containers(props, "Specification"):
        image = literal(container.get("Image"), template)
        if isinstance(image, str) and not _ECR_IMAGE.match(image):
            yield f"{path}.Image", f"{image!r} is not an Amazon ECR path"


def _model_image_path(props: dict, template: dict) -> Iterator[Finding]:
    for path, container in _containers(props, "PrimaryContainer"):
        image = literal(container.get("Image"), template)
        if isinstance(image, str) and not _IMAGE_PATH.match(image):
            yield f"{path}.Image", f"{image!r} is neither registry/repository[:tag] nor registry/repository[@digest]"


def _model_env_entry_bytes(props: dict, template: dict) -> Iterator[Finding]:
    for path, container in _containers(props, "PrimaryContainer"):
        for key, value in _environment(container, template).items():
            value = literal(value, template)
            for text in (key, value if isinstance(value, str) else ""):
                if len(text.encode()) > 1024:
                    yield f"{path}.Environment", f"{text[:20]!r}... is {len(text.encode())} bytes"


def _model_env_combined(props: dict, template: dict) -> Iterator[Finding]:
    for path, container in _containers(props, "PrimaryContainer"):
        env = _environment(container, template)
        size = sum(len(k.encode()) + len(str(literal(v, template) or "").encode()) for k, v in env.items())
        if size > 32 * 1024:
            yield f"{path}.Environment", f"keys and values add up to {size} bytes"


def _s3_sources(props: dict) -> Iterator[dict]:
    source = ((props.get("PrimaryContainer") or {}).get("ModelDataSource") or {}).get("S3DataSource")
    if source:
        yield source


def _prefix_ends_with_slash(props: dict, template: dict) -> Iterator[Finding]:
    for source in _s3_sources(props):
        uri = literal(source.get("S3Uri"), template)
        if source.get("S3DataType") == "S3Prefix" and isinstance(uri, str) and not uri.endswith("/"):
            yield "PrimaryContainer.ModelDataSource.S3DataSource.S3Uri", f"prefix {uri!r} does not end with '/'"


def _gzip_only_for_object(props: dict, template: dict) -> Iterator[Finding]:
    for source in _s3_sources(props):
        if source.get("CompressionType") == "Gzip" and source.get("S3DataType") != "S3Object":
            yield ("PrimaryContainer.ModelDataSource.S3DataSource.CompressionType",
                   f"Gzip with S3DataType {source.get('S3DataType')!r}")  # fmt: skip


def _eula_true(props: dict, template: dict) -> Iterator[Finding]:
    for source in _s3_sources(props):
        access = source.get("ModelAccessConfig")
        if access is not None and access.get("AcceptEula") is not True:
            yield ("PrimaryContainer.ModelDataSource.S3DataSource.ModelAccessConfig.AcceptEula",
                   f"{access.get('AcceptEula')!r} accepts no EULA")  # fmt: skip


def _specifications_instance_type(props: dict, template: dict) -> Iterator[Finding]:
    specs = props.get("Specifications") or []
    if len(specs) > 1:
        for spec in specs:
            if not spec.get("InstanceType"):
                yield "Specifications[].InstanceType", "missing from an entry of a multi-entry Specifications"


def _specification_or_specifications(props: dict, template: dict) -> Iterator[Finding]:
    if props.get("Specification") and props.get("Specifications"):
        yield "Specifications", "set together with Specification"


def _adapter_specs(props: dict) -> Iterator[tuple[str, dict]]:
    for path, spec in _specs(props):
        if spec.get("BaseInferenceComponentName"):
            yield path, spec


def _adapter_no_compute(props: dict, template: dict) -> Iterator[Finding]:
    for path, spec in _adapter_specs(props):
        if "ComputeResourceRequirements" in spec:
            yield f"{path}.ComputeResourceRequirements", "set on an adapter inference component"


def _adapter_artifact_url(props: dict, template: dict) -> Iterator[Finding]:
    for path, spec in _adapter_specs(props):
        if not (spec.get("Container") or {}).get("ArtifactUrl"):
            yield f"{path}.Container.ArtifactUrl", "an adapter inference component without its artifacts"


def _rolling_batch_percent(props: dict, template: dict) -> Iterator[Finding]:
    policy = (props.get("DeploymentConfig") or {}).get("RollingUpdatePolicy") or {}
    batch = policy.get("MaximumBatchSize") or {}
    value = batch.get("Value")
    if batch.get("Type") == "CAPACITY_PERCENT" and isinstance(value, int) and not 5 <= value <= 50:
        yield "DeploymentConfig.RollingUpdatePolicy.MaximumBatchSize", f"{value}% of the copy count"


def _consolidation_only(member: str) -> Check:
    def check(props: dict, template: dict) -> Iterator[Finding]:
        for variant in _variants(props):
            policy = (variant.get("ManagedInstanceScaling") or {}).get("ScaleInPolicy") or {}
            if member in policy and policy.get("Strategy") != "CONSOLIDATION":
                yield (f"ProductionVariants[].ManagedInstanceScaling.ScaleInPolicy.{member}",
                       f"set with Strategy {policy.get('Strategy')!r}")  # fmt: skip

    return check


_RESOURCE_ID = {
    "sagemaker:inference-component:DesiredCopyCount": re.compile(r"inference-component/[^/]+"),
    "sagemaker:variant:DesiredInstanceCount": re.compile(r"endpoint/[^/]+/variant/[^/]+"),
}


def _resource_id_format(props: dict, template: dict) -> Iterator[Finding]:
    pattern = _RESOURCE_ID.get(props.get("ScalableDimension"))
    resource_id = literal(props.get("ResourceId"), template)
    if pattern is not None and isinstance(resource_id, str) and not pattern.fullmatch(resource_id):
        yield "ResourceId", f"{resource_id!r} does not fit {props['ScalableDimension']} ({pattern.pattern})"


def _policy_configuration(policy_type: str, member: str) -> Check:
    def check(props: dict, template: dict) -> Iterator[Finding]:
        if props.get("PolicyType") == policy_type and not props.get(member):
            yield member, f"missing for PolicyType {policy_type}"

    return check


def _step(member: str) -> Check:
    def check(props: dict, template: dict) -> Iterator[Finding]:
        config = props.get("StepScalingPolicyConfiguration")
        if config and not config.get(member):
            yield f"StepScalingPolicyConfiguration.{member}", "missing from a step scaling configuration"

    return check


def _metric_aggregation(props: dict, template: dict) -> Iterator[Finding]:
    value = (props.get("StepScalingPolicyConfiguration") or {}).get("MetricAggregationType")
    if value is not None and value not in ("Minimum", "Maximum", "Average"):
        yield "StepScalingPolicyConfiguration.MetricAggregationType", f"{value!r}"


def _step_bounds(props: dict, template: dict) -> Iterator[Finding]:
    for step in (props.get("StepScalingPolicyConfiguration") or {}).get("StepAdjustments", []):
        lower, upper = step.get("MetricIntervalLowerBound"), step.get("MetricIntervalUpperBound")
        if isinstance(lower, (int, float)) and isinstance(upper, (int, float)) and not upper > lower:
            yield "StepScalingPolicyConfiguration.StepAdjustments[]", f"upper bound {upper} <= lower bound {lower}"


def _alarm_period(props: dict, template: dict) -> Iterator[Finding]:
    period = props.get("Period")
    if isinstance(period, int) and not (period in (10, 20, 30) or (period > 0 and period % 60 == 0)):
        yield "Period", f"{period}"


def _alarm_window(props: dict, template: dict) -> Iterator[Finding]:
    period, periods = props.get("Period"), props.get("EvaluationPeriods")
    if isinstance(period, int) and isinstance(periods, int):
        limit = 86_400 if period < 3600 else 604_800
        if period * periods > limit:
            yield "EvaluationPeriods", f"{periods} x {period} s is more than {limit} s"


def _alarm_statistic(props: dict, template: dict) -> Iterator[Finding]:
    if "MetricName" in props and ("Statistic" in props) == ("ExtendedStatistic" in props):
        yield "Statistic", "needs exactly one of Statistic and ExtendedStatistic"


def _alarm_missing_data(props: dict, template: dict) -> Iterator[Finding]:
    value = props.get("TreatMissingData")
    if value is not None and value not in ("breaching", "notBreaching", "ignore", "missing"):
        yield "TreatMissingData", f"{value!r}"


def _metrics_publish_frequency(props: dict, template: dict) -> Iterator[Finding]:
    value = (props.get("MetricsConfig") or {}).get("MetricPublishFrequencyInSeconds")
    if isinstance(value, int) and value not in (10, 30, 60, 120, 180, 240, 300):
        yield "MetricsConfig.MetricPublishFrequencyInSeconds", f"{value}"


def _promql_alarm_exclusive(props: dict, template: dict) -> Iterator[Finding]:
    if "EvaluationCriteria" not in props:
        return
    for member in ("MetricName", "Metrics", "Threshold", "ComparisonOperator", "EvaluationPeriods", "Period"):
        if member in props:
            yield member, "not allowed with EvaluationCriteria"
    if "EvaluationInterval" not in props:
        yield "EvaluationInterval", "required with EvaluationCriteria"


def _provider_wait_seconds(props: dict, template: dict) -> int | None:
    """The Provider framework's total wait (Retry IntervalSeconds x MaxAttempts of its waiter state machine)."""
    token = props.get("ServiceToken", {}).get("Fn::GetAtt", [None])[0]
    on_event = template["Resources"].get(token, {}).get("Properties", {})
    machine = on_event.get("Environment", {}).get("Variables", {}).get("WAITER_STATE_MACHINE_ARN", {}).get("Ref")
    definition = template["Resources"].get(machine, {}).get("Properties", {}).get("DefinitionString")
    match = _PROVIDER_WAIT.search(json.dumps(definition).replace('\\"', '"'))
    return None if match is None else int(match[1]) * int(match[2])


def _guard_within_provider(props: dict, template: dict) -> Iterator[Finding]:
    wait = _provider_wait_seconds(props, template)
    purge = literal(props.get("PurgeTimeoutSeconds"), template)
    if wait is None:
        return
    if wait > 3600:
        yield "ServiceToken", f"the Provider waits {wait} s, more than its 1 hour maximum"
    if purge is not None and int(purge) >= wait:
        yield "PurgeTimeoutSeconds", f"{purge} s does not fit the Provider's {wait} s total timeout"


def _network_fetches(environment: dict | None, template: dict) -> list[str]:
    """Model-id variables (LMI, TGI) whose literal value is not a local path: the container downloads at start."""
    from constructs_pkg.network_isolation import HUB_MODEL_ID_VARIABLES

    found = []
    for name in HUB_MODEL_ID_VARIABLES:
        value = literal((environment or {}).get(name), template)
        if isinstance(value, str) and not value.startswith("/"):
            found.append(f"{name}={value}")
    return found


def _referenced(value: Any) -> str | None:
    """The logical id a ``Ref``/``Fn::GetAtt`` names."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def _isolated_config_components_local(props: dict, template: dict) -> Iterator[Finding]:
    if props.get("EnableNetworkIsolation") is not True:
        return
    resources = template["Resources"]
    config_id = next(k for k, r in resources.items() if r.get("Properties") is props)
    endpoints = {k for k, r in resources.items() if r["Type"] == _EP
                 and _referenced(r["Properties"].get("EndpointConfigName")) == config_id}  # fmt: skip
    for key, resource in resources.items():
        spec = resource["Properties"].get("Specification") or {}
        if resource["Type"] != _IC or _referenced(resource["Properties"].get("EndpointName")) not in endpoints:
            continue
        environment = (spec.get("Container") or {}).get("Environment")
        model = resources.get(_referenced(spec.get("ModelName")) or "", {})
        if model:
            environment = (model["Properties"].get("PrimaryContainer") or {}).get("Environment")
        for fetch in _network_fetches(environment, template):
            yield "EnableNetworkIsolation", f"component {key} fetches its model over the network ({fetch})"


def _isolated_model_local(props: dict, template: dict) -> Iterator[Finding]:
    if props.get("EnableNetworkIsolation") is True:
        for fetch in _network_fetches((props.get("PrimaryContainer") or {}).get("Environment"), template):
            yield "PrimaryContainer.Environment", f"an isolated model fetches its model over the network ({fetch})"


def _capture_kms_key_format(props: dict, template: dict) -> Iterator[Finding]:
    key = literal((props.get("DataCaptureConfig") or {}).get("KmsKeyId"), template)
    if isinstance(key, str) and not _KMS_KEY.match(key):
        yield "DataCaptureConfig.KmsKeyId", f"{key!r} is none of key ID, key ARN, alias name, alias ARN"


# --------------------------------------------------------------------------------------------- rules
_EC, _EP, _IC, _MODEL = ("AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint",
                         "AWS::SageMaker::InferenceComponent", "AWS::SageMaker::Model")  # fmt: skip
_ST, _SP, _ALARM = ("AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy",
                    "AWS::CloudWatch::Alarm")  # fmt: skip
_SM, _AAS, _CW = "sagemaker", "application-autoscaling", "cloudwatch"

RULES: tuple[Rule, ...] = (
    Rule("prefix-length-required", _EC, BotocoreDoc(_SM, "PrefixAwareRoutingConfig", "PrefixLength"),
         "Required when RoutingStrategy is PREFIX_AWARE.", _prefix_member_required("PrefixLength")),
    Rule("prefix-concurrency-required", _EC, BotocoreDoc(_SM, "PrefixAwareRoutingConfig", "ConcurrencyThreshold"),
         "Required when RoutingStrategy is PREFIX_AWARE.", _prefix_member_required("ConcurrencyThreshold")),
    Rule("prefix-config-only-with-prefix-aware", _EC,
         BotocoreDoc(_SM, "ProductionVariantRoutingConfig", "PrefixAwareRoutingConfig"),
         "Specify this parameter only when you set RoutingStrategy to PREFIX_AWARE.", _prefix_config_only_with_strategy),
    Rule("volume-size-needs-ebs", _EC, BotocoreDoc(_SM, "ProductionVariant", "VolumeSizeInGB"),
         "Currently only Amazon EBS gp2 storage volumes are supported.", _volume_size_needs_ebs),
    Rule("ami-matches-accelerator", _EC, BotocoreDoc(_SM, "ProductionVariant", "InferenceAmiVersion"),
         "al2-ami-sagemaker-inference-neuron-2 Accelerator: Inferentia2 and Trainium", _ami_matches_accelerator),
    Rule("kms-key-format", _EC, BotocoreDoc(_SM, "CreateEndpointConfigInput", "KmsKeyId"),
         "The KmsKeyId can be any of the following formats: Key ID:", _kms_key_format),
    Rule("security-group-form", _EC, BotocoreDoc(_SM, "VpcConfig", "SecurityGroupIds"),
         "The VPC security group IDs, in the form sg-xxxxxxxx.", _security_group_form),
    Rule("retain-all-variant-properties", _EP, BotocoreDoc(_SM, "UpdateEndpointInput", "RetainAllVariantProperties"),
         "To retain the variant properties of an endpoint when updating it, set RetainAllVariantProperties to true.",
         _retain_variant_properties),
    Rule("ic-environment-at-most-16", _IC, BotocoreDoc(_SM, "InferenceComponentContainerSpecification", "Environment"),
         "We support up to 16 entries in the map.", _ic_env_at_most_16),
    Rule("ic-environment-key-pattern", _IC,
         CfnSchema(_IC), '"^[a-zA-Z_][a-zA-Z0-9_]{1,1024}$"', _ic_env_key_cfn_pattern),
    Rule("ic-artifact-tar-gz", _IC, BotocoreDoc(_SM, "InferenceComponentContainerSpecification", "ArtifactUrl"),
         "This path must point to a single gzip compressed tar archive (.tar.gz suffix).",
         _tar_gz("Specification", "ArtifactUrl")),
    Rule("ic-image-in-ecr", _IC, BotocoreDoc(_SM, "InferenceComponentContainerSpecification", "Image"),
         "The Amazon Elastic Container Registry (Amazon ECR) path where the Docker image for the model is stored.",
         _ic_image_is_ecr),
    Rule("model-image-path", _MODEL, BotocoreDoc(_SM, "ContainerDefinition", "Image"),
         "SageMaker supports both registry/repository[:tag] and registry/repository[@digest] image path formats.",
         _model_image_path),
    Rule("model-data-tar-gz", _MODEL, BotocoreDoc(_SM, "ContainerDefinition", "ModelDataUrl"),
         "This path must point to a single gzip compressed tar archive (.tar.gz suffix).",
         _tar_gz("PrimaryContainer", "ModelDataUrl")),
    Rule("model-environment-entry-1024-bytes", _MODEL, BotocoreDoc(_SM, "ContainerDefinition", "Environment"),
         "The maximum length of each key and value in the Environment map is 1024 bytes.", _model_env_entry_bytes),
    Rule("model-environment-32-kb", _MODEL, BotocoreDoc(_SM, "ContainerDefinition", "Environment"),
         "The maximum length of all keys and values in the map, combined, is 32 KB.", _model_env_combined),
    Rule("scalable-target-resource-id", _ST, BotocoreDoc(_AAS, "RegisterScalableTargetRequest", "ResourceId"),
         "Example: inference-component/my-inference-component.", _resource_id_format),
    Rule("target-tracking-configuration", _SP,
         BotocoreDoc(_AAS, "PutScalingPolicyRequest", "TargetTrackingScalingPolicyConfiguration"),
         "This parameter is required if you are creating a policy and the policy type is TargetTrackingScaling.",
         _policy_configuration("TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration")),
    Rule("step-scaling-configuration", _SP, BotocoreDoc(_AAS, "PutScalingPolicyRequest", "StepScalingPolicyConfiguration"),
         "This parameter is required if you are creating a policy and the policy type is StepScaling.",
         _policy_configuration("StepScaling", "StepScalingPolicyConfiguration")),
    Rule("step-adjustment-type", _SP, BotocoreDoc(_AAS, "StepScalingPolicyConfiguration", "AdjustmentType"),
         "AdjustmentType is required if you are adding a new step scaling policy configuration.", _step("AdjustmentType")),
    Rule("step-adjustments", _SP, BotocoreDoc(_AAS, "StepScalingPolicyConfiguration", "StepAdjustments"),
         "At least one step adjustment is required if you are adding a new step scaling policy configuration.",
         _step("StepAdjustments")),
    Rule("step-metric-aggregation", _SP, BotocoreDoc(_AAS, "StepScalingPolicyConfiguration", "MetricAggregationType"),
         "Valid values are Minimum, Maximum, and Average.", _metric_aggregation),
    Rule("step-bounds", _SP, BotocoreDoc(_AAS, "StepAdjustment", "MetricIntervalUpperBound"),
         "The upper bound must be greater than the lower bound.", _step_bounds),
    Rule("alarm-period", _ALARM, BotocoreDoc(_CW, "PutMetricAlarmInput", "Period"),
         "Valid values are 10, 20, 30, and any multiple of 60.", _alarm_period),
    Rule("alarm-evaluation-window", _ALARM, BotocoreDoc(_CW, "PutMetricAlarmInput", "Period"),
         "For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't be longer "
         "than one day (86,400 seconds).", _alarm_window),
    Rule("alarm-one-statistic", _ALARM, BotocoreDoc(_CW, "PutMetricAlarmInput", "Statistic"),
         "you must specify either Statistic or ExtendedStatistic, but not both.", _alarm_statistic),
    Rule("alarm-missing-data", _ALARM, BotocoreDoc(_CW, "PutMetricAlarmInput", "TreatMissingData"),
         "Valid Values: breaching | notBreaching | ignore | missing", _alarm_missing_data),
    Rule("metrics-publish-frequency", _EC, BotocoreDoc(_SM, "MetricsConfig", "MetricPublishFrequencyInSeconds"),
         "Valid values: 10, 30, 60, 120, 180, 240, 300.", _metrics_publish_frequency),
    Rule("promql-alarm-evaluation-interval", _ALARM, BotocoreDoc(_CW, "PutMetricAlarmInput", "EvaluationInterval"),
         "This parameter is required for alarms that use EvaluationCriteria, and cannot be specified for alarms "
         "configured with MetricName or Metrics.", _promql_alarm_exclusive),
    Rule("model-s3-prefix-ends-with-slash", _MODEL, BotocoreDoc(_SM, "S3ModelDataSource", "S3DataType"),
         "A valid key name prefix identified by S3Uri always ends with a forward slash (/).", _prefix_ends_with_slash),
    Rule("model-gzip-only-for-an-object", _MODEL, BotocoreDoc(_SM, "S3ModelDataSource", "CompressionType"),
         "If you choose Gzip and choose S3Object as the value of S3DataType, S3Uri identifies an object that is a "
         "gzip-compressed TAR archive.", _gzip_only_for_object),
    Rule("model-eula-true", _MODEL, BotocoreDoc(_SM, "ModelAccessConfig", "AcceptEula"),
         "The AcceptEula value must be explicitly defined as True in order to accept the EULA that this model "
         "requires.", _eula_true),
    Rule("ic-specifications-instance-type", _IC, BotocoreDoc(_SM, "InferenceComponentSpecification", "InstanceType"),
         "Required when using the Specifications parameter with multiple entries.", _specifications_instance_type),
    Rule("ic-specification-or-specifications", _IC,
         BotocoreDoc(_SM, "CreateInferenceComponentInput", "Specifications"),
         "You can use either this parameter or the singular Specification parameter, but not both.",
         _specification_or_specifications),
    Rule("ic-adapter-no-compute", _IC,
         BotocoreDoc(_SM, "InferenceComponentSpecification", "ComputeResourceRequirements"),
         "Omit this parameter if your request is meant to create an adapter inference component.", _adapter_no_compute),
    Rule("ic-adapter-artifact-url", _IC,
         BotocoreDoc(_SM, "InferenceComponentSpecification", "BaseInferenceComponentName"),
         "In the parameter value, use the ArtifactUrl parameter of the InferenceComponentContainerSpecification data "
         "type.", _adapter_artifact_url),
    Rule("ic-rolling-batch-5-to-50-percent", _IC,
         BotocoreDoc(_SM, "InferenceComponentRollingUpdatePolicy", "MaximumBatchSize"),
         "The value must be between 5% to 50% of the copy count of the inference component.", _rolling_batch_percent),
    Rule("scale-in-step-only-when-consolidating", _EC,
         BotocoreDoc(_SM, "ProductionVariantManagedInstanceScalingScaleInPolicy", "MaximumStepSize"),
         "during a consolidation scale-in operation", _consolidation_only("MaximumStepSize")),
    Rule("scale-in-cooldown-only-when-consolidating", _EC,
         BotocoreDoc(_SM, "ProductionVariantManagedInstanceScalingScaleInPolicy", "CooldownInMinutes"),
         "evaluates consolidation scale-in opportunities", _consolidation_only("CooldownInMinutes")),
    Rule("isolated-endpoint-models-are-local", _EC, BotocoreDoc(_SM, "CreateEndpointConfigInput", "EnableNetworkIsolation"),
         "If they are, no inbound or outbound network calls can be made to or from the model containers.",
         _isolated_config_components_local),
    Rule("isolated-model-is-local", _MODEL, BotocoreDoc(_SM, "CreateModelInput", "EnableNetworkIsolation"),
         "No inbound or outbound network calls can be made to or from the model container.", _isolated_model_local),
    Rule("data-capture-kms-key-format", _EC, BotocoreDoc(_SM, "DataCaptureConfig", "KmsKeyId"),
         "The KmsKeyId can be any of the following formats: Key ID:", _capture_kms_key_format),
    Rule("guard-fits-provider-timeout", "Custom::SageMakerCacheGuard",
         PackageText("aws_cdk", "custom_resources/__init__.py"),
         "Total timeout for the entire operation. The maximum timeout is 1 hour", _guard_within_provider),
)  # fmt: skip

Violation = tuple[str, str, str]  # (resource type, field path, rule id)


def findings(template: dict) -> list[tuple[Violation, str]]:
    """Every breach in ``template``: ((resource type, field path, rule id), "<logical id>: <message>")."""
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        for rule in RULES:
            if resource["Type"] == rule.resource_type:
                for path, message in rule.check(resource.get("Properties", {}), template):
                    found.append(((rule.resource_type, path, rule.id), f"{logical_id}: {message}"))
    return found


def violations(template: dict) -> set[Violation]:
    return {violation for violation, _ in findings(template)}
