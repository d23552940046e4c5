"""Request sizes, rate limits on every API endpoint and the webhook, the proxy setting.

A 6 MB «photo» on the public form was read whole and never counted; the webhook and
most of the API had no limit; the proxy and the limits could not be set from the
environment.
"""

from __future__ import annotations

import io
import ipaddress
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver

from core import ratelimit
from core.models import RateLimitHit
from reports.models import Report
from reports.views import RATE_SCOPE
from research import services as research_services
from sources import services as source_services
from tests.factories import SourceFactory
from tests.test_report_form import form_data

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
NEW = "/reports/new/"


def an_address() -> str:
    """A fresh address, written as client_ip writes it (no leading zeros)."""
    return str(ipaddress.ip_address(f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"))


# --- The body cap -------------------------------------------------------------------------
class _Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    read_from = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        type(self).read_from = True
        raise AssertionError("the body was read")


def _wsgi(path: str, length: int, *, content_type: str = "multipart/form-data; boundary=x"):
    environ = RequestFactory().post(path).environ
    environ.update(
        CONTENT_LENGTH=str(length),
        CONTENT_TYPE=content_type,
        REMOTE_ADDR=an_address(),
        **{"wsgi.input": _Unreadable()},
    )
    # The test client's handler: the real one would close the test's database connection.
    response = ClientHandler()(environ)
    return response.status_code, response.content


@pytest.mark.parametrize(
    "path", [NEW, "/reports/receipt/whatever/reply/", "/watch/", "/api/v1/ingest/"]
)
def test_a_body_over_the_cap_is_refused_with_413_before_it_is_read(path, settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    settings.SOURCES_WEBHOOK_MAX_BYTES = 2 * 1024 * 1024
    _Unreadable.read_from = False
    status, body = _wsgi(path, 40 * 1024 * 1024)
    assert status == 413, body[:300]
    assert not _Unreadable.read_from


def test_the_413_page_is_the_sites_and_the_apis_is_json(client, settings):
    settings.REQUEST_MAX_BYTES = 1000
    page = client.post(NEW, {"details": "x" * 2000}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 413
    assert 'data-testid="error-413"' in page.content.decode()
    assert "1000" in page.content.decode()
    settings.SOURCES_WEBHOOK_MAX_BYTES = 100
    api = client.post("/api/v1/ingest/", "x" * 200, content_type="application/json")
    assert api.status_code == 413
    assert api.json() == {"detail": "body larger than 100 bytes"}


def test_a_photo_within_the_cap_still_reaches_the_form(client, settings):
    settings.REPORT_RATE_LIMIT = "1000/hour"
    settings.REQUEST_MAX_BYTES = 64 * 1024
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_report_form import jpeg_with_gps

    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(NEW, form_data(photo=photo), REMOTE_ADDR=an_address())
    assert response.status_code == 302
    assert Report.objects.get().photo


def _hits(ident: str) -> int:
    return sum(
        RateLimitHit.objects.filter(
            scope=RATE_SCOPE, client=ratelimit._client_hash(RATE_SCOPE, ident)
        ).values_list("count", flat=True)
    )


def test_oversized_and_invalid_report_posts_are_counted_by_the_forms_limiter(client, settings):
    settings.REPORT_RATE_LIMIT = "3/hour"
    settings.REQUEST_MAX_BYTES = 256 * 1024
    address = an_address()
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.jpg", os.urandom(300 * 1024), content_type="image/jpeg")
    assert client.post(NEW, form_data(photo=big), REMOTE_ADDR=address).status_code == 413
    assert _hits(address) == 1
    assert client.post(NEW, form_data(surname=""), REMOTE_ADDR=address).status_code == 400
    assert _hits(address) == 2
    assert client.post(NEW, form_data(consent=""), REMOTE_ADDR=address).status_code == 400
    # The limit is spent by refused posts: a good one now gets the 429 page, text kept.
    response = client.post(NEW, form_data(details="Сохранённый текст."), REMOTE_ADDR=address)
    assert response.status_code == 429
    assert "Сохранённый текст." in response.content.decode()
    assert Report.objects.count() == 0
    assert client.post(NEW, form_data(), REMOTE_ADDR=an_address()).status_code == 302


# --- Every API endpoint is throttled --------------------------------------------------------
def _api_get_paths() -> list[str]:
    """Every GET route under /api/v1/ (list routes, and detail routes for id 1)."""
    paths = []

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and route.startswith("api/v1/"):
                paths.append(route)

    walk(get_resolver().url_patterns, "")
    out = []
    for route in paths:
        if "ingest" in route or "(?P<format>" in route or "\\.(?P" in route:
            continue
        route = route.replace("(?P<pk>[^/.]+)", "1").replace("^", "").replace("$", "")
        out.append("/" + route.replace("<pk>", "1"))
    return sorted(set(out))


def test_every_api_endpoint_throttles_anonymous_callers(client, settings):
    settings.API_THROTTLE_RATES = {"anon": "2/minute", "user": "1000/minute"}
    paths = _api_get_paths()
    expected = {"/api/v1/cases/", "/api/v1/conscripts/", "/api/v1/statistics/"}
    assert expected | {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/units/1/"} <= set(paths)
    for path in paths:
        address = an_address()
        codes = [client.get(path, REMOTE_ADDR=address).status_code for _ in range(3)]
        assert codes[2] == 429, (path, codes)
        assert codes[0] != 429, (path, codes)
        throttled = client.get(path, REMOTE_ADDR=address)
        assert int(throttled["Retry-After"]) >= 1


def test_a_token_is_throttled_on_its_own_rate_whatever_the_address(client, settings, researcher):
    settings.API_THROTTLE_RATES = {"anon": "1000/minute", "user": "2/minute"}
    token = research_services.api_token_issue(user=researcher)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    codes = [
        client.get("/api/v1/regions/", REMOTE_ADDR=an_address(), **auth).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    # Anonymous callers from anywhere are counted apart.
    assert client.get("/api/v1/regions/", REMOTE_ADDR=an_address()).status_code == 200


def _post_batch(client, token: str, **extra):
    body = {"items": [{"external_id": secrets.token_hex(4), "text": "Ищем Сидорова Петра"}]}
    return client.post(
        "/api/v1/ingest/",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
        **extra,
    )


def test_the_webhook_is_throttled_per_source_and_guessed_tokens_per_address(client, settings):
    settings.API_THROTTLE_RATES = {"anon": "2/minute", "user": "1000/minute", "ingest": "2/minute"}
    source = SourceFactory(kind="webhook", name="hook")
    token = source_services.source_rotate_webhook_token(source=source)
    codes = [_post_batch(client, token, REMOTE_ADDR=an_address()).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    address = an_address()
    codes = [_post_batch(client, "guess", REMOTE_ADDR=address).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


# --- Proxies --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("proxies", "header", "meta", "expected"),
    [
        (0, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "192.0.2.1"),
        (1, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}, "203.0.113.9"),
        (2, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9, 10.0.0.2"},
         "203.0.113.9"),
        (1, "X-Real-IP", {"HTTP_X_REAL_IP": "203.0.113.7"}, "203.0.113.7"),
        (1, "X-Forwarded-For", {}, "192.0.2.1"),
        (1, "X-Forwarded-For", {"HTTP_X_FORWARDED_FOR": "not an address"}, ""),
    ],
    ids=["no-proxy-ignores-header", "one", "two", "x-real-ip", "no-header", "junk"],
)  # fmt: skip
def test_the_client_address_counts_only_the_trusted_proxies(
    settings, proxies, header, meta, expected
):
    settings.TRUSTED_PROXIES = proxies
    settings.CLIENT_IP_HEADER = header
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **meta)
    assert ratelimit.client_ip(request) == expected


def test_limits_and_proxies_are_read_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "REQUEST_MAX_BYTES": "12345",
        "DATA_UPLOAD_MAX_MEMORY_SIZE": "2345",
        "FILE_UPLOAD_MAX_MEMORY_SIZE": "3456",
        "TRUSTED_PROXIES": "2",
        "CLIENT_IP_HEADER": "X-Real-IP",
        "API_ANON_RATE": "7/minute",
        "API_USER_RATE": "8/minute",
        "API_INGEST_RATE": "9/minute",
        "REPORT_RATE_LIMIT": "4/hour",
        "SOURCES_WEBHOOK_MAX_BYTES": "4567",
        "LIST_UPLOAD_MAX_BYTES": "5678",
    }
    code = (
        "from django.conf import settings as s; import django; django.setup(); "
        "print(s.REQUEST_MAX_BYTES, s.DATA_UPLOAD_MAX_MEMORY_SIZE, s.FILE_UPLOAD_MAX_MEMORY_SIZE,"
        " s.TRUSTED_PROXIES, s.CLIENT_IP_HEADER, s.API_THROTTLE_RATES['anon'],"
        " s.API_THROTTLE_RATES['user'], s.API_THROTTLE_RATES['ingest'], s.REPORT_RATE_LIMIT,"
        " s.SOURCES_WEBHOOK_MAX_BYTES, s.LIST_UPLOAD_MAX_BYTES)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.split() == [
        "12345", "2345", "3456", "2", "X-Real-IP", "7/minute", "8/minute", "9/minute",
        "4/hour", "4567", "5678",
    ]  # fmt: skip


def test_views_that_take_more_declare_it_and_the_rest_get_the_default(settings):
    from django.urls import resolve

    from core.request_limits import view_limit

    settings.REQUEST_MAX_BYTES = 1000
    settings.LIST_UPLOAD_MAX_BYTES = 5000
    settings.SOURCES_WEBHOOK_MAX_BYTES = 7000
    assert view_limit(resolve("/reports/upload/").func) == 5000 + 1024 * 1024
    assert view_limit(resolve("/api/v1/ingest/").func) == 7000
    for path in ("/", "/reports/new/", "/watch/", "/research/exports/new/", "/i18n/setlang/"):
        assert view_limit(resolve(path).func) == 1000, path
