"""Writes to the conscripts app. Each runs in a transaction and locks what it changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from . import search, status_rules
from .models import (
    Conscript,
    DraftSeason,
    Evidence,
    MilitaryUnit,
    Region,
    StatusChange,
    evidence_kinds_mask,
)


def conscript_create(
    *,
    surname: str,
    given_name: str,
    patronymic: str = "",
    birth_date: date | None = None,
    birth_year: int | None = None,
    home_region: Region | None = None,
    unit: MilitaryUnit | None = None,
    draft_season: str = "",
    draft_year: int | None = None,
    last_contact_date: date | None = None,
    last_known_place: str = "",
    is_public: bool = True,
) -> Conscript:
    """Create a person with no evidence yet (status: missing).

    Names must already be nominative and cleaned. ``birth_year`` is derived
    from ``birth_date`` when the date is known; a conflicting year is an error.
    """
    if birth_date is not None:
        if birth_year is not None and birth_year != birth_date.year:
            raise ValueError("birth_year does not match birth_date")
        birth_year = birth_date.year
    if draft_season and draft_season not in DraftSeason.values:
        raise ValueError(f"unknown draft season {draft_season!r}")
    conscript = Conscript(
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        birth_date=birth_date,
        birth_year=birth_year,
        home_region=home_region,
        unit=unit,
        draft_season=draft_season,
        draft_year=draft_year,
        last_contact_date=last_contact_date,
        last_known_place=last_known_place,
        is_public=is_public,
    )
    keys = search.name_keys(surname=surname, given_name=given_name, patronymic=patronymic)
    for name, value in keys.items():
        setattr(conscript, name, value)
    conscript.full_clean(exclude=["status"])
    with transaction.atomic():
        conscript.save()
        search.vocabulary_add([keys])
    return conscript


def unit_get_or_create(*, number: str = "", name: str = "") -> MilitaryUnit:
    """The unit with this number (or, without a number, this name)."""
    number = number.strip()
    name = name.strip()
    if number:
        unit, created = MilitaryUnit.objects.get_or_create(number=number, defaults={"name": name})
        if not created and name and not unit.name:
            unit.name = name
            unit.save(update_fields=["name"])
        return unit
    if not name:
        raise ValueError("a unit needs a number or a name")
    unit = MilitaryUnit.objects.filter(number__isnull=True, name__iexact=name).first()
    return unit or MilitaryUnit.objects.create(name=name)


def evidence_add(
    *,
    conscript: Conscript,
    kind: str,
    claimed_status: str = "",
    event_date: date | None = None,
    url: str = "",
    source_name: str = "",
    published_at: datetime | None = None,
    summary: str = "",
    archived_text: str = "",
    added_by: AbstractBaseUser | None = None,
) -> Evidence:
    """Attach approved evidence to a person and recompute their status."""
    with transaction.atomic():
        conscript = Conscript.objects.select_for_update().get(pk=conscript.pk)
        evidence = Evidence(
            conscript=conscript,
            kind=kind,
            claimed_status=claimed_status,
            event_date=event_date,
            url=url,
            source_name=source_name,
            published_at=published_at,
            summary=summary,
            archived_text=archived_text,
            archived_sha256=Evidence.sha256_of(archived_text),
            added_by=added_by,
        )
        evidence.full_clean()
        evidence.save()
        conscript_recompute_status(conscript=conscript, acting_user=added_by)
    return evidence


class EvidenceRetractError(ValueError):
    """Evidence that cannot be retracted as asked (no reason given, or moved meanwhile)."""


class EvidenceAlreadyRetracted(EvidenceRetractError):
    """The evidence was retracted before; a second retraction would rewrite history."""


def evidence_retract(
    *, evidence: Evidence, reason: str, retracted_by: AbstractBaseUser | None = None
) -> StatusChange | None:
    """Take evidence out of the count and recompute the person's status.

    The evidence stays (it is never deleted); ``retracted_at`` and
    ``retraction_reason`` say when and why. ``reason`` must not be blank and the
    evidence must still be active, else ``EvidenceRetractError`` and nothing
    changes. Returns the ``StatusChange`` if the status moved. Whoever called
    is responsible for checking that ``retracted_by`` may do this and for the
    audit (``reports.services.evidence_retract`` does both).
    """
    reason = reason.strip()
    if not reason:
        raise EvidenceRetractError("A retraction needs a reason.")
    with transaction.atomic():
        # The person first, as evidence_add and conscripts_merge lock them, then the
        # evidence row. Read the owner afresh: a merge may have moved the evidence.
        owner_id = Evidence.objects.values_list("conscript_id", flat=True).get(pk=evidence.pk)
        conscript = Conscript.objects.select_for_update().get(pk=owner_id)
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if locked.conscript_id != conscript.pk:
            raise EvidenceRetractError(
                f"Evidence #{locked.pk} moved to another record meanwhile; try again."
            )
        if locked.retracted_at is not None:
            raise EvidenceAlreadyRetracted(
                f"Evidence #{locked.pk} was already retracted on {locked.retracted_at:%Y-%m-%d}."
            )
        locked.retracted_at = timezone.now()
        locked.retraction_reason = reason
        locked.save(update_fields=["retracted_at", "retraction_reason"])
        change = conscript_recompute_status(conscript=conscript, acting_user=retracted_by)
    # The caller's instance would otherwise still read as active.
    evidence.retracted_at, evidence.retraction_reason = locked.retracted_at, reason
    return change


def conscript_recompute_status(
    *, conscript: Conscript, acting_user: AbstractBaseUser | None = None
) -> StatusChange | None:
    """Derive the status from all active evidence; record a change if it moved.

    Must run inside a transaction that holds a lock on ``conscript``'s row
    (it is called by the services that add or retract evidence).
    """
    facts = [
        status_rules.Fact(
            key=e.pk,
            claimed_status=e.claimed_status,
            event_date=e.event_date,
            recorded_at=e.published_at or e.added_at,
            kind=e.kind,
        )
        for e in conscript.evidence.active().only(
            "pk", "kind", "claimed_status", "event_date", "published_at", "added_at"
        )
    ]
    outcome = status_rules.derive_status(facts)
    kinds = evidence_kinds_mask(f.kind for f in facts)
    state = _state(outcome)
    current = (conscript.status, conscript.status_since, conscript.is_disputed)
    current += (conscript.disputed_reason,)
    if state == current and kinds == conscript.evidence_kinds:
        return None
    change = None
    # A new kind of evidence alone (a second search post…) is no change of status.
    if state != current and (
        outcome.status != conscript.status or not conscript.status_changes.exists()
    ):
        change = StatusChange.objects.create(
            conscript=conscript,
            from_status=conscript.status if conscript.status_changes.exists() else "",
            to_status=outcome.status,
            effective_date=outcome.since,
            evidence_id=outcome.because_of,
            changed_by=acting_user,
        )
    conscript.status = outcome.status
    conscript.status_since = outcome.since
    conscript.is_disputed = outcome.disputed
    conscript.disputed_reason = outcome.reason
    conscript.evidence_kinds = kinds
    conscript.save(update_fields=[*DERIVED_FIELDS, "updated_at"])
    return change


#: What a person row stores that follows from their active evidence.
DERIVED_FIELDS = ["status", "status_since", "is_disputed", "disputed_reason", "evidence_kinds"]


def _state(outcome: status_rules.Outcome) -> tuple:
    """The stored status fields an outcome sets (``because_of`` is not stored)."""
    return (outcome.status, outcome.since, outcome.disputed, outcome.reason)


def reference_data_load() -> None:
    """Ensure the regions and staff groups exist (what migrations 0002/0003 load).

    Idempotent. Tests call it after a transactional test has flushed the
    database; an operator may call it after adding regions to ``geo``.
    """
    from django.contrib.auth.models import Group

    from . import geo, roles

    Region.objects.bulk_create(
        [Region(code=r.code, name_ru=r.name_ru, name_en=r.name_en) for r in geo.REGIONS],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name_ru", "name_en"],
    )
    for name in (roles.MODERATORS, roles.RESEARCHERS):
        Group.objects.get_or_create(name=name)


def units_by_number(*, numbers: Iterable[str]) -> dict[str, int]:
    """Primary keys of the units with these five-digit numbers, creating missing ones."""
    numbers = set(numbers)
    if not numbers:
        return {}
    with transaction.atomic():
        MilitaryUnit.objects.bulk_create(
            [MilitaryUnit(number=n) for n in sorted(numbers)], ignore_conflicts=True
        )
        return dict(MilitaryUnit.objects.filter(number__in=numbers).values_list("number", "pk"))


def conscripts_bulk_add(
    *,
    people: Sequence[Conscript],
    evidence: Sequence[Evidence],
    acting_user: AbstractBaseUser | None = None,
) -> None:
    """Create many people and attach approved evidence in one transaction.

    For loaders (``import_conscripts``) that would otherwise call
    ``conscript_create`` and ``evidence_add`` once per row. ``people`` are
    unsaved, with cleaned nominative names and no status; each unsaved item of
    ``evidence`` belongs to one of ``people`` or to a person already saved.
    Everyone touched gets their status derived as ``conscript_recompute_status``
    derives it, with a ``StatusChange`` when it moves; a new person's evidence
    counts as added together (one change at most). All or nothing.
    """
    with transaction.atomic():
        own: dict[int, list[int]] = {id(person): [] for person in people}
        owners = [item.conscript for item in evidence]
        for i, (item, owner) in enumerate(zip(evidence, owners, strict=True)):
            item.archived_sha256 = Evidence.sha256_of(item.archived_text)
            item.added_by = acting_user
            if id(owner) in own:
                own[id(owner)].append(i)
        keys, outcomes = [], []
        for person in people:
            if person.birth_date is not None:
                person.birth_year = person.birth_date.year
            person_keys = search.name_keys(
                surname=person.surname, given_name=person.given_name, patronymic=person.patronymic
            )
            for name, value in person_keys.items():
                setattr(person, name, value)
            keys.append(person_keys)
            # New people's statuses are known before they are written: no update after.
            outcome = status_rules.derive_status(_fact(evidence[i], key=i) for i in own[id(person)])
            person.status, person.status_since = outcome.status, outcome.since
            person.is_disputed, person.disputed_reason = outcome.disputed, outcome.reason
            person.evidence_kinds = evidence_kinds_mask(evidence[i].kind for i in own[id(person)])
            outcomes.append(outcome)
        Conscript.objects.bulk_create(people)
        search.vocabulary_add(keys)
        for item, owner in zip(evidence, owners, strict=True):
            item.conscript = owner  # now saved: sets conscript_id
        known = sorted({owner.pk for owner in owners if id(owner) not in own})
        # Lock the people already saved, in key order, as evidence_add locks one.
        list(Conscript.objects.select_for_update().filter(pk__in=known).values_list("pk"))
        Evidence.objects.bulk_create(evidence)
        StatusChange.objects.bulk_create(
            StatusChange(
                conscript_id=person.pk,
                from_status="",
                to_status=outcome.status,
                effective_date=outcome.since,
                evidence_id=evidence[outcome.because_of].pk,
                changed_by=acting_user,
            )
            for person, outcome in zip(people, outcomes, strict=True)
            if outcome.because_of is not None  # no claim: still the initial «missing»
        )
        _statuses_recompute(conscript_ids=known, acting_user=acting_user)


def _fact(evidence: Evidence, *, key: object) -> status_rules.Fact:
    return status_rules.Fact(
        key=key,
        claimed_status=evidence.claimed_status,
        event_date=evidence.event_date,
        recorded_at=evidence.published_at or evidence.added_at,
        kind=evidence.kind,
    )


def _statuses_recompute(
    *, conscript_ids: Sequence[int], acting_user: AbstractBaseUser | None
) -> None:
    """``conscript_recompute_status`` for many locked people, in a few queries."""
    current = {
        pk: (status, since, disputed, reason, kinds)
        for pk, status, since, disputed, reason, kinds in Conscript.objects.filter(
            pk__in=conscript_ids
        ).values_list("pk", *DERIVED_FIELDS)
    }
    recorded = set(
        StatusChange.objects.filter(conscript_id__in=conscript_ids)
        .values_list("conscript_id", flat=True)
        .distinct()
    )
    facts: dict[int, list[status_rules.Fact]] = {pk: [] for pk in conscript_ids}
    for pk, conscript_id, kind, claimed, event_date, published_at, added_at in (
        Evidence.objects.active()
        .filter(conscript_id__in=conscript_ids)
        .values_list(
            "pk", "conscript_id", "kind", "claimed_status", "event_date", "published_at", "added_at"
        )
    ):
        facts[conscript_id].append(
            status_rules.Fact(
                key=pk,
                claimed_status=claimed,
                event_date=event_date,
                recorded_at=published_at or added_at,
                kind=kind,
            )
        )
    now = timezone.now()
    changes, moved = [], []
    for pk in conscript_ids:
        outcome = status_rules.derive_status(facts[pk])
        kinds = evidence_kinds_mask(f.kind for f in facts[pk])
        status, since, disputed, reason, stored_kinds = current[pk]
        state = _state(outcome)
        if state == (status, since, disputed, reason) and kinds == stored_kinds:
            continue
        if state != (status, since, disputed, reason) and (
            outcome.status != status or pk not in recorded
        ):
            changes.append(
                StatusChange(
                    conscript_id=pk,
                    from_status=status if pk in recorded else "",
                    to_status=outcome.status,
                    effective_date=outcome.since,
                    evidence_id=outcome.because_of,
                    changed_by=acting_user,
                )
            )
        moved.append(
            Conscript(
                pk=pk,
                status=outcome.status,
                status_since=outcome.since,
                is_disputed=outcome.disputed,
                disputed_reason=outcome.reason,
                evidence_kinds=kinds,
                updated_at=now,
            )
        )
    StatusChange.objects.bulk_create(changes)
    Conscript.objects.bulk_update(moved, [*DERIVED_FIELDS, "updated_at"], batch_size=1000)
