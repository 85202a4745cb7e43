"""The fixture corpus keeps its promises: every fixture cites a source, validates against the installed service
model, and is used by a handler test or by the scripted simulation (tests/simulation.py) they run."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from .. import fixtures

HANDLER_TESTS = Path(__file__).parent
SERVICES = {"application_autoscaling": "application-autoscaling"}
#: A citation is a URL, or a repository path together with the title of what it holds (quoted).
URL = re.compile(r"https://[\w.-]+\.[a-z]{2,}/\S+")
REPOSITORY_PATH = re.compile(r"\b[\w.-]+(?:/[\w.-]+)+\.(?:json|rst|md|py|ipynb|ts|ya?ml|txt)\b")
TITLE = re.compile(r"'[^']{4,}'|\"[^\"]{4,}\"|`[^`]{4,}`")


def cites(source: str) -> bool:
    return bool(URL.search(source)) or bool(REPOSITORY_PATH.search(source) and TITLE.search(source))


@pytest.mark.parametrize("name", fixtures.names())
def test_fixture_cites_a_source(name):
    document = fixtures.document(name)
    assert cites(document["source"]), f"{name}: the source names no URL, nor a repository path and a title"
    assert "assumed" not in document or document["assumed"].strip(), f"{name}: 'assumed' needs a reason"


@pytest.mark.parametrize(("source", "cited"), [
    ("Seen in production logs of a large customer, trust me, the shape is right.", False),
    ("botocore data/ecr/2015-09-21/examples-1.json DescribeRepositories", False),  # a path without a title
    ("botocore data/ecr/2015-09-21/examples-1.json 'To describe all repositories in the current account'", True),
    ("API Reference (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Repository.html)", True),
])  # fmt: skip
def test_a_long_source_without_a_citation_is_refused(source, cited):
    assert cites(source) is cited


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


@cache
def used_names() -> frozenset[str]:
    """Fixture names the handler tests and the simulation spell out: a literal, a module constant plus a literal
    (``HISTORY + "none"``), or an f-string prefix (``f"ecr/describe_repositories/{m}"``) with a literal stem in the
    same file. A stem alone (``"none"``) names no fixture: four directories hold one."""
    files = [*HANDLER_TESTS.glob("test_*.py"), HANDLER_TESTS / "conftest.py", HANDLER_TESTS.parent / "simulation.py"]
    used: set[str] = set()
    for path in files:
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text())
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                     for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value.value, str)}  # fmt: skip
        literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}

        def value(node: ast.AST) -> str | None:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.Name):
                return constants.get(node.id)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                left, right = value(node.left), value(node.right)
                return None if left is None or right is None else left + right
            return None

        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and len(node.values) == 2 and isinstance(node.values[1], ast.FormattedValue):
                prefix = value(node.values[0])
                used.update(f"{prefix}{stem}" for stem in literals) if prefix and prefix.endswith("/") else None
            elif (found := value(node)) is not None:
                used.add(found)
    return frozenset(used)


@pytest.mark.parametrize("name", fixtures.names())
def test_fixture_is_used_by_a_handler_test(name):
    assert name in used_names(), f"{name} is not used by name by any handler test or the simulation"
