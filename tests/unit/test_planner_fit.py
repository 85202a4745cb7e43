"""The planner's fitted constants and leave-one-out errors are what the published rows give, and its modes behave."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from constructs_pkg.planner import FITTED, GB, LEAVE_ONE_OUT, ModelSource, Placement, plan_scale_out
from constructs_pkg.planner.constants import FITTED_NAMES, INFORMED_BY
from constructs_pkg.planner.fit import fit_published, leave_one_out, minimise, predict_row
from constructs_pkg.planner.published import ROWS, STARTUP

from ..conftest import ROOT


def test_the_shipped_constants_are_the_least_squares_fit_to_all_published_rows():
    refitted = fit_published()
    for name in FITTED_NAMES:
        assert getattr(FITTED, name) == pytest.approx(getattr(refitted, name), rel=2e-3), name
    assert set(INFORMED_BY) == set(FITTED_NAMES)


def test_the_shipped_leave_one_out_errors_are_recomputed_row_by_row():
    assert len(LEAVE_ONE_OUT) == len(ROWS) == 11
    assert leave_one_out() == pytest.approx(LEAVE_ONE_OUT, abs=2e-3)


def test_a_row_left_out_is_predicted_worse_than_when_it_is_fitted():
    in_sample = [abs(predict_row(FITTED, row) - row.seconds) / row.seconds for row in ROWS]
    assert sum(map(abs, LEAVE_ONE_OUT)) > sum(in_sample)


def test_leave_one_out_depends_on_each_published_number():
    changed = list(ROWS)
    changed[7] = replace(changed[7], seconds=changed[7].seconds * 0.8)  # customer 2, cache off
    assert leave_one_out(changed)[7] != pytest.approx(LEAVE_ONE_OUT[7], abs=0.01)


def test_minimise_finds_a_known_minimum():
    best = minimise(lambda v: (v["a"] - 3) ** 2 + (v["b"] - 0.5) ** 2, {"a": 1.0, "b": 1.0})
    assert best == pytest.approx({"a": 3, "b": 0.5}, rel=1e-3)


def test_every_published_startup_lies_in_its_interval():
    for row in ROWS:
        if row.measures == STARTUP:
            plan = plan_scale_out(row.instance_type, round(row.image_gb * GB), round(row.model_gb * GB), row.cache)
            assert plan.startup_interval.low <= row.seconds <= plan.startup_interval.high, row.label


# --- modes ----------------------------------------------------------------------------------------------------------


def _plan(**kwargs):
    return plan_scale_out("ml.g6.2xlarge", round(17.7 * GB), round(16.4 * GB), **kwargs)


@pytest.mark.parametrize("cache", [True, False])
def test_a_copy_on_a_running_instance_skips_provisioning_and_nothing_else(cache):
    new, running = _plan(cache=cache), _plan(cache=cache, placement=Placement.RUNNING_INSTANCE)
    assert running.stage("provisioning").seconds == 0 and "running instance" in running.stage("provisioning").basis
    assert new.total_seconds - running.total_seconds == pytest.approx(FITTED.provisioning_seconds)
    assert running.inputs["placement"] == "running-instance"


def test_a_hub_download_runs_after_the_pull_alone_and_s3_artifacts_beside_it():
    s3, hub = _plan(cache=False), _plan(cache=False, model_source=ModelSource.HUB)
    assert s3.stage("model_download").starts_at == s3.stage("image_pull").starts_at
    assert hub.stage("model_download").starts_at == pytest.approx(hub.stage("image_pull").ends_at)
    assert hub.stage("model_load").starts_at == pytest.approx(hub.stage("model_download").ends_at)
    # alone, neither transfer is slowed, and they add up instead of overlapping
    assert hub.stage("image_pull").seconds == pytest.approx(17.7 * GB / FITTED.pull_bytes_per_second)
    sequential = hub.stage("image_pull").seconds + hub.stage("model_download").seconds
    assert hub.stage("model_load").starts_at - hub.stage("image_pull").starts_at == pytest.approx(sequential)
    assert "after the container starts" in hub.stage("model_download").basis


def test_with_the_cache_on_a_hub_download_equals_an_s3_download():
    assert _plan(model_source=ModelSource.HUB).total_seconds == pytest.approx(_plan().total_seconds)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"placement": "running"}, r"placement must be one of 'new-instance', 'running-instance', got 'running'"),
    ({"model_source": "hf"}, r"model_source must be one of 's3', 'hub', got 'hf'"),
    ({"errors": ()}, r"errors must be relative errors > -1, at least one, got \(\)"),
])  # fmt: skip
def test_bad_modes_name_the_argument_the_value_and_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _plan(**kwargs)


def test_the_rows_command_lists_every_row_with_its_leave_one_out_error():
    out = subprocess.run([sys.executable, "-m", "constructs_pkg.planner", "rows"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.count(" s ") >= 11 and "customer-2: startup, cache off, ml.g5.2xlarge" in out and "+24.0%" in out


def test_the_command_line_defaults_the_cache_to_on_and_takes_the_modes():
    command = [sys.executable, "-m", "constructs_pkg.planner", "--instance-type", "ml.g6.2xlarge", "--json"]
    default = json.loads(subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    assert default["cache"] is True
    hub = json.loads(subprocess.run([*command, "--placement", "running-instance", "--model-source", "hub"], cwd=ROOT,
                                    capture_output=True, text=True, check=True).stdout)  # fmt: skip
    assert hub["inputs"]["placement"] == "running-instance" and hub["inputs"]["model_source"] == "hub"
