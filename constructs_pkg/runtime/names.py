"""Names the Lambda functions publish under and the constructs chart: spelled once, here (no aws_cdk import)."""

from __future__ import annotations

import os
from collections.abc import Mapping

#: The library's CloudWatch namespaces, for what SageMaker does not publish, are this prefix plus the endpoint's name
#: (``endpoint_namespace``): IAM's ``cloudwatch:namespace`` condition cannot see dimensions, so a namespace per
#: endpoint is what keeps one endpoint's functions from publishing another endpoint's metrics.
NAMESPACE_PREFIX = "ConstructsPkg/ScaleOut"
#: The environment variable that tells a library function its namespace (set by the construct that grants it).
NAMESPACE_ENV = "METRIC_NAMESPACE"
ENDPOINT_DIMENSION = "EndpointName"
COMPONENT_DIMENSION = "InferenceComponentName"

# Cache guard, on stack deletion.
CACHE_PURGE_VERIFIED = "CachePurgeVerified"
CACHE_PURGE_VERIFICATION_SECONDS = "CachePurgeVerificationSeconds"

# Scale-out recorder, every minute. Copy counts carry the component dimension; instance counts the endpoint's.
DESIRED_COPY_COUNT = "DesiredCopyCount"
CURRENT_COPY_COUNT = "CurrentCopyCount"
DESIRED_INSTANCE_COUNT = "DesiredInstanceCount"
CURRENT_INSTANCE_COUNT = "CurrentInstanceCount"
#: Seconds from a scale-out activity's start to its end, timestamped at its end.
SCALE_OUT_LATENCY = "ScaleOutLatency"
#: Seconds from the first datapoint the triggering alarm evaluated to the activity's start, timestamped at its end.
SCALE_OUT_DETECTION_LATENCY = "ScaleOutDetectionLatency"
#: 1 per recorder run, with the endpoint dimension, at the run's scheduled minute: its absence means the recorder
#: is not running (the heartbeat alarm treats missing data as breaching).
RECORDER_HEARTBEAT = "RecorderHeartbeat"
#: 1 per scale-out activity that ended Failed or Unfulfilled, timestamped at its end.
SCALE_OUT_FAILURES = "ScaleOutFailures"

#: 1 per failed scale-out whose status message names InsufficientInstanceCapacity (a subset of ScaleOutFailures).
SCALE_OUT_CAPACITY_FAILURES = "ScaleOutCapacityFailures"

# Scale-out stage timeline (recorder, STAGE_LOGS=true): seconds per stage, per component (or endpoint) and ``Stage``,
# timestamped at the scale-out's end. Whether a stage is measured or bounded is in the recorder's log line
# (``recorder-scale-out-stages``), not in the metric.
SCALE_OUT_STAGE_SECONDS = "ScaleOutStageSeconds"
STAGE_DIMENSION = "Stage"
#: First datapoint over target -> the alarm's ALARM state (measured, from alarm history).
STAGE_ALARM_EVALUATION = "AlarmEvaluation"
#: The alarm's ALARM state -> the scaling activity's start (measured).
STAGE_ALARM_TO_ACTIVITY = "AlarmToActivity"
#: Activity start -> first event of the first log stream created after it (bounded: provisioning, image pull,
#: container start until its first line); with SageMaker's stage metrics, end-to-end minus the measured stages.
STAGE_PROVISIONING_AND_PULL = "ProvisioningAndPull"
#: That first log event -> activity end (bounded: model download, load, health check, Auto Scaling's polling).
STAGE_LOAD_AND_HEALTH_CHECK = "LoadAndHealthCheck"
#: SageMaker's own stage metrics (detailed observability), when a reader supplies them (measured).
STAGE_MODEL_DOWNLOAD = "ModelDownload"
STAGE_GPU_LOAD = "GpuLoad"
STAGE_CONTAINER_START = "ContainerStart"
MEASURED, BOUNDED = "measured", "bounded"
#: SageMaker's end-to-end scaling time of a scale-out (trigger -> completion), as a stage reader returns it.
STAGE_E2E = "E2EScalingLatency"
#: The metric a stage reader queries per stage: SageMaker's source names (SageMaker Developer Guide,
#: "inference-monitoring"); CloudWatch's metric list spells them E2EScalingLatency, ModelDownloadTime, GPULoadTime,
#: ContainerStartDuration, and AWS does not say which PromQL accepts.
SAGEMAKER_LIFECYCLE_METRICS = {
    STAGE_E2E: "e2e_duration",
    STAGE_MODEL_DOWNLOAD: "model_download_time",
    STAGE_GPU_LOAD: "gpu_load_time",
    STAGE_CONTAINER_START: "container_start_time",
}
#: Inference, not a cache report: a scale-out's log-bounded ProvisioningAndPull over the same bound of the
#: component's first (cold) deployment. Near 1 or above: the scale-out pulled like a cold start.
PROVISIONING_PULL_TO_COLD_RATIO = "ProvisioningPullToColdRatio"
#: ScaleOutLatency minus SageMaker's E2EScalingLatency for the same scale-out, seconds (when available).
E2E_SCALING_LATENCY_GAP = "E2EScalingLatencyGap"
#: The log-bounded LoadAndHealthCheck minus SageMaker's ContainerStart for the same scale-out, seconds (when both).
LOG_BOUND_GAP = "LoadBoundGap"
#: Who downloads the model: SageMaker, from S3 artifacts, beside the image pull and before the container starts;
#: or the container itself (``HF_MODEL_ID``), after it starts.
MODEL_SOURCE_ARTIFACTS = "artifacts"
MODEL_SOURCE_CONTAINER = "container"
#: Claim-table key prefix of the cold baseline (the endpoint's creation -> the target's first log line, a cold
#: deployment onto new instances), recorded once per component (or endpoint) and creation time.
COLD_BASELINE_KEY = "cold-baseline-new-instance#"
#: The ``event`` of the recorder's JSON log line per recorded scale-out (fields ``resource``, ``end_to_end``,
#: ``stages.<Stage>.seconds``/``.label``/``.holds``/``.within``, ``model_source``, ``cache.ratio``, ``e2e_gap``,
#: ``log_bound_gap``, ``withheld``); the dashboard's table and the planner's ``calibrate`` read it.
STAGES_LOG_EVENT = "recorder-scale-out-stages"


def endpoint_namespace(endpoint_name: str) -> str:
    """The namespace of endpoint ``endpoint_name``'s library metrics: ``ConstructsPkg/ScaleOut/<endpoint>``.

    The one derivation: the constructs grant ``cloudwatch:PutMetricData`` on it, set it as ``METRIC_NAMESPACE``, and
    chart and alarm on it. A plain f-string, so a CDK token name becomes an ``Fn::Join``. At most 22 + 1 + 63
    characters (SageMaker's endpoint-name limit), within PutMetricData's 1-255, and never ``AWS/``-prefixed.
    """
    return f"{NAMESPACE_PREFIX}/{endpoint_name}"


def published_namespace(endpoint_name: str, env: Mapping[str, str] | None = None) -> str:
    """The namespace a library function publishes to: its ``METRIC_NAMESPACE``, which the construct sets to the
    namespace its role may publish to; absent (code running before its configuration caught up), the same
    derivation from the endpoint's name."""
    env = os.environ if env is None else env
    given = env.get(NAMESPACE_ENV)
    return given if given else endpoint_namespace(endpoint_name)


def component_log_group(component: str) -> str:
    """The CloudWatch Logs group SageMaker writes an inference component's container output to."""
    return f"/aws/sagemaker/InferenceComponents/{component}"


def endpoint_log_group(endpoint: str) -> str:
    """The CloudWatch Logs group of an endpoint's containers (streams ``<variant>/<instance-id>``; an inference
    component's group has opaque stream names instead)."""
    return f"/aws/sagemaker/Endpoints/{endpoint}"


#: Suffix of the wake-from-zero alarm the library names for a component (``<component>-wake-from-zero``): the
#: recorder treats an activity caused by this alarm as a scale-out.
WAKE_ALARM_SUFFIX = "-wake-from-zero"

#: The cache guard's modes, as the construct sends them and ``runtime/guard.py`` reads them.
GUARD_WARN, GUARD_ENFORCE = "WARN", "ENFORCE"
