"""The fixture corpus keeps its promises: every fixture cites a source, validates against the installed service
model, and is used by a handler test or by the scripted simulation (tests/simulation.py) they run."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from .. import fixtures

HANDLER_TESTS = Path(__file__).parent
SERVICES = {"application_autoscaling": "application-autoscaling"}


@pytest.mark.parametrize("name", fixtures.names())
def test_fixture_cites_a_source(name):
    document = fixtures.document(name)
    assert len(document["source"]) > 40, f"{name}: a source says where the shape was seen"
    assert "assumed" not in document or document["assumed"].strip(), f"{name}: 'assumed' needs a reason"


def test_a_fixture_without_a_source_is_refused(tmp_path, monkeypatch):
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "bare.json").write_text(json.dumps({"event": {}}))
    monkeypatch.setattr(fixtures, "ROOT", tmp_path)
    fixtures._read.cache_clear()
    try:
        with pytest.raises(fixtures.FixtureError, match="fixture events/bare has no source"):
            fixtures.event("events/bare")
    finally:
        fixtures._read.cache_clear()


#: Fixtures of HTTP APIs outside botocore (CloudWatch's Prometheus-compatible query API): no service model.
NOT_BOTOCORE = ("events/", "promql/")


@pytest.mark.parametrize("name", [n for n in fixtures.names() if not n.startswith(NOT_BOTOCORE)])
def test_response_fixture_validates_against_the_service_model(name):
    service = name.split("/")[0]
    client = boto3.client(SERVICES.get(service, service), region_name="us-east-1")
    with Stubber(client) as stubber:
        assert fixtures.stub(stubber, name)  # add_response validates each answer against the output shape


@pytest.mark.parametrize("name", fixtures.names())
def test_fixture_is_used_by_a_handler_test(name):
    files = [*HANDLER_TESTS.glob("test_*.py"), HANDLER_TESTS / "conftest.py", HANDLER_TESTS.parent / "simulation.py"]
    sources = "".join(p.read_text() for p in files if p.name != Path(__file__).name)
    stem = name.rsplit("/", 1)[1]
    assert f'"{name}"' in sources or f'+ "{stem}"' in sources or f'"{stem}"' in sources, f"{name} is not used by any test"
