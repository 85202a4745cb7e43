"""Refusals carry the construct path, the property, the value and what is allowed, as one ConfigurationError."""

from __future__ import annotations

import pytest

from constructs_pkg import AcceleratorInstanceType, ConfigurationError, ContainerImage, InferenceComponent

from ..helpers import add_component, new_endpoint, new_stack


def test_a_construct_refusal_names_its_path_property_value_and_the_allowed_range():
    endpoint = new_endpoint(new_stack())
    with pytest.raises(ConfigurationError) as raised:
        add_component(endpoint, "Llm", memory_mib=64)
    error = raised.value
    assert isinstance(error, ValueError)
    assert error.path == "TestStack/Endpoint/Llm"
    assert error.problems == ["memory_mib must be >= 128, got 64"]
    assert str(error) == "TestStack/Endpoint/Llm: invalid InferenceComponent: memory_mib must be >= 128, got 64"


def test_an_imported_components_refusal_names_its_path():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    with pytest.raises(ConfigurationError, match=r"^TestStack/Old: invalid imported InferenceComponent: copy_count"):
        InferenceComponent.from_component_name(stack, "Old", "old-model", endpoint=endpoint, copy_count=-1)


def test_a_second_scaling_call_is_refused_with_the_components_path():
    component = add_component(new_endpoint(new_stack()))
    component.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
    with pytest.raises(ConfigurationError, match=r"^TestStack/Endpoint/Model: invalid scale_on_concurrent_requests"):
        component.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: ContainerImage.from_image_uri("docker.io/library/llm:1"), r"^invalid ContainerImage: image must be"),
        (lambda: AcceleratorInstanceType.of("ml.m5.large"), r"^invalid AcceleratorInstanceType: instance_type must be"),
    ],
)
def test_a_factory_refusal_has_no_path_but_the_same_shape(make, expected):
    with pytest.raises(ConfigurationError, match=expected) as raised:
        make()
    assert raised.value.path is None
