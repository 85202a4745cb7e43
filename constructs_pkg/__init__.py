"""Fast scale-out of generative-AI models on Amazon SageMaker inference components, as AWS CDK constructs.

Importing the package imports aws_cdk (so type checkers see every class). The Lambda-side code in
``constructs_pkg.runtime`` never imports aws_cdk itself: in Lambda it is the asset root, imported as ``runtime``.
"""

from .cache_guard import CacheGuard, CacheGuardMode
from .dashboard import ScaleOutDashboard
from .endpoint import (
    InferenceAmiVersion,
    InferenceEndpoint,
    MetricsConfig,
    PrefixAwareRouting,
    RoutingStrategy,
)
from .errors import ConfigurationError
from .images import ContainerImage, ModelData
from .inference_component import InferenceComponent
from .instance_types import AcceleratorInstanceType, InstanceSpec
from .interfaces import IInferenceComponent, IInferenceEndpoint, IScalableCopyCount
from .metrics import SageMakerQueries
from .scale_out_recorder import ScaleOutRecorder
from .scaling import ScalableCopyCount, ScalableInstanceCount
from .single_model_endpoint import SingleModelEndpoint

__all__ = [
    "AcceleratorInstanceType",
    "CacheGuard",
    "CacheGuardMode",
    "ConfigurationError",
    "ContainerImage",
    "IInferenceComponent",
    "IInferenceEndpoint",
    "IScalableCopyCount",
    "InferenceAmiVersion",
    "InferenceComponent",
    "InferenceEndpoint",
    "InstanceSpec",
    "MetricsConfig",
    "ModelData",
    "PrefixAwareRouting",
    "RoutingStrategy",
    "SageMakerQueries",
    "ScalableCopyCount",
    "ScalableInstanceCount",
    "ScaleOutDashboard",
    "ScaleOutRecorder",
    "SingleModelEndpoint",
]
