"""The read-only REST API (DRF). Everything here is what public pages show.

Hidden and merged people never appear, not even to moderators: the API is for
researchers' scripts, and hidden records stay on the moderators' pages.
Researchers authenticate with a token (``research/profile/``) and get a higher
rate limit than anonymous callers.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from . import research
from .filters import ConscriptFilter
from .models import Conscript, Evidence, EvidenceKind, MilitaryUnit, Region, Status


# --- Throttles: rates read per request, so settings (and tests) can change them ----------
class _LiveRates:
    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRates, AnonRateThrottle):
    pass


class UserThrottle(_LiveRates, UserRateThrottle):
    pass


class Pagination(PageNumberPagination):
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


# --- Serializers -------------------------------------------------------------------------
class CaseSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="home_region.code", default=None, allow_null=True)
    region_name = serializers.CharField(source="home_region.name_ru", default=None, allow_null=True)
    unit_number = serializers.CharField(source="unit.number", default=None, allow_null=True)
    unit_name = serializers.CharField(source="unit.name", default=None, allow_null=True)
    disputed = serializers.BooleanField(source="is_disputed")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Conscript
        fields = [
            "id",
            "surname",
            "given_name",
            "patronymic",
            "birth_date",
            "birth_year",
            "region",
            "region_name",
            "unit_number",
            "unit_name",
            "draft_season",
            "draft_year",
            "last_contact_date",
            "last_known_place",
            "status",
            "status_since",
            "status_since_precision",
            "disputed",
            "url",
        ]

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        path = reverse("conscripts:detail", args=[obj.pk])
        return request.build_absolute_uri(path) if request else path


class EvidenceSerializer(serializers.ModelSerializer):
    conscript = serializers.IntegerField(source="conscript_id")
    url = serializers.SerializerMethodField()
    source = serializers.CharField(source="source_label", read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "conscript",
            "kind",
            "url",
            "source_kind",
            "source_name",
            "source",
            "published_at",
            "event_date",
            "event_precision",
            "claimed_status",
            "summary",
        ]

    def get_url(self, obj) -> str | None:
        # Evidence.public_url: a relative's own post is never linked publicly.
        return obj.public_url or None


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name_ru", "name_en"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = MilitaryUnit
        fields = ["id", "number", "name"]


# --- Schema: the answers besides 200 ------------------------------------------------------
_NOT_FOUND = OpenApiResponse(description="No such public record, or no such page.")
_INVALID = OpenApiResponse(description="An invalid parameter; the body maps each to its errors.")


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
        _with_form_limits(name) for name in ("q", "unit", "birth_year_min", "birth_year_max")
    ],
)
class CaseViewSet(_ReadOnly):
    """Public people with the researchers' filters (same parameters as the browse page)."""

    serializer_class = CaseSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ConscriptFilter

    def get_queryset(self):
        return research.people_for(as_moderator=False).select_related("home_region", "unit")


@extend_schema_field(OpenApiTypes.INT)
class _IdFilter(filters.NumberFilter):
    """An id is a whole number. NumberFilter's decimal let ``?conscript=1.5`` match person 1."""

    field_class = forms.IntegerField


class EvidenceFilter(filters.FilterSet):
    conscript = _IdFilter(field_name="conscript_id")
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


_count = {"n": serializers.IntegerField()}
StatisticsSerializer = inline_serializer(
    "Statistics",
    {
        "kursk": serializers.BooleanField(),
        "computed_at": serializers.DateTimeField(
            help_text="When these figures were computed (they are refreshed every few minutes)."
        ),
        "total": serializers.IntegerField(),
        "by_status": inline_serializer(
            "StatusCount",
            {"status": serializers.ChoiceField(choices=Status.choices), **_count},
            many=True,
        ),
        "by_region": inline_serializer(
            "RegionCount",
            {
                "code": serializers.CharField(),
                "name_ru": serializers.CharField(),
                "name_en": serializers.CharField(),
                **_count,
            },
            many=True,
        ),
        "top_units": inline_serializer(
            "UnitCount",
            {"number": serializers.CharField(), "name": serializers.CharField(), **_count},
            many=True,
        ),
        "weekly": inline_serializer(
            "WeekCount",
            {
                "week": serializers.DateField(),
                "new_people": serializers.IntegerField(),
                "status_changes": serializers.IntegerField(),
            },
            many=True,
        ),
    },
)


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
        return Response(research.statistics(kursk=query.validated_data.get("window") == "kursk"))
