"""Scale-out planner: how long a new copy takes from the load spike to passing its health check, with an interval.

Standard library only (no aws_cdk, no boto3 unless ``calibrate`` reads a log group), so it runs at synth time, in a
Lambda, or from the command line, which starts in a fraction of a second::

    python -m constructs_pkg.planner --instance-type ml.g6.2xlarge --image-gb 17.7 --model-gb 16.4 --cache off
    python -m constructs_pkg.planner calibrate --instance-type ml.g6.2xlarge --traces stages.jsonl

Modules: ``published`` (the eleven public numbers, with sources), ``constants`` (which constants are fitted to them,
which are assumed, and the leave-one-out errors), ``timeline`` (the stage arithmetic for each placement and model
source), ``fit`` (least squares), ``plan`` (``plan_scale_out``), ``calibrate`` (refit from the recorder's lines),
``cli`` (the command line; ``__main__`` runs it).
"""

from .calibrate import Calibration, Endpoint, Trace, calibrate
from .constants import FITTED, GB, LEAVE_ONE_OUT, Constants
from .plan import (
    DEFAULT_IMAGE_BYTES,
    DEFAULT_MODEL_BYTES,
    STAGES,
    DetectionSettings,
    Interval,
    ScaleOutPlan,
    StageEstimate,
    plan_scale_out,
)
from .timeline import ModelSource, Placement

__all__ = [
    "DEFAULT_IMAGE_BYTES",
    "DEFAULT_MODEL_BYTES",
    "FITTED",
    "GB",
    "LEAVE_ONE_OUT",
    "STAGES",
    "Calibration",
    "Constants",
    "DetectionSettings",
    "Endpoint",
    "Interval",
    "ModelSource",
    "Placement",
    "ScaleOutPlan",
    "StageEstimate",
    "Trace",
    "calibrate",
    "plan_scale_out",
]
