"""Network isolation: which model sources work when the model containers may make no network calls.

botocore ``CreateEndpointConfigInput.EnableNetworkIsolation``: "Sets whether all model containers deployed to the
endpoint are isolated. If they are, no inbound or outbound network calls can be made to or from the model
containers." ``CreateModelInput.EnableNetworkIsolation``: "Isolates the model container. No inbound or outbound
network calls can be made to or from the model container." The CloudFormation schemas of
``AWS::SageMaker::EndpointConfig`` and ``AWS::SageMaker::Model`` carry the same text, and list the property as
create-only (a change replaces the resource).

What works under isolation: model artifacts SageMaker downloads for the container before it starts, outside the
container's network (``ModelData`` .tar.gz, ``S3ModelData`` prefixes and objects), read inside the container from
``/opt/ml/model``. What does not: a container that downloads its model itself at start, which the LMI and TGI
images do when their model-id variable names a Hugging Face Hub id or an ``s3://`` URI.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Token

#: Environment variables with which the LMI (DJL Serving) and TGI images fetch their model at start.
#: LMI: ``HF_MODEL_ID`` ("Hub id, ``s3://…``, or ``/opt/ml/model``", LMI starting guide) and ``OPTION_MODEL_ID``
#: (``option.model_id`` of serving.properties given as an environment variable, LMI configuration docs).
#: TGI on SageMaker: ``HF_MODEL_ID`` (its ``sagemaker-entrypoint.sh``: ``export MODEL_ID="${HF_MODEL_ID}"``) and
#: ``MODEL_ID`` (the launcher's own variable).
HUB_MODEL_ID_VARIABLES = ("HF_MODEL_ID", "OPTION_MODEL_ID", "MODEL_ID")

#: Where SageMaker puts downloaded artifacts inside the container; a model-id variable pointing here reads locally.
LOCAL_MODEL_DIRECTORY = "/opt/ml/model"


def network_fetches(environment: Mapping[str, str] | None) -> list[str]:
    """``NAME=value`` for each model-id variable in ``environment`` that makes the container fetch over the network
    (anything but an absolute local path). Token values are not judged here."""
    found = []
    for name in HUB_MODEL_ID_VARIABLES:
        value = (environment or {}).get(name)
        if value is None or Token.is_unresolved(value):
            continue
        if not value.startswith("/"):
            found.append(f"{name}={value!r}")
    return found


def isolation_problems(environment: Mapping[str, str] | None, what: str) -> list[str]:
    """The refusal for ``what`` (a component or endpoint) when isolation is on and its container fetches its model."""
    fetches = network_fetches(environment)
    if not fetches:
        return []
    return [
        f"environment {', '.join(fetches)} makes the container download its model at start, which "
        f"network_isolation=True forbids (\"no inbound or outbound network calls can be made to or from the model "
        f"containers\"); for {what}, put the weights in S3 (ModelData.from_s3_uri('s3://.../model.tar.gz') or "
        f"S3ModelData.from_s3_prefix('s3://.../model/')) and point the variable at {LOCAL_MODEL_DIRECTORY}"
    ]
