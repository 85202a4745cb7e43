#!/usr/bin/env python3
"""Render a PNG preview of the scale-out dashboard from its synthesized body and a simulated day. Needs no AWS.

    .venv/bin/python scripts/render_dashboard.py [--example qwen3-8b] [--out docs/dashboard.png] [--no-data]

It draws each widget where CloudWatch places it (24-column grid): titles, metric legends, annotation lines,
alarm lists and text. The curves are what the recorder published in ``tests/simulation.py``: the WARM scale-out,
then CACHE_MISS 40 minutes later and the ICE failure 80 minutes later (each scenario shifted in time). Widgets whose
metrics the simulation does not produce (SageMaker's own) stay empty.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMN_PX, ROW_PX, MARGIN = 64, 36, 16
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf"]
#: Scenario -> minutes after the first that its scale-out is replayed (one preview shows all three).
SCENARIO_OFFSETS = (("warm", 0), ("cache-miss", 40), ("insufficient-capacity", 80))
Series = dict[str, list[tuple[datetime, float]]]
LOG_KEY = "<recorder log>"
#: Rows of the latest-scale-outs table, filled by ``simulated_series`` (newest first once drawn).
TABLE_ROWS: list[tuple[str, ...]] = []
TABLE_COLUMNS = ("ended", "end_to_end", "AlarmEvaluation", "AlarmToActivity", "ProvisioningAndPull",
                 "LoadAndHealthCheck", "cache_ratio")  # fmt: skip


def _table_row(ended: datetime, line: dict) -> tuple[str, ...]:
    stages = line["stages"]
    cells = [ended.strftime("%H:%M:%S"), f"{line['end_to_end']:.0f}"]
    cells += [f"{stages[s]['seconds']:.0f} ({stages[s]['label'][0]})" if s in stages else "" for s in TABLE_COLUMNS[2:6]]
    cells.append(f"{line['cache'].get('ratio', '')}")
    return tuple(cells)


def simulated_series() -> Series:
    """What the recorder published over the scenarios of ``tests/simulation.py``, laid end to end, keyed like
    ``Result.series`` (metric name, or ``ScaleOutStageSeconds/<Stage>``), plus the scripted demand datapoints and,
    under ``LOG_KEY``, one row per recorder stage log line (its ``end_to_end`` as the value)."""
    from constructs_pkg.runtime import names
    from tests.simulation import SCENARIOS, simulate

    merged: Series = {LOG_KEY: []}
    for name, minutes in SCENARIO_OFFSETS:
        shift = timedelta(minutes=minutes)
        scenario = SCENARIOS[name]
        result = simulate(scenario)
        for key, points in result.series.items():
            merged.setdefault(key, []).extend((at + shift, value) for at, value in points)
        for line in result.log_lines(names.STAGES_LOG_EVENT):
            ended = datetime.fromisoformat(line["ended"]) + shift
            merged[LOG_KEY].append((ended, line["end_to_end"]))
            TABLE_ROWS.append(_table_row(ended, line))
        demand = merged.setdefault("ConcurrentRequestsPerCopy", [])
        demand.extend((at + shift, value) for at, value in scenario.datapoints())
    return {key: sorted(points) for key, points in merged.items()}


def _key(metric: list) -> str:
    """The series key of a widget's metric entry: its name, with ``/<Stage>`` for a stage."""
    dims = dict(zip(metric[2:-1:2], metric[3:-1:2])) if isinstance(metric[-1], dict) else dict(zip(metric[2::2], metric[3::2]))
    return f"{metric[1]}/{dims['Stage']}" if "Stage" in dims else metric[1]


def dashboard_body(example: str = "qwen3-8b") -> dict:
    """Synthesize the example in-process and return its dashboard body with tokens shown as ``<token>``."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from app import EXAMPLES

    app = cdk.App()
    stack_id, stack_class = EXAMPLES[example]
    stack = stack_class(app, stack_id, env=cdk.Environment(account="123456789012", region="us-east-1"))
    resources = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard")
    (resource,) = resources.values()
    body = resource["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    return json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))


def render(body: dict, out: Path, series: Series | None = None) -> None:
    from PIL import Image, ImageDraw, ImageFont

    widgets = body["widgets"]
    rows = max(w["y"] + w["height"] for w in widgets)
    image = Image.new("RGB", (24 * COLUMN_PX + 2 * MARGIN, rows * ROW_PX + 2 * MARGIN), "#f2f3f3")
    draw = ImageDraw.Draw(image)
    title_font, text_font, small = (ImageFont.load_default(size=s) for s in (15, 13, 11))
    for w in widgets:
        x0, y0 = MARGIN + w["x"] * COLUMN_PX + 3, MARGIN + w["y"] * ROW_PX + 3
        x1, y1 = x0 + w["width"] * COLUMN_PX - 6, y0 + w["height"] * ROW_PX - 6
        props = w["properties"]
        if w["type"] == "text":
            width_chars = int((x1 - x0) / 7.2)
            lines = [piece for raw in props["markdown"].split("\n")
                     for piece in textwrap.wrap(raw.lstrip("# ").replace("`", ""), width_chars) or [""]]  # fmt: skip
            for i, line in enumerate(lines[: max(1, (y1 - y0) // 18)]):
                draw.text((x0 + 4, y0 + 6 + 18 * i), line, fill="#16191f", font=title_font if i == 0 else text_font)
            continue
        draw.rectangle((x0, y0, x1, y1), fill="white", outline="#d5dbdb")
        draw.text((x0 + 10, y0 + 8), props.get("title", ""), fill="#16191f", font=title_font)
        if w["type"] == "log":
            rows = [TABLE_COLUMNS, *sorted(TABLE_ROWS, reverse=True)] if series else [TABLE_COLUMNS]
            column = (x1 - x0 - 24) / len(TABLE_COLUMNS)
            for r, row in enumerate(rows[: max(1, (y1 - y0 - 40) // 20)]):
                for c, cell in enumerate(row):
                    draw.text((x0 + 12 + c * column, y0 + 36 + 20 * r), cell, fill="#16191f" if r else "#687078",
                              font=text_font)  # fmt: skip
            continue
        if w["type"] == "alarm":
            for i, alarm in enumerate(props.get("alarms", [])):
                draw.rectangle((x0 + 12, y0 + 42 + 24 * i, x0 + 24, y0 + 54 + 24 * i), fill="#1d8102")
                draw.text((x0 + 32, y0 + 40 + 24 * i), f"budget alarm {i + 1} (OK)", fill="#16191f", font=text_font)
            continue
        plot = (x0 + 40, y0 + 36, x1 - 12, y1 - 22 - 16 * ((len(props.get("metrics", [])) + 1) // 2))
        draw.rectangle(plot, outline="#aab7b8")
        for i in range(1, 4):
            y = plot[1] + (plot[3] - plot[1]) * i / 4
            draw.line((plot[0], y, plot[2], y), fill="#eaeded")
        axis = props.get("yAxis", {}).get("left", {})
        lines = props.get("annotations", {}).get("horizontal", [])
        data = _widget_data(props, series or {})
        top = _top(axis, lines, data, bool(props.get("stacked")))
        draw.text((x0 + 6, plot[3] - 10), str(axis.get("min", "")), fill="#687078", font=small)
        draw.text((x0 + 6, plot[1] - 4), f"{top:g}", fill="#687078", font=small)
        if data:
            _plot(draw, plot, data, top, series or {}, bool(props.get("stacked")))
        for line in lines:
            y = plot[3] - (plot[3] - plot[1]) * min(line["value"] / top, 1)
            for x in range(int(plot[0]), int(plot[2]), 12):
                draw.line((x, y, min(x + 7, plot[2]), y), fill=line.get("color", "#d62728"), width=2)
            label = line.get("label", "")
            text = label if line["value"] and f"{line['value']:g}" in label else f"{label} = {line['value']:g}"
            draw.text((plot[2] - 7 * len(text) - 4, y - 14), text, fill=line.get("color", "#d62728"), font=small)
        for i, metric in enumerate(props.get("metrics", [])):
            options = metric[-1] if isinstance(metric[-1], dict) else {}
            label = options.get("label") or metric[1]
            if options.get("yAxis") == "right":
                label += " (right)"
            lx = x0 + 12 + (i % 2) * (x1 - x0) // 2
            ly = y1 - 16 * ((len(props["metrics"]) + 1) // 2) - 18 + 16 * (i // 2)
            draw.rectangle((lx, ly + 4, lx + 10, ly + 12), fill=PALETTE[i % len(PALETTE)])
            draw.text((lx + 16, ly), label, fill="#16191f", font=small)
    image.save(out, optimize=True)


def _widget_data(props: dict, series: Series) -> list[tuple[int, list[tuple[datetime, float]]]]:
    """(palette index, points) of each of the widget's metrics the series has."""
    found = []
    for i, metric in enumerate(props.get("metrics", [])):
        points = series.get(_key(metric))
        if points and (not isinstance(metric[-1], dict) or metric[-1].get("yAxis") != "right"):
            found.append((i, points))
    return found


def _top(axis: dict, lines: list, data: list, stacked: bool) -> float:
    if "max" in axis:
        return float(axis["max"])
    values = [line["value"] for line in lines]
    if stacked:
        totals: dict[datetime, float] = {}
        for _, points in data:
            for at, value in points:
                totals[at] = totals.get(at, 0.0) + value
        values += list(totals.values())
    else:
        values += [value for _, points in data for _, value in points]
    return max([*values, 1.0]) * 1.15


def _plot(draw, plot: tuple, data: list, top: float, series: Series, stacked: bool) -> None:
    everything = [at for key, points in series.items() for at, _ in points if key != LOG_KEY]
    start, end = min(everything), max(everything)
    span = (end - start).total_seconds() or 1.0

    def xy(at: datetime, value: float) -> tuple[float, float]:
        x = plot[0] + (plot[2] - plot[0]) * (at - start).total_seconds() / span
        return x, plot[3] - (plot[3] - plot[1]) * min(value / top, 1)

    if stacked:  # one column per scale-out, its stages on top of each other
        base: dict[datetime, float] = {}
        for i, points in data:
            for at, value in points:
                below = base.get(at, 0.0)
                x, y_top = xy(at, below + value)
                _, y_bottom = xy(at, below)
                draw.rectangle((x - 9, y_top, x + 9, y_bottom), fill=PALETTE[i % len(PALETTE)], outline="white")
                base[at] = below + value
        return
    for i, points in data:
        color = PALETTE[i % len(PALETTE)]
        if len(points) <= 10:  # one value per scale-out (or scripted datapoints): markers
            for at, value in points:
                x, y = xy(at, value)
                draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=color)
            continue
        path = []
        for (at, value), (following, _) in zip(points, [*points[1:], (points[-1][0], 0.0)]):
            path += [xy(at, value), xy(following, value)]  # a step line: the value holds until the next one
        draw.line(path, fill=color, width=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="qwen3-8b")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    parser.add_argument("--no-data", action="store_true", help="draw the layout only, without the simulated curves")
    args = parser.parse_args()
    render(dashboard_body(args.example), args.out, None if args.no_data else simulated_series())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
