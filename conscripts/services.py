"""Writes to the conscripts app. Each runs in a transaction and locks what it changes."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from . import search, status_rules
from .models import Conscript, DraftSeason, Evidence, MilitaryUnit, Region, StatusChange


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
        )
        for e in conscript.evidence.active().only(
            "pk", "claimed_status", "event_date", "published_at", "added_at"
        )
    ]
    outcome = status_rules.derive_status(facts)
    if outcome.status == conscript.status and outcome.since == conscript.status_since:
        return None
    change = None
    if outcome.status != conscript.status or not conscript.status_changes.exists():
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
    conscript.save(update_fields=["status", "status_since", "updated_at"])
    return change


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
