import pytest

from constructs_pkg.runtime.eligibility import (
    REASONS_MAX_BYTES,
    ImageCheck,
    evaluate,
    instance_family,
    is_accelerator_instance,
    is_commercial_region,
    parse_ecr_image_uri,
    static_findings,
    summarize,
    tag_is_immutable,
)

DIGEST = "sha256:" + "b" * 64


@pytest.mark.parametrize(
    ("instance_type", "family", "accelerator"),
    [
        ("ml.g6.2xlarge", "g6", True),
        ("ml.p6-b200.48xlarge", "p6-b200", True),
        ("ml.inf2.xlarge", "inf2", True),
        ("ml.m5.xlarge", "m5", False),
        ("g6.2xlarge", None, False),
    ],
)
def test_instance_family(instance_type, family, accelerator):
    assert instance_family(instance_type) == family
    assert is_accelerator_instance(instance_type) is accelerator


def test_parse_ecr_uri_with_tag():
    image = parse_ecr_image_uri("763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.36.0-lmi27.0.0-cu130")
    assert image.account == "763104351884"
    assert image.region == "us-east-1"
    assert image.repository == "djl-inference"
    assert image.tag == "0.36.0-lmi27.0.0-cu130"
    assert image.pinned is False


def test_parse_ecr_uri_with_digest_and_china_suffix():
    image = parse_ecr_image_uri(f"727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/team/llm@{DIGEST}")
    assert (image.repository, image.digest, image.tag, image.pinned) == ("team/llm", DIGEST, None, True)


@pytest.mark.parametrize(
    "uri",
    ["nginx:latest", "public.ecr.aws/lambda/python:3.13", "ghcr.io/org/image:1", "123.dkr.ecr.us-east-1.amazonaws.com/x"],
)
def test_non_ecr_uris_are_rejected(uri):
    assert parse_ecr_image_uri(uri) is None


@pytest.mark.parametrize(
    ("region", "commercial"),
    [("us-east-1", True), ("eu-west-1", True), ("us-gov-west-1", False), ("cn-north-1", False),
     ("us-iso-east-1", False), ("eusc-de-east-1", False)],
)  # fmt: skip
def test_commercial_regions(region, commercial):
    assert is_commercial_region(region) is commercial


def test_static_findings_lists_every_reason():
    findings = static_findings(instance_type="ml.m5.xlarge", image_uris=["nginx:1"], region="us-gov-west-1")
    assert len(findings) == 3
    assert "ml.m5.xlarge" in findings[0] and "nginx:1" in findings[1] and "us-gov-west-1" in findings[2]


def test_static_findings_empty_when_eligible_and_region_unknown():
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/llm@{DIGEST}"
    assert static_findings(instance_type="ml.g6.2xlarge", image_uris=[uri], region=None) == []


@pytest.mark.parametrize(
    ("reference", "image_id"),
    [("", {"imageTag": "latest"}), (":v2", {"imageTag": "v2"}), (f"@{DIGEST}", {"imageDigest": DIGEST})],
)
def test_an_untagged_uri_means_latest(reference, image_id):
    """"If you don't specify a tag, Docker uses the latest tag as a default" (Docker docs, docker image pull)."""
    assert parse_ecr_image_uri(f"123456789012.dkr.ecr.us-east-1.amazonaws.com/llm{reference}").image_id == image_id


@pytest.mark.parametrize(
    ("mutability", "immutable"),
    [(None, False), ("MUTABLE", False), ("IMMUTABLE", True), ("IMMUTABLE_WITH_EXCLUSION", None), ("MUTABLE_WITH_EXCLUSION", None)],
)
def test_a_missing_tag_mutability_is_ecr_default_mutable(mutability, immutable):
    assert tag_is_immutable(mutability) is immutable


def test_mutable_images_share_one_reason_and_reasons_are_cut_with_a_count():
    uris = [f"123456789012.dkr.ecr.us-east-1.amazonaws.com/llm:build-{i:03d}-{'x' * 80}" for i in range(40)]
    report = evaluate(instance_type="ml.g6.2xlarge", region="us-east-1",
                      images=[ImageCheck(u, exists=True, pinned=False) for u in uris])  # fmt: skip
    assert len(report.reasons) == 1 and report.reasons[0].startswith("40 images use a mutable tag")
    reasons = report.as_data()["Reasons"]
    assert len(reasons) <= REASONS_MAX_BYTES and reasons.endswith("(1 reasons in all; the cache-eligibility log line lists them)")
    assert summarize([]) == "none" and summarize(["a", "b"]) == "a; b"
