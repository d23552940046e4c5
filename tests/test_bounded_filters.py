"""Every numeric filter is a bounded whole number, checked by the form before any query.

``GET /api/v1/cases/?birth_year_max=-1e1000000`` cost 26 s of CPU, anonymously: the
filter was a decimal, and a million-digit decimal is slow to compare. Now every
FilterSet of the project is enumerated and each numeric filter must be an integer
field with both bounds; hostile numbers get a 400 naming the parameter.
"""

from __future__ import annotations

import importlib

import django_filters
import pytest
from django import forms
from django.urls import reverse

from research import api
from research.api_urls import router
from research.filters import ConscriptFilter, IntegerFilter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]

HOSTILE = ["-1e1000000", "1e1000000", "1.5", "2005.0001", "9" * 5000, "-" + "9" * 30, "0x7d5"]
PROJECT_APPS = ("core", "conscripts", "reports", "sources", "research", "config")


def _project_filtersets() -> list[type[django_filters.FilterSet]]:
    for app in PROJECT_APPS:  # every module that may declare a FilterSet is imported
        for name in ("filters", "api", "views", "forms"):
            try:
                importlib.import_module(f"{app}.{name}")
            except ModuleNotFoundError:
                continue
    found, todo = [], list(django_filters.FilterSet.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS:
            found.append(cls)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__name__}")


def _numeric(flt) -> bool:
    field = flt.field_class
    return isinstance(flt, django_filters.NumberFilter) or issubclass(
        field, forms.IntegerField | forms.DecimalField | forms.FloatField
    )


def test_every_numeric_filter_of_every_filterset_is_a_bounded_integer():
    filtersets = _project_filtersets()
    names = {f"{c.__module__}.{c.__name__}" for c in filtersets}
    assert {"research.filters.ConscriptFilter", "research.api.EvidenceFilter"} <= names
    checked = []
    for filterset in filtersets:
        for name, flt in filterset.base_filters.items():
            if not _numeric(flt):
                continue
            where = f"{filterset.__name__}.{name}"
            assert isinstance(flt, IntegerFilter), where
            field = flt.field
            assert type(field) is forms.IntegerField, where
            assert field.min_value is not None and field.max_value is not None, where
            checked.append(where)
    assert {
        "ConscriptFilter.birth_year_min",
        "ConscriptFilter.birth_year_max",
        "ConscriptFilter.draft_year",
        "EvidenceFilter.conscript",
    } <= set(checked)


def _numeric_params(filterset) -> list[str]:
    numeric = [n for n, f in filterset.base_filters.items() if _numeric(f)]
    models = [
        n
        for n, f in filterset.base_filters.items()
        if isinstance(f, django_filters.ModelChoiceFilter)
    ]
    return numeric + models


def _filtered_endpoints() -> list[tuple[str, list[str]]]:
    """Every API list with a filterset, and its numeric parameters (ids included)."""
    endpoints = []
    for _prefix, viewset, basename in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is not None:
            endpoints.append((reverse(f"api:{basename}-list"), _numeric_params(filterset)))
    return endpoints


def test_the_api_answers_a_hostile_number_with_a_400_that_names_the_parameter(client):
    endpoints = _filtered_endpoints()
    assert ("/api/v1/cases/", _numeric_params(ConscriptFilter)) in endpoints
    pairs = 0
    for url, params in endpoints:
        for param in params:
            for value in HOSTILE:
                response = client.get(url, {param: value})
                assert response.status_code == 400, (url, param, value, response.content[:200])
                assert list(response.json()) == [param], (url, param, value)
                pairs += 1
    assert pairs >= len(HOSTILE) * 5


def test_the_reported_request_is_a_400_saying_a_whole_number_is_needed(client):
    response = client.get(
        "/api/v1/cases/", {"birth_year_max": "-1e1000000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {"birth_year_max": ["Enter a whole number."]}
    response = client.get("/api/v1/cases/", {"birth_year_max": "1800"})
    assert response.status_code == 400
    assert "1940" in response.json()["birth_year_max"][0]
    assert client.get("/api/v1/cases/", {"birth_year_max": "2005"}).status_code == 200


def test_the_name_search_endpoint_bounds_its_numbers(client):
    for param in ("birth_year", "region", "page", "page_size"):
        for value in HOSTILE:
            response = client.get("/api/v1/conscripts/", {param: value})
            assert response.status_code == 400, (param, value, response.content[:200])
            assert param in response.json()
    api.SearchForm  # noqa: B018 - the same form as the search page, bounded there
    assert client.get("/api/v1/conscripts/", {"page": "1000000"}).status_code == 200


def test_the_browse_page_and_exports_refuse_a_hostile_number(researcher_client):
    for param in _numeric_params(ConscriptFilter):
        for value in HOSTILE:
            response = researcher_client.get(reverse("research:cases"), {param: value})
            assert response.status_code == 200
            assert param in response.context["filter"].errors, (param, value)
            assert list(response.context["page"].object_list) == []
            exported = researcher_client.post(
                reverse("research:export-create"),
                {"format": "csv", "query_string": f"{param}={value}"},
            )
            assert exported.status_code == 400, (param, value)
