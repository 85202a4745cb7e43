"""The planner's arithmetic: one scale-out's stage times from the constants, the instance's bandwidth and the sizes.

Times are seconds from the scaling activity's start (the load spike's detection comes before it, in ``plan``).

* provisioning: ``provisioning_seconds`` onto a new instance; 0 for a copy placed on a running instance.
* S3 artifacts: the image pull and the model download start together once the instance is up (SageMaker downloads
  beside the pull, before the container starts). Alone, the pull moves ``pull_bytes_per_second`` (at most the
  baseline bandwidth) and the download ``download_link_fraction`` of the baseline (at most the cap). While both run,
  each goes ``contention_factor`` times slower: with alone-times a <= b the short one ends at K*a and the long one at
  b + (K-1)*a. The container starts when both are done.
* Hub download (``HF_MODEL_ID``): the container starts after the pull, and downloads the weights itself, alone,
  at the S3 rate (assumed: no public number for a hub download inside SageMaker).
* With the image cache on, the pull is 0 s.
* model load: ``start_base_seconds + load_seconds_per_gb x model GB / accelerators`` after the container starts
  and the weights are on disk (shards of a tensor-parallel copy assumed to load in parallel).
* health check: ``health_check_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .constants import GB, Constants


class Placement(StrEnum):
    """Where the new copy lands."""

    NEW_INSTANCE = "new-instance"  # the scale-out launches an instance: provisioning, then the pull
    RUNNING_INSTANCE = "running-instance"  # the copy fits on an instance already running: no provisioning


class ModelSource(StrEnum):
    """Where the weights come from."""

    S3 = "s3"  # model artifacts in S3 (ModelDataUrl / ModelDataSource): downloaded beside the pull
    HUB = "hub"  # a hub id in the environment (HF_MODEL_ID): the container downloads after it starts


@dataclass(frozen=True)
class Timeline:
    """Start and length of each stage, seconds from the scaling activity's start."""

    provisioning: float
    pull_start: float
    pull: float
    download_start: float
    download: float
    #: The container starts: its first log line, where the recorder splits ProvisioningAndPull from LoadAndHealthCheck.
    container_start: float
    load_start: float
    load: float
    health: float

    @property
    def end(self) -> float:
        """Healthy: the activity's end."""
        return self.load_start + self.load + self.health

    @property
    def before_first_line(self) -> float:
        """The recorder's ProvisioningAndPull: activity start -> the new copy's first log line."""
        return self.container_start

    @property
    def after_first_line(self) -> float:
        """The recorder's LoadAndHealthCheck: first log line -> healthy."""
        return self.end - self.container_start


def transfer_rates(constants: Constants, link_bytes_per_second: float) -> tuple[float, float]:
    """(pull, download) bytes per second alone on an instance with this baseline bandwidth."""
    pull = min(constants.pull_bytes_per_second, link_bytes_per_second)
    download = min(constants.download_link_fraction * link_bytes_per_second, constants.download_cap_bytes_per_second)
    return pull, download


def timeline(
    constants: Constants,
    *,
    link_bytes_per_second: float,
    image_bytes: int,
    model_bytes: int,
    cache: bool,
    accelerators: int = 1,
    placement: Placement = Placement.NEW_INSTANCE,
    source: ModelSource = ModelSource.S3,
) -> Timeline:
    c = constants
    pull_rate, download_rate = transfer_rates(c, link_bytes_per_second)
    up = c.provisioning_seconds if placement is Placement.NEW_INSTANCE else 0.0
    pull_alone = 0.0 if cache else image_bytes / pull_rate
    download_alone = model_bytes / download_rate
    load = c.start_base_seconds + c.load_seconds_per_gb * model_bytes / GB / accelerators
    if source is ModelSource.HUB:
        started = up + pull_alone
        return Timeline(up, up, pull_alone, started, download_alone, started, started + download_alone, load,
                        c.health_check_seconds)  # fmt: skip
    pull, download = overlap(pull_alone, download_alone, c.contention_factor)
    started = up + max(pull, download)
    return Timeline(up, up, pull, up, download, started, started, load, c.health_check_seconds)


def overlap(a: float, b: float, k: float) -> tuple[float, float]:
    """Durations of two transfers that start together and each run ``k`` times slower while both are active."""
    if a == 0 or b == 0:
        return a, b
    short, long_ = min(a, b), max(a, b)
    short_end, long_end = k * short, long_ + (k - 1) * short
    return (short_end, long_end) if a <= b else (long_end, short_end)
