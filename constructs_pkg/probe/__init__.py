"""The scale-out probe: check your own endpoint's scale-out against the planner's prediction.

``python -m constructs_pkg.probe --endpoint E [--component C] --instance-type ml.g6.2xlarge`` sends a bounded load
of SageMaker Runtime ``InvokeEndpoint`` requests (``load``), waits for the scale-out it triggers and reads it from the
control plane (``watch``), then writes a JSON report and a PNG chart (``png``) and prints the measured stages next to
the planner's prediction (``cli``). Standard library and boto3 only.
"""

from .cli import main
from .load import Limits, LoadResult, classify

__all__ = ["Limits", "LoadResult", "classify", "main"]
