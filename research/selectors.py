"""Reads for researchers: who may see which people, with which fields.

``PUBLIC_PERSON_FIELDS`` is the one list of what a public page shows about a person.
The browse page loads only these columns, exports write them as their columns and the
API serializes them (``research.serializers``); moderators add ``MODERATOR_PERSON_FIELDS``.
A field added here appears in all three, and a field not here appears in none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import QueryDict
from django.utils import timezone
from knox.models import AuthToken

from conscripts.models import Conscript, MilitaryUnit
from core import access

from .models import ExportJob, FiguresSnapshot, FiguresSnapshotState, SavedFilter


@dataclass(frozen=True)
class PersonField:
    """One public fact about a person: its name in exports and the API, and where
    it is read from (a ``values()`` path on ``Conscript``)."""

    name: str
    source: str


PUBLIC_PERSON_FIELDS: tuple[PersonField, ...] = (
    PersonField("id", "id"),
    PersonField("surname", "surname"),
    PersonField("given_name", "given_name"),
    PersonField("patronymic", "patronymic"),
    PersonField("birth_date", "birth_date"),
    PersonField("birth_year", "birth_year"),
    PersonField("region_code", "home_region__code"),
    PersonField("region", "home_region__name_ru"),
    PersonField("unit_number", "unit__number"),
    PersonField("unit_name", "unit__name"),
    PersonField("draft_season", "draft_season"),
    PersonField("draft_year", "draft_year"),
    PersonField("last_contact_date", "last_contact_date"),
    PersonField("last_known_place", "last_known_place"),
    PersonField("status", "status"),
    PersonField("status_since", "status_since"),
    PersonField("status_since_precision", "status_since_precision"),
    PersonField("disputed", "is_disputed"),
)
#: What moderators also see: which rows are hidden at a family's request.
MODERATOR_PERSON_FIELDS: tuple[PersonField, ...] = (PersonField("is_public", "is_public"),)


def person_fields(*, as_moderator: bool) -> tuple[PersonField, ...]:
    return PUBLIC_PERSON_FIELDS + (MODERATOR_PERSON_FIELDS if as_moderator else ())


def kursk_window_q(prefix: str = "") -> Q:
    """Last contact on or after 6 August 2024 or, when unknown, a status set since then
    (``Conscript.in_kursk_window``)."""
    return Q(**{f"{prefix}in_kursk_window": True})


def sees_hidden_people(user) -> bool:
    """Moderators may see people hidden at a family's request; nobody else may."""
    return access.is_moderator(user)


def people_for(*, as_moderator: bool) -> QuerySet:
    """Everyone a role may list. Merged duplicates never appear, even to moderators."""
    if as_moderator:
        return Conscript.objects.filter(merged_into__isnull=True)
    return Conscript.objects.public()


def filtered_people(*, params: QueryDict, as_moderator: bool):
    """The researchers' filter applied to what the role may see: (filterset, queryset).

    The queryset is empty when the filter is invalid; ``filterset.errors`` says why.
    """
    from .filters import ConscriptFilter

    filterset = ConscriptFilter(params, queryset=people_for(as_moderator=as_moderator))
    queryset = filterset.qs if filterset.is_valid() else Conscript.objects.none()
    return filterset, queryset


def person_rows(queryset: QuerySet, *, as_moderator: bool) -> QuerySet:
    """People as the browse table and the API read them: the role's fields only, with
    region and unit, so no other column of a person is even loaded.

    The region's English name comes along for the English page (``Region.name``).
    """
    columns = {f.source for f in person_fields(as_moderator=as_moderator)}
    return queryset.select_related("home_region", "unit").only(*columns, "home_region__name_en")


def people_slice(queryset: QuerySet, start: int, stop: int) -> list:
    """Rows ``start:stop`` of ``queryset`` in its order, read through an index whatever
    the sort.

    A sort by a related row's column (the region's name, the unit's number) over the
    LEFT JOIN that keeps people without one cannot walk any index: PostgreSQL reads
    every person and sorts (0.6–0.9 s at 1 M people). With an inner join it walks the
    related rows in that order and each one's people by id (``conscript_sort_home_region``,
    ``conscript_sort_unit``); the people without come after them (before, descending:
    PostgreSQL's NULLS LAST / FIRST), ordered by id as the join would have. Same rows, same
    order; at most three queries.
    """
    ordering = queryset.query.order_by
    first = str(ordering[0]) if ordering else ""
    field, descending = first.lstrip("-"), first.startswith("-")
    relation, _sep, column = field.partition(LOOKUP_SEP)
    if (
        not column
        or LOOKUP_SEP in column
        or not queryset.model._meta.get_field(relation).many_to_one
    ):
        return list(queryset[start:stop])
    known = queryset.filter(**{f"{field}__isnull": False})
    # «No region» as the foreign key being null, when no region lacks the column (a unit
    # may lack a number): an index walk, where a null column through the join would be a
    # walk of everyone by id (64,000 pages read for page 50 of «unit, descending»).
    related = queryset.model._meta.get_field(relation).related_model
    nullable = related._meta.get_field(column).null
    if nullable and related._default_manager.filter(**{f"{column}__isnull": True}).exists():
        missing = field
    else:
        missing = relation
    unknown = queryset.filter(**{f"{missing}__isnull": True}).order_by(*ordering[1:])
    head, tail = (unknown, known) if descending else (known, unknown)
    rows = list(head[start:stop])
    if len(rows) == stop - start:
        return rows
    in_head = start + len(rows) if rows else head.order_by()[:start].count()
    skip = start + len(rows) - in_head
    return rows + list(tail[skip : skip + stop - start - len(rows)])


class PeoplePaginator(Paginator):
    """Django's, with a page's rows read by ``people_slice`` (the browse page, the API)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(people_slice(self.object_list, bottom, top), number, self)


def export_columns(*, as_moderator: bool) -> list[str]:
    """The columns of an export: the public fields, the case page's address, then what
    moderators also see."""
    extra = [f.name for f in MODERATOR_PERSON_FIELDS] if as_moderator else []
    return [*(f.name for f in PUBLIC_PERSON_FIELDS), "url", *extra]


def export_values(*, query_string: str, as_moderator: bool) -> QuerySet:
    """``values()`` rows of the filtered people, keyed by field source."""
    _filterset, queryset = filtered_people(
        params=QueryDict(query_string), as_moderator=as_moderator
    )
    return queryset.values(*(f.source for f in person_fields(as_moderator=as_moderator)))


def export_rows(
    values: Iterable[dict], *, as_moderator: bool, url_for: Callable[[int], str]
) -> Iterator[dict]:
    """Export rows (keyed by ``export_columns``) from ``export_values`` rows."""
    fields = person_fields(as_moderator=as_moderator)
    for row in values:
        yield {**{f.name: row[f.source] for f in fields}, "url": url_for(row["id"])}


def saved_filter_list(*, owner) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(owner=owner))


def export_job_list(*, user, limit: int = 50) -> list[ExportJob]:
    """``user``'s exports; those made as a moderator only while they still are one."""
    jobs = ExportJob.objects.filter(requested_by=user)
    if not access.is_moderator(user):
        jobs = jobs.filter(as_moderator=False)
    return list(jobs[:limit])


def export_job_get(*, pk: int, user) -> ExportJob | None:
    """The export if ``user`` may see it now; else None, which the views answer as 404:
    another researcher's export is not even confirmed.

    Asked at every request with the caller's current role: its owner or a moderator, and
    an export made as a moderator (hidden people in it) only by someone who is still a
    moderator — a moderator moved to the researchers loses their old exports with them.
    """
    job = ExportJob.objects.filter(pk=pk).first()
    if job is None:
        return None
    moderator = access.is_moderator(user)
    if job.requested_by_id != user.pk and not moderator:
        return None
    if job.as_moderator and not moderator:
        return None
    return job


def api_token_get(*, user) -> AuthToken | None:
    """The user's unexpired API token (``research.services.api_token_issue``), if any:
    its first characters (``token_key``) and expiry, never the token itself (only a hash
    of it is kept)."""
    return (
        AuthToken.objects.filter(user=user)
        .exclude(expiry__lt=timezone.now())
        .order_by("-created")
        .first()
    )


# --- Units -----------------------------------------------------------------------------------
def public_unit_list() -> list[MilitaryUnit]:
    """Every unit with at least one public person (``MilitaryUnit.objects.public``)."""
    return list(MilitaryUnit.objects.public().only("pk", "number", "name"))


def public_unit_get(*, pk: int) -> MilitaryUnit | None:
    """The unit if it has public people; None (a 404) for a unit named only by people
    hidden at their families' request: its page would point at them."""
    return MilitaryUnit.objects.public().filter(pk=pk).first()


def unit_people(*, unit: MilitaryUnit) -> QuerySet:
    """The unit's public people with their public fields, by name."""
    return person_rows(Conscript.objects.public().filter(unit=unit), as_moderator=False).order_by(
        "surname", "given_name", "patronymic", "pk"
    )


# --- Published figures -------------------------------------------------------------------------
def published_snapshot_list() -> list[FiguresSnapshot]:
    return list(
        FiguresSnapshot.objects.filter(state=FiguresSnapshotState.PUBLISHED).defer(
            "data", "method_ru", "method_en"
        )
    )


def unpublished_snapshot_list(*, limit: int = 10) -> list[FiguresSnapshot]:
    """Snapshots being written or failed (moderators)."""
    return list(
        FiguresSnapshot.objects.exclude(state=FiguresSnapshotState.PUBLISHED)
        .defer("data", "method_ru", "method_en")
        .order_by("-requested_at")[:limit]
    )


def published_snapshot_get(*, pk: int) -> FiguresSnapshot | None:
    return FiguresSnapshot.objects.filter(pk=pk, state=FiguresSnapshotState.PUBLISHED).first()


def withdrawn_people() -> set[int]:
    """Ids of records hidden at a family's request: left out of every download, published
    snapshots' files included (a few thousand ids at most)."""
    return set(Conscript.objects.filter(is_public=False).values_list("pk", flat=True))


def public_people_among(ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are public now (names in a snapshot's list of changes)."""
    return set(
        Conscript.objects.filter(pk__in=list(ids), is_public=True).values_list("pk", flat=True)
    )
