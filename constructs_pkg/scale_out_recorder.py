"""The scale-out latency recorder: a scheduled function that publishes what SageMaker does not."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

import jsii
from aws_cdk import Duration, IStableStringProducer, Lazy, RemovalPolicy
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .alarm_actions import route_alarms, validate_actions
from . import _nag, _scope
from . import _validation as v
from . import metrics
from ._health import NO_ACTION_REASON as _NO_ACTION_REASON
from ._health import function_alarms, heartbeat_alarm
from ._iam import GrowingStatement
from ._lambda import python_function
from ._naming import lower_name
from ._regions import check_region_availability
from .interfaces import IInferenceComponent, IInferenceEndpoint
from .runtime import names
from .runtime.budgets import RECORDER
from .scaling import component_resource_id, target_tracking_alarm_pattern, variant_resource_id, wake_alarm_name

SCHEDULE = Duration.minutes(1)  # the handler claims a run's counts by its scheduled minute: one run per minute
#: The default scale-out SLO. AWS measured Qwen3-8B on ml.g6.2xlarge at 258 s end to end with the image cache and
#: 525 s without it; 6 minutes passes a cached scale-out with headroom and trips on one that fell back to a full pull.
DEFAULT_SCALE_OUT_BUDGET = Duration.minutes(6)
_BUDGET_PERIOD = Duration.minutes(5)
_BUDGET_LOOKBACK_PERIODS = 3  # latency is timestamped at the scale-out's end but published by a later run
_STAGE_ALARM_PERIOD = Duration.minutes(5)
_PROMQL_EVALUATION_INTERVAL = Duration.minutes(1)


class ScaleOutRecorder(Construct):
    """Publishes copy counts, instance counts and measured scale-out latency every minute (on by default).

    Creates a Python function (``runtime.recorder.handler``), an EventBridge rule running it every minute, and a
    DynamoDB table of claims (one per scale-out activity, and one per source of a run's counts: the endpoint, each
    component, the heartbeat; each expiring after two days) that makes each scale-out count exactly once, even when a
    run is killed, and per component (or scaled variant) ``budget_alarms`` and ``capacity_failure_alarms``. The
    function may describe exactly this endpoint and its components, read the history of their scale-out alarms, send
    to its dead-letter queue, and publish only to ``ConstructsPkg/ScaleOut/<endpoint name>``; its log group is named
    under ``/constructs-pkg/<endpoint name>/``.

    So that it never fails in silence: an SQS dead-letter queue (encrypted with ``encryption_key`` when given)
    receives the events of runs that failed every retry; alarms fire on the function's errors and throttles
    (``health_alarms``) and when it has published no ``RecorderHeartbeat`` for five minutes (``heartbeat_alarm``,
    missing data breaching).

    With ``record_stages`` (the default) it also times each successful scale-out stage by stage
    (``ScaleOutStageSeconds``), infers whether the image cache served it (``ProvisioningPullToColdRatio``,
    ``cache_regression_alarms``), and logs one ``recorder-scale-out-stages`` JSON line per scale-out. For that it
    may also list the log streams of exactly these components' (or this endpoint's) SageMaker log groups and read
    its own claims table.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint: IInferenceEndpoint,
        scale_out_budget: Duration | None = DEFAULT_SCALE_OUT_BUDGET,
        encryption_key: kms.IKey | None = None,
        record_stages: bool = True,
        removal_policy: RemovalPolicy | None = None,
        alarm_actions: Sequence[cw.IAlarmAction] | None = None,
        ok_actions: Sequence[cw.IAlarmAction] | None = None,
        read_sagemaker_stages: bool = False,
        sagemaker_metric_names: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param alarm_actions: Where this construct stands alone: actions added to every alarm it creates, now or
            later (an endpoint's ``alarm_actions`` already covers the one it creates). Default: none.
        :param ok_actions: The same for the return to OK. Default: none.
        :param endpoint: The endpoint to record (defined here or imported).
        :param scale_out_budget: An alarm per component fires when a scale-out takes longer. None: no alarm.
            Default: 6 minutes (see ``DEFAULT_SCALE_OUT_BUDGET``).
        :param encryption_key: Customer-managed key for the function's log group and dead-letter queue. Default:
            CloudWatch Logs' and SQS's own encryption. (The claims table always uses AWS-managed encryption.)
        :param record_stages: Time each scale-out stage by stage, infer image-cache misses, and alarm on them
            (``cache_regression_alarms``). It reads only the log-stream list (names and first-event times, no log
            content) of these components' SageMaker log groups. Default: True.
        :param removal_policy: What happens to the function's log group, the claims table and the dead-letter queue
            when they leave the stack. Default: the log group is retained (its lines explain gaps in the metrics);
            the table (claims that expire in two days and each component's cold-deployment baseline, meaningless
            without the endpoint) and the queue are deleted.
        :param read_sagemaker_stages: Also read SageMaker's own lifecycle metrics of each scale-out (model
            download, GPU load, container start, end-to-end) over CloudWatch's Prometheus-compatible query API, and
            cross-check them with the log bounds. Opt-in: AWS has not confirmed the metric names PromQL accepts or
            their labels, and it needs the endpoint's detailed observability and the account's OTel enrichment.
            Adds ``cloudwatch:GetMetricData`` and ``cloudwatch:ListMetrics`` (no resource type). Needs
            ``record_stages``. Default: False.
        :param sagemaker_metric_names: With ``read_sagemaker_stages``, the metric name to query per stage
            (``ModelDownload``, ``GpuLoad``, ``ContainerStart``, ``E2EScalingLatency``), e.g. the CamelCase names of
            CloudWatch's metric list. Default: SageMaker's source names (``model_download_time``, ...).
        """
        errors: list[str] = []
        v.duration_in_range(errors, "scale_out_budget", scale_out_budget, 1, 24 * 3600)
        if not isinstance(record_stages, bool):
            errors.append(f"record_stages must be True or False, got {record_stages!r}")
        v.removal_policy(errors, removal_policy)
        validate_actions(errors, "alarm_actions", alarm_actions)
        validate_actions(errors, "ok_actions", ok_actions)
        if not isinstance(read_sagemaker_stages, bool):
            errors.append(f"read_sagemaker_stages must be True or False, got {read_sagemaker_stages!r}")
        elif read_sagemaker_stages and not record_stages:
            errors.append("read_sagemaker_stages needs record_stages=True (SageMaker's stages join the stage timeline)")
        if sagemaker_metric_names is not None:
            unknown = sorted(set(sagemaker_metric_names) - set(names.SAGEMAKER_LIFECYCLE_METRICS))
            if not read_sagemaker_stages or unknown:
                errors.append(f"sagemaker_metric_names must name stages of {sorted(names.SAGEMAKER_LIFECYCLE_METRICS)} "
                              f"with read_sagemaker_stages=True, got {dict(sagemaker_metric_names)!r}")  # fmt: skip
        v.raise_if_any(errors, "ScaleOutRecorder", scope, id)
        super().__init__(scope, id)
        route_alarms(self, alarm_actions, ok_actions)
        self.endpoint = endpoint
        self.scale_out_budget = scale_out_budget
        #: The scale-out SLO alarm of each component (by component name) or scaled variant (by endpoint name).
        self.budget_alarms: dict[str, cw.Alarm] = {}
        self.record_stages = record_stages
        #: With ``record_stages``: per component (or scaled variant), "the image cache regressed to a cold pull"
        #: (ProvisioningPullToColdRatio maximum >= ``metrics.CACHE_REGRESSION_RATIO``).
        self.cache_regression_alarms: dict[str, cw.Alarm] = {}
        #: Per component (or scaled variant): a scale-out failed for InsufficientInstanceCapacity.
        self.capacity_failure_alarms: dict[str, cw.Alarm] = {}
        #: SageMaker's own capacity alarm (PromQL), once ``add_sagemaker_capacity_alarm`` is called.
        self.sagemaker_capacity_alarm: cw.PromQLAlarm | None = None
        self._component_names: list[str] = []
        self._function_role: iam.IRole | None = None
        self._budget_seconds = None if scale_out_budget is None else v.seconds_of(scale_out_budget)
        self.variant_scaled = False
        self.claims = dynamodb.Table(
            self,
            "Claims",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expires",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # AWS-managed: a customer key here would make CDK's table grant add kms:ReEncrypt* and GenerateDataKey*.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # Default: only idempotency claims, which expire after two days anyway, and the cold baselines.
            removal_policy=RemovalPolicy.DESTROY if removal_policy is None else removal_policy,
        )
        _nag.acknowledge_rule(
            self.claims,
            "DynamoDBInBackupPlan",
            "It holds only idempotency claims that expire after two days; point-in-time recovery is on, and a "
            "backup plan would restore nothing of value.",
        )
        #: Events of the function's asynchronous invocations that failed every retry (kept 14 days).
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED if encryption_key is None else sqs.QueueEncryption.KMS,
            encryption_master_key=encryption_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=RemovalPolicy.DESTROY if removal_policy is None else removal_policy,
        )
        _nag.acknowledge(self.dead_letter_queue, "AwsSolutions-SQS3",
                         "It is the recorder function's dead-letter queue; a queue for dead letters needs none of its own.")  # fmt: skip
        self.function = python_function(
            self,
            "Function",
            handler=RECORDER.handler,
            timeout=Duration.seconds(RECORDER.timeout_s),  # its SDK calls' budget fits in it (runtime/aws.py)
            endpoint_name=endpoint.physical_endpoint_name,
            description=f"Records copy counts and scale-out latency of SageMaker endpoint {endpoint.physical_endpoint_name}",
            environment={
                "ENDPOINT_NAME": endpoint.physical_endpoint_name,
                "VARIANT_NAME": endpoint.variant_name,
                "COMPONENTS": Lazy.string(_Setting(lambda: ",".join(self._component_names))),
                # The names the library gives the components' wake-from-zero alarms: a scale-out when they act.
                "WAKE_ALARMS": Lazy.string(_Setting(lambda: ",".join(map(wake_alarm_name, self._component_names)))),
                "CLAIM_TABLE": self.claims.table_name,
                "VARIANT_SCALED": Lazy.string(_Setting(lambda: "true" if self.variant_scaled else "false")),
                "STAGE_LOGS": "true" if record_stages else "false",
                names.NAMESPACE_ENV: names.endpoint_namespace(endpoint.physical_endpoint_name),
                **({"SAGEMAKER_STAGES": "true"} if read_sagemaker_stages else {}),
                **({"SAGEMAKER_METRIC_NAMES": json.dumps(dict(sagemaker_metric_names), sort_keys=True)}
                   if sagemaker_metric_names else {}),  # fmt: skip
            },
            encryption_key=encryption_key,
            how_invoked="EventBridge invokes it asynchronously every minute and retries a failed run twice; the "
            "next run does not depend on it",
            removal_policy=RemovalPolicy.RETAIN if removal_policy is None else removal_policy,
            dead_letter_queue=self.dead_letter_queue,
        )
        if encryption_key is not None:  # Lambda sends dead letters as the function's role: SSE-KMS needs both
            encryption_key.grant(self.function, "kms:GenerateDataKey", "kms:Decrypt")
        #: The function's Errors and Throttles alarms.
        self.health_alarms: list[cw.Alarm] = function_alarms(self.function, "scale-out recorder")
        #: In ALARM after five minutes without a heartbeat (the recorder is not running or cannot publish).
        self.heartbeat_alarm = heartbeat_alarm(self, "Heartbeat", endpoint.metric_recorder_heartbeat(),
                                               f"scale-out recorder of endpoint {endpoint.physical_endpoint_name}")  # fmt: skip
        # GetItem reads the cold-deployment baseline the stage timeline compares against.
        claim_actions = ["dynamodb:PutItem", "dynamodb:DeleteItem", *(["dynamodb:GetItem"] if record_stages else [])]
        self.claims.grant(self.function, *claim_actions)
        self.read_sagemaker_stages = read_sagemaker_stages
        if read_sagemaker_stages:  # QueryMetrics (PromQL) needs both; neither has a resource type
            self.function.add_to_role_policy(iam.PolicyStatement(
                actions=["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], resources=["*"]))  # fmt: skip
        self.rule = events.Rule(
            self,
            "Schedule",
            schedule=events.Schedule.rate(SCHEDULE),
            targets=[targets.LambdaFunction(self.function, retry_attempts=2, max_event_age=Duration.minutes(10))],
        )
        self._grant_reads()
        self._describe_components = GrowingStatement(self.function, "sagemaker:DescribeInferenceComponent")
        self._alarm_history = GrowingStatement(self.function, "cloudwatch:DescribeAlarmHistory")
        self._log_streams = GrowingStatement(self.function, "logs:DescribeLogStreams")
        endpoint.on_component(self._add_component)
        check_region_availability(self)

    def _grant_reads(self) -> None:
        # SageMaker lower-cases names in ARNs; a token name (a CfnParameter) is used as given.
        endpoint_arn = self._arn("sagemaker", f"endpoint/{lower_name(self.endpoint.physical_endpoint_name)}")
        self.function.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:DescribeEndpoint"], resources=[endpoint_arn]))
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["application-autoscaling:DescribeScalingActivities"], resources=["*"])
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                # This endpoint's own namespace: another endpoint's recorder cannot write the metrics behind its alarms.
                conditions={"StringEquals": {"cloudwatch:namespace": names.endpoint_namespace(
                    self.endpoint.physical_endpoint_name)}},  # fmt: skip
            )
        )
        _nag.acknowledge(
            self._role(),
            _nag.wildcard_resource("*"),
            "application-autoscaling:DescribeScalingActivities and cloudwatch:PutMetricData have no resource type; "
            f"PutMetricData is confined by condition to this endpoint's own namespace under {names.NAMESPACE_PREFIX}/."
            + (" cloudwatch:GetMetricData and ListMetrics (read_sagemaker_stages: CloudWatch's PromQL QueryMetrics "
               "needs both) have no resource type either." if self.read_sagemaker_stages else ""),
        )

    def _role(self) -> iam.IRole:
        if self._function_role is None:  # read once: each jsii call costs synth time
            self._function_role = self.function.role
        assert self._function_role is not None  # python_function always creates its role
        return self._function_role

    def _add_component(self, component: IInferenceComponent) -> None:
        name = component.component_name
        self._component_names.append(name)
        self._describe_components.add(component.component_arn)
        self._add_budget_alarm(name, component.metric_scale_out_latency, f"inference component {name}")
        _nag.acknowledge_all(self._role(), [  # one call for both grants' findings
            *self._grant_alarm_history(component_resource_id(name), extra_alarms=[wake_alarm_name(name)]),
            *self._add_stage_reads(names.component_log_group(name)),
        ])  # fmt: skip
        self._add_stage_alarms(name, component, f"inference component {name}")

    def record_variant_scaling(self) -> None:
        """Also record the scale-outs of the endpoint's variant (a single-model endpoint scaled on instances)."""
        if self.variant_scaled:
            return
        self.variant_scaled = True
        endpoint = self.endpoint
        self._add_budget_alarm(
            endpoint.physical_endpoint_name, endpoint.metric_scale_out_latency, f"endpoint {endpoint.physical_endpoint_name}"
        )
        _nag.acknowledge_all(self._role(), [
            *self._grant_alarm_history(variant_resource_id(endpoint.physical_endpoint_name, endpoint.variant_name)),
            *self._add_stage_reads(names.endpoint_log_group(endpoint.physical_endpoint_name)),
        ])  # fmt: skip
        self._add_stage_alarms(endpoint.physical_endpoint_name, endpoint, f"endpoint {endpoint.physical_endpoint_name}")

    def add_sagemaker_capacity_alarm(self, queries: metrics.SageMakerQueries | None = None) -> cw.PromQLAlarm:
        """Alarm on SageMaker's own insufficient-capacity count for this endpoint: a PromQL alarm evaluated every
        minute, in ALARM on the first breach, back to OK after 5 minutes without one. Calling it again returns it.

        It needs the endpoint's detailed observability (``MetricsConfig``) and the account's OTel enrichment, and
        AWS has not confirmed the query's metric name (see ``metrics.SageMakerQueries``): run it in the PromQL
        console first. A PromQL alarm starts in OK and stays there when the query finds nothing, so a wrong name is
        silent; ``capacity_failure_alarms`` (the recorder's own count) does not depend on it.

        :param queries: The PromQL to use. Default: ``SageMakerQueries()``.
        """
        if self.sagemaker_capacity_alarm is not None:
            return self.sagemaker_capacity_alarm
        queries = metrics.SageMakerQueries() if queries is None else queries
        name = self.endpoint.physical_endpoint_name
        alarm = cw.PromQLAlarm(
            self,
            "SageMakerCapacity",
            query=queries.render(queries.capacity_failures_alarm, endpoint=name),
            evaluation_interval=_PROMQL_EVALUATION_INTERVAL,
            pending_period=Duration.seconds(0),
            recovery_period=Duration.minutes(5),
            alarm_description=f"SageMaker reported an insufficient-capacity error on endpoint {name}",
        )
        _nag.acknowledge_rule(alarm, "CloudWatchAlarmAction", _NO_ACTION_REASON)
        self.sagemaker_capacity_alarm = alarm
        return alarm

    def _add_stage_reads(self, log_group: str) -> list[tuple[str, str]]:
        """List the log streams of ``log_group`` (the first event of a new copy's stream bounds its stages).
        Returns the role's acknowledgement for it."""
        if not self.record_stages:
            return []
        arn = self._arn("logs", f"log-group:{log_group}")
        self._log_streams.add(arn, f"{arn}:*")
        return [(
            _nag.wildcard_resource(f"arn:{_nag.PARTITION}:logs:{_nag.REGION}:{_nag.ACCOUNT}:log-group:{log_group}:*"),
            "logs:DescribeLogStreams is authorized on the log group's ARN with the ':*' suffix; the grant is "
            f"confined to SageMaker's own log group {log_group} and reads stream names and times only.",
        )]  # fmt: skip

    def _add_stage_alarms(self, key: str, source: IInferenceComponent | IInferenceEndpoint, what: str) -> None:
        capacity = source.metric_scale_out_capacity_failures(period=_STAGE_ALARM_PERIOD).create_alarm(
            self,
            f"CapacityFailure-{key}",
            alarm_description=f"A scale-out of {what} failed for insufficient instance capacity",
            threshold=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        _nag.acknowledge_rule(capacity, "CloudWatchAlarmAction", _NO_ACTION_REASON)
        self.capacity_failure_alarms[key] = capacity
        if not self.record_stages:
            return
        ratio = source.metric_provisioning_pull_to_cold_ratio(statistic="Maximum", period=_STAGE_ALARM_PERIOD)
        cache = ratio.create_alarm(
            self,
            f"CacheRegression-{key}",
            alarm_description=f"A scale-out of {what} took as long to provision and pull as its cold first "
            "deployment: the image cache most likely did not serve it (inferred from log timestamps)",
            threshold=metrics.CACHE_REGRESSION_RATIO,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        _nag.acknowledge_rule(cache, "CloudWatchAlarmAction", _NO_ACTION_REASON)
        self.cache_regression_alarms[key] = cache

    def _grant_alarm_history(self, resource_id: str, extra_alarms: Sequence[str] = ()) -> list[tuple[str, str]]:
        """Read the history of ``resource_id``'s scale-out alarms. Returns the role's acknowledgement for it."""
        pattern = target_tracking_alarm_pattern(resource_id)
        self._alarm_history.add(*(self._arn("cloudwatch", f"alarm:{name}") for name in (pattern, *extra_alarms)))
        return [(
            _nag.wildcard_resource(f"arn:{_nag.PARTITION}:cloudwatch:{_nag.REGION}:{_nag.ACCOUNT}:alarm:{pattern}"),
            "Application Auto Scaling names a target's scale-out alarms with a random suffix; the grant is "
            f"confined to the alarms of {resource_id}.",
        )]  # fmt: skip

    def _add_budget_alarm(self, key: str, latency: Callable[..., cw.Metric], what: str) -> None:
        budget = self._budget_seconds
        if budget is None:
            return
        alarm = latency(statistic="Maximum", period=_BUDGET_PERIOD).create_alarm(
            self,
            f"Budget-{key}",
            alarm_description=f"A scale-out of {what} took longer than its {budget:.0f} s budget",
            threshold=budget,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=_BUDGET_LOOKBACK_PERIODS,
            datapoints_to_alarm=1,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        _nag.acknowledge_rule(
            alarm,
            "CloudWatchAlarmAction",
            "The library cannot choose who is told; the dashboard shows this alarm, and "
            "recorder.budget_alarms[name].add_alarm_action(...) routes it.",
        )
        self.budget_alarms[key] = alarm

    @staticmethod
    def _arn(service: str, resource: str) -> str:
        return _scope.arn(service, resource)


@jsii.implements(IStableStringProducer)
class _Setting:
    """An environment value rendered at synth time, once every component has been added."""

    def __init__(self, render: Callable[[], str]) -> None:
        self._render = render

    def produce(self) -> str:
        return self._render()
