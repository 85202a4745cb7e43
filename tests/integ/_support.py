"""What the integration tests share: the app they synthesize under, the invoke probe and the common assertions.

Each ``integ_*.py`` beside this file is a CDK app that ``integ-runner`` runs as ``python integ_<name>.py``: it builds
one example stack unchanged and adds ``aws-cdk.integ-tests-alpha`` assertions, which run as custom resources in a
separate assertion stack once the example is deployed. Offline, integ-runner only compares the synthesized templates
with the committed ``*.snapshot/`` directories; ``scripts/dev integ --deploy`` deploys, asserts and destroys.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # integ-runner runs each test from its own folder; the examples live at the root
    sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_lambda as lambda_  # noqa: E402
from aws_cdk import integ_tests_alpha as integ  # noqa: E402

from constructs_pkg.runtime import names  # noqa: E402

#: How long a GPU endpoint may take to start serving after CloudFormation reports it created (image pull, model
#: download and load happen before InService, so this is a margin), and how long a wake from zero copies may take.
IN_SERVICE_TIMEOUT = cdk.Duration.minutes(30)
WAKE_TIMEOUT = cdk.Duration.minutes(30)
#: The recorder runs every minute; CloudWatch lists a new metric "up to 15 minutes" after its first datapoint
#: (ListMetrics API reference), so the heartbeat gets that plus the first scheduled run.
HEARTBEAT_TIMEOUT = cdk.Duration.minutes(20)
POLL = cdk.Duration.minutes(1)
#: A short LMI/vLLM request: the container's JSON contract ({"inputs", "parameters"}).
PROMPT = {"inputs": "What is Amazon SageMaker?", "parameters": {"max_new_tokens": 16}}

# The probe returns the HTTP status of one InvokeEndpoint call: 200 on success, the error's status otherwise (the
# SDK raises on any other status, so an aws_api_call could not tell "refused" from "broken" without failing the
# deployment). One attempt, no retries: a refused request is the signal a scale-from-zero test needs to send.
_PROBE_CODE = """
import json
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

RUNTIME = boto3.client("sagemaker-runtime", config=Config(connect_timeout=5, read_timeout=100,
                                                          retries={"mode": "standard", "max_attempts": 1}))


def handler(event, context):
    request = {"EndpointName": event["EndpointName"], "ContentType": "application/json",
               "Body": json.dumps(event["Body"])}
    if event.get("InferenceComponentName"):
        request["InferenceComponentName"] = event["InferenceComponentName"]
    try:
        response = RUNTIME.invoke_endpoint(**request)
    except ClientError as error:
        print(json.dumps({"status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                          "error": error.response.get("Error", {})}))
        return error.response["ResponseMetadata"]["HTTPStatusCode"]
    print(json.dumps({"status": response["ResponseMetadata"]["HTTPStatusCode"],
                      "body": response["Body"].read(2048).decode("utf-8", "replace")}))
    return response["ResponseMetadata"]["HTTPStatusCode"]
"""


def new_app() -> cdk.App:
    """An app under the same strict CloudFormation validation the unit tests use."""
    return cdk.App(context={"@aws-cdk/core:strictCfnValidateErrors": True})


class Case:
    """One integration test: an example stack deployed unchanged, and an assertion stack (the invoke probe and
    integ-tests-alpha's assertion custom resources) deployed after it and destroyed with it."""

    def __init__(self, app: cdk.App, name: str, stack: cdk.Stack) -> None:
        self.stack = stack
        #: The example's endpoint: every example names it ``Endpoint``.
        self.endpoint: Any = stack.node.find_child("Endpoint")
        self.assertion_stack = cdk.Stack(app, f"{name}Assertions")
        # No update workflow: a GPU endpoint is deployed once per run, and the committed snapshot then carries no
        # asset files (integ-runner keeps assets only for the update workflow's redeploy of the old snapshot).
        self.test = integ.IntegTest(
            app, name, test_cases=[stack], assertion_stack=self.assertion_stack,
            stack_update_workflow=False, diff_assets=False,
        )  # fmt: skip
        self.assertions = self.test.assertions
        self._probe: lambda_.Function | None = None

    def component(self, name: str) -> Any:
        """The endpoint's inference component whose construct id is ``name``."""
        for component in self.endpoint.inference_components:
            if component.node.id == name:
                return component
        raise LookupError(f"no inference component {name!r} on {self.endpoint.node.path}")

    def in_service(self) -> integ.IApiCall:
        """DescribeEndpoint reports InService (polled, so an endpoint still updating gets its time)."""
        call = self.assertions.aws_api_call(
            "SageMaker", "describeEndpoint", {"EndpointName": self.endpoint.physical_endpoint_name}
        )
        call.expect(integ.ExpectedResult.object_like({"EndpointStatus": "InService"}))
        return call.wait_for_assertions(total_timeout=IN_SERVICE_TIMEOUT, interval=POLL)

    def copies(self, component: Any, copies: int, *, timeout: cdk.Duration = IN_SERVICE_TIMEOUT) -> integ.IApiCall:
        """DescribeInferenceComponent reports ``copies`` current copies (RuntimeConfig.CurrentCopyCount) within
        ``timeout``, and the component InService."""
        call = self.assertions.aws_api_call(
            "SageMaker", "describeInferenceComponent", {"InferenceComponentName": component.component_name}
        )
        call.expect(
            integ.ExpectedResult.object_like(
                {"InferenceComponentStatus": "InService", "RuntimeConfig": {"CurrentCopyCount": copies}}
            )
        )
        return call.wait_for_assertions(total_timeout=timeout, interval=POLL)

    def invoke(self, component: Any | None, *, status: str) -> integ.IApiCall:
        """One request to the endpoint (to ``component`` when given) through the probe, whose returned HTTP status
        must match the regular expression ``status`` (e.g. ``"^200$"``)."""
        payload: dict[str, Any] = {"EndpointName": self.endpoint.physical_endpoint_name, "Body": PROMPT}
        if component is not None:
            payload["InferenceComponentName"] = component.component_name
        call = self.assertions.invoke_function(function_name=self._probe_function().function_name,
                                               payload=json.dumps(payload))  # fmt: skip
        call.expect(integ.ExpectedResult.object_like({"Payload": integ.Match.string_like_regexp(status)}))
        return call

    def guard_eligible(self) -> integ.IApiCall:
        """The cache guard reported the endpoint eligible for the container image cache: the stack's ``CacheEligible``
        output (the guard custom resource's ``Eligible`` attribute) reads ``true``."""
        output = self.endpoint.cache_guard.node.find_child("CacheEligible")
        call = self.assertions.aws_api_call("CloudFormation", "describeStacks", {"StackName": self.stack.stack_name})
        call.expect(
            integ.ExpectedResult.object_like(
                {
                    "Stacks": integ.Match.array_with([integ.Match.object_like({"Outputs": integ.Match.array_with([
                        {"OutputKey": self.stack.resolve(self.stack.get_logical_id(output)), "OutputValue": "true"}
                    ])})])
                }
            )
        )  # fmt: skip
        return call

    def heartbeat(self) -> integ.IApiCall:
        """The scale-out recorder's heartbeat metric for this endpoint is listed in CloudWatch within a few minutes."""
        call = self.assertions.aws_api_call(
            "CloudWatch",
            "listMetrics",
            {
                "Namespace": names.endpoint_namespace(self.endpoint.physical_endpoint_name),
                "MetricName": names.RECORDER_HEARTBEAT,
                "Dimensions": [{"Name": names.ENDPOINT_DIMENSION, "Value": self.endpoint.physical_endpoint_name}],
            },
        )
        call.expect(
            integ.ExpectedResult.object_like(
                {"Metrics": integ.Match.array_with([integ.Match.object_like({"MetricName": names.RECORDER_HEARTBEAT})])}
            )
        )
        return call.wait_for_assertions(total_timeout=HEARTBEAT_TIMEOUT, interval=POLL)

    def _probe_function(self) -> lambda_.Function:
        """The invoke probe, in the assertion stack, allowed InvokeEndpoint on this endpoint only."""
        if self._probe is None:
            self._probe = lambda_.Function(
                self.assertion_stack,
                "InvokeProbe",
                runtime=lambda_.Runtime.PYTHON_3_13,
                architecture=lambda_.Architecture.ARM_64,
                handler="index.handler",
                code=lambda_.Code.from_inline(_PROBE_CODE),
                timeout=cdk.Duration.minutes(2),
                description="integ test: one InvokeEndpoint request; returns its HTTP status",
            )
            arn = self.assertion_stack.format_arn(
                service="sagemaker", resource="endpoint", resource_name=self.endpoint.physical_endpoint_name.lower()
            )
            self._probe.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:InvokeEndpoint"], resources=[arn]))
        return self._probe
