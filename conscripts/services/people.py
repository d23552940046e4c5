"""People: create, correct, hide, and merge two records of one person.

Every write is audited (``core.audit``) in its own transaction, locks the rows it
changes, and keeps the search keys in step with the name: nothing else writes a
person's name, dates, region or unit (the admin calls ``conscript_update`` too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core import access
from core.audit import audit_record
from core.models import AuditAction
from core.outbox import outbox_enqueue

from .. import search
from ..models import Conscript, DraftSeason, Evidence, MilitaryUnit, Region, StatusChange
from ..tallies import tallies_count_new, tallies_kept
from .evidence import DERIVED_FIELDS, conscript_recompute_status


class ConscriptError(ValueError):
    """A change the records' current state does not allow."""


# --- search keys ------------------------------------------------------------------------
def name_keys_set(conscript: Conscript) -> dict[str, str]:
    """Set ``conscript``'s search keys from its name (not saved) and return them.

    The one place a stored person's keys are computed: create, correct, merge and the
    bulk loaders all come here. The caller adds them to the vocabulary
    (``search.vocabulary_add``) in its transaction.
    """
    keys = search.name_keys(
        surname=conscript.surname,
        given_name=conscript.given_name,
        patronymic=conscript.patronymic,
    )
    for name, value in keys.items():
        setattr(conscript, name, value)
    return keys


# --- create ------------------------------------------------------------------------------
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
    keys = name_keys_set(conscript)
    conscript.full_clean(exclude=["status"])
    with transaction.atomic():
        conscript.save()
        tallies_count_new([conscript.pk])
        search.vocabulary_add([keys])
    return conscript


# --- correct -----------------------------------------------------------------------------
#: What ``conscript_update`` may change: the facts about the person. The status, its
#: date, the dispute and the evidence kinds follow from evidence and are never typed in.
PERSON_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "home_region",
    "unit",
    "draft_season",
    "draft_year",
    "last_contact_date",
    "last_known_place",
)
NAME_FIELDS = ("surname", "given_name", "patronymic")
_FOREIGN = ("home_region", "unit")


def _person_snapshot(conscript: Conscript, names: Iterable[str] = PERSON_FIELDS) -> dict:
    return {name: getattr(conscript, f"{name}_id" if name in _FOREIGN else name) for name in names}


def conscript_update(
    *,
    conscript: Conscript,
    changes: Mapping[str, Any],
    acting_user: AbstractBaseUser,
    reason: str = "",
) -> Conscript:
    """Correct facts about a person (moderators only); audited, search keys kept.

    ``changes`` maps fields of ``PERSON_FIELDS`` to their new values (``home_region`` a
    ``Region`` or None, ``unit`` a ``MilitaryUnit``, a five-digit number or None). A
    birth date sets the birth year. Returns the saved person; nothing changes (and no
    audit entry is written) if every value is already the person's.
    """
    access.role_require(acting_user, access.MODERATORS)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ConscriptError(f"not a field a moderator corrects: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = Conscript.objects.select_for_update().get(pk=conscript.pk)
        before = _person_snapshot(locked)
        for name, value in changes.items():
            if name == "unit" and isinstance(value, str):
                value = unit_get_or_create(number=value) if value.strip() else None
            if name in NAME_FIELDS or name in ("last_known_place", "draft_season"):
                value = " ".join((value or "").split())
            setattr(locked, name, value)
        if "birth_date" in changes and locked.birth_date is not None:
            locked.birth_year = locked.birth_date.year
        after = _person_snapshot(locked)
        if after == before:
            return locked
        keys = name_keys_set(locked)
        locked.full_clean(exclude=["status", "merged_into"])
        with tallies_kept([locked.pk]):  # the region, the unit, the Kursk window
            locked.save()
        search.vocabulary_add([keys])
        moved = {k for k in after if after[k] != before[k]}
        audit_record(
            action=AuditAction.CONSCRIPT_UPDATE,
            actor=acting_user,
            conscript_id=locked.pk,
            before={k: before[k] for k in sorted(moved)},
            after={k: after[k] for k in sorted(moved)} | ({"reason": reason} if reason else {}),
        )
    return locked


def conscript_set_public(
    *, conscript: Conscript, is_public: bool, acting_user: AbstractBaseUser, reason: str = ""
) -> Conscript:
    """Hide a record at the family's request, or show it again (moderators only).

    A hidden record stays for moderators and in the audit; it leaves public pages,
    search, the API, exports and statistics.
    """
    access.role_require(acting_user, access.MODERATORS)
    with transaction.atomic():
        locked = Conscript.objects.select_for_update().get(pk=conscript.pk)
        if locked.is_public == is_public:
            return locked
        locked.is_public = is_public
        with tallies_kept([locked.pk]):
            locked.save(update_fields=["is_public", "updated_at"])
        audit_record(
            action=AuditAction.CONSCRIPT_UPDATE,
            actor=acting_user,
            conscript_id=locked.pk,
            before={"is_public": not is_public},
            after={"is_public": is_public} | ({"reason": reason} if reason else {}),
        )
        # The cached statistics would still count (and list the unit of) a record just
        # hidden for up to three refresh periods: recompute them now.
        # By name: the statistics are the research app's, above this one.
        outbox_enqueue(task="conscripts.statistics_refresh", dedup_key="statistics-refresh")
    return locked


# --- units and reference data --------------------------------------------------------------
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


def reference_data_load() -> None:
    """Ensure the regions and staff groups exist (what migrations 0002/0003 load).

    Idempotent. Tests call it after a transactional test has flushed the
    database; an operator may call it after adding regions to ``geo``.
    """
    from django.contrib.auth.models import Group

    from .. import geo

    Region.objects.bulk_create(
        [Region(code=r.code, name_ru=r.name_ru, name_en=r.name_en) for r in geo.REGIONS],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name_ru", "name_en"],
    )
    for name in access.ROLES:
        Group.objects.get_or_create(name=name)


# --- two sources of facts about one person: a plan, then its execution --------------------
#: Person fields a report or a second record may fill, in the order they are compared.
MERGE_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "home_region",
    "unit",
    "last_contact_date",
    "last_known_place",
)
KEEP, TAKE = "record", "report"  # a moderator's choice for a conflicting field


@dataclass
class MergePlan:
    """What merging ``values`` into a person would change. Computed without writing,
    so the moderator sees it first; the merge computes it again under the lock and
    executes exactly that."""

    conscript: Conscript
    changes: dict[str, Any] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    #: field → (value on the record, incoming value); left unchanged
    conflicts: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def as_audit(self) -> dict[str, Any]:
        return {
            "filled": self.filled,
            "overwritten": self.overwritten,
            "conflicts": {k: list(v) for k, v in self.conflicts.items()},
        }


def _comparable(name: str, value: Any) -> Any:
    """A value as compared and as written to the audit log (JSON-friendly)."""
    if value in (None, ""):
        return None
    if name == "unit":
        # Incoming values name a unit by number; a record holds a MilitaryUnit.
        return value if isinstance(value, str) else (value.number or value.name)
    if name == "home_region":
        return value.code
    if name in NAME_FIELDS:
        return value.lower()
    return value


def merge_plan(
    *,
    conscript: Conscript,
    values: Mapping[str, Any],
    field_choices: Mapping[str, str] | None = None,
) -> MergePlan:
    """Plan to fill ``conscript``'s empty fields from ``values``; report conflicts.

    ``field_choices[name] == TAKE`` overwrites a conflicting value; anything else keeps
    the record's. A birth date settles the year; a conflicting year is reported, not
    guessed. Pure: reads ``conscript``, writes nothing.
    """
    field_choices = field_choices or {}
    plan = MergePlan(conscript=conscript)
    for name in MERGE_FIELDS:
        new = values.get(name)
        current = getattr(conscript, name)
        mine, theirs = _comparable(name, current), _comparable(name, new)
        if theirs is None or mine == theirs:
            continue
        if mine is not None and field_choices.get(name) != TAKE:
            shown = current if name in NAME_FIELDS else mine
            plan.conflicts[name] = (shown, new if name in NAME_FIELDS else theirs)
            continue
        plan.changes[name] = new
        (plan.filled if mine is None else plan.overwritten).append(name)
    birth_date = plan.changes.get("birth_date", conscript.birth_date)
    birth_year = plan.changes.get("birth_year", conscript.birth_year)
    if birth_date is not None and birth_year != birth_date.year:
        replaced = "birth_date" in plan.changes and "birth_year" not in plan.overwritten
        if replaced and birth_year is not None:
            plan.conflicts["birth_year"] = (birth_year, birth_date.year)
        plan.changes["birth_year"] = birth_date.year
    return plan


def merge_plan_execute(*, plan: MergePlan) -> None:
    """Write ``plan`` to its person, which the caller holds locked in a transaction."""
    if not plan.changes:
        return
    conscript = plan.conscript
    for name, value in plan.changes.items():
        if name == "unit" and isinstance(value, str):
            value = unit_get_or_create(number=value)
        setattr(conscript, name, value)
    keys = name_keys_set(conscript)
    conscript.full_clean(exclude=["status", "merged_into"])
    with tallies_kept([conscript.pk]):
        conscript.save()
    search.vocabulary_add([keys])


def conscript_snapshot(conscript: Conscript) -> dict[str, Any]:
    """A person's facts and derived state, as the audit log keeps them."""
    return _person_snapshot(conscript, MERGE_FIELDS) | {
        **{name: getattr(conscript, name) for name in DERIVED_FIELDS},
        "merged_into_id": conscript.merged_into_id,
    }


def conscripts_merge(
    *, keep: Conscript, remove: Conscript, moderator: AbstractBaseUser
) -> Conscript:
    """Fold ``remove`` into ``keep``: evidence and timeline move, nothing is deleted.

    ``remove`` keeps its row and points at ``keep`` (``merged_into``), so it drops out
    of public lists and search; empty fields of ``keep`` are filled from it. Both ids
    get an audit entry listing what moved. Moderators only.
    """
    access.role_require(moderator, access.MODERATORS)
    if keep.pk == remove.pk:
        raise ConscriptError("A record cannot be merged into itself.")
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Conscript.objects.select_for_update()
            .filter(pk__in=[keep.pk, remove.pk])
            # Key order, so two merges of the same pair cannot deadlock.
            .order_by("pk")
        }
        keep, remove = locked[keep.pk], locked[remove.pk]
        for record in (keep, remove):
            if record.merged_into_id is not None:
                raise ConscriptError(
                    f"Record #{record.pk} was already merged into #{record.merged_into_id}."
                )
        before_keep, before_remove = conscript_snapshot(keep), conscript_snapshot(remove)
        evidence_ids = list(remove.evidence.values_list("pk", flat=True))
        change_ids = list(remove.status_changes.values_list("pk", flat=True))
        with tallies_kept([keep.pk, remove.pk]):
            Evidence.objects.filter(pk__in=evidence_ids).update(conscript=keep)
            StatusChange.objects.filter(pk__in=change_ids).update(conscript=keep)
            plan = merge_plan(
                conscript=keep, values={name: getattr(remove, name) for name in MERGE_FIELDS}
            )
            merge_plan_execute(plan=plan)
            remove.merged_into = keep
            remove.save(update_fields=["merged_into", "updated_at"])
            conscript_recompute_status(conscript=keep, acting_user=moderator)
        keep.refresh_from_db()
        moved = {
            "moved_evidence_ids": evidence_ids,
            "moved_status_change_ids": change_ids,
            "kept_id": keep.pk,
            "removed_id": remove.pk,
            "filled": plan.filled,
            "conflicts": {k: list(v) for k, v in plan.conflicts.items()},
        }
        for record, before in ((keep, before_keep), (remove, before_remove)):
            audit_record(
                action=AuditAction.CONSCRIPTS_MERGE,
                actor=moderator,
                conscript_id=record.pk,
                before=before,
                after=conscript_snapshot(record) | moved,
            )
    return keep
