"""The stage timeline (``STAGE_LOGS``): every stage comes from evidence that belongs to its own activity, or it is
not published. Overlapping scale-outs, a 1->3 scale-out, an alarm that stays in ALARM, a new stream past the first
page, both model sources, and a cold baseline compared like with like.

Responses come from cited fixtures (``tests/fixtures``) through Stubber; a test that varies one field of a cited
shape says so in its ``edit``. moto keeps the claims table and the published metrics.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from constructs_pkg.runtime import names, stage_evidence
from constructs_pkg.runtime.attribution import activity_streams, first_stream_event
from constructs_pkg.runtime.recorder import Config, Recorder
from constructs_pkg.runtime.stages import ARTIFACTS, CONTAINER, E2E, HOLDS, UNKNOWN, log_bound_gap, stage_timeline

from .. import fixtures
from .test_recorder import (  # noqa: F401 - recorder_aws is a fixture
    COMPONENT_CONFIG,
    COMPONENT_DIMS,
    HISTORY,
    IC_OUT,
    TABLE,
    VARIANT_CONFIG,
    VARIANT_SAMPLE,
    end_of,
    record,
    recorder_aws,
    run_at,
    scheduled,
    stats,
    stub_run,
)

AAS = "application_autoscaling/describe_scaling_activities/"
STREAMS = "logs/describe_log_streams/"
STAGED_CONFIG = Config(**{**COMPONENT_CONFIG.__dict__, "stage_logs": True})
LOG_GROUP = names.component_log_group(COMPONENT_CONFIG.components[0])
LISTING = {"logGroupName": LOG_GROUP, "orderBy": "LogStreamName", "limit": 50}
BASELINE_KEY = f"{names.COLD_BASELINE_KEY}inference-component/qwen3-8b-ic#2026-11-23T09:10:00+00:00"
OVERLAPPING = AAS + "component_overlapping_scale_outs"
ONE_TO_THREE = AAS + "component_scale_out_1_to_3"
REPEATS = AAS + "component_alarm_repeats"
S3_COMPONENT = "sagemaker/describe_inference_component/in_service_s3_artifacts"
HUB_COMPONENT = "sagemaker/describe_inference_component/in_service_hub_model"


def stage(aws, name, ended):
    """The stage's values published for the scale-out that ended at ``ended`` (timestamped at its end)."""
    dims = {**COMPONENT_DIMS, names.STAGE_DIMENSION: name}
    return [v for t, v in stats(aws, names.SCALE_OUT_STAGE_SECONDS, dims, ended) if abs(t - ended) < timedelta(seconds=1)]


def ratio(aws, ended):
    points = stats(aws, names.PROVISIONING_PULL_TO_COLD_RATIO, COMPONENT_DIMS, ended)
    return [v for t, v in points if abs(t - ended) < timedelta(seconds=1)]


def stub_streams(aws, name=STREAMS + "component_scale_out", *, edit=None):
    """The run's one listing of the component's streams, in name order (shared by the activity and the baseline)."""
    answers = fixtures.pages(name)

    def expected(index: int) -> dict:
        return {**LISTING, "nextToken": answers[index - 1]["nextToken"]} if index else LISTING

    return fixtures.stub(aws.stub("logs", "describe_log_streams"), name, expected, edit=edit)


def lines(caplog, event):
    return [json.loads(r.message) for r in caplog.records if f'"event": "{event}"' in r.message]


def add_stream(created: datetime, first: datetime, name: str = "Q4PyKGzFerCArQorC8iJrJ7lUrrVFexSwTBA"):
    """An edit that adds one stream to a cited listing (same shape as its others), kept in name order."""

    def edit(answer, _index):
        stream = dict(answer["logStreams"][0])
        arn = stream["arn"].rsplit(":log-stream:", 1)[0]
        stream.update(logStreamName=name, arn=f"{arn}:log-stream:{name}", creationTime=int(created.timestamp() * 1000),
                      firstEventTimestamp=int(first.timestamp() * 1000))  # fmt: skip
        answer["logStreams"] = sorted([*answer["logStreams"], stream], key=lambda s: s["logStreamName"])

    return edit


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# One scale-out, the evidence its own ---------------------------------------------------------------------------


def test_stage_timeline_from_alarm_history_and_log_streams(recorder_aws, caplog):
    end = end_of(IC_OUT)  # started 03:53:05.120; ALARM at 03:52:58.402 after a first datapoint at 03:52:10
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    stub_streams(recorder_aws)  # new copy's stream: first event 03:55:10.500
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, end) == [pytest.approx(48.402)]
    assert stage(recorder_aws, names.STAGE_ALARM_TO_ACTIVITY, end) == [pytest.approx(6.718)]
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
    assert stage(recorder_aws, names.STAGE_LOAD_AND_HEALTH_CHECK, end) == [pytest.approx(145.14)]
    # Cold deployment onto new instances: the endpoint's creation 09:08:00 -> its first copy's line 09:13:05, 305 s.
    assert ratio(recorder_aws, end) == [pytest.approx(125.38 / 305)]
    (line,) = lines(caplog, names.STAGES_LOG_EVENT)
    assert line["stages"][names.STAGE_PROVISIONING_AND_PULL]["seconds"] == pytest.approx(125.38)
    assert line["stages"][names.STAGE_PROVISIONING_AND_PULL]["label"] == "bounded"
    assert line["stages"][names.STAGE_ALARM_EVALUATION]["label"] == "measured"
    assert line["model_source"] == UNKNOWN and line["copies_added"] == 1 and line["withheld"] == {}
    assert line["cache"] == {"label": "inference", "baseline": "cold deployment onto new instances",
                             "pull_seconds": pytest.approx(125.38), "cold_seconds": 305.0, "ratio": 0.411}  # fmt: skip
    item = recorder_aws.boto("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": BASELINE_KEY}})
    assert item["Item"]["seconds"] == {"N": "305.0"}  # recorded once, for the next scale-outs


def test_a_recorded_cold_baseline_is_not_read_again(recorder_aws):
    end = end_of(IC_OUT)
    recorder_aws.boto("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": BASELINE_KEY}, "seconds": {"N": "250.76"}})
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    stub_streams(recorder_aws)  # the one listing
    record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert ratio(recorder_aws, end) == [pytest.approx(0.5)]
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, end) == []  # no alarm history: detection not told


def test_no_new_stream_means_no_log_stages(recorder_aws, caplog):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    stub_streams(recorder_aws, STREAMS + "none")  # nothing to compare, so no baseline is read
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == []
    assert ratio(recorder_aws, end) == []
    assert stage(recorder_aws, names.STAGE_ALARM_TO_ACTIVITY, end) == [pytest.approx(6.718)]  # detection still told
    (withheld,) = lines(caplog, "recorder-stages-withheld")
    assert withheld["withheld"] == {"logs": "no stream was created during the activity"}


def test_a_missing_log_group_does_not_fail_the_run(recorder_aws):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    logs = recorder_aws.stub("logs", "describe_log_streams")
    logs.add_client_error("describe_log_streams", "ResourceNotFoundException", "The specified log group does not exist.")
    assert record(recorder_aws, STAGED_CONFIG, run_at(end))["scale_outs"] == 1
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [pytest.approx(270.52)]
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == []


def test_stage_logs_are_off_by_default(recorder_aws):
    # No logs stub is queued: a DescribeLogStreams call would fail the run against moto's empty account.
    stub_run(recorder_aws, COMPONENT_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"])
    record(recorder_aws, COMPONENT_CONFIG, run_at(end_of(IC_OUT)))
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, end_of(IC_OUT)) == []
    assert Config.from_env({"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "CLAIM_TABLE": "t"}).stage_logs is False
    assert Config.from_env({"ENDPOINT_NAME": "e", "VARIANT_NAME": "v", "CLAIM_TABLE": "t", "STAGE_LOGS": "true"}).stage_logs


# Finding every new stream, with a bounded number of calls -----------------------------------------------------


def test_a_new_stream_past_the_first_page_is_found(recorder_aws):
    """62 streams: every earlier copy's lastEventTimestamp is newer than the new copy's, so a first page ordered by
    LastEventTime would miss it (and that order is eventually consistent). In name order it is on page 2."""
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    pages = stub_streams(recorder_aws, STREAMS + "component_pages")  # two calls, the second with the nextToken
    assert len(pages) == 2 and not any(s["creationTime"] == 1795492502000 for s in pages[0]["logStreams"])
    record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
    assert ratio(recorder_aws, end) == [pytest.approx(125.38 / 305)]  # the same listing served the baseline


def test_more_streams_than_the_page_cap_withholds_the_log_stages(recorder_aws, monkeypatch, caplog):
    monkeypatch.setattr(stage_evidence, "STREAM_PAGES", 1)  # the cap reached with a nextToken left
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    first_page = fixtures.pages(STREAMS + "component_pages")[0]  # only the first page is ever asked for
    recorder_aws.stub("logs", "describe_log_streams").add_response("describe_log_streams", first_page, LISTING)
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == []
    assert lines(caplog, "recorder-log-streams-truncated")[0]["pages"] == 1


def test_a_variant_reads_only_its_own_streams(recorder_aws):
    """An endpoint's group holds every variant's ``<variant>/<instance-id>`` streams: the listing asks for the
    recorded variant's prefix (which DescribeLogStreams allows only in name order)."""
    staged = Config(**{**VARIANT_CONFIG.__dict__, "stage_logs": True})
    stub_run(recorder_aws, staged, VARIANT_SAMPLE, histories=[HISTORY + "none"])
    group = names.endpoint_log_group(staged.endpoint_name)
    fixtures.stub(recorder_aws.stub("logs", "describe_log_streams"), STREAMS + "none",
                  {"logGroupName": group, "orderBy": "LogStreamName", "limit": 50,
                   "logStreamNamePrefix": f"{staged.variant_name}/"})  # fmt: skip
    assert record(recorder_aws, staged, run_at(end_of(VARIANT_SAMPLE)))["scale_outs"] == 1


# Overlaps, several copies, a persisting alarm ------------------------------------------------------------------


def test_overlapping_scale_outs_publish_no_stage_from_each_others_streams(recorder_aws, caplog):
    """To 2 (03:53:05.120 -> 03:57:35.640, its copy waits for a new instance: first line 03:55:10.500) and to 3
    (03:53:40 -> 03:54:30, its copy on a running instance: first line 03:53:58). By the earliest new stream, the
    first would get the second's 52.9 s; neither can be told, so neither gets log stages (no listing is read: none
    is queued, and moto's empty account would answer ResourceNotFound, a different reason)."""
    first_end, second_end = end_of(OVERLAPPING, 1), end_of(OVERLAPPING, 0)
    with caplog.at_level("INFO"):  # one run records both (each activity is claimed on its own): two histories
        stub_run(recorder_aws, STAGED_CONFIG, OVERLAPPING, histories=[HISTORY + "component_alarm_high"] * 2)
        record(recorder_aws, STAGED_CONFIG, run_at(first_end))
    for end in (first_end, second_end):
        assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == []
        assert stage(recorder_aws, names.STAGE_LOAD_AND_HEALTH_CHECK, end) == []
        assert ratio(recorder_aws, end) == []
    # The alarm's one transition started the first; the second repeats its action.
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, first_end) == [pytest.approx(48.402)]
    assert stage(recorder_aws, names.STAGE_ALARM_EVALUATION, second_end) == []
    withheld = {line["activity"]: line["withheld"]["logs"] for line in lines(caplog, "recorder-stages-withheld")}
    assert withheld == {"3f6c1a2b-0021-4c1d-9e8f-1a2b3c4d5e21": "overlaps activities 3f6c1a2b-0020-4c1d-9e8f-1a2b3c4d5e20 of the target",
                        "3f6c1a2b-0020-4c1d-9e8f-1a2b3c4d5e20": "overlaps activities 3f6c1a2b-0021-4c1d-9e8f-1a2b3c4d5e21 of the target"}  # fmt: skip


def test_an_overridden_scale_out_overlaps_the_one_that_replaced_it(recorder_aws):
    name = AAS + "component_overridden"  # to 2 (Overridden 03:57:05), replaced by to 3 from 03:54:00
    end = end_of(name)
    stub_run(recorder_aws, STAGED_CONFIG, name, histories=[HISTORY + "none"])
    record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [238.0]
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == []  # its new streams may be the other's


@pytest.mark.parametrize("both_streams", [True, False], ids=["two-new-streams", "one-new-stream"])
def test_a_one_to_three_scale_out_ends_its_pull_at_the_last_copy(recorder_aws, caplog, both_streams):
    """1 -> 3: one copy on a running instance (first line 03:53:31), one on a new instance (03:55:10.500). The
    activity waited for the last; by the earliest stream ProvisioningAndPull would be 25.9 s."""
    end = end_of(ONE_TO_THREE)
    stub_run(recorder_aws, STAGED_CONFIG, ONE_TO_THREE, histories=[HISTORY + "none"])
    stub_streams(recorder_aws, edit=add_stream(at("2026-11-24T03:53:20"), at("2026-11-24T03:53:31")) if both_streams else None)
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    (line,) = lines(caplog, names.STAGES_LOG_EVENT)
    assert line["copies_added"] == 2
    if both_streams:
        assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
        assert stage(recorder_aws, names.STAGE_LOAD_AND_HEALTH_CHECK, end) == [pytest.approx(145.14)]
        assert ratio(recorder_aws, end) == []  # the cold baseline is one copy's: not like with like
        assert "several" in line["withheld"]["cache"]
    else:  # one stream for two new copies: which copy it is cannot be told
        assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == []
        assert line["withheld"] == {"logs": "1 new streams for 2 new copies"}


def test_an_alarm_that_stays_in_alarm_starts_only_its_first_activity(recorder_aws, caplog):
    """The alarm stays in ALARM from 03:52:58.402: the repeat at 04:05:00 must not get a 12-minute detection."""

    def stays_in_alarm(answer, _index):  # the cited history without its later ALARM -> OK
        answer["AlarmHistoryItems"] = [i for i in answer["AlarmHistoryItems"] if "to ALARM" in i["HistorySummary"]]

    first_end, repeat_end = end_of(REPEATS, 1), end_of(REPEATS, 0)
    with caplog.at_level("INFO"):  # one run records both (each activity is claimed on its own): two histories
        stub_run(recorder_aws, STAGED_CONFIG, REPEATS, histories=[HISTORY + "component_alarm_high"] * 2,
                 history_edit=stays_in_alarm)  # fmt: skip
        stub_streams(recorder_aws, STREAMS + "none")
        record(recorder_aws, STAGED_CONFIG, run_at(repeat_end))
    detection = stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS, first_end)
    assert detection == [(pytest.approx(first_end, abs=timedelta(seconds=1)), pytest.approx(55.12))]  # the first only
    assert stage(recorder_aws, names.STAGE_ALARM_TO_ACTIVITY, first_end) == [pytest.approx(6.718)]
    assert stage(recorder_aws, names.STAGE_ALARM_TO_ACTIVITY, repeat_end) == []
    (not_owned,) = lines(caplog, "recorder-alarm-transition-not-owned")
    assert (not_owned["activity"], not_owned["owner"]) == ("3f6c1a2b-0041-4c1d-9e8f-1a2b3c4d5e41",
                                                           "3f6c1a2b-0040-4c1d-9e8f-1a2b3c4d5e40")  # fmt: skip


# What each stage holds, for both model sources -----------------------------------------------------------------


@pytest.mark.parametrize(("component", "source"), [(S3_COMPONENT, ARTIFACTS), (HUB_COMPONENT, CONTAINER)])
def test_each_stage_says_what_it_holds_for_the_model_source(recorder_aws, caplog, component, source):
    end = end_of(IC_OUT)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"], component=component)
    stub_streams(recorder_aws)
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    (line,) = lines(caplog, names.STAGES_LOG_EVENT)
    assert line["model_source"] == source
    pull = line["stages"][names.STAGE_PROVISIONING_AND_PULL]["holds"]
    load = line["stages"][names.STAGE_LOAD_AND_HEALTH_CHECK]["holds"]
    downloads = [h for h in pull + load if "download" in h]
    if source == ARTIFACTS:  # SageMaker downloads S3 artifacts beside the pull, before the container's first line
        assert downloads == ["model download from S3 (beside the pull)"] and downloads[0] in pull
    else:  # the container downloads the hub model after it starts
        assert downloads == ["model download by the container"] and downloads[0] in load


def test_stage_holds_cover_both_stages_and_every_source():
    for source in (ARTIFACTS, CONTAINER, UNKNOWN):
        both = HOLDS[(names.STAGE_PROVISIONING_AND_PULL, source)] + HOLDS[(names.STAGE_LOAD_AND_HEALTH_CHECK, source)]
        assert sum("download" in h for h in both) == (2 if source == UNKNOWN else 1)


# The cold baseline, like with like ------------------------------------------------------------------------------


def test_a_component_added_long_after_its_endpoint_has_no_cold_baseline(recorder_aws, caplog):
    """Its first copy went onto instances already running: no provisioning, unlike a scale-out onto a new one."""
    end = end_of(IC_OUT)

    def created_a_day_earlier(answer, _index):
        answer["CreationTime"] = answer["CreationTime"] - timedelta(days=1)

    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"], endpoint_edit=created_a_day_earlier)
    stub_streams(recorder_aws)
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
    assert ratio(recorder_aws, end) == []
    assert "running instances" in lines(caplog, "recorder-cold-baseline-unknown")[0]["reason"]


def test_no_cold_baseline_when_the_first_streams_are_gone(recorder_aws, caplog):
    """Retention removed the cold deployment's stream: a stream created more than an hour after the component is
    no cold deployment, so no ratio (and nothing stored) rather than a wrong one."""
    end = end_of(IC_OUT)

    def without_the_cold_stream(answer, _index):
        answer["logStreams"] = [s for s in answer["logStreams"] if s["creationTime"] > 1795478400000]  # after 11-24

    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    stub_streams(recorder_aws, edit=without_the_cold_stream)
    with caplog.at_level("INFO"):
        record(recorder_aws, STAGED_CONFIG, run_at(end))
    assert ratio(recorder_aws, end) == []
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
    assert lines(caplog, "recorder-cold-baseline-unknown")


# SageMaker's own stages: overlaps as AWS defines them ------------------------------------------------------------


def test_e2e_scaling_latency_gap_from_a_stage_reader(recorder_aws):
    end = end_of(IC_OUT)  # ScaleOutLatency 270.52
    asked = []

    def reader(target, activity):
        asked.append((target.resource_id, activity["ActivityId"]))
        return {E2E: 262.0}

    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    stub_streams(recorder_aws, STREAMS + "none")
    Recorder(STAGED_CONFIG, recorder_aws.clients, now=lambda: run_at(end), stage_reader=reader).run(scheduled(run_at(end)))
    assert asked == [("inference-component/qwen3-8b-ic", "3f6c1a2b-0001-4c1d-9e8f-1a2b3c4d5e01")]
    gap = stats(recorder_aws, names.E2E_SCALING_LATENCY_GAP, COMPONENT_DIMS, end, "Minimum")
    assert [v for _, v in gap] == [pytest.approx(8.52)]


def test_the_log_bound_and_sagemakers_container_start_are_cross_checked(recorder_aws, caplog):
    end = end_of(IC_OUT)  # first line 03:55:10.500 -> end 03:57:35.640: LoadAndHealthCheck bound 145.14 s
    measured = {names.STAGE_CONTAINER_START: 140.0, names.STAGE_GPU_LOAD: 21.0, names.STAGE_MODEL_DOWNLOAD: 77.0}
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"], component=S3_COMPONENT)
    stub_streams(recorder_aws)
    with caplog.at_level("INFO"):
        Recorder(STAGED_CONFIG, recorder_aws.clients, now=lambda: run_at(end),
                 stage_reader=lambda _t, _a: measured).run(scheduled(run_at(end)))  # fmt: skip
    gap = stats(recorder_aws, names.LOG_BOUND_GAP, COMPONENT_DIMS, end, "Minimum")
    assert [v for _, v in gap] == [pytest.approx(5.14)]
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(130.52)]  # 270.52 - 140
    (line,) = lines(caplog, names.STAGES_LOG_EVENT)
    assert line["stages"][names.STAGE_GPU_LOAD]["within"] == names.STAGE_CONTAINER_START
    assert line["stages"][names.STAGE_MODEL_DOWNLOAD]["within"] == names.STAGE_PROVISIONING_AND_PULL
    assert names.STAGE_LOAD_AND_HEALTH_CHECK not in line["stages"]


def test_sagemaker_stages_are_modelled_as_aws_defines_them():
    started = datetime(2026, 11, 24, 3, 53, 5, tzinfo=timezone.utc)
    ended, first_event = started + timedelta(seconds=270), started + timedelta(seconds=125)
    bounded = stage_timeline(started=started, ended=ended, first_log_event=first_event)
    assert [(s.name, s.seconds, s.label) for s in bounded] == [
        (names.STAGE_PROVISIONING_AND_PULL, 125.0, "bounded"), (names.STAGE_LOAD_AND_HEALTH_CHECK, 145.0, "bounded")]
    measured = {names.STAGE_MODEL_DOWNLOAD: 77.0, names.STAGE_GPU_LOAD: 21.0, names.STAGE_CONTAINER_START: 140.0}
    s3 = stage_timeline(started=started, ended=ended, first_log_event=first_event, sagemaker=measured, source=ARTIFACTS)
    # ContainerStart contains the GPU load; the S3 download overlaps the pull: only two stages add up to 270 s.
    assert [(s.name, s.seconds, s.within) for s in s3] == [
        (names.STAGE_PROVISIONING_AND_PULL, 130.0, None), (names.STAGE_CONTAINER_START, 140.0, None),
        (names.STAGE_GPU_LOAD, 21.0, names.STAGE_CONTAINER_START),
        (names.STAGE_MODEL_DOWNLOAD, 77.0, names.STAGE_PROVISIONING_AND_PULL)]  # fmt: skip
    assert sum(s.seconds for s in s3 if s.within is None) == 270.0
    hub = stage_timeline(started=started, ended=ended, sagemaker=measured, source=CONTAINER)
    assert next(s for s in hub if s.name == names.STAGE_MODEL_DOWNLOAD).within == names.STAGE_CONTAINER_START
    # A container's own download must fit in ContainerStart with the GPU load: 77 + 21 > 90 is inconsistent.
    tight = {**measured, names.STAGE_CONTAINER_START: 90.0}
    assert stage_timeline(started=started, ended=ended, sagemaker=tight, source=CONTAINER) == []
    assert [s.name for s in stage_timeline(started=started, ended=ended, sagemaker=tight, source=ARTIFACTS)][:2] == [
        names.STAGE_PROVISIONING_AND_PULL, names.STAGE_CONTAINER_START]
    # GPU load longer than the container start that contains it: the log bounds stay.
    wrong = {**measured, names.STAGE_GPU_LOAD: 150.0}
    assert [s.name for s in stage_timeline(started=started, ended=ended, first_log_event=first_event, sagemaker=wrong)] == [
        names.STAGE_PROVISIONING_AND_PULL, names.STAGE_LOAD_AND_HEALTH_CHECK]
    # An S3 download longer than everything before the container started: the log bounds stay.
    slow = {**measured, names.STAGE_MODEL_DOWNLOAD: 131.0}
    assert names.STAGE_CONTAINER_START not in [s.name for s in stage_timeline(started=started, ended=ended,
                                                                              sagemaker=slow, source=ARTIFACTS)]  # fmt: skip
    # An ALARM after the activity started did not start it: no detection stages.
    late_alarm = (started - timedelta(seconds=30), started + timedelta(seconds=2))
    assert stage_timeline(started=started, ended=ended, alarm=late_alarm) == []
    # A first event outside the activity is not its copy's.
    assert stage_timeline(started=started, ended=ended, first_log_event=ended + timedelta(seconds=1)) == []
    assert log_bound_gap(s3, first_event, ended) == pytest.approx(5.0)
    assert log_bound_gap(bounded, first_event, ended) is None


def test_stream_attribution_counts_new_streams_against_new_copies():
    streams = fixtures.response(STREAMS + "component_scale_out")["logStreams"]
    day = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    assert first_stream_event(streams, day, day + timedelta(days=1)) == datetime(2026, 11, 23, 9, 13, 5, tzinfo=timezone.utc)
    scale_out = datetime(2026, 11, 24, 3, 53, 5, 120000, tzinfo=timezone.utc)
    window = (scale_out, scale_out + timedelta(minutes=5))
    assert activity_streams(streams, *window, 1).last_first_event == datetime(2026, 11, 24, 3, 55, 10, 500000,
                                                                             tzinfo=timezone.utc)  # fmt: skip
    assert activity_streams(streams, *window, None).reason is None  # one stream, copies unknown: one copy
    assert activity_streams(streams, *window, 2).reason == "1 new streams for 2 new copies"
    assert activity_streams(streams, day - timedelta(days=1), day, 1).last_first_event is None


def test_an_activity_replaced_at_the_instant_another_starts_overlaps_it():
    """Overridden at B's start: its copy may still land in B's span, so the meeting instant counts as overlap."""
    from constructs_pkg.runtime.attribution import overlapping

    replaced = {"ActivityId": "a", "StartTime": at("2026-11-24T03:52:00"), "EndTime": at("2026-11-24T03:54:00"),
                "StatusCode": "Overridden"}  # fmt: skip
    replacing = {"ActivityId": "b", "StartTime": at("2026-11-24T03:54:00"), "EndTime": at("2026-11-24T03:58:00")}
    assert overlapping(replacing, [replacing, replaced]) == ["a"]
    assert overlapping(replaced, [replacing, replaced]) == ["b"]
    later = {**replacing, "ActivityId": "c", "StartTime": at("2026-11-24T03:54:01")}
    assert overlapping(later, [later, replaced]) == []


def test_a_malformed_alarm_history_costs_only_the_detection(recorder_aws, caplog):
    end = end_of(IC_OUT)

    def malformed(answer, _index):  # the cited history with HistoryData that is not JSON
        for item in answer["AlarmHistoryItems"]:
            item["HistoryData"] = "{not json"

    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "component_alarm_high"], history_edit=malformed)
    stub_streams(recorder_aws)
    with caplog.at_level("INFO"):
        assert record(recorder_aws, STAGED_CONFIG, run_at(end))["scale_outs"] == 1
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [pytest.approx(270.52)]
    assert stats(recorder_aws, names.SCALE_OUT_DETECTION_LATENCY, COMPONENT_DIMS, end) == []
    assert stage(recorder_aws, names.STAGE_PROVISIONING_AND_PULL, end) == [pytest.approx(125.38)]
    assert lines(caplog, "recorder-alarm-history-failed")


def test_with_a_stage_reader_an_activity_is_claimed_only_once_its_metrics_have_settled(recorder_aws):
    """SageMaker's stage metrics are read up to ``SETTLE`` after the activity's end: a run before that leaves the
    activity unclaimed, and the run after it records the activity, with its stages, once."""
    from constructs_pkg.runtime.lifecycle_metrics import SETTLE

    end = end_of(IC_OUT)
    read: list[str] = []
    reader = lambda _t, activity: read.append(activity["ActivityId"]) or {names.STAGE_E2E: 260.0}  # noqa: E731
    early = end + SETTLE - timedelta(seconds=30)
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[])
    first = Recorder(STAGED_CONFIG, recorder_aws.clients, now=lambda: early, stage_reader=reader).run(scheduled(early))
    assert first["scale_outs"] == 0 and read == []
    stub_run(recorder_aws, STAGED_CONFIG, IC_OUT, histories=[HISTORY + "none"])
    stub_streams(recorder_aws)
    later = run_at(end)
    assert Recorder(STAGED_CONFIG, recorder_aws.clients, now=lambda: later, stage_reader=reader).run(scheduled(later))[
        "scale_outs"] == 1  # fmt: skip
    assert len(read) == 1
    assert [v for _, v in stats(recorder_aws, names.SCALE_OUT_LATENCY, COMPONENT_DIMS, end)] == [pytest.approx(270.52)]
