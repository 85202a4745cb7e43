"""The dashboard preview script renders the synthesized dashboard of the default example to a PNG."""

from __future__ import annotations

import importlib.util

from PIL import Image

from .conftest import ROOT


def _script():
    spec = importlib.util.spec_from_file_location("render_dashboard", ROOT / "scripts" / "render_dashboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_preview_is_drawn_from_the_synthesized_body(tmp_path):
    script = _script()
    body = script.dashboard_body("qwen3-8b")
    titles = [w["properties"].get("title") for w in body["widgets"]]
    assert "Scale-out SLO" in titles and any(t and t.startswith("Demand vs target") for t in titles)
    out = tmp_path / "dashboard.png"
    script.render(body, out)
    rows = max(w["y"] + w["height"] for w in body["widgets"])
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == (24 * script.COLUMN_PX + 2 * script.MARGIN, rows * script.ROW_PX + 2 * script.MARGIN)


def test_committed_preview_exists():
    with Image.open(ROOT / "docs" / "dashboard.png") as image:
        assert image.size[0] == 24 * _script().COLUMN_PX + 2 * _script().MARGIN
