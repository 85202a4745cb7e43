"""Fast scale-out of generative-AI models on Amazon SageMaker inference components, as AWS CDK constructs.

The public names load lazily (PEP 562), so importing ``constructs_pkg.runtime`` (the Lambda-side code) does not
start the CDK's Node runtime.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AcceleratorInstanceType": "instance_types",
    "InstanceSpec": "instance_types",
    "ContainerImage": "images",
    "ModelData": "images",
    "InferenceEndpoint": "endpoint",
    "InferenceAmiVersion": "endpoint",
    "RoutingStrategy": "endpoint",
    "InferenceComponent": "inference_component",
    "CacheGuard": "cache_guard",
    "CacheGuardMode": "cache_guard",
    "ScaleOutRecorder": "scale_out_recorder",
    "ScaleOutDashboard": "dashboard",
    "ScalableCopyCount": "scaling",
    "ScalableInstanceCount": "scaling",
    "SingleModelEndpoint": "single_model_endpoint",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
