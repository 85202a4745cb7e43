"""The Qwen3-8B example written by hand with aws-cdk-lib L1/L2 calls only: the benchmark's baseline.

It builds the same CloudFormation resources as ``examples/qwen3_8b.py`` under the same construct ids, so the two
templates can be compared exactly (apart from asset hashes). It skips what the library adds beyond the template:
validation, aspects (region, eligibility and scale-to-zero checks, the lazy dashboard layout) and the cdk-nag
acknowledgements, which is precisely the overhead being measured.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Aws, CfnOutput, CustomResource, Duration, RemovalPolicy, Stack
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
from aws_cdk import custom_resources as cr
from constructs import Construct

PACKAGE = Path(__file__).resolve().parent.parent / "constructs_pkg"
ENDPOINT = "qwen3lmi-endpoint-69513cdd"
COMPONENT = "qwen3lmi-endpoint-qwen3-8e320666"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.36.0-lmi27.0.0-cu130"
NAMESPACE = "ConstructsPkg/ScaleOut"
ARN = f"arn:{Aws.PARTITION}"


def _function(scope: Construct, id: str, handler: str, timeout: Duration, description: str, key: kms.IKey,
              environment: dict[str, str] | None = None) -> lambda_.Function:  # fmt: skip
    log_group = logs.LogGroup(scope, f"{id}Logs", retention=logs.RetentionDays.THREE_MONTHS, encryption_key=key)
    role = iam.Role(scope, f"{id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
    role.add_to_policy(
        iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn])
    )
    function = lambda_.Function(
        scope, id, runtime=lambda_.Runtime.PYTHON_3_14, architecture=lambda_.Architecture.ARM_64, handler=handler,
        code=lambda_.Code.from_asset(str(PACKAGE), exclude=["*", "!runtime", "!runtime/*.py"]), timeout=timeout,
        memory_size=256, role=role, log_group=log_group, description=description, environment=environment,
    )  # fmt: skip
    function.node.add_dependency(role)
    return function


class HandwrittenQwen3Stack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        ep = Construct(self, "Endpoint")
        key = kms.Key(ep, "Key", enable_key_rotation=True,
                      description=f"SageMaker endpoint {ENDPOINT}: ML storage volumes and the library's logs")  # fmt: skip
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsEncryption", principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                     "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"{ARN}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"}},
        ))  # fmt: skip
        role = iam.Role(ep, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                        description=f"Execution role of SageMaker endpoint {ENDPOINT}")  # fmt: skip
        logs_prefix = f"{ARN}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/"
        log_actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        role.add_to_policy(iam.PolicyStatement(
            sid="EndpointLogs", actions=log_actions,
            resources=[f"{logs_prefix}Endpoints/{ENDPOINT}", f"{logs_prefix}Endpoints/{ENDPOINT}:log-stream:*"],
        ))  # fmt: skip
        role.add_to_policy(iam.PolicyStatement(
            sid="SageMakerMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        ))  # fmt: skip
        key.grant(role, "kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey")
        config = sm.CfnEndpointConfig(
            ep, "Config", execution_role_arn=role.role_arn, kms_key_id=key.key_arn,
            production_variants=[sm.CfnEndpointConfig.ProductionVariantProperty(
                variant_name="AllTraffic", instance_type="ml.g6.2xlarge",
                routing_config=sm.CfnEndpointConfig.RoutingConfigProperty(routing_strategy="LEAST_OUTSTANDING_REQUESTS"),
                inference_ami_version="al2023-ami-sagemaker-inference-gpu-4-1", initial_instance_count=1,
                managed_instance_scaling=sm.CfnEndpointConfig.ManagedInstanceScalingProperty(
                    status="ENABLED", min_instance_count=1, max_instance_count=4),
            )],
        )  # fmt: skip
        endpoint = sm.CfnEndpoint(ep, "Resource", endpoint_config_name=config.attr_endpoint_config_name,
                                  endpoint_name=ENDPOINT)  # fmt: skip
        endpoint.node.add_dependency(role)

        # Cache guard
        guard = Construct(ep, "CacheGuard")
        on_event = _function(guard, "OnEvent", "runtime.guard.on_event", Duration.minutes(2),
                             f"Checks container image cache eligibility of SageMaker endpoint {ENDPOINT}", key)  # fmt: skip
        is_complete = _function(guard, "IsComplete", "runtime.guard.is_complete", Duration.minutes(1),
                                f"Verifies that SageMaker endpoint {ENDPOINT} and its cache are gone", key)  # fmt: skip
        endpoint_arn = self.format_arn(service="sagemaker", resource="endpoint", resource_name=ENDPOINT)
        is_complete.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:DescribeEndpoint"], resources=[endpoint_arn]))
        is_complete.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:ListInferenceComponents"], resources=["*"]))
        is_complete.add_to_role_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
        ))  # fmt: skip
        provider = cr.Provider(
            guard, "Provider", on_event_handler=on_event, is_complete_handler=is_complete,
            query_interval=Duration.seconds(30), total_timeout=Duration.seconds(1500),
            log_group=logs.LogGroup(guard, "ProviderLogs", retention=logs.RetentionDays.THREE_MONTHS, encryption_key=key),
            disable_waiter_state_machine_logging=True,
        )  # fmt: skip
        guard_resource = CustomResource(guard, "Resource", service_token=provider.service_token,
                                        resource_type="Custom::SageMakerCacheGuard", properties={
                                            "EndpointName": ENDPOINT, "InstanceType": "ml.g6.2xlarge",
                                            "ImageUris": [IMAGE], "Mode": "WARN", "PurgeTimeoutSeconds": "1200"})  # fmt: skip
        for attribute, description in (
            ("Eligible", "Whether the container image cache applies: true, false or unknown"),
            ("Pinned", "Whether every image is pinned (digest or immutable tag): true, false or unknown"),
            ("ImageBytes", "Compressed size of the images the cache saves pulling, in bytes"),
            ("Reasons", "Why the cache does not or may not apply, or 'none'"),
        ):
            CfnOutput(guard, f"Cache{attribute}", value=guard_resource.get_att_string(attribute), description=description)
        endpoint.node.add_dependency(guard_resource)

        # Recorder
        recorder = Construct(ep, "ScaleOutRecorder")
        claims = dynamodb.Table(
            recorder, "Claims", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, time_to_live_attribute="expires",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=dynamodb.TableEncryption.AWS_MANAGED, removal_policy=RemovalPolicy.DESTROY,
        )  # fmt: skip
        function = _function(
            recorder, "Function", "runtime.recorder.handler", Duration.seconds(50),
            f"Records copy counts and scale-out latency of SageMaker endpoint {ENDPOINT}", key,
            environment={"ENDPOINT_NAME": ENDPOINT, "VARIANT_NAME": "AllTraffic", "COMPONENTS": COMPONENT,
                         "CLAIM_TABLE": claims.table_name, "VARIANT_SCALED": "false"},
        )  # fmt: skip
        claims.grant(function, "dynamodb:PutItem", "dynamodb:DeleteItem")
        events.Rule(recorder, "Schedule", schedule=events.Schedule.rate(Duration.minutes(1)),
                    targets=[targets.LambdaFunction(function, retry_attempts=2, max_event_age=Duration.minutes(10))])  # fmt: skip
        cw_arn = f"{ARN}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["sagemaker:DescribeEndpoint"],
            resources=[f"{ARN}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:endpoint/{ENDPOINT}"]))  # fmt: skip
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["application-autoscaling:DescribeScalingActivities"], resources=["*"]))  # fmt: skip
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}}))  # fmt: skip

        # Component
        qwen = Construct(ep, "Qwen3")
        repository = ecr.Repository.from_repository_attributes(
            qwen, "ImageRepository", repository_arn=f"{ARN}:ecr:us-east-1:763104351884:repository/djl-inference",
            repository_name="djl-inference")  # fmt: skip
        repository.grant_pull(role)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=log_actions,
            resources=[f"{logs_prefix}InferenceComponents/{COMPONENT}",
                       f"{logs_prefix}InferenceComponents/{COMPONENT}:log-stream:*"]))  # fmt: skip
        iam.Grant.add_to_principal(grantee=on_event, actions=["ecr:DescribeImages", "ecr:DescribeRepositories"],
                                   resource_arns=[repository.repository_arn])  # fmt: skip
        component = sm.CfnInferenceComponent(
            qwen, "Resource", endpoint_name=endpoint.attr_endpoint_name, inference_component_name=COMPONENT,
            variant_name="AllTraffic",
            runtime_config=sm.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(copy_count=1),
            specification=sm.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                container=sm.CfnInferenceComponent.InferenceComponentContainerSpecificationProperty(
                    image=IMAGE, environment={"HF_MODEL_ID": "Qwen/Qwen3-8B", "OPTION_MAX_MODEL_LEN": "8192",
                                              "TENSOR_PARALLEL_DEGREE": "1"}),
                compute_resource_requirements=sm.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                    number_of_accelerator_devices_required=1, min_memory_required_in_mb=16384),
                startup_parameters=sm.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
                    container_startup_health_check_timeout_in_seconds=900, model_data_download_timeout_in_seconds=900),
            ),
        )  # fmt: skip
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["sagemaker:DescribeInferenceComponent"], resources=[component.ref]))  # fmt: skip
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["cloudwatch:DescribeAlarmHistory"],
            resources=[f"{cw_arn}:alarm:TargetTracking-inference-component/{COMPONENT}-AlarmHigh-*",
                       f"{cw_arn}:alarm:{COMPONENT}-wake-from-zero"]))  # fmt: skip
        latency = cw.Metric(namespace=NAMESPACE, metric_name="ScaleOutLatency",
                            dimensions_map={"InferenceComponentName": COMPONENT}, statistic="Maximum",
                            period=Duration.minutes(5))  # fmt: skip
        budget = latency.create_alarm(
            recorder, f"Budget-{COMPONENT}", threshold=360, evaluation_periods=3, datapoints_to_alarm=1,
            alarm_description=f"A scale-out of inference component {COMPONENT} took longer than its 360 s budget",
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING)  # fmt: skip
        scaling = Construct(qwen, "CopyCountScaling")
        target = appscaling.ScalableTarget(
            scaling, "Target", service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"inference-component/{COMPONENT}",
            scalable_dimension="sagemaker:inference-component:DesiredCopyCount", min_capacity=1, max_capacity=4,
            role=iam.Role.from_role_arn(scaling, "ServiceLinkedRole", self.format_arn(
                service="iam", region="", resource="role",
                resource_name="aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                              "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"), mutable=False),
        )  # fmt: skip
        target.node.add_dependency(component)
        target.scale_to_track_metric(
            "ConcurrentRequests", target_value=8, scale_out_cooldown=Duration.seconds(60),
            scale_in_cooldown=Duration.seconds(300),
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION)  # fmt: skip

        self._dashboard(endpoint, budget)

    def _dashboard(self, endpoint: sm.CfnEndpoint, budget: cw.Alarm) -> None:
        dashboard = cw.Dashboard(Construct(self, "Dashboard"), "Resource", default_interval=Duration.hours(3))
        count, seconds = cw.YAxisProps(min=0, show_units=False), cw.YAxisProps(min=0, label="seconds", show_units=False)
        percent = cw.YAxisProps(min=0, max=100, show_units=False)
        red = cw.Color.RED
        sm_variant = {"EndpointName": endpoint.attr_endpoint_name, "VariantName": "AllTraffic"}
        lib_endpoint, comp = {"EndpointName": ENDPOINT}, {"InferenceComponentName": COMPONENT}
        one_minute = Duration.minutes(1)

        def m(ns: str, name: str, dims: dict, label: str, stat: str, period: Duration = one_minute) -> cw.Metric:
            return cw.Metric(namespace=ns, metric_name=name, dimensions_map=dims, label=label, statistic=stat, period=period)

        def g(title: str, left: list, axis: cw.YAxisProps, width: int = 8, right: list | None = None,
              notes: list | None = None) -> cw.GraphWidget:  # fmt: skip
            return cw.GraphWidget(title=title, left=left, right=right, width=width, height=6, left_y_axis=axis,
                                  right_y_axis=count if right else None, left_annotations=notes)  # fmt: skip

        endpoints, ics, sage = "/aws/sagemaker/Endpoints", "/aws/sagemaker/InferenceComponents", "AWS/SageMaker"
        instances = [m(NAMESPACE, "DesiredInstanceCount", lib_endpoint, "desired", "Maximum"),
                     m(NAMESPACE, "CurrentInstanceCount", lib_endpoint, "current", "Maximum")]  # fmt: skip
        five = Duration.minutes(5)
        dashboard.add_widgets(cw.TextWidget(markdown=f"## Scale-out of SageMaker endpoint `{ENDPOINT}`", width=24, height=1))
        dashboard.add_widgets(
            g("Instances", instances, count),
            g("Accelerator reservation and use (%)",
              [m(endpoints, "GPUReservation", sm_variant, "reserved by copies", "Average"),
               m(endpoints, "GPUUtilizationNormalized", sm_variant, "utilized", "Average")], percent),
            cw.AlarmStatusWidget(title="Scale-out SLO", alarms=[budget], width=8, height=6),
        )  # fmt: skip
        dashboard.add_widgets(cw.TextWidget(markdown=f"### Inference component `{COMPONENT}`", width=24, height=1))
        dashboard.add_widgets(
            g(f"Demand vs target: {COMPONENT}",
              [m(sage, "ConcurrentRequestsPerCopy", comp, "concurrent requests per copy", "Maximum", Duration.seconds(10))],
              count, notes=[cw.HorizontalAnnotation(value=8, label="target per copy", color=red)]),
            g(f"Copies and instances: {COMPONENT}",
              [m(NAMESPACE, "DesiredCopyCount", comp, "desired copies", "Maximum"),
               m(NAMESPACE, "CurrentCopyCount", comp, "current copies", "Maximum")], count,
              right=[m(NAMESPACE, "DesiredInstanceCount", lib_endpoint, "desired instances", "Maximum"),
                     m(NAMESPACE, "CurrentInstanceCount", lib_endpoint, "current instances", "Maximum")]),
            g(f"Scale-out latency: {COMPONENT}",
              [m(NAMESPACE, "ScaleOutLatency", comp, f"scale-out {s}", s, five) for s in ("p50", "p90", "max")]
              + [m(NAMESPACE, "ScaleOutDetectionLatency", comp, "detection p90", "p90", five)], seconds,
              notes=[cw.HorizontalAnnotation(value=360, label="budget", color=red)]),
        )  # fmt: skip
        dashboard.add_widgets(
            g(f"No-capacity failures and errors: {COMPONENT}",
              [m(sage, "NoCapacityInvocationFailures", comp, "no capacity", "Sum"),
               m(sage, "Invocation4XXErrors", comp, "4xx", "Sum"), m(sage, "Invocation5XXErrors", comp, "5xx", "Sum"),
               m(sage, "InvocationModelErrors", comp, "model errors", "Sum"),
               m(NAMESPACE, "ScaleOutFailures", comp, "failed scale-outs", "Sum", five)], count),
            g(f"Latency percentiles (microseconds): {COMPONENT}",
              [m(sage, "ModelLatency", comp, f"model {s}", s) for s in ("p50", "p90", "p99")]
              + [m(sage, "OverheadLatency", comp, "overhead p90", "p90")], cw.YAxisProps(min=0, show_units=False)),
            g(f"GPU utilization (%): {COMPONENT}",
              [m(ics, "GPUUtilizationNormalized", comp, "GPU", "Average"),
               m(ics, "GPUMemoryUtilizationNormalized", comp, "GPU memory", "Average")], percent),
        )  # fmt: skip


def build(app: cdk.App) -> Stack:
    return HandwrittenQwen3Stack(app, "Qwen3Lmi", env=cdk.Environment(account="123456789012", region="us-east-1"))


def components_floor(app: cdk.App, count: int) -> Stack:
    """What the library renders per component, written directly: the floor of the per-component cost.

    Per component: the inference component, its scalable target and target-tracking policy, its budget alarm, and
    the six dashboard widgets with their 21 metrics. No endpoint, guard or recorder (the fixed part).
    """
    stack = Stack(app, "Floor", env=cdk.Environment(account="123456789012", region="us-east-1"))
    dashboard = cw.Dashboard(stack, "Dashboard")
    slr = iam.Role.from_role_arn(stack, "Slr", "arn:aws:iam::123456789012:role/aws-service-role/x", mutable=False)
    for i in range(count):
        name = f"model-{i}"
        component = sm.CfnInferenceComponent(
            stack, f"Ic{i}", endpoint_name="endpoint", inference_component_name=name,
            runtime_config=sm.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(copy_count=1),
            specification=sm.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                container=sm.CfnInferenceComponent.InferenceComponentContainerSpecificationProperty(image=IMAGE),
                compute_resource_requirements=sm.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                    number_of_accelerator_devices_required=1, min_memory_required_in_mb=16384)),
        )  # fmt: skip
        target = appscaling.ScalableTarget(
            stack, f"Target{i}", service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"inference-component/{name}", scalable_dimension="sagemaker:inference-component:DesiredCopyCount",
            min_capacity=1, max_capacity=2, role=slr)  # fmt: skip
        target.node.add_dependency(component)
        target.scale_to_track_metric(
            f"Tracking{i}", target_value=8,
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION)  # fmt: skip
        dims = {"InferenceComponentName": name}
        metric = [cw.Metric(namespace="AWS/SageMaker", metric_name=f"M{j}", dimensions_map=dims, label=f"m{j}")
                  for j in range(21)]  # fmt: skip
        metric[0].create_alarm(stack, f"Budget{i}", threshold=360, evaluation_periods=3)
        dashboard.add_widgets(*(cw.GraphWidget(title=f"{name} {j}", left=metric[j * 3:j * 3 + 3], width=8)
                                for j in range(6)))  # fmt: skip
    return stack
