"""The benchmark's baselines written by hand with aws-cdk-lib L1/L2 calls only.

``build`` is ``examples/qwen3_8b.py`` and ``components_floor(n)`` is ``benchmarks/run.py``'s ``components_app(n)``:
the same CloudFormation resources under the same construct ids, so the templates compare exactly apart from asset
hashes (``tests/test_benchmarks.py`` asserts it). L1 properties are plain dicts, as the library writes them. It skips
what the library adds beyond the template: validation, aspects (region, eligibility and scale-to-zero checks, the
lazy dashboard layout) and the cdk-nag acknowledgements, which is precisely the overhead being measured. Names and
planner totals the library derives are typed in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import Aws, CfnOutput, CustomResource, Duration, Fn, Names, RemovalPolicy, Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sagemaker as sm
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

PACKAGE = Path(__file__).resolve().parent.parent / "constructs_pkg"
ENDPOINT = "qwen3lmi-endpoint-69513cdd"
COMPONENT = "qwen3lmi-endpoint-qwen3-8e320666"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.36.0-lmi27.0.0-cu130"
NAMESPACE_PREFIX = "ConstructsPkg/ScaleOut"  # plus the endpoint's name: one namespace per endpoint
ARN = f"arn:{Aws.PARTITION}"


def _log_group(scope: Construct, id: str, endpoint: str, key: kms.IKey) -> logs.LogGroup:
    """Named under /constructs-pkg/<endpoint>/<stack UUID>/, the library's scheme typed in (path part hashed)."""
    path = f"{scope.node.path}/{id}"[len(Stack.of(scope).node.path) :].lstrip("/")
    uuid = Fn.select(2, Fn.split("/", Aws.STACK_ID))
    return logs.LogGroup(scope, id, log_group_name=f"/constructs-pkg/{endpoint}/{uuid}/{physical_name(path, 128)}",
                         retention=logs.RetentionDays.THREE_MONTHS, encryption_key=key)  # fmt: skip


def _function(scope: Construct, id: str, handler: str, timeout: Duration, description: str, key: kms.IKey,
              endpoint: str, environment: dict[str, str] | None = None,
              dead_letter_queue: sqs.IQueue | None = None) -> lambda_.Function:  # fmt: skip
    log_group = _log_group(scope, f"{id}Logs", endpoint, key)
    role = iam.Role(scope, f"{id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
    role.add_to_policy(
        iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn])
    )
    function = lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_14, architecture=lambda_.Architecture.ARM_64, handler=handler,
        code=lambda_.Code.from_asset(str(PACKAGE), exclude=["*", "!runtime", "!runtime/*.py"]), timeout=timeout,
        memory_size=256, role=role, log_group=log_group, description=description, environment=environment,
        dead_letter_queue=dead_letter_queue,
    )  # fmt: skip
    function.node.add_dependency(role)
    return function


def _health(function: lambda_.Function, what: str) -> list[cw.Alarm]:
    """The Errors and Throttles alarms the library puts on each of its functions."""
    scope = function.node.scope
    assert isinstance(scope, Construct)
    return [metric(statistic="Sum", period=Duration.minutes(5)).create_alarm(
        scope, f"{function.node.id}{kind}Alarm", threshold=1, evaluation_periods=1,
        alarm_description=f"The {what} function reported {kind.lower()} (sum over 5 minutes >= 1); its log group says why",
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING)
        for kind, metric in (("Errors", function.metric_errors), ("Throttles", function.metric_throttles))]  # fmt: skip


@dataclass(frozen=True)
class ComponentSpec:
    """One inference component as the library renders it: its construct id, name and the settings that vary."""

    id: str
    name: str
    environment: dict[str, str]
    min_copies: int = 1
    max_copies: int = 4
    target_per_copy: int = 8
    startup_timeout_s: int | None = None  # health check and model download, both


@dataclass(frozen=True)
class EndpointSpec:
    name: str
    instance_type: str
    min_instances: int
    max_instances: int
    components: list[ComponentSpec]
    predictions: tuple[int, int]  # planner totals (cache on, cache off), typed in from the library's dashboard
    ami: str | None = None


def physical_name(path: str, max_length: int = 63) -> str:
    """The library's naming scheme, typed in here: readable path parts, then 8 hex digits of the path's SHA-256."""
    readable = "-".join(p for p in (re.sub(r"[^a-z0-9]+", "", p.lower()) for p in path.split("/")) if p)
    return f"{readable[-(max_length - 9):].lstrip('-')}-{hashlib.sha256(path.encode()).hexdigest()[:8]}"


class HandwrittenEndpointStack(Stack):
    """One endpoint with its components, cache guard, recorder and dashboard, in plain aws-cdk-lib calls."""

    def __init__(self, scope: Construct, id: str, spec: EndpointSpec, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        name = spec.name
        namespace = f"{NAMESPACE_PREFIX}/{name}"
        ep = Construct(self, "Endpoint")
        key = kms.Key(ep, "Key", enable_key_rotation=True,
                      description=f"SageMaker endpoint {name}: ML storage volumes and the library's logs")  # fmt: skip
        logs_principal = iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsEncryption", principals=[logs_principal],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                     "kms:GenerateDataKeyWithoutPlaintext"],
            resources=["*"],
            conditions={"StringLike": {"kms:EncryptionContext:aws:logs:arn":
                                       [f"{ARN}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/constructs-pkg/{name}/*"]}},
        ))  # fmt: skip
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsDescribeKey", principals=[logs_principal], actions=["kms:DescribeKey"], resources=["*"]))
        role = iam.Role(ep, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                        description=f"Execution role of SageMaker endpoint {name}")  # fmt: skip
        logs_prefix = f"{ARN}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/"
        log_actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        role.add_to_policy(iam.PolicyStatement(
            sid="EndpointLogs", actions=log_actions,
            resources=[f"{logs_prefix}Endpoints/{name}", f"{logs_prefix}Endpoints/{name}:log-stream:*"],
        ))  # fmt: skip
        role.add_to_policy(iam.PolicyStatement(
            sid="SageMakerMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        ))  # fmt: skip
        key.grant(role, "kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey")
        config = sm.CfnEndpointConfig(
            ep, "Config", execution_role_arn=role.role_arn, kms_key_id=key.key_arn,
            production_variants=[{
                "variantName": "AllTraffic", "instanceType": spec.instance_type,
                "routingConfig": {"routingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
                "inferenceAmiVersion": spec.ami, "initialInstanceCount": spec.min_instances,
                "managedInstanceScaling": {"status": "ENABLED", "minInstanceCount": spec.min_instances,
                                           "maxInstanceCount": spec.max_instances},
            }],
            metrics_config={"enableDetailedObservability": True, "enableEnhancedMetrics": False,
                            "metricPublishFrequencyInSeconds": 60},
        )  # fmt: skip
        endpoint = sm.CfnEndpoint(ep, "Resource", endpoint_config_name=config.attr_endpoint_config_name,
                                  endpoint_name=name, retain_all_variant_properties=True)  # fmt: skip
        endpoint.node.add_dependency(role)

        # Cache guard
        guard = Construct(ep, "CacheGuard")
        on_event = _function(guard, "OnEvent", "runtime.guard.on_event", Duration.minutes(2),
                             f"Checks container image cache eligibility of SageMaker endpoint {name}", key, name,
                             environment={"METRIC_NAMESPACE": namespace})  # fmt: skip
        is_complete = _function(guard, "IsComplete", "runtime.guard.is_complete", Duration.minutes(1),
                                f"Verifies that SageMaker endpoint {name} and its cache are gone", key, name,
                                environment={"METRIC_NAMESPACE": namespace})  # fmt: skip
        on_event.add_to_role_policy(iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[Aws.STACK_ID]))
        endpoint_arn = self.format_arn(service="sagemaker", resource="endpoint", resource_name=name)
        is_complete.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:DescribeEndpoint"], resources=[endpoint_arn]))
        is_complete.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:ListInferenceComponents"], resources=["*"]))
        is_complete.add_to_role_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": namespace}},
        ))  # fmt: skip
        provider_logs = _log_group(guard, "ProviderLogs", name, key)
        framework_roles = []
        for role_id, what in (("OnEvent", "onEvent"), ("CompleteAndTimeout", "isComplete/onTimeout")):
            framework_role = iam.Role(
                guard, f"Framework{role_id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Provider framework {what} function of the cache guard of SageMaker endpoint {name}")  # fmt: skip
            framework_role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                                             resources=[provider_logs.log_group_arn]))  # fmt: skip
            framework_roles.append(framework_role)
        provider = cr.Provider(
            guard, "Provider", on_event_handler=on_event, is_complete_handler=is_complete,
            query_interval=Duration.seconds(30), total_timeout=Duration.seconds(1500), log_group=provider_logs,
            framework_on_event_role=framework_roles[0], framework_complete_and_timeout_role=framework_roles[1],
            disable_waiter_state_machine_logging=True,
        )  # fmt: skip
        guard_resource = CustomResource(guard, "Resource", service_token=provider.service_token,
                                        resource_type="Custom::SageMakerCacheGuard", properties={
                                            "EndpointName": name, "InstanceType": spec.instance_type,
                                            "ImageUris": [IMAGE] * len(spec.components), "Mode": "WARN",
                                            "PurgeTimeoutSeconds": "1200"})  # fmt: skip
        for attribute, description in (
            ("Eligible", "Whether the container image cache applies: true, false or unknown"),
            ("Pinned", "Whether every image is pinned (digest or immutable tag): true, false or unknown"),
            ("ImageBytes", "Compressed size of the images the cache saves pulling, in bytes"),
            ("Reasons", "Why the cache does not or may not apply, or 'none'"),
        ):
            CfnOutput(guard, f"Cache{attribute}", value=guard_resource.get_att_string(attribute), description=description)
        endpoint.node.add_dependency(guard_resource)
        health = [*_health(on_event, "cache guard on_event"), *_health(is_complete, "cache guard is_complete")]
        purge = cw.Alarm(
            guard, "PurgeUnverified", threshold=1, evaluation_periods=1,
            metric=cw.Metric(namespace=namespace, metric_name="CachePurgeVerified", dimensions_map={"EndpointName": name},
                             statistic="Minimum", period=Duration.minutes(5)),
            alarm_description=f"The cache guard could not verify that SageMaker endpoint {name} and its cached images "
            "are gone (CachePurgeVerified = 0); its log group says what it saw",
            comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING)  # fmt: skip
        purge.apply_removal_policy(RemovalPolicy.RETAIN)

        # Recorder
        recorder = Construct(ep, "ScaleOutRecorder")
        claims = dynamodb.Table(
            recorder, "Claims", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, time_to_live_attribute="expires",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=dynamodb.TableEncryption.AWS_MANAGED, removal_policy=RemovalPolicy.DESTROY,
        )  # fmt: skip
        names = [c.name for c in spec.components]
        dead_letters = sqs.Queue(recorder, "DeadLetters", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key,
                                 enforce_ssl=True, retention_period=Duration.days(14), removal_policy=RemovalPolicy.DESTROY)  # fmt: skip
        function = _function(
            recorder, "Function", "runtime.recorder.handler", Duration.seconds(50),
            f"Records copy counts and scale-out latency of SageMaker endpoint {name}", key, name,
            environment={"ENDPOINT_NAME": name, "VARIANT_NAME": "AllTraffic", "COMPONENTS": ",".join(names),
                         "WAKE_ALARMS": ",".join(f"{n}-wake-from-zero" for n in names),
                         "CLAIM_TABLE": claims.table_name, "VARIANT_SCALED": "false", "STAGE_LOGS": "true",
                         "METRIC_NAMESPACE": namespace},
            dead_letter_queue=dead_letters,
        )  # fmt: skip
        key.grant(function, "kms:GenerateDataKey", "kms:Decrypt")
        recorder_health = _health(function, "scale-out recorder")
        heartbeat = cw.Alarm(
            recorder, "Heartbeat", threshold=1, evaluation_periods=5, datapoints_to_alarm=5,
            metric=cw.Metric(namespace=namespace, metric_name="RecorderHeartbeat", dimensions_map={"EndpointName": name},
                             statistic="SampleCount", period=Duration.minutes(1)),
            alarm_description=f"The scale-out recorder of endpoint {name} published no heartbeat for 5 minutes: it is "
            "not running, or cannot publish, and its metrics and alarms are blind",
            comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.BREACHING)  # fmt: skip
        claims.grant(function, "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem")
        events.Rule(recorder, "Schedule", schedule=events.Schedule.rate(Duration.minutes(1)),
                    targets=[targets.LambdaFunction(function, retry_attempts=2, max_event_age=Duration.minutes(10))])  # fmt: skip
        cw_arn = f"{ARN}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["sagemaker:DescribeEndpoint"],
            resources=[f"{ARN}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:endpoint/{name}"]))  # fmt: skip
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["application-autoscaling:DescribeScalingActivities"], resources=["*"]))  # fmt: skip
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": namespace}}))  # fmt: skip

        # Components: one statement per action, growing with each component.
        component_logs = iam.PolicyStatement(actions=log_actions)
        describe_images = iam.PolicyStatement(actions=["ecr:DescribeImages", "ecr:DescribeRepositories"])
        describe_components = iam.PolicyStatement(actions=["sagemaker:DescribeInferenceComponent"])
        alarm_history = iam.PolicyStatement(actions=["cloudwatch:DescribeAlarmHistory"])
        log_streams = iam.PolicyStatement(actions=["logs:DescribeLogStreams"])
        budgets: list[cw.Alarm] = []
        slr_arn = self.format_arn(
            service="iam", region="", resource="role",
            resource_name="aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                          "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")  # fmt: skip
        for index, c in enumerate(spec.components):
            scope = Construct(ep, c.id)
            if index == 0:
                repository = ecr.Repository.from_repository_attributes(
                    scope, "ImageRepository", repository_arn=f"{ARN}:ecr:us-east-1:763104351884:repository/djl-inference",
                    repository_name="djl-inference")  # fmt: skip
                repository.grant_pull(role)
                role.add_to_principal_policy(component_logs)
                on_event.add_to_role_policy(describe_images)
                describe_images.add_resources(repository.repository_arn)
            component_logs.add_resources(f"{logs_prefix}InferenceComponents/{c.name}",
                                         f"{logs_prefix}InferenceComponents/{c.name}:log-stream:*")  # fmt: skip
            startup = None
            if c.startup_timeout_s is not None:
                startup = {"containerStartupHealthCheckTimeoutInSeconds": c.startup_timeout_s,
                           "modelDataDownloadTimeoutInSeconds": c.startup_timeout_s}  # fmt: skip
            component = sm.CfnInferenceComponent(
                scope, "Resource", endpoint_name=endpoint.attr_endpoint_name, inference_component_name=c.name,
                variant_name="AllTraffic", runtime_config={"copyCount": 1},
                specification={
                    "container": {"image": IMAGE, "environment": c.environment},
                    "computeResourceRequirements": {"numberOfAcceleratorDevicesRequired": 1,
                                                    "minMemoryRequiredInMb": 16384},
                    "startupParameters": startup,
                },
            )  # fmt: skip
            if index == 0:
                function.add_to_role_policy(describe_components)
                function.add_to_role_policy(alarm_history)
            describe_components.add_resources(component.ref)
            alarm_history.add_resources(
                f"{cw_arn}:alarm:TargetTracking-inference-component/{c.name}-AlarmHigh-*",
                f"{cw_arn}:alarm:{c.name}-wake-from-zero")  # fmt: skip
            dims = {"InferenceComponentName": c.name}
            budgets.append(cw.Metric(
                namespace=namespace, metric_name="ScaleOutLatency", dimensions_map=dims, statistic="Maximum",
                period=Duration.minutes(5),
            ).create_alarm(
                recorder, f"Budget-{c.name}", threshold=360, evaluation_periods=3, datapoints_to_alarm=1,
                alarm_description=f"A scale-out of inference component {c.name} took longer than its 360 s budget",
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING))  # fmt: skip
            if index == 0:
                function.add_to_role_policy(log_streams)
            log_streams.add_resources(f"{logs_prefix}InferenceComponents/{c.name}",
                                      f"{logs_prefix}InferenceComponents/{c.name}:*")  # fmt: skip
            cw.Metric(namespace=namespace, metric_name="ScaleOutCapacityFailures", dimensions_map=dims,
                      statistic="Sum", period=Duration.minutes(5)).create_alarm(
                recorder, f"CapacityFailure-{c.name}", threshold=1, evaluation_periods=1,
                alarm_description=f"A scale-out of inference component {c.name} failed for insufficient instance capacity",
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING)  # fmt: skip
            cw.Metric(namespace=namespace, metric_name="ProvisioningPullToColdRatio", dimensions_map=dims,
                      statistic="Maximum", period=Duration.minutes(5)).create_alarm(
                recorder, f"CacheRegression-{c.name}", threshold=0.8, evaluation_periods=1,
                alarm_description=f"A scale-out of inference component {c.name} took as long to provision and pull as "
                "its cold first deployment: the image cache most likely did not serve it (inferred from log timestamps)",
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING)  # fmt: skip
            scaling = Construct(scope, "CopyCountScaling")
            target = appscaling.ScalableTarget(
                scaling, "Target", service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
                resource_id=f"inference-component/{c.name}",
                scalable_dimension="sagemaker:inference-component:DesiredCopyCount", min_capacity=c.min_copies,
                max_capacity=c.max_copies,
                role=iam.Role.from_role_arn(scaling, "ServiceLinkedRole", slr_arn, mutable=False))  # fmt: skip
            target.node.add_dependency(component)
            target.scale_to_track_metric(
                "ConcurrentRequests", target_value=c.target_per_copy, scale_out_cooldown=Duration.seconds(60),
                scale_in_cooldown=Duration.seconds(300),
                predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION)  # fmt: skip

        _dashboard(self, spec, endpoint, [*budgets, heartbeat], function.log_group,
                   [*recorder_health, heartbeat, *health, purge])  # fmt: skip


def _dashboard(stack: Stack, spec: EndpointSpec, endpoint: sm.CfnEndpoint, budgets: list[cw.Alarm],
               recorder_logs: logs.ILogGroup, health: list[cw.Alarm]) -> None:  # fmt: skip
    name = spec.name
    NAMESPACE = f"{NAMESPACE_PREFIX}/{name}"  # noqa: N806 - the endpoint's library namespace
    dashboard = cw.Dashboard(Construct(stack, "Dashboard"), "Resource", default_interval=Duration.hours(3))
    count, seconds = cw.YAxisProps(min=0, show_units=False), cw.YAxisProps(min=0, label="seconds", show_units=False)
    percent = cw.YAxisProps(min=0, max=100, show_units=False)
    red = cw.Color.RED
    sm_variant = {"EndpointName": endpoint.attr_endpoint_name, "VariantName": "AllTraffic"}
    lib_endpoint = {"EndpointName": name}
    one_minute, five = Duration.minutes(1), Duration.minutes(5)

    def m(ns: str, metric: str, dims: dict[str, str], label: str, stat: str, period: Duration = one_minute) -> cw.Metric:
        return cw.Metric(namespace=ns, metric_name=metric, dimensions_map=dims, label=label, statistic=stat, period=period)

    def g(title: str, left: Sequence[cw.IMetric], axis: cw.YAxisProps, width: int = 8,
          right: Sequence[cw.IMetric] | None = None, notes: list[cw.HorizontalAnnotation] | None = None,
          stacked: bool | None = None) -> cw.GraphWidget:  # fmt: skip
        return cw.GraphWidget(title=title, left=list(left), right=None if right is None else list(right), width=width,
                              height=6, left_y_axis=axis,
                              right_y_axis=count if right else None, left_annotations=notes, stacked=stacked)  # fmt: skip

    def text(markdown: str, height: int = 1) -> cw.TextWidget:
        return cw.TextWidget(markdown=markdown, width=24, height=height)

    endpoints, ics, sage = "/aws/sagemaker/Endpoints", "/aws/sagemaker/InferenceComponents", "AWS/SageMaker"
    instances = [m(NAMESPACE, "DesiredInstanceCount", lib_endpoint, "desired", "Maximum"),
                 m(NAMESPACE, "CurrentInstanceCount", lib_endpoint, "current", "Maximum")]  # fmt: skip
    dashboard.add_widgets(text(f"## Scale-out of SageMaker endpoint `{name}`"))
    dashboard.add_widgets(
        g("Instances", instances, count),
        g("Accelerator reservation and use (%)",
          [m(endpoints, "GPUReservation", sm_variant, "reserved by copies", "Average"),
           m(endpoints, "GPUUtilizationNormalized", sm_variant, "utilized", "Average")], percent),
        cw.AlarmStatusWidget(title="Scale-out SLO", alarms=budgets, width=8, height=6),
    )  # fmt: skip
    dashboard.add_widgets(cw.AlarmStatusWidget(
        title="Library health: functions' errors and throttles, recorder heartbeat, cache purge verified",
        alarms=health, width=24, height=3))  # fmt: skip
    for c in spec.components:
        comp = {"InferenceComponentName": c.name}
        dashboard.add_widgets(text(f"### Inference component `{c.name}`"))
        dashboard.add_widgets(
            g(f"Demand vs target: {c.name}",
              [m(sage, "ConcurrentRequestsPerCopy", comp, "concurrent requests per copy", "Maximum", Duration.seconds(10))],
              count, notes=[cw.HorizontalAnnotation(value=c.target_per_copy, label="target per copy", color=red)]),
            g(f"Copies and instances: {c.name}",
              [m(NAMESPACE, "DesiredCopyCount", comp, "desired copies", "Maximum"),
               m(NAMESPACE, "CurrentCopyCount", comp, "current copies", "Maximum")], count,
              right=[m(NAMESPACE, "DesiredInstanceCount", lib_endpoint, "desired instances", "Maximum"),
                     m(NAMESPACE, "CurrentInstanceCount", lib_endpoint, "current instances", "Maximum")]),
            g(f"Scale-out latency: {c.name}",
              [m(NAMESPACE, "ScaleOutLatency", comp, f"scale-out {s}", s, five) for s in ("p50", "p90", "max")]
              + [m(NAMESPACE, "ScaleOutDetectionLatency", comp, "detection p90", "p90", five)], seconds,
              notes=[cw.HorizontalAnnotation(value=360, label="budget", color=red)]),
        )  # fmt: skip
        dashboard.add_widgets(
            g(f"No-capacity failures and errors: {c.name}",
              [m(sage, "NoCapacityInvocationFailures", comp, "no capacity", "Sum"),
               m(sage, "Invocation4XXErrors", comp, "4xx", "Sum"), m(sage, "Invocation5XXErrors", comp, "5xx", "Sum"),
               m(sage, "InvocationModelErrors", comp, "model errors", "Sum"),
               m(NAMESPACE, "ScaleOutFailures", comp, "failed scale-outs", "Sum", five)], count),
            g(f"Latency percentiles (microseconds): {c.name}",
              [m(sage, "ModelLatency", comp, f"model {s}", s) for s in ("p50", "p90", "p99")]
              + [m(sage, "OverheadLatency", comp, "overhead average", "Average")], count),
            g(f"GPU utilization (%): {c.name}",
              [m(ics, "GPUUtilizationNormalized", comp, "GPU", "Average"),
               m(ics, "GPUMemoryUtilizationNormalized", comp, "GPU memory", "Average")], percent),
        )  # fmt: skip
    # Stage rows
    purple = "#9467bd"
    stages = (("AlarmEvaluation", "measured", "datapoints over target -> ALARM"),
              ("AlarmToActivity", "measured", "ALARM -> scaling activity"),
              ("ProvisioningAndPull", "bounded", "provisioning, image pull, S3 model download, start -> first line"),
              ("LoadAndHealthCheck", "bounded", "HF_MODEL_ID download, GPU load, health check"))  # fmt: skip
    on, off = spec.predictions
    dashboard.add_widgets(text(f"### Scale-out stages of `{name}`"))
    for c in spec.components:
        comp = {"InferenceComponentName": c.name}
        dashboard.add_widgets(
            g(f"Scale-out stages (stacked, per scale-out): {c.name}",
              [m(NAMESPACE, "ScaleOutStageSeconds", {**comp, "Stage": s}, f"{s} ({how}): {holds}", "Maximum", five)
               for s, how, holds in stages], seconds, width=12, stacked=True,
              notes=[cw.HorizontalAnnotation(value=on, color=purple, label=f"planner, cache on: {on} s"),
                     cw.HorizontalAnnotation(value=off, color=purple, label=f"planner, cache off: {off} s")]),
            g(f"Image cache inference (pull / cold pull): {c.name}",
              [m(NAMESPACE, "ProvisioningPullToColdRatio", comp, "provisioning+pull / cold deployment's", "Maximum",
                 five)], cw.YAxisProps(min=0, max=1.5, show_units=False), width=6,
              notes=[cw.HorizontalAnnotation(value=0.8, color=red, label="cache regressed to cold")]),
            g(f"Capacity failures (ICE): {c.name}",
              [m(NAMESPACE, "ScaleOutCapacityFailures", comp, "InsufficientInstanceCapacity", "Sum", five),
               m(NAMESPACE, "ScaleOutFailures", comp, "all failed scale-outs", "Sum", five)], count, width=6,
              notes=[cw.HorizontalAnnotation(value=1, color=red, label="alarm")]),
        )  # fmt: skip
    stage_fields = ", ".join(f"stages.{s}.seconds as {s}" for s, _, _ in stages)
    dashboard.add_widgets(cw.LogQueryWidget(
        title="Latest scale-outs (recorder log)", log_group_names=[recorder_logs.log_group_name],
        query_lines=[f"fields @timestamp, resource, model_source, end_to_end, {stage_fields}, cache.ratio as cache_ratio, "
                     "e2e_gap",
                     'filter event = "recorder-scale-out-stages"', "sort @timestamp desc", "limit 20"],
        view=cw.LogQueryVisualizationType.TABLE, width=24, height=6))  # fmt: skip
    lines = [
        '- end-to-end scale-out: `max by ("aws.sagemaker.operation.type") ({"e2e_duration",'
        f'"aws.sagemaker.endpoint.name"="{name}","aws.sagemaker.scaling.direction"="ScaleOut"}})`',
        '- insufficient capacity: `sum by ("@resource.cloud.availability_zone","@resource.host.type") '
        f'({{"ice_count","aws.sagemaker.endpoint.name"="{name}"}})`',
    ]  # fmt: skip
    for c in spec.components[:2]:
        q = [f'{{"{metric}","aws.sagemaker.inference_component.name"="{c.name}"}}'
             for metric in ("model_download_time", "gpu_load_time", "container_start_time")]  # fmt: skip
        lines.append(f"- `{c.name}` download / GPU load / container start: `{q[0]}`, `{q[1]}`, `{q[2]}`")
    console = f"https://{Aws.REGION}.console.{Aws.URL_SUFFIX}/cloudwatch/home?region={Aws.REGION}"
    dashboard.add_widgets(text("\n".join([
        "#### SageMaker's own scale-out metrics (PromQL)",
        "SageMaker times scale-outs itself when the endpoint's detailed observability is on and the account's OTel "
        f"enrichment is started. Open [CloudWatch]({console}) > *Infrastructure monitoring* > *SageMaker AI "
        "Insights*, or run these in the PromQL query editor (metric names unconfirmed by AWS; override them with "
        "`SageMakerQueries`):",
        *lines,
    ]), height=7))  # fmt: skip


QWEN3 = EndpointSpec(
    name=ENDPOINT, instance_type="ml.g6.2xlarge", min_instances=1, max_instances=4, predictions=(279, 521),
    ami="al2023-ami-sagemaker-inference-gpu-4-1",
    components=[ComponentSpec("Qwen3", COMPONENT, {"HF_MODEL_ID": "Qwen/Qwen3-8B", "OPTION_MAX_MODEL_LEN": "8192",
                                                   "TENSOR_PARALLEL_DEGREE": "1"}, startup_timeout_s=900)],
)  # fmt: skip
ENV = cdk.Environment(account="123456789012", region="us-east-1")


def build(app: cdk.App) -> Stack:
    """The Qwen3-8B example (``examples/qwen3_8b.py``), by hand."""
    return HandwrittenEndpointStack(app, "Qwen3Lmi", QWEN3, env=ENV)


def components_floor(app: cdk.App, count: int) -> Stack:
    """``benchmarks/run.py``'s ``components_app(count)``, by hand: one ml.g6e.48xlarge endpoint with ``count`` LMI
    components scaled on concurrent requests, and the dashboard. Per component: the inference component, its scalable
    target and target-tracking policy, three alarms (budget, capacity failure, cache regression), the recorder's and
    the roles' grants, and ten dashboard widgets. The marginal cost per component is the floor for that content."""
    spec = EndpointSpec(
        name=physical_name("Scale/Endpoint"), instance_type="ml.g6e.48xlarge", min_instances=1, max_instances=8,
        predictions=(214, 446),
        components=[ComponentSpec(f"Model{i}", physical_name(f"Scale/Endpoint/Model{i}"),
                                  {"HF_MODEL_ID": f"org/model-{i}"}, max_copies=2) for i in range(count)],
    )  # fmt: skip
    return HandwrittenEndpointStack(app, "Scale", spec, env=ENV)
