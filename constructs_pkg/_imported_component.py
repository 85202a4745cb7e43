"""An inference component deployed elsewhere (``InferenceComponent.from_component_name``)."""

from __future__ import annotations

from constructs import Construct

from ._component_base import _ComponentBase
from ._naming import imported_arn
from .interfaces import IInferenceEndpoint


class _ImportedComponent(_ComponentBase):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint: IInferenceEndpoint,
        component_name: str,
        accelerator_count: int | None,
        memory_mib: int | None,
        copy_count: int | None,
    ) -> None:
        super().__init__(scope, id)
        self.endpoint = endpoint
        self.component_name = component_name
        self.accelerator_count = accelerator_count
        self.memory_mib = memory_mib
        self.copy_count = copy_count
        self.component_arn = imported_arn(self, "inference-component", component_name)
        endpoint.bind_component(self, None)
