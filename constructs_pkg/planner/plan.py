"""One scale-out's predicted timeline, with an interval: ``plan_scale_out`` and the types it returns.

The stage arithmetic is in ``timeline``; the constants, and the rows they are fitted to, in ``constants``.
The interval is the spread of the leave-one-out errors over all eleven published rows: each published number,
predicted by constants fitted to the other ten, was off by ``LEAVE_ONE_OUT``; a prediction's interval is the range
of true values an error as large as the largest of them, either way, allows (``prediction / (1 ± error)``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..bandwidth import BANDWIDTH
from .constants import FITTED, GB, LEAVE_ONE_OUT, Constants
from .timeline import ModelSource, Placement, timeline, transfer_rates

#: Used when a size is unknown (None): the LMI image and the Qwen3-8B weights of the calibration row.
DEFAULT_IMAGE_BYTES = round(17.7 * GB)
DEFAULT_MODEL_BYTES = round(16.4 * GB)
STAGES = ("detection", "provisioning", "image_pull", "model_download", "model_load", "health_check")
PUBLISHED_BASIS = "leave-one-out error over the 11 published rows"


_HIGH_RESOLUTION_PERIODS = (10, 20, 30)
_MAX_EVALUATION_SECONDS = 86_400


@dataclass(frozen=True, kw_only=True)
class DetectionSettings:
    """How the scale-out alarm decides: CloudWatch ``Period``, ``DatapointsToAlarm`` (M) and ``EvaluationPeriods`` (N).

    Defaults match target tracking on the high-resolution ``ConcurrentRequestsPerCopy`` metric:
    AlarmHigh after 3 datapoints of 10 s (fact sheet section 3.2).
    """

    period_seconds: int = 10
    datapoints_to_alarm: int = 3
    evaluation_periods: int | None = None  # Default: equal to datapoints_to_alarm (M out of M)
    reaction_lag_seconds: float = 0.0  # Default: 0; AWS samples say real triggers can come 1-2 min later

    def __post_init__(self) -> None:
        errors: list[str] = []
        period = self.period_seconds
        if not _is_int(period) or period < 1 or (period not in _HIGH_RESOLUTION_PERIODS and period % 60):
            errors.append(f"period_seconds must be 10, 20, 30 or a multiple of 60 (CloudWatch Period), got {period!r}")
        m = self.datapoints_to_alarm
        if not _is_int(m) or m < 1:
            errors.append(f"datapoints_to_alarm must be a whole number >= 1, got {m!r}")
        n = self.evaluation_periods
        if n is not None and (not _is_int(n) or n < 1):
            errors.append(f"evaluation_periods must be a whole number >= 1, got {n!r}")
        elif n is not None and _is_int(m) and n < m:
            errors.append(f"evaluation_periods must be >= datapoints_to_alarm ({m}), got {n}")
        elif not errors and period * self.evaluations > _MAX_EVALUATION_SECONDS:
            errors.append(
                f"period_seconds x evaluation_periods must be <= {_MAX_EVALUATION_SECONDS} seconds (one day), "
                f"got {period} x {self.evaluations}"
            )
        lag = self.reaction_lag_seconds
        if not _is_number(lag) or lag < 0:
            errors.append(f"reaction_lag_seconds must be a number >= 0, got {lag!r}")
        if errors:
            raise ValueError("Invalid DetectionSettings: " + "; ".join(errors))

    @property
    def evaluations(self) -> int:
        return self.datapoints_to_alarm if self.evaluation_periods is None else self.evaluation_periods

    @property
    def seconds(self) -> float:
        """Fastest alarm: the first M datapoints after the spike all breach."""
        return self.datapoints_to_alarm * self.period_seconds + self.reaction_lag_seconds


@dataclass(frozen=True)
class StageEstimate:
    """One stage of a scale-out: when it starts (seconds after the load spike), how long it takes, and why."""

    name: str
    seconds: float
    basis: str
    starts_at: float = 0.0

    @property
    def ends_at(self) -> float:
        return self.starts_at + self.seconds


@dataclass(frozen=True)
class Interval:
    """The range a prediction's true value is expected in, and where that range comes from."""

    low: float
    high: float
    basis: str

    @classmethod
    def from_errors(cls, predicted: float, errors: tuple[float, ...], basis: str) -> Interval:
        """The true values ``predicted / (1 + e)`` allows for any relative error ``e`` as large as the largest seen,
        either way: with a handful of errors, their signs say little."""
        worst = min(max(abs(e) for e in errors), 0.95)
        return cls(predicted / (1 + worst), predicted / (1 - worst), basis)


@dataclass(frozen=True)
class ScaleOutPlan:
    """Predicted timeline of one scale-out. Pull and download can overlap, so the total is the end of the last stage,
    not the sum of the stages."""

    instance_type: str
    cache: bool
    stages: tuple[StageEstimate, ...]
    inputs: dict[str, object] = field(default_factory=dict, compare=False)
    #: Relative errors the interval is built from (default: the published leave-one-out errors).
    errors: tuple[float, ...] = LEAVE_ONE_OUT
    error_basis: str = PUBLISHED_BASIS
    #: Scaling activity start -> the container starts (its first log line, where the recorder splits
    #: ProvisioningAndPull from LoadAndHealthCheck), seconds.
    container_start_seconds: float | None = None

    def stage(self, name: str) -> StageEstimate:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no stage {name!r}; stages are {', '.join(s.name for s in self.stages)}")

    @property
    def total_seconds(self) -> float:
        """From the load spike to the health check passing."""
        return max(stage.ends_at for stage in self.stages)

    @property
    def startup_seconds(self) -> float:
        """From the scaling activity's start (provisioning) to the health check passing (what AWS's blog reports)."""
        return self.total_seconds - self.stage("detection").seconds

    @property
    def startup_interval(self) -> Interval:
        return Interval.from_errors(self.startup_seconds, self.errors, self.error_basis)

    @property
    def total_interval(self) -> Interval:
        """Detection is taken as exact (datapoints x period); the interval is the startup's."""
        startup, detection = self.startup_interval, self.stage("detection").seconds
        return Interval(startup.low + detection, startup.high + detection, startup.basis)

    def as_dict(self) -> dict[str, object]:
        startup, total = self.startup_interval, self.total_interval
        return {
            "instance_type": self.instance_type,
            "cache": self.cache,
            "inputs": dict(self.inputs),
            "stages": [
                {"name": s.name, "starts_at": round(s.starts_at, 1), "seconds": round(s.seconds, 1), "basis": s.basis}
                for s in self.stages
            ],
            "startup_seconds": round(self.startup_seconds, 1),
            "startup_interval": [round(startup.low, 1), round(startup.high, 1)],
            "total_seconds": round(self.total_seconds, 1),
            "total_interval": [round(total.low, 1), round(total.high, 1)],
            "interval_basis": startup.basis,
            "container_start_seconds": None if self.container_start_seconds is None else round(self.container_start_seconds, 1),
        }

    def as_table(self) -> str:
        rows = [("stage", "start s", "seconds", "basis")]
        rows += [(s.name, f"{s.starts_at:.0f}", f"{s.seconds:.0f}", s.basis) for s in self.stages]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}" for r in rows]
        startup, total = self.startup_interval, self.total_interval
        cache = "on" if self.cache else "off"
        lines.append(f"startup (provisioning to healthy): {self.startup_seconds:.0f} s "
                     f"({startup.low:.0f} to {startup.high:.0f} s); cache {cache}")  # fmt: skip
        lines.append(f"total (load spike to healthy):     {self.total_seconds:.0f} s ({total.low:.0f} to {total.high:.0f} s)")
        lines.append(f"interval: {startup.basis}")
        return "\n".join(lines)


def plan_scale_out(
    instance_type: str,
    image_bytes: int | None,
    model_bytes: int | None,
    cache: bool = True,
    detection: DetectionSettings | None = None,
    *,
    accelerators: int = 1,
    placement: Placement = Placement.NEW_INSTANCE,
    model_source: ModelSource = ModelSource.S3,
    constants: Constants | None = None,
    errors: tuple[float, ...] | None = None,
    error_basis: str = PUBLISHED_BASIS,
) -> ScaleOutPlan:
    """Predict each stage of one scale-out of a copy on ``instance_type``, with an interval.

    :param instance_type: a SageMaker accelerator type such as ``"ml.g6.2xlarge"`` (a key of ``bandwidth.BANDWIDTH``).
    :param image_bytes: compressed size of the container image in bytes; 0 is a real size.
        Default (None): the 17.7 GB LMI image of the calibration row, and the basis says so.
    :param model_bytes: size of the model weights to download; 0 means nothing to download.
        Default (None): the 16.4 GB of Qwen3-8B, and the basis says so.
    :param cache: True when AWS's container image cache serves the image (no ECR pull). Default: True.
    :param detection: alarm settings. Default: 3 datapoints of 10 s (high-resolution target tracking).
    :param accelerators: accelerators one model copy is sharded over (its ``NumberOfAcceleratorDevicesRequired``);
        the shards are assumed to load in parallel. Default: 1, the slowest case and the published rows' case.
    :param placement: a new instance (provisioning first) or a running instance (none). Default: a new instance.
    :param model_source: S3 artifacts (downloaded beside the pull) or a hub id (downloaded after the container
        starts). Default: S3.
    :param constants: the constants to use. Default: ``constants.FITTED``, fitted to the published rows.
    :param errors: relative errors the interval is built from. Default: the published leave-one-out errors.
    :raises ValueError: naming the argument, the value and what is allowed.
    """
    errors_found: list[str] = []
    bandwidth = None
    if not isinstance(instance_type, str):
        errors_found.append(f"instance_type must be a string such as 'ml.g6.2xlarge', got {instance_type!r}")
    elif instance_type not in BANDWIDTH:
        near = difflib.get_close_matches(instance_type, list(BANDWIDTH), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(near)}?" if near else f"known types: {', '.join(sorted(BANDWIDTH))}"
        errors_found.append(f"instance_type must be a SageMaker accelerator type with known bandwidth, got "
                            f"{instance_type!r}; {hint}")  # fmt: skip
    else:
        bandwidth = BANDWIDTH[instance_type]
    for name, value in (("image_bytes", image_bytes), ("model_bytes", model_bytes)):
        if value is not None and (not _is_int(value) or value < 0):
            errors_found.append(f"{name} must be a whole number of bytes >= 0 or None (unknown), got {value!r}")
    if not isinstance(cache, bool):
        errors_found.append(f"cache must be True or False, got {cache!r}")
    if not _is_int(accelerators) or accelerators < 1:
        errors_found.append(f"accelerators must be a whole number >= 1, got {accelerators!r}")
    if detection is not None and not isinstance(detection, DetectionSettings):
        errors_found.append(f"detection must be a DetectionSettings or None, got {detection!r}")
    if not isinstance(placement, Placement):
        errors_found.append(f"placement must be one of {', '.join(repr(p.value) for p in Placement)}, got {placement!r}")
    if not isinstance(model_source, ModelSource):
        errors_found.append(f"model_source must be one of {', '.join(repr(s.value) for s in ModelSource)}, "
                            f"got {model_source!r}")  # fmt: skip
    if errors is not None and (not errors or any(not _is_number(e) or e <= -1 for e in errors)):
        errors_found.append(f"errors must be relative errors > -1, at least one, got {errors!r}")
    if errors_found or bandwidth is None:
        raise ValueError("Invalid scale-out plan input: " + "; ".join(errors_found))

    c = FITTED if constants is None else constants
    detection = DetectionSettings() if detection is None else detection
    image = DEFAULT_IMAGE_BYTES if image_bytes is None else image_bytes
    model = DEFAULT_MODEL_BYTES if model_bytes is None else model_bytes
    link = bandwidth.baseline_bytes_per_second
    t = timeline(c, link_bytes_per_second=link, image_bytes=image, model_bytes=model, cache=cache,
                 accelerators=accelerators, placement=placement, source=model_source)  # fmt: skip
    pull_rate, download_rate = transfer_rates(c, link)
    d = detection.seconds
    hub = model_source is ModelSource.HUB
    contended = not hub and t.pull > 0 and t.download > 0
    share = f"; both slowed {c.contention_factor:.2f}x while they overlap" if contended else ""
    download_when = ("after the container starts (hub id): assumed at the S3 rate; " if hub
                     else "beside the pull (S3 artifacts); ")  # fmt: skip
    new = placement is Placement.NEW_INSTANCE
    stages = (
        StageEstimate("detection", d, _detection_basis(detection), 0.0),
        StageEstimate("provisioning", t.provisioning, _provisioning_basis(c, new), d),
        StageEstimate("image_pull", t.pull, _pull_basis(c, cache, image, image_bytes, pull_rate, link) + share,
                      d + t.pull_start),
        StageEstimate("model_download", t.download, download_when
                      + _download_basis(c, model, model_bytes, download_rate, bandwidth.describe()) + share,
                      d + t.download_start),
        StageEstimate("model_load", t.load, f"{c.start_base_seconds:.0f} s container start + "
                      f"{c.load_seconds_per_gb:.1f} s/GB weights over {accelerators} accelerator(s) ({_source(c, 'start_base_seconds')}; "
                      "parallel shard loading assumed)", d + t.load_start),
        StageEstimate("health_check", t.health, "assumed: SageMaker's ping interval is not published",
                      d + t.load_start + t.load),
    )  # fmt: skip
    inputs: dict[str, object] = {"image_bytes": image, "model_bytes": model, "baseline_gbps": bandwidth.baseline_gbps,
              "burst_gbps": bandwidth.burst_gbps, "period_seconds": detection.period_seconds,
              "datapoints_to_alarm": detection.datapoints_to_alarm, "evaluation_periods": detection.evaluations,
              "accelerators": accelerators, "placement": placement.value, "model_source": model_source.value}  # fmt: skip
    spread = LEAVE_ONE_OUT if errors is None else tuple(errors)
    return ScaleOutPlan(instance_type, cache, stages, inputs, spread, error_basis, t.container_start)


def _detection_basis(d: DetectionSettings) -> str:
    text = f"{d.datapoints_to_alarm} of {d.evaluations} datapoints x {d.period_seconds} s period"
    return text + (f" + {d.reaction_lag_seconds:g} s reaction lag" if d.reaction_lag_seconds else "; no publish lag modelled")


def _source(c: Constants, name: str) -> str:
    """Where a constant's value comes from: the published fit, or this endpoint's calibration."""
    return "fitted" if getattr(c, name) == getattr(FITTED, name) else "calibrated on this endpoint's scale-outs"


def _provisioning_basis(c: Constants, new_instance: bool) -> str:
    if not new_instance:
        return "0 s: the copy is placed on a running instance"
    if c.provisioning_seconds == FITTED.provisioning_seconds:
        return "assumed: ~1.75 min from AWS's scale-to-zero blog (second-hand breakdown)"
    return "calibrated on this endpoint's scale-outs"


def _pull_basis(c: Constants, cache: bool, image: int, given: int | None, rate: float, link: float) -> str:
    if cache:
        return "0 s: container image cache on (image already on the instance)"
    size = f"{image / GB:.1f} GB" + (" (assumed: size unknown, LMI image)" if given is None else "")
    limit = "link-bound" if rate == link else _source(c, "pull_bytes_per_second")
    return f"{size} at {rate / 1e6:.0f} MB/s ({limit})"


def _download_basis(c: Constants, model: int, given: int | None, rate: float, link_text: str) -> str:
    size = f"{model / GB:.1f} GB" + (" (assumed: size unknown, Qwen3-8B)" if given is None else "")
    capped = " (assumed 10 Gbps cap)" if rate == c.download_cap_bytes_per_second else ""
    return (f"{size} at {rate / 1e6:.0f} MB/s, {c.download_link_fraction:.2f} x the baseline bandwidth ({link_text}), "
            f"{_source(c, 'download_link_fraction')}{capped}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
