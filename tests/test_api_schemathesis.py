"""The API keeps to its OpenAPI schema: Schemathesis fuzzes every operation of
/api/v1/schema/ in-process, anonymously and with a researcher's token.

The WSGI app runs in the test's own thread and so on its connection: it sees the
test's transaction and the fictional people seeded below.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.views import SpectacularAPIView
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from conscripts.models import EvidenceKind, Status
from tests.factories import ConscriptFactory, EvidenceFactory, UnitFactory, region

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("generous_api_rates", "no_cached_statistics"),
]


def _load_schema():
    """The schema as the site serves it, read at collection time, when the database may
    not be used: its view's throttle (which counts in the database) is left out for
    this one request."""
    throttles = SpectacularAPIView.throttle_classes
    SpectacularAPIView.throttle_classes = []
    try:
        return schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        SpectacularAPIView.throttle_classes = throttles


schema = _load_schema()
# No 5xx, bodies as documented, and only documented status codes (200, 400, 404).
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Modest and repeatable: the same ~1,500 requests on every run, about 20 s for the module.
FUZZ = hsettings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """A WSGI request ends by closing any connection inside a transaction, and the
    test's transaction is one: keep it open, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def people(db):
    """Fictional people in every shape the serializers meet: with and without region,
    unit and dates, hidden, merged, and evidence of several kinds."""
    kept = ConscriptFactory(
        surname="Публичный",
        status=Status.CAPTURED,
        home_region=region("KRS"),
        unit=UnitFactory(number="70999", name="Вымышленный полк"),
        draft_season="autumn",
        draft_year=2023,
        last_contact_date="2024-08-10",
        last_known_place="Суджа",
    )
    bare = ConscriptFactory(surname="Безрегионный", home_region=None, unit=None, birth_year=None)
    ConscriptFactory(surname="Белгородский", home_region=region("BEL"), status=Status.DEAD)
    hidden = ConscriptFactory(surname="Скрытый", is_public=False)
    ConscriptFactory(surname="Дубликат", merged_into=kept)
    evidence = [
        EvidenceFactory(conscript=kept, kind=EvidenceKind.SEARCH_POST, url="https://vk.example/p"),
        EvidenceFactory(
            conscript=kept,
            kind=EvidenceKind.PRISONER_VIDEO,
            url="https://t.example/video",
            claimed_status=Status.CAPTURED,
            published_at="2024-08-20T10:00Z",
        ),
        EvidenceFactory(
            conscript=bare, kind=EvidenceKind.OTHER, claimed_status="", event_date=None
        ),
    ]
    EvidenceFactory(conscript=hidden, kind=EvidenceKind.PRISONER_VIDEO)
    return {"cases": [kept, bare], "evidence": evidence, "units": [kept.unit]}


@pytest.fixture
def auth_headers(request):
    if request.param == "anonymous":
        return {}
    from research.services import api_token_issue

    token = api_token_issue(user=request.getfixturevalue("researcher"))
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@pytest.mark.parametrize("auth_headers", ["anonymous", "researcher"], indirect=True)
@FUZZ
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)


def test_the_seeded_records_match_their_documented_shapes(people):
    """Fuzzed ids seldom hit a record; these do, including the nullable fields."""
    for kind, records in people.items():
        detail = schema[f"/api/v1/{kind}/{{id}}/"]["GET"]
        for record in records:
            response = detail.Case(path_parameters={"id": record.pk}).call_and_validate(
                checks=CHECKS
            )
            assert response.status_code == 200
    for path in ("cases", "evidence", "regions", "units"):
        listing = schema[f"/api/v1/{path}/"]["GET"].Case(query={"page_size": 500})
        assert listing.call_and_validate(checks=CHECKS).json()["count"] > 0
    for query, kursk in (({}, False), ({"window": "kursk"}, True)):
        statistics = schema["/api/v1/statistics/"]["GET"].Case(query=query)
        assert statistics.call_and_validate(checks=CHECKS).json()["kursk"] is kursk


def test_an_unknown_statistics_window_is_an_error_not_every_period():
    response = schema["/api/v1/statistics/"]["GET"].Case(query={"window": "krusk"}).call()
    assert response.status_code == 400
    assert "window" in response.json()


def test_a_fractional_conscript_id_is_an_error_not_a_rounded_match():
    response = schema["/api/v1/evidence/"]["GET"].Case(query={"conscript": "1.5"}).call()
    assert response.status_code == 400


# --- The ingest webhook with a source's token ----------------------------------------------
@pytest.fixture
def webhook_token(db):
    from sources import services as source_services
    from sources.models import Source

    source = Source.objects.create(kind="webhook", name="fuzzed-feed")
    return source_services.source_rotate_webhook_token(source=source)


@schema.include(path="/api/v1/ingest/", method="POST").parametrize()
@FUZZ
def test_the_webhook_keeps_to_its_schema_for_its_own_source(case, webhook_token):
    """Bodies as documented and otherwise: stored (201), refused per item or as a whole
    (400), never a server error or an undocumented answer."""
    case.call_and_validate(headers={"Authorization": f"Bearer {webhook_token}"}, checks=CHECKS)


def test_the_webhook_answers_as_documented_when_it_stores_and_when_it_refuses(webhook_token):
    operation = schema["/api/v1/ingest/"]["POST"]
    headers = {"Authorization": f"Bearer {webhook_token}"}
    good = {"items": [{"external_id": "a1", "text": "Ищем Зябликова Егора", "author": "x"}]}
    stored = operation.Case(body=good).call_and_validate(headers=headers, checks=CHECKS)
    assert stored.status_code == 201 and stored.json()["new"] == 1
    bad = {
        "items": [{"external_id": "a2", "text": "Текст", "published_at": "0001-01-01T00:00+05:00"}]
    }
    refused = operation.Case(body=bad).call_and_validate(headers=headers, checks=CHECKS)
    assert refused.status_code == 400 and refused.json()["errors"][0]["index"] == 0
