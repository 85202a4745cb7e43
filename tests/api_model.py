"""Check CloudFormation resources against the SageMaker and Application Auto Scaling API models in botocore.

The SageMaker API is stricter than the CloudFormation schema (it requires the component name, MinMemoryRequiredInMb,
RuntimeConfig.CopyCount, RollingUpdatePolicy's batch size and wait interval). cfn-lint cannot see that; this can.
Unresolved intrinsics are replaced by placeholders that fit each field's own pattern, so only our values are judged.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

#: CloudFormation type -> (service, operation, properties CloudFormation has and the create call does not).
OPERATIONS = {
    "AWS::SageMaker::EndpointConfig": ("sagemaker", "CreateEndpointConfig", set()),
    "AWS::SageMaker::Endpoint": ("sagemaker", "CreateEndpoint",
                                 {"DeploymentConfig", "RetainAllVariantProperties", "RetainDeploymentConfig",
                                  "ExcludeRetainedVariantProperties"}),
    "AWS::SageMaker::InferenceComponent": ("sagemaker", "CreateInferenceComponent", {"EndpointArn", "DeploymentConfig"}),
    "AWS::ApplicationAutoScaling::ScalableTarget": ("application-autoscaling", "RegisterScalableTarget", {"ScheduledActions"}),
    "AWS::ApplicationAutoScaling::ScalingPolicy": ("application-autoscaling", "PutScalingPolicy", {"ScalingTargetId"}),
    "AWS::SageMaker::Model": ("sagemaker", "CreateModel", set()),
    "AWS::CloudWatch::Alarm": ("cloudwatch", "PutMetricAlarm", set()),
}  # fmt: skip
#: CloudFormation properties the service takes only on an update call: type -> (operation, its name member, properties).
UPDATE_ONLY = {
    "AWS::SageMaker::InferenceComponent": ("UpdateInferenceComponent", "InferenceComponentName", ("DeploymentConfig",)),
}
#: Names CloudFormation generates when the template leaves them out, which the create call requires.
GENERATED_NAMES = {"AWS::SageMaker::EndpointConfig": "EndpointConfigName", "AWS::SageMaker::Model": "ModelName",
                   "AWS::CloudWatch::Alarm": "AlarmName"}  # fmt: skip
#: Values tried, in order, for a field whose value is unresolved at synth time.
PLACEHOLDERS = [
    "placeholder",
    "arn:aws:iam::123456789012:role/placeholder",
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:sagemaker:us-east-1:123456789012:endpoint/placeholder",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/placeholder:latest",
    "s3://placeholder-bucket/model.tar.gz",
    "sg-0123456789abcdef0",
    "subnet-0123456789abcdef0",
]
_session = botocore.session.get_session()


@functools.cache
def _compiled(pattern: str) -> re.Pattern | None:
    """The model's (Java) regex in Python; None for the few Java-only forms (surrogate-pair ranges)."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))


def _placeholder(shape: Shape) -> Any:
    if shape.type_name in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if shape.type_name in ("float", "double"):
        return 1.0
    if shape.type_name == "boolean":
        return True
    if shape.type_name == "list":
        return [_placeholder(shape.member)]
    if shape.enum:
        return shape.enum[0]
    pattern = _compiled(shape.metadata["pattern"]) if "pattern" in shape.metadata else None
    for candidate in PLACEHOLDERS:
        if pattern is None or pattern.fullmatch(candidate):
            return candidate
    raise AssertionError(f"no placeholder fits {shape.name} pattern {pattern}")


def to_request(value: Any, shape: Shape, path: str, errors: list[str]) -> Any:
    """Convert a CloudFormation value to an API value, checking enum, pattern and length on the way."""
    if _is_intrinsic(value):
        return _placeholder(shape)
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return value  # botocore reports the type error
        return {k: (to_request(v, shape.members[k], f"{path}.{k}", errors) if k in shape.members else v)
                for k, v in value.items()}  # fmt: skip
    if isinstance(shape, (ListShape, MapShape)) and isinstance(value, (list, dict)):
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            errors.append(f"{path}: {len(value)} entries, more than {shape.metadata['max']}")
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_request(v, shape.member, f"{path}[{i}]", errors) for i, v in enumerate(value)]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {to_request(k, shape.key, f"{path} key", errors): to_request(v, shape.value, f"{path}.{k}", errors)
                for k, v in value.items()}  # fmt: skip
    if shape.type_name == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {shape.enum}")
        pattern = _compiled(shape.metadata["pattern"]) if "pattern" in shape.metadata else None
        if pattern is not None and not pattern.fullmatch(value):
            errors.append(f"{path}: {value!r} does not match {pattern.pattern}")
        if "max" in shape.metadata and len(value) > shape.metadata["max"]:
            errors.append(f"{path}: {value!r} is longer than {shape.metadata['max']}")
    if shape.type_name in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "max" in shape.metadata and value > shape.metadata["max"]:
            errors.append(f"{path}: {value} is above {shape.metadata['max']}")
    return value


def violations(template: dict) -> list[str]:
    """Every way a resource of ``template`` would be refused by the service's request validation."""
    resources = template.get("Resources", {})
    found: list[str] = []
    for logical_id, resource in resources.items():
        if resource["Type"] not in OPERATIONS:
            continue
        service, operation, cfn_only = OPERATIONS[resource["Type"]]
        shape = _session.get_service_model(service).operation_model(operation).input_shape
        props = {k: v for k, v in resource.get("Properties", {}).items() if k not in cfn_only}
        if resource["Type"] in GENERATED_NAMES:
            props.setdefault(GENERATED_NAMES[resource["Type"]], {"Ref": "generated-by-cloudformation"})
        if resource["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy":
            target = resources.get(resource["Properties"].get("ScalingTargetId", {}).get("Ref", ""), {})
            for key in ("ServiceNamespace", "ResourceId", "ScalableDimension"):
                props.setdefault(key, target.get("Properties", {}).get(key))
        errors: list[str] = []
        request = to_request(props, shape, operation, errors)
        report = ParamValidator().validate(request, shape)
        if report.has_errors():
            errors.append(report.generate_report())
        found += [f"{logical_id} ({resource['Type']} -> {operation}): {e}" for e in errors]
        found += _update_only_violations(logical_id, resource)
    return found


def _update_only_violations(logical_id: str, resource: dict) -> list[str]:
    """Properties CloudFormation applies with an update call (``DeploymentConfig``), checked against that call."""
    if resource["Type"] not in UPDATE_ONLY:
        return []
    operation, name_member, members = UPDATE_ONLY[resource["Type"]]
    given = {k: v for k, v in resource.get("Properties", {}).items() if k in members}
    if not given:
        return []
    shape = _session.get_service_model("sagemaker").operation_model(operation).input_shape
    errors: list[str] = []
    request = to_request({name_member: {"Ref": "name"}, **given}, shape, operation, errors)
    report = ParamValidator().validate(request, shape)
    if report.has_errors():
        errors.append(report.generate_report())
    return [f"{logical_id} ({resource['Type']} -> {operation}): {e}" for e in errors]
