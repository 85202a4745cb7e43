"""Names the Lambda functions publish under and the constructs chart: spelled once, here (no aws_cdk import)."""

#: The library's CloudWatch namespace, for what SageMaker does not publish.
NAMESPACE = "ConstructsPkg/ScaleOut"
ENDPOINT_DIMENSION = "EndpointName"
COMPONENT_DIMENSION = "InferenceComponentName"

# Cache guard, on stack deletion.
CACHE_PURGE_VERIFIED = "CachePurgeVerified"
CACHE_PURGE_VERIFICATION_SECONDS = "CachePurgeVerificationSeconds"
