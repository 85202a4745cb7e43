"""The issue-13 levers as pure structs: one refusal per documented rule (the message names the property), and the
CloudFormation dict each valid input renders."""

from __future__ import annotations

import pytest
from aws_cdk import Duration, Token
from aws_cdk import aws_cloudwatch as cw

from constructs_pkg.capacity import (
    CapacityReservation,
    InstancePool,
    ScaleInPolicy,
    ScaleInStrategy,
    render_instance_pools,
    render_provision_timeout,
)
from constructs_pkg.deployment import AutoRollback, BatchSize, RollingUpdate, render_deployment_config
from constructs_pkg.instance_types import AcceleratorInstanceType
from constructs_pkg.model_data import Compression, S3DataType, S3ModelData
from constructs_pkg.placement import PlacementStrategy, SchedulingConfig

G6E = AcceleratorInstanceType.of("ml.g6e.2xlarge")
G6 = AcceleratorInstanceType.of("ml.g6.2xlarge")
G5 = AcceleratorInstanceType.of("ml.g5.2xlarge")
PLAN = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p4-for-inference-endpoint"


class _Alarm:
    """Stands in for ``cw.IAlarm``: AutoRollback reads only ``alarm_name``."""

    def __init__(self, name: str) -> None:
        self.alarm_name = name


# -- model data -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/models/llama"), r"model_data\.uri must end with '/'"),
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/models/llama.tar.gz"), r"model_data\.uri .*single archive.*from_s3_object"),
        (lambda: S3ModelData.from_s3_object("s3://bucket/models/llama/"), r"model_data\.uri .*key prefix.*from_s3_prefix"),
        (lambda: S3ModelData.from_s3_prefix("https://bucket.s3.amazonaws.com/m/"), r"model_data\.uri must look like 's3://bucket/key'"),
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/" + "a/" * 520), r"model_data\.uri must be at most 1024 characters"),
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/models//llama/"), r"model_data\.uri .*segment ''"),
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/models/./llama/"), r"model_data\.uri .*segment '\.'"),
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/models/../llama/"), r"model_data\.uri .*segment '\.\.'"),
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/" + "x" * 256 + "/"), r"model_data\.uri .*256 bytes"),
        (lambda: S3ModelData(uri="s3://bucket/m/", data_type=S3DataType.PREFIX, compression=Compression.GZIP),
         r"model_data\.compression must be None for an S3 prefix"),
        (lambda: S3ModelData.from_s3_prefix("s3://bucket/m/", accept_eula=1), r"accept_eula must be True, False or None"),
        (lambda: S3ModelData(uri="s3://bucket/m/", data_type="S3Prefix", compression=Compression.NONE),
         r"model_data\.data_type must be one of"),
        (lambda: S3ModelData.from_s3_prefix(Token.as_string({"Ref": "ModelData"})), r"model_data\.uri .*token.*from_bucket_prefix"),
    ],
)  # fmt: skip
def test_model_data_refuses(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_prefix_renders_uncompressed_prefix_with_eula():
    data = S3ModelData.from_s3_prefix("s3://bucket/models/llama/", accept_eula=True)
    assert data.render() == {
        "S3DataSource": {
            "S3Uri": "s3://bucket/models/llama/",
            "S3DataType": "S3Prefix",
            "CompressionType": "None",
            "ModelAccessConfig": {"AcceptEula": True},
        }
    }
    assert (data.bucket_name, data.key) == ("bucket", "models/llama/")


def test_prefix_without_eula_omits_model_access_config_and_false_is_kept():
    assert "ModelAccessConfig" not in S3ModelData.from_s3_prefix("s3://b/m/").render()["S3DataSource"]
    rendered = S3ModelData.from_s3_prefix("s3://b/m/", accept_eula=False).render()
    assert rendered["S3DataSource"]["ModelAccessConfig"] == {"AcceptEula": False}


@pytest.mark.parametrize(
    ("uri", "compression"),
    [("s3://b/m/model.tar.gz", "Gzip"), ("s3://b/m/model.tgz", "Gzip"), ("s3://b/m/model.safetensors", "None")],
)
def test_object_compression_follows_the_suffix(uri, compression):
    assert S3ModelData.from_s3_object(uri).render()["S3DataSource"] == {
        "S3Uri": uri, "S3DataType": "S3Object", "CompressionType": compression,
    }  # fmt: skip


def test_prefix_with_a_token_key_is_not_checked_but_its_bucket_is_parsed():
    key = Token.as_string({"Ref": "Prefix"})
    data = S3ModelData.from_s3_prefix(f"s3://bucket/{key}")
    assert data.bucket_name == "bucket"


# -- instance pools, provision timeout -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: InstancePool(instance_type=G6E, priority=0), r"instance_pools\[\]\.priority must be between 1 and 5, got 0"),
        (lambda: InstancePool(instance_type=G6E, priority=6), r"instance_pools\[\]\.priority must be between 1 and 5, got 6"),
        (lambda: InstancePool(instance_type="ml.g6e.2xlarge", priority=1), r"instance_pools\[\]\.instance_type must be an AcceleratorInstanceType"),
        (lambda: InstancePool(instance_type=G6E, priority=1, model_name_override="bad_name"), r"instance_pools\[\]\.model_name_override"),
        (lambda: render_instance_pools([]), r"instance_pools must hold 1-5 pools, got 0"),
        (lambda: render_instance_pools([InstancePool(instance_type=AcceleratorInstanceType.of(f"ml.g6e.{s}"), priority=1 + i % 5)
                                        for i, s in enumerate(["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"])]),
         r"instance_pools must hold 1-5 pools, got 6"),
        (lambda: render_instance_pools([InstancePool(instance_type=G6E, priority=1), InstancePool(instance_type=G6E, priority=2)]),
         r"instance_pools must name each instance type once, got ml\.g6e\.2xlarge"),
        (lambda: render_instance_pools([InstancePool(instance_type=G6E, priority=1), InstancePool(instance_type=G6, priority=1)]),
         r"instance_pools must give each pool its own priority.*priority 1"),
        (lambda: render_provision_timeout(Duration.seconds(299)), r"instance_provision_timeout must be between 300 and 3600 seconds, got 299"),
        (lambda: render_provision_timeout(Duration.seconds(3601)), r"instance_provision_timeout must be between 300 and 3600"),
        (lambda: render_provision_timeout(Duration.millis(300_500)), r"instance_provision_timeout must be whole seconds"),
        (lambda: render_provision_timeout(600), r"instance_provision_timeout must be an aws_cdk\.Duration"),
    ],
)  # fmt: skip
def test_capacity_refuses(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_pools_render_in_priority_order():
    pools = [
        InstancePool(instance_type=G5, priority=3),
        InstancePool(instance_type=G6E, priority=1, model_name_override="llama-g6e"),
        InstancePool(instance_type=G6, priority=2),
    ]
    assert render_instance_pools(pools) == [
        {"InstanceType": "ml.g6e.2xlarge", "Priority": 1, "ModelNameOverride": "llama-g6e"},
        {"InstanceType": "ml.g6.2xlarge", "Priority": 2},
        {"InstanceType": "ml.g5.2xlarge", "Priority": 3},
    ]


def test_provision_timeout_renders_whole_seconds():
    assert render_provision_timeout(Duration.minutes(10)) == 600
    assert render_provision_timeout(Duration.seconds(300)) == 300


# -- capacity reservation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "why"),
    [
        ("arn:aws:sagemaker:us-east-1:123456789012:reserved-capacity/x", "17-character resource type"),
        ("arn:aws:ec2:us-east-1:123456789012:capacity-reservation/cr-1", "not sagemaker"),
        ("arn:aws:sagemaker:us-east-1:1234:training-plan/x", "short account"),
        ("arn:aws:sagemaker:us-east-1:123456789012:training-plan", "no resource id"),
        ("arn:aws:sagemaker:x", "too short"),
    ],
)
def test_reservation_refuses_an_arn_outside_the_api_pattern(arn, why):
    with pytest.raises(ValueError, match=r"capacity_reservation\.ml_reservation_arn must be a SageMaker reservation ARN"):
        CapacityReservation(ml_reservation_arn=arn)


def test_reservation_refuses_an_unknown_preference():
    with pytest.raises(ValueError, match=r"capacity_reservation\.preference must be"):
        CapacityReservation(ml_reservation_arn=PLAN, preference="capacity-reservations-first")


def test_reservation_renders_only_mode_and_passes_a_token_arn():
    assert CapacityReservation(ml_reservation_arn=PLAN)._render() == {
        "MlReservationArn": PLAN, "CapacityReservationPreference": "capacity-reservations-only",
    }  # fmt: skip
    token = Token.as_string({"Ref": "Plan"})
    assert CapacityReservation(ml_reservation_arn=token)._render()["MlReservationArn"] == token


# -- scale-in policy --------------------------------------------------------------------------------------------------

CONSOLIDATION = ScaleInStrategy.CONSOLIDATION


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"strategy": "CONSOLIDATE"}, r"scale_in\.strategy must be IDLE_RELEASE or CONSOLIDATION"),
        ({"strategy": CONSOLIDATION, "maximum_step_size": 0}, r"scale_in\.maximum_step_size must be between 1 and 100, got 0"),
        ({"strategy": CONSOLIDATION, "maximum_step_size": 101}, r"scale_in\.maximum_step_size must be between 1 and 100"),
        ({"strategy": CONSOLIDATION, "cooldown": Duration.minutes(4)}, r"scale_in\.cooldown must be between 300 and 86400 seconds"),
        ({"strategy": CONSOLIDATION, "cooldown": Duration.minutes(1441)}, r"scale_in\.cooldown must be between 300 and 86400"),
        ({"strategy": CONSOLIDATION, "cooldown": Duration.seconds(330)}, r"scale_in\.cooldown must be whole minutes, got 330"),
        ({"strategy": ScaleInStrategy.IDLE_RELEASE, "maximum_step_size": 2}, r"scale_in\.maximum_step_size applies only to the CONSOLIDATION"),
        ({"strategy": ScaleInStrategy.IDLE_RELEASE, "cooldown": Duration.minutes(30)}, r"scale_in\.cooldown applies only to the CONSOLIDATION"),
    ],
)  # fmt: skip
def test_scale_in_refuses(props, message):
    with pytest.raises(ValueError, match=message):
        ScaleInPolicy(**props)


def test_scale_in_renders():
    assert ScaleInPolicy(strategy=ScaleInStrategy.IDLE_RELEASE)._render() == {"Strategy": "IDLE_RELEASE"}
    policy = ScaleInPolicy(strategy=CONSOLIDATION, maximum_step_size=1, cooldown=Duration.hours(1))
    assert policy._render() == {"Strategy": "CONSOLIDATION", "MaximumStepSize": 1, "CooldownInMinutes": 60}


# -- scheduling -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"placement_strategy": "PACK"}, r"scheduling\.placement_strategy must be SPREAD or BINPACK"),
        ({"placement_strategy": PlacementStrategy.SPREAD, "max_imbalance": -1}, r"scheduling\.max_imbalance must be between 0 and 100, got -1"),
        ({"placement_strategy": PlacementStrategy.SPREAD, "max_imbalance": 101}, r"scheduling\.max_imbalance must be between 0 and 100"),
        ({"placement_strategy": PlacementStrategy.SPREAD, "max_imbalance": 1.5}, r"scheduling\.max_imbalance must be a whole number"),
        ({"placement_strategy": PlacementStrategy.SPREAD, "enforcement_mode": "STRICT"}, r"scheduling\.enforcement_mode must be PERMISSIVE"),
    ],
)  # fmt: skip
def test_scheduling_refuses(props, message):
    with pytest.raises(ValueError, match=message):
        SchedulingConfig(**props)


def test_scheduling_always_renders_az_balance_and_keeps_zero_imbalance():
    assert SchedulingConfig(placement_strategy=PlacementStrategy.BINPACK)._render() == {
        "PlacementStrategy": "BINPACK", "AvailabilityZoneBalance": {"EnforcementMode": "PERMISSIVE"},
    }  # fmt: skip
    rendered = SchedulingConfig(placement_strategy=PlacementStrategy.SPREAD, max_imbalance=0)._render()
    assert rendered["AvailabilityZoneBalance"] == {"EnforcementMode": "PERMISSIVE", "MaxImbalance": 0}


# -- deployment -------------------------------------------------------------------------------------------------------

WAIT = Duration.seconds(60)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: BatchSize.copy_count(0), r"batch size value must be >= 1, got 0"),
        (lambda: BatchSize.capacity_percent(101), r"batch size value must be between 1 and 100, got 101"),
        (lambda: BatchSize(type="COPIES", value=1), r"batch size type must be COPY_COUNT or CAPACITY_PERCENT"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.capacity_percent(4), wait_interval=WAIT),
         r"rolling_update\.maximum_batch_size must be 5-50 percent of the copy count, got 4"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.capacity_percent(51), wait_interval=WAIT),
         r"rolling_update\.maximum_batch_size must be 5-50 percent"),
        (lambda: RollingUpdate(maximum_batch_size=2, wait_interval=WAIT), r"rolling_update\.maximum_batch_size must be a BatchSize"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=None),
         r"rolling_update\.wait_interval is required"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=Duration.seconds(3601)),
         r"rolling_update\.wait_interval must be between 0 and 3600 seconds"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=Duration.millis(1500)),
         r"rolling_update\.wait_interval must be whole seconds"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=WAIT, maximum_execution_timeout=Duration.seconds(599)),
         r"rolling_update\.maximum_execution_timeout must be between 600 and 28800 seconds"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=WAIT, maximum_execution_timeout=Duration.hours(9)),
         r"rolling_update\.maximum_execution_timeout must be between 600 and 28800"),
        (lambda: RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=WAIT, rollback_maximum_batch_size=100),
         r"rolling_update\.rollback_maximum_batch_size must be a BatchSize"),
        (lambda: AutoRollback(alarms=[]), r"auto_rollback\.alarms must hold 1-10 alarms, got 0"),
        (lambda: AutoRollback(alarms=[_Alarm(f"a{i}") for i in range(11)]), r"auto_rollback\.alarms must hold 1-10 alarms, got 11"),
        (lambda: AutoRollback(alarms=[_Alarm("  ")]), r"auto_rollback alarm name must be 1-255 characters, not blank"),
        (lambda: AutoRollback(alarms=[_Alarm("x" * 256)]), r"auto_rollback alarm name must be 1-255"),
        (lambda: AutoRollback(alarms=[_Alarm("errors"), _Alarm("errors")]), r"auto_rollback\.alarms must be distinct, got errors"),
        (lambda: AutoRollback(alarms=["errors"]), r"auto_rollback\.alarms must be CloudWatch alarms"),
        (lambda: render_deployment_config(None, AutoRollback(alarms=[_Alarm("errors")])), r"auto_rollback requires rolling_update"),
    ],
)  # fmt: skip
def test_deployment_refuses(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_deployment_config_renders_required_members_and_zero_wait():
    update = RollingUpdate(maximum_batch_size=BatchSize.capacity_percent(25), wait_interval=Duration.seconds(0))
    assert render_deployment_config(update, None) == {
        "RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 25}, "WaitIntervalInSeconds": 0}
    }
    assert render_deployment_config(None, None) is None


def test_deployment_config_renders_everything():
    update = RollingUpdate(
        maximum_batch_size=BatchSize.copy_count(2),
        wait_interval=Duration.minutes(5),
        maximum_execution_timeout=Duration.hours(2),
        rollback_maximum_batch_size=BatchSize.capacity_percent(100),
    )
    assert render_deployment_config(update, AutoRollback(alarms=[_Alarm("5xx"), _Alarm("latency")])) == {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": 2},
            "WaitIntervalInSeconds": 300,
            "MaximumExecutionTimeoutInSeconds": 7200,
            "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "5xx"}, {"AlarmName": "latency"}]},
    }


@pytest.mark.parametrize(("copies", "batch", "warned"), [(10, 1, False), (10, 5, False), (10, 6, True), (1, 1, False), (40, 1, True)])
def test_copy_count_batch_warning_reads_5_to_50_percent(copies, batch, warned):
    update = RollingUpdate(maximum_batch_size=BatchSize.copy_count(batch), wait_interval=WAIT)
    warning = update.batch_size_warning(copies)
    assert (warning is not None) == warned
    if warned:
        assert "rolling_update.maximum_batch_size" in warning


@pytest.mark.parametrize(("copies", "percent", "warned"), [(1, 50, True), (1, 5, True), (2, 50, False), (19, 5, True),
                                                        (20, 5, False), (3, 34, False), (3, 33, True), (0, 50, False)])
def test_percent_batch_below_one_copy_is_warned(copies, percent, warned):
    """50% of 1 copy is half a copy: SageMaker replaces whole copies, so it must round or refuse (issue 17)."""
    update = RollingUpdate(maximum_batch_size=BatchSize.capacity_percent(percent), wait_interval=WAIT)
    warning = update.batch_size_warning(copies)
    assert (warning is not None) == warned
    if warned:
        assert f"{percent} percent of the copy count {copies}" in warning and "less than one copy" in warning
        assert "The value must be between 5% to 50% of the copy count" in warning


def test_auto_rollback_takes_real_alarms():
    import aws_cdk as cdk

    stack = cdk.Stack()
    alarm = cw.Alarm.from_alarm_name(stack, "Errors", "endpoint-5xx")
    rolling = RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=Duration.seconds(0))
    rendered = render_deployment_config(rolling, AutoRollback(alarms=[alarm]))
    assert rendered is not None
    assert rendered["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": "endpoint-5xx"}]}


def test_token_durations_pass_in_seconds_and_are_refused_in_other_units():
    seconds = Token.as_number({"Ref": "Seconds"})
    assert Token.is_unresolved(render_provision_timeout(Duration.seconds(seconds)))
    with pytest.raises(ValueError, match=r"instance_provision_timeout from a token must be Duration\.seconds\(token\)"):
        render_provision_timeout(Duration.minutes(seconds))
    update = RollingUpdate(maximum_batch_size=BatchSize.copy_count(1), wait_interval=Duration.seconds(seconds))
    assert Token.is_unresolved(render_deployment_config(update, None)["RollingUpdatePolicy"]["WaitIntervalInSeconds"])
    with pytest.raises(ValueError, match=r"scale_in\.cooldown must be a concrete duration"):
        ScaleInPolicy(strategy=CONSOLIDATION, cooldown=Duration.minutes(seconds))


def test_token_priority_and_step_size_pass_unchecked():
    priority = Token.as_number({"Ref": "Priority"})
    assert render_instance_pools([InstancePool(instance_type=G6E, priority=priority)])[0]["Priority"] == priority
    assert ScaleInPolicy(strategy=CONSOLIDATION, maximum_step_size=priority)._render()["MaximumStepSize"] == priority
