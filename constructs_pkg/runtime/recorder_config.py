"""What the scale-out recorder follows: its targets and its configuration, read from the function's environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from . import names

SCALABLE_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"


@dataclass(frozen=True)
class Target:
    """One Application Auto Scaling target the recorder follows."""

    resource_id: str
    dimension: str
    #: The metric dimensions its datums carry.
    dims: Mapping[str, str]
    #: The CloudWatch Logs group its containers write to.
    log_group: str = ""
    #: The prefix of its streams in that group (``<variant>/`` in an endpoint's group, shared by all variants).
    stream_prefix: str = ""


@dataclass(frozen=True)
class Config:
    endpoint_name: str
    variant_name: str
    components: tuple[str, ...]
    claim_table: str
    #: True for a single-model endpoint scaled on instances: its variant's activities are recorded too.
    variant_scaled: bool = False
    #: Names of the library's wake-from-zero alarms: an activity they cause is a scale-out.
    wake_alarms: frozenset[str] = frozenset()
    #: Read log streams (and the cold baseline) to publish the stage timeline of each scale-out.
    stage_logs: bool = False

    @property
    def targets(self) -> list[Target]:
        """The recorded targets: each component's copy count, and the variant's instance count when scaled."""
        targets = [Target(f"inference-component/{c}", SCALABLE_DIMENSION, {names.COMPONENT_DIMENSION: c},
                          names.component_log_group(c)) for c in self.components]  # fmt: skip
        if self.variant_scaled:
            targets.append(Target(f"endpoint/{self.endpoint_name}/variant/{self.variant_name}", VARIANT_DIMENSION,
                                  {names.ENDPOINT_DIMENSION: self.endpoint_name},
                                  names.endpoint_log_group(self.endpoint_name), f"{self.variant_name}/"))  # fmt: skip
        return targets

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read the function's environment. ``WAKE_ALARMS`` (comma-separated) defaults to each component's
        ``<component>-wake-from-zero``, the name the construct gives it. ``STAGE_LOGS=true`` turns the stage
        timeline on."""
        env = os.environ if env is None else env
        components = tuple(c for c in env.get("COMPONENTS", "").split(",") if c)
        wake = env.get("WAKE_ALARMS")
        wake_alarms = (
            frozenset(a for a in wake.split(",") if a)
            if wake is not None
            else frozenset(f"{c}{names.WAKE_ALARM_SUFFIX}" for c in components)
        )
        return cls(
            endpoint_name=env["ENDPOINT_NAME"],
            variant_name=env["VARIANT_NAME"],
            components=components,
            claim_table=env["CLAIM_TABLE"],
            variant_scaled=env.get("VARIANT_SCALED", "false") == "true",
            wake_alarms=wake_alarms,
            stage_logs=env.get("STAGE_LOGS", "false") == "true",
        )
