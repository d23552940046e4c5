"""How a conscript's status follows from approved evidence. Plain Python.

A status is never typed in: it is derived from the evidence that moderators
approved. This module holds the rules so they can be tested alone; the
service ``conscripts.services.conscript_recompute_status`` applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

MISSING = "missing"
CAPTURED = "captured"
DEAD = "dead"
RETURNED = "returned"


@dataclass(frozen=True)
class Fact:
    """One piece of approved evidence, reduced to what the rules read."""

    key: object  # the evidence's primary key, handed back in the outcome
    claimed_status: str  # "" when the evidence claims no status
    event_date: date | None
    recorded_at: datetime  # published or added; orders facts without event date


@dataclass(frozen=True)
class Outcome:
    status: str
    since: date | None
    because_of: object  # key of the deciding fact, or None


def _order(fact: Fact) -> tuple:
    # Facts without an event date are placed at the day they were recorded.
    day = fact.event_date or fact.recorded_at.date()
    return (day, fact.recorded_at)


def derive_status(facts: Iterable[Fact]) -> Outcome:
    """The status implied by ``facts``: the latest claim by event date wins.

    With no claim at all a person is missing: they are only in the record
    because someone is looking for them.
    """
    claims = sorted((f for f in facts if f.claimed_status), key=_order)
    if not claims:
        return Outcome(status=MISSING, since=None, because_of=None)
    decisive = claims[-1]
    return Outcome(
        status=decisive.claimed_status,
        since=decisive.event_date or decisive.recorded_at.date(),
        because_of=decisive.key,
    )
