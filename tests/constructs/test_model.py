"""The Model construct: an uncompressed S3 prefix with an accepted EULA, the role's scoped S3 grants, and imports."""

from __future__ import annotations

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from constructs_pkg.images import ContainerImage, ModelData
from constructs_pkg.model import Model
from constructs_pkg.model_data import S3ModelData

from ..helpers import IMAGE_URI, new_stack, one, statements_of

PREFIX_URI = "s3://jumpstart-private-cache-prod-us-east-1/meta-textgeneration/llama-3-8b/inference-prepack/v1.1.0/"
ENVIRONMENT = {"HF_MODEL_ID": "/opt/ml/model", "OPTION_TENSOR_PARALLEL_DEGREE": "4"}


def _prefix_model(stack, **props):
    props = {
        "image": ContainerImage.from_image_uri(IMAGE_URI),
        "model_data": S3ModelData.from_s3_prefix(PREFIX_URI, accept_eula=True),
        "environment": ENVIRONMENT,
        **props,
    }
    return Model(stack, "Llama", **props)


def _resolve(stack, value):
    return stack.resolve(value)


def test_prefix_model_renders_model_data_source_with_eula_and_no_name():
    stack = new_stack()
    model = _prefix_model(stack)
    resource = one(Template.from_stack(stack), "AWS::SageMaker::Model")
    properties = resource["Properties"]
    assert "ModelName" not in properties
    assert properties["PrimaryContainer"] == {
        "Image": IMAGE_URI,
        "ModelDataSource": {
            "S3DataSource": {
                "S3Uri": PREFIX_URI,
                "S3DataType": "S3Prefix",
                "CompressionType": "None",
                "ModelAccessConfig": {"AcceptEula": True},
            }
        },
        "Environment": ENVIRONMENT,
    }
    assert properties["ExecutionRoleArn"] == _resolve(stack, model.role.role_arn)
    assert "VpcConfig" not in properties
    assert _resolve(stack, model.model_name) == {"Fn::GetAtt": [stack.get_logical_id(model.model_resource), "ModelName"]}


def test_prefix_grants_list_with_prefix_condition_and_get_under_the_prefix_only():
    stack = new_stack()
    model = _prefix_model(stack)
    statements = statements_of(stack, Template.from_stack(stack), model.role)
    s3_statements = [s for s in statements if str(s["Action"]).startswith("s3:")]
    partition_arn = lambda tail: {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, tail]]}  # noqa: E731
    key = "meta-textgeneration/llama-3-8b/inference-prepack/v1.1.0/"
    assert s3_statements == [
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": [f"{key}*"]}},
            "Effect": "Allow",
            "Resource": partition_arn(":s3:::jumpstart-private-cache-prod-us-east-1"),
        },
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": partition_arn(f":s3:::jumpstart-private-cache-prod-us-east-1/{key}*"),
        },
    ]
    assert any("ecr:BatchGetImage" in s["Action"] for s in statements)


def test_model_waits_for_the_role_policy_it_creates():
    stack = new_stack()
    model = _prefix_model(stack)
    resource = one(Template.from_stack(stack), "AWS::SageMaker::Model")
    policy = model.role.node.try_find_child("DefaultPolicy").node.default_child
    assert stack.get_logical_id(policy) in resource["DependsOn"]


def test_single_archive_model_data_renders_model_data_url_and_exact_object_grant():
    stack = new_stack()
    uri = "s3://artifacts-bucket/llama/model.tar.gz"
    model = _prefix_model(stack, model_data=ModelData.from_s3_uri(uri), environment=None)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {"PrimaryContainer": {"Image": IMAGE_URI, "ModelDataUrl": uri, "ModelDataSource": Match.absent(), "Environment": Match.absent()}},
    )
    statements = statements_of(stack, template, model.role)
    assert not [s for s in statements if s["Action"] == "s3:ListBucket"]
    get = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert get[0]["Resource"]["Fn::Join"][1][-1] == ":s3:::artifacts-bucket/llama/model.tar.gz"


def test_own_bucket_prefix_grants_on_the_bucket_and_its_key():
    stack = new_stack()
    key = kms.Key(stack, "Key")
    bucket = s3.Bucket(stack, "Models", encryption_key=key)
    role = iam.Role(stack, "Shared", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    _prefix_model(stack, model_data=S3ModelData.from_bucket_prefix(bucket, "qwen3-8b/"), role=role)
    statements = statements_of(stack, Template.from_stack(stack), role)
    bucket_id = stack.get_logical_id(bucket.node.default_child)
    listing = next(s for s in statements if s["Action"] == "s3:ListBucket")
    assert listing["Resource"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["qwen3-8b/*"]}}
    get = next(s for s in statements if s["Action"] == "s3:GetObject")
    assert get["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/qwen3-8b/*"]]}
    assert any("kms:Decrypt" in s["Action"] for s in statements)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)  # the given role, no new one


def test_vpc_config_uses_the_given_role_subnets_and_a_new_security_group():
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    role = iam.Role(stack, "Shared", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    model = _prefix_model(stack, vpc=vpc, role=role)
    resource = one(Template.from_stack(stack), "AWS::SageMaker::Model")
    subnets = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids
    assert len(subnets) == 2
    assert resource["Properties"]["VpcConfig"]["Subnets"] == _resolve(stack, subnets)
    group = model.node.find_child("SecurityGroup")
    assert resource["Properties"]["VpcConfig"]["SecurityGroupIds"] == [_resolve(stack, group.security_group_id)]


def test_eula_false_is_rendered_and_warned():
    stack = new_stack()
    _prefix_model(stack, model_data=S3ModelData.from_s3_prefix(PREFIX_URI, accept_eula=False))
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::Model",
        {"PrimaryContainer": {"ModelDataSource": {"S3DataSource": Match.object_like({"ModelAccessConfig": {"AcceptEula": False}})}}},
    )
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp("accept_eula is False"))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"image": IMAGE_URI}, r"image must be a ContainerImage"),
        ({"model_data": PREFIX_URI}, r"model_data must be S3ModelData"),
        ({"environment": {f"K{i}": "v" for i in range(101)}}, r"environment must have at most 100 entries, got 101"),
        ({"environment": {"1BAD": "v"}}, r"environment key '1BAD' must match"),
        ({"environment": {"K": "v" * 1025}}, r"environment value of 'K' must be a string of at most 1024 bytes"),
        ({"environment": {f"K{i:02}": "v" * 1000 for i in range(34)}}, r"environment keys and values must total at most 32768 bytes"),
        ({"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)}, r"vpc_subnets and security_groups require vpc"),
    ],
)  # fmt: skip
def test_model_refuses(props, message):
    stack = new_stack()
    with pytest.raises(ValueError, match=rf"TestStack/Llama: invalid Model: .*{message}"):
        _prefix_model(stack, **props)


def test_model_in_a_vpc_needs_the_endpoint_role():
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    with pytest.raises(ValueError, match=r"vpc requires role"):
        _prefix_model(stack, vpc=vpc)


def test_from_model_name_imports_by_name_with_a_lowercase_arn():
    stack = new_stack()
    model = Model.from_model_name(stack, "Existing", "Llama-3-8B")
    assert model.model_name == "Llama-3-8B"
    assert _resolve(stack, model.model_arn)["Fn::Join"][1][-1] == ":sagemaker:us-east-1:123456789012:model/llama-3-8b"
    assert not stack.node.find_child("Existing").node.children  # an import defines no resource


def test_from_model_name_refuses_an_invalid_name():
    stack = new_stack()
    with pytest.raises(ValueError, match=r"model_name must be 1-63 letters, digits and hyphens.*'llama_3'"):
        Model.from_model_name(stack, "Existing", "llama_3")


def test_model_grants_pass_the_nag_packs_with_reasons(tmp_path):
    import json

    import aws_cdk as cdk
    from aws_cdk import Validations

    from ..conftest import cdk_context
    from ..test_examples import nag_packs

    app = cdk.App(outdir=str(tmp_path), context=cdk_context())
    stack = cdk.Stack(app, "Nag", env=cdk.Environment(account="123456789012", region="us-east-1"))
    _prefix_model(stack)
    stack_bucket = s3.Bucket.from_bucket_name(stack, "Imported", "models-bucket")
    Model(stack, "Own", image=ContainerImage.lmi(), model_data=S3ModelData.from_bucket_prefix(stack_bucket, "qwen/"))
    Validations.of(app).add_plugins(*nag_packs(app))
    try:
        app.synth()
        findings = []
    except RuntimeError:
        report = json.loads((tmp_path / "validation-report.json").read_text())
        findings = [v["ruleName"] for p in report["pluginReports"] for v in p["violations"]]
    assert findings == []
