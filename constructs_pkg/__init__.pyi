"""Type checkers read this file: the public API, imported eagerly (``__init__.py`` loads it lazily)."""

from .alarm_actions import exclude_from_alarm_actions as exclude_from_alarm_actions
from .cache_guard import CacheGuard as CacheGuard, CacheGuardMode as CacheGuardMode
from .capacity import CapacityReservation as CapacityReservation, CapacityReservationPreference as CapacityReservationPreference, InstancePool as InstancePool, InstanceTypeCompute as InstanceTypeCompute, ScaleInPolicy as ScaleInPolicy, ScaleInStrategy as ScaleInStrategy
from .dashboard import ScaleOutDashboard as ScaleOutDashboard
from .data_capture import CaptureMode as CaptureMode, DataCapture as DataCapture
from .deployment import AutoRollback as AutoRollback, BatchSize as BatchSize, RollingUpdate as RollingUpdate
from .endpoint import InferenceAmiVersion as InferenceAmiVersion, InferenceEndpoint as InferenceEndpoint, MetricsConfig as MetricsConfig, PrefixAwareRouting as PrefixAwareRouting, RoutingStrategy as RoutingStrategy
from .errors import ConfigurationError as ConfigurationError
from .images import ContainerImage as ContainerImage, ModelData as ModelData
from .inference_component import InferenceComponent as InferenceComponent
from .instance_types import AcceleratorInstanceType as AcceleratorInstanceType, InstanceSpec as InstanceSpec
from .interfaces import IInferenceComponent as IInferenceComponent, IInferenceEndpoint as IInferenceEndpoint, IModel as IModel, IScalableCopyCount as IScalableCopyCount
from .metrics import SageMakerQueries as SageMakerQueries
from .model import Model as Model
from .model_data import Compression as Compression, S3DataType as S3DataType, S3ModelData as S3ModelData
from .placement import AzBalanceEnforcement as AzBalanceEnforcement, PlacementStrategy as PlacementStrategy, SchedulingConfig as SchedulingConfig
from .problems import synth_or_exit as synth_or_exit
from .scale_out_recorder import ScaleOutRecorder as ScaleOutRecorder
from .scaling import ScalableCopyCount as ScalableCopyCount, ScalableInstanceCount as ScalableInstanceCount
from .single_model_endpoint import SingleModelEndpoint as SingleModelEndpoint

__all__: list[str]
