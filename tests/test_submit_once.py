"""A double click, a resubmitted page or two posts at once create one report, and a
follow form posted twice asks once (core.forms; static/js/forms.js)."""

import re
import threading
import time
import uuid

import pytest
import requests
from django.urls import reverse

from core.models import UsedFormKey
from reports.models import Report
from tests.factories import ConscriptFactory
from tests.test_report_form import NEW, form_data

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="form_key" value="([A-Za-z0-9_-]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RATE_LIMIT = "1000/hour"
    settings.FOLLOW_RATE_LIMIT = "1000/hour"


def an_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def form_key(client, url: str = NEW) -> str:
    return KEY.search(client.get(url).content.decode()).group(1)


def test_every_rendered_form_carries_a_fresh_key_and_the_script(client):
    first, second = form_key(client), form_key(client)
    assert first != second and len(first) >= 32
    page = client.get(NEW).content.decode()
    assert "data-submit-once" in page and "js/forms.js" in page
    assert "<script>" not in page  # no inline script: a CSP comes


def test_the_same_form_posted_twice_creates_one_report_and_both_get_its_receipt(client):
    key = form_key(client)
    first = client.post(NEW, form_data(form_key=key), REMOTE_ADDR=an_address())
    second = client.post(NEW, form_data(form_key=key), REMOTE_ADDR=an_address())
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    (report,) = Report.objects.all()
    assert first["Location"].endswith(f"/receipt/{report.receipt_token}/")


def test_a_form_sent_back_with_errors_keeps_its_key_and_creates_its_report_once(client):
    key = form_key(client)
    refused = client.post(NEW, form_data(form_key=key, surname=""), REMOTE_ADDR=an_address())
    assert refused.status_code == 400 and Report.objects.count() == 0
    assert KEY.search(refused.content.decode()).group(1) == key
    for _ in range(2):
        response = client.post(NEW, form_data(form_key=key), REMOTE_ADDR=an_address())
        assert response.status_code == 302
    assert Report.objects.count() == 1


def test_going_back_and_changing_what_was_written_sends_a_new_report(client):
    key = form_key(client)
    first = client.post(NEW, form_data(form_key=key), REMOTE_ADDR=an_address())
    changed = form_data(form_key=key, details="Добавила: звонил 21 августа.")
    edited = client.post(NEW, changed, REMOTE_ADDR=an_address())
    assert first["Location"] != edited["Location"]
    assert Report.objects.count() == 2


def test_a_repeated_post_is_not_counted_against_the_limit(client, settings):
    settings.REPORT_RATE_LIMIT = "1/hour"
    address, key = an_address(), form_key(client)
    assert client.post(NEW, form_data(form_key=key), REMOTE_ADDR=address).status_code == 302
    assert client.post(NEW, form_data(form_key=key), REMOTE_ADDR=address).status_code == 302
    # A new form from the same address is over the limit.
    other = client.post(NEW, form_data(form_key=form_key(client)), REMOTE_ADDR=address)
    assert other.status_code == 429


def test_a_malformed_key_is_ignored_rather_than_refused(client):
    for _ in range(2):
        response = client.post(NEW, form_data(form_key="x"), REMOTE_ADDR=an_address())
        assert response.status_code == 302
    assert Report.objects.count() == 2


# --- the double click, over HTTP against a real server ------------------------------------
def _post_pair(live_server, gap: float) -> list[requests.Response]:
    """Two posts of one rendered form: at once (``gap`` 0) or ``gap`` seconds apart."""
    session = requests.Session()
    page = session.get(live_server.url + NEW, timeout=30).text
    data = form_data(form_key=KEY.search(page).group(1))
    data["csrfmiddlewaretoken"] = CSRF.search(page).group(1)
    headers = {"Referer": live_server.url + NEW}
    answers: list[requests.Response] = []
    start = threading.Barrier(2)

    def post(delay: float) -> None:
        start.wait()
        time.sleep(delay)
        answers.append(
            session.post(
                live_server.url + NEW,
                data=data,
                headers=headers,
                allow_redirects=False,
                timeout=60,
            )
        )

    threads = [threading.Thread(target=post, args=(d,)) for d in (0, gap)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("gap", [0.0, 0.1], ids=["at-once", "100ms-apart"])
def test_double_posts_over_http_create_one_report_each(live_server, gap):
    pairs = 5
    for _ in range(pairs):
        answers = _post_pair(live_server, gap)
        assert [a.status_code for a in answers] == [302, 302]
        assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert Report.objects.count() == pairs
    assert len(set(Report.objects.values_list("submission_key", flat=True))) == pairs


# --- following a case ---------------------------------------------------------------------
def follow_url(person) -> str:
    return reverse("conscripts:follow", args=[person.pk])


def test_the_follow_form_posted_twice_asks_once(
    client, settings, tasks_in_process, mailoutbox, django_capture_on_commit_callbacks
):
    settings.FOLLOW_RATE_LIMIT = "1/hour"
    person = ConscriptFactory()
    key = form_key(client, person.get_absolute_url())
    address = an_address()
    data = {"email": "zorina.maria@example.invalid", "homepage": "", "form_key": key}
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(follow_url(person), data, REMOTE_ADDR=address)
        assert response.status_code == 302  # the second is not over the limit either
    assert UsedFormKey.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_follow_form_with_a_mistyped_address_is_sent_again_with_its_key(client):
    person = ConscriptFactory()
    key = form_key(client, person.get_absolute_url())
    wrong = client.post(follow_url(person), {"email": "nope", "form_key": key})
    assert wrong.status_code == 400
    right = client.post(
        follow_url(person), {"email": "zorina.maria@example.invalid", "form_key": key}
    )
    assert right.status_code == 302
    assert person.followers.count() == 1
