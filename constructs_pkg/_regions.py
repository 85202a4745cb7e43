"""Warn at synth time when a concrete region lacks a resource type the library emits (data: _region_support.py)."""

from __future__ import annotations

import jsii
from aws_cdk import Aspects, CfnResource, IAspect, Stack, Token
from constructs import IConstruct

from ._region_support import MISSING_RESOURCE_TYPES
from ._scope import stack_facts
from .errors import report_warning

WARNING_ID = "constructs-pkg:resource-type-unavailable-in-region"


def check_region_availability(scope: IConstruct) -> None:
    """Check every CloudFormation resource under ``scope`` once the app synthesizes, when the stack's region is
    concrete and lacks a type the library emits (elsewhere no aspect is added: walking the tree costs synth time)."""
    region = stack_facts(scope).region  # None for a token region
    if region is not None and region in MISSING_RESOURCE_TYPES:
        Aspects.of(scope).add(_RegionAvailability())


@jsii.implements(IAspect)
class _RegionAvailability:
    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource):
            return
        region = Stack.of(node).region
        if Token.is_unresolved(region) or node.cfn_resource_type not in MISSING_RESOURCE_TYPES.get(region, ()):
            return
        if any(WARNING_ID in str(entry.data) for entry in node.node.metadata):
            return  # nested library constructs visit the same resource; warn once
        report_warning(node, WARNING_ID,
            f"{node.cfn_resource_type} is not available in {region} (CloudFormation resource schemas bundled with "
            "cfn-lint); deploy this stack to a region that offers it",
        )
