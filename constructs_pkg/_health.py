"""Alarms that keep the library's own machinery from failing in silence: each function's errors and throttles, the
recorder's heartbeat, and an unverified cache purge. Each alarm has no action (the library cannot choose who is
told); the dashboard shows them all, and ``add_alarm_action(...)`` on any of them routes it."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from . import _nag

_PERIOD = Duration.minutes(5)
#: Minutes without a heartbeat before the heartbeat alarm fires: one late or retried run does not trip it.
HEARTBEAT_MINUTES = 5
NO_ACTION_REASON = (
    "The library cannot choose who is told; the dashboard shows this alarm, and add_alarm_action(...) on it routes it."
)


def function_alarms(function: lambda_.Function, what: str) -> list[cw.Alarm]:
    """An alarm on ``function``'s Errors and one on its Throttles (sum over 5 minutes >= 1). No invocations is no
    failure, so missing data is OK; silence of a scheduled function is what a heartbeat alarm is for."""
    scope = function.node.scope
    assert isinstance(scope, Construct)
    alarms = []
    for kind, metric in (("Errors", function.metric_errors), ("Throttles", function.metric_throttles)):
        alarm = metric(statistic="Sum", period=_PERIOD).create_alarm(
            scope,
            f"{function.node.id}{kind}Alarm",
            alarm_description=f"The {what} function reported {kind.lower()} (sum over 5 minutes >= 1); its log group "
            "says why",
            threshold=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        _nag.acknowledge_rule(alarm, "CloudWatchAlarmAction", NO_ACTION_REASON)
        alarms.append(alarm)
    return alarms


def heartbeat_alarm(scope: Construct, id: str, heartbeat: cw.Metric, what: str) -> cw.Alarm:
    """In ALARM after ``HEARTBEAT_MINUTES`` minutes without one heartbeat a minute: missing data breaches."""
    alarm = cw.Alarm(
        scope,
        id,
        metric=heartbeat.with_(statistic="SampleCount", period=Duration.minutes(1)),
        alarm_description=f"The {what} published no heartbeat for {HEARTBEAT_MINUTES} minutes: it is not running, "
        "or cannot publish, and its metrics and alarms are blind",
        threshold=1,
        comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluation_periods=HEARTBEAT_MINUTES,
        datapoints_to_alarm=HEARTBEAT_MINUTES,
        treat_missing_data=cw.TreatMissingData.BREACHING,
    )
    _nag.acknowledge_rule(alarm, "CloudWatchAlarmAction", NO_ACTION_REASON)
    return alarm


def purge_alarm(scope: Construct, id: str, verified: cw.Metric, endpoint_name: str, removal_policy: RemovalPolicy) -> cw.Alarm:
    """In ALARM when the cache guard publishes ``CachePurgeVerified`` 0. The guard publishes while the endpoint is
    being deleted, usually with the whole stack, so the alarm is kept by ``removal_policy`` (default RETAIN, like the
    guard's log groups): a deleted alarm would never evaluate the verdict."""
    alarm = cw.Alarm(
        scope,
        id,
        metric=verified.with_(statistic="Minimum", period=_PERIOD),
        alarm_description=f"The cache guard could not verify that SageMaker endpoint {endpoint_name} and its cached "
        "images are gone (CachePurgeVerified = 0); its log group says what it saw",
        threshold=1,
        comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,  # no deletion, no verdict
    )
    alarm.apply_removal_policy(removal_policy)
    _nag.acknowledge_rule(alarm, "CloudWatchAlarmAction", NO_ACTION_REASON)
    return alarm
