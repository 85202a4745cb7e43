import pytest

from constructs_pkg.runtime.eligibility import (
    instance_family,
    is_accelerator_instance,
    is_commercial_region,
    parse_ecr_image_uri,
    static_findings,
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
