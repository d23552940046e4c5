"""The researchers' filter over people, shared by the browse page, exports and the API.

Every value arrives in the GET query string, so a filtered view can be
bookmarked, saved (``SavedFilter``) and replayed by the export task.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connection
from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from conscripts.models import Conscript, DraftSeason, EvidenceKind, Region, Status
from conscripts.search import search

from .selectors import kursk_window_q

#: Sort keys a request may ask for, and what each one means. Nothing else is accepted.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("surname", "given_name", "patronymic", "pk"),
    "-name": ("-surname", "-given_name", "-patronymic", "-pk"),
    "birth_year": ("birth_year", "pk"),
    "-birth_year": ("-birth_year", "-pk"),
    "status": ("status", "pk"),
    "-status": ("-status", "-pk"),
    "status_since": ("status_since", "pk"),
    "-status_since": ("-status_since", "-pk"),
    "last_contact": ("last_contact_date", "pk"),
    "-last_contact": ("-last_contact_date", "-pk"),
    "region": ("home_region__name_ru", "pk"),
    "-region": ("-home_region__name_ru", "-pk"),
    "unit": ("unit__number", "pk"),
    "-unit": ("-unit__number", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
}
SORT_CHOICES = [
    ("name", _("Name (A–Z)")),
    ("-name", _("Name (Z–A)")),
    ("birth_year", _("Birth year (oldest first)")),
    ("-birth_year", _("Birth year (youngest first)")),
    ("status", _("Status")),
    ("-status_since", _("Status change (newest first)")),
    ("status_since", _("Status change (oldest first)")),
    ("-last_contact", _("Last contact (newest first)")),
    ("last_contact", _("Last contact (oldest first)")),
    ("region", _("Region")),
    ("unit", _("Unit")),
    ("-created", _("Added (newest first)")),
    ("created", _("Added (oldest first)")),
]
# Reverse orders of every column stay valid in URLs (column headers toggle them).
_ALL_SORT_CHOICES = SORT_CHOICES + [(k, k) for k in SORTS if k not in dict(SORT_CHOICES)]


def filter_query(params: QueryDict) -> str:
    """The filter part of a query string, as saved and exported: no page, no CSRF token,
    no empty values."""
    clean = QueryDict(mutable=True)
    for key, values in params.lists():
        if key in ("page", "csrfmiddlewaretoken"):
            continue
        for value in values:
            if value != "":
                clean.appendlist(key, value)
    return clean.urlencode()


#: The plausible years of the records (the database's constraints on Conscript).
BIRTH_YEARS = (1940, 2015)
DRAFT_YEARS = (1990, 2100)
#: A primary key: a positive PostgreSQL bigint.
ID_RANGE = (1, 2**63 - 1)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number within bounds, checked by the form before any query.

    NumberFilter's decimal field took ``-1e1000000``, a million-digit number whose
    comparisons cost 26 s of CPU; here it is «Enter a whole number.» at once, and a
    number outside ``bounds`` is refused with the bound it broke. Every numeric filter
    of the research filters and the API is one of these (a test enumerates them).
    """

    field_class = forms.IntegerField

    def __init__(self, *args, bounds: tuple[int, int], **kwargs):
        super().__init__(*args, min_value=bounds[0], max_value=bounds[1], **kwargs)


def _quoted_pk() -> str:
    quote = connection.ops.quote_name
    return f"{quote(Conscript._meta.db_table)}.{quote(Conscript._meta.pk.column)}"


class ConscriptFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_q", max_length=200)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    region = django_filters.ModelChoiceFilter(
        label=_("Home region"), field_name="home_region", queryset=Region.objects.all()
    )
    unit = django_filters.CharFilter(
        label=_("Unit (number or name)"), method="filter_unit", max_length=200
    )
    birth_year_min = IntegerFilter(
        label=_("Born from"), field_name="birth_year", lookup_expr="gte", bounds=BIRTH_YEARS
    )
    birth_year_max = IntegerFilter(
        label=_("Born until"), field_name="birth_year", lookup_expr="lte", bounds=BIRTH_YEARS
    )
    draft_season = django_filters.ChoiceFilter(label=_("Draft season"), choices=DraftSeason.choices)
    draft_year = IntegerFilter(label=_("Draft year"), bounds=DRAFT_YEARS)
    last_contact_after = django_filters.DateFilter(
        label=_("Last contact from"), field_name="last_contact_date", lookup_expr="gte"
    )
    last_contact_before = django_filters.DateFilter(
        label=_("Last contact until"), field_name="last_contact_date", lookup_expr="lte"
    )
    status_since_after = django_filters.DateFilter(
        label=_("Status changed from"), field_name="status_since", lookup_expr="gte"
    )
    status_since_before = django_filters.DateFilter(
        label=_("Status changed until"), field_name="status_since", lookup_expr="lte"
    )
    evidence = django_filters.ChoiceFilter(
        label=_("Has evidence of kind"), choices=EvidenceKind.choices, method="filter_evidence"
    )
    disputed = django_filters.BooleanFilter(label=_("Disputed"), field_name="is_disputed")
    window = django_filters.ChoiceFilter(
        label=_("Period"),
        choices=[("kursk", _("Kursk incursion (from 6 August 2024)"))],
        method="filter_window",
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=_ALL_SORT_CHOICES, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Conscript
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Every filter, then the name search, then the sort.

        The search keeps the best ``search.CANDIDATE_LIMIT`` matches, so it must
        look among the people the other filters leave: «Иванов» in Kursk region
        is every Kursk Иванов, not the Kursk ones among the best Ивановы anywhere.
        """
        last = ("q", "sort")
        data = self.form.cleaned_data
        for name in [n for n in data if n not in last] + [n for n in last if n in data]:
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Restrict to the name search's matches, best first (a later sort overrides).

        Only the search's close look: the list is narrowed to the name as written or
        near it; the wider guesses for a badly mistyped name are the search page's.
        """
        if not value.strip():
            return queryset
        matches = search(value, people=queryset, widen=False).matches
        ids = [m.conscript.pk for m in matches]
        if not ids:
            return queryset.none()
        # One CASE written out, not ~200 When() expressions: Django takes longer to
        # build those than the database takes to run the query.
        whens = " ".join(["WHEN %s THEN %s"] * len(ids))
        rank = RawSQL(  # noqa: S611 - the ids and ranks go in as parameters
            f"CASE {_quoted_pk()} {whens} END",
            [param for i, pk in enumerate(ids) for param in (pk, i)],
            output_field=IntegerField(),
        )
        return queryset.filter(pk__in=ids).alias(search_rank=rank).order_by("search_rank")

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        digits = value.removeprefix("в/ч").strip()
        if digits.isdigit() and len(digits) == 5:
            return queryset.filter(unit__number=digits)
        return queryset.filter(unit__name__icontains=value) if value else queryset

    def filter_evidence(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_evidence_kind(value)

    def filter_window(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(kursk_window_q()) if value == "kursk" else queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS[value]) if value in SORTS else queryset
