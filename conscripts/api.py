"""The read-only REST API (DRF). Everything here is what public pages show.

Hidden and merged people never appear, not even to moderators: the API is for
researchers' scripts, and hidden records stay on the moderators' pages.
Researchers authenticate with a token (``research/profile/``) and get a higher
rate limit than anonymous callers.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
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

    class Meta:
        model = Evidence
        fields = [
            "id",
            "conscript",
            "kind",
            "url",
            "source_name",
            "published_at",
            "event_date",
            "claimed_status",
            "summary",
        ]

    def get_url(self, obj) -> str | None:
        # Relatives' search posts carry their phone numbers: never linked publicly.
        if obj.kind == EvidenceKind.SEARCH_POST or not obj.url:
            return None
        return obj.url


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name_ru", "name_en"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = MilitaryUnit
        fields = ["id", "number", "name"]


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


class CaseViewSet(_ReadOnly):
    """Public people with the researchers' filters (same parameters as the browse page)."""

    serializer_class = CaseSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ConscriptFilter

    def get_queryset(self):
        return research.people_for(as_moderator=False).select_related("home_region", "unit")


class EvidenceFilter(filters.FilterSet):
    conscript = filters.NumberFilter(field_name="conscript_id")
    kind = filters.ChoiceFilter(choices=EvidenceKind.choices)

    class Meta:
        model = Evidence
        fields: list[str] = []


class EvidenceViewSet(_ReadOnly):
    """Active (not retracted) evidence about public people. Archived text is never served."""

    serializer_class = EvidenceSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EvidenceFilter

    def get_queryset(self):
        return (
            Evidence.objects.active()
            .filter(conscript__is_public=True, conscript__merged_into__isnull=True)
            .only(*[f for f in EvidenceSerializer.Meta.fields if f != "conscript"], "conscript_id")
            .order_by("pk")
        )


class RegionViewSet(_ReadOnly):
    serializer_class = RegionSerializer
    queryset = Region.objects.order_by("code")


class UnitViewSet(_ReadOnly):
    serializer_class = UnitSerializer
    queryset = MilitaryUnit.objects.order_by("number", "name", "pk")


_count = {"n": serializers.IntegerField()}
StatisticsSerializer = inline_serializer(
    "Statistics",
    {
        "kursk": serializers.BooleanField(),
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
        responses=StatisticsSerializer,
    )
    def get(self, request):
        return Response(research.statistics(kursk=request.query_params.get("window") == "kursk"))
