"""Whole scale-outs played by a scripted fake AWS (``tests/simulation.py``), the recorder running minute by minute:
it must publish exactly the scripted stages, once, and nothing for a scale-in."""

from __future__ import annotations

import pytest

from constructs_pkg.runtime import names

from .. import simulation
from ..simulation import CACHE_MISS, ICE, SCALE_IN, WARM, simulate

STAGE = names.SCALE_OUT_STAGE_SECONDS + "/"
GAUGES = {names.DESIRED_COPY_COUNT, names.CURRENT_COPY_COUNT, names.DESIRED_INSTANCE_COUNT, names.CURRENT_INSTANCE_COUNT,
          names.RECORDER_HEARTBEAT}


@pytest.fixture(scope="module")
def warm():
    return simulate(WARM)


@pytest.fixture(scope="module")
def cache_miss():
    return simulate(CACHE_MISS)


def test_warm_scale_out_yields_exactly_the_scripted_stages(warm):
    (event,) = WARM.events
    assert warm.stages() == [pytest.approx(event.expected_stages())]
    for key, points in warm.series.items():
        if key.startswith(STAGE):
            assert [at for at, _ in points] == [event.ended], f"{key}: once, at the scale-out's end"
    assert warm.series[names.SCALE_OUT_LATENCY] == [(event.ended, pytest.approx(263.0))]  # 122 + 141
    assert warm.series[names.SCALE_OUT_DETECTION_LATENCY] == [(event.ended, pytest.approx(55.0))]  # 48 + 7
    assert warm.series[names.PROVISIONING_PULL_TO_COLD_RATIO] == [(event.ended, pytest.approx(122 / 305))]
    assert names.SCALE_OUT_FAILURES not in warm.series


def test_the_recorder_ran_every_minute_and_counted_one_scale_out(warm):
    assert len(warm.runs) == len(list(simulation.minutes(WARM))) > 8
    assert sum(run["scale_outs"] for run in warm.runs) == 1
    # Copy counts follow the script: 1 before, desired 2 while the copy starts, 2 after.
    desired = [v for _, v in warm.series[names.DESIRED_COPY_COUNT]]
    current = [v for _, v in warm.series[names.CURRENT_COPY_COUNT]]
    assert desired[0] == current[0] == 1.0 and desired[-1] == current[-1] == 2.0
    assert any(d == 2.0 and c == 1.0 for d, c in zip(desired, current, strict=True))


def test_stage_labels_are_in_one_log_line_per_scale_out(warm):
    (line,) = warm.log_lines("recorder-scale-out-stages")
    labels = {stage: value["label"] for stage, value in line["stages"].items()}
    assert labels == {names.STAGE_ALARM_EVALUATION: "measured", names.STAGE_ALARM_TO_ACTIVITY: "measured",
                      names.STAGE_PROVISIONING_AND_PULL: "bounded", names.STAGE_LOAD_AND_HEALTH_CHECK: "bounded"}  # fmt: skip
    assert line["cache"]["label"] == "inference" and line["cache"]["cold_seconds"] == pytest.approx(305.0)
    (baseline,) = warm.log_lines("recorder-cold-baseline")  # read from the logs once, then kept
    assert baseline["seconds"] == pytest.approx(305.0)


def test_a_cache_miss_pulls_like_the_cold_deployment(warm, cache_miss):
    (event,) = CACHE_MISS.events
    assert cache_miss.stages() == [pytest.approx(event.expected_stages())]
    (ratio,) = [v for _, v in cache_miss.series[names.PROVISIONING_PULL_TO_COLD_RATIO]]
    (warm_ratio,) = [v for _, v in warm.series[names.PROVISIONING_PULL_TO_COLD_RATIO]]
    assert ratio == pytest.approx(296 / 305) and ratio > 0.9 > 0.5 > warm_ratio  # an alarm at 0.8 tells them apart


def test_a_scale_out_that_fails_for_capacity_is_a_failure_without_stages():
    result = simulate(ICE)
    (event,) = ICE.events
    assert result.series[names.SCALE_OUT_FAILURES] == [(event.ended, 1.0)]
    assert result.series[names.SCALE_OUT_CAPACITY_FAILURES] == [(event.ended, 1.0)]
    assert result.stages() == []
    assert names.SCALE_OUT_LATENCY not in result.series and names.PROVISIONING_PULL_TO_COLD_RATIO not in result.series
    assert ("logs", "describe_log_streams") not in set(result.calls)


def test_a_scale_in_records_nothing_but_the_counts():
    result = simulate(SCALE_IN)
    assert set(result.series) == GAUGES
    assert sum(run["scale_outs"] for run in result.runs) == 0


def test_doubled_deliveries_publish_the_same_series(warm):
    doubled = simulate(WARM, deliveries=2)
    assert doubled.series == warm.series
    assert sum(run["duplicate"] for run in doubled.runs) == len(warm.runs)


def test_late_runs_still_record_each_window_once(warm):
    late = simulate(WARM, late=simulation.timedelta(seconds=50)).series  # the counts are read later, so may differ
    assert {k: v for k, v in late.items() if k not in GAUGES} == {k: v for k, v in warm.series.items() if k not in GAUGES}
    assert late[names.SCALE_OUT_LATENCY] == warm.series[names.SCALE_OUT_LATENCY]


def test_api_calls_stay_few_and_only_when_a_scale_out_ended(warm):
    # Every run: two describes and the activities, then for each of its three sources of counts (the endpoint, the
    # component, the heartbeat) a claim, a publish and the claim's completion. The scale-out adds its claim, the alarm
    # history, one listing of streams (shared by the activity and the baseline), the baseline lookup, storing the
    # baseline (its endpoint creation time comes from the run's own DescribeEndpoint), the publish and its
    # completion; each later run in the lookback only asks for its claim (refused).
    per_run, scale_out = 3 + 3 * 3, 7
    (recorded,) = [i for i, run in enumerate(warm.runs) if run["scale_outs"]]
    later = len(warm.runs) - recorded - 1
    assert later > 0
    assert len(warm.calls) == per_run * len(warm.runs) + scale_out + later
