"""A SageMaker Model (``AWS::SageMaker::Model``) for inference components that reference a model by name.

A component whose data is an uncompressed S3 prefix, or a gated model whose EULA must be accepted, cannot carry that
data in its own container (``ArtifactUrl`` takes one ``.tar.gz`` only), so it names a ``Model`` instead:
``InferenceComponentSpecification.ModelName``, "The name of an existing SageMaker AI model object in your account
that you want to deploy with the inference component." (botocore).

Every property of ``AWS::SageMaker::Model`` is create-only, so any change to the image, environment or data replaces
the model. The library therefore never sets ``ModelName``: CloudFormation cannot replace a custom-named resource, and
the component referencing ``attr_model_name`` is updated in place to the new model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Resource, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from . import _nag
from . import _validation as v
from ._iam import SAGEMAKER_PRINCIPAL
from ._naming import imported_arn
from .errors import ConfigurationError, path_of, report_warning
from .images import BoundImage, ContainerImage, ModelData
from .interfaces import IModel
from .model_data import S3ModelData

EULA_NOT_ACCEPTED_WARNING = "constructs-pkg:eula-not-accepted"


class Model(Resource):
    """A model with one container: an ECR image, optional S3 data and environment, and an execution role.

    The role gets ECR pull on the image's repository and read access to the data (see ``S3ModelData.grant_read``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        image: ContainerImage,
        model_data: S3ModelData | ModelData | None = None,
        environment: Mapping[str, str] | None = None,
        role: iam.IRole | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    ) -> None:
        """
        :param image: The container image (``ContainerImage.lmi()``, ``from_ecr_repository``, ``from_image_uri``).
        :param model_data: ``S3ModelData`` (a prefix or an object, rendered as ``ModelDataSource``) or ``ModelData``
            (one ``.tar.gz``, rendered as ``ModelDataUrl``). Default: none (the image carries or downloads the model).
        :param environment: Container environment: at most 100 entries, keys ``[a-zA-Z_][a-zA-Z0-9_]*``, each key and
            value at most 1024 bytes, all together at most 32 KB. Default: none.
        :param role: Execution role SageMaker assumes to pull the image and read the data. Pass the endpoint's role to
            keep one role per endpoint. Default: a new role trusted by ``sagemaker.amazonaws.com``.
        :param vpc: Run the model's container in this VPC (``VpcConfig``). Requires ``role``: the role needs the
            network-interface permissions the endpoint grants its own role in the same VPC. Default: no VPC.
        :param vpc_subnets: 1-16 subnets within ``vpc``. Default: CDK's default selection (the private subnets).
        :param security_groups: 1-5 security groups. Default: one new group in ``vpc``.
        """
        errors: list[str] = []
        if not isinstance(image, ContainerImage):
            errors.append(f"image must be a ContainerImage (lmi, from_ecr_repository or from_image_uri), got {image!r}")
        if model_data is not None and not isinstance(model_data, (S3ModelData, ModelData)):
            errors.append(
                "model_data must be S3ModelData (from_s3_prefix, from_bucket_prefix, from_s3_object, "
                f"from_bucket_object) or ModelData (one .tar.gz), got {model_data!r}"
            )
        v.model_environment(errors, environment)
        if vpc is None and (vpc_subnets is not None or security_groups is not None):
            errors.append("vpc_subnets and security_groups require vpc")
        if vpc is not None and role is None:
            errors.append(
                "vpc requires role: pass the endpoint's role, which holds the network-interface permissions "
                "SageMaker needs in the VPC"
            )
        if security_groups is not None and not 1 <= len(security_groups) <= 5:
            errors.append(f"security_groups must hold 1-5 groups, got {len(security_groups)}")
        v.raise_if_any(errors, "Model", path_of(scope, id))
        super().__init__(scope, id)

        self.role = role if role is not None else iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal(SAGEMAKER_PRINCIPAL), description="Execution role of a SageMaker model"
        )
        self.image: BoundImage = image.bind(self)
        self.model_data = model_data
        self.image.repository.grant_pull(self.role)
        if model_data is not None:
            model_data.grant_read(self.role)
        self._acknowledge_grants(created_role=role is None)
        if isinstance(model_data, S3ModelData) and model_data.accept_eula is False:
            report_warning(self, EULA_NOT_ACCEPTED_WARNING,
                "accept_eula is False: a model that requires a EULA will fail to deploy; \"The AcceptEula value must "
                "be explicitly defined as True in order to accept the EULA that this model requires.\"",
            )

        resource = sagemaker.CfnModel(self, "Resource", execution_role_arn=self.role.role_arn)
        # Plain CloudFormation dicts go in as overrides: typed props silently drop PascalCase keys.
        resource.add_property_override("PrimaryContainer", self._container(environment))
        if vpc is not None:
            resource.add_property_override("VpcConfig", self._vpc_config(vpc, vpc_subnets, security_groups))
        # CreateModel runs only once the role's policy (ECR pull, S3 read) exists; a no-op for an imported role.
        resource.node.add_dependency(self.role)
        self.model_resource = resource
        #: The container environment as given (an isolated endpoint checks it for model downloads at start).
        self.environment: dict[str, str] = dict(environment or {})
        #: ``Fn::GetAtt ModelName``: referencing it orders a component after the model.
        self.model_name: str = resource.attr_model_name
        self.model_arn: str = resource.attr_model_arn

    def _acknowledge_grants(self, *, created_role: bool) -> None:
        """cdk-nag acknowledgements, each with its reason, for the grants this model adds to the role."""
        rules: list[tuple[str, str]] = []
        if isinstance(self.model_data, S3ModelData) and self.model_data.is_prefix:
            rules.append((
                _nag.wildcard_resource(_nag_text(Stack.of(self).resolve(self.model_data.objects_arn))),
                "SageMaker reads every object under the model's S3 key prefix (S3DataType S3Prefix); the grant is "
                "confined to that prefix.",
            ))  # fmt: skip
        if created_role:
            rules.append((
                _nag.wildcard_resource("*"),
                "ecr:GetAuthorizationToken has no resource type; the image pull itself is scoped to the repository.",
            ))  # fmt: skip
            rules += _nag.in_packs("IAMNoInlinePolicy", _nag.INLINE_POLICY_REASON)
        if rules:
            _nag.acknowledge_all(self.role, rules)

    def _container(self, environment: Mapping[str, str] | None) -> dict[str, Any]:
        container: dict[str, Any] = {"Image": self.image.image_uri}
        if isinstance(self.model_data, S3ModelData):
            container["ModelDataSource"] = self.model_data.render()
        elif isinstance(self.model_data, ModelData):
            container["ModelDataUrl"] = self.model_data.uri
        if environment is not None:
            container["Environment"] = dict(environment)
        return container

    def _vpc_config(
        self,
        vpc: ec2.IVpc,
        vpc_subnets: ec2.SubnetSelection | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
    ) -> dict[str, Any]:
        if security_groups is None:
            security_groups = [ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, description="SageMaker model")]
        selection = {} if vpc_subnets is None else dict(vpc_subnets._values)  # jsii struct fields
        subnet_ids = vpc.select_subnets(**selection).subnet_ids
        if not v.is_token(subnet_ids) and not 1 <= len(subnet_ids) <= 16:
            raise ConfigurationError(self.node.path, "Model", [f"vpc_subnets must select 1-16 subnets, got {len(subnet_ids)}"])
        return {"SecurityGroupIds": [sg.security_group_id for sg in security_groups], "Subnets": subnet_ids}

    @staticmethod
    def from_model_name(scope: Construct, id: str, model_name: str) -> IModel:
        """A model that exists already, by name (1-63 letters, digits and hyphens)."""
        errors: list[str] = []
        v.sagemaker_name(errors, "model_name", model_name)
        v.raise_if_any(errors, "imported model", path_of(scope, id))
        return _ImportedModel(scope, id, model_name)


class _ImportedModel(Resource):
    def __init__(self, scope: Construct, id: str, model_name: str) -> None:
        super().__init__(scope, id)
        self.model_name = model_name
        self.model_arn = imported_arn(self, "model", model_name)
        #: Unknown for an imported model: the cache guard cannot check it.
        self.image: BoundImage | None = None


def _nag_text(resolved: object) -> str:
    """A resolved CloudFormation string as cdk-nag prints it in a finding id: ``Ref X`` as ``<X>``,
    ``Fn::GetAtt [X, A]`` as ``<X.A>``, ``Fn::Join`` concatenated."""
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, dict):
        if "Ref" in resolved:
            return f"<{resolved['Ref']!s}>"
        if "Fn::GetAtt" in resolved:
            return "<" + ".".join(str(part) for part in resolved["Fn::GetAtt"]) + ">"
        if "Fn::Join" in resolved:
            separator, parts = resolved["Fn::Join"]
            return str(separator).join(_nag_text(part) for part in parts)
    return str(resolved)
