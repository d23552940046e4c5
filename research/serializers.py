"""Serializers of the read-only API. Only what public pages show.

A person's fields are built from the one public-field list
(``research.selectors.PUBLIC_PERSON_FIELDS``), as the export columns are: a field added
there appears here, typed from its model field, and no other field can.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from conscripts.models import Conscript, Evidence, MilitaryUnit, Region, Status

from .selectors import PUBLIC_PERSON_FIELDS, PersonField

#: Names the cases endpoint has used since v1 where an export says otherwise: there
#: «region» is the region's code and «region_name» its name; an export's «region» is
#: the name and «region_code» the code. Kept for the clients of v1.
CASE_V1_NAMES = {"region_code": "region", "region": "region_name"}

#: Fields of a name-search result (``/api/v1/conscripts/``), besides score and reasons.
SEARCH_RESULT_FIELDS = (
    "id",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "region",
    "unit_number",
    "status",
    "status_since",
)
# What a field's type says about it; the rest of ModelSerializer's arguments (labels,
# validators) are for input, and this API only answers.
_TYPE_ARGUMENTS = ("choices", "allow_blank", "allow_null", "max_length", "min_value", "max_value")


def _model_field(path: str) -> models.Field:
    model, field = Conscript, None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model
    return field


def person_field(field: PersonField, *, prefix: str = "") -> serializers.Field:
    """A read-only serializer field for one public fact, typed from its model field.

    Read across a relation that may be empty (a person with no unit), it is null.
    """
    model_field = _model_field(field.source)
    field_class, kwargs = serializers.ModelSerializer().build_standard_field(
        field.name, model_field
    )
    kwargs = {k: v for k, v in kwargs.items() if k in _TYPE_ARGUMENTS}
    if "__" in field.source:
        kwargs.update(allow_null=True, default=None)
    return field_class(source=prefix + field.source.replace("__", "."), read_only=True, **kwargs)


def _case_url(self, obj) -> str:
    request = self.context.get("request")
    path = reverse("conscripts:detail", args=[obj.pk])
    return request.build_absolute_uri(path) if request else path


def _case_serializer() -> type[serializers.ModelSerializer]:
    names, declared = [], {}
    for field in PUBLIC_PERSON_FIELDS:
        name = CASE_V1_NAMES.get(field.name, field.name)
        names.append(name)
        if name != field.source:
            declared[name] = person_field(PersonField(name, field.source))

    class Meta:
        model = Conscript
        fields = [*names, "url"]

    return serializers.SerializerMetaclass(
        "CaseSerializer",
        (serializers.ModelSerializer,),
        {
            "__module__": __name__,
            "__doc__": "A public person: the fields a case page shows.",
            **declared,
            "url": serializers.SerializerMethodField(),
            "get_url": _case_url,
            "Meta": Meta,
        },
    )


CaseSerializer = _case_serializer()


class SearchResultSerializer(serializers.Serializer):
    """One match of the name search (``conscripts.search.Match``): the person's public
    fields, the score and what matched."""

    score = serializers.SerializerMethodField()
    match = serializers.ChoiceField(
        source="kind",
        choices=["match", "similar"],
        allow_null=True,
        help_text="match: the person the query names, as far as it can tell; similar: only a "
        "similar name (shown apart, without a status on the search page). Null when people "
        "are listed by filters alone, with no name.",
    )
    matched = serializers.DictField(
        child=serializers.CharField(),
        source="reasons",
        help_text="Why it matched: surname, given, patronymic, initials, birth_year, "
        "birth_date, unit → exact, spelling, similar or match.",
    )
    url = serializers.SerializerMethodField()

    def get_fields(self):
        by_name = {f.name: f for f in PUBLIC_PERSON_FIELDS}
        person = {
            name: person_field(by_name[name], prefix="conscript.") for name in SEARCH_RESULT_FIELDS
        }
        return {**person, **super().get_fields()}

    def get_score(self, match) -> float | None:
        return None if match.score is None else round(match.score, 4)

    def get_url(self, match) -> str:
        return _case_url(self, match.conscript)


class SearchPageSerializer(serializers.Serializer):
    """A page of name-search results, best first."""

    q = serializers.CharField(help_text="The query as given.")
    count = serializers.IntegerField(
        help_text="Matches in all (at most 200); listed by filters alone, counted up to 10,001."
    )
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = SearchResultSerializer(many=True)


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
                "by_status": serializers.DictField(
                    child=serializers.IntegerField(),
                    help_text="People of the region by status (statuses with none left out).",
                ),
            },
            many=True,
        ),
        "top_units": inline_serializer(
            "UnitCount",
            {
                "id": serializers.IntegerField(help_text="The unit's page: /units/<id>/."),
                "number": serializers.CharField(),
                "name": serializers.CharField(),
                **_count,
            },
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
