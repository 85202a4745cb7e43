"""``planner calibrate`` on scale-outs the recorder itself recorded in the simulation (tests/simulation.py).

An endpoint whose true constants differ from the published fit scales out four times. Its stage durations come from
the planner's own timeline with the true constants, the simulation plays them minute by minute, and the recorder logs
its ``recorder-scale-out-stages`` lines. Calibrating on the first three must predict the fourth within 10 % and
recover the true constants within 5 %. The recorder cannot see where a copy landed or whether the cache served it,
so the lines are given ``placement`` and ``image_cache`` as a user who knows would (calibrate reads them when present).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws

from constructs_pkg.bandwidth import BANDWIDTH
from constructs_pkg.planner import FITTED, GB, Endpoint, ModelSource, Placement, calibrate, cli
from constructs_pkg.planner.calibrate import log_group_lines, parse_line, traces
from constructs_pkg.planner.timeline import timeline
from constructs_pkg.runtime import names

from ..simulation import BASE, ScaleEvent, Scenario, simulate

ENDPOINT = Endpoint(instance_type="ml.g6.2xlarge", image_bytes=round(17.7 * GB), model_bytes=round(16.4 * GB))
#: The endpoint's true constants: slower provisioning, a slower pull and download, a heavier container start.
TRUTH = replace(FITTED, provisioning_seconds=150.0, pull_bytes_per_second=55e6, download_link_fraction=0.25,
                start_base_seconds=40.0)  # fmt: skip
#: (placement, cache) of the four scale-outs: three kinds to learn from, then the one to predict.
KINDS = [(Placement.NEW_INSTANCE, True), (Placement.RUNNING_INSTANCE, True), (Placement.NEW_INSTANCE, False),
         (Placement.NEW_INSTANCE, True)]  # fmt: skip
#: Run-to-run variation the simulation adds (deterministic), so the fit is not handed exact numbers.
JITTER = [1.02, 0.98, 1.01, 0.97]
SPACING = timedelta(minutes=40)  # far enough apart that no two activities overlap


def _event(index: int) -> ScaleEvent:
    placement, cache = KINDS[index]
    t = timeline(TRUTH, link_bytes_per_second=BANDWIDTH[ENDPOINT.instance_type].baseline_bytes_per_second,
                 image_bytes=ENDPOINT.image_bytes, model_bytes=ENDPOINT.model_bytes, cache=cache, placement=placement)  # fmt: skip
    return ScaleEvent("out", BASE + index * SPACING, index + 1, index + 2,
                      provisioning_and_pull=round(t.before_first_line * JITTER[index], 1),
                      load_and_health_check=round(t.after_first_line * JITTER[index], 1))  # fmt: skip


SCENARIO = Scenario("calibration", tuple(_event(i) for i in range(4)))


@pytest.fixture(scope="module")
def recorded() -> list[str]:
    """The recorder's stage lines, as Lambda writes them, with what the user knows about each scale-out added."""
    lines = simulate(SCENARIO).log_lines(names.STAGES_LOG_EVENT)
    assert len(lines) == 4
    out = []
    for line, (placement, cache) in zip(lines, KINDS):
        record = {**line, "placement": placement.value, "image_cache": cache}
        out.append(f"[INFO]\t2026-11-24T10:00:00.000Z\t0c6e5c8e-0000-4000-8000-000000000000\t{json.dumps(record)}\n")
    return out


def test_the_recorder_recorded_each_scripted_scale_out(recorded):
    found = traces(recorded)
    assert [t.before_first_line for t in found] == pytest.approx([e.provisioning_and_pull for e in SCENARIO.events])
    assert [t.placement for t in found] == [k[0] for k in KINDS]


def test_after_three_scale_outs_it_predicts_the_fourth_within_10_percent(recorded):
    result = calibrate(traces(recorded[:3]), ENDPOINT)
    placement, cache = KINDS[3]
    plan = result.plan(ENDPOINT, placement=placement, cache=cache)
    fourth = SCENARIO.events[3]
    actual = fourth.provisioning_and_pull + fourth.load_and_health_check
    assert plan.startup_seconds == pytest.approx(actual, rel=0.10)
    # The uncalibrated planner misses it by more: the calibration is what makes it right.
    assert abs(plan.startup_seconds - actual) < abs(_uncalibrated(placement, cache) - actual)
    assert plan.startup_interval.low <= actual <= plan.startup_interval.high
    assert "3 recorded scale-outs" in plan.startup_interval.basis


def _uncalibrated(placement: Placement, cache: bool) -> float:
    from_published = Endpoint(instance_type=ENDPOINT.instance_type, image_bytes=ENDPOINT.image_bytes,
                              model_bytes=ENDPOINT.model_bytes)  # fmt: skip
    t = timeline(FITTED, link_bytes_per_second=BANDWIDTH[from_published.instance_type].baseline_bytes_per_second,
                 image_bytes=from_published.image_bytes, model_bytes=from_published.model_bytes, cache=cache,
                 placement=placement)  # fmt: skip
    return t.end


def test_three_kinds_of_scale_out_recover_the_true_constants_within_5_percent(recorded):
    result = calibrate(traces(recorded[:3]), ENDPOINT)
    assert set(result.identified) == {"provisioning_seconds", "pull_bytes_per_second", "download_link_fraction",
                                      "start_base_seconds"}  # fmt: skip
    for name in result.identified:
        assert getattr(result.constants, name) == pytest.approx(getattr(TRUTH, name), rel=0.05), name


def test_one_kind_of_scale_out_identifies_only_the_container_start(recorded):
    same_kind = [recorded[0], recorded[3]]
    result = calibrate(traces(same_kind), ENDPOINT)
    assert result.identified == ("start_base_seconds",)
    assert result.errors == ()  # too few for an endpoint interval: the published one is used
    plan = result.plan(ENDPOINT, placement=Placement.NEW_INSTANCE, cache=True)
    assert "11 published rows" in plan.startup_interval.basis


def test_a_hub_download_leaves_the_container_start_unseparated(recorded):
    hub = replace(ENDPOINT, model_source=ModelSource.HUB)
    assert "start_base_seconds" not in calibrate(traces(recorded[:3]), hub).identified


def test_lines_of_other_events_and_broken_lines_are_skipped(recorded):
    noise = ['{"event": "recorder-run", "datums": 3}', "START RequestId: 1 Version: $LATEST", "{not json",
             json.dumps({"event": names.STAGES_LOG_EVENT, "stages": {}})]  # fmt: skip
    assert len(traces([*noise, *recorded, recorded[0]])) == 4  # the repeated activity counts once
    assert parse_line(recorded[0])["event"] == names.STAGES_LOG_EVENT


def test_calibrate_command_reads_a_file_and_prints_the_calibrated_prediction(recorded, tmp_path, capsys):
    path = tmp_path / "stages.jsonl"
    path.write_text("".join(recorded[:3]))
    assert cli.main(["calibrate", "--instance-type", "ml.g6.2xlarge", "--traces", str(path)]) == 0
    out = capsys.readouterr().out
    assert "3 recorded scale-out(s) of inference-component/" in out
    assert "provisioning_seconds" in out and "calibrated prediction (new-instance, cache on)" in out
    assert "leave-one-out error over this endpoint's 3 recorded scale-outs" in out


def test_calibrate_without_traces_says_what_to_turn_on(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text('{"event": "recorder-run"}\n')
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["calibrate", "--instance-type", "ml.g6.2xlarge", "--traces", str(path)])
    assert exit_info.value.code == 2


# --- from the recorder's log group (moto serves CloudWatch Logs) ------------------------------------------------------

RECORDER_GROUP = "/aws/lambda/recorder-function"


def _put(lines: list[str]) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName=RECORDER_GROUP)
    logs.create_log_stream(logGroupName=RECORDER_GROUP, logStreamName="2026/11/24/[$LATEST]abc")
    now = int(time.time() * 1000)
    noise = ["START RequestId: 0c6e5c8e Version: $LATEST\n",
             '[INFO]\t2026-11-24T10:00:00.000Z\t0c6e5c8e\t{"event": "recorder-run", "datums": 3}\n']  # fmt: skip
    events = [{"timestamp": now - 60_000 + i, "message": m} for i, m in enumerate([*noise, *lines])]
    logs.put_log_events(logGroupName=RECORDER_GROUP, logStreamName="2026/11/24/[$LATEST]abc", logEvents=events)


def test_log_group_lines_reads_the_stage_lines_with_filter_log_events(recorded):
    with mock_aws():
        _put(recorded)
        now = int(time.time() * 1000)
        lines = log_group_lines(boto3.client("logs", region_name="us-east-1"), RECORDER_GROUP,
                                start_ms=now - 3_600_000, end_ms=now)  # fmt: skip
    assert len(traces(lines)) == 4


def test_calibrate_command_reads_the_log_group(recorded, capsys):
    with mock_aws():
        _put(recorded[:3])
        code = cli.main(["calibrate", "--instance-type", "ml.g6.2xlarge", "--log-group", RECORDER_GROUP,
                         "--region", "us-east-1", "--json"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["traces"] == 3 and out["constants"]["provisioning_seconds"]["identified"] is True
    assert out["constants"]["provisioning_seconds"]["calibrated"] == pytest.approx(TRUTH.provisioning_seconds, rel=0.05)
    assert out["plan"]["startup_interval"][0] < out["plan"]["startup_seconds"] < out["plan"]["startup_interval"][1]


def test_an_empty_log_group_is_a_clear_error(capsys):
    with mock_aws():
        _put([])
        with pytest.raises(SystemExit):
            cli.main(["calibrate", "--instance-type", "ml.g6.2xlarge", "--log-group", RECORDER_GROUP,
                      "--region", "us-east-1"])  # fmt: skip
    assert f"no recorder-scale-out-stages line in --log-group '{RECORDER_GROUP}'" in capsys.readouterr().err
