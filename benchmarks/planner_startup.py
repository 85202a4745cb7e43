"""Start-up time of the planner's command line (goal: under 0.3 s), against importing the construct library.

    python -m benchmarks.planner_startup [--repeats 9]

Each run is a fresh interpreter, timed from the outside (process start to exit), so it includes Python's own start.
Reports the median and the minimum of ``--repeats`` runs of each command.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python (empty)": [sys.executable, "-c", "pass"],
    "planner plan": [sys.executable, "-m", "constructs_pkg.planner", "--instance-type", "ml.g6.2xlarge"],
    "planner rows": [sys.executable, "-m", "constructs_pkg.planner", "rows"],
    "planner --help": [sys.executable, "-m", "constructs_pkg.planner", "--help"],
    "import constructs_pkg.InferenceEndpoint": [sys.executable, "-c",
                                                "import constructs_pkg; constructs_pkg.InferenceEndpoint"],
}  # fmt: skip


def measure(command: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=9)
    repeats = parser.parse_args().repeats
    print(f"{'command':<42} {'median s':>9} {'min s':>7}")
    for name, command in COMMANDS.items():
        times = measure(command, repeats)
        print(f"{name:<42} {statistics.median(times):>9.3f} {min(times):>7.3f}")


if __name__ == "__main__":
    main()
