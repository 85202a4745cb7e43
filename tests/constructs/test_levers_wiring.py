"""The issue-13 levers wired into the endpoint and its components: what each renders, where, and every refusal at synth
time naming the property."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk.assertions import Annotations, Match, Template

from constructs_pkg import (
    AcceleratorInstanceType,
    AutoRollback,
    BatchSize,
    CapacityReservation,
    ConfigurationError,
    ContainerImage,
    InstancePool,
    InstanceTypeCompute,
    Model,
    ModelData,
    PlacementStrategy,
    RollingUpdate,
    S3ModelData,
    ScaleInPolicy,
    ScaleInStrategy,
    SchedulingConfig,
)
from constructs_pkg._capacity import pack

from ..helpers import IMAGE_URI, add_component, new_endpoint, new_stack, one, resources_of, statements_of

G6E, G5 = AcceleratorInstanceType.G6E_2XLARGE, AcceleratorInstanceType.of("ml.g5.2xlarge")
PLAN = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p5-plan"
PREFIX = "s3://models/llama-3-8b/"
POOLS = [InstancePool(instance_type=G6E, priority=1), InstancePool(instance_type=G5, priority=2)]
ROLLING = RollingUpdate(maximum_batch_size=BatchSize.capacity_percent(25), wait_interval=Duration.seconds(0))


def _pooled(stack, **props):
    return new_endpoint(stack, instance_type=None, instance_pools=POOLS, max_instance_count=2, **props)


def _variant(stack) -> dict:
    return one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0]


def _ic_props(stack, index: int = 0) -> dict:
    return resources_of(Template.from_stack(stack), "AWS::SageMaker::InferenceComponent")[index]["Properties"]


# -- endpoint levers --------------------------------------------------------------------------------------------------


def test_pools_replace_the_instance_type_and_the_levers_land_on_the_variant():
    stack = new_stack()
    endpoint = _pooled(stack, instance_provision_timeout=Duration.minutes(10),
                       scale_in=ScaleInPolicy(strategy=ScaleInStrategy.CONSOLIDATION, maximum_step_size=0 + 2))  # fmt: skip
    add_component(endpoint, accelerator_count=1, memory_mib=16 * 1024)
    variant = _variant(stack)
    assert "InstanceType" not in variant
    assert variant["InstancePools"] == [{"InstanceType": "ml.g6e.2xlarge", "Priority": 1},
                                        {"InstanceType": "ml.g5.2xlarge", "Priority": 2}]  # fmt: skip
    assert variant["VariantInstanceProvisionTimeoutInSeconds"] == 600
    assert variant["ManagedInstanceScaling"]["ScaleInPolicy"] == {"Strategy": "CONSOLIDATION", "MaximumStepSize": 2}
    assert variant["ManagedInstanceScaling"]["Status"] == "ENABLED"  # the override merges, it does not replace
    assert [t.name for t in endpoint.instance_types] == ["ml.g6e.2xlarge", "ml.g5.2xlarge"]
    assert endpoint.instance_type == G6E


def test_capacity_reservation_renders_and_warns_that_there_is_no_fallback():
    stack = new_stack()
    endpoint = new_endpoint(stack, capacity_reservation=CapacityReservation(ml_reservation_arn=PLAN))
    add_component(endpoint)
    assert _variant(stack)["CapacityReservationConfig"] == {
        "MlReservationArn": PLAN, "CapacityReservationPreference": "capacity-reservations-only"}  # fmt: skip
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp("instances fail to launch"))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"instance_pools": POOLS}, r"instance_type must be left out with instance_pools"),
        ({"instance_type": None, "instance_pools": []}, r"instance_pools must hold 1-5 pools, got 0"),
        ({"instance_type": None, "instance_pools": [InstancePool(instance_type=G5, priority=1)] * 2},
         r"instance_pools must name each instance type once"),
        ({"instance_type": None}, r"instance_type must be an AcceleratorInstanceType .*got None"),
        ({"instance_provision_timeout": Duration.minutes(2)},
         r"instance_provision_timeout must be between 300 and 3600 seconds, got 120"),
        ({"instance_provision_timeout": Duration.millis(300_500)}, r"instance_provision_timeout must be whole seconds"),
        ({"instance_type": None, "instance_pools": POOLS, "capacity_reservation": CapacityReservation(ml_reservation_arn=PLAN)},
         r"capacity_reservation cannot be combined with instance_pools"),
        ({"capacity_reservation": PLAN}, r"capacity_reservation must be a CapacityReservation, got 'arn:"),
        ({"scale_in": "CONSOLIDATION"}, r"scale_in must be a ScaleInPolicy, got 'CONSOLIDATION'"),
        ({"instance_type": None, "instance_pools": [InstancePool(instance_type=G5, priority=1, model_name_override="llama-g5")]},
         r"instance_pools\[0\]\.model_name_override must be left out on an inference-component endpoint, got 'llama-g5'"),
    ],
)  # fmt: skip
def test_endpoint_levers_refuse(props, message):
    with pytest.raises(ConfigurationError, match=message):
        new_endpoint(new_stack(), **props)


def test_unknown_instance_size_is_refused_with_the_nearest_names():
    with pytest.raises(ConfigurationError, match=r"'ml\.g5\.13xlarge' is not a SageMaker hosting size.*did you mean "
                                                 r"'ml\.g5\.16xlarge' or 'ml\.g5\.12xlarge'"):  # fmt: skip
        AcceleratorInstanceType.of("ml.g5.13xlarge")


# -- fit per pool -----------------------------------------------------------------------------------------------------


def test_a_component_must_fit_every_pool():
    # 40 GiB fits a g6e.2xlarge (64 GiB) but not a g5.2xlarge (32 GiB)
    with pytest.raises(ConfigurationError, match=r"memory_mib \(40960\) must be <= the 32768 MiB of one ml\.g5\.2xlarge"):
        add_component(_pooled(new_stack()), accelerator_count=1, memory_mib=40 * 1024)


def test_guaranteed_copies_are_packed_by_memory_per_pool():
    stack = new_stack()
    endpoint = _pooled(stack)  # 2 instances; g5.2xlarge: 1 GPU, 32 GiB
    add_component(endpoint, "A", accelerator_count=1, memory_mib=20 * 1024,
                  compute_per_instance_type=None)  # fmt: skip
    Annotations.from_stack(stack).has_no_error("*", Match.any_value())
    stack = new_stack()
    endpoint = new_endpoint(stack, instance_type=AcceleratorInstanceType.G6_12XLARGE, max_instance_count=1)
    add_component(endpoint, "A", accelerator_count=1, memory_mib=100 * 1024)  # 4 GPUs, 192 GiB per instance
    add_component(endpoint, "B", accelerator_count=1, memory_mib=100 * 1024)  # accelerators fit, memory does not
    Annotations.from_stack(stack).has_error(
        "*", Match.string_like_regexp(r"do not fit on max_instance_count 1 x ml\.g6\.12xlarge .*host memory")
    )


@pytest.mark.parametrize(
    ("items", "bins", "capacity", "fits"),
    [
        ([(1, 10)] * 4, 1, (4, 40), True),
        ([(1, 11)] * 4, 1, (4, 40), False),  # memory, not accelerators, is short
        ([(3, 10), (2, 10), (2, 10), (1, 10)], 2, (4, 40), True),  # first-fit-decreasing fails; the search fits
        ([(3, 1), (3, 1), (2, 1)], 2, (4, 10), False),  # totals fit (8 of 8) but no packing does
        ([], 1, (1, 1), True),
    ],
)  # fmt: skip
def test_packing_is_exact(items, bins, capacity, fits):
    assert pack(items, bins, capacity) is fits


def test_copy_count_is_checked_on_each_pool():
    with pytest.raises(ConfigurationError, match=r"copy_count \(3\) must be <= 2, the copies that fit on "
                                                 r"max_instance_count 2 x ml\.g6e\.2xlarge"):  # fmt: skip
        add_component(_pooled(new_stack()), accelerator_count=1, memory_mib=8192, copy_count=3)


def test_per_instance_type_compute_renders_specifications():
    stack = new_stack()
    endpoint = _pooled(stack)
    add_component(endpoint, accelerator_count=None, memory_mib=None, compute_per_instance_type=[
        InstanceTypeCompute(instance_type=G6E, accelerator_count=1, memory_mib=48 * 1024, cpu_cores=4),
        InstanceTypeCompute(instance_type=G5, accelerator_count=1, memory_mib=24 * 1024)])  # fmt: skip
    props = _ic_props(stack)
    assert "Specification" not in props
    assert [(s["InstanceType"], s["ComputeResourceRequirements"]) for s in props["Specifications"]] == [
        ("ml.g6e.2xlarge", {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 49152,
                            "NumberOfCpuCoresRequired": 4}),
        ("ml.g5.2xlarge", {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 24576}),
    ]  # fmt: skip
    assert all(s["Container"]["Image"] == IMAGE_URI for s in props["Specifications"])


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([InstanceTypeCompute(instance_type=G6E, accelerator_count=1, memory_mib=1024)],
         r"compute_per_instance_type must hold 2-5 entries .*got 1"),
        ([InstanceTypeCompute(instance_type=G6E, accelerator_count=1, memory_mib=1024)] * 2,
         r"compute_per_instance_type must name each instance type once"),
        ([InstanceTypeCompute(instance_type=G6E, accelerator_count=1, memory_mib=1024),
          InstanceTypeCompute(instance_type=AcceleratorInstanceType.G6_2XLARGE, accelerator_count=1, memory_mib=1024)],
         r"compute_per_instance_type must cover exactly the endpoint's instance types \(ml\.g6e\.2xlarge, ml\.g5\.2xlarge\)"),
        ([InstanceTypeCompute(instance_type=G6E, accelerator_count=1, memory_mib=1024),
          InstanceTypeCompute(instance_type=G5, accelerator_count=2, memory_mib=1024)],
         r"compute_per_instance_type: accelerator_count \(2\) must be <= the 1 accelerator\(s\) of one ml\.g5\.2xlarge"),
    ],
)  # fmt: skip
def test_per_instance_type_compute_refuses(entries, message):
    with pytest.raises(ConfigurationError, match=message):
        add_component(_pooled(new_stack()), accelerator_count=None, memory_mib=None, compute_per_instance_type=entries)


def test_per_instance_type_compute_refuses_a_second_size_and_a_bad_entry():
    entries = [InstanceTypeCompute(instance_type=G6E, accelerator_count=1, memory_mib=1024),
               InstanceTypeCompute(instance_type=G5, accelerator_count=1, memory_mib=1024)]  # fmt: skip
    with pytest.raises(ConfigurationError, match=r"accelerator_count must be left out with compute_per_instance_type"):
        add_component(_pooled(new_stack()), compute_per_instance_type=entries)
    with pytest.raises(ConfigurationError, match=r"compute_per_instance_type\[\]\.memory_mib must be >= 128, got 0"):
        InstanceTypeCompute(instance_type=G5, accelerator_count=1, memory_mib=0)


# -- model-based components -------------------------------------------------------------------------------------------


def test_s3_prefix_data_makes_a_model_on_the_endpoint_role_and_the_component_names_it():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    component = add_component(endpoint, model_data=S3ModelData.from_s3_prefix(PREFIX, accept_eula=True),
                              environment={f"K{i}": "v" for i in range(20)})  # 20 entries: a Model takes 100
    template = Template.from_stack(stack)
    model = one(template, "AWS::SageMaker::Model")
    assert model["Properties"]["PrimaryContainer"]["ModelDataSource"]["S3DataSource"]["S3DataType"] == "S3Prefix"
    assert len(model["Properties"]["PrimaryContainer"]["Environment"]) == 20
    assert model["Properties"]["ExecutionRoleArn"] == {"Fn::GetAtt": [stack.get_logical_id(endpoint.role.node.default_child), "Arn"]}
    spec = _ic_props(stack)["Specification"]
    assert spec["ModelName"] == {"Fn::GetAtt": [stack.get_logical_id(component.model.model_resource), "ModelName"]}
    assert "Container" not in spec
    assert component.image is component.model.image  # the cache guard checks the model's image
    grants = statements_of(stack, template, endpoint.role)
    assert {"Action": "s3:ListBucket", "Condition": {"StringLike": {"s3:prefix": ["llama-3-8b/*"]}}, "Effect": "Allow",
            "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::models"]]}} in grants  # fmt: skip


def test_an_imported_model_is_run_by_name_and_the_guard_has_no_image():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    component = endpoint.add_inference_component(
        "Chat", model=Model.from_model_name(stack, "Existing", "my-model"), accelerator_count=1, memory_mib=8192)
    assert _ic_props(stack)["Specification"]["ModelName"] == "my-model"
    assert component.image is None


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"image": None}, r"image is required \(or model, or base_component for an adapter\), got None"),
        ({"model": "my-model"}, r"model must be a Model or Model\.from_model_name"),
        ({"accelerator_count": None}, r"accelerator_count is required"),
        ({"data_cache": 1}, r"data_cache must be True, False or None, got 1"),
        ({"scheduling": "BINPACK"}, r"scheduling must be a SchedulingConfig, got 'BINPACK'"),
        ({"rolling_update": 25}, r"rolling_update must be a RollingUpdate, got 25"),
        ({"auto_rollback": AutoRollback.on_invocation_errors()}, r"auto_rollback requires rolling_update"),
        ({"model_data": S3ModelData.from_s3_prefix(PREFIX), "environment": {"1BAD": "v"}},
         r"environment key '1BAD' must match"),
    ],
)  # fmt: skip
def test_component_levers_refuse(props, message):
    with pytest.raises(ConfigurationError, match=message):
        add_component(new_endpoint(new_stack()), **props)


def test_a_model_excludes_the_components_own_container():
    stack = new_stack()
    with pytest.raises(ConfigurationError, match=r"image must be left out with model"):
        add_component(new_endpoint(stack), model=Model.from_model_name(stack, "M", "m"))


def test_model_data_refuses_a_prefix_where_one_archive_is_required():
    with pytest.raises(ConfigurationError, match=r"'s3://models/llama/' is an S3 key prefix.*S3ModelData\.from_s3_prefix"):
        ModelData.from_s3_uri("s3://models/llama/")
    with pytest.raises(ConfigurationError, match=r"must end with \.tar\.gz"):
        ModelData.from_s3_uri("s3://models/llama/model.safetensors")


# -- data cache, scheduling, rolling update --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_data_cache_is_sent_when_given_even_false(value):
    stack = new_stack()
    add_component(new_endpoint(stack), data_cache=value)
    assert _ic_props(stack)["Specification"]["DataCacheConfig"] == {"EnableCaching": value}


def test_data_cache_and_scheduling_are_left_out_by_default():
    stack = new_stack()
    add_component(new_endpoint(stack))
    assert not {"DataCacheConfig", "SchedulingConfig"} & set(_ic_props(stack)["Specification"])
    assert "DeploymentConfig" not in _ic_props(stack)


def test_scheduling_renders_az_balance():
    stack = new_stack()
    add_component(new_endpoint(stack), scheduling=SchedulingConfig(placement_strategy=PlacementStrategy.SPREAD,
                                                                   max_imbalance=0))  # fmt: skip
    assert _ic_props(stack)["Specification"]["SchedulingConfig"] == {
        "PlacementStrategy": "SPREAD", "AvailabilityZoneBalance": {"EnforcementMode": "PERMISSIVE", "MaxImbalance": 0}}


def test_rolling_update_with_the_components_own_5xx_alarm():
    stack = new_stack()
    component = add_component(new_endpoint(stack), rolling_update=ROLLING,
                              auto_rollback=AutoRollback.on_invocation_errors(threshold=3))  # fmt: skip
    template = Template.from_stack(stack)
    alarm = next(a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm")
                             if a["Properties"].get("MetricName") == "Invocation5XXErrors")  # fmt: skip
    assert (alarm["MetricName"], alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == (
        "Invocation5XXErrors", "Sum", 60, 3)
    assert {"Name": "InferenceComponentName", "Value": component.component_name} in alarm["Dimensions"]
    alarm_id = stack.get_logical_id(component.alarm_invocation_errors().node.default_child)
    assert _ic_props(stack)["DeploymentConfig"] == {
        "RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 25}, "WaitIntervalInSeconds": 0},
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": {"Ref": alarm_id}}]},
    }  # fmt: skip


def test_rolling_update_warns_when_a_copy_batch_is_outside_5_to_50_percent():
    stack = new_stack()
    add_component(new_endpoint(stack), copy_count=2, rolling_update=RollingUpdate(
        maximum_batch_size=BatchSize.copy_count(2), wait_interval=Duration.minutes(1)))  # fmt: skip
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp(r"maximum_batch_size is 2 copies, outside 1-1"))


def test_rolling_update_warns_when_a_percent_batch_is_less_than_one_copy():
    stack = new_stack()
    add_component(new_endpoint(stack), copy_count=1, rolling_update=RollingUpdate(
        maximum_batch_size=BatchSize.capacity_percent(50), wait_interval=Duration.minutes(1)))  # fmt: skip
    Annotations.from_stack(stack).has_warning(
        "*", Match.string_like_regexp(r"50 percent of the copy count 1, 0.5 copies: less than one copy per step")
    )


def test_auto_rollback_counts_its_own_alarm_among_the_ten():
    stack = new_stack()
    alarms = [cw.Alarm.from_alarm_name(stack, f"A{i}", f"alarm-{i}") for i in range(10)]
    with pytest.raises(ConfigurationError, match=r"auto_rollback\.alarms must hold 1-10 alarms, got 11"):
        AutoRollback.on_invocation_errors(alarms=alarms)


# -- adapters ---------------------------------------------------------------------------------------------------------

ADAPTER = ModelData.from_s3_uri("s3://adapters/support/adapter.tar.gz")


def test_an_adapter_names_its_base_has_no_compute_or_copies_and_its_role_reads_the_artifacts():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    base = add_component(endpoint, "Base")
    adapter = endpoint.add_inference_component("Adapter", base_component=base, model_data=ADAPTER)
    template = Template.from_stack(stack)
    resource = template.to_json()["Resources"][stack.get_logical_id(adapter.component_resource)]
    assert resource["Properties"]["Specification"] == {
        "BaseInferenceComponentName": base.component_name, "Container": {"ArtifactUrl": ADAPTER.uri}}
    assert "RuntimeConfig" not in resource["Properties"]
    assert stack.get_logical_id(base.component_resource) in resource["DependsOn"]
    assert adapter.guaranteed_copies == 0 and adapter.size_on(endpoint.instance_type) is None
    grants = statements_of(stack, template, endpoint.role)
    assert any(s["Action"] == "s3:GetObject" and "adapters/support/adapter.tar.gz" in str(s["Resource"]) for s in grants)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"accelerator_count": 1}, r"accelerator_count must be left out for an adapter .*\"Omit this parameter"),
        ({"model_data": None}, r"model_data is required for an adapter and must be ModelData"),
        ({"model_data": S3ModelData.from_s3_prefix(PREFIX)}, r"model_data is required for an adapter and must be ModelData"),
        ({"image": ContainerImage.from_image_uri(IMAGE_URI)}, r"image must be left out for an adapter"),
        ({"copy_count": 1}, r"copy_count must be left out for an adapter"),
        ({"data_cache": True}, r"data_cache must be left out for an adapter"),
    ],
)  # fmt: skip
def test_adapter_refuses(props, message):
    stack = new_stack()
    endpoint = new_endpoint(stack)
    base = add_component(endpoint, "Base")
    with pytest.raises(ConfigurationError, match=message):
        endpoint.add_inference_component("Adapter", base_component=base, **{"model_data": ADAPTER, **props})


def test_an_adapter_cannot_scale_or_be_based_on_an_adapter_or_another_endpoint():
    stack = new_stack()
    endpoint = new_endpoint(stack)
    base = add_component(endpoint, "Base")
    adapter = endpoint.add_inference_component("Adapter", base_component=base, model_data=ADAPTER)
    with pytest.raises(ConfigurationError, match=r"an adapter has no copies of its own"):
        adapter.scale_on_concurrent_requests(max_copies=2, target_per_copy=4)
    with pytest.raises(ConfigurationError, match=r"base_component must hold a foundation model, got an adapter"):
        endpoint.add_inference_component("Nested", base_component=adapter, model_data=ADAPTER)
    other = new_endpoint(stack, "Other")
    with pytest.raises(ConfigurationError, match=r"base_component must be on the same endpoint"):
        other.add_inference_component("Elsewhere", base_component=base, model_data=ADAPTER)
