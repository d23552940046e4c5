"""While Redis is down the public forms still work, keep their limits and lose nothing;
pages that read the cache answer from the database (core.ratelimit, core.cache)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import ratelimit
from core.models import OutboxMessage, RateLimitHit
from reports.models import Report
from tests.factories import ConscriptFactory
from tests.test_report_form import NEW, form_data

pytestmark = pytest.mark.django_db


def an_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def test_the_report_form_works_and_keeps_its_limit_while_redis_is_down(
    client, settings, redis_down, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RATE_LIMIT = "2/hour"
    address = an_address()
    assert client.get(NEW).status_code == 200
    for _ in range(2):
        assert client.post(NEW, form_data(), REMOTE_ADDR=address).status_code == 302
    response = client.post(NEW, form_data(details="Третье: текст не потерян."), REMOTE_ADDR=address)
    # Over the limit: refused, and what the relative typed is on the page again.
    assert response.status_code == 429
    assert "Третье: текст не потерян." in response.content.decode()
    assert Report.objects.count() == 2


def test_the_follow_form_works_while_redis_is_down_and_its_mail_waits_in_the_outbox(
    client, redis_down, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("conscripts:follow", args=[person.pk]),
            {"email": "kuzina.lidia@example.invalid", "homepage": ""},
            REMOTE_ADDR=an_address(),
        )
    assert response.status_code == 302
    (row,) = OutboxMessage.objects.filter(task="conscripts.follow_confirmation")
    assert row.sent_at is None and row.last_error


def test_pages_that_read_the_cache_answer_while_redis_is_down(client, redis_down):
    ConscriptFactory()
    assert client.get(reverse("research:statistics")).status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.get(reverse("conscripts:search"), {"q": "Иванов"}).status_code == 200


def test_counting_is_one_upsert_per_post_and_per_window():
    rate = (2, 3600)
    assert ratelimit.hit(scope="t", ident="203.0.113.5", rate=rate)
    assert ratelimit.hit(scope="t", ident="203.0.113.5", rate=rate)
    assert ratelimit.is_limited(scope="t", ident="203.0.113.5", rate=rate)
    assert not ratelimit.hit(scope="t", ident="203.0.113.5", rate=rate)
    assert not ratelimit.is_limited(scope="t", ident="203.0.113.6", rate=rate)
    (row,) = RateLimitHit.objects.all()
    assert row.count == 3
    assert "203.0.113.5" not in row.client  # hashed


def test_finished_windows_are_swept():
    ratelimit.hit(scope="t", ident="203.0.113.7", rate=(5, 60))
    RateLimitHit.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    ratelimit.hit(scope="t", ident="203.0.113.8", rate=(5, 3600))
    assert ratelimit.ratelimit_purge() == 1
    assert RateLimitHit.objects.count() == 1
