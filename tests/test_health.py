"""/healthz reports each dependency; a database that does not answer gets the site's
503 page, in the visitor's language, never a bare «Server Error (500)»."""

import json
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.utils import timezone

from config.views import server_error
from core import outbox
from core.models import Heartbeat, OutboxMessage

pytestmark = pytest.mark.django_db


def healthz(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_all_is_well_when_every_dependency_answers_and_beat_ran(client):
    outbox.heartbeat_record(name=outbox.RELAY_HEARTBEAT)
    status, report = healthz(client)
    assert status == 200
    assert report["status"] == "ok", report
    assert set(report["checks"]) == {"database", "cache", "broker", "outbox", "beat"}
    assert report["checks"]["outbox"]["unsent"] == 0


def test_redis_down_is_degraded_not_down(client, redis_down):
    outbox.heartbeat_record(name=outbox.RELAY_HEARTBEAT)
    status, report = healthz(client)
    assert status == 200
    assert report["status"] == "degraded"
    assert report["checks"]["cache"]["ok"] is False
    assert report["checks"]["broker"]["ok"] is False
    assert report["checks"]["database"]["ok"] is True


def test_a_stale_beat_and_a_stuck_outbox_are_flagged(client, settings):
    settings.OUTBOX_RELAY_SECONDS = 30
    Heartbeat.objects.create(name=outbox.RELAY_HEARTBEAT, at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.create(
        task="reports.notify_submitter", args=[1], created_at=timezone.now() - timedelta(hours=1)
    )
    status, report = healthz(client)
    assert status == 200 and report["status"] == "degraded"
    assert report["checks"]["beat"]["ok"] is False
    assert report["checks"]["beat"]["last_run_seconds_ago"] >= 3600
    assert report["checks"]["outbox"] | {"ms": 0} == {
        "ok": False,
        "unsent": 1,
        "oldest_seconds": pytest.approx(3600, abs=120),
        "ms": 0,
    }


# --- PostgreSQL does not answer ---------------------------------------------------------
@pytest.fixture
def database_down(transactional_db):
    """This process's connection points at a port where no PostgreSQL listens."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict["PORT"] = port


@pytest.fixture
def visitor():
    # A real server answers a failing request with the handler's page; so does this.
    return Client(raise_request_exception=False)


def test_healthz_is_503_when_the_database_does_not_answer(visitor, database_down):
    status, report = healthz(visitor)
    assert status == 503
    assert report["status"] == "down"
    assert report["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert "outbox" not in report["checks"]


@pytest.mark.parametrize(
    ("language", "heading", "other"),
    [
        ("ru", "Сайт ненадолго недоступен", "The site is briefly unavailable"),
        ("en", "The site is briefly unavailable", "Сайт ненадолго недоступен"),
    ],
)
def test_pages_answer_503_in_the_sites_design_and_both_languages(
    visitor, database_down, language, heading, other
):
    for url in ("/", "/people/search/?q=Иванов", "/reports/new/", "/people/1/"):
        response = visitor.get(url, HTTP_ACCEPT_LANGUAGE=language)
        text = response.content.decode()
        assert response.status_code == 503, url
        assert response["Retry-After"] == "30"
        assert heading in text and other in text
        assert "site.css" in text and 'data-testid="unavailable"' in text
        assert "Server Error" not in text


def test_a_report_post_meets_the_503_page_and_no_traceback(visitor, database_down):
    response = visitor.post("/reports/new/", {"surname": "Лыткин", "consent": "on"})
    assert response.status_code == 503
    assert "Traceback" not in response.content.decode()


def test_api_clients_get_json_when_the_database_does_not_answer(visitor, database_down):
    response = visitor.get("/api/v1/cases/")
    assert response.status_code == 503
    assert response.json() == {"error": "database unavailable", "retry_after": 30}
    webhook = visitor.post(
        "/api/v1/ingest/", data="{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
    )
    assert webhook.status_code == 503 and webhook["Retry-After"] == "30"


def test_other_errors_still_get_the_500_page():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug, not an outage")
    except ValueError:
        assert server_error(request).status_code == 500
    try:
        try:
            raise OperationalError("connection refused")
        except OperationalError as exc:
            raise RuntimeError("raised while handling it") from exc
    except RuntimeError:
        assert server_error(request).status_code == 503
