"""One policy statement whose resources grow as components arrive: fewer objects, smaller policies."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

#: The service principal SageMaker assumes execution roles with.
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"


class GrowingStatement:
    """``actions`` on the resources added so far, in one statement of ``principal``'s policy.

    Per-component grants would add one statement per component: more jsii objects at synth and, past a few dozen
    components, an inline policy near IAM's size limit.
    """

    def __init__(self, principal: iam.IGrantable, *actions: str) -> None:
        self._principal = principal
        self._actions = list(actions)
        self._statement: iam.PolicyStatement | None = None
        self._resources: list[str] = []

    def add(self, *resources: str) -> None:
        new = [r for r in resources if r not in self._resources]
        if not new:
            return
        self._resources += new
        if self._statement is None:
            self._statement = iam.PolicyStatement(actions=self._actions, resources=new)
            # One jsii call where the principal allows it (the generic path also reads the result struct's fields).
            if isinstance(self._principal, lambda_.Function):
                self._principal.add_to_role_policy(self._statement)
            elif isinstance(self._principal, iam.Role):
                self._principal.add_to_policy(self._statement)
            else:
                self._principal.grant_principal.add_to_principal_policy(self._statement)
        else:
            self._statement.add_resources(*new)
