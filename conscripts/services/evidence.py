"""Evidence about people, and the status that follows from it.

Every write here runs in a transaction and locks the person first (then the evidence),
in that order everywhere, so that two writers on one person cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import access
from core.audit import audit_record
from core.dates import local_day
from core.models import AuditAction

from .. import search, status_rules
from ..models import (
    Conscript,
    DatePrecision,
    Evidence,
    EvidenceKind,
    StatusChange,
    evidence_kinds_mask,
)
from ..tallies import tallies_kept
from .follow import followers_notify_after_commit

#: What a person row stores that follows from their active evidence.
DERIVED_FIELDS = [
    "status",
    "status_since",
    "status_since_precision",
    "is_disputed",
    "disputed_reason",
    "evidence_kinds",
]


def evidence_fact(
    *,
    key: object,
    kind: str,
    claimed_status: str,
    event_date: date | None,
    event_precision: str,
    published_at: datetime | None,
    added_at: datetime,
) -> status_rules.Fact:
    """What the status rules read of one piece of evidence (the one place that builds
    it): undated evidence counts from the LOCAL day it was published, else added."""
    recorded_at = published_at or added_at
    return status_rules.Fact(
        key=key,
        claimed_status=claimed_status,
        event_date=event_date,
        event_precision=event_precision or DatePrecision.DAY,
        recorded_at=recorded_at,
        recorded_on=local_day(recorded_at),
        kind=kind,
    )


_FACT_FIELDS = (
    "pk",
    "kind",
    "claimed_status",
    "event_date",
    "event_precision",
    "published_at",
    "added_at",
)


def _fact_of(evidence: Evidence, *, key: object | None = None) -> status_rules.Fact:
    return evidence_fact(
        key=evidence.pk if key is None else key,
        kind=evidence.kind,
        claimed_status=evidence.claimed_status,
        event_date=evidence.event_date,
        event_precision=evidence.event_precision,
        published_at=evidence.published_at,
        added_at=evidence.added_at,
    )


def evidence_add(
    *,
    conscript: Conscript,
    kind: str,
    claimed_status: str = "",
    event_date: date | None = None,
    event_precision: str = DatePrecision.DAY,
    url: str = "",
    link_public: bool = False,
    source_kind: str = "",
    source_name: str = "",
    published_at: datetime | None = None,
    summary: str = "",
    archived_text: str = "",
    report_id: int | None = None,
    added_by: AbstractBaseUser | None = None,
) -> Evidence:
    """Attach approved evidence to a person and recompute their status.

    A relative's search post never has a public link (its text carries their phone
    number), whatever the caller asks.
    """
    if kind == EvidenceKind.SEARCH_POST:
        link_public = False
    with transaction.atomic():
        conscript = Conscript.objects.select_for_update().get(pk=conscript.pk)
        evidence = Evidence(
            conscript=conscript,
            kind=kind,
            claimed_status=claimed_status,
            event_date=event_date,
            event_precision=event_precision if event_date else DatePrecision.DAY,
            url=url,
            link_public=bool(url) and link_public,
            source_kind=source_kind,
            source_name=source_name,
            published_at=published_at,
            summary=summary,
            archived_text=archived_text,
            archived_sha256=Evidence.sha256_of(archived_text),
            report_id=report_id,
            added_by=added_by,
        )
        evidence.full_clean()
        with tallies_kept([conscript.pk]):
            evidence.save()
            conscript_recompute_status(conscript=conscript, acting_user=added_by)
    return evidence


class EvidenceRetractError(ValueError):
    """Evidence that cannot be retracted as asked (moved meanwhile, or already retracted)."""


class EvidenceAlreadyRetracted(EvidenceRetractError):
    """The evidence was retracted before; a second retraction would rewrite history."""


def evidence_lock(*, evidence_id: int) -> tuple[Conscript, Evidence]:
    """Lock a piece of evidence and the person it belongs to, inside a transaction.

    The person first, as ``evidence_add`` and merges lock them, then the evidence
    row. The owner is read afresh: a merge may have moved the evidence meanwhile
    (``EvidenceRetractError``: the caller may try again).
    """
    owner_id = Evidence.objects.values_list("conscript_id", flat=True).get(pk=evidence_id)
    conscript = Conscript.objects.select_for_update().get(pk=owner_id)
    evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
    if evidence.conscript_id != conscript.pk:
        raise EvidenceRetractError(
            f"Evidence #{evidence.pk} moved to another record meanwhile; try again."
        )
    return conscript, evidence


def _retraction_snapshot(conscript: Conscript, evidence: Evidence) -> dict:
    return {
        **{name: getattr(conscript, name) for name in DERIVED_FIELDS},
        "evidence": {
            "id": evidence.pk,
            "kind": evidence.kind,
            "claimed_status": evidence.claimed_status,
            "event_date": evidence.event_date,
            "retracted_at": evidence.retracted_at,
            "retraction_reason": evidence.retraction_reason,
        },
    }


def evidence_retract(
    *, evidence: Evidence, moderator: AbstractBaseUser, reason: str
) -> StatusChange | None:
    """Take evidence at fault out of the count; the person's status and disputed flag
    follow. Moderators only.

    The evidence stays (it is never deleted); ``retracted_at`` and ``retraction_reason``
    say when and why, and an audit entry records who did it and what moved. ``reason``
    is required (``ValidationError``); evidence already retracted raises
    ``EvidenceAlreadyRetracted`` and changes nothing. Returns the ``StatusChange`` if
    the status moved.
    """
    access.role_require(moderator, access.MODERATORS)
    reason = reason.strip()
    if not reason:
        raise ValidationError("A retraction needs a reason.")
    with transaction.atomic():
        conscript, locked = evidence_lock(evidence_id=evidence.pk)
        if locked.retracted_at is not None:
            raise EvidenceAlreadyRetracted(
                f"Evidence #{locked.pk} was already retracted on {locked.retracted_at:%Y-%m-%d}."
            )
        before = _retraction_snapshot(conscript, locked)
        locked.retracted_at = timezone.now()
        locked.retraction_reason = reason
        # The changes this evidence decided stop counting, whether or not the status moves.
        with tallies_kept([conscript.pk]):
            locked.save(update_fields=["retracted_at", "retraction_reason"])
            change = conscript_recompute_status(conscript=conscript, acting_user=moderator)
        audit_record(
            action=AuditAction.RETRACT_EVIDENCE,
            actor=moderator,
            conscript_id=conscript.pk,
            before=before,
            after=_retraction_snapshot(conscript, locked)
            | {"status_change_id": change.pk if change else None},
        )
    # The caller's instance would otherwise still read as active.
    evidence.retracted_at, evidence.retraction_reason = locked.retracted_at, reason
    return change


def _state(conscript: Conscript) -> status_rules.State:
    return (
        conscript.status,
        conscript.status_since,
        conscript.status_since_precision,
        conscript.is_disputed,
        conscript.disputed_reason,
    )


def conscript_recompute_status(
    *, conscript: Conscript, acting_user: AbstractBaseUser | None = None
) -> StatusChange | None:
    """Derive the status from all active evidence; record a change if it moved.

    Must run inside a transaction that holds a lock on ``conscript``'s row
    (it is called by the services that add, move or retract evidence).
    """
    facts = [_fact_of(e) for e in conscript.evidence.active().only(*_FACT_FIELDS)]
    outcome = status_rules.derive_status(facts)
    kinds = evidence_kinds_mask(f.kind for f in facts)
    current = _state(conscript)
    if status_rules.state_of(outcome) == current and kinds == conscript.evidence_kinds:
        return None
    change = None
    with tallies_kept([conscript.pk]):  # within the caller's block: counted once, there
        # A new kind of evidence alone (a second search post…) is no change of status.
        step = status_rules.transition(current, outcome, recorded=conscript.status_changes.exists())
        if step is not None:
            change = StatusChange.objects.create(
                conscript=conscript, **change_fields(step), changed_by=acting_user
            )
            followers_notify_after_commit(changes=[change])
        _set_derived(conscript, outcome, kinds)
        conscript.save(update_fields=[*DERIVED_FIELDS, "updated_at"])
    return change


def _set_derived(conscript: Conscript, outcome: status_rules.Outcome, kinds: int) -> None:
    conscript.status = outcome.status
    conscript.status_since = outcome.since
    conscript.status_since_precision = outcome.since_precision
    conscript.is_disputed = outcome.disputed
    conscript.disputed_reason = outcome.reason
    conscript.evidence_kinds = kinds


def change_fields(step: status_rules.Transition) -> dict:
    """``StatusChange`` fields of a transition whose ``because_of`` is an evidence id."""
    return {
        "from_status": step.from_status,
        "to_status": step.to_status,
        "effective_date": step.since,
        "effective_precision": step.since_precision,
        "evidence_id": step.because_of,
    }


def conscripts_bulk_add(
    *,
    people: Sequence[Conscript],
    evidence: Sequence[Evidence],
    acting_user: AbstractBaseUser | None = None,
) -> None:
    """Create many people and attach approved evidence in one transaction.

    For loaders that would otherwise call ``conscript_create`` and ``evidence_add``
    once per row. ``people`` are unsaved, with cleaned nominative names and no status;
    each unsaved item of ``evidence`` belongs to one of ``people`` or to a person
    already saved. Everyone touched gets their status derived as
    ``conscript_recompute_status`` derives it, with a ``StatusChange`` when it moves; a
    new person's evidence counts as added together (one change at most). All or nothing.
    """
    from .people import name_keys_set

    with transaction.atomic():
        own: dict[int, list[int]] = {id(person): [] for person in people}
        owners = [item.conscript for item in evidence]
        for i, (item, owner) in enumerate(zip(evidence, owners, strict=True)):
            item.archived_sha256 = Evidence.sha256_of(item.archived_text)
            item.added_by = acting_user
            if item.kind == EvidenceKind.SEARCH_POST:
                item.link_public = False
            if id(owner) in own:
                own[id(owner)].append(i)
        keys, outcomes = [], []
        for person in people:
            if person.birth_date is not None:
                person.birth_year = person.birth_date.year
            keys.append(name_keys_set(person))
            # New people's statuses are known before they are written: no update after.
            outcome = status_rules.derive_status(
                _fact_of(evidence[i], key=i) for i in own[id(person)]
            )
            kinds = evidence_kinds_mask(evidence[i].kind for i in own[id(person)])
            _set_derived(person, outcome, kinds)
            outcomes.append(outcome)
        Conscript.objects.bulk_create(people)
        search.vocabulary_add(keys)
        for item, owner in zip(evidence, owners, strict=True):
            item.conscript = owner  # now saved: sets conscript_id
        known = sorted({owner.pk for owner in owners if id(owner) not in own})
        # Lock the people already saved, in key order, as evidence_add locks one.
        list(Conscript.objects.select_for_update().filter(pk__in=known).values_list("pk"))
        with tallies_kept(known, new=[person.pk for person in people]):
            _bulk_evidence_write(people, evidence, outcomes, known, acting_user)


def _bulk_evidence_write(people, evidence, outcomes, known, acting_user) -> None:
    """The rest of ``conscripts_bulk_add``: evidence, first changes, the others' status."""
    Evidence.objects.bulk_create(evidence)
    first_steps = [
        (person, status_rules.transition(status_rules.INITIAL, outcome, recorded=False))
        for person, outcome in zip(people, outcomes, strict=True)
    ]
    StatusChange.objects.bulk_create(
        StatusChange(
            conscript_id=person.pk,
            **change_fields(step) | {"evidence_id": evidence[step.because_of].pk},
            changed_by=acting_user,
        )
        for person, step in first_steps
        if step is not None  # no claim: still the initial «missing»
    )
    statuses_recompute(conscript_ids=known, acting_user=acting_user)


def statuses_recompute(
    *, conscript_ids: Sequence[int], acting_user: AbstractBaseUser | None
) -> None:
    """``conscript_recompute_status`` for many locked people, in a few queries."""
    with tallies_kept(conscript_ids):
        _statuses_recompute(conscript_ids, acting_user)


def _statuses_recompute(conscript_ids: Sequence[int], acting_user) -> None:
    current = {
        pk: (tuple(state), kinds)
        for pk, *state, kinds in Conscript.objects.filter(pk__in=conscript_ids).values_list(
            "pk", *DERIVED_FIELDS
        )
    }
    recorded = set(
        StatusChange.objects.filter(conscript_id__in=conscript_ids)
        .values_list("conscript_id", flat=True)
        .distinct()
    )
    facts: dict[int, list[status_rules.Fact]] = {pk: [] for pk in conscript_ids}
    for evidence in (
        Evidence.objects.active()
        .filter(conscript_id__in=conscript_ids)
        .only(*_FACT_FIELDS, "conscript_id")
    ):
        facts[evidence.conscript_id].append(_fact_of(evidence))
    now = timezone.now()
    changes, moved = [], []
    for pk in conscript_ids:
        outcome = status_rules.derive_status(facts[pk])
        kinds = evidence_kinds_mask(f.kind for f in facts[pk])
        state, stored_kinds = current[pk]
        if status_rules.state_of(outcome) == state and kinds == stored_kinds:
            continue
        step = status_rules.transition(state, outcome, recorded=pk in recorded)
        if step is not None:
            changes.append(
                StatusChange(conscript_id=pk, **change_fields(step), changed_by=acting_user)
            )
        person = Conscript(pk=pk, updated_at=now)
        _set_derived(person, outcome, kinds)
        moved.append(person)
    StatusChange.objects.bulk_create(changes)
    followers_notify_after_commit(changes=changes)
    Conscript.objects.bulk_update(moved, [*DERIVED_FIELDS, "updated_at"], batch_size=1000)
