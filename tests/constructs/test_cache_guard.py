"""CacheGuard construct: dependency order, properties, least-privilege IAM, outputs and synth-time checks."""

from __future__ import annotations

import os

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Annotations, Match, Template

from constructs_pkg import CacheGuardMode, ContainerImage

from ..helpers import IMAGE_URI, add_component, new_endpoint, new_stack, one, statements_of


@pytest.fixture(scope="module")
def built():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    component = add_component(endpoint)  # added after the guard exists: its image must still reach the guard
    return stack, endpoint, component, Template.from_stack(stack)


def test_endpoint_depends_on_the_guard(built):
    stack, endpoint, _, template = built
    resource = template.to_json()["Resources"][stack.get_logical_id(endpoint.endpoint_resource)]
    assert stack.get_logical_id(endpoint.cache_guard.resource.node.default_child) in resource["DependsOn"]


def test_guard_properties_name_the_endpoint_and_every_component_image(built):
    _, endpoint, _, template = built
    guard = one(template, "Custom::SageMakerCacheGuard")["Properties"]
    assert guard["EndpointName"] == endpoint.physical_endpoint_name
    assert guard["InstanceType"] == "ml.g6.12xlarge"
    assert guard["ImageUris"] == [IMAGE_URI]
    assert (guard["Mode"], guard["PurgeTimeoutSeconds"]) == ("WARN", "1200")


def test_guard_functions_run_the_packaged_runtime(built):
    _, _, _, template = built
    handlers = {f["Properties"]["Handler"]: f["Properties"] for f in template.find_resources("AWS::Lambda::Function").values()}
    for handler in ("runtime.guard.on_event", "runtime.guard.is_complete"):
        assert handlers[handler]["Runtime"] == "python3.14"
        assert handlers[handler]["Architectures"] == ["arm64"]
    template.resource_count_is("AWS::StepFunctions::StateMachine", 1)  # the Provider's is_complete waiter


def test_guard_iam_is_scoped_to_this_endpoint_and_its_repositories(built):
    stack, endpoint, _, template = built
    guard = endpoint.cache_guard
    on_event = statements_of(stack, template, guard.on_event_function.role)
    (describe,) = [s for s in on_event if "ecr:DescribeImages" in s["Action"]]
    assert describe["Action"] == ["ecr:DescribeImages", "ecr:DescribeRepositories"]
    assert describe["Resource"]["Fn::Join"][1][-1] == ":ecr:us-east-1:123456789012:repository/llm"
    (status,) = [s for s in on_event if s["Action"] == "cloudformation:DescribeStacks"]
    assert status["Resource"] == {"Ref": "AWS::StackId"}  # its own stack only: is it rolling back?
    is_complete = {
        (s["Action"] if isinstance(s["Action"], str) else tuple(s["Action"])): s
        for s in statements_of(stack, template, guard.is_complete_function.role)
    }
    arn = is_complete["sagemaker:DescribeEndpoint"]["Resource"]["Fn::Join"][1][-1]
    assert arn == f":sagemaker:us-east-1:123456789012:endpoint/{endpoint.physical_endpoint_name}"
    assert is_complete["sagemaker:ListInferenceComponents"]["Resource"] == "*"
    assert is_complete["cloudwatch:PutMetricData"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": f"ConstructsPkg/ScaleOut/{endpoint.physical_endpoint_name}"}
    }
    for statements in (on_event, is_complete.values()):
        for statement in statements:
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            assert not any(a.endswith("*") for a in actions)


def test_report_becomes_stack_outputs(built):
    stack, endpoint, _, template = built
    guard_id = stack.get_logical_id(endpoint.cache_guard.resource.node.default_child)
    outputs = template.to_json()["Outputs"]
    attributes = {o["Value"]["Fn::GetAtt"][1] for o in outputs.values() if o["Value"].get("Fn::GetAtt", [None])[0] == guard_id}
    assert attributes == {"Eligible", "Pinned", "ImageBytes", "Reasons"}


def test_enforce_mode_and_purge_timeout_reach_the_handler():
    stack = new_stack()
    new_endpoint(stack, cache_guard=CacheGuardMode.ENFORCE, cache_purge_timeout=Duration.minutes(45))
    guard = one(Template.from_stack(stack), "Custom::SageMakerCacheGuard")["Properties"]
    assert (guard["Mode"], guard["PurgeTimeoutSeconds"]) == ("ENFORCE", "2700")


def test_off_creates_no_guard():
    stack = new_stack()
    endpoint = new_endpoint(stack, cache_guard=CacheGuardMode.OFF)
    template = Template.from_stack(stack)
    assert endpoint.cache_guard is None
    template.resource_count_is("Custom::SageMakerCacheGuard", 0)
    handlers = [f["Properties"]["Handler"] for f in template.find_resources("AWS::Lambda::Function").values()]
    assert not [h for h in handlers if h.startswith("runtime.guard")]
    resources = template.to_json()["Resources"]
    depends_on = one(template, "AWS::SageMaker::Endpoint")["DependsOn"]
    assert {resources[d]["Type"] for d in depends_on} == {"AWS::IAM::Role", "AWS::IAM::Policy"}


def _gov_stack(mode: CacheGuardMode):
    # The built-in validator rightly reports that GovCloud lacks inference components; this test is about our check.
    stack = new_stack(
        env=cdk.Environment(account="123456789012", region="us-gov-west-1"),
        **{"@aws-cdk/core:strictCfnValidateErrors": False},
    )
    uri = "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/llm@sha256:" + "a" * 64
    add_component(new_endpoint(stack, cache_guard=mode), image=ContainerImage.from_image_uri(uri))
    return Annotations.from_stack(stack)


def test_static_rules_warn_at_synth_time():
    warnings = _gov_stack(CacheGuardMode.WARN).find_warning("*", Match.string_like_regexp("cache may not apply"))
    assert "region us-gov-west-1 is not a commercial AWS Region" in warnings[0].entry.data


def test_static_rules_fail_synth_when_enforcing():
    errors = _gov_stack(CacheGuardMode.ENFORCE).find_error("*", Match.string_like_regexp("cache may not apply"))
    assert "us-gov-west-1" in errors[0].entry.data


def test_eligible_stack_has_no_cache_annotation(built):
    stack = built[0]
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("cache may not apply")) == []


def test_lambda_asset_holds_only_the_runtime_modules(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S")
    add_component(new_endpoint(stack))
    app.synth()
    function_assets = set()
    for entry in tmp_path.iterdir():
        if entry.is_dir() and entry.name.startswith("asset.") and (entry / "runtime").is_dir():
            function_assets.add(tuple(sorted(os.listdir(entry))) + tuple(sorted(os.listdir(entry / "runtime"))))
    assert function_assets == {
        ("runtime", "__init__.py", "activities.py", "attribution.py", "aws.py", "budgets.py", "claims.py",
         "deadline.py", "eligibility.py", "guard.py", "lifecycle_metrics.py", "names.py", "recorder.py",
         "recorder_config.py", "records.py", "stage_evidence.py", "stages.py")
    }


def _repository_stack(mode: CacheGuardMode, *, digest: bool = False, **repository_props):
    from aws_cdk import aws_ecr as ecr

    stack = new_stack()
    repository = ecr.Repository(stack, "Models", **repository_props)
    image = (
        ContainerImage.from_ecr_repository(repository, digest="sha256:" + "b" * 64)
        if digest
        else ContainerImage.from_ecr_repository(repository, tag="v1")
    )
    add_component(new_endpoint(stack, cache_guard=mode), image=image)
    return Annotations.from_stack(stack)


_DRIFT = Match.string_like_regexp("uses a mutable tag")


def test_a_mutable_tag_of_a_repository_in_the_app_warns_in_the_guards_words():
    from constructs_pkg.runtime.eligibility import mutable_tag_finding

    annotations = _repository_stack(CacheGuardMode.WARN)
    (warning,) = annotations.find_warning("*", _DRIFT)
    assert warning.id.endswith("/Endpoint/CacheGuard")
    assert warning.entry.data.startswith(mutable_tag_finding("TestStack/Models:v1") + "; pin it by digest")
    assert "[ack: constructs-pkg:image-tag-mutable]" in warning.entry.data
    assert annotations.find_error("*", _DRIFT) == []


def test_a_mutable_tag_of_a_repository_in_the_app_fails_synth_when_enforcing():
    annotations = _repository_stack(CacheGuardMode.ENFORCE, repository_name="models")
    (error,) = annotations.find_error("*", _DRIFT)
    assert "image models:v1 uses a mutable tag" in error.entry.data


@pytest.mark.parametrize(
    "case",
    [{"digest": True}, {"image_tag_mutability": "IMMUTABLE"}, {"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION"}],
    ids=["digest", "immutable", "exclusions-left-to-deploy"],
)
def test_a_pinned_image_or_immutable_repository_is_not_reported(case):
    from aws_cdk import aws_ecr as ecr

    if "image_tag_mutability" in case:
        mutability = case["image_tag_mutability"]
        case = {"image_tag_mutability": ecr.TagMutability[mutability]}
        if mutability.endswith("_WITH_EXCLUSION"):  # tags matching a filter stay mutable: left to deploy time
            case["image_tag_mutability_exclusion_filters"] = [ecr.ImageTagMutabilityExclusionFilter.wildcard("dev-*")]
    annotations = _repository_stack(CacheGuardMode.ENFORCE, **case)
    assert annotations.find_error("*", _DRIFT) == [] and annotations.find_warning("*", _DRIFT) == []


def test_an_imported_repository_is_left_to_the_deploy_time_check():
    from aws_cdk import aws_ecr as ecr

    stack = new_stack()
    repository = ecr.Repository.from_repository_name(stack, "Models", "models")
    add_component(new_endpoint(stack, cache_guard=CacheGuardMode.ENFORCE),
                  image=ContainerImage.from_ecr_repository(repository, tag="v1"))  # fmt: skip
    assert Annotations.from_stack(stack).find_error("*", _DRIFT) == []
