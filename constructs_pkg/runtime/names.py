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
#: 1 per scale-out activity that ended Failed or Unfulfilled, timestamped at its end.
SCALE_OUT_FAILURES = "ScaleOutFailures"

#: Suffix of the wake-from-zero alarm the library names for a component (``<component>-wake-from-zero``): the
#: recorder treats an activity caused by this alarm as a scale-out.
WAKE_ALARM_SUFFIX = "-wake-from-zero"
