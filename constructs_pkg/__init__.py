"""Fast scale-out of generative-AI models on Amazon SageMaker inference components, as AWS CDK constructs.

The public names load lazily (PEP 562): ``import constructs_pkg`` imports no aws_cdk until a construct is used, so
``python -m constructs_pkg.planner`` and ``python -m constructs_pkg.probe`` start in a fraction of a second instead
of the 2+ s aws_cdk and jsii take. Type checkers read ``__init__.pyi``, which imports the same names eagerly
(tests/unit/test_lazy_package.py keeps the two in step). The Lambda-side code in ``constructs_pkg.runtime`` never
imports aws_cdk itself: in Lambda it is the asset root, imported as ``runtime``.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module of this package that defines it.
_EXPORTS: dict[str, str] = {
    "AcceleratorInstanceType": "instance_types",
    "AutoRollback": "deployment",
    "AzBalanceEnforcement": "placement",
    "BatchSize": "deployment",
    "CacheGuard": "cache_guard",
    "CacheGuardMode": "cache_guard",
    "CapacityReservation": "capacity",
    "CapacityReservationPreference": "capacity",
    "CaptureMode": "data_capture",
    "Compression": "model_data",
    "ConfigurationError": "errors",
    "ContainerImage": "images",
    "DataCapture": "data_capture",
    "IInferenceComponent": "interfaces",
    "IInferenceEndpoint": "interfaces",
    "IModel": "interfaces",
    "IScalableCopyCount": "interfaces",
    "InferenceAmiVersion": "endpoint",
    "InferenceComponent": "inference_component",
    "InferenceEndpoint": "endpoint",
    "InstancePool": "capacity",
    "InstanceSpec": "instance_types",
    "InstanceTypeCompute": "capacity",
    "MetricsConfig": "endpoint",
    "Model": "model",
    "ModelData": "images",
    "PlacementStrategy": "placement",
    "PrefixAwareRouting": "endpoint",
    "RollingUpdate": "deployment",
    "RoutingStrategy": "endpoint",
    "S3DataType": "model_data",
    "S3ModelData": "model_data",
    "SageMakerQueries": "metrics",
    "ScalableCopyCount": "scaling",
    "ScalableInstanceCount": "scaling",
    "ScaleInPolicy": "capacity",
    "ScaleInStrategy": "capacity",
    "ScaleOutDashboard": "dashboard",
    "ScaleOutRecorder": "scale_out_recorder",
    "SchedulingConfig": "placement",
    "SingleModelEndpoint": "single_model_endpoint",
    "exclude_from_alarm_actions": "alarm_actions",
    "synth_or_exit": "problems",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
