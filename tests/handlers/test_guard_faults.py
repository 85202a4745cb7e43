"""Fault injection against the cache guard: one test per row, each stating its outcome. The outcome every row
protects is **no stuck stack**: Delete and rollback-Updates end in SUCCESS, no call outlives its function (the fake
clock of ``conftest.Aws`` advances by each sleep and each injected hang), and the reply fits CloudFormation's 4096 bytes.

Faults are botocore's own exceptions (ClientError with the service's code, ReadTimeoutError, ConnectTimeoutError,
EndpointConnectionError) raised where the client would raise them; answers come from cited fixtures through
Stubber, and ECR from moto where it serves the API.
"""

from __future__ import annotations

import json
import logging

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from constructs_pkg.runtime import eligibility, names
from constructs_pkg.runtime.aws import GUARD_IS_COMPLETE, GUARD_ON_EVENT
from constructs_pkg.runtime.guard import CacheGuard, CacheIneligible, MalformedEvent

from .. import fixtures
from .conftest import ENDPOINT, REGION, cfn_event
from .test_guard import DIGEST, IMAGES, REGISTRY, REPOSITORY, _logged, ecr, image_uri, stack_status

ON_EVENT_END = GUARD_ON_EVENT.timeout_s - GUARD_ON_EVENT.margin_s
IS_COMPLETE_END = GUARD_IS_COMPLETE.timeout_s - GUARD_IS_COMPLETE.margin_s


def client_error(code: str, operation: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def on_event(aws, event, **kwargs):
    return CacheGuard(event, aws.invocation(GUARD_ON_EVENT), region=REGION, **kwargs).on_event()


def is_complete(aws, event, *, now: float):
    return CacheGuard(event, aws.invocation(GUARD_IS_COMPLETE), region=REGION, now=lambda: now).is_complete()


def framework_reply(event: dict, result: dict) -> bytes:
    """The body the Provider framework PUTs to CloudFormation (aws-cdk-lib custom-resources runtime/cfn-response.js
    ``submitResponse``: Status, Reason, StackId, RequestId, PhysicalResourceId, LogicalResourceId, NoEcho, Data)."""
    body = {"Status": "SUCCESS", "Reason": "SUCCESS", "StackId": event["StackId"], "RequestId": event["RequestId"],
            "PhysicalResourceId": result["PhysicalResourceId"], "LogicalResourceId": event["LogicalResourceId"],
            "Data": result["Data"]}  # fmt: skip
    return json.dumps(body).encode()


def longest_event(request_type: str, **props) -> dict:
    """An event with the longest identifiers CloudFormation allows: a 128-character stack name, a 255-character
    logical ID (CloudFormation User Guide, quotas) and a 63-character endpoint name (SageMaker EndpointName pattern)."""
    event = cfn_event(request_type, props={"EndpointName": "e" * 63, **props})
    event["StackId"] = f"arn:aws-iso-b:cloudformation:us-isob-east-1:123456789012:stack/{'s' * 128}/5b9ef4f0-6a4f-11f1-9c6c-0e2b1f0e4d1b"
    event["LogicalResourceId"] = "L" * 255
    return event


# Create / Update ----------------------------------------------------------------------------------------------


def test_persistent_ecr_throttling_with_nine_images_ends_inside_on_event(aws, caplog):
    """Before: 5 tries per call, 15 s of backoff per image, 135 s for 9 images against a 120 s function: killed,
    the Provider reports FAILED even in WARN. After: no attempt starts past the deadline; what was not checked is
    'unknown' and the reply comes back in time."""
    caplog.set_level(logging.INFO)
    aws.fault("ecr", "describe_images", client_error("ThrottlingException", "DescribeImages"), seconds=1.0, times=None)
    aws.fault("ecr", "describe_repositories", client_error("ThrottlingException", "DescribeRepositories"), seconds=1.0,
              times=None)  # fmt: skip
    uris = [f"{REGISTRY}.dkr.ecr.{REGION}.amazonaws.com/repo-{i}:v1" for i in range(9)]
    data = on_event(aws, cfn_event("Create", props={"ImageUris": uris}))["Data"]
    assert aws.elapsed <= ON_EVENT_END
    assert data["Eligible"] == "unknown"
    (line,) = _logged(caplog, "cache-eligibility")
    assert any("not checked, the function's time ran out" in r for r in line["reasons"])
    assert any(f"could not check image {uris[0]}: ThrottlingException" == r for r in line["reasons"])


@pytest.fixture
def thirty_mutable_images(aws):
    """30 components, each with its own mutable tag of one long-named repository (moto's ECR)."""
    client = aws.boto("ecr")
    repository = "inference/" + "-".join(["very-long-model-serving-repository-name"] * 3)
    registry = client.create_repository(repositoryName=repository, imageTagMutability="MUTABLE")["repository"]["registryId"]
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                                      "digest": "sha256:" + "b" * 64}, "layers": []})  # fmt: skip
    uris = []
    for index in range(30):
        tag = f"qwen3-8b-lmi-0.36.0-cu130-build-{index:04d}-" + "x" * 40
        client.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)
        uris.append(f"{registry}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}")
    return uris


@pytest.mark.parametrize("mode", ["WARN", "ENFORCE"])
def test_thirty_components_of_mutable_tag_images_reply_under_4096_bytes(aws, caplog, thirty_mutable_images, mode):
    """Before: one reason per image, 24 or more components pushed the reply past 4096 bytes and Create failed even
    in WARN. After: images are checked once each, the mutable ones share one reason, Reasons is cut to 2048 bytes
    with a count, and the log line keeps every image."""
    caplog.set_level(logging.INFO)
    uris = thirty_mutable_images
    event = longest_event("Create", ImageUris=[*uris, *uris], Mode=mode)  # components sharing an image
    result = on_event(aws, event)
    assert len(framework_reply(event, result)) < 4096
    data = result["Data"]
    assert (data["Eligible"], data["Pinned"], data["ImageBytes"]) == ("true", "false", str(30 * 7023))
    assert data["Reasons"].startswith("30 images use a mutable tag")
    assert data["Reasons"].endswith("(1 reasons in all; the cache-eligibility log line lists them)")
    (line,) = _logged(caplog, "cache-eligibility")
    assert all(uri in line["reasons"][0] for uri in uris)


def test_thirty_components_that_cannot_be_checked_reply_under_4096_bytes(aws, thirty_mutable_images):
    """60 reasons (every image and repository refused): the reply still fits."""
    aws.fault("ecr", "describe_images", client_error("AccessDeniedException", "DescribeImages"), times=None)
    aws.fault("ecr", "describe_repositories", client_error("AccessDeniedException", "DescribeRepositories"), times=None)
    event = longest_event("Create", ImageUris=thirty_mutable_images)
    result = on_event(aws, event)
    assert len(framework_reply(event, result)) < 4096
    assert result["Data"]["Eligible"] == "unknown"
    assert "(31 reasons in all" in result["Data"]["Reasons"]  # 30 images, one repository read once
    assert aws.calls.count(("ecr", "describe_repositories")) == 1


def test_update_while_rolling_back_never_fails_when_enforcing(aws, caplog):
    """Before: ENFORCE raised CacheIneligible when the rollback's old image had left ECR: UPDATE_ROLLBACK_FAILED.
    After: DescribeStacks says UPDATE_ROLLBACK_IN_PROGRESS, so the verdict is reported and the rollback goes on."""
    caplog.set_level(logging.INFO)
    ecr(aws).add_client_error("describe_images", "ImageNotFoundException", "no such tag", 400)
    fixtures.stub(ecr(aws), "ecr/describe_repositories/immutable")
    stack_status(aws, "cloudformation/describe_stacks/update_rollback_in_progress")
    data = on_event(aws, cfn_event("Update", props={"ImageUris": [image_uri(tag="old")], "Mode": "ENFORCE"}))["Data"]
    assert data["Eligible"] == "false" and "not found in ECR (ImageNotFoundException)" in data["Reasons"]
    (line,) = _logged(caplog, "cache-guard-not-enforced")
    assert line["stack_status"] == "UPDATE_ROLLBACK_IN_PROGRESS"


def test_forward_update_still_fails_when_enforcing(aws):
    """A forward Update (UPDATE_IN_PROGRESS) of an ineligible endpoint still fails in ENFORCE."""
    ecr(aws).add_client_error("describe_images", "ImageNotFoundException", "no such tag", 400)
    fixtures.stub(ecr(aws), "ecr/describe_repositories/immutable")
    stack_status(aws, "cloudformation/describe_stacks/update_in_progress")
    with pytest.raises(CacheIneligible, match="not found in ECR"):
        on_event(aws, cfn_event("Update", props={"ImageUris": [image_uri(tag="new")], "Mode": "ENFORCE"}))


@pytest.mark.parametrize(("fixture", "fails"), [("cloudformation/describe_stacks/update_rollback_in_progress", False), ("cloudformation/describe_stacks/update_in_progress", True)])
def test_a_rollback_with_properties_this_version_cannot_read_never_fails(aws, fixture, fails):
    """A rollback may send an older library version's properties to this code: reported as unknown (every attribute
    present, so the outputs still resolve), while a forward Update with them still fails."""
    stack_status(aws, fixture)
    event = cfn_event("Update")
    del event["ResourceProperties"]["PurgeTimeoutSeconds"]
    if fails:
        with pytest.raises(MalformedEvent, match="lacks PurgeTimeoutSeconds"):
            on_event(aws, event)
        return
    data = on_event(aws, event)["Data"]
    assert data == {"Eligible": "unknown", "Pinned": "unknown", "ImageBytes": "0",
                    "Reasons": "not checked: ResourceProperties lacks PurgeTimeoutSeconds"}  # fmt: skip


def test_unreadable_stack_status_reports_instead_of_failing(aws, caplog):
    """DescribeStacks refused: the guard cannot tell a rollback from a forward Update, so it does not fail (a failed
    rollback is stuck; a forward Update that is not stopped is reported, in the outputs and the log)."""
    caplog.set_level(logging.INFO)
    ecr(aws).add_client_error("describe_images", "ImageNotFoundException", "no such tag", 400)
    fixtures.stub(ecr(aws), "ecr/describe_repositories/immutable")
    aws.stub("cloudformation", "describe_stacks").add_client_error("describe_stacks", "AccessDenied", "no", 403)
    data = on_event(aws, cfn_event("Update", props={"ImageUris": [image_uri(tag="new")], "Mode": "ENFORCE"}))["Data"]
    assert data["Eligible"] == "false"
    assert _logged(caplog, "cache-guard-stack-status-unknown")[0]["error"] == "AccessDenied"


# Delete -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["WARN", "ENFORCE"])
def test_guard_removed_alone_publishes_no_verdict_and_returns_at_once(aws, caplog, mode):
    """Before: with the endpoint alive (cache_guard=OFF later, a new logical id), Delete waited 20 minutes and then
    published CachePurgeVerified=0, false evidence. After: an endpoint that answers with a status other than
    Deleting outlives its guard: the first poll completes, with no metric."""
    caplog.set_level(logging.INFO)
    fixtures.stub(aws.stub("sagemaker", "describe_endpoint"), "sagemaker/describe_endpoint/component_endpoint_in_service")
    result = is_complete(aws, cfn_event("Delete", props={"Mode": mode}, data={"DeleteStartedAt": "1000"}), now=1000.0)
    assert result == {"IsComplete": True, "Data": {"PurgeVerified": "not-applicable"}}
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == []
    assert _logged(caplog, "cache-guard-removed-alone")[0]["endpoint_status"] == "InService"
    assert _logged(caplog, "cache-purge") == []


def test_delete_on_event_calls_nothing_that_can_fail(aws):
    for service, operation in (("sagemaker", "describe_endpoint"), ("sagemaker", "list_inference_components")):
        aws.fault(service, operation, EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com"),
                  times=None)  # fmt: skip
    result = on_event(aws, cfn_event("Delete", props={"Mode": "ENFORCE"}), now=lambda: 7.0)
    assert result["Data"] == {"DeleteStartedAt": "7.0"} and aws.calls == []


_URL = "https://api.sagemaker.us-east-1.amazonaws.com/"
SAGEMAKER_FAULTS = {
    "throttling": (lambda op: client_error("ThrottlingException", op), 0.0),
    "access denied": (lambda op: client_error("AccessDeniedException", op), 0.0),
    "5xx": (lambda op: client_error("InternalFailure", op, 500), 0.0),
    "hang (read timeout)": (lambda op: ReadTimeoutError(endpoint_url=_URL), GUARD_IS_COMPLETE.call.read_timeout_s),
    "connect timeout": (lambda op: ConnectTimeoutError(endpoint_url=_URL), GUARD_IS_COMPLETE.call.connect_timeout_s),
    "unreachable": (lambda op: EndpointConnectionError(endpoint_url=_URL), 0.0),
}


def _sagemaker_fails(aws, fault: str) -> None:
    make, seconds = SAGEMAKER_FAULTS[fault]
    for operation, api in (("describe_endpoint", "DescribeEndpoint"), ("list_inference_components", "ListInferenceComponents")):
        aws.fault("sagemaker", operation, make(api), seconds=seconds, times=None)


@pytest.mark.parametrize("mode", ["WARN", "ENFORCE"])
@pytest.mark.parametrize("fault", SAGEMAKER_FAULTS)
def test_sagemaker_failing_during_delete_never_fails_the_deletion(aws, caplog, fault, mode):
    """Before: a hang outlived the 60 s is_complete (botocore's 60 s read timeout equalled it) and ENFORCE raised
    PurgeNotVerified: DELETE_FAILED. After: each poll ends within the function; the guard keeps polling until the
    purge timeout, then records the unverified verdict (metric 0, a log line naming the fault) and completes."""
    caplog.set_level(logging.INFO)
    _sagemaker_fails(aws, fault)
    event = cfn_event("Delete", props={"Mode": mode}, data={"DeleteStartedAt": "1000"})
    assert is_complete(aws, event, now=1100.0) == {"IsComplete": False}  # within the purge timeout: poll again
    assert aws.elapsed <= IS_COMPLETE_END
    aws.elapsed = 0.0
    result = is_complete(aws, event, now=1601.0)
    assert aws.elapsed <= IS_COMPLETE_END
    assert result == {"IsComplete": True, "Data": {"PurgeVerified": "false", "PurgeSeconds": "601"}}
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == [0.0]
    (line,) = _logged(caplog, "cache-purge")
    assert line["verified"] is False and "could not describe endpoint" in line["remaining"][0]


@pytest.mark.parametrize("fault", ["hang (read timeout)", "unreachable"])
def test_cloudwatch_failing_for_the_verdict_never_fails_the_deletion(aws, caplog, fault):
    """The verdict cannot be published: the log line still says it, and the Delete completes in time."""
    caplog.set_level(logging.INFO)
    _sagemaker_fails(aws, fault)
    make, seconds = SAGEMAKER_FAULTS[fault]
    aws.fault("cloudwatch", "put_metric_data", make("PutMetricData"), seconds=seconds, times=None)
    event = cfn_event("Delete", data={"DeleteStartedAt": "0"})
    assert is_complete(aws, event, now=700.0)["IsComplete"] is True
    assert aws.elapsed <= IS_COMPLETE_END
    assert _logged(caplog, "cache-purge")[0]["verified"] is False
    assert _logged(caplog, "cache-purge-metric-failed")


def test_a_purge_verified_late_in_a_slow_poll_still_publishes(aws):
    """Slow answers (two 10 s read timeouts) still leave room for the verdict: the checks stop one attempt before the deadline."""
    stubber = aws.stub("sagemaker", "describe_endpoint", "list_inference_components")
    aws.fault("sagemaker", "describe_endpoint", ReadTimeoutError(endpoint_url=_URL), seconds=10.0, times=2)
    stubber.add_client_error("describe_endpoint", "ValidationException", f"Could not find endpoint {ENDPOINT}.", 400)
    fixtures.stub(stubber, "sagemaker/list_inference_components/none")
    result = is_complete(aws, cfn_event("Delete", data={"DeleteStartedAt": "0"}), now=60.0)
    assert result["Data"]["PurgeVerified"] == "true"
    assert aws.metric_values(names.CACHE_PURGE_VERIFIED) == [1.0]


# Eligibility rules that must keep biting (issue 17, item 6) -----------------------------------------------------


def test_an_untagged_uri_is_checked_as_latest(aws):
    fixtures.stub(ecr(aws), IMAGES, {"registryId": REGISTRY, "repositoryName": REPOSITORY,
                                     "imageIds": [{"imageTag": "latest"}]})  # fmt: skip
    fixtures.stub(ecr(aws), "ecr/describe_repositories/immutable", {"registryId": REGISTRY, "repositoryNames": [REPOSITORY]})
    uri = f"{REGISTRY}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}"
    assert on_event(aws, cfn_event("Create", props={"ImageUris": [uri]}))["Data"]["Eligible"] == "true"
    assert eligibility.parse_ecr_image_uri(uri).image_id == {"imageTag": "latest"}
    assert eligibility.parse_ecr_image_uri(f"{uri}@{DIGEST}").image_id == {"imageDigest": DIGEST}


def test_a_repository_without_tag_mutability_is_mutable(aws):
    """ECR's default is MUTABLE (the cited botocore example states none): a tag there is not pinned."""
    fixtures.stub(ecr(aws), IMAGES)
    fixtures.stub(ecr(aws), "ecr/describe_repositories/mutability_omitted")
    data = on_event(aws, cfn_event("Create", props={"ImageUris": [image_uri()]}))["Data"]
    assert data["Pinned"] == "false" and "uses a mutable tag" in data["Reasons"]
    assert [eligibility.tag_is_immutable(v) for v in (None, "MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")] == [
        False, False, True, None]  # fmt: skip
