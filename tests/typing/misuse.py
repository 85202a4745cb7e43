"""Deliberate misuse that ``mypy --strict`` must reject (tests/test_typing.py names each expected error by line)."""

from __future__ import annotations

import aws_cdk as cdk

from constructs_pkg import AcceleratorInstanceType, InferenceEndpoint, ScaleOutDashboard

stack = cdk.Stack()
endpoint = InferenceEndpoint(stack, "E", instance_type="ml.g6.2xlarge", max_instance_count=1)  # MISUSE: instance-type-str
ScaleOutDashboard(stack, "D", endpoint="my-endpoint")  # MISUSE: endpoint-name-str
existing = InferenceEndpoint.from_endpoint_name(stack, "X", "name")
existing.endpoint_resource  # MISUSE: not-on-interface
good = InferenceEndpoint(stack, "G", instance_type=AcceleratorInstanceType.G6_2XLARGE, max_instance_count="2")  # MISUSE: count-str
