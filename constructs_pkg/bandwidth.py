"""Network bandwidth of each SageMaker accelerator instance type, for the scale-out planner.

Pure data, standard library only (no aws_cdk), so the planner and its command line stay importable anywhere.

SageMaker hosting instance pages do not publish network bandwidth, so each ``ml.X`` type takes the figures of
the EC2 type ``X``. Two sources, both public:

* ``baseline``: the sustained rate. For "up to" sizes it is the baseline column of the EC2 User Guide's
  network-specifications table; for fixed-rate sizes it equals the headline. Read from the table that
  aws/karpenter-provider-aws generates from those EC2 pages
  (``pkg/providers/instancetype/zz_generated.bandwidth.go`` at commit 01a436f0bbbc75a1252aba1a3a48ca115b7e6cc0,
  ``InstanceTypeBandwidthMegabits``, megabits per second).
* ``burst``: EC2's "Network performance" headline ("Up to 10 Gigabit", "400 Gbps EFA", ...), from the
  instances.vantage.sh export of EC2 ``DescribeInstanceTypes`` kept in tsaol/aws-gpu
  (``data/all_gpu_instances.js`` at commit 77fcd9fe1d0652fd07b830e5ed030d61da87923e, 2026-01-21).
  "Up to" sizes can burst to it for a limited time (EC2 User Guide, "Amazon EC2 instance network bandwidth":
  typically 5 to 60 minutes, on network I/O credits); fixed-rate sizes have ``burst == baseline``.

Rows whose numbers are inferred rather than read carry ``assumed`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

BASELINE_SOURCE = "EC2 network specifications (baseline), via aws/karpenter-provider-aws zz_generated.bandwidth.go"
BURST_SOURCE = "EC2 DescribeInstanceTypes NetworkPerformance, via instances.vantage.sh export in tsaol/aws-gpu"


@dataclass(frozen=True)
class NetworkBandwidth:
    """Network bandwidth of one instance type, in gigabits per second."""

    baseline_gbps: float
    burst_gbps: float
    assumed: str | None = None  # why a number is inferred; None when both numbers were read from the sources

    @property
    def baseline_bytes_per_second(self) -> float:
        return self.baseline_gbps * 1e9 / 8

    @property
    def is_burstable(self) -> bool:
        """True for "up to" sizes, whose burst rate lasts only while network I/O credits remain."""
        return self.burst_gbps > self.baseline_gbps

    def describe(self) -> str:
        text = (
            f"baseline {self.baseline_gbps:g} Gbps, up to {self.burst_gbps:g} Gbps burst"
            if self.is_burstable
            else f"{self.baseline_gbps:g} Gbps"
        )
        return f"{text} (assumed: {self.assumed})" if self.assumed else text


_P2_XLARGE = "EC2 lists only 'High', no Gbps figure; the smallest baseline in this table (2.5 Gbps) is used"
_NO_BURST_ROW = "not in the 2026-01 DescribeInstanceTypes export; fixed rate assumed (burst = baseline)"
_GB200 = "sources disagree (baseline table 3200 Gbps, DescribeInstanceTypes 1600 Gbps EFA); the lower is used"

# (EC2 type, baseline Gbps, burst Gbps, assumed-reason). Karpenter's megabit figures are divided by 1000.
_ROWS: tuple[tuple[str, float, float, str | None], ...] = (
    ("g4dn.xlarge", 5, 25, None), ("g4dn.2xlarge", 10, 25, None), ("g4dn.4xlarge", 20, 25, None),
    ("g4dn.8xlarge", 50, 50, None), ("g4dn.12xlarge", 50, 50, None), ("g4dn.16xlarge", 50, 50, None),
    ("g5.xlarge", 2.5, 10, None), ("g5.2xlarge", 5, 10, None), ("g5.4xlarge", 10, 25, None),
    ("g5.8xlarge", 25, 25, None), ("g5.12xlarge", 40, 40, None), ("g5.16xlarge", 25, 25, None),
    ("g5.24xlarge", 50, 50, None), ("g5.48xlarge", 100, 100, None),
    ("g6.xlarge", 2.5, 10, None), ("g6.2xlarge", 5, 10, None), ("g6.4xlarge", 10, 25, None),
    ("g6.8xlarge", 25, 25, None), ("g6.12xlarge", 40, 40, None), ("g6.16xlarge", 25, 25, None),
    ("g6.24xlarge", 50, 50, None), ("g6.48xlarge", 100, 100, None),
    ("g6e.xlarge", 2.5, 20, None), ("g6e.2xlarge", 5, 20, None), ("g6e.4xlarge", 20, 20, None),
    ("g6e.8xlarge", 25, 25, None), ("g6e.12xlarge", 100, 100, None), ("g6e.16xlarge", 35, 35, None),
    ("g6e.24xlarge", 200, 200, None), ("g6e.48xlarge", 400, 400, None),
    ("g7.2xlarge", 40, 40, _NO_BURST_ROW), ("g7.4xlarge", 80, 80, _NO_BURST_ROW),
    ("g7.8xlarge", 100, 100, _NO_BURST_ROW), ("g7.12xlarge", 175, 175, _NO_BURST_ROW),
    ("g7.24xlarge", 350, 350, _NO_BURST_ROW), ("g7.48xlarge", 700, 700, _NO_BURST_ROW),
    ("g7e.2xlarge", 50, 50, None), ("g7e.4xlarge", 50, 50, None), ("g7e.8xlarge", 100, 100, None),
    ("g7e.12xlarge", 400, 400, None), ("g7e.24xlarge", 800, 800, None), ("g7e.48xlarge", 1600, 1600, None),
    ("p2.xlarge", 2.5, 2.5, _P2_XLARGE),
    ("p2.8xlarge", 10, 10, "only in the DescribeInstanceTypes export (fixed 10 Gigabit); not in the baseline table"),
    ("p2.16xlarge", 20, 20, "only in the DescribeInstanceTypes export (fixed 20 Gigabit); not in the baseline table"),
    ("p3.2xlarge", 2.5, 10, None), ("p3.8xlarge", 10, 10, None), ("p3.16xlarge", 25, 25, None),
    ("p4d.24xlarge", 400, 400, None), ("p4de.24xlarge", 400, 400, None),
    ("p5.4xlarge", 100, 100, None), ("p5.48xlarge", 3200, 3200, None), ("p5e.48xlarge", 3200, 3200, None),
    ("p5en.48xlarge", 3200, 3200, None), ("p6-b200.48xlarge", 3200, 3200, None),
    ("p6-b300.48xlarge", 6400, 6400, None), ("p6e-gb200.36xlarge", 1600, 1600, _GB200),
    ("inf1.xlarge", 5, 25, None), ("inf1.2xlarge", 5, 25, None), ("inf1.6xlarge", 25, 25, None),
    ("inf1.24xlarge", 100, 100, None),
    ("inf2.xlarge", 2.083, 15, None), ("inf2.8xlarge", 16.667, 25, None), ("inf2.24xlarge", 50, 50, None),
    ("inf2.48xlarge", 100, 100, None),
    ("trn1.2xlarge", 3.125, 12.5, None), ("trn1.32xlarge", 800, 800, None), ("trn1n.32xlarge", 1600, 1600, None),
    ("trn2.48xlarge", 3200, 3200, None),
    ("dl1.24xlarge", 400, 400, _NO_BURST_ROW),
)  # fmt: skip

#: ``ml.<EC2 type>`` -> its bandwidth; the keys are the SageMaker names.
BANDWIDTH: dict[str, NetworkBandwidth] = {
    f"ml.{name}": NetworkBandwidth(float(baseline), float(burst), assumed) for name, baseline, burst, assumed in _ROWS
}
