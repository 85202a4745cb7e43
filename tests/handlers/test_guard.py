"""The cache guard's handlers over Create, Update and Delete, and the fault matrix: for each case, what the
stack sees (the returned dict or the raised error) and what was recorded (log line, CloudWatch metric)."""

from __future__ import annotations

import json
import logging

import pytest

from constructs_pkg.runtime import names
from constructs_pkg.runtime.aws import GUARD_IS_COMPLETE, GUARD_ON_EVENT
from constructs_pkg.runtime.guard import CacheGuard, CacheIneligible, MalformedEvent

from .. import fixtures
from .conftest import ENDPOINT, REGION, cfn_event

IMAGES = "ecr/describe_images/tagged_image"
_IMAGE = fixtures.response(IMAGES)["imageDetails"][0]
REGISTRY, REPOSITORY, TAG = _IMAGE["registryId"], _IMAGE["repositoryName"], _IMAGE["imageTags"][0]
DIGEST, SIZE = _IMAGE["imageDigest"], str(_IMAGE["imageSizeInBytes"])


def image_uri(*, region: str = REGION, tag: str = TAG, digest: str | None = None) -> str:
    reference = f"@{digest}" if digest else f":{tag}"
    return f"{REGISTRY}.dkr.ecr.{region}.amazonaws.com/{REPOSITORY}{reference}"


def ecr(aws):
    return aws.stub("ecr", "describe_images", "describe_repositories")


def serve_image(aws, *, mutability: str = "mutable", tag: str = TAG):
    stubber = ecr(aws)
    fixtures.stub(stubber, IMAGES, {"registryId": REGISTRY, "repositoryName": REPOSITORY, "imageIds": [{"imageTag": tag}]})
    fixtures.stub(stubber, f"ecr/describe_repositories/{mutability}",
                  {"registryId": REGISTRY, "repositoryNames": [REPOSITORY]})  # fmt: skip
    return stubber


def guard(aws, event, *, region=REGION, now=lambda: 1000.0):
    """The guard as its function runs it: on_event's budget, or is_complete's for a Delete (both from runtime/aws.py)."""
    budget = GUARD_IS_COMPLETE if event.get("RequestType") == "Delete" else GUARD_ON_EVENT
    return CacheGuard(event, aws.invocation(budget), region=region, now=now)


def _logged(caplog, kind: str) -> list[dict]:
    return [r for r in (json.loads(m) for m in caplog.messages if m.startswith("{")) if r["event"] == kind]


# Create / Update ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_eligible_immutable_image(aws, caplog, request_type):
    caplog.set_level(logging.INFO)
    serve_image(aws, mutability="immutable")
    result = guard(aws, cfn_event(request_type, props={"ImageUris": [image_uri()]})).on_event()
    assert result["PhysicalResourceId"] == f"cache-guard/{ENDPOINT}"
    assert result["Data"] == {"Eligible": "true", "Pinned": "true", "ImageBytes": SIZE, "Reasons": "none"}
    (line,) = _logged(caplog, "cache-eligibility")
    assert (line["endpoint"], line["Eligible"]) == (ENDPOINT, "true")
    assert guard(aws, cfn_event(request_type)).is_complete() == {"IsComplete": True}


def test_mutable_tag_is_reported_as_drift_but_stays_eligible(aws):
    serve_image(aws)
    uri = image_uri()
    data = guard(aws, cfn_event("Create", props={"ImageUris": [uri]})).on_event()["Data"]
    assert (data["Eligible"], data["Pinned"]) == ("true", "false")
    assert "mutable tag" in data["Reasons"] and uri in data["Reasons"]


def test_digest_reference_is_pinned_without_asking_the_repository(aws):
    fixtures.stub(ecr(aws), IMAGES, {"registryId": REGISTRY, "repositoryName": REPOSITORY,
                                     "imageIds": [{"imageDigest": DIGEST}]})  # fmt: skip
    data = guard(aws, cfn_event("Create", props={"ImageUris": [image_uri(digest=DIGEST)]})).on_event()["Data"]
    assert data == {"Eligible": "true", "Pinned": "true", "ImageBytes": SIZE, "Reasons": "none"}


def test_throttling_that_clears_is_retried(aws):
    stubber = ecr(aws)
    stubber.add_client_error("describe_images", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_client_error("describe_images", "ThrottlingException", "Rate exceeded", 400)
    fixtures.stub(stubber, IMAGES)
    data = guard(aws, cfn_event("Create", props={"ImageUris": [image_uri(digest=DIGEST)]})).on_event()["Data"]
    assert (data["Eligible"], data["ImageBytes"]) == ("true", SIZE)
    assert aws.sleeps == [0.5, 1.0]


def test_throttling_that_persists_becomes_unknown(aws):
    stubber = ecr(aws)
    for _ in range(GUARD_ON_EVENT.call.attempts):
        stubber.add_client_error("describe_images", "ThrottlingException", "Rate exceeded", 400)
    data = guard(aws, cfn_event("Create", props={"ImageUris": [image_uri(digest=DIGEST)]})).on_event()["Data"]
    assert data["Eligible"] == "unknown"
    assert "could not check image" in data["Reasons"] and "ThrottlingException" in data["Reasons"]
    assert aws.sleeps == [0.5, 1.0, 2.0]  # 4 attempts (GUARD_ON_EVENT)


@pytest.mark.parametrize("mode", ["WARN", "ENFORCE"])
def test_access_denied_is_unknown_never_a_pass(aws, mode):
    stubber = ecr(aws)
    uri = f"763104351884.dkr.ecr.{REGION}.amazonaws.com/djl-inference:0.36.0-lmi27.0.0-cu130"
    stubber.add_client_error("describe_images", "AccessDeniedException", "not authorized", 400)
    stubber.add_client_error("describe_repositories", "AccessDeniedException", "not authorized", 400)
    data = guard(aws, cfn_event("Create", props={"ImageUris": [uri], "Mode": mode})).on_event()["Data"]
    assert (data["Eligible"], data["Pinned"]) == ("unknown", "unknown")  # ENFORCE does not fail on unknown
    assert f"could not check image {uri}: AccessDeniedException" in data["Reasons"]
    assert "could not read tag mutability" in data["Reasons"]


def test_missing_image_is_ineligible_when_warning(aws):
    stubber = ecr(aws)
    stubber.add_client_error("describe_images", "ImageNotFoundException", "no such tag", 400)
    fixtures.stub(stubber, "ecr/describe_repositories/mutable")
    uri = image_uri(tag="v2")
    data = guard(aws, cfn_event("Create", props={"ImageUris": [uri]})).on_event()["Data"]
    assert data["Eligible"] == "false"
    assert f"image {uri} not found in ECR (ImageNotFoundException)" in data["Reasons"]


STACKS = "cloudformation/describe_stacks/"


def stack_status(aws, fixture: str = STACKS + "update_in_progress", *, status: str | None = None):
    """Serve the guard's DescribeStacks of its own stack (``status`` replaces the cited fixture's, when given)."""
    stubber = aws.stub("cloudformation", "describe_stacks")
    edit = None if status is None else (lambda answer, _: answer["Stacks"][0].update(StackStatus=status))
    stack_id = cfn_event("Update")["StackId"]
    fixtures.stub(stubber, fixture, {"StackName": stack_id}, edit=edit)
    return stubber


def test_missing_repository_fails_the_deployment_when_enforcing(aws):
    stubber = ecr(aws)
    stubber.add_client_error("describe_images", "RepositoryNotFoundException", "no such repository", 400)
    stubber.add_client_error("describe_repositories", "RepositoryNotFoundException", "no such repository", 400)
    stack_status(aws, status="CREATE_IN_PROGRESS")
    with pytest.raises(CacheIneligible, match=rf"would not apply to endpoint {ENDPOINT}: image .* RepositoryNotFoundException"):
        guard(aws, cfn_event("Create", props={"ImageUris": [image_uri()], "Mode": "ENFORCE"})).on_event()


@pytest.mark.parametrize(
    ("props", "region", "reason"),
    [
        ({"InstanceType": "ml.m5.xlarge"}, REGION, "not an accelerator instance type"),
        ({}, "us-gov-west-1", "region us-gov-west-1 is not a commercial AWS Region"),
        ({"ImageUris": ["docker.io/library/nginx:1"]}, REGION, "is not in Amazon ECR"),
    ],
)
def test_static_rules_apply_at_deploy_time(aws, props, region, reason):
    data = guard(aws, cfn_event("Create", props=props), region=region).on_event()["Data"]
    assert data["Eligible"] == "false"
    assert reason in data["Reasons"]


def test_image_in_another_region_is_checked_there(aws):
    serve_image(aws, mutability="immutable")
    uri = image_uri(region="eu-west-1")
    assert guard(aws, cfn_event("Create", props={"ImageUris": [uri]})).on_event()["Data"]["Eligible"] == "true"
    assert aws.regions_asked("ecr") == ["eu-west-1"]


# Delete -------------------------------------------------------------------------------------------------------


def test_delete_records_its_start(aws):
    result = guard(aws, cfn_event("Delete"), now=lambda: 1234.5).on_event()
    assert result == {"PhysicalResourceId": f"cache-guard/{ENDPOINT}", "Data": {"DeleteStartedAt": "1234.5"}}


def test_purge_verified_when_endpoint_and_components_are_gone(aws, caplog):
    caplog.set_level(logging.INFO)
    stubber = aws.stub("sagemaker", "describe_endpoint", "list_inference_components")
    stubber.add_client_error("describe_endpoint", "ValidationException", f"Could not find endpoint {ENDPOINT}.", 400)
    fixtures.stub(stubber, "sagemaker/list_inference_components/none_in_two_pages",
                  lambda page: {"EndpointNameEquals": ENDPOINT, **({"NextToken": "page-2"} if page else {})})  # fmt: skip
    event = cfn_event("Delete", data={"DeleteStartedAt": "1000"})
    result = guard(aws, event, now=lambda: 1090.0).is_complete()
    assert result == {"IsComplete": True, "Data": {"PurgeVerified": "true", "PurgeSeconds": "90"}}
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == [1.0]
    assert aws.metric_values(names.CACHE_PURGE_VERIFICATION_SECONDS) == [90.0]
    (line,) = _logged(caplog, "cache-purge")
    assert line == {"event": "cache-purge", "endpoint": ENDPOINT, "verified": True, "seconds": 90, "remaining": []}


def _endpoint_deleting(aws, times: int = 1):
    stubber = aws.stub("sagemaker", "describe_endpoint", "list_inference_components")
    for _ in range(times):
        fixtures.stub(stubber, "sagemaker/describe_endpoint/deleting", {"EndpointName": ENDPOINT})
        fixtures.stub(stubber, "sagemaker/list_inference_components/none")
    return stubber


def test_endpoint_still_deleting_keeps_polling_without_recording(aws):
    _endpoint_deleting(aws)
    result = guard(aws, cfn_event("Delete", data={"DeleteStartedAt": "1000"}), now=lambda: 1100.0).is_complete()
    assert result == {"IsComplete": False}
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == []


def test_endpoint_stuck_past_timeout_records_zero_and_lets_the_deletion_finish(aws, caplog):
    caplog.set_level(logging.INFO)
    _endpoint_deleting(aws)
    result = guard(aws, cfn_event("Delete", data={"DeleteStartedAt": "1000"}), now=lambda: 1601.0).is_complete()
    assert result == {"IsComplete": True, "Data": {"PurgeVerified": "false", "PurgeSeconds": "601"}}
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == [0.0]
    (line,) = _logged(caplog, "cache-purge")
    assert line["verified"] is False and line["remaining"] == [f"endpoint {ENDPOINT} is Deleting"]


def test_endpoint_stuck_past_timeout_lets_the_deletion_finish_when_enforcing_too(aws):
    """Stuck stack, before: ENFORCE raised PurgeNotVerified on Delete (DELETE_FAILED). After: the same verdict as WARN."""
    _endpoint_deleting(aws)
    event = cfn_event("Delete", props={"Mode": "ENFORCE"}, data={"DeleteStartedAt": "1000"})
    result = guard(aws, event, now=lambda: 1601.0).is_complete()
    assert result == {"IsComplete": True, "Data": {"PurgeVerified": "false", "PurgeSeconds": "601"}}
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == [0.0]


def test_components_left_behind_are_named(aws, caplog):
    caplog.set_level(logging.INFO)
    stubber = aws.stub("sagemaker", "describe_endpoint", "list_inference_components")
    stubber.add_client_error("describe_endpoint", "ValidationException", f"Could not find endpoint {ENDPOINT}.", 400)
    fixtures.stub(stubber, "sagemaker/list_inference_components/two_left")
    event = cfn_event("Delete", props={"Mode": "ENFORCE"}, data={"DeleteStartedAt": "0"})
    assert guard(aws, event, now=lambda: 700.0).is_complete()["Data"]["PurgeVerified"] == "false"
    (line,) = _logged(caplog, "cache-purge")
    assert line["remaining"] == ["inference components still present: qwen-a, qwen-b"]


def test_access_denied_while_verifying_is_not_a_pass(aws):
    stubber = aws.stub("sagemaker", "describe_endpoint", "list_inference_components")
    stubber.add_client_error("describe_endpoint", "AccessDeniedException", "no", 400)
    fixtures.stub(stubber, "sagemaker/list_inference_components/none")
    result = guard(aws, cfn_event("Delete", data={"DeleteStartedAt": "0"}), now=lambda: 700.0).is_complete()
    assert result["Data"]["PurgeVerified"] == "false"
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == [0.0]


def test_a_lost_metric_does_not_block_the_deletion(aws, caplog):
    caplog.set_level(logging.INFO)
    stubber = aws.stub("sagemaker", "describe_endpoint", "list_inference_components")
    stubber.add_client_error("describe_endpoint", "ValidationException", f"Could not find endpoint {ENDPOINT}.", 400)
    fixtures.stub(stubber, "sagemaker/list_inference_components/none")
    aws.stub("cloudwatch", "put_metric_data").add_client_error("put_metric_data", "AccessDenied", "no", 403)
    result = guard(aws, cfn_event("Delete", data={"DeleteStartedAt": "0"}), now=lambda: 10.0).is_complete()
    assert result["IsComplete"] is True
    assert _logged(caplog, "cache-purge-metric-failed")[0]["error"] == "AccessDenied"


# Malformed events ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (cfn_event("Create", RequestType="Upsert"), "RequestType must be Create, Update or Delete, got 'Upsert'"),
        (cfn_event("Create", ResourceProperties=None), "ResourceProperties is missing"),
        (cfn_event("Create", props={"Mode": "LOUD"}), "Mode must be WARN or ENFORCE, got 'LOUD'"),
        (cfn_event("Create", props={"ImageUris": "a,b"}), "ImageUris must be a list of strings"),
        (cfn_event("Update", props={"PurgeTimeoutSeconds": "soon"}), "PurgeTimeoutSeconds must be a number, got 'soon'"),
    ],
)
def test_malformed_create_or_update_fails_with_the_reason(aws, event, message):
    with pytest.raises(MalformedEvent, match=message):
        guard(aws, event).on_event()


def test_malformed_delete_never_blocks_the_stack(aws, caplog):
    caplog.set_level(logging.INFO)
    event = cfn_event("Delete", physical_id="cache-guard/x")
    event["ResourceProperties"] = {"ServiceToken": event["ResourceProperties"]["ServiceToken"]}
    assert guard(aws, event, now=lambda: 5.0).on_event() == {"PhysicalResourceId": "cache-guard/x",
                                                             "Data": {"DeleteStartedAt": "5.0"}}  # fmt: skip
    assert guard(aws, event).is_complete() == {"IsComplete": True, "Data": {"PurgeVerified": "unknown"}}
    assert "lacks EndpointName" in _logged(caplog, "cache-guard-malformed-delete")[0]["error"]
