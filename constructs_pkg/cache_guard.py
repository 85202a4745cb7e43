"""The cache guard: a custom resource that checks container-cache eligibility on deploy and verifies the purge on teardown."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import cast

import jsii
from aws_cdk import (
    Aws,
    Aspects,
    CfnElement,
    CfnOutput,
    CustomResource,
    Duration,
    IAspect,
    IStableListProducer,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from .alarm_actions import route_alarms, validate_actions
from . import _nag
from . import _validation as v
from ._iam import GrowingStatement
from ._health import function_alarms, purge_alarm
from ._lambda import log_group_for, python_function
from ._naming import imported_arn
from ._scope import stack_facts
from .errors import ConfigurationError, path_of, report_error, report_warning
from .images import BoundImage
from .instance_types import AcceleratorInstanceType
from .interfaces import IInferenceEndpoint
from .runtime import eligibility, names
from .runtime.budgets import GUARD_IS_COMPLETE, GUARD_ON_EVENT
from .runtime.names import GUARD_ENFORCE as ENFORCE, GUARD_WARN as WARN

DEFAULT_PURGE_TIMEOUT = Duration.minutes(20)
_POLL_INTERVAL = Duration.seconds(30)
_PROVIDER_MARGIN = Duration.minutes(5)
#: The Provider framework's ``total_timeout``: "The maximum timeout is 1 hour" (aws_cdk custom_resources ProviderProps).
_PROVIDER_MAX_TOTAL_S = 3600
_PURGE_TIMEOUT_MIN_S = 60
#: The guard waits the purge timeout plus a margin within the Provider's total: 55 minutes at most.
PURGE_TIMEOUT_MAX_S = _PROVIDER_MAX_TOTAL_S - int(_PROVIDER_MARGIN.to_seconds())


def check_purge_timeout(errors: list[str], prop: str, value: Duration | None) -> None:
    """``value`` must leave the Provider framework's 1-hour total timeout room for the guard's 5-minute margin."""
    problems: list[str] = []
    seconds = v.duration_in_range(problems, prop, value, _PURGE_TIMEOUT_MIN_S, PURGE_TIMEOUT_MAX_S)
    if seconds is None or v.is_token(seconds) or seconds <= PURGE_TIMEOUT_MAX_S:
        errors += problems
    else:
        errors.append(
            f"{prop} must be between {_PURGE_TIMEOUT_MIN_S} seconds and {PURGE_TIMEOUT_MAX_S // 60} minutes "
            f"({PURGE_TIMEOUT_MAX_S} seconds): the guard's "
            f"custom-resource Provider waits it plus a {int(_PROVIDER_MARGIN.to_seconds()) // 60}-minute margin, and "
            f"the Provider's total timeout is at most 1 hour; got {seconds:g} seconds"
        )


class CacheGuardMode(StrEnum):
    """What the guard does on Create and Update when the container image cache cannot apply.

    The mode governs Create and Update only. Delete (and so every stack deletion and rollback) always succeeds in
    every mode: an unverified purge is a verdict (``CachePurgeVerified`` 0 and a log line), never a failed Delete.
    """

    #: Report ineligibility (stack outputs, logs, synth warnings) and deploy anyway.
    WARN = WARN
    #: Fail a Create or forward Update whose endpoint the cache cannot serve, before the endpoint is created. An
    #: Update while the stack rolls back (or when the guard cannot read its stack's status) is reported, never failed.
    #: Deletion is as in WARN: it never fails.
    ENFORCE = ENFORCE
    #: No guard.
    OFF = "OFF"


class CacheGuard(Construct):
    """One per endpoint the library defines (on by default). The endpoint depends on it, so CloudFormation runs it
    **before** the endpoint is created and **after** the endpoint is deleted.

    Creates a ``custom_resources.Provider`` with two Python functions (``on_event``, ``is_complete``), a
    ``Custom::SageMakerCacheGuard`` resource whose attributes ``Eligible``, ``Pinned``, ``ImageBytes`` and
    ``Reasons`` also become stack outputs, and the IAM those functions need, scoped to this endpoint, its
    components' repositories, its own stack's status (``cloudformation:DescribeStacks``, read to spare rollbacks)
    and this endpoint's metric namespace (``ConstructsPkg/ScaleOut/<endpoint name>``). Its three log groups are
    named under ``/constructs-pkg/<endpoint name>/``. Alarms: each function's errors and throttles
    (``health_alarms``) and an unverified purge (``purge_alarm``). Deletion never fails, in any mode (see
    ``CacheGuardMode``); the functions' timeouts and SDK call budgets come from ``runtime/aws.py``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint: IInferenceEndpoint,
        mode: CacheGuardMode = CacheGuardMode.WARN,
        purge_timeout: Duration = DEFAULT_PURGE_TIMEOUT,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy | None = None,
        alarm_actions: Sequence[cw.IAlarmAction] | None = None,
        ok_actions: Sequence[cw.IAlarmAction] | None = None,
    ) -> None:
        """
        :param alarm_actions: Where this construct stands alone: actions added to every alarm it creates, now or
            later (an endpoint's ``alarm_actions`` already covers the one it creates). Default: none.
        :param ok_actions: The same for the return to OK. Default: none.
        :param removal_policy: What happens to the three log groups (both functions' and the Provider's) and the
            unverified-purge alarm when they leave the stack. ``DESTROY`` deletes them, and with them the purge
            verdict the guard logs during the deletion. Default: ``RemovalPolicy.RETAIN`` (the verdict is the
            evidence that the cache was purged).
        """
        instance_type = endpoint.instance_type
        errors: list[str] = []
        if instance_type is None:
            errors.append("endpoint must have a known instance_type, got an endpoint without one")
        check_purge_timeout(errors, "purge_timeout", purge_timeout)
        v.removal_policy(errors, removal_policy)
        validate_actions(errors, "alarm_actions", alarm_actions)
        validate_actions(errors, "ok_actions", ok_actions)
        policy = RemovalPolicy.RETAIN if removal_policy is None else removal_policy
        if errors:
            raise ConfigurationError(path_of(scope, id), "CacheGuard", errors)
        assert instance_type is not None
        super().__init__(scope, id)
        route_alarms(self, alarm_actions, ok_actions)
        self.endpoint = endpoint
        self.instance_type: AcceleratorInstanceType = instance_type
        self.mode = mode
        self._images: list[BoundImage] = []
        endpoint_name = endpoint.physical_endpoint_name
        invoked = "The custom-resource Provider framework invokes it synchronously and reports failures to CloudFormation"
        # The namespace its verdict goes to (and the only one is_complete may publish to): this endpoint's own.
        namespace = {names.NAMESPACE_ENV: names.endpoint_namespace(endpoint_name)}
        self.on_event_function = python_function(
            self, "OnEvent", handler=GUARD_ON_EVENT.handler,
            timeout=Duration.seconds(GUARD_ON_EVENT.timeout_s),
            description=f"Checks container image cache eligibility of SageMaker endpoint {endpoint_name}",
            encryption_key=encryption_key, how_invoked=invoked, removal_policy=policy,
            endpoint_name=endpoint_name, environment=namespace,
        )  # fmt: skip
        self.is_complete_function = python_function(
            self, "IsComplete", handler=GUARD_IS_COMPLETE.handler,
            timeout=Duration.seconds(GUARD_IS_COMPLETE.timeout_s),
            description=f"Verifies that SageMaker endpoint {endpoint_name} and its cache are gone",
            encryption_key=encryption_key, how_invoked=invoked, removal_policy=policy,
            endpoint_name=endpoint_name, environment=namespace,
        )  # fmt: skip
        self._describe_images = GrowingStatement(self.on_event_function, "ecr:DescribeImages", "ecr:DescribeRepositories")
        # ENFORCE never fails an Update while the stack rolls back: on_event reads its own stack's status.
        self.on_event_function.add_to_role_policy(
            iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[Aws.STACK_ID])
        )
        self._grant_verification(endpoint_name)
        provider_logs = log_group_for(self, "ProviderLogs", encryption_key, policy, endpoint_name=endpoint_name)
        # Our own roles for the framework's functions: the default ones attach AWSLambdaBasicExecutionRole (log writes
        # anywhere). These write only to the Provider's log group; CDK adds the invoke grants the framework needs.
        framework_roles = [
            iam.Role(self, f"Framework{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                     description=f"Provider framework {what} function of the cache guard of SageMaker endpoint {endpoint_name}")
            for name, what in (("OnEvent", "onEvent"), ("CompleteAndTimeout", "isComplete/onTimeout"))
        ]  # fmt: skip
        for role in framework_roles:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[provider_logs.log_group_arn]
                )
            )
        self._framework_roles = framework_roles
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            query_interval=_POLL_INTERVAL,
            total_timeout=Duration.seconds(v.seconds_of(purge_timeout) + v.seconds_of(_PROVIDER_MARGIN)),
            log_group=provider_logs,
            framework_on_event_role=framework_roles[0],
            framework_complete_and_timeout_role=framework_roles[1],
            # Waiter logging would make CDK grant logs:CreateLogStream/PutLogEvents on every log group ("*").
            disable_waiter_state_machine_logging=True,
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type="Custom::SageMakerCacheGuard",
            properties={
                "EndpointName": endpoint_name,
                "InstanceType": instance_type.name,
                "ImageUris": Lazy.list(_ImageUris(self)),
                "Mode": mode.value,
                "PurgeTimeoutSeconds": str(int(v.seconds_of(purge_timeout))),
            },
        )
        for attribute, description in (
            ("Eligible", "Whether the container image cache applies: true, false or unknown"),
            ("Pinned", "Whether every image is pinned (digest or immutable tag): true, false or unknown"),
            ("ImageBytes", "Compressed size of the images the cache saves pulling, in bytes"),
            ("Reasons", "Why the cache does not or may not apply, or 'none'"),
        ):
            CfnOutput(self, f"Cache{attribute}", value=self.resource.get_att_string(attribute), description=description)
        Aspects.of(cast(IConstruct, self.resource.node.default_child)).add(_StaticEligibility(self))  # a leaf: visited once
        self._acknowledge_framework()
        endpoint.on_component(lambda component: self.add_image(component.image))
        #: Errors and Throttles alarms of both guard functions, and the unverified-purge alarm (kept by the removal
        #: policy, so it can still evaluate the verdict published while the stack is deleted).
        self.health_alarms = [*function_alarms(self.on_event_function, "cache guard on_event"),
                              *function_alarms(self.is_complete_function, "cache guard is_complete")]  # fmt: skip
        self.purge_alarm = purge_alarm(self, "PurgeUnverified", endpoint.metric_cache_purge_verified(), endpoint_name, policy)

    def add_image(self, image: BoundImage | None) -> None:
        """Check ``image`` too (the endpoint's components add theirs). None (an imported component) is skipped."""
        if image is None:
            return
        known = any(image.repository is seen.repository for seen in self._images)
        self._images.append(image)
        if not known:  # one ARN per repository (each read is a jsii call)
            self._describe_images.add(image.repository.repository_arn)

    def _grant_verification(self, endpoint_name: str) -> None:
        # The endpoint cannot be referenced (it depends on this guard), so its ARN is built from the known name.
        endpoint_arn = imported_arn(self, "endpoint", endpoint_name)
        function = self.is_complete_function
        function.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:DescribeEndpoint"], resources=[endpoint_arn]))
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["sagemaker:ListInferenceComponents"], resources=["*"])  # no resource type
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],  # no resource type; the namespace condition scopes it
                conditions={"StringEquals": {"cloudwatch:namespace": names.endpoint_namespace(endpoint_name)}},
            )
        )

    def _acknowledge_framework(self) -> None:
        """The custom-resource Provider framework's own findings: its roles and state machine are not configurable."""
        stack = Stack.of(self)
        is_complete_role = self.is_complete_function.role
        assert is_complete_role is not None  # python_function always creates its role
        _nag.acknowledge(
            is_complete_role,
            _nag.wildcard_resource("*"),
            "sagemaker:ListInferenceComponents and cloudwatch:PutMetricData have no resource type; PutMetricData is "
            f"confined by condition to this endpoint's own namespace under {names.NAMESPACE_PREFIX}/.",
        )
        invoked: list[IConstruct] = [self.on_event_function, self.is_complete_function]
        invoked += [self.provider.node.find_child(f"framework-{name}") for name in ("isComplete", "onTimeout")]
        invoke_reason = (
            "The Provider framework invokes this function and its versions (lambda:InvokeFunction on <arn>:*); "
            "the grant names this one function."
        )
        # One resolve for all four logical ids (each jsii call costs synth time).
        logical_ids = stack.resolve([stack.get_logical_id(cast(CfnElement, f.node.default_child)) for f in invoked])
        invoke_acknowledgements = [
            (_nag.wildcard_resource(f"<{logical_id}.Arn>:*"), invoke_reason) for logical_id in logical_ids
        ]
        for role in self._framework_roles:  # the framework's invoke grants land in our roles' policies
            _nag.acknowledge_all(
                role, [*invoke_acknowledgements, *_nag.in_packs("IAMNoInlinePolicy", _nag.INLINE_POLICY_REASON)]
            )
        _nag.acknowledge_all(
            self.provider,
            [
                *invoke_acknowledgements,
                *_nag.in_packs("IAMNoInlinePolicy", _nag.INLINE_POLICY_REASON),
                *_nag.function_rules(
                    how_invoked="CloudFormation and the Provider's waiter invoke it and track its result"
                ),
                (
                    "AwsSolutions-SF1",
                    "The waiter only polls is_complete, which logs every poll to its own encrypted log group; "
                    "state-machine logging would make CDK grant logs:CreateLogStream and logs:PutLogEvents on all "
                    "log groups.",
                ),
                (
                    "AwsSolutions-SF2",
                    "The Provider framework's waiter state machine offers no X-Ray option; it only polls is_complete, "
                    "whose logs are kept.",
                ),
            ],
        )  # fmt: skip


@jsii.implements(IStableListProducer)
class _ImageUris:
    """The image URIs of the components added so far, resolved at synth (components come after the guard)."""

    def __init__(self, guard: CacheGuard) -> None:
        self._guard = guard

    def produce(self) -> list[str]:
        return [image.image_uri for image in self._guard._images]


@jsii.implements(IAspect)
class _StaticEligibility:
    """At synth time, apply the same static rules the guard applies at deploy time."""

    def __init__(self, guard: CacheGuard) -> None:
        self._guard = guard

    def visit(self, node: IConstruct) -> None:
        guard = self._guard
        _check_tag_mutability(guard)
        region = stack_facts(guard).region
        uris = list(dict.fromkeys(i.image_uri for i in guard._images if not v.is_token(i.image_uri)))
        # Every type the endpoint may launch (each instance pool's), not only the first tried.
        for instance in guard.endpoint.instance_types or [guard.instance_type]:
            instance_type = instance.name
            report = eligibility.evaluate(
                instance_type=instance_type,
                region=region,
                images=[eligibility.ImageCheck(uri, exists=True) for uri in uris],
            )
            # Tag mutability is only known at deploy; so is a token instance type (the endpoint warns about it).
            reasons = [r for r in report.reasons if "mutable tag" not in r]
            if v.is_token(instance_type):
                reasons = [r for r in reasons if instance_type not in r]
            if report.eligible == "true" or not reasons:
                continue
            message = "container image cache may not apply: " + "; ".join(reasons)
            if guard.mode == CacheGuardMode.ENFORCE and report.eligible == "false":
                report_error(guard, message)
            else:
                report_warning(guard, "constructs-pkg:cache-ineligible", message)
            return


MUTABLE_TAG_WARNING = "constructs-pkg:image-tag-mutable"


def _check_tag_mutability(guard: CacheGuard) -> None:
    """An image named by tag in a repository defined in this app (an ``ecr.Repository``), whose tags are mutable (the
    default): the guard's deploy-time drift finding, known at synth. A warning in ``WARN`` mode, an error in
    ``ENFORCE``. Imported repositories, tokens and ``*_WITH_EXCLUSION`` settings are left to the deploy-time check."""
    seen: set[str] = set()
    for image in guard._images:
        if image.tag is None or v.is_token(image.tag):
            continue
        resource = image.repository.node.default_child
        if not isinstance(resource, ecr.CfnRepository):
            continue  # imported: its settings are read at deploy time
        mutability = resource.image_tag_mutability
        if (mutability is not None and mutability != "MUTABLE") or v.is_token(mutability):
            continue
        name = resource.repository_name
        shown = f"{image.repository.node.path if name is None or v.is_token(name) else name}:{image.tag}"
        if shown in seen:
            continue
        seen.add(shown)
        message = (
            f"{eligibility.mutable_tag_finding(shown)}; pin it by digest "
            "(ContainerImage.from_ecr_repository(repository, digest=...)) or create the repository with "
            "image_tag_mutability=ecr.TagMutability.IMMUTABLE"
        )
        if guard.mode == CacheGuardMode.ENFORCE:
            report_error(guard, message)
        else:
            report_warning(guard, MUTABLE_TAG_WARNING, message)
