#!/usr/bin/env python3
"""Render a PNG preview of the scale-out dashboard's layout from its synthesized body. Needs no AWS.

    .venv/bin/python scripts/render_dashboard.py [--example qwen3-8b] [--out docs/dashboard.png]

It draws each widget where CloudWatch places it (24-column grid): titles, metric legends, annotation lines,
alarm lists and text. It shows layout and content, not data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMN_PX, ROW_PX, MARGIN = 64, 36, 16
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf"]


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


def render(body: dict, out: Path) -> None:
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
            draw.text((x0 + 4, y0 + 6), props["markdown"].lstrip("# ").replace("`", ""), fill="#16191f", font=title_font)
            continue
        draw.rectangle((x0, y0, x1, y1), fill="white", outline="#d5dbdb")
        draw.text((x0 + 10, y0 + 8), props.get("title", ""), fill="#16191f", font=title_font)
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
        draw.text((x0 + 6, plot[3] - 10), str(axis.get("min", "")), fill="#687078", font=small)
        if "max" in axis:
            draw.text((x0 + 6, plot[1] - 4), str(axis["max"]), fill="#687078", font=small)
        for line in props.get("annotations", {}).get("horizontal", []):
            top = axis.get("max") or max(line["value"] * 1.5, 1)
            y = plot[3] - (plot[3] - plot[1]) * min(line["value"] / top, 1)
            for x in range(int(plot[0]), int(plot[2]), 12):
                draw.line((x, y, min(x + 7, plot[2]), y), fill=line.get("color", "#d62728"), width=2)
            draw.text((plot[2] - 150, y - 15), f"{line.get('label', '')} = {line['value']:g}", fill="#d62728", font=small)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="qwen3-8b")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    args = parser.parse_args()
    render(dashboard_body(args.example), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
