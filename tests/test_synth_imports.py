"""What ``cdk synth`` imports: the constructs never load the SDK, which only the Lambda functions need.

boto3 and botocore take about 75 ms to import, paid by every synth if a construct module reached ``runtime/aws.py``
(the functions' budgets live in the boto3-free ``runtime/budgets.py`` for that reason).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import sys
import constructs_pkg
import examples.qwen3_8b
print(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")))
"""


def test_the_package_and_the_reference_app_import_no_sdk():
    result = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
