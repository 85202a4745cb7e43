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


def test_preview_plots_the_simulated_scale_outs(tmp_path):
    script = _script()
    series = script.simulated_series()
    stages = [key for key in series if key.startswith("ScaleOutStageSeconds/")]
    assert len(stages) == 4 and all(len(series[key]) == 2 for key in stages)  # WARM and CACHE_MISS, not ICE
    ratios = [value for _, value in series["ProvisioningPullToColdRatio"]]
    assert ratios[0] < 0.8 <= ratios[1]  # the warm scale-out under the threshold, the cache miss over it
    assert [value for _, value in series["ScaleOutCapacityFailures"]] == [1.0]
    body = script.dashboard_body("qwen3-8b")
    empty, drawn = tmp_path / "empty.png", tmp_path / "drawn.png"
    script.render(body, empty)
    script.render(body, drawn, series)
    with Image.open(empty) as a, Image.open(drawn) as b:
        assert a.size == b.size
        assert len(set(b.get_flattened_data())) > len(set(a.get_flattened_data()))  # curves, bars and markers add colours
