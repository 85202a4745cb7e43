"""Names the Lambda functions publish under and the constructs chart: spelled once, here (no aws_cdk import)."""

#: The library's CloudWatch namespace, for what SageMaker does not publish.
NAMESPACE = "ConstructsPkg/ScaleOut"
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
#: Inference, not a cache report: a scale-out's log-bounded ProvisioningAndPull over the same bound of the
#: component's first (cold) deployment. Near 1 or above: the scale-out pulled like a cold start.
PROVISIONING_PULL_TO_COLD_RATIO = "ProvisioningPullToColdRatio"
#: ScaleOutLatency minus SageMaker's E2EScalingLatency for the same scale-out, seconds (when available).
E2E_SCALING_LATENCY_GAP = "E2EScalingLatencyGap"
#: Claim-table key prefix of the cold baseline, recorded once per component (or endpoint) and creation time.
COLD_BASELINE_KEY = "cold-baseline#"
#: The ``event`` of the recorder's JSON log line per recorded scale-out (fields ``resource``, ``end_to_end``,
#: ``stages.<Stage>.seconds``/``.label``, ``cache.ratio``, ``e2e_gap``); the dashboard's table queries it.
STAGES_LOG_EVENT = "recorder-scale-out-stages"


def component_log_group(component: str) -> str:
    """The CloudWatch Logs group SageMaker writes an inference component's container output to."""
    return f"/aws/sagemaker/InferenceComponents/{component}"


def endpoint_log_group(endpoint: str) -> str:
    """The CloudWatch Logs group of an endpoint's containers (streams ``<variant>/<instance-id>``)."""
    return f"/aws/sagemaker/Endpoints/{endpoint}"


#: Suffix of the wake-from-zero alarm the library names for a component (``<component>-wake-from-zero``): the
#: recorder treats an activity caused by this alarm as a scale-out.
WAKE_ALARM_SUFFIX = "-wake-from-zero"
