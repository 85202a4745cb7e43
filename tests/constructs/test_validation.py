"""Every synth-time rule: bad input fails with a message naming the property, the value and what is allowed."""

import aws_cdk as cdk
import pytest
from aws_cdk import Duration, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk.assertions import Annotations, Match, Template

from constructs_pkg import ContainerImage, ModelData

from ..helpers import add_component, new_endpoint, new_stack, one


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"instance_type": "ml.g6.2xlarge"}, r"instance_type must be an AcceleratorInstanceType .*got 'ml.g6.2xlarge'"),
        ({"max_instance_count": 0}, r"max_instance_count must be >= 1, got 0"),
        ({"min_instance_count": -1}, r"min_instance_count must be >= 0, got -1"),
        ({"initial_instance_count": 0}, r"initial_instance_count must be >= 1, got 0"),
        ({"min_instance_count": 3, "initial_instance_count": 3}, r"min_instance_count \(3\) must be <= max_instance_count \(2\)"),
        ({"initial_instance_count": 3}, r"initial_instance_count \(3\) must lie between min_instance_count \(1\) and max_instance_count \(2\)"),
        ({"max_instance_count": 1.5}, r"max_instance_count must be a whole number >= 1, got 1.5"),
        ({"endpoint_name": "my_endpoint"}, r"endpoint_name must be 1-63 letters, digits and hyphens.*got 'my_endpoint'"),
        ({"endpoint_name": "e" * 64}, r"endpoint_name must be 1-63"),
        ({"variant_name": "-bad"}, r"variant_name must be 1-63"),
        ({"volume_size_gb": 513}, r"volume_size_gb must be between 1 and 512, got 513"),
        ({"routing_strategy": "FASTEST"}, r"routing_strategy must be one of LEAST_OUTSTANDING_REQUESTS, RANDOM, PREFIX_AWARE, got 'FASTEST'"),
        ({"inference_ami_version": "al2-custom"}, r"inference_ami_version must be one of .*got 'al2-custom'"),
        ({"security_groups": []}, r"vpc_subnets and security_groups need vpc"),
        ({"cache_guard": "STRICT"}, r"cache_guard must be one of WARN, ENFORCE, OFF, got 'STRICT'"),
        ({"cache_purge_timeout": Duration.seconds(30)}, r"cache_purge_timeout must be between 60 and 3300 seconds, got 30 seconds"),
    ],
)  # fmt: skip
def test_endpoint_rejects(props, message):
    with pytest.raises(ValueError, match=message):
        new_endpoint(new_stack(), **props)


def test_endpoint_rejects_too_many_security_groups():
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])  # fmt: skip
    groups = [ec2.SecurityGroup(stack, f"Sg{i}", vpc=vpc) for i in range(6)]
    with pytest.raises(ValueError, match=r"security_groups must hold 1-5 groups, got 6"):
        new_endpoint(stack, vpc=vpc, security_groups=groups)


def test_endpoint_skips_tokens():
    stack = new_stack()
    count = Token.as_number(cdk.CfnParameter(stack, "Max", type="Number").value_as_number)
    new_endpoint(stack, max_instance_count=count)
    variant = one(Template.from_stack(stack), "AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"][0]
    assert variant["ManagedInstanceScaling"]["MaxInstanceCount"] == {"Ref": "Max"}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"accelerator_count": 0}, r"accelerator_count must be >= 1, got 0"),
        ({"accelerator_count": 5}, r"accelerator_count \(5\) must be <= the 4 accelerator\(s\) of one ml.g6.12xlarge"),
        ({"memory_mib": 100}, r"memory_mib must be >= 128, got 100"),
        ({"memory_mib": 192 * 1024 + 1}, r"memory_mib \(196609\) must be <= the 196608 MiB of one ml.g6.12xlarge"),
        ({"copy_count": -1}, r"copy_count must be >= 0, got -1"),
        ({"copy_count": 9}, r"copy_count \(9\) must be <= 8, the copies that fit on max_instance_count 2 x ml.g6.12xlarge"),
        ({"cpu_cores": 0.1}, r"cpu_cores must be a number >= 0.25, got 0.1"),
        ({"startup_health_check_timeout": Duration.seconds(30)}, r"startup_health_check_timeout must be between 60 and 3600 seconds, got 30 seconds"),
        ({"model_download_timeout": Duration.hours(2)}, r"model_download_timeout must be between 60 and 3600 seconds, got 7200 seconds"),
        ({"startup_health_check_timeout": 600}, r"startup_health_check_timeout must be an aws_cdk.Duration, got 600"),
        ({"component_name": "Bad_Name"}, r"component_name must be 1-63 letters.*got 'Bad_Name'"),
        ({"environment": {f"K{i:02}": "v" for i in range(17)}}, r"environment must have at most 16 entries, got 17"),
        ({"environment": {"1BAD": "v"}}, r"environment key '1BAD' must match"),
        ({"environment": {"OK_KEY": "v" * 1025}}, r"environment value of 'OK_KEY' must be a string of at most 1024"),
        ({"image": "nginx:latest"}, r"image must be a ContainerImage .*only Amazon ECR images are supported"),
        ({"model_data": "s3://b/k"}, r"model_data must be ModelData \(one \.tar\.gz.*or S3ModelData"),
    ],
)  # fmt: skip
def test_component_rejects(props, message):
    with pytest.raises(ValueError, match=message):
        add_component(new_endpoint(new_stack()), **props)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: ContainerImage.from_image_uri("docker.io/library/nginx:1"), r"image must be an Amazon ECR image URI.*got 'docker.io/library/nginx:1'"),
        (lambda: ContainerImage.lmi("0.1.0"), r"LMI version must be one of 0.36.0, .*got '0.1.0'"),
        (lambda: ContainerImage.lmi(digest="sha256:xyz"), r"digest must look like 'sha256:<64 lowercase hex>', got 'sha256:xyz'"),
        (lambda: ModelData.from_s3_uri("https://bucket/key"), r"model data URI must look like 's3://bucket/key', got 'https://bucket/key'"),
    ],
)  # fmt: skip
def test_image_and_model_data_reject(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_repository_image_rejects_tag_and_digest_together():
    stack = new_stack()
    repo = ecr.Repository(stack, "Repo")
    with pytest.raises(ValueError, match=r"takes tag or digest, not both"):
        ContainerImage.from_ecr_repository(repo, tag="v1", digest="sha256:" + "a" * 64)


@pytest.mark.parametrize(
    ("scaling", "message"),
    [
        ({"max_copies": 0}, r"max_copies must be >= 1, got 0"),
        ({"min_copies": -1}, r"min_copies must be >= 0, got -1"),
        ({"min_copies": 3, "max_copies": 2}, r"min_copies \(3\) must be <= max_copies \(2\)"),
        ({"target_per_copy": 0}, r"target_per_copy must be a number > 0, got 0"),
        ({"target_per_copy": -2.5}, r"target_per_copy must be a number > 0, got -2.5"),
        ({"scale_in_cooldown": Duration.hours(2)}, r"scale_in_cooldown must be between 0 and 3600 seconds, got 7200"),
        ({"scale_out_cooldown": Duration.seconds(3601)}, r"scale_out_cooldown must be between 0 and 3600 seconds"),
        ({"scale_out_cooldown": Duration.millis(1500)}, r"scale_out_cooldown must be whole seconds, got 1.5 seconds"),
        ({"max_copies": 9}, r"max_copies \(9\) must be <= 8: copies of 1 accelerator\(s\) and 8192 MiB that fit on max_instance_count 2 x ml.g6.12xlarge"),
    ],
)  # fmt: skip
def test_scaling_rejects(scaling, message):
    component = add_component(new_endpoint(new_stack()))
    with pytest.raises(ValueError, match=message):
        component.scale_on_concurrent_requests(**{"max_copies": 4, "target_per_copy": 5, **scaling})


def test_memory_limits_copies_per_instance():
    stack = new_stack()
    endpoint = new_endpoint(stack, max_instance_count=1)  # ml.g6.12xlarge: 4 GPUs, 192 GiB
    component = add_component(endpoint, memory_mib=100 * 1024)  # memory, not GPUs, allows 1 copy per instance
    with pytest.raises(ValueError, match=r"max_copies \(2\) must be <= 1"):
        component.scale_on_concurrent_requests(max_copies=2, target_per_copy=5)


def _two_components_on_one_instance(extra_accelerators: int) -> cdk.Stack:
    stack = new_stack()
    endpoint = new_endpoint(stack, max_instance_count=1)  # 4 GPUs
    add_component(endpoint, "A", accelerator_count=2, copy_count=1)
    b = add_component(endpoint, "B", accelerator_count=1, copy_count=1)
    b.scale_on_concurrent_requests(min_copies=1, max_copies=2, target_per_copy=4)
    if extra_accelerators:
        add_component(endpoint, "C", accelerator_count=extra_accelerators, copy_count=1)
    return stack


def test_guaranteed_copies_that_fit_are_accepted():
    template = Template.from_stack(_two_components_on_one_instance(1))  # 2 + 1 + 1 = 4 accelerators
    template.resource_count_is("AWS::SageMaker::InferenceComponent", 3)
    Annotations.from_stack(_two_components_on_one_instance(1)).has_no_error("*", Match.any_value())


def test_guaranteed_copies_of_all_components_must_fit():
    stack = _two_components_on_one_instance(2)  # 2 + 1 + 2 = 5 accelerators
    # Checked once the app is complete, and reported as an error annotation: `cdk synth` prints it and fails.
    Annotations.from_stack(stack).has_error(
        "*",
        Match.string_like_regexp(
            r"guaranteed copies \(A: 1 x \(2 accelerator\(s\), \d+ MiB\); B: 1 x \(1 accelerator\(s\), \d+ MiB\); "
            r"C: 1 x \(2 accelerator\(s\), \d+ MiB\)\) do not fit on max_instance_count 1 x ml\.g6\.12xlarge"
        ),
    )
