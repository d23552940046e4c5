"""The read-only REST API (DRF). Everything here is what public pages show.

Hidden and merged people never appear, not even to moderators: the API is for
researchers' scripts, and hidden records stay on the moderators' pages.
Researchers authenticate with a token (``research/profile/``) and get a higher
rate limit than anonymous callers.

Every 4xx answer has one of two shapes (DRF's, documented as the ``Error`` and
``ValidationError`` schema components, ``SPECTACULAR_SETTINGS``): ``{"detail": "…"}``,
or for invalid parameters each parameter mapped to its messages,
``{"birth_year": ["…"]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from conscripts.forms import SearchForm
from conscripts.models import Evidence, EvidenceKind, MilitaryUnit, Region
from conscripts.search import browse, matches_load, search
from core.throttles import AnonThrottle, UserThrottle

from . import selectors
from .filters import ID_RANGE, ConscriptFilter, IntegerFilter
from .selectors import PeoplePaginator
from .serializers import (
    CaseSerializer,
    EvidenceSerializer,
    RegionSerializer,
    SearchPageSerializer,
    SearchResultSerializer,
    StatisticsSerializer,
    UnitSerializer,
)
from .statistics import statistics


class Pagination(PageNumberPagination):
    django_paginator_class = PeoplePaginator  # any sort an index walk
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_schema_operation_parameters(self, view):
        # Pages start at 1: page 0 or below is a 404, so the schema says so.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


# --- Schema: the answers besides 200 ------------------------------------------------------
# The two error shapes are schema components (SPECTACULAR_SETTINGS["APPEND_COMPONENTS"]).
ERROR = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR = {"$ref": "#/components/schemas/ValidationError"}
_NOT_FOUND = OpenApiResponse(ERROR, description="No such public record, or no such page.")
_INVALID = OpenApiResponse(
    VALIDATION_ERROR, description="An invalid parameter; the body maps each to its errors."
)


def _documented(serializer, *, filtered: bool = False, parameters=()):
    """list and retrieve with the errors they answer: 404 for an unknown id or page,
    and 400 for an invalid filter value when the list takes filters."""
    errors = {400: _INVALID} if filtered else {}
    return extend_schema_view(
        list=extend_schema(
            parameters=list(parameters), responses={200: serializer, **errors, 404: _NOT_FOUND}
        ),
        retrieve=extend_schema(responses={200: serializer, 404: _NOT_FOUND}),
    )


def _with_form_limits(name: str) -> OpenApiParameter:
    """A researchers' filter with the limits its form field enforces, which the
    django-filter extension leaves out of the schema (so valid-looking values got 400)."""
    field = ConscriptFilter.base_filters[name]
    extra = field.extra
    if "max_length" in extra:
        schema = {"type": "string", "maxLength": extra["max_length"]}
    else:
        schema = {"type": "integer"}
        if "min_value" in extra:
            schema["minimum"] = extra["min_value"]
        if "max_value" in extra:
            schema["maximum"] = extra["max_value"]
    return OpenApiParameter(name, schema, description=field.label)


# --- Views -------------------------------------------------------------------------------
class _DebugBrowsable:
    """Throttled; the browsable API only while DEBUG is on, JSON otherwise."""

    throttle_classes = [AnonThrottle, UserThrottle]

    def get_renderers(self):
        renderers = [JSONRenderer()]
        if settings.DEBUG:
            renderers.append(BrowsableAPIRenderer())
        return renderers


class _ReadOnly(_DebugBrowsable, viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination


@_documented(
    CaseSerializer,
    filtered=True,
    parameters=[
        _with_form_limits(name)
        for name in ("q", "unit", "birth_year_min", "birth_year_max", "draft_year")
    ],
)
class CaseViewSet(_ReadOnly):
    """Public people with the researchers' filters (same parameters as the browse page)."""

    serializer_class = CaseSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ConscriptFilter

    def get_queryset(self):
        people = selectors.people_for(as_moderator=False)
        return selectors.person_rows(people, as_moderator=False)


class EvidenceFilter(filters.FilterSet):
    # A whole number: NumberFilter's decimal let ``?conscript=1.5`` match person 1.
    conscript = IntegerFilter(field_name="conscript_id", bounds=ID_RANGE)
    kind = filters.ChoiceFilter(choices=EvidenceKind.choices)

    class Meta:
        model = Evidence
        fields: list[str] = []


@_documented(EvidenceSerializer, filtered=True)
class EvidenceViewSet(_ReadOnly):
    """Active (not retracted) evidence about public people. Archived text is never served."""

    serializer_class = EvidenceSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EvidenceFilter

    def get_queryset(self):
        return (
            Evidence.objects.active()
            .filter(conscript__is_public=True, conscript__merged_into__isnull=True)
            .only(
                *[f for f in EvidenceSerializer.Meta.fields if f not in ("conscript", "source")],
                "conscript_id",
                "link_public",
            )
            .order_by("pk")
        )


@_documented(RegionSerializer)
class RegionViewSet(_ReadOnly):
    serializer_class = RegionSerializer
    queryset = Region.objects.order_by("code")


@_documented(UnitSerializer)
class UnitViewSet(_ReadOnly):
    serializer_class = UnitSerializer
    queryset = MilitaryUnit.objects.public().order_by("number", "name", "pk")


class _StatisticsQuery(serializers.Serializer):
    # An unknown window is an error, not the whole period: a typo must not pass for data.
    window = serializers.ChoiceField(choices=["kursk"], required=False, allow_blank=True)


class StatisticsView(_DebugBrowsable, APIView):
    """Aggregates over public people (the same numbers as /statistics/)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "window",
                OpenApiTypes.STR,
                enum=["kursk"],
                description="`kursk`: only people last heard of from 6 August 2024.",
            )
        ],
        responses={200: StatisticsSerializer, 400: _INVALID},
    )
    def get(self, request):
        query = _StatisticsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(statistics(kursk=query.validated_data.get("window") == "kursk"))


# --- Name search -------------------------------------------------------------------------
SEARCH_PAGE_SIZE = 20
SEARCH_MAX_PAGE_SIZE = 100
SEARCH_MAX_PAGE = 1_000_000


class _SearchPaging(serializers.Serializer):
    # Bounded: a page far past any count is an offset PostgreSQL cannot hold (a 500).
    page = serializers.IntegerField(
        min_value=1, max_value=SEARCH_MAX_PAGE, required=False, default=1
    )
    # Larger pages are cut to SEARCH_MAX_PAGE_SIZE, not refused (as before the move).
    page_size = serializers.IntegerField(
        min_value=1, max_value=SEARCH_MAX_PAGE, required=False, default=SEARCH_PAGE_SIZE
    )


def _search_parameters() -> list[OpenApiParameter]:
    """The search form's fields as query parameters, with the limits the form enforces
    (one definition for the search page and this endpoint: ``conscripts.forms.SearchForm``)."""
    fields = SearchForm.base_fields
    status = [value for value, _label in fields["status"].choices]
    year = fields["birth_year"]
    return [
        OpenApiParameter(
            "q",
            {"type": "string", "maxLength": fields["q"].max_length},
            description="A name in any spelling, order and case, initials, a birth year or "
            "date, a unit number: «Иванов Иван 2005», «Ivanov Ivan», «в/ч 12345».",
        ),
        OpenApiParameter("status", {"type": "string", "enum": status}, description="Status."),
        OpenApiParameter("region", OpenApiTypes.INT, description="Home region (its id)."),
        OpenApiParameter(
            "unit",
            {"type": "string", "pattern": r"^[0-9]{5}$"},
            description="Unit number, five digits.",
        ),
        OpenApiParameter(
            "birth_year",
            {"type": "integer", "minimum": year.min_value, "maximum": year.max_value},
            description="Birth year.",
        ),
        OpenApiParameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX_PAGE},
            description="From 1.",
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX_PAGE},
            description=f"Results per page, {SEARCH_PAGE_SIZE} unless given; at most "
            f"{SEARCH_MAX_PAGE_SIZE} (a larger value counts as {SEARCH_MAX_PAGE_SIZE}).",
        ),
    ]


@dataclass(frozen=True)
class _Listed:
    """A person listed by filters alone, read as a search result with no score."""

    conscript: Any
    score: None = None
    kind: None = None
    reasons: dict = field(default_factory=dict)


#: Listing without a name stops counting here, as the search page does.
BROWSE_COUNT_CAP = 10_000


class ConscriptSearchView(_DebugBrowsable, APIView):
    """Public people by name, best first: the ranking of the search page and of
    ``manage.py search_conscripts``, each result a ``match`` or a ``similar`` name.
    Without ``q``, the filters alone (region, unit, status, birth year) list people,
    newest first. A page past the last one is empty."""

    @extend_schema(
        operation_id="conscripts_search",
        parameters=_search_parameters(),
        responses={200: SearchPageSerializer, 400: _INVALID},
    )
    def get(self, request):
        form = SearchForm(request.query_params)
        paging = _SearchPaging(data=request.query_params)
        form_valid, paging_valid = form.is_valid(), paging.is_valid()
        if not (form_valid and paging_valid):
            errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
            raise ValidationError({**errors, **paging.errors})
        page = paging.validated_data["page"]
        size = min(paging.validated_data["page_size"], SEARCH_MAX_PAGE_SIZE)
        query = (form.cleaned_data["q"] or "").strip()
        filters = form.filters()
        start = (page - 1) * size
        if query or filters.is_empty:
            result = search(query, filters=filters)
            count, window = len(result.matches), result.matches[start : start + size]
            matches_load(window)
        else:
            people = browse(filters)
            count = people.order_by()[: BROWSE_COUNT_CAP + 1].count()
            window = [_Listed(conscript=p) for p in people[start : start + size]]
        results = SearchResultSerializer(window, many=True, context={"request": request})
        return Response(
            {"q": query, "count": count, "page": page, "page_size": size, "results": results.data}
        )
