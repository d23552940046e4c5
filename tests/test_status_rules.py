"""The status rules, alone (conscripts.status_rules), and once through evidence_add."""

import datetime

import pytest

from conscripts import services, status_rules
from conscripts.models import EvidenceKind, Status
from conscripts.status_rules import Fact, derive_status
from tests.factories import ConscriptFactory

D = datetime.date
RECORDED = datetime.datetime(2025, 1, 15, 12, 0, tzinfo=datetime.UTC)
RECORDED_ON = D(2025, 1, 15)  # the caller gives the local day (services.evidence_fact)


def fact(key, status, day, kind="other", precision="day"):
    return Fact(
        key=key,
        claimed_status=status,
        event_date=day,
        recorded_at=RECORDED,
        recorded_on=RECORDED_ON,
        kind=kind,
        event_precision=precision,
    )


def test_a_person_with_no_claims_is_missing_and_undisputed():
    outcome = derive_status([fact(1, "", D(2024, 9, 1))])
    assert (outcome.status, outcome.since, outcome.disputed, outcome.reason) == (
        "missing",
        None,
        False,
        "",
    )


def test_the_latest_claim_wins_from_missing_to_captured_to_returned():
    outcome = derive_status(
        [
            fact(3, "returned", D(2024, 12, 30), "exchange_list"),
            fact(1, "missing", D(2024, 8, 10), "search_post"),
            fact(2, "captured", D(2024, 9, 1), "prisoner_video"),
        ]
    )
    assert (outcome.status, outcome.since, outcome.because_of) == ("returned", D(2024, 12, 30), 3)
    assert not outcome.disputed


def test_returned_after_captured_is_returned():
    outcome = derive_status(
        [
            fact(1, "captured", D(2024, 9, 1), "prisoner_video"),
            fact(2, "returned", D(2025, 1, 5), "media_report"),
        ]
    )
    assert (outcome.status, outcome.disputed) == ("returned", False)


def test_a_relatives_search_post_after_a_capture_video_does_not_undo_the_capture():
    outcome = derive_status(
        [
            fact(1, "captured", D(2024, 9, 1), "prisoner_video"),
            fact(2, "missing", D(2024, 10, 1), "search_post"),
        ]
    )
    assert (outcome.status, outcome.since, outcome.because_of) == ("captured", D(2024, 9, 1), 1)
    assert not outcome.disputed


def test_a_death_notice_stands_against_a_later_relatives_post():
    outcome = derive_status(
        [
            fact(1, "dead", D(2024, 9, 5), "death_notice"),
            fact(2, "missing", D(2024, 11, 1), "search_post"),
            fact(3, "captured", D(2024, 11, 2), "media_report"),
        ]
    )
    assert (outcome.status, outcome.because_of, outcome.disputed) == ("dead", 1, False)


def test_an_official_statement_of_death_stands_like_a_death_notice():
    outcome = derive_status(
        [
            fact(1, "captured", D(2024, 9, 1), "prisoner_video"),
            fact(2, "dead", D(2024, 10, 1), "official"),
            fact(3, "missing", D(2024, 11, 1), "search_post"),
        ]
    )
    assert (outcome.status, outcome.because_of, outcome.disputed) == ("dead", 2, False)


def test_a_prisoner_video_dated_after_a_death_notice_makes_the_record_disputed():
    outcome = derive_status(
        [
            fact(1, "dead", D(2024, 9, 5), "death_notice"),
            fact(2, "captured", D(2024, 10, 20), "prisoner_video"),
        ]
    )
    assert (outcome.status, outcome.because_of, outcome.disputed) == ("captured", 2, True)
    assert "prisoner video of 2024-10-20" in outcome.reason
    assert "death notice of 2024-09-05" in outcome.reason


def test_a_prisoner_video_dated_before_a_death_notice_is_no_contradiction():
    outcome = derive_status(
        [
            fact(1, "captured", D(2024, 9, 1), "prisoner_video"),
            fact(2, "dead", D(2024, 10, 5), "death_notice"),
        ]
    )
    assert (outcome.status, outcome.disputed) == ("dead", False)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("returned", "exchange_list"),
        ("captured", "exchange_list"),
        ("captured", "official"),
        ("returned", "media_report"),
    ],
)
def test_later_credible_evidence_contradicts_a_death_notice(status, kind):
    outcome = derive_status(
        [fact(1, "dead", D(2024, 9, 5), "death_notice"), fact(2, status, D(2025, 1, 5), kind)]
    )
    assert (outcome.status, outcome.disputed) == (status, True)


def test_two_death_notices_with_different_dates_are_disputed_but_still_dead():
    outcome = derive_status(
        [
            fact(1, "dead", D(2024, 9, 5), "death_notice"),
            fact(2, "dead", D(2024, 10, 12), "death_notice"),
        ]
    )
    assert (outcome.status, outcome.disputed) == ("dead", True)
    assert "disagree on the date" in outcome.reason


def test_two_death_notices_with_the_same_date_agree():
    outcome = derive_status(
        [
            fact(1, "dead", D(2024, 9, 5), "death_notice"),
            fact(2, "dead", D(2024, 9, 5), "official"),
        ]
    )
    assert (outcome.status, outcome.disputed) == ("dead", False)


def test_a_dead_claim_from_a_weak_source_is_an_ordinary_claim():
    outcome = derive_status(
        [
            fact(1, "dead", D(2024, 9, 5), "media_report"),
            fact(2, "captured", D(2024, 10, 1), "prisoner_video"),
        ]
    )
    assert (outcome.status, outcome.disputed) == ("captured", False)


def test_a_contradiction_stays_on_record_after_later_news():
    outcome = derive_status(
        [
            fact(1, "dead", D(2024, 9, 5), "death_notice"),
            fact(2, "captured", D(2024, 10, 20), "prisoner_video"),
            fact(3, "returned", D(2025, 1, 5), "exchange_list"),
        ]
    )
    assert (outcome.status, outcome.disputed) == ("returned", True)


def test_facts_without_an_event_date_count_from_the_day_they_were_recorded():
    outcome = derive_status(
        [fact(1, "captured", D(2024, 9, 1), "prisoner_video"), fact(2, "returned", None)]
    )
    assert (outcome.status, outcome.since) == ("returned", RECORDED_ON)


def test_a_status_is_as_precise_as_the_evidence_that_decided_it():
    outcome = derive_status(
        [
            fact(1, "missing", D(2024, 8, 6), "search_post"),
            fact(2, "captured", D(2025, 1, 1), "prisoner_video", precision="month"),
        ]
    )
    assert (outcome.status, outcome.since, outcome.since_precision) == (
        "captured",
        D(2025, 1, 1),
        "month",
    )
    undated = derive_status([fact(1, "captured", None, "prisoner_video", precision="month")])
    assert (undated.since, undated.since_precision) == (RECORDED_ON, "day")


@pytest.mark.parametrize(
    ("moment", "local_day"),
    [
        # 22:30 UTC is 01:30 the next day in Moscow: the UTC day would be a day early.
        (datetime.datetime(2026, 12, 4, 22, 30, tzinfo=datetime.UTC), D(2026, 12, 5)),
        # 00:30 Moscow is 21:30 UTC the day before.
        (datetime.datetime(2026, 12, 4, 21, 30, tzinfo=datetime.UTC), D(2026, 12, 5)),
        (datetime.datetime(2026, 12, 4, 20, 59, tzinfo=datetime.UTC), D(2026, 12, 4)),
    ],
)
def test_undated_evidence_counts_from_the_local_day_it_was_published(moment, local_day):
    built = services.evidence_fact(
        key=1,
        kind="exchange_list",
        claimed_status="returned",
        event_date=None,
        event_precision="day",
        published_at=moment,
        added_at=moment + datetime.timedelta(days=3),
    )
    assert built.recorded_on == local_day
    assert derive_status([built]).since == local_day


@pytest.mark.django_db
def test_evidence_add_marks_a_record_disputed_and_keeps_the_reason():
    person = ConscriptFactory()
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.DEATH_NOTICE,
        claimed_status=Status.DEAD,
        event_date=D(2024, 9, 5),
    )
    person.refresh_from_db()
    assert (person.status, person.is_disputed) == (Status.DEAD, False)
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 10, 20),
    )
    person.refresh_from_db()
    assert (person.status, person.is_disputed) == (Status.CAPTURED, True)
    assert "contradicts" in person.disputed_reason
    assert list(person.status_changes.values_list("to_status", flat=True)) == [
        Status.DEAD,
        Status.CAPTURED,
    ]


# --- When a change is recorded (status_rules.transition, used by every writer) ----------
def _outcome(status, since, *, disputed=False, because_of=1):
    return status_rules.Outcome(
        status=status, since=since, because_of=because_of, disputed=disputed, reason=""
    )


def _state(status, since, disputed=False, reason=""):
    return (status, since, "day", disputed, reason)


def test_a_first_claim_is_recorded_even_when_it_says_missing():
    step = status_rules.transition(
        status_rules.INITIAL, _outcome("missing", D(2024, 8, 10)), recorded=False
    )
    assert step == status_rules.Transition("", "missing", D(2024, 8, 10), 1)


def test_nothing_is_recorded_when_nothing_moved_or_only_the_date_or_dispute_did():
    state = _state("captured", D(2024, 9, 1))
    same = _outcome("captured", D(2024, 9, 1))
    assert status_rules.transition(state, same, recorded=True) is None
    assert (
        status_rules.transition(state, _outcome("captured", D(2024, 9, 5)), recorded=True) is None
    )
    disputed = _outcome("captured", D(2024, 9, 1), disputed=True)
    assert status_rules.transition(state, disputed, recorded=True) is None


def test_a_move_of_status_is_recorded_from_the_previous_one():
    state = _state("captured", D(2024, 9, 1))
    step = status_rules.transition(
        state, _outcome("returned", D(2025, 1, 2), because_of=7), recorded=True
    )
    assert step == status_rules.Transition("captured", "returned", D(2025, 1, 2), 7)
    # Without any change recorded before (a row written by hand), it is the first one.
    step = status_rules.transition(state, _outcome("captured", D(2024, 9, 5)), recorded=False)
    assert step is not None and step.from_status == ""
