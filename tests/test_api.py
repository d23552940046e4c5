"""The read-only REST API: public fields of public people, tokens, throttles, schema."""

import itertools
import os

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from knox.models import AuthToken

from conscripts.models import EvidenceKind
from core import access
from research import api
from tests.factories import ConscriptFactory, EvidenceFactory, region
from tests.helpers import log_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("generous_api_rates", "no_cached_statistics"),
]
CASES = "/api/v1/cases/"
CASE_FIELDS = {
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
}
_ips = itertools.count(1)


@pytest.fixture
def people(db):
    kept = ConscriptFactory(surname="Публичный", status="captured", home_region=region("KRS"))
    hidden = ConscriptFactory(surname="Скрытый", is_public=False)
    ConscriptFactory(surname="Дубликат", merged_into=kept)
    EvidenceFactory(
        conscript=kept,
        kind=EvidenceKind.SEARCH_POST,
        url="https://vk.example/mother-post",
        archived_text="Мама: +7 999 000-11-22",
        link_public=True,  # even if flagged public, a relative's post is never linked
    )
    EvidenceFactory(conscript=kept, kind=EvidenceKind.PRISONER_VIDEO, url="https://t.example/video")
    EvidenceFactory(
        conscript=kept, kind=EvidenceKind.MEDIA_REPORT, retracted_at="2024-09-01T00:00Z"
    )
    EvidenceFactory(conscript=hidden, kind=EvidenceKind.PRISONER_VIDEO)
    return kept, hidden


def surnames(response):
    assert response.status_code == 200, response.content
    return [r["surname"] for r in response.json()["results"]]


# --- Privacy per role --------------------------------------------------------------------
@pytest.mark.parametrize("persona", [None, "outsider", "researcher", "moderator"])
def test_cases_show_public_fields_of_public_people_to_everyone(client, request, people, persona):
    if persona:
        log_in(client, request.getfixturevalue(persona))
    response = client.get(CASES)
    assert surnames(response) == ["Публичный"]
    assert set(response.json()["results"][0]) == CASE_FIELDS
    assert client.get(f"{CASES}{people[1].pk}/").status_code == 404


@pytest.mark.parametrize("persona", [None, "researcher", "moderator"])
def test_evidence_never_carries_archived_text_contacts_or_hidden_people(
    client, request, people, persona
):
    if persona:
        log_in(client, request.getfixturevalue(persona))
    response = client.get("/api/v1/evidence/")
    body = response.content.decode()
    records = response.json()["results"]
    assert {r["kind"] for r in records} == {"search_post", "prisoner_video"}
    assert all(r["conscript"] == people[0].pk for r in records)
    assert "archived" not in body and "+7 999" not in body and "mother-post" not in body
    assert {r["kind"]: r["url"] for r in records}["prisoner_video"] == "https://t.example/video"


def test_cases_take_the_browse_filters(client, people):
    ConscriptFactory(surname="Белгородский", status="missing", home_region=region("BEL"))
    assert surnames(client.get(CASES, {"status": "captured"})) == ["Публичный"]
    assert surnames(client.get(CASES, {"region": region("BEL").pk})) == ["Белгородский"]
    assert surnames(client.get(CASES, {"evidence": "prisoner_video"})) == ["Публичный"]
    assert surnames(client.get(CASES, {"sort": "-name"})) == ["Публичный", "Белгородский"]
    assert client.get(CASES, {"status": "nonsense"}).status_code == 400


def test_cases_are_paginated(client):
    ConscriptFactory.create_batch(7)
    body = client.get(CASES, {"page_size": 5}).json()
    assert body["count"] == 7 and len(body["results"]) == 5 and body["next"]


def test_regions_units_and_statistics_are_public(client, people):
    regions = client.get("/api/v1/regions/", {"page_size": 500}).json()
    assert "KRS" in {r["code"] for r in regions["results"]}
    assert client.get("/api/v1/units/").json()["count"] >= 1
    stats = client.get("/api/v1/statistics/").json()
    assert stats["total"] == 1
    assert client.get("/api/v1/statistics/", {"window": "kursk"}).json()["kursk"] is True


def test_the_name_search_endpoint_keeps_its_shape(client, people):
    body = client.get("/api/v1/conscripts/", {"q": "Публичный"}).json()
    assert set(body) == {"q", "count", "page", "page_size", "results"}
    assert body["results"][0]["surname"] == "Публичный"
    assert {"score", "matched", "url", "unit_number"} <= set(body["results"][0])


def test_the_name_search_pages_like_before(client, people):
    """Pages from 1; a page past the end is empty, not an error; pages over 100 are cut."""
    ConscriptFactory.create_batch(3, surname="Публичный")
    first = client.get("/api/v1/conscripts/", {"q": "Публичный", "page_size": 2}).json()
    assert (first["count"], first["page"], first["page_size"]) == (4, 1, 2)
    assert len(first["results"]) == 2
    third = client.get("/api/v1/conscripts/", {"q": "Публичный", "page_size": 2, "page": 3})
    assert third.status_code == 200 and third.json()["results"] == []
    wide = client.get("/api/v1/conscripts/", {"q": "Публичный", "page_size": 500}).json()
    assert wide["page_size"] == 100 and len(wide["results"]) == 4


def test_the_name_search_shows_public_fields_of_public_people_only(client, people):
    body = client.get("/api/v1/conscripts/", {"q": "Скрытый"}).json()
    assert body["results"] == []
    found = client.get("/api/v1/conscripts/", {"q": "Публичный"}).json()["results"][0]
    assert found["region"] == region("KRS").name_ru
    assert found["url"].endswith(f"/people/{people[0].pk}/")
    assert set(found) == {
        "id", "surname", "given_name", "patronymic", "birth_date", "birth_year", "region",
        "unit_number", "status", "status_since", "score", "match", "matched", "url",
    }  # fmt: skip


# --- One error shape ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/conscripts/", {"q": "x", "birth_year": "abc"}, "birth_year"),
        ("/api/v1/conscripts/", {"q": "x", "page": "0"}, "page"),
        ("/api/v1/conscripts/", {"unit": "12ab"}, "unit"),
        ("/api/v1/cases/", {"status": "nonsense"}, "status"),
        ("/api/v1/evidence/", {"conscript": "1.5"}, "conscript"),
        ("/api/v1/statistics/", {"window": "krusk"}, "window"),
    ],
)
def test_an_invalid_parameter_maps_to_its_messages_on_every_endpoint(client, path, params, field):
    response = client.get(path, params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert all(isinstance(message, str) and message for message in body[field])


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/999999999/", "/api/v1/evidence/999999999/", "/api/v1/cases/?page=99"]
)
def test_every_other_error_says_what_went_wrong_in_detail(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_a_wrong_token_is_refused_in_the_same_shape(client):
    response = client.get(CASES, HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_the_browsable_api_is_off_without_debug(client, people):
    response = client.get(CASES, HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("application/json")


# --- Tokens ------------------------------------------------------------------------------
def test_researchers_issue_use_and_revoke_a_token(researcher_client, researcher):
    profile = reverse("research:profile")
    assert researcher_client.get(profile).context["token"] is None
    issued = researcher_client.post(profile, {"action": "issue"})
    assert issued.status_code == 200
    assert issued["Cache-Control"] == "private, no-store"
    key = issued.context["issued_key"]
    assert key and key in issued.content.decode()
    later = researcher_client.get(profile).content.decode()
    assert key not in later, "a token is shown once"
    assert key[:8] in later and 'data-testid="token-info"' in later

    client = Client()  # a script: no session, only the token
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get(CASES, **auth).status_code == 200
    new = researcher_client.post(profile, {"action": "issue"}).context["issued_key"]
    assert client.get(CASES, **auth).status_code == 401  # replaced
    assert client.get(CASES, HTTP_AUTHORIZATION=f"Token {new}").status_code == 200
    researcher_client.post(profile, {"action": "revoke"})
    assert not AuthToken.objects.filter(user=researcher).exists()
    assert client.get(CASES, HTTP_AUTHORIZATION=f"Token {new}").status_code == 401


def test_outsiders_cannot_get_a_token(client, outsider):
    log_in(client, outsider)
    assert client.post(reverse("research:profile"), {"action": "issue"}).status_code == 403
    assert not AuthToken.objects.exists()


def test_a_token_expires(client, researcher, settings, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    from research.services import api_token_issue

    issued = api_token_issue(user=researcher)
    lifetime = issued.record.expiry - issued.record.created
    assert abs(lifetime - timedelta(days=90)) < timedelta(seconds=1)
    auth = {"HTTP_AUTHORIZATION": f"Token {issued.key}"}
    assert client.get(CASES, **auth).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(days=90, minutes=1))
    assert client.get(CASES, **auth).status_code == 401
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize("role", [access.RESEARCHERS, access.MODERATORS])
def test_a_token_stops_working_when_its_user_loses_the_role(client, role):
    from core.models import AuditAction, AuditEntry
    from research.services import api_token_issue
    from tests.factories import UserFactory

    user = UserFactory(username="leaver", groups=[role])
    issued = api_token_issue(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Token {issued.key}"}
    assert client.get(CASES, **auth).status_code == 200
    user.groups.clear()  # in the admin, by a script: whatever took the role away
    answer = client.get(CASES, **auth)
    assert answer.status_code == 401
    assert set(answer.json()) == {"detail"}
    assert not AuthToken.objects.exists()  # revoked, not only refused
    revoke = AuditEntry.objects.get(action=AuditAction.API_TOKEN_REVOKE)
    assert revoke.after == {"reason": "role"}


def test_the_schema_documents_the_token(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["in"] == "header" and "hash" in scheme["description"]
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/cases/"]["get"]["security"]


# --- Throttles ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [CASES, "/api/v1/conscripts/?q=Иванов"])
def test_anonymous_callers_are_throttled(client, settings, path):
    settings.API_THROTTLE_RATES = {"anon": "2/minute", "user": "1000/minute"}
    ip = f"10.9.{next(_ips)}.{os.getpid() % 250}"
    codes = [client.get(path, REMOTE_ADDR=ip).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert set(client.get(path, REMOTE_ADDR=ip).json()) == {"detail"}


# --- Schema and documentation ------------------------------------------------------------
def test_the_openapi_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for endpoint in (
        "/api/v1/cases/",
        "/api/v1/evidence/",
        "/api/v1/statistics/",
        "/api/v1/conscripts/",
        "/api/v1/ingest/",
    ):
        assert endpoint in text
    assert "ValidationError:" in text and "Error:" in text
    assert "archived_text" not in text


def test_the_documentation_page_serves_its_assets_locally(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "drf_spectacular_sidecar" in page
    assert "cdn" not in page.lower()
    assert client.get("/api/v1/schema/").status_code == 200


# --- Fuzzing the filter parameters -------------------------------------------------------
PARAMS = [
    "q", "status", "region", "unit", "birth_year_min", "birth_year_max", "draft_season",
    "draft_year", "last_contact_after", "last_contact_before", "status_since_after",
    "status_since_before", "evidence", "disputed", "window", "sort", "page", "page_size",
]  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.dates().map(str),
    st.sampled_from(["captured", "kursk", "-name", "true", "spring", "prisoner_video", "0"]),
)


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=st.dictionaries(st.sampled_from(PARAMS), VALUES, max_size=5))
def test_no_filter_value_makes_the_cases_endpoint_fail(client, params):
    api.CaseViewSet.throttle_classes = []
    try:
        response = client.get(CASES, params)
    finally:
        api.CaseViewSet.throttle_classes = [api.AnonThrottle, api.UserThrottle]
    assert response.status_code < 500, (params, response.content[:300])
