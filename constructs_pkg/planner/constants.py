"""The planner's constants: which are fitted, to which published rows, and which are assumed.

``FITTED`` and ``LEAVE_ONE_OUT`` are literals so that the command line starts without fitting anything;
tests/unit/test_planner_fit.py refits them from ``published.ROWS`` and fails when they drift.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

GB = 1_000_000_000  # decimal gigabytes, as the blog and registries report image and model sizes


@dataclass(frozen=True, kw_only=True)
class Constants:
    """Every number the timeline uses besides the instance's bandwidth and the user's sizes."""

    #: New instance up and ready to pull. Assumed: second-hand breakdown of AWS's scale-to-zero blog (2024-12),
    #: "instance provisioning ~1.75 min". No published row separates it from the container start.
    provisioning_seconds: float = 105.0
    #: SageMaker's ping polling interval is not published. Assumed.
    health_check_seconds: float = 5.0
    #: No published per-instance S3 rate for SageMaker's model download; 10 Gbps keeps large instances finite. Assumed.
    download_cap_bytes_per_second: float = 10e9 / 8
    #: Image pull rate alone (ECR, no cache), bytes/s; capped by the instance's baseline bandwidth.
    pull_bytes_per_second: float
    #: Model download rate alone as a share of the instance's baseline bandwidth (S3 artifacts).
    download_link_fraction: float
    #: How many times slower the pull and the download each run while both are active.
    contention_factor: float
    #: Container start to serving, without weights (server boot, engine warm-up), seconds.
    start_base_seconds: float
    #: Loading weights onto the accelerators, seconds per GB of model per accelerator.
    load_seconds_per_gb: float

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_values(self, values: dict[str, float]) -> Constants:
        return replace(self, **values)


#: The constants least squares fits to the published rows (relative error, all rows weighted alike).
FITTED_NAMES = ("pull_bytes_per_second", "download_link_fraction", "contention_factor", "start_base_seconds",
                "load_seconds_per_gb")  # fmt: skip
#: The rows mostly behind each fitted constant (the fit is joint, over all eleven).
INFORMED_BY = {
    "pull_bytes_per_second": "Qwen3-8B pull 333 s, and every cache-off startup",
    "download_link_fraction": "Qwen3-8B download 77 s (cache on) and 168 s (cache off)",
    "contention_factor": "Qwen3-8B download 168 s / 77 s, and pull 333 s",
    "start_base_seconds": "customer 1 (0 GB model): 134 s with the cache, 381 s without",
    "load_seconds_per_gb": "every cache-on startup: Qwen3-8B 258 s, customers 2 and 3",
}

#: Least squares over all eleven rows of ``published.ROWS``, from ``fit.fit_published()`` (rounded).
FITTED = Constants(
    pull_bytes_per_second=77210000.0,
    download_link_fraction=0.3373,
    contention_factor=2.162,
    start_base_seconds=21.12,
    load_seconds_per_gb=2.446,
)

#: Leave-one-out over all eleven rows: for each row, the constants fitted to the other ten predict it.
#: Signed relative errors (prediction - published) / published, in ``published.ROWS`` order.
LEAVE_ONE_OUT: tuple[float, ...] = (-0.0861, -0.0909, -0.0642, 0.009, 0.1417, -0.1769, -0.076, 0.2402, 0.0747, 0.0346, -0.0416)
