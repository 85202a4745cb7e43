"""Fast scale-out of generative-AI models on Amazon SageMaker inference components, as AWS CDK constructs.

Importing the package imports aws_cdk (so type checkers see every class). The Lambda-side code in
``constructs_pkg.runtime`` never imports aws_cdk itself: in Lambda it is the asset root, imported as ``runtime``.
"""

from .alarm_actions import exclude_from_alarm_actions
from .cache_guard import CacheGuard, CacheGuardMode
from .capacity import (
    CapacityReservation,
    CapacityReservationPreference,
    InstancePool,
    InstanceTypeCompute,
    ScaleInPolicy,
    ScaleInStrategy,
)
from .dashboard import ScaleOutDashboard
from .data_capture import CaptureMode, DataCapture
from .deployment import AutoRollback, BatchSize, RollingUpdate
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
from .interfaces import IInferenceComponent, IInferenceEndpoint, IModel, IScalableCopyCount
from .metrics import SageMakerQueries
from .model import Model
from .model_data import Compression, S3DataType, S3ModelData
from .placement import AzBalanceEnforcement, PlacementStrategy, SchedulingConfig
from .problems import synth_or_exit
from .scale_out_recorder import ScaleOutRecorder
from .scaling import ScalableCopyCount, ScalableInstanceCount
from .single_model_endpoint import SingleModelEndpoint

__all__ = [
    "AcceleratorInstanceType",
    "AutoRollback",
    "AzBalanceEnforcement",
    "BatchSize",
    "CacheGuard",
    "CacheGuardMode",
    "CapacityReservation",
    "CapacityReservationPreference",
    "CaptureMode",
    "Compression",
    "ConfigurationError",
    "ContainerImage",
    "DataCapture",
    "IInferenceComponent",
    "IInferenceEndpoint",
    "IModel",
    "IScalableCopyCount",
    "InferenceAmiVersion",
    "InferenceComponent",
    "InferenceEndpoint",
    "InstancePool",
    "InstanceSpec",
    "InstanceTypeCompute",
    "MetricsConfig",
    "Model",
    "ModelData",
    "PlacementStrategy",
    "PrefixAwareRouting",
    "RollingUpdate",
    "RoutingStrategy",
    "S3DataType",
    "S3ModelData",
    "SageMakerQueries",
    "ScalableCopyCount",
    "ScalableInstanceCount",
    "ScaleInPolicy",
    "ScaleInStrategy",
    "ScaleOutDashboard",
    "ScaleOutRecorder",
    "SchedulingConfig",
    "SingleModelEndpoint",
    "exclude_from_alarm_actions",
    "synth_or_exit",
]
