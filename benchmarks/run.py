#!/usr/bin/env python3
"""Benchmarks: synth overhead against hand-written CDK, scaling with components, test-suite time, fresh set-up.

    scripts/dev bench                     # whole-process synth, overhead + scale (about four minutes)
    scripts/dev bench --suite --fresh     # also the test suite and a fresh clone's first synth
    scripts/dev bench --all --write       # everything, and rewrite benchmarks/RESULTS.md

Every ratio compares numbers measured in the same run: warm-up first, then alternating repeats; each repeat (or
pair of processes) gives one ratio, reported as the median with its spread.
"""

from __future__ import annotations

import argparse
from importlib import metadata
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import cast
from datetime import date
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from benchmarks import handwritten  # noqa: E402
from benchmarks.whole_process import compare as whole_process, spread  # noqa: E402
from constructs_pkg import AcceleratorInstanceType, ContainerImage, InferenceEndpoint, ScaleOutDashboard  # noqa: E402
from constructs_pkg.testing import mask_hashes  # noqa: E402
from examples.qwen3_8b import Qwen3LmiStack  # noqa: E402

CONTEXT = {"@aws-cdk/core:strictCfnValidateErrors": True}
ENV = cdk.Environment(account="123456789012", region="us-east-1")


def synth_seconds(build: Callable[[cdk.App], object]) -> float:
    """Construct and synthesize one app (asset staging and the built-in validator included), in seconds."""
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        app = cdk.App(context=CONTEXT, outdir=outdir)
        build(app)
        app.synth()
        return time.perf_counter() - start


def measure(builds: dict[str, Callable[[cdk.App], object]], repeats: int) -> dict[str, list[float]]:
    for build in builds.values():  # warm-up: jsii loads each module on first use
        synth_seconds(build)
    times: dict[str, list[float]] = {name: [] for name in builds}
    for _ in range(repeats):
        for name, build in builds.items():  # alternate, so drift hits every case alike
            times[name].append(synth_seconds(build))
    return times


def library_app(app: cdk.App) -> None:
    Qwen3LmiStack(app, "Qwen3Lmi", env=ENV)


def components_app(count: int) -> Callable[[cdk.App], None]:
    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Scale", env=ENV)
        endpoint = InferenceEndpoint(stack, "Endpoint", instance_type=AcceleratorInstanceType.of("ml.g6e.48xlarge"),
                                     max_instance_count=8)  # fmt: skip
        for i in range(count):
            component = endpoint.add_inference_component(
                f"Model{i}", image=ContainerImage.lmi(), accelerator_count=1, memory_mib=16 * 1024,
                environment={"HF_MODEL_ID": f"org/model-{i}"},
            )  # fmt: skip
            component.scale_on_concurrent_requests(max_copies=2, target_per_copy=8)
        ScaleOutDashboard(stack, "Dashboard", endpoint=endpoint)

    return build


def endpoints_app(count: int) -> Callable[[cdk.App], None]:
    def build(app: cdk.App) -> None:
        for i in range(count):
            Qwen3LmiStack(app, f"Qwen3Lmi{i}", env=ENV)

    return build


def templates_match() -> bool:
    library = Template.from_stack(Qwen3LmiStack(cdk.App(context=CONTEXT), "Qwen3Lmi", env=ENV)).to_json()
    baseline = Template.from_stack(handwritten.build(cdk.App(context=CONTEXT))).to_json()
    return bool(mask_hashes(library) == mask_hashes(baseline))


def _row(name: str, values: list[float]) -> str:
    return f"| {name} | {min(values):.3f} | {statistics.median(values):.3f} |"


def overhead(repeats: int) -> list[str]:
    same = templates_match()
    times = measure({"library": library_app, "hand-written": lambda app: handwritten.build(app)}, repeats)
    ratio_median = statistics.median(times["library"]) / statistics.median(times["hand-written"])
    ratio_min = min(times["library"]) / min(times["hand-written"])
    per_repeat = [a / b for a, b in zip(times["library"], times["hand-written"])]
    resources = len(Template.from_stack(Qwen3LmiStack(cdk.App(context=CONTEXT), "Q", env=ENV)).to_json()["Resources"])
    return [
        f"### Synth overhead (Qwen3-8B example, {resources} resources, {repeats} alternating repeats)",
        "",
        f"Templates identical apart from asset hashes: **{'yes' if same else 'NO'}**.",
        "",
        "| app | min (s) | median (s) |",
        "|---|---|---|",
        _row("library (`examples/qwen3_8b.py`)", times["library"]),
        _row("hand-written L1/L2 (`benchmarks/handwritten.py`)", times["hand-written"]),
        "",
        f"Ratio library / hand-written in process (construct + synth only; no goal of its own: the whole process is "
        f"what users pay): **{ratio_median:.2f}x** from medians, {ratio_min:.2f}x from minimums; per repeat "
        f"{spread(per_repeat, 'repeats')}.",
    ]


def components_match(count: int) -> bool:
    app = cdk.App(context=CONTEXT)
    components_app(count)(app)
    library = Template.from_stack(cast(cdk.Stack, app.node.find_child("Scale"))).to_json()
    baseline = Template.from_stack(handwritten.components_floor(cdk.App(context=CONTEXT), count)).to_json()
    return bool(mask_hashes(library) == mask_hashes(baseline))


LIBRARY_ROW, FLOOR_ROW = "{n} component(s) on one endpoint", "hand-written L1/L2: {n} component(s) on one endpoint"


def scale(repeats: int) -> list[str]:
    builds: dict[str, Callable[[cdk.App], object]] = {LIBRARY_ROW.format(n=n): components_app(n) for n in (1, 10, 50)}
    for n in (1, 50):  # alternated with the library's rows, so both marginal costs come from the same minutes
        builds[FLOOR_ROW.format(n=n)] = partial(handwritten.components_floor, count=n)
    builds["10 endpoints (10 stacks) in one app"] = endpoints_app(10)
    builds["1 endpoint (1 stack)"] = endpoints_app(1)
    same = components_match(3)
    times = measure(builds, repeats)
    med = {name: statistics.median(values) for name, values in times.items()}
    low = {name: min(values) for name, values in times.items()}

    def marginal(values: dict[str, float], row: str) -> float:
        return (values[row.format(n=50)] - values[row.format(n=1)]) / 49

    lib_med, floor_med = marginal(med, LIBRARY_ROW), marginal(med, FLOOR_ROW)
    lib_min, floor_min = marginal(low, LIBRARY_ROW), marginal(low, FLOOR_ROW)
    per_repeat = [
        (times[LIBRARY_ROW.format(n=50)][i] - times[LIBRARY_ROW.format(n=1)][i])
        / (times[FLOOR_ROW.format(n=50)][i] - times[FLOOR_ROW.format(n=1)][i])
        for i in range(repeats)
    ]
    one, ten, fifty = (med[LIBRARY_ROW.format(n=n)] for n in (1, 10, 50))
    per_endpoint = (med["10 endpoints (10 stacks) in one app"] - med["1 endpoint (1 stack)"]) / 9
    return [
        f"### Scale ({repeats} alternating repeats)",
        "",
        f"Hand-written app identical to the library's (3 components, asset hashes masked): **{'yes' if same else 'NO'}**.",
        "",
        "| app | min (s) | median (s) |",
        "|---|---|---|",
        *(_row(name, values) for name, values in times.items()),
        "",
        "Marginal cost per added component, (50 components - 1 component) / 49, each with its inference component, "
        "scalable target and policy, three alarms, grants and ten dashboard widgets:",
        "",
        "| per component | from medians (ms) | from minimums (ms) |",
        "|---|---|---|",
        f"| library | {lib_med * 1000:.0f} | {lib_min * 1000:.0f} |",
        f"| hand-written L1/L2 (the floor) | {floor_med * 1000:.0f} | {floor_min * 1000:.0f} |",
        f"| ratio library / hand-written (goal: <= 1.20x) | **{lib_med / floor_med:.2f}x** | {lib_min / floor_min:.2f}x |",
        "",
        f"Per repeat, the same ratio: {spread(per_repeat, 'repeats')}.",
        "",
        f"50 components / 1 component: {fifty / one:.2f}x (the older goal of <= 3x is not met: the hand-written "
        f"app's own ratio is {med[FLOOR_ROW.format(n=50)] / med[FLOOR_ROW.format(n=1)]:.2f}x). Per additional endpoint stack: {per_endpoint * 1000:.0f} ms. "
        f"Growth is linear: {(ten - one) / 9 * 1000:.0f} ms per component from 1 to 10, "
        f"{(fifty - ten) / 40 * 1000:.0f} ms from 10 to 50.",
    ]


def suite() -> list[str]:
    start = time.perf_counter()
    result = subprocess.run(
        [str(ROOT / "scripts" / "dev"), "test", "-q", "--durations=20"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    summary = [line for line in result.stdout.splitlines() if re.search(r"\d+ passed", line)]
    slowest = [line for line in result.stdout.splitlines() if re.match(r"^\d+\.\d+s (call|setup|teardown)", line)][:20]
    return [
        "### Test suite (`scripts/dev test`, already set up)",
        "",
        f"Wall time **{wall:.0f} s** (goal: <= 120 s); pytest: `{summary[-1].strip('= ') if summary else 'no summary'}`.",
        "",
        "Slowest 20 (each on its xdist worker; setup includes a fixture's build when that test triggered it):",
        "",
        "```",
        *slowest,
        "```",
    ]


def fresh() -> list[str]:
    """Clone, then the README's synth command with empty pip, npm and jsii caches (as on a new machine)."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "AWS_"))}
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
        env.update(PIP_NO_CACHE_DIR="1", npm_config_cache=f"{tmp}/npm", JSII_RUNTIME_PACKAGE_CACHE_ROOT=f"{tmp}/jsii")
        start = time.perf_counter()
        result = subprocess.run(["scripts/dev", "synth", "-q"], cwd=clone, env=env, capture_output=True, text=True)
        first = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(["scripts/dev", "synth", "-q"], cwd=clone, env=env, capture_output=True, text=True)
        second = time.perf_counter() - start
        shutil.rmtree(clone, ignore_errors=True)
    status = "ok" if result.returncode == 0 else f"FAILED ({result.stderr[-300:]})"
    return [
        "### Fresh set-up (fresh clone, empty pip/npm/jsii caches, `scripts/dev synth`)",
        "",
        f"First run, set-up included: **{first:.0f} s** ({status}; goal: <= 240 s). Second run, set-up skipped: "
        f"{second:.1f} s.",
    ]


def _node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "not found"


ANALYSIS = [
    "### Where the time goes, what was removed, and what remains",
    "",
    "Both hand-written apps (`benchmarks/handwritten.py`) synthesize the library's templates exactly, asset hashes",
    "masked (`tests/test_benchmarks.py` asserts it). Synth time",
    "follows the number of jsii round trips to the Node process (about 0.5-1 ms each, the Node side included), so",
    "both apps were counted by wrapping jsii's kernel provider (`create/get/set/sget/invoke/sinvoke` and callbacks).",
    "`Cfn*Property` structs cost no round trip (jsii passes structs by value), so plain dicts would gain nothing.",
    "",
    "| jsii round trips | before | after | hand-written |",
    "|---|---|---|---|",
    "| Qwen3-8B example | 411 | 329 | 237 |",
    "| per added component | 116 | 72 | 67 |",
    "",
    "**Removed** (templates byte-identical, no validation or acknowledgement dropped): per-component reads of",
    "values that never change are now read once and kept in Python: `Stack.of`, the stack's name, path and region",
    "(`constructs_pkg/_scope.py`), the `Aws.PARTITION/REGION/ACCOUNT_ID` tokens (9 reads per component in the",
    "recorder's ARNs alone), `Color.RED`, the recorder's role, each `Duration`'s seconds (validation and rendering",
    "read it twice), `Validations.of(scope)` for scopes acknowledged per component, the imported ECR repository",
    "and the service-linked role ARN per stack, each repository ARN once in the cache guard. A new statement of a",
    "growing policy costs one call instead of four, the recorder role's two per-component acknowledgements go in",
    "one call, and the capacity check reads component ids only to word its error.",
    "",
    "**Per component: goal met.** What the library still adds per component over the hand-written app is the",
    "cdk-nag acknowledgements of the three alarms and the two roles' new wildcard grants (9 calls), the CUDA-host",
    "warning when it applies, and the component's L2 `Resource` base.",
    "",
    "**Reference app: goal not met.** The remaining 92 round trips are fixed per endpoint, not per component: 32",
    "for cdk-nag acknowledgements on 14 constructs (each acknowledgement also becomes a metadata entry, so they",
    "are the costliest calls), 21 for the three synth-time aspects and four lazy values (the cross-component checks,",
    "the image-eligibility check, the dashboard layout, and the recorder's component list, wake alarms and variant",
    "flag, which must see components added after construction), 13 to name the Provider framework's functions in",
    "their acknowledgements, and the rest for validation reads (durations, regions) and `Stack.of` for new scopes.",
    "Removing them would drop acknowledgements, checks or late-added components, so they stay; a one-endpoint app",
    "pays about 0.1 s for them, and so does each further endpoint stack (the 10-stack row).",
    "",
    "The machine is shared (2 cores, several agents): minimums and medians differ by up to 30 %, so both are",
    "reported; the ratios compare rows measured alternately in the same run.",
]


def _kept(previous: str, heading: str) -> list[list[str]]:
    """A section of the previous RESULTS.md that this run did not measure, kept as it was and marked so."""
    match = re.search(rf"^{re.escape(heading)}.*?(?=^### |\Z)", previous, re.M | re.S)
    if match is None:
        return []
    when = re.search(r"^Measured (\S+)", previous, re.M)
    lines = match.group(0).rstrip().splitlines()
    if "not re-measured" not in lines[0]:
        lines[0] += f" (not re-measured: from the run of {when.group(1) if when else 'an earlier date'})"
    return [lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--pairs", type=int, default=15, help="alternating whole-process pairs")
    parser.add_argument("--suite", action="store_true", help="also time the test suite")
    parser.add_argument("--fresh", action="store_true", help="also time a fresh clone's first synth (minutes)")
    parser.add_argument("--all", action="store_true", help="everything")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    args = parser.parse_args()
    sections = [whole_process(args.pairs), overhead(args.repeats), scale(args.repeats)]
    results = ROOT / "benchmarks" / "RESULTS.md"
    previous = results.read_text() if results.exists() else ""
    if args.suite or args.all:
        sections.append(suite())
    elif args.write:
        sections += _kept(previous, "### Test suite")
    if args.fresh or args.all:
        sections.append(fresh())
    elif args.write:
        sections += _kept(previous, "### Fresh set-up")
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
               f"aws-cdk-lib {metadata.version('aws-cdk-lib')}, Node {_node_version()}")  # fmt: skip
    sections.append(ANALYSIS)
    text = "\n\n".join(["\n".join(s) for s in sections])
    print(text)
    if args.write:
        header = [
            "# Benchmark results",
            "",
            f"Measured {date.today().isoformat()} on {machine}, with `benchmarks/run.py {' '.join(sys.argv[1:])}`.",
            "Numbers come from one run; ratios compare cases measured side by side in it.",
            "",
        ]
        (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(header) + "\n" + text + "\n")


if __name__ == "__main__":
    main()
