"""Where a component's container image and model artifacts come from, and the access the endpoint's role needs."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from aws_cdk import Aws, CfnMapping, Fn, Stack, Token
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ._scope import partition_token, stack_facts
from .errors import invalid, path_of
from .runtime.eligibility import EcrImage, parse_ecr_image_uri

#: The AWS Large Model Inference (LMI, DJL Serving) container: repository and tag per version.
#: Source: sagemaker-python-sdk ``image_uri_config/djl-lmi.json`` (fact sheet, section 7).
LMI_REPOSITORY = "djl-inference"
LMI_LATEST = "0.36.0"
LMI_TAGS: dict[str, str] = {
    "0.36.0": "0.36.0-lmi27.0.0-cu130",
    "0.35.0": "0.35.0-lmi17.0.0-cu128",
    "0.34.0": "0.34.0-lmi16.0.0-cu128",
    "0.33.0": "0.33.0-lmi15.0.0-cu128",
    "0.32.0": "0.32.0-lmi14.0.0-cu126",
    "0.31.0": "0.31.0-lmi13.0.0-cu124",
    "0.30.0": "0.30.0-lmi12.0.0-cu124",
    "0.29.0": "0.29.0-lmi11.0.0-cu124",
    "0.28.0": "0.28.0-lmi10.0.0-cu124",
}
_DLC_MAIN_ACCOUNT = "763104351884"
#: AWS Deep Learning Containers registry account per region, for LMI 0.36.0 (same source).
DLC_ACCOUNTS: dict[str, str] = {
    **{
        r: _DLC_MAIN_ACCOUNT
        for r in (
            "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-central-1",
            "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "ap-northeast-1", "ap-northeast-2", "ap-south-1",
            "ap-southeast-1", "ap-southeast-2",
        )
    },
    "af-south-1": "626614931356", "ap-east-1": "871362719292", "ap-northeast-3": "364406365360",
    "ap-southeast-3": "907027046896", "eu-south-1": "692866216735", "me-south-1": "217643126080",
    "me-central-1": "914824155844", "il-central-1": "780543022126", "ca-west-1": "204538143572",
    "eu-central-2": "380420809688", "ap-south-2": "772153158452", "eu-south-2": "503227376785",
    "ap-southeast-4": "457447274322", "ap-southeast-5": "550225433462", "ap-southeast-6": "633930458069",
    "ap-southeast-7": "590183813437", "mx-central-1": "637423239942", "ap-east-2": "975050140332",
    "cn-north-1": "727897471807", "cn-northwest-1": "727897471807",
    "us-gov-east-1": "446045086412", "us-gov-west-1": "442386744353",
}  # fmt: skip
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>.+)$")


@dataclass(frozen=True)
class BoundImage:
    """An image made concrete for one stack."""

    image_uri: str
    repository: ecr.IRepository
    #: Identifies the repository within the stack, so grants are made once per repository.
    repository_key: str
    #: Parsed URI when it is known at synth time (None when the URI holds tokens).
    ecr_image: EcrImage | None
    #: True when the image is referenced by digest; False for a tag; None when unknown at synth time.
    pinned: bool | None
    #: The CUDA major version the image is built for, when known (AWS LMI releases name it: ``-cu130`` is 13).
    cuda_major: int | None = None
    #: True when the URI was given as a token (``from_image_uri`` with a ``CfnParameter``): its form is unchecked.
    from_token_uri: bool = False
    #: The tag, for an image of a repository named by tag (``from_ecr_repository``); None otherwise.
    tag: str | None = None


class ContainerImage:
    """A container image in Amazon ECR for an inference component.

    Only ECR images are accepted: inference components pull from ECR, and AWS's container image cache
    only covers ECR images.
    """

    def bind(self, scope: Construct) -> BoundImage:  # pragma: no cover - overridden
        raise NotImplementedError

    @staticmethod
    def from_ecr_repository(
        repository: ecr.IRepository, *, tag: str | None = None, digest: str | None = None
    ) -> ContainerImage:
        """An image in a repository of yours.

        :param tag: Image tag. Default: ``latest`` when no digest is given (mutable: prefer a digest).
        :param digest: Image digest ``sha256:<64 hex>``. Pins the image, so cached and pulled copies match.
        """
        if tag is not None and digest is not None:
            raise invalid(
                "ContainerImage", f"from_ecr_repository takes tag or digest, not both; got tag={tag!r}, digest={digest!r}"
            )
        if digest is not None and not Token.is_unresolved(digest) and not _DIGEST.match(digest):
            raise invalid("ContainerImage", f"digest must look like 'sha256:<64 lowercase hex>', got {digest!r}")
        return _RepositoryImage(repository, tag, digest)

    @staticmethod
    def from_image_uri(uri: str) -> ContainerImage:
        """An image by its full ECR URI, ``<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]``.

        The URI may be a token (a ``CfnParameter``). Its account, region and repository are then read from it at
        deploy time, which assumes a repository name without ``/``; for a namespaced repository use
        ``from_ecr_repository``, with ``ecr.Repository.from_repository_name`` for a token name.
        """
        if not Token.is_unresolved(uri) and parse_ecr_image_uri(uri) is None:
            raise invalid(
                "ContainerImage",
                "image must be an Amazon ECR image URI like "
                f"'123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag' or '...repo@sha256:<digest>', got {uri!r}",
            )
        return _UriImage(uri)

    @staticmethod
    def lmi(version: str = LMI_LATEST, *, digest: str | None = None) -> ContainerImage:
        """AWS's Large Model Inference container (``djl-inference``) for the stack's region.

        :param version: LMI release, one of ``LMI_TAGS``. Default: the newest listed release.
        :param digest: Pin the image by digest instead of the release tag. Default: the release tag.
        """
        if version not in LMI_TAGS:
            raise invalid("ContainerImage", f"LMI version must be one of {', '.join(LMI_TAGS)}, got {version!r}")
        if digest is not None and not Token.is_unresolved(digest) and not _DIGEST.match(digest):
            raise invalid("ContainerImage", f"digest must look like 'sha256:<64 lowercase hex>', got {digest!r}")
        return _LmiImage(version, digest)


class _RepositoryImage(ContainerImage):
    def __init__(self, repository: ecr.IRepository, tag: str | None, digest: str | None) -> None:
        self._repository, self._tag, self._digest = repository, tag, digest

    def bind(self, scope: Construct) -> BoundImage:
        if self._digest is not None:
            uri = self._repository.repository_uri_for_digest(self._digest)
        else:
            uri = self._repository.repository_uri_for_tag("latest" if self._tag is None else self._tag)
        tag = None if self._digest is not None else "latest" if self._tag is None else self._tag
        return BoundImage(
            uri, self._repository, self._repository.node.path, _parse(uri), pinned=self._digest is not None, tag=tag
        )


class _UriImage(ContainerImage):
    def __init__(self, uri: str) -> None:
        self._uri = uri

    def bind(self, scope: Construct) -> BoundImage:
        parsed = _parse(self._uri)
        if parsed is None:  # a token: account, region and repository are read from the URI at deploy time
            return _bind_token_uri(scope, self._uri)
        key = f"{parsed.account}/{parsed.region}/{parsed.repository}"
        repository = _repository(scope, key, parsed.account, parsed.region, parsed.repository)
        return BoundImage(self._uri, repository, key, parsed, pinned=parsed.pinned)


class _LmiImage(ContainerImage):
    def __init__(self, version: str, digest: str | None) -> None:
        self._version, self._digest = version, digest

    def bind(self, scope: Construct) -> BoundImage:
        facts = stack_facts(scope)
        if facts.region is None:
            stack = facts.stack
            region = stack.region
            account = _dlc_account_mapping(stack).find_in_map(region, "account")
            suffix = Aws.URL_SUFFIX
        else:
            region = facts.region
            if region not in DLC_ACCOUNTS:
                raise invalid(
                    "ContainerImage",
                    f"ContainerImage.lmi has no registry for region {region!r}; known regions: "
                    f"{', '.join(sorted(DLC_ACCOUNTS))}. Use from_image_uri with the image URI for that region.",
                    path_of(scope),
                )
            account = DLC_ACCOUNTS[region]
            suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        reference = f"@{self._digest}" if self._digest is not None else f":{LMI_TAGS[self._version]}"
        uri = f"{account}.dkr.ecr.{region}.{suffix}/{LMI_REPOSITORY}{reference}"
        key = f"aws-dlc/{region}/{LMI_REPOSITORY}"
        repository = _repository(scope, key, account, region, LMI_REPOSITORY)
        cuda = re.search(r"-cu(\d+)$", LMI_TAGS[self._version])
        return BoundImage(
            uri, repository, key, _parse(uri), pinned=self._digest is not None,
            cuda_major=int(cuda.group(1)) // 10 if cuda else None,
        )  # fmt: skip


def _bind_token_uri(scope: Construct, uri: str) -> BoundImage:
    """``<account>.dkr.ecr.<region>.<suffix>/<repository>[:tag|@digest]`` split with intrinsic functions."""
    host, path = Fn.select(0, Fn.split("/", uri, 2)), Fn.select(1, Fn.split("/", uri, 2))
    account, region = Fn.select(0, Fn.split(".", host)), Fn.select(3, Fn.split(".", host))
    repository = Fn.select(0, Fn.split("@", Fn.select(0, Fn.split(":", path))))
    key = f"uri/{uri}"  # one import per token URI
    repository_import = _repository(scope, key, account, region, repository)
    return BoundImage(uri, repository_import, key, None, pinned=None, from_token_uri=True)


def _parse(uri: str) -> EcrImage | None:
    return None if "${Token[" in uri and Token.is_unresolved(uri) else parse_ecr_image_uri(uri)


def _repository(scope: Construct, key: str, account: str, region: str, name: str) -> ecr.IRepository:
    """The imported repository for ``key``, created once per stack (an import has no resources)."""
    facts = stack_facts(scope)
    child_id = f"ImageRepository{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    existing = facts.imports.get(child_id)  # kept in Python: a tree lookup per component costs jsii calls
    if existing is None:
        existing = facts.stack.node.try_find_child(child_id)
    if existing is None:
        arn = f"arn:{partition_token()}:ecr:{region}:{account}:repository/{name}"
        existing = ecr.Repository.from_repository_attributes(
            facts.stack, child_id, repository_arn=arn, repository_name=name
        )
    facts.imports[child_id] = existing
    return existing  # type: ignore[return-value]


def _dlc_account_mapping(stack: Stack) -> CfnMapping:
    mapping_id = "ConstructsPkgDlcAccounts"
    existing = stack.node.try_find_child(mapping_id)
    if existing is not None:
        return existing  # type: ignore[return-value]
    return CfnMapping(
        stack,
        mapping_id,
        mapping={region: {"account": account} for region, account in DLC_ACCOUNTS.items()},
        lazy=True,
    )


class ModelData:
    """Model artifacts in Amazon S3 (a ``.tar.gz``). The endpoint's role gets ``s3:GetObject`` on exactly that object."""

    def __init__(self, uri: str, object_arn: str, bucket: s3.IBucket | None, *, from_token_uri: bool = False) -> None:
        self.uri = uri
        #: True when the URI was given as a token (``from_s3_uri`` with a ``CfnParameter``): its form is unchecked.
        self.from_token_uri = from_token_uri
        self._object_arn = object_arn
        self._bucket = bucket

    @staticmethod
    def from_s3_uri(uri: str) -> ModelData:
        """Artifacts by URI, ``s3://bucket/key``. A token URI (a ``CfnParameter``) is read at deploy time."""
        if Token.is_unresolved(uri):
            object_arn = f"arn:{Aws.PARTITION}:s3:::{Fn.select(1, Fn.split('s3://', uri, 2))}"
            return ModelData(uri, object_arn, None, from_token_uri=True)
        match = _S3_URI.match(uri)
        if not match:
            raise invalid("ModelData", f"model data URI must look like 's3://bucket/key', got {uri!r}")
        _check_archive_key(match.group("key"), uri)
        return ModelData(uri, f"arn:{Aws.PARTITION}:s3:::{match.group('bucket')}/{match.group('key')}", None)

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> ModelData:
        """Artifacts in a bucket of yours; also grants ``kms:Decrypt`` when the bucket has a customer key."""
        if not Token.is_unresolved(key) and (not key or key.startswith("/")):
            raise invalid(
                "ModelData", f"model data key must be a non-empty object key without a leading '/', got {key!r}"
            )
        if not Token.is_unresolved(key):
            _check_archive_key(key, key)
        return ModelData(f"s3://{bucket.bucket_name}/{key}", bucket.arn_for_objects(key), bucket)

    def grant_read(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(grantee=grantee, actions=["s3:GetObject"], resource_arns=[self._object_arn])
        if self._bucket is not None and self._bucket.encryption_key is not None:
            self._bucket.encryption_key.grant_decrypt(grantee)


def _check_archive_key(key: str, given: str) -> None:
    """``ArtifactUrl`` and ``ModelDataUrl``: "This path must point to a single gzip compressed tar archive (.tar.gz
    suffix)." (botocore). A key prefix is refused with the way to serve it."""
    if key.endswith("/"):
        raise invalid(
            "ModelData",
            f"model data URI {given!r} is an S3 key prefix, but ModelData is one .tar.gz archive (\"This path must "
            "point to a single gzip compressed tar archive (.tar.gz suffix).\"); for uncompressed files use "
            "S3ModelData.from_s3_prefix (a component then runs them through a Model)",
        )
    if not key.endswith(".tar.gz"):
        raise invalid(
            "ModelData",
            f"model data URI {given!r} must end with .tar.gz (\"This path must point to a single gzip compressed tar "
            "archive (.tar.gz suffix).\"); for another single file use S3ModelData.from_s3_object",
        )


def grant_model_access(
    role: iam.IRole, image: BoundImage, model_data: ModelData | None, pulled: set[str] | None = None
) -> None:
    """ECR pull of ``image`` (once per repository, tracked in ``pulled``) and read of ``model_data``."""
    if pulled is None or image.repository_key not in pulled:
        image.repository.grant_pull(role)
        if pulled is not None:
            pulled.add(image.repository_key)
    if model_data is not None:
        model_data.grant_read(role)
