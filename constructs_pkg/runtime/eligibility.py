"""Pure rules for AWS's SageMaker container image cache (launched 2026-06-16).

The cache has no API, so eligibility can only be inferred from three facts (fact sheet, section 6):
the instance type is an accelerator type, the image lives in Amazon ECR, and the region is commercial.
The constructs call these functions at synth time; the cache guard Lambda calls the same ones at deploy time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

#: Accelerator families in the ProductionVariantInstanceType enum of botocore 1.44.5.
ACCELERATOR_FAMILIES: frozenset[str] = frozenset(
    {
        "g4dn", "g5", "g6", "g6e", "g7", "g7e",
        "p2", "p3", "p4d", "p4de", "p5", "p5e", "p5en", "p6-b200", "p6-b300", "p6e-gb200",
        "inf1", "inf2", "trn1", "trn1n", "trn2", "dl1",
    }
)  # fmt: skip

#: Families in the enum whose container-cache support AWS has not stated (fact sheet, section 6).
CACHE_SUPPORT_UNKNOWN_FAMILIES: frozenset[str] = frozenset({"p2", "p3", "dl1"})

_INSTANCE_TYPE = re.compile(r"^ml\.(?P<family>[a-z0-9-]+)\.(?P<size>[a-z0-9-]+)$")
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9][a-z0-9._/-]*)"
    r"(?:(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))|(?:@(?P<digest>sha256:[a-f0-9]{64})))?$"
)
_NON_COMMERCIAL_REGION_PREFIXES = ("us-gov-", "cn-", "us-iso", "eusc-")
#: The tag an ECR URI without a tag or digest means.
DEFAULT_TAG = "latest"
#: ECR's tag mutability when a repository does not state one: "If this parameter is omitted, the default setting of
#: MUTABLE will be used" (ECR API Reference, CreateRepository imageTagMutability).
DEFAULT_TAG_MUTABILITY = "MUTABLE"
#: The largest ``Reasons`` attribute, JSON-encoded: with the other attributes and the Provider framework's envelope
#: (StackId, RequestId, LogicalResourceId, PhysicalResourceId) the reply stays under CloudFormation's 4096 bytes.
REASONS_MAX_BYTES = 2048


def instance_family(instance_type: str) -> str | None:
    """``ml.g6.2xlarge`` -> ``g6``; None when the string is not a SageMaker instance type."""
    match = _INSTANCE_TYPE.match(instance_type)
    return match.group("family") if match else None


def is_accelerator_instance(instance_type: str) -> bool:
    return instance_family(instance_type) in ACCELERATOR_FAMILIES


@dataclass(frozen=True)
class EcrImage:
    """An image URI in Amazon ECR, split into its parts."""

    account: str
    region: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def pinned(self) -> bool:
        """True when the URI names an image digest, so every instance runs the same bytes."""
        return self.digest is not None

    @property
    def image_id(self) -> dict[str, str]:
        """The ``ImageIdentifier`` to ask ECR for: the digest, else the tag. A URI with neither means the tag
        ``latest``, as for ``docker pull`` ("If you don't specify a tag, Docker uses the latest tag as a default",
        Docker docs, docker image pull)."""
        if self.digest is not None:
            return {"imageDigest": self.digest}
        return {"imageTag": DEFAULT_TAG if self.tag is None else self.tag}


def parse_ecr_image_uri(uri: str) -> EcrImage | None:
    """Split an ECR image URI; None when ``uri`` is not an ECR URI (Docker Hub, public ECR, ...)."""
    match = _ECR_URI.match(uri)
    if not match:
        return None
    return EcrImage(
        account=match.group("account"),
        region=match.group("region"),
        repository=match.group("repository"),
        tag=match.group("tag") if match.group("digest") is None else None,
        digest=match.group("digest"),
    )


def tag_is_immutable(mutability: str | None) -> bool | None:
    """Whether a repository's ``imageTagMutability`` pins its tags: True for IMMUTABLE, False for MUTABLE or when
    absent (ECR's default), None for any other value (``IMMUTABLE_WITH_EXCLUSION``, ...: it depends on the tag)."""
    value = DEFAULT_TAG_MUTABILITY if mutability is None else mutability
    if value in ("IMMUTABLE", "MUTABLE"):
        return value == "IMMUTABLE"
    return None


def is_commercial_region(region: str) -> bool:
    """False for GovCloud, China, ISO and the European Sovereign Cloud partitions."""
    return not region.startswith(_NON_COMMERCIAL_REGION_PREFIXES)


def static_findings(*, instance_type: str, image_uris: list[str], region: str | None) -> list[str]:
    """Reasons the cache cannot apply, from facts known without calling AWS. Empty means eligible so far.

    ``region`` None means unknown (an environment-agnostic stack); it is then not judged here.
    """
    findings: list[str] = []
    family = instance_family(instance_type)
    if family not in ACCELERATOR_FAMILIES:
        findings.append(f"instance type {instance_type} is not an accelerator instance type")
    for uri in image_uris:
        if parse_ecr_image_uri(uri) is None:
            findings.append(f"image {uri} is not in Amazon ECR")
    if region is not None and not is_commercial_region(region):
        findings.append(f"region {region} is not a commercial AWS Region")
    return findings


def mutable_tag_finding(image: str) -> str:
    """The finding for an image named by a tag its repository lets be moved (at deploy time, and at synth time when
    the repository is defined in the same app)."""
    return f"image {image} uses a mutable tag: cached and freshly pulled instances may drift"


@dataclass(frozen=True)
class ImageCheck:
    """What ECR said about one image. None means the check could not run (see ``notes``)."""

    uri: str
    exists: bool | None
    size_bytes: int | None = None
    pinned: bool | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """The verdict the cache guard returns to CloudFormation."""

    eligible: str  # "true" | "false" | "unknown"
    pinned: str  # "true" | "false" | "unknown"
    image_bytes: int
    reasons: tuple[str, ...]

    def as_data(self) -> dict[str, str]:
        """CloudFormation attributes (strings only)."""
        return {
            "Eligible": self.eligible,
            "Pinned": self.pinned,
            "ImageBytes": str(self.image_bytes),
            "Reasons": summarize(self.reasons),
        }


def summarize(reasons: tuple[str, ...] | list[str], limit: int = REASONS_MAX_BYTES) -> str:
    """``reasons`` joined by "; ", cut to ``limit`` bytes once JSON-encoded, with how many there were (all of them
    are in the guard's log line). "none" when there are none."""
    if not reasons:
        return "none"
    text = "; ".join(reasons)
    suffix = f" ... ({len(reasons)} reasons in all; the cache-eligibility log line lists them)"
    while _size(text) > limit:
        text = text[: max(0, len(text) - (_size(text + suffix) - limit) - 1)]
        if _size(text + suffix) <= limit:
            return text.rstrip() + suffix
    return text


def _size(text: str) -> int:
    return len(json.dumps(text))


def _verdict(values: list[bool | None]) -> str:
    if any(value is False for value in values):
        return "false"
    return "unknown" if any(value is None for value in values) else "true"


def evaluate(*, instance_type: str, region: str | None, images: list[ImageCheck]) -> Report:
    """Combine the static rules with what ECR said. A check that could not run makes the verdict unknown, never true."""
    reasons = static_findings(instance_type=instance_type, image_uris=[i.uri for i in images], region=region)
    family = instance_family(instance_type)
    facts: list[bool | None] = [not reasons]
    if family in CACHE_SUPPORT_UNKNOWN_FAMILIES:
        reasons.append(f"AWS has not said whether the cache covers the {family} family")
        facts.append(None)
    drifting: list[str] = []
    for image in images:
        facts.append(image.exists)
        reasons.extend(image.notes)
        if image.pinned is False:
            drifting.append(image.uri)
    if len(drifting) == 1:
        reasons.append(mutable_tag_finding(drifting[0]))
    elif drifting:
        reasons.append(f"{len(drifting)} images use a mutable tag (cached and freshly pulled instances may drift): "
                       + ", ".join(drifting))  # fmt: skip
    return Report(
        eligible=_verdict(facts),
        pinned=_verdict([image.pinned for image in images]),
        image_bytes=sum(image.size_bytes or 0 for image in images),
        reasons=tuple(reasons),
    )
