"""How a conscript's status follows from approved evidence. Plain Python.

A status is never typed in: it is derived from the evidence that moderators
approved. This module holds the rules so they can be tested alone; the
service ``conscripts.services.conscript_recompute_status`` applies them.

The rules, applied to claims in event-date order:

1. With no claim a person is missing.
2. In general the latest claim wins (missing → captured → returned, …).
3. A ``missing`` claim after a ``captured`` one does not undo the capture:
   relatives keep posting search requests after a prisoner video.
4. A ``dead`` claim from a death notice or an official statement stands
   against later claims, unless a later *credible* one (a prisoner video, an
   exchange list, an official statement, or any ``returned`` claim)
   contradicts it: then that claim wins and the person is marked disputed.
5. Two death notices (or official death statements) with different event
   dates: still dead, but disputed.
6. Once disputed, a person stays disputed until a moderator retracts the
   evidence at fault; the reasons list every contradiction found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

MISSING = "missing"
CAPTURED = "captured"
DEAD = "dead"
RETURNED = "returned"

# Evidence kinds (the values of conscripts.models.EvidenceKind).
SEARCH_POST = "search_post"
PRISONER_VIDEO = "prisoner_video"
EXCHANGE_LIST = "exchange_list"
DEATH_NOTICE = "death_notice"
OFFICIAL_STATEMENT = "official"

#: Kinds whose death claim stands against later, weaker claims.
AUTHORITATIVE_DEATH = frozenset({DEATH_NOTICE, OFFICIAL_STATEMENT})
#: Kinds that may contradict an authoritative death claim (so may any ``returned``).
CREDIBLE_AGAINST_DEATH = frozenset({PRISONER_VIDEO, EXCHANGE_LIST, OFFICIAL_STATEMENT})


DAY = "day"  # the precisions of core.partial_dates


@dataclass(frozen=True)
class Fact:
    """One piece of approved evidence, reduced to what the rules read.

    ``recorded_on`` is the local calendar day of ``recorded_at`` (the caller computes it
    in the site's time zone: a UTC day is a day early in Moscow from 21:00 to 24:00 UTC).
    """

    key: object  # the evidence's primary key, handed back in the outcome
    claimed_status: str  # "" when the evidence claims no status
    event_date: date | None
    recorded_at: datetime  # published or added; orders facts of one day
    recorded_on: date  # the local day of recorded_at; dates facts without event date
    kind: str = ""  # EvidenceKind value; "" reads as an ordinary claim
    event_precision: str = DAY  # how exact event_date is (day, month, year, about)


@dataclass(frozen=True)
class Outcome:
    status: str
    since: date | None
    because_of: object  # key of the deciding fact, or None
    disputed: bool = False
    reason: str = ""  # why it is disputed, one sentence per contradiction
    since_precision: str = DAY


def _day(fact: Fact) -> date:
    # Facts without an event date are placed at the day they were published or added.
    return fact.event_date or fact.recorded_on


def _precision(fact: Fact) -> str:
    return fact.event_precision if fact.event_date else DAY


def _order(fact: Fact) -> tuple:
    return (_day(fact), fact.recorded_at)


def _describe(fact: Fact) -> str:
    what = (fact.kind or "evidence").replace("_", " ")
    return f"{what} of {_day(fact).isoformat()}"


def derive_status(facts: Iterable[Fact]) -> Outcome:
    """The status implied by ``facts`` under the rules in the module docstring."""
    claims = sorted((f for f in facts if f.claimed_status), key=_order)
    if not claims:
        return Outcome(status=MISSING, since=None, because_of=None)
    decisive: Fact | None = None
    death_stands = False  # the decisive fact is an authoritative death claim
    deaths: list[Fact] = []
    reasons: list[str] = []
    for fact in claims:
        status = fact.claimed_status
        if status == DEAD and fact.kind in AUTHORITATIVE_DEATH:
            for earlier in deaths:
                if earlier.event_date and fact.event_date and earlier.event_date != fact.event_date:
                    reasons.append(
                        f"two death reports disagree on the date: "
                        f"{_describe(earlier)} and {_describe(fact)}"
                    )
                    break
            deaths.append(fact)
            decisive, death_stands = fact, True
            continue
        if death_stands and decisive is not None:
            if status != DEAD and (fact.kind in CREDIBLE_AGAINST_DEATH or status == RETURNED):
                reasons.append(
                    f"{_describe(fact)} ({status}) contradicts the earlier "
                    f"{_describe(decisive)} (dead)"
                )
                decisive, death_stands = fact, False
            # Weaker claims (a relative's post, a media report) leave the death standing.
            continue
        if status == MISSING and decisive is not None and decisive.claimed_status == CAPTURED:
            continue
        decisive, death_stands = fact, False
    assert decisive is not None  # noqa: S101 - claims is not empty
    return Outcome(
        status=decisive.claimed_status,
        since=_day(decisive),
        because_of=decisive.key,
        disputed=bool(reasons),
        reason="; ".join(reasons),
        since_precision=_precision(decisive),
    )


# --- What a person row stores, and when a change is recorded -----------------------------
#: (status, since, since precision, disputed, reason): the fields of a person row an
#: outcome sets.
State = tuple[str, "date | None", str, bool, str]
#: The state of a person with no evidence (what a new record starts as).
INITIAL: State = (MISSING, None, DAY, False, "")


def state_of(outcome: Outcome) -> State:
    """What a person row stores of ``outcome`` (``because_of`` is not stored)."""
    return (
        outcome.status,
        outcome.since,
        outcome.since_precision,
        outcome.disputed,
        outcome.reason,
    )


@dataclass(frozen=True)
class Transition:
    """A status change to record: ``from_status`` is "" for a person's first one."""

    from_status: str
    to_status: str
    since: date | None
    because_of: object  # key of the deciding fact
    since_precision: str = DAY


def transition(previous: State, outcome: Outcome, *, recorded: bool) -> Transition | None:
    """The change to record when a person's derived state goes from ``previous`` to
    ``outcome``, given whether any change was ``recorded`` for them before; None if none.

    One is recorded when the status moves, or for the first outcome that differs from
    the initial state (a first claim of «missing» with its date). A state that differs
    only in date, dispute or reason updates the row without a change of status.
    """
    if state_of(outcome) == tuple(previous):
        return None
    if outcome.status == previous[0] and recorded:
        return None
    return Transition(
        from_status=previous[0] if recorded else "",
        to_status=outcome.status,
        since=outcome.since,
        because_of=outcome.because_of,
        since_precision=outcome.since_precision,
    )
