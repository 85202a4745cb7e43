"""Model data for a SageMaker Model (``CreateModel``'s ``ModelDataSource``): an uncompressed S3 prefix or one S3
object, optionally with the model's EULA accepted, and the read access the execution role needs.

An inference component's own container takes only ``ArtifactUrl``, which "must point to a single gzip compressed tar
archive (.tar.gz suffix)" (botocore ``InferenceComponentContainerSpecification.ArtifactUrl``). An uncompressed prefix
or a gated (EULA) model therefore goes through a ``Model`` that the component references by name.

Sources: botocore 1.44.5 ``sagemaker`` service model (``S3ModelDataSource``, ``ModelAccessConfig``) and the
CloudFormation schema of ``AWS::SageMaker::Model`` (cfn-lint 1.58.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from ._validation import is_token
from .errors import ConfigurationError, invalid

#: ``S3ModelUri``: at most 1024 characters (botocore and CloudFormation).
S3_URI_MAX = 1024
#: Not a file or directory name: "A string longer than 255 bytes" (``S3ModelDataSource.CompressionType``).
SEGMENT_MAX_BYTES = 255
_S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.*)$", re.DOTALL)
_TAR_GZ = (".tar.gz", ".tgz")


class S3DataType(StrEnum):
    """``S3ModelDataSource.S3DataType``."""

    #: "S3Uri identifies a key name prefix. SageMaker uses all objects that match the specified key name prefix".
    PREFIX = "S3Prefix"
    #: "S3Uri identifies an object that is the ML model data to deploy."
    OBJECT = "S3Object"


class Compression(StrEnum):
    """``S3ModelDataSource.CompressionType``."""

    #: Uncompressed: every object under the prefix (or the one object) is a file under ``/opt/ml/model``.
    NONE = "None"
    #: A gzip-compressed TAR archive; defined only for ``S3Object``.
    GZIP = "Gzip"


@dataclass(frozen=True, kw_only=True)
class S3ModelData:
    """Model data in Amazon S3 for a ``Model``: a key prefix of uncompressed files, or one object.

    Build it with ``from_s3_prefix`` / ``from_bucket_prefix`` (uncompressed prefix, recommended by AWS for large
    models) or ``from_s3_object`` / ``from_bucket_object`` (one object).
    """

    #: ``s3://bucket/key``; for a prefix the key ends with ``/``.
    uri: str
    data_type: S3DataType
    compression: Compression
    #: ``ModelAccessConfig.AcceptEula``. Default: omitted (the model must not require a EULA). "The AcceptEula value
    #: must be explicitly defined as True in order to accept the EULA that this model requires."
    accept_eula: bool | None = None
    #: The bucket, when it is yours: grants then use its ARN and its customer managed key. Default: an ARN built
    #: from the bucket name in ``uri``, and no key grant.
    bucket: s3.IBucket | None = None
    #: Bucket name and key parsed from ``uri`` (either may hold tokens).
    bucket_name: str = field(init=False)
    key: str = field(init=False)

    def __post_init__(self) -> None:
        errors: list[str] = []
        bucket_name, key = self._parse(errors)
        object.__setattr__(self, "bucket_name", bucket_name)
        object.__setattr__(self, "key", "" if key is None else key)
        if not isinstance(self.data_type, S3DataType):
            errors.append(f"model_data.data_type must be one of {_values(S3DataType)}, got {self.data_type!r}")
        if not isinstance(self.compression, Compression):
            errors.append(f"model_data.compression must be one of {_values(Compression)}, got {self.compression!r}")
        if self.accept_eula is not None and not isinstance(self.accept_eula, bool):
            errors.append(f"accept_eula must be True, False or None, got {self.accept_eula!r}")
        if self.data_type == S3DataType.PREFIX and self.compression == Compression.GZIP:
            errors.append(
                "model_data.compression must be None for an S3 prefix, got Gzip: Gzip is defined only for a single "
                "object (a gzip-compressed TAR archive); use S3ModelData.from_s3_object for an archive"
            )
        if key is not None:
            self._check_key(errors, key)
        if errors:
            raise ConfigurationError(None, "S3ModelData", errors)

    def _parse(self, errors: list[str]) -> tuple[str, str | None]:
        uri = self.uri
        if not isinstance(uri, str):
            errors.append(f"model_data.uri must be a string 's3://bucket/key', got {uri!r}")
            return "", None
        if not is_token(uri) and len(uri) > S3_URI_MAX:
            errors.append(f"model_data.uri must be at most {S3_URI_MAX} characters, got {len(uri)}")
        match = _S3_URI.match(uri)
        if match is None:
            if is_token(uri):
                errors.append(
                    f"model_data.uri {uri!r} is a token without a literal 's3://<bucket>/' start, so the bucket and "
                    "key the role must read cannot be derived; use S3ModelData.from_bucket_prefix(bucket, key_prefix) "
                    "(bucket and key may be tokens there)"
                )
            else:
                errors.append(f"model_data.uri must look like 's3://bucket/key' (https URIs are not supported), got {uri!r}")
            return "", None
        return match.group("bucket"), match.group("key")

    def _check_key(self, errors: list[str], key: str) -> None:
        literal_end = not _ends_with_token(key)
        if self.data_type == S3DataType.PREFIX:
            if literal_end and key.endswith(_TAR_GZ):
                errors.append(
                    f"model_data.uri {self.uri!r} names a single archive, not a key prefix; use "
                    "S3ModelData.from_s3_object (or ModelData.from_s3_uri for a component's ArtifactUrl)"
                )
            elif literal_end and key and not key.endswith("/"):
                errors.append(
                    f"model_data.uri must end with '/' for an S3 prefix, got {self.uri!r}: "
                    "\"A valid key name prefix identified by S3Uri always ends with a forward slash (/).\""
                )
            segments = key.split("/")[:-1]  # the part after the trailing '/' is empty by definition
        else:
            if literal_end and (not key or key.endswith("/")):
                errors.append(
                    f"model_data.uri {self.uri!r} names a key prefix, not an object; use S3ModelData.from_s3_prefix"
                )
                return
            segments = key.split("/")
        for segment in segments:
            if _has_token(segment):
                continue
            if not segment.strip() or segment in (".", "..") or "\x00" in segment:
                errors.append(
                    f"model_data.uri {self.uri!r} has the path segment {segment!r}; SageMaker refuses empty or blank "
                    "names, '.', '..' and names with null bytes"
                )
            elif len(segment.encode()) > SEGMENT_MAX_BYTES:
                errors.append(
                    f"model_data.uri has a path segment of {len(segment.encode())} bytes; at most "
                    f"{SEGMENT_MAX_BYTES} bytes are allowed"
                )

    # -- factories -------------------------------------------------------------------------------------------------

    @staticmethod
    def from_s3_prefix(uri: str, *, accept_eula: bool | None = None) -> S3ModelData:
        """Uncompressed model files under a key prefix, ``s3://bucket/prefix/`` (trailing ``/`` required).

        :param accept_eula: Accept the model's EULA (gated models). Default: not sent.
        """
        return S3ModelData(uri=uri, data_type=S3DataType.PREFIX, compression=Compression.NONE, accept_eula=accept_eula)

    @staticmethod
    def from_bucket_prefix(bucket: s3.IBucket, key_prefix: str, *, accept_eula: bool | None = None) -> S3ModelData:
        """Uncompressed model files under ``key_prefix`` (ending with ``/``) in a bucket of yours; also grants
        ``kms:Decrypt`` when the bucket has a customer managed key."""
        if not is_token(key_prefix) and isinstance(key_prefix, str) and key_prefix.startswith("/"):
            raise invalid("S3ModelData", f"key_prefix must not start with '/', got {key_prefix!r}")
        return S3ModelData(
            uri=f"s3://{bucket.bucket_name}/{key_prefix}",
            data_type=S3DataType.PREFIX,
            compression=Compression.NONE,
            accept_eula=accept_eula,
            bucket=bucket,
        )

    @staticmethod
    def from_s3_object(
        uri: str, *, accept_eula: bool | None = None, compression: Compression | None = None
    ) -> S3ModelData:
        """One object, ``s3://bucket/key``.

        :param compression: Default: ``GZIP`` when the key ends with ``.tar.gz`` or ``.tgz``, ``NONE`` otherwise.
        """
        return S3ModelData(
            uri=uri,
            data_type=S3DataType.OBJECT,
            compression=_object_compression(uri, compression),
            accept_eula=accept_eula,
        )

    @staticmethod
    def from_bucket_object(
        bucket: s3.IBucket, key: str, *, accept_eula: bool | None = None, compression: Compression | None = None
    ) -> S3ModelData:
        """One object in a bucket of yours (see ``from_s3_object`` for ``compression``)."""
        if not is_token(key) and isinstance(key, str) and key.startswith("/"):
            raise invalid("S3ModelData", f"key must not start with '/', got {key!r}")
        return S3ModelData(
            uri=f"s3://{bucket.bucket_name}/{key}",
            data_type=S3DataType.OBJECT,
            compression=_object_compression(key, compression),
            accept_eula=accept_eula,
            bucket=bucket,
        )

    # -- use ---------------------------------------------------------------------------------------------------------

    @property
    def is_prefix(self) -> bool:
        return self.data_type == S3DataType.PREFIX

    def render(self) -> dict[str, Any]:
        """``ContainerDefinition.ModelDataSource`` with CloudFormation key names."""
        source: dict[str, Any] = {
            "S3Uri": self.uri,
            "S3DataType": self.data_type.value,
            "CompressionType": self.compression.value,
        }
        if self.accept_eula is not None:
            source["ModelAccessConfig"] = {"AcceptEula": self.accept_eula}
        return {"S3DataSource": source}

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """Read access for ``grantee`` (``assumed``: no AWS page prints the policy for ``S3Prefix``; this follows S3's
        IAM model). A prefix: ``s3:ListBucket`` on the bucket limited by ``s3:prefix`` to ``<key>*``, and
        ``s3:GetObject`` on ``<bucket>/<key>*``. An object: ``s3:GetObject`` on exactly that object. Plus
        ``kms:Decrypt`` when the bucket is yours and has a customer managed key."""
        if self.is_prefix:
            iam.Grant.add_to_principal(
                grantee=grantee,
                actions=["s3:ListBucket"],
                resource_arns=[self.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{self.key}*"]}},
            )
        iam.Grant.add_to_principal(grantee=grantee, actions=["s3:GetObject"], resource_arns=[self.objects_arn])
        if self.bucket is not None and self.bucket.encryption_key is not None:
            self.bucket.encryption_key.grant_decrypt(grantee)

    @property
    def bucket_arn(self) -> str:
        return self.bucket.bucket_arn if self.bucket is not None else f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}"

    @property
    def objects_arn(self) -> str:
        """The objects ``grant_read`` allows: ``<key>*`` for a prefix, exactly ``<key>`` for an object."""
        pattern = f"{self.key}*" if self.is_prefix else self.key
        if self.bucket is not None:
            return self.bucket.arn_for_objects(pattern)
        return f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}/{pattern}"


def _object_compression(key: str, given: Compression | None) -> Compression:
    if given is not None:
        return given
    literal = isinstance(key, str) and not _ends_with_token(key)
    return Compression.GZIP if literal and key.endswith(_TAR_GZ) else Compression.NONE


def _has_token(text: str) -> bool:
    return "${Token[" in text


def _ends_with_token(text: str) -> bool:
    return isinstance(text, str) and text.endswith("]}") and _has_token(text)


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(repr(m.value) for m in enum)
