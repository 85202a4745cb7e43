"""Limits the SageMaker API documents in prose, refused at synth time (issue 11): prefix-aware routing settings,
VolumeSizeInGB only on types with an EBS volume, environment limits per container kind, the guard's purge timeout
within the Provider framework's hour; and RetainAllVariantProperties on every endpoint."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Template

from constructs_pkg import (
    AcceleratorInstanceType,
    CacheGuard,
    CacheGuardMode,
    ConfigurationError,
    ContainerImage,
    PrefixAwareRouting,
    RoutingStrategy,
    SingleModelEndpoint,
)

from .. import doc_constraints
from ..helpers import IMAGE_URI, add_component, new_endpoint, new_stack, one, resources_of

PREFIX = PrefixAwareRouting(prefix_length=4096, concurrency_threshold=8)


def _single(stack, **props):
    props = {"instance_type": AcceleratorInstanceType.G6_2XLARGE, "image": ContainerImage.from_image_uri(IMAGE_URI),
             **props}  # fmt: skip
    return SingleModelEndpoint(stack, "Llm", **props)


def _variant(stack) -> dict:
    return one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0]


# ------------------------------------------------------------------------------------------------ prefix-aware routing
@pytest.mark.parametrize("build", [new_endpoint, _single], ids=["components", "single-model"])
def test_prefix_aware_routing_renders_both_settings(build):
    stack = new_stack()
    build(stack, routing_strategy=RoutingStrategy.PREFIX_AWARE,
          prefix_aware_routing=PrefixAwareRouting(prefix_length=1024, concurrency_threshold=1024))  # fmt: skip
    assert _variant(stack)["RoutingConfig"] == {
        "RoutingStrategy": "PREFIX_AWARE",
        "PrefixAwareRoutingConfig": {"PrefixLength": 1024, "ConcurrencyThreshold": 1024},
    }


def test_other_strategies_render_no_prefix_settings():
    stack = new_stack()
    new_endpoint(stack, routing_strategy=RoutingStrategy.RANDOM)
    assert _variant(stack)["RoutingConfig"] == {"RoutingStrategy": "RANDOM"}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"routing_strategy": RoutingStrategy.PREFIX_AWARE},
         r"prefix_aware_routing is required with routing_strategy=PREFIX_AWARE .*PrefixLength 1024-65536 and "
         r"ConcurrencyThreshold 1-1024.*got None"),
        ({"prefix_aware_routing": PREFIX},
         r"prefix_aware_routing applies only with routing_strategy=PREFIX_AWARE, got routing_strategy="
         r"LEAST_OUTSTANDING_REQUESTS"),
        ({"routing_strategy": RoutingStrategy.PREFIX_AWARE, "prefix_aware_routing": {"PrefixLength": 4096}},
         r"prefix_aware_routing must be a PrefixAwareRouting\(.*got \{'PrefixLength': 4096\}"),
        ({"routing_strategy": RoutingStrategy.PREFIX_AWARE,
          "prefix_aware_routing": PrefixAwareRouting(prefix_length=1023, concurrency_threshold=8)},
         r"prefix_aware_routing.prefix_length must be between 1024 and 65536, got 1023"),
        ({"routing_strategy": RoutingStrategy.PREFIX_AWARE,
          "prefix_aware_routing": PrefixAwareRouting(prefix_length=65537, concurrency_threshold=8)},
         r"prefix_aware_routing.prefix_length must be between 1024 and 65536, got 65537"),
        ({"routing_strategy": RoutingStrategy.PREFIX_AWARE,
          "prefix_aware_routing": PrefixAwareRouting(prefix_length=4096, concurrency_threshold=0)},
         r"prefix_aware_routing.concurrency_threshold must be between 1 and 1024, got 0"),
        ({"routing_strategy": RoutingStrategy.PREFIX_AWARE,
          "prefix_aware_routing": PrefixAwareRouting(prefix_length=4096, concurrency_threshold=1025)},
         r"prefix_aware_routing.concurrency_threshold must be between 1 and 1024, got 1025"),
    ],
    ids=["missing", "without-prefix-aware", "not-the-dataclass", "length-low", "length-high", "threshold-zero",
         "threshold-high"],
)  # fmt: skip
def test_prefix_aware_routing_is_refused(props, message):
    with pytest.raises(ConfigurationError, match=message):
        new_endpoint(new_stack(), **props)


# ------------------------------------------------------------------------------------------------ RetainAllVariantProperties
@pytest.mark.parametrize("build", [new_endpoint, _single], ids=["components", "single-model"])
def test_an_update_keeps_the_scaled_instance_count(build):
    stack = new_stack()
    build(stack)
    assert one(Template.from_stack(stack), "AWS::SageMaker::Endpoint")["Properties"]["RetainAllVariantProperties"] is True


# ------------------------------------------------------------------------------------------------ VolumeSizeInGB
@pytest.mark.parametrize("name", ["ml.g5.2xlarge", "ml.g6.12xlarge", "ml.g6e.48xlarge", "ml.g4dn.xlarge",
                                  "ml.p4d.24xlarge", "ml.p5.48xlarge", "ml.trn1.32xlarge"])  # fmt: skip
def test_volume_size_is_refused_on_instance_storage_types(name):
    with pytest.raises(ConfigurationError, match=rf"volume_size_gb must be left out on {name}: it has NVMe instance "
                       r"storage only.*got 100"):  # fmt: skip
        new_endpoint(new_stack(), instance_type=AcceleratorInstanceType.of(name), volume_size_gb=100)


def test_volume_size_is_refused_on_a_single_model_endpoint_too():
    with pytest.raises(ConfigurationError, match=r"volume_size_gb must be left out on ml.g6.2xlarge"):
        _single(new_stack(), volume_size_gb=50)


@pytest.mark.parametrize("name", ["ml.g7e.12xlarge", "ml.p3.8xlarge", "ml.inf2.48xlarge", "ml.trn2.48xlarge"])
def test_volume_size_is_rendered_on_types_with_an_ebs_volume(name):
    stack = new_stack()
    new_endpoint(stack, instance_type=AcceleratorInstanceType.of(name), volume_size_gb=512)
    assert _variant(stack)["VolumeSizeInGB"] == 512


def test_instance_specs_say_which_types_have_an_ebs_volume():
    assert AcceleratorInstanceType.G6E_12XLARGE.spec.ebs_volume is False
    assert AcceleratorInstanceType.of("ml.p4de.24xlarge").spec.ebs_volume is False
    assert AcceleratorInstanceType.INF2_XLARGE.spec.ebs_volume is True
    assert AcceleratorInstanceType.of("ml.g7.48xlarge").spec.ebs_volume is True


# ------------------------------------------------------------------------------------------------ environment
def test_a_component_takes_16_two_letter_keys():
    stack = new_stack()
    env = {f"K{i:02}": "v" * 1024 for i in range(16)}
    add_component(new_endpoint(stack), environment=env)
    spec = one(Template.from_stack(stack), "AWS::SageMaker::InferenceComponent")["Properties"]["Specification"]
    assert spec["Container"]["Environment"] == env


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({f"K{i:02}": "v" for i in range(17)}, r"environment must have at most 16 entries, got 17"),
        ({"X": "1"}, r"environment key 'X' must match .*one-letter keys"),
        ({"K" * 1025: "1"}, r"environment key 'KKKK.*' must match .*at most 1024 characters"),
        ({"OK": "v" * 1025}, r"environment value of 'OK' must be a string of at most 1024 characters"),
    ],
    ids=["17-entries", "one-letter-key", "long-key", "long-value"],
)
def test_a_component_environment_is_refused(environment, message):
    with pytest.raises(ConfigurationError, match=message):
        add_component(new_endpoint(new_stack()), environment=environment)


def test_a_single_model_endpoint_takes_100_entries_and_one_letter_keys():
    stack = new_stack()
    env = {"X": "1", **{f"K{i:02}": "v" * 300 for i in range(99)}}  # 100 entries, 29,803 bytes
    _single(stack, environment=env)
    container = one(Template.from_stack(stack), "AWS::SageMaker::Model")["Properties"]["PrimaryContainer"]
    assert container["Environment"] == env


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({f"K{i}": "v" for i in range(101)}, r"environment must have at most 100 entries, got 101"),
        ({"9": "x"}, r"environment key '9' must match \[a-zA-Z_\]\[a-zA-Z0-9_\]\*"),
        ({"PROMPT": "é" * 513}, r"environment value of 'PROMPT' must be a string of at most 1024 bytes"),
        ({f"P{i}": "x" * 1000 for i in range(33)}, r"environment keys and values must total at most 32768 bytes"),
    ],
    ids=["101-entries", "digit-first", "1026-bytes", "over-32-kb"],
)
def test_a_single_model_environment_is_refused(environment, message):
    with pytest.raises(ConfigurationError, match=message):
        _single(new_stack(), environment=environment)


# ------------------------------------------------------------------------------------------------ purge timeout
def test_the_longest_purge_timeout_fits_the_providers_hour():
    stack = new_stack()
    new_endpoint(stack, cache_purge_timeout=Duration.minutes(55))
    template = Template.from_stack(stack).to_json()
    guard = next(r["Properties"] for r in template["Resources"].values() if r["Type"] == "Custom::SageMakerCacheGuard")
    assert guard["PurgeTimeoutSeconds"] == "3300"
    assert doc_constraints._provider_wait_seconds(guard, template) == 3600  # the Provider's waiter: its 1 hour maximum


@pytest.mark.parametrize("timeout", [Duration.minutes(56), Duration.hours(2)], ids=["56-min", "2-h"])
def test_a_purge_timeout_over_55_minutes_is_refused(timeout):
    seconds = f"{timeout.to_seconds():g}"
    with pytest.raises(ConfigurationError, match=rf"cache_purge_timeout must be between 60 seconds and 55 minutes "
                       rf"\(3300 seconds\): the guard's custom-resource Provider waits it plus a 5-minute margin, and "
                       rf"the Provider's total timeout is at most 1 hour; got {seconds} seconds"):  # fmt: skip
        new_endpoint(new_stack(), cache_purge_timeout=timeout)


def test_the_guard_construct_refuses_it_too():
    stack = new_stack()
    endpoint = new_endpoint(stack, cache_guard=CacheGuardMode.OFF)
    with pytest.raises(ConfigurationError, match=r"purge_timeout must be between 60 seconds and 55 minutes"):
        CacheGuard(stack, "Guard", endpoint=endpoint, purge_timeout=Duration.hours(1))
