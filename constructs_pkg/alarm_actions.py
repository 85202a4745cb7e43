"""Alarm routing in one place: the actions (and OK actions) every alarm the library makes should carry.

``alarm_actions=[...]`` and ``ok_actions=[...]`` on an endpoint (and on a recorder or guard made on its own) attach
an aspect to that construct. At synthesis the aspect visits every CloudWatch alarm (``cw.Alarm``,
``cw.PromQLAlarm``, ``cw.CompositeAlarm``: any ``cw.AlarmBase``) under it, including alarms that components,
the recorder or the guard created after the endpoint was constructed, and adds the actions once. Components placed
outside the endpoint's construct tree (``InferenceComponent(scope, ..., endpoint=endpoint)``) get the same aspect
when they register with the endpoint.

Only the library's own alarms are touched: an alarm is the library's when the first construct above it that is
neither a plain ``constructs.Construct`` nor an AWS CDK construct (such as a ``lambda_.Function`` the library made) is
one of the library's classes (``constructs_pkg.*``). An alarm you create with one of the library's constructs as its
scope counts as the library's; ``exclude_from_alarm_actions(alarm)`` leaves any one alarm alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Aspects, IAspect
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct, IConstruct

from .errors import invalid

__all__ = ["exclude_from_alarm_actions", "is_excluded_from_alarm_actions"]

#: The metadata type that marks an alarm left out of the library's routing (it appears in the cloud assembly).
EXCLUDE_METADATA = "constructs-pkg:alarm-actions:exclude"
_PACKAGE = __name__.split(".")[0]
#: Modules whose constructs an alarm's ownership passes through: groupings and AWS CDK resources.
_PASS_THROUGH = frozenset({"constructs", "aws_cdk"})


def exclude_from_alarm_actions(alarm: cw.IAlarm) -> None:
    """Leave ``alarm`` out of every ``alarm_actions``/``ok_actions`` routing: it keeps only the actions added to it
    directly."""
    if not isinstance(alarm, Construct):
        raise invalid("exclude_from_alarm_actions", f"alarm must be an alarm defined in this app (cw.Alarm), got {alarm!r}")
    alarm.node.add_metadata(EXCLUDE_METADATA, True, stack_trace=False)


def is_excluded_from_alarm_actions(alarm: IConstruct) -> bool:
    return any(entry.type == EXCLUDE_METADATA for entry in alarm.node.metadata)


def validate_actions(errors: list[str], prop: str, actions: Any) -> None:
    """``actions`` must be None or a list of ``cw.IAlarmAction`` (anything with ``bind``, such as
    ``cw_actions.SnsAction(topic)``)."""
    if actions is None:
        return
    if isinstance(actions, (str, bytes)) or not isinstance(actions, Sequence):
        errors.append(f"{prop} must be a list of cloudwatch.IAlarmAction (e.g. [cw_actions.SnsAction(topic)]), got {actions!r}")
        return
    for action in actions:
        if not callable(getattr(action, "bind", None)):
            errors.append(
                f"{prop} must hold cloudwatch.IAlarmAction objects (e.g. cw_actions.SnsAction(topic)), got {action!r}"
            )


def is_library_alarm(node: IConstruct) -> bool:
    """True for an alarm whose owner is the library's: walking up from the alarm past plain ``Construct`` groupings
    and AWS CDK constructs (a function the library made, say), the first other class met is one of the library's."""
    if not isinstance(node, cw.AlarmBase):
        return False
    owner = node.node.scope
    while owner is not None and type(owner).__module__.split(".")[0] in _PASS_THROUGH:
        owner = owner.node.scope
    return owner is not None and type(owner).__module__.split(".")[0] == _PACKAGE


@jsii.implements(IAspect)
class AlarmRouting:
    """Adds ``alarm_actions`` and ``ok_actions`` to each library alarm it visits, once per alarm."""

    def __init__(self, alarm_actions: Sequence[cw.IAlarmAction], ok_actions: Sequence[cw.IAlarmAction]) -> None:
        self.alarm_actions = list(alarm_actions)
        self.ok_actions = list(ok_actions)
        self._done: set[str] = set()

    def visit(self, node: IConstruct) -> None:
        if not is_library_alarm(node):
            return
        address = node.node.addr
        if address in self._done or is_excluded_from_alarm_actions(node):
            return
        self._done.add(address)
        alarm: Any = node
        if self.alarm_actions:
            alarm.add_alarm_action(*self.alarm_actions)
        if self.ok_actions:
            alarm.add_ok_action(*self.ok_actions)


def route_alarms(
    scope: IConstruct,
    alarm_actions: Sequence[cw.IAlarmAction] | None,
    ok_actions: Sequence[cw.IAlarmAction] | None,
) -> AlarmRouting | None:
    """Attach the routing aspect to ``scope`` when either list is non-empty; returns it (None when nothing to route)."""
    if not alarm_actions and not ok_actions:
        return None
    routing = AlarmRouting(alarm_actions or (), ok_actions or ())
    Aspects.of(scope).add(routing)
    return routing


def is_under(node: IConstruct, scope: IConstruct) -> bool:
    """True when ``node`` is ``scope`` or one of its descendants."""
    path, root = node.node.path, scope.node.path
    return node.node.root is scope.node.root and (path == root or path.startswith(root + "/") or root == "")
