"""Scale-out planner: how long a new SageMaker instance takes from load spike to passing its health check.

Pure Python (no aws_cdk), so it runs at synth time, in a Lambda, or from the command line::

    python -m constructs_pkg.planner --instance-type ml.g6.2xlarge --image-gb 17.7 --model-gb 16.4 --cache off

The model (every constant below says where it comes from; "assumed" marks what no public source gives):

* detection     = datapoints_to_alarm x metric period + reaction lag. AWS's "up to 6x faster" detection with
                  sub-minute metrics is exactly 3 x 60 s / 3 x 10 s, so the default reaction lag is 0.
* provisioning  = 105 s, assumed (second-hand breakdown of AWS's scale-to-zero blog: "~1.75 min").
* image pull and model download start together once the instance is up. Alone, the pull moves
  PULL_BYTES_PER_SECOND and the download DOWNLOAD_LINK_FRACTION of the instance's baseline bandwidth
  (capped at DOWNLOAD_CAP_BYTES_PER_SECOND). While both run, each goes CONTENTION_FACTOR times slower.
  With alone-times a <= b the short one ends at K*a and the long one at b + (K-1)*a.
  With the container image cache on, the pull is 0 s (the image is already on the instance).
* model load    = START_BASE_SECONDS + LOAD_SECONDS_PER_GB x model GB / accelerators, after both transfers end
                  (shards of a tensor-parallel copy assumed to load in parallel).
* health check  = HEALTH_CHECK_SECONDS, assumed.

Calibration: AWS's container-caching blog (2026-06-16), Qwen3-8B on ml.g6.2xlarge, LMI image 17.7 GB:
525 s without the cache (pull 333 s and download 168 s, in parallel), 258 s with it (download 77 s).
The model size is taken as 16.4 GB (8.2 B parameters x 2 bytes, bf16). The blog's figures are taken to start at
provisioning, so they are compared with ``startup_seconds`` (the plan without detection).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from .bandwidth import BANDWIDTH

GB = 1_000_000_000  # decimal gigabytes, as the blog and registries report image and model sizes

# --- Calibrated on the Qwen3-8B row (see module docstring) ---
#: Download slowdown while the pull runs: 168 s / 77 s. Assumed to slow the pull equally.
CONTENTION_FACTOR = 168 / 77
#: Download rate alone as a share of baseline bandwidth: 16.4 GB / 77 s over g6.2xlarge's 5 Gbps baseline.
DOWNLOAD_LINK_FRACTION = (16.4 * GB / 77) / (5e9 / 8)
#: Image pull rate alone: 17.7 GB over the pull's uncontended time, 333 s - (K - 1) x 77 s = 242 s.
PULL_BYTES_PER_SECOND = 17.7 * GB / (333 - (CONTENTION_FACTOR - 1) * 77)
#: Everything but the transfers, Qwen3-8B row: mean of 525 - 333 = 192 s and 258 - 77 = 181 s.
_QWEN_REST_SECONDS = (192 + 181) / 2

# --- Assumed (no AWS source gives these stages on their own) ---
#: Second-hand breakdown of AWS's scale-to-zero blog (2024-12): "instance provisioning ~1.75 min".
PROVISIONING_SECONDS = 105.0
#: SageMaker's ping polling interval is not published.
HEALTH_CHECK_SECONDS = 5.0
#: Container start with no model: the blog's customer 1 (ml.g4dn.xlarge, 0 GB model) started in 134 s with
#: the cache on, so container start + health check = 134 - 105 s provisioning.
START_BASE_SECONDS = 134.0 - PROVISIONING_SECONDS - HEALTH_CHECK_SECONDS
#: The rest of the Qwen3-8B time, spread over its 16.4 GB: loading weights onto the GPU and warming the engine.
LOAD_SECONDS_PER_GB = (_QWEN_REST_SECONDS - PROVISIONING_SECONDS - HEALTH_CHECK_SECONDS - START_BASE_SECONDS) / 16.4
#: No published per-instance S3 rate for SageMaker's model download; 10 Gbps keeps large instances finite.
DOWNLOAD_CAP_BYTES_PER_SECOND = 10e9 / 8

#: Used when a size is unknown (None): the LMI image and the Qwen3-8B weights of the calibration row.
DEFAULT_IMAGE_BYTES = int(17.7 * GB)
DEFAULT_MODEL_BYTES = int(16.4 * GB)

_HIGH_RESOLUTION_PERIODS = (10, 20, 30)
_MAX_EVALUATION_SECONDS = 86_400

STAGES = ("detection", "provisioning", "image_pull", "model_download", "model_load", "health_check")


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
class ScaleOutPlan:
    """Predicted timeline of one scale-out onto a new instance. Pull and download overlap, so the total is the
    end of the last stage, not the sum of the stages."""

    instance_type: str
    cache: bool
    stages: tuple[StageEstimate, ...]
    inputs: dict[str, object] = field(default_factory=dict, compare=False)

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
        """From the start of provisioning to the health check passing (what AWS's blog reports)."""
        return self.total_seconds - self.stage("detection").seconds

    def as_dict(self) -> dict[str, object]:
        return {
            "instance_type": self.instance_type,
            "cache": self.cache,
            "inputs": dict(self.inputs),
            "stages": [
                {"name": s.name, "starts_at": round(s.starts_at, 1), "seconds": round(s.seconds, 1), "basis": s.basis}
                for s in self.stages
            ],
            "startup_seconds": round(self.startup_seconds, 1),
            "total_seconds": round(self.total_seconds, 1),
        }

    def as_table(self) -> str:
        rows = [("stage", "start s", "seconds", "basis")]
        rows += [(s.name, f"{s.starts_at:.0f}", f"{s.seconds:.0f}", s.basis) for s in self.stages]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}" for r in rows]
        cache = "on" if self.cache else "off"
        lines.append(f"startup (provisioning to healthy): {self.startup_seconds:.0f} s; cache {cache}")
        lines.append(f"total (load spike to healthy):     {self.total_seconds:.0f} s")
        return "\n".join(lines)


def plan_scale_out(
    instance_type: str,
    image_bytes: int | None,
    model_bytes: int | None,
    cache: bool,
    detection: DetectionSettings | None = None,
    *,
    accelerators: int = 1,
) -> ScaleOutPlan:
    """Predict each stage of one scale-out onto a new ``instance_type`` instance.

    :param instance_type: a SageMaker accelerator type such as ``"ml.g6.2xlarge"`` (a key of ``bandwidth.BANDWIDTH``).
    :param image_bytes: compressed size of the container image in bytes; 0 is a real size.
        Default (None): the 17.7 GB LMI image of the calibration row, and the basis says so.
    :param model_bytes: size of the model artifacts downloaded from S3; 0 means nothing to download.
        Default (None): the 16.4 GB of Qwen3-8B, and the basis says so.
    :param cache: True when AWS's container image cache serves the image (no ECR pull on new instances).
    :param detection: alarm settings. Default: 3 datapoints of 10 s (high-resolution target tracking).
    :param accelerators: accelerators one model copy is sharded over (its ``NumberOfAcceleratorDevicesRequired``);
        the shards are assumed to load in parallel. Default: 1, the slowest case and the calibration rows' case.
    :raises ValueError: naming the argument, the value and what is allowed.
    """
    errors: list[str] = []
    bandwidth = None
    if not isinstance(instance_type, str):
        errors.append(f"instance_type must be a string such as 'ml.g6.2xlarge', got {instance_type!r}")
    elif instance_type not in BANDWIDTH:
        near = difflib.get_close_matches(instance_type, list(BANDWIDTH), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(near)}?" if near else f"known types: {', '.join(sorted(BANDWIDTH))}"
        errors.append(f"instance_type must be a SageMaker accelerator type with known bandwidth, got {instance_type!r}; {hint}")
    else:
        bandwidth = BANDWIDTH[instance_type]
    for name, value in (("image_bytes", image_bytes), ("model_bytes", model_bytes)):
        if value is not None and (not _is_int(value) or value < 0):
            errors.append(f"{name} must be a whole number of bytes >= 0 or None (unknown), got {value!r}")
    if not isinstance(cache, bool):
        errors.append(f"cache must be True or False, got {cache!r}")
    if not _is_int(accelerators) or accelerators < 1:
        errors.append(f"accelerators must be a whole number >= 1, got {accelerators!r}")
    if detection is not None and not isinstance(detection, DetectionSettings):
        errors.append(f"detection must be a DetectionSettings or None, got {detection!r}")
    if errors or bandwidth is None:
        raise ValueError("Invalid scale-out plan input: " + "; ".join(errors))

    detection = DetectionSettings() if detection is None else detection
    image = DEFAULT_IMAGE_BYTES if image_bytes is None else image_bytes
    model = DEFAULT_MODEL_BYTES if model_bytes is None else model_bytes
    link = bandwidth.baseline_bytes_per_second
    pull_rate = min(PULL_BYTES_PER_SECOND, link)
    download_rate = min(DOWNLOAD_LINK_FRACTION * link, DOWNLOAD_CAP_BYTES_PER_SECOND)
    pull_alone = 0.0 if cache else image / pull_rate
    download_alone = model / download_rate
    pull_s, download_s = _overlap(pull_alone, download_alone, CONTENTION_FACTOR)

    load_s = START_BASE_SECONDS + LOAD_SECONDS_PER_GB * model / GB / accelerators
    t_detect = detection.seconds
    t_up = t_detect + PROVISIONING_SECONDS
    t_loaded = t_up + max(pull_s, download_s) + load_s
    contended = pull_alone > 0 and download_alone > 0
    share = f"; both slowed {CONTENTION_FACTOR:.2f}x while they overlap" if contended else ""
    stages = (
        StageEstimate("detection", t_detect, _detection_basis(detection), 0.0),
        StageEstimate("provisioning", PROVISIONING_SECONDS, "assumed: ~1.75 min from AWS's scale-to-zero blog "
                      "(second-hand breakdown)", t_detect),
        StageEstimate("image_pull", pull_s, _pull_basis(cache, image, image_bytes, pull_rate, link) + share, t_up),
        StageEstimate("model_download", download_s, _download_basis(model, model_bytes, download_rate, bandwidth.describe())
                      + share, t_up),
        StageEstimate("model_load", load_s, f"{START_BASE_SECONDS:.0f} s container start + {LOAD_SECONDS_PER_GB:.1f} s/GB "
                      f"weights over {accelerators} accelerator(s) (calibrated: Qwen3-8B row, a 0 GB customer row; "
                      "parallel shard loading assumed)",
                      t_up + max(pull_s, download_s)),
        StageEstimate("health_check", HEALTH_CHECK_SECONDS, "assumed: SageMaker's ping interval is not published",
                      t_loaded),
    )  # fmt: skip
    inputs: dict[str, object] = {"image_bytes": image, "model_bytes": model, "baseline_gbps": bandwidth.baseline_gbps,
              "burst_gbps": bandwidth.burst_gbps, "period_seconds": detection.period_seconds,
              "datapoints_to_alarm": detection.datapoints_to_alarm, "evaluation_periods": detection.evaluations,
              "accelerators": accelerators}  # fmt: skip
    return ScaleOutPlan(instance_type, cache, stages, inputs)


def _overlap(a: float, b: float, k: float) -> tuple[float, float]:
    """Durations of two transfers that start together and each run ``k`` times slower while both are active."""
    if a == 0 or b == 0:
        return a, b
    short, long_ = min(a, b), max(a, b)
    short_end, long_end = k * short, long_ + (k - 1) * short
    return (short_end, long_end) if a <= b else (long_end, short_end)


def _detection_basis(d: DetectionSettings) -> str:
    text = f"{d.datapoints_to_alarm} of {d.evaluations} datapoints x {d.period_seconds} s period"
    return text + (f" + {d.reaction_lag_seconds:g} s reaction lag" if d.reaction_lag_seconds else "; no publish lag modelled")


def _pull_basis(cache: bool, image: int, given: int | None, rate: float, link: float) -> str:
    if cache:
        return "0 s: container image cache on (image already on the instance)"
    size = f"{image / GB:.1f} GB" + (" (assumed: size unknown, LMI image)" if given is None else "")
    limit = "link-bound" if rate == link else "calibrated on the Qwen3-8B row"
    return f"{size} at {rate / 1e6:.0f} MB/s ({limit})"


def _download_basis(model: int, given: int | None, rate: float, link_text: str) -> str:
    size = f"{model / GB:.1f} GB" + (" (assumed: size unknown, Qwen3-8B)" if given is None else "")
    capped = " (assumed 10 Gbps cap)" if rate == DOWNLOAD_CAP_BYTES_PER_SECOND else ""
    return f"{size} at {rate / 1e6:.0f} MB/s, {DOWNLOAD_LINK_FRACTION:.2f} x the baseline bandwidth ({link_text}){capped}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m constructs_pkg.planner", description=__doc__.split("\n")[0])
    parser.add_argument("--instance-type", required=True, help="for example ml.g6.2xlarge")
    parser.add_argument("--image-gb", type=float, help="compressed container image size, GB (default: 17.7, LMI)")
    parser.add_argument("--model-gb", type=float, help="model artifact size, GB (default: 16.4, Qwen3-8B)")
    parser.add_argument("--cache", required=True, choices=("on", "off"), help="container image cache")
    parser.add_argument("--metric-period", type=int, default=10, help="alarm period, seconds (default 10)")
    parser.add_argument("--datapoints", type=int, default=3, help="datapoints to alarm (default 3)")
    parser.add_argument("--evaluation-periods", type=int, help="evaluation periods (default: = datapoints)")
    parser.add_argument("--reaction-lag", type=float, default=0.0, help="extra seconds before scaling acts")
    parser.add_argument("--accelerators", type=int, default=1, help="accelerators per model copy (default 1)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    try:
        detection = DetectionSettings(
            period_seconds=args.metric_period,
            datapoints_to_alarm=args.datapoints,
            evaluation_periods=args.evaluation_periods,
            reaction_lag_seconds=args.reaction_lag,
        )
        plan = plan_scale_out(
            args.instance_type, _gb_to_bytes("--image-gb", args.image_gb), _gb_to_bytes("--model-gb", args.model_gb),
            args.cache == "on", detection, accelerators=args.accelerators,
        )  # fmt: skip
    except ValueError as error:
        parser.error(str(error))
    print(json.dumps(plan.as_dict(), indent=2) if args.json else plan.as_table())
    return 0


def _gb_to_bytes(flag: str, gb: float | None) -> int | None:
    if gb is None:
        return None
    if not gb >= 0:  # also rejects NaN
        raise ValueError(f"{flag} must be a number of GB >= 0, got {gb}")
    return round(gb * GB)


if __name__ == "__main__":
    sys.exit(main())
