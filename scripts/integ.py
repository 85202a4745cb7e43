"""The integration tests in tests/integ: check their snapshots offline, update them, or deploy, assert and destroy.

    python scripts/integ.py [TEST ...]                 compare each test's synthesized templates with its committed
                                                      snapshot (offline, no credentials); exit 1 on any difference
    python scripts/integ.py --update [TEST ...]        rewrite the snapshots (offline)
    python scripts/integ.py --deploy [--profile P] [--region R] [TEST ...]
                                                      deploy each test's stacks with the user's credentials, fail on
                                                      any failed assertion, and destroy them (always)

The tests, the snapshots and their layout are integ-runner's (``integ_*.py`` apps built with
``aws-cdk.integ-tests-alpha``; ``integ_<name>.py.snapshot/`` holding the cloud assembly without asset files, as
integ-runner writes it for tests without the update workflow). integ-runner itself is pinned in tools/cdk-cli, but its
newest release (2.197.10) reads cloud-assembly schema only up to 53 and aws-cdk-lib 2.275 writes 55, so every
integ-runner run stops with ``AssemblyVersionMismatch``; until a release reads 55, this script does the same two jobs
with the pinned CDK CLI, which does. Like integ-runner, it compares templates with asset hashes replaced by their
position in the stack's asset manifest (``Asset1``...), so a handler edit alone does not fail the check while any
change to a resource does.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEG_DIR = ROOT / "tests" / "integ"
CDK = ROOT / "tools" / "cdk-cli" / "node_modules" / ".bin" / "cdk"
#: What an assertion's ``salt`` property reads in a committed snapshot and in a compared template.
SALT = "masked: Date.now() at synth"
#: What the snapshot keeps of the assembly (integ-runner's cleanup drops asset files and the .cache folder).
_KEPT_SUFFIXES = (".template.json", ".assets.json", "manifest.json", "integ.json", "cdk.out", "tree.json")


def discover(names: list[str]) -> list[Path]:
    """``integ_*.py`` under tests/integ (integ-runner's python preset), or the ones named (file name or stem)."""
    tests = sorted(INTEG_DIR.glob("integ_*.py"))
    if not names:
        return tests
    chosen = []
    for name in names:
        match = [t for t in tests if name in (t.name, t.stem, str(t.relative_to(ROOT)), t.stem.removeprefix("integ_"))]
        if not match:
            raise SystemExit(f"integ: no test {name!r}; tests are: {', '.join(t.name for t in tests)}")
        chosen += match
    return chosen


def snapshot_dir(test: Path) -> Path:
    return test.with_name(test.name + ".snapshot")


def synth(test: Path, outdir: Path) -> None:
    """``cdk synth`` of one test app with the pinned CLI and cdk.json's context, offline, into ``outdir``."""
    command = [
        str(CDK), "synth", "--app", f"{sys.executable} {test.relative_to(ROOT)}", "--output", str(outdir),
        "--quiet", "--no-notices", "--no-version-reporting", "--no-path-metadata", "--no-asset-metadata",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"integ: cdk synth of {test.name} failed (exit {result.returncode})")


def keep_snapshot_files(assembly: Path) -> None:
    """Drop what integ-runner does not keep in a snapshot: asset files and folders, and the asset cache."""
    for entry in assembly.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        elif not entry.name.endswith(_KEPT_SUFFIXES):
            entry.unlink()


def mask_salts(assembly: Path) -> None:
    """Replace each assertion's ``salt`` (a timestamp) in the assembly's templates, so an update without a change
    leaves the committed snapshot byte for byte as it was."""
    for path in assembly.glob("*.template.json"):
        template = json.loads(path.read_text())
        for resource in template.get("Resources", {}).values():
            if "salt" in resource.get("Properties", {}):
                resource["Properties"]["salt"] = SALT
        path.write_text(json.dumps(template, indent=1) + "\n")


def stacks(assembly: Path) -> dict[str, dict[str, Any]]:
    """Stack artifact id -> its template and asset hashes, from the assembly's manifest."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found: dict[str, dict[str, Any]] = {}
    artifacts = manifest.get("artifacts", {})
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        hashes: list[str] = []
        for dependency in artifact.get("dependencies", []):
            asset_manifest = artifacts.get(dependency, {})
            if asset_manifest.get("type") == "cdk:asset-manifest":
                assets = json.loads((assembly / asset_manifest["properties"]["file"]).read_text())
                hashes += [*assets.get("files", {}), *assets.get("dockerImages", {})]
        found[artifact_id] = {"template": template, "hashes": hashes}
    return found


def canonical(template: Any, hashes: list[str]) -> Any:
    """``template`` with each asset hash replaced by ``Asset<n>``, n its position in the asset manifest (the
    template's own hash, a file asset too, included), as integ-runner compares them, and every assertion's ``salt``
    (integ-tests-alpha's ``Date.now()`` at synth, which makes CloudFormation re-run the assertion) masked."""
    substitutions = [(h, f"Asset{i}") for i, h in enumerate(dict.fromkeys(hashes), start=1)]

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {sub(k): SALT if k == "salt" else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return sub(value) if isinstance(value, str) else value

    def sub(text: str) -> str:
        for old, new in substitutions:
            text = text.replace(old, new)
        return text

    return walk(template)


def differences(expected: Path, actual: Path) -> list[str]:
    """Unified diffs of every stack whose canonical template differs, and stacks added or removed."""
    if not (expected / "manifest.json").exists():
        return [f"no snapshot at {expected.name}: run scripts/dev integ --update"]
    before, after = stacks(expected), stacks(actual)
    problems = [f"stack {s} is new (not in the snapshot)" for s in sorted(after.keys() - before.keys())]
    problems += [f"stack {s} is gone (still in the snapshot)" for s in sorted(before.keys() - after.keys())]
    for stack in sorted(before.keys() & after.keys()):
        old = json.dumps(canonical(before[stack]["template"], before[stack]["hashes"]), indent=1, sort_keys=True)
        new = json.dumps(canonical(after[stack]["template"], after[stack]["hashes"]), indent=1, sort_keys=True)
        if old != new:
            diff = difflib.unified_diff(old.splitlines(), new.splitlines(), f"snapshot/{stack}", f"synth/{stack}", lineterm="", n=2)
            problems.append("\n".join(list(diff)[:200]))
    old_integ, new_integ = (p / "integ.json" for p in (expected, actual))
    if old_integ.exists() and new_integ.exists() and json.loads(old_integ.read_text()) != json.loads(new_integ.read_text()):
        problems.append("integ.json (the test cases and their options) differs")
    return problems


def check(tests: list[Path]) -> int:
    failed = 0
    with tempfile.TemporaryDirectory(prefix="integ-") as scratch:
        assemblies = {test: Path(scratch) / test.stem for test in tests}
        # One synth per core at a time: each is a Node CLI and a Python app taking turns, mostly on one core.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(lambda test: synth(test, assemblies[test]), tests))
        for test in tests:
            problems = differences(snapshot_dir(test), assemblies[test])
            if problems:
                failed += 1
                print(f"FAILED     {test.name}: the synthesized templates differ from the snapshot", file=sys.stderr)
                for problem in problems:
                    print(problem, file=sys.stderr)
            else:
                print(f"UNCHANGED  {test.name}")
    print(f"integ: {len(tests) - failed} of {len(tests)} snapshots unchanged")
    if failed:
        print("integ: review the differences, then run scripts/dev integ --update and commit the snapshots", file=sys.stderr)
    return 1 if failed else 0


def update(tests: list[Path]) -> int:
    for test in tests:
        target = snapshot_dir(test)
        with tempfile.TemporaryDirectory(prefix="integ-") as scratch:
            fresh = Path(scratch) / "assembly"
            synth(test, fresh)
            keep_snapshot_files(fresh)
            mask_salts(fresh)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(fresh, target)
        print(f"UPDATED    {test.name} -> {target.relative_to(ROOT)}")
    return 0


def assertion_failures(outputs: dict[str, dict[str, str]]) -> list[str]:
    """integ-tests-alpha writes each assertion's result to an ``AssertionResults*`` stack output."""
    failures = []
    for stack, values in outputs.items():
        for key, value in values.items():
            if key.startswith("AssertionResults"):
                try:
                    result = json.loads(value)
                except json.JSONDecodeError:
                    result = {"status": "fail", "message": value}
                if result.get("status") != "success":
                    failures.append(f"{stack}.{key}: {result.get('message', value)}")
    return failures


def deploy(tests: list[Path], profile: str | None, region: str | None) -> int:
    env = dict(os.environ)
    if region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = env["CDK_DEFAULT_REGION"] = region
    credentials = ["--profile", profile] if profile else []
    failed = 0
    for test in tests:
        with tempfile.TemporaryDirectory(prefix="integ-") as scratch:
            assembly, outputs_file = Path(scratch) / "assembly", Path(scratch) / "outputs.json"
            synth(test, assembly)
            base = [str(CDK), "--app", str(assembly), "--no-notices", *credentials]
            print(f"DEPLOYING  {test.name}", flush=True)
            try:
                deployed = subprocess.run(
                    [*base, "deploy", "--all", "--require-approval", "never", "--outputs-file", str(outputs_file)],
                    cwd=ROOT, env=env,
                )  # fmt: skip
                outputs = json.loads(outputs_file.read_text()) if outputs_file.exists() else {}
                failures = assertion_failures(outputs)
                if deployed.returncode != 0:
                    failures.append(f"cdk deploy exited {deployed.returncode} (a wait_for_assertions that timed out fails it)")
            finally:
                print(f"DESTROYING {test.name}", flush=True)
                destroyed = subprocess.run([*base, "destroy", "--all", "--force"], cwd=ROOT, env=env)
            if destroyed.returncode != 0:
                failures.append(f"cdk destroy exited {destroyed.returncode}: check the stacks in the console")
            if failures:
                failed += 1
                print(f"FAILED     {test.name}", file=sys.stderr)
                for failure in failures:
                    print(f"  {failure}", file=sys.stderr)
            else:
                print(f"PASSED     {test.name}")
    print(f"integ: {len(tests) - failed} of {len(tests)} tests deployed, asserted and destroyed cleanly")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/dev integ", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true", help="rewrite the snapshots (offline)")
    mode.add_argument("--deploy", action="store_true", help="deploy, assert and destroy (needs AWS credentials)")
    parser.add_argument("--profile", help="with --deploy: the AWS profile (default: the usual credential chain)")
    parser.add_argument("--region", help="with --deploy: the region (default: the profile's)")
    parser.add_argument("tests", nargs="*", help="test files or names (default: every tests/integ/integ_*.py)")
    args = parser.parse_args(argv)
    if (args.profile or args.region) and not args.deploy:
        parser.error("--profile and --region go with --deploy")
    tests = discover(args.tests)
    if args.deploy:
        return deploy(tests, args.profile, args.region)
    return update(tests) if args.update else check(tests)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
