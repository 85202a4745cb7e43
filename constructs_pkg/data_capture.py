"""Data capture: a sample of an endpoint's requests and responses written to S3 (``EndpointConfig.DataCaptureConfig``).

Offered on ``SingleModelEndpoint`` only. SageMaker documents data capture for endpoints that serve a model: "To
capture data for your real-time endpoint, you must deploy a model using SageMaker AI hosting services. This requires
that you create a SageMaker AI model, define an endpoint configuration, and create an HTTPS endpoint." (developer
guide, "Capture data from real-time endpoint", model-monitor-data-capture-endpoint), and "Model Monitor currently
supports only endpoints that host a single model" (developer guide, model-monitor). An inference-component
endpoint's variant has no model (``ModelName`` omitted), and no AWS page, nor the botocore ``CreateEndpointConfig``
or ``CreateInferenceComponent`` documentation, says data capture works with inference components; the library
refuses it there until AWS documents it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import _nag
from . import _validation as v
from .errors import ConfigurationError

__all__ = ["CaptureMode", "DataCapture", "SAMPLING_PERCENTAGE_RANGE"]

#: botocore ``SamplingPercentage`` (``DataCaptureConfig.InitialSamplingPercentage``): min 0, max 100.
SAMPLING_PERCENTAGE_RANGE = (0, 100)
#: botocore ``CaptureContentTypeHeader.JsonContentTypes``/``CsvContentTypes``: 1-10 entries, each 1-256 characters
#: matching ``CaptureContentType``'s pattern.
CONTENT_TYPES_MAX = 10
_CONTENT_TYPE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$")
#: botocore ``DestinationS3Uri``: at most 512 characters in all; the prefix keeps room for the bucket name.
PREFIX_MAX = 400
_PREFIX = re.compile(r"^[a-zA-Z0-9!_.*'()/-]+$")


class CaptureMode(StrEnum):
    """What is captured (``CaptureOption.CaptureMode``; botocore enum ``Input | Output | InputAndOutput``)."""

    INPUT = "Input"
    OUTPUT = "Output"
    INPUT_AND_OUTPUT = "InputAndOutput"


@dataclass(frozen=True, kw_only=True)
class DataCapture:
    """Capture a sample of requests and responses to S3, encrypted with the endpoint's KMS key.

    With no ``bucket`` the endpoint creates one: KMS-encrypted with the endpoint's key, TLS-only, all public access
    blocked, versioned, objects expiring after ``retention``.
    """

    #: Percentage of requests captured, 0-100 (``InitialSamplingPercentage``; AWS: "A lower value is recommended for
    #: Endpoints with high traffic").
    sampling_percentage: int
    #: A bucket of yours. Default: a bucket the endpoint creates (see the class).
    bucket: s3.IBucket | None = None
    #: Key prefix the captures go under (``s3://bucket/prefix/...``). Default: ``data-capture``.
    prefix: str = "data-capture"
    #: Requests, responses or both. Default: both.
    capture_mode: CaptureMode = CaptureMode.INPUT_AND_OUTPUT
    #: Content types captured as JSON text (others are base64-encoded). Default: ``application/json``.
    json_content_types: Sequence[str] = ("application/json",)
    #: Content types captured as CSV text. Default: none.
    csv_content_types: Sequence[str] = ()
    #: How long captures stay in the bucket the endpoint creates (1-3650 days; refused with ``bucket``).
    #: Default: 30 days.
    retention: Duration | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "json_content_types", tuple(self.json_content_types))
        object.__setattr__(self, "csv_content_types", tuple(self.csv_content_types))
        errors: list[str] = []
        v.int_in_range(errors, "data_capture.sampling_percentage", self.sampling_percentage, *SAMPLING_PERCENTAGE_RANGE)
        if self.bucket is not None and not hasattr(self.bucket, "arn_for_objects"):
            errors.append(f"data_capture.bucket must be an s3.IBucket, got {self.bucket!r}")
        if not isinstance(self.capture_mode, CaptureMode):
            errors.append(f"data_capture.capture_mode must be one of {', '.join(CaptureMode)}, got {self.capture_mode!r}")
        prefix = self.prefix
        if not isinstance(prefix, str) or not v.is_token(prefix) and (
            not 1 <= len(prefix) <= PREFIX_MAX or not _PREFIX.match(prefix) or prefix.startswith("/")
        ):
            errors.append(
                f"data_capture.prefix must be 1-{PREFIX_MAX} characters of letters, digits and !_.*'()/- not starting "
                f"with '/', got {prefix!r}"
            )
        for prop in ("json_content_types", "csv_content_types"):
            values = getattr(self, prop)
            if len(values) > CONTENT_TYPES_MAX:
                errors.append(f"data_capture.{prop} must hold at most {CONTENT_TYPES_MAX} content types, got {len(values)}")
            for value in values:
                if not isinstance(value, str) or len(value) > 256 or not _CONTENT_TYPE.match(value):
                    errors.append(f"data_capture.{prop} entries must be content types like 'application/json', got {value!r}")
        if self.retention is not None:
            if self.bucket is not None:
                errors.append("data_capture.retention applies only to the bucket the endpoint creates; set the "
                              f"lifecycle on your bucket instead, got retention={self.retention!r} with a bucket")  # fmt: skip
            else:
                v.duration_in_range(errors, "data_capture.retention", self.retention, 86400, 3650 * 86400)
                seconds = self.retention.to_seconds() if isinstance(self.retention, Duration) else 0
                if seconds % 86400:
                    errors.append(f"data_capture.retention must be whole days, got {self.retention!r}")
        if errors:
            raise ConfigurationError(None, "DataCapture", errors)

    def _days(self) -> int:
        return 30 if self.retention is None else int(self.retention.to_days())


def create_capture(
    scope: Construct,
    capture: DataCapture,
    *,
    role: iam.IRole,
    key: kms.IKey,
    removal_policy: RemovalPolicy | None,
) -> tuple[s3.IBucket, dict[str, Any]]:
    """The bucket (created unless given), the role's grants, and the CloudFormation ``DataCaptureConfig``."""
    bucket = capture.bucket
    if bucket is None:
        bucket = s3.Bucket(
            scope,
            "DataCaptureBucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(
                expiration=Duration.days(capture._days()),
                noncurrent_version_expiration=Duration.days(1),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )],
            removal_policy=RemovalPolicy.RETAIN if removal_policy is None else removal_policy,
            auto_delete_objects=False,
        )  # fmt: skip
        _nag.acknowledge_all(bucket, [
            ("AwsSolutions-S1", _NO_ACCESS_LOGS),
            *[(f"{pack}-S3BucketLoggingEnabled", _NO_ACCESS_LOGS) for pack in (_nag.HIPAA, _nag.NIST_R5, _nag.PCI)],
            *[(f"{pack}-S3BucketReplicationEnabled", _NO_REPLICATION) for pack in (_nag.HIPAA, _nag.NIST_R5, _nag.PCI)],
        ])  # fmt: skip
    prefix = capture.prefix.rstrip("/")
    # SageMaker writes the captures with the execution role: objects under the prefix, encrypted with the key.
    role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{prefix}/*")]))
    role.add_to_principal_policy(iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Encrypt"], resources=[key.key_arn]))
    if capture.bucket is None:  # a bucket of yours is named by its ARN in the finding: acknowledge it on the role
        logical_id = Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
        _nag.acknowledge(
            role,
            _nag.wildcard_resource(f"<{logical_id}.Arn>/{prefix}/*"),
            f"SageMaker names each capture file by endpoint, variant and time; the grant is confined to the {prefix}/ "
            "prefix of the capture bucket.",
        )
    header: dict[str, Any] = {}
    if capture.json_content_types:
        header["JsonContentTypes"] = list(capture.json_content_types)
    if capture.csv_content_types:
        header["CsvContentTypes"] = list(capture.csv_content_types)
    config: dict[str, Any] = {
        "EnableCapture": True,
        "InitialSamplingPercentage": capture.sampling_percentage,
        "DestinationS3Uri": f"s3://{bucket.bucket_name}/{prefix}",
        "KmsKeyId": key.key_arn,
        "CaptureOptions": [{"CaptureMode": capture.capture_mode.value}],
    }
    if header:
        config["CaptureContentTypeHeader"] = header
    return bucket, config



_NO_ACCESS_LOGS = (
    "Only SageMaker writes here, with the endpoint's execution role; reads are by IAM principals you grant. "
    "CloudTrail S3 data events, not a second bucket, are the audit trail for a bucket of captured payloads."
)
_NO_REPLICATION = (
    "Captured payloads are a sample kept for a bounded time (lifecycle expiry) for monitoring and audit; copying them "
    "to another Region would widen where inference data lives."
)

INFERENCE_COMPONENT_REFUSAL = (
    "data_capture is not offered on an InferenceEndpoint: SageMaker documents data capture for endpoints that serve a "
    "model (\"you must deploy a model using SageMaker AI hosting services. This requires that you create a SageMaker "
    "AI model, define an endpoint configuration, and create an HTTPS endpoint\", developer guide "
    "model-monitor-data-capture-endpoint; \"Model Monitor currently supports only endpoints that host a single "
    "model\", developer guide model-monitor), and an inference-component endpoint's variant has no model; use "
    "SingleModelEndpoint(..., data_capture=DataCapture(...))"
)
