"""Claims that survive a killed run: the recorder's exactly-once, in the shape of Powertools' idempotency records.

A claim is one DynamoDB item per unit of publishing (a scale-out activity, a run's counts), keyed ``pk``:
- ``take`` writes it ``INPROGRESS`` with a lease that ends when the function must have ended (the function's remaining
  time, plus ``LEASE_SKEW`` for clocks that disagree). The write is conditional: it succeeds when no claim exists, or
  when the claim is ``INPROGRESS`` and its lease has ended (the run that held it was killed: a timeout, an
  out-of-memory, a ``BaseException`` that no ``except Exception`` sees). A ``COMPLETED`` claim, or a live lease, refuses.
- ``complete`` rewrites it ``COMPLETED`` after the publish, so no later run publishes that unit again.
- ``release`` deletes this run's own ``INPROGRESS`` claim after a failure it caught, so the retry need not wait for
  the lease.
Every claim expires (DynamoDB TTL, attribute ``expires``) after ``CLAIM_TTL``, which must outlast the recorder's
lookback (``runtime.recorder.RECORD_LOOKBACK``): a unit is looked at only while its claim exists.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from .aws import Clients, error_code
from .records import log_event

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)
_log = partial(log_event, LOG)  # one JSON line per event (runtime.records)

INPROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"
CLAIM_TTL = timedelta(days=2)
#: Added to every lease: how far two Lambda hosts' clocks may disagree before a live claim is taken over.
LEASE_SKEW = timedelta(seconds=10)
_TAKE = "attribute_not_exists(pk) OR (#status = :inprogress AND #lease < :now)"
_RELEASE = "#status = :inprogress AND #owner = :owner"


class Claims:
    """The claims of one run in ``table``. ``now`` is the run's clock; ``remaining`` the function's time left."""

    def __init__(self, clients: Clients, table: str, *, now: Callable[[], datetime],
                 remaining: Callable[[], float]) -> None:  # fmt: skip
        self.clients = clients
        self.table = table
        self.now = now
        self.remaining = remaining
        #: Written into each claim this run takes, so it releases only its own.
        self.owner = uuid.uuid4().hex

    def take(self, key: str) -> bool:
        """Claim ``key``: True when this run now holds it; False when it is completed or held by a live run.
        Any other error propagates."""
        now = self.now()
        lease = now + timedelta(seconds=max(self.remaining(), 0.0)) + LEASE_SKEW
        item = {
            "pk": {"S": key},
            "status": {"S": INPROGRESS},
            "lease": {"N": str(int(lease.timestamp()) + 1)},  # rounded up: never shorter than the function
            "owner": {"S": self.owner},
            "expires": {"N": str(int((now + CLAIM_TTL).timestamp()))},
        }
        try:
            self.clients.call("dynamodb", "put_item", TableName=self.table, Item=item, ConditionExpression=_TAKE,
                              ExpressionAttributeNames={"#status": "status", "#lease": "lease"},
                              ExpressionAttributeValues={":inprogress": {"S": INPROGRESS},
                                                         ":now": {"N": str(int(now.timestamp()))}})  # fmt: skip
            return True
        except Exception as error:  # noqa: BLE001
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise

    def complete(self, key: str) -> bool:
        """Mark ``key`` published. False (logged) when the write fails: then the claim stays ``INPROGRESS`` and a
        run after its lease publishes the unit again (the one double publish left; see ``runtime.recorder``)."""
        item = {"pk": {"S": key}, "status": {"S": COMPLETED}, "owner": {"S": self.owner},
                "expires": {"N": str(int((self.now() + CLAIM_TTL).timestamp()))}}  # fmt: skip
        try:
            self.clients.call("dynamodb", "put_item", TableName=self.table, Item=item)
            return True
        except Exception as error:  # noqa: BLE001 - the datums are out; failing the run would not take them back
            _log("recorder-claim-complete-failed", key=key, error=error_code(error) or str(error))
            return False

    def release(self, key: str) -> None:
        """Give back this run's own ``INPROGRESS`` claim (best effort: the lease ends anyway)."""
        try:
            self.clients.call("dynamodb", "delete_item", TableName=self.table, Key={"pk": {"S": key}},
                              ConditionExpression=_RELEASE,
                              ExpressionAttributeNames={"#status": "status", "#owner": "owner"},
                              ExpressionAttributeValues={":inprogress": {"S": INPROGRESS},
                                                         ":owner": {"S": self.owner}})  # fmt: skip
        except Exception as error:  # noqa: BLE001 - the original failure matters more
            _log("recorder-release-failed", key=key, error=error_code(error) or str(error))
