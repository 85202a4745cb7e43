"""cdk.json carries every feature flag the installed aws-cdk-lib recommends, and the library lives with them."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import Acknowledgment, Validations
from aws_cdk.assertions import Template

from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceAmiVersion, InferenceEndpoint

from .conftest import ANNOTATIONS_IN_REPORT, ROOT, cdk_context
from .helpers import ENV


def _recommended_flags() -> dict[str, object]:
    """The flags aws-cdk-lib itself recommends, read from the package's own ``recommended-feature-flags.json``."""
    bundle = next((Path(cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    with tarfile.open(bundle) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        return dict(json.load(member))


def test_cdk_json_sets_every_recommended_flag_to_its_recommended_value() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    recommended = _recommended_flags()
    assert len(recommended) > 80
    assert {flag: context.get(flag) for flag in recommended} == recommended


def _stack_with_a_warning(context: dict[str, object]) -> tuple[cdk.Stack, InferenceEndpoint]:
    app = cdk.App(context=context)
    stack = cdk.Stack(app, "Flags", env=ENV)
    endpoint = InferenceEndpoint(
        stack, "Endpoint", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count=1,
        inference_ami_version=InferenceAmiVersion.GPU_3_1,  # CUDA 12 host: the LMI 0.36 (CUDA 13) image is warned
    )  # fmt: skip
    endpoint.add_inference_component("Model", image=ContainerImage.lmi(), accelerator_count=1, memory_mib=16 * 1024)
    return stack, endpoint


def test_with_annotations_in_the_report_a_library_warning_fails_synthesis_until_acknowledged() -> None:
    context = cdk_context(recommended_flags=True)
    assert context[ANNOTATIONS_IN_REPORT] is True
    stack, _ = _stack_with_a_warning(context)
    with pytest.raises(RuntimeError, match="constructs-pkg:image-needs-cuda-13-host"):
        Template.from_stack(stack)

    stack, endpoint = _stack_with_a_warning(context)
    Validations.of(endpoint).acknowledge(
        Acknowledgment(id="Annotation::constructs-pkg:image-needs-cuda-13-host", reason="host AMI pinned by the team")
    )
    resources = Template.from_stack(stack).find_resources("AWS::SageMaker::InferenceComponent")
    assert len(resources) == 1
