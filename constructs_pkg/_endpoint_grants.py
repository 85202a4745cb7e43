"""What SageMaker does with an endpoint's execution role at run time: logs, metrics, network interfaces, volume key."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from . import _nag, _scope


def grant_runtime_access(
    role: iam.IRole,
    encryption_key: kms.IKey,
    connections: ec2.Connections,
    endpoint_name: str,
    subnet_ids: list[str],
    vpc_id: str | None,
) -> None:
    """Logs, metrics, network interfaces and the volume key: what SageMaker does with the role at run time.

    Added through ``add_to_principal_policy``, so an imported role is left as it is.
    """
    prefix = _scope.arn("logs", "log-group:/aws/sagemaker/Endpoints/")
    statements = [
        iam.PolicyStatement(
            sid="EndpointLogs",
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[f"{prefix}{endpoint_name}", f"{prefix}{endpoint_name}:log-stream:*"],
        ),
        iam.PolicyStatement(
            sid="SageMakerMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],  # PutMetricData has no resource type; the namespace condition scopes it
            conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        ),
    ]
    if connections.security_groups:
        ec2_arn = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        statements += [
            iam.PolicyStatement(
                sid="VpcDescribe",
                actions=[
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                resources=["*"],  # EC2 Describe* actions have no resource type
            ),
            # CreateNetworkInterface authorizes the new interface, its subnet and its security groups together
            # (Service Authorization Reference): one statement, bound to the endpoint's subnets and groups.
            iam.PolicyStatement(
                sid="VpcCreateNetworkInterface",
                actions=["ec2:CreateNetworkInterface"],
                resources=[
                    f"{ec2_arn}:network-interface/*",
                    *(f"{ec2_arn}:subnet/{subnet}" for subnet in subnet_ids),
                    *(f"{ec2_arn}:security-group/{sg.security_group_id}" for sg in connections.security_groups),
                ],
            ),
            # The other three act on existing interfaces, whose ec2:Vpc key confines them to this VPC.
            iam.PolicyStatement(
                sid="VpcNetworkInterfaces",
                actions=[
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                ],
                resources=[f"{ec2_arn}:network-interface/*"],
                conditions={"ArnEquals": {"ec2:Vpc": f"{ec2_arn}:vpc/{vpc_id}"}},
            ),
        ]
    for statement in statements:
        role.add_to_principal_policy(statement)
    _nag.acknowledge_all(
        role,
        [
            *_nag.in_packs("IAMNoInlinePolicy", _nag.INLINE_POLICY_REASON),
            (
                _nag.log_streams(f"/aws/sagemaker/Endpoints/{endpoint_name}"),
                "SageMaker names the endpoint's log streams after instances it has not launched yet; "
                "the grant is confined to this endpoint's own log group.",
            ),
            (
                _nag.wildcard_resource("*"),
                "ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource type; PutMetricData is "
                "confined by a cloudwatch:namespace condition to /aws/sagemaker/*.",
            ),
            *(
                [(
                    _nag.wildcard_resource(f"arn:{_nag.PARTITION}:ec2:{_nag.REGION}:{_nag.ACCOUNT}:network-interface/*"),
                    "SageMaker creates the endpoint's network interfaces in the given subnets, so their IDs do not "
                    "exist at deploy time; ec2:CreateNetworkInterface is bound to the endpoint's subnets and "
                    "security groups in the same statement, and the delete and permission actions to its VPC by "
                    "ec2:Vpc.",
                )]
                if connections.security_groups
                else []
            ),
        ],
    )  # fmt: skip
    # SageMaker attaches the encrypted ML storage volumes through a grant made with this role.
    encryption_key.grant(role, "kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey")
