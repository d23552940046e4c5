"""Relatives' private watches: register without an account, confirm by e-mail, leads for
moderators from every new report and approved change, one e-mail once a moderator
confirms, and nobody else ever sees any of it.

Every person and address here is fictional.
"""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conscripts.models import Status
from core import access
from core.models import AuditAction, AuditEntry
from reports import services, watches
from reports.models import HitState, Origin, Report, ReportKind, Watch, WatchHit, WatchKey
from reports.tasks import (
    watch_confirmation_task,
    watch_hit_notify_task,
)
from tests.factories import ConscriptFactory, UserFactory, region
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

MOTHER = "gorlitsyna.vera@example.invalid"
AUNT = "gorlitsyna.nina@example.invalid"
CONFIRM_LINK = re.compile(r"https?://\S+/watch/confirm/([^/\s]+)/")
MANAGE_LINK = re.compile(r"https?://\S+/watch/manage/([^/\s]+)/")
NEUTRAL_RU = "Если адрес верен, мы отправили на него ссылку для подтверждения."


@pytest.fixture(autouse=True)
def _generous_rate(settings):
    settings.WATCH_RATE_LIMIT = "1000/hour"
    settings.FOLLOW_RATE_LIMIT = "1000/hour"


@pytest.fixture(autouse=True)
def _tasks_in_process(tasks_in_process):
    """Run the tasks in this process when they are queued (after commit): these tests are
    about what is matched and mailed, not the broker (the browser journey uses a worker)."""


def an_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def watch_form(**overrides) -> dict:
    data = {
        "surname": "Горлицын",
        "given_name": "Тимофей",
        "patronymic": "Андреевич",
        "birth_year": "2004",
        "email": MOTHER,
        "consent": "on",
        "homepage": "",
    }
    data.update(overrides)
    return data


def post_watch(client, **overrides):
    return client.post(reverse("watch:new"), watch_form(**overrides), REMOTE_ADDR=an_address())


def active_watch(email: str = MOTHER, **fields) -> Watch:
    """A watch registered and confirmed through the services."""
    data = {
        "surname": "Горлицын",
        "given_name": "Тимофей",
        "patronymic": "Андреевич",
        "birth_year": 2004,
    } | fields
    watch = watches.watch_request(email=email, **data)
    confirmed = watches.watch_confirm(token=watches.watch_token(watch, "confirm"))
    assert confirmed is not None and confirmed.is_active
    return confirmed


def report(**overrides) -> Report:
    data = {
        "surname": "Горлицын",
        "given_name": "Тимофей",
        "patronymic": "Андреевич",
        "birth_year": 2004,
        "claimed_status": Status.CAPTURED,
        "details": "Видели на видео",
        "submitter_contact": "someone.else@example.invalid",
        "consent": True,
    }
    data.update(overrides)
    return services.report_submit(**data)


def post_report(**overrides) -> Report:
    """An ingested post's report, as sources.services.item_extract makes it."""
    return report(
        origin=Origin.SOURCE,
        origin_ref=f"telegram:test:{uuid.uuid4().hex[:8]}#1",
        consent=False,
        submitter_contact="",
        **overrides,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# --- registering ---------------------------------------------------------------------------
def test_a_relative_registers_a_watch_without_an_account_and_it_starts_only_once_confirmed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_watch(client, region=region().pk)
    assert response.status_code == 302
    assert NEUTRAL_RU in messages_of(client.get(response["Location"]))[0]
    watch = Watch.objects.get()
    assert not watch.is_active
    assert (watch.surname, watch.given_name, watch.birth_year) == ("Горлицын", "Тимофей", 2004)
    assert not WatchKey.objects.exists()  # nothing is matched before the confirmation
    [mail] = mailoutbox
    assert mail.to == [MOTHER]
    assert "Горлицын Тимофей Андреевич, 2004" in mail.body
    token = CONFIRM_LINK.search(mail.body)[1]
    assert MANAGE_LINK.search(mail.body)

    ask = client.get(reverse("watch:confirm", args=[token]))  # a mail scanner's GET
    assert ask.status_code == 200 and 'data-testid="watch-confirm"' in ask.content.decode()
    watch.refresh_from_db()
    assert not watch.is_active
    done = client.post(reverse("watch:confirm", args=[token]))
    assert 'data-testid="watch-confirmed"' in done.content.decode()
    watch.refresh_from_db()
    assert watch.is_active
    assert set(WatchKey.objects.values_list("kind", flat=True)) == {
        "surname",
        "given",
        "patronymic",
    }


def test_a_watch_needs_a_surname_a_given_name_an_address_and_consent(client):
    for missing in ("surname", "given_name", "email", "consent"):
        response = post_watch(client, **{missing: ""})
        assert response.status_code == 400, missing
    assert not Watch.objects.exists()


def test_the_watch_form_is_prefilled_from_the_search_query(client):
    page = client.get(reverse("watch:new"), {"q": "Горлицына Тимофея 2004"}).content.decode()
    assert 'value="Горлицын"' in page
    assert 'value="Тимофей"' in page
    assert 'value="2004"' in page


def test_a_forged_or_expired_confirmation_link_does_nothing(client, settings):
    watch = watches.watch_request(email=MOTHER, surname="Горлицын", given_name="Тимофей")
    forged = client.post(reverse("watch:confirm", args=[f"{watch.pk}:forged"]))
    assert forged.status_code == 400
    settings.WATCH_CONFIRM_MAX_AGE = -1
    token = watches.watch_token(watch, "confirm")
    assert client.post(reverse("watch:confirm", args=[token])).status_code == 400
    watch.refresh_from_db()
    assert not watch.is_active


def test_the_same_person_watched_twice_by_one_address_is_one_watch():
    first = active_watch()
    again = active_watch()
    assert again.pk == first.pk
    assert Watch.objects.count() == 1


def test_confirmation_mails_are_limited_per_address_per_hour(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.WATCH_MAILS_PER_ADDRESS_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        for given in ("Тимофей", "Матвей", "Кирилл"):
            watches.watch_request(email=MOTHER, surname="Горлицын", given_name=given)
    assert len(mailoutbox) == 2
    assert Watch.objects.filter(confirmation_mailed_at__isnull=True).count() == 1


def test_a_redelivered_confirmation_task_mails_once(mailoutbox):
    watch = watches.watch_request(email=MOTHER, surname="Горлицын", given_name="Тимофей")
    assert watch_confirmation_task(watch.pk) is True
    assert watch_confirmation_task(watch.pk) is False
    assert len(mailoutbox) == 1


def test_the_relative_stops_the_watch_from_the_link_in_every_mail(client):
    watch = active_watch()
    token = watches.watch_token(watch, "manage")
    page = client.get(reverse("watch:manage", args=[token])).content.decode()
    assert 'data-testid="watch-active"' in page and "Горлицын Тимофей Андреевич" in page
    client.post(reverse("watch:manage", args=[token]))
    watch.refresh_from_db()
    assert watch.ended_at is not None and not watch.is_active
    assert watches.watches_matching(watches.report_subject(report())) == []
    assert client.get(reverse("watch:manage", args=["1:forged"])).status_code == 400


# --- the same work whatever the address's state --------------------------------------------
SAVEPOINT = re.compile(r'"?s\d+_x\d+"?')
# Django writes an empty value as a literal NULL where it would pass a parameter: the
# same statement all the same.
NULL_VALUE = re.compile(r"= NULL\b")


def work(client, path: str, data: dict, capture) -> tuple[list[str], int, tuple]:
    """The SQL statements a form post runs (without their values), the tasks it queues on
    commit, and what it answers."""
    from django.db import connection

    statements = []

    def record(execute, sql, params, many, context):
        statements.append(NULL_VALUE.sub("= %s", SAVEPOINT.sub("SP", sql)))
        return execute(sql, params, many, context)

    with capture() as callbacks, connection.execute_wrapper(record):
        response = client.post(path, data, REMOTE_ADDR=an_address())
    answer = (response.status_code, response.get("Location"), tuple(messages_of(response)))
    return statements, len(callbacks), answer


def test_the_watch_form_does_the_same_work_whatever_the_address_is(
    settings, django_capture_on_commit_callbacks
):
    settings.WATCH_MAILS_PER_ADDRESS_HOUR = 1
    active_watch(MOTHER)  # watching this very person already
    watches.watch_request(email=AUNT, surname="Горлицын", given_name="Матвей")
    Watch.objects.filter(email=AUNT).update(confirmation_mailed_at=timezone.now())  # no more
    path = reverse("watch:new")
    runs = {
        state: work(Client(), path, watch_form(email=email), django_capture_on_commit_callbacks)
        for state, email in (
            ("new", "never.seen@example.invalid"),
            ("watching", MOTHER),
            ("over its hourly mails", AUNT),
        )
    }
    statements, tasks, answers = zip(*runs.values(), strict=True)
    assert statements[0] and all(s == statements[0] for s in statements), runs.keys()
    assert set(tasks) == {1}
    assert len(set(answers)) == 1


def test_the_follow_form_does_the_same_work_whatever_the_address_is(
    settings, django_capture_on_commit_callbacks
):
    from conscripts import services as conscript_services
    from conscripts.models import Follower

    settings.FOLLOW_MAILS_PER_ADDRESS_HOUR = 1
    person = ConscriptFactory()
    waiting = "waiting@example.invalid"
    following = "following@example.invalid"
    unsubscribed = "unsubscribed@example.invalid"
    busy = "busy@example.invalid"
    conscript_services.follow_request(conscript=person, email=waiting, language="ru")
    for email in (following, unsubscribed):
        follower = conscript_services.follow_request(conscript=person, email=email, language="ru")
        conscript_services.follow_confirm(
            token=conscript_services.follow_token(follower, "confirm")
        )
    conscript_services.unfollow(
        token=conscript_services.follow_token(Follower.objects.get(email=unsubscribed), "unfollow")
    )
    conscript_services.follow_request(conscript=ConscriptFactory(), email=busy, language="ru")
    path = reverse("conscripts:follow", args=[person.pk])
    runs = {
        email: work(
            Client(), path, {"email": email, "homepage": ""}, django_capture_on_commit_callbacks
        )
        for email in ("new@example.invalid", waiting, following, unsubscribed, busy)
    }
    statements, tasks, answers = zip(*runs.values(), strict=True)
    assert statements[0] and all(s == statements[0] for s in statements), runs.keys()
    assert set(tasks) == {1}
    assert len(set(answers)) == 1


# --- matching ------------------------------------------------------------------------------
def test_an_ingested_post_naming_a_declined_form_is_a_lead_on_its_report(
    django_capture_on_commit_callbacks,
):
    watch = active_watch()
    with django_capture_on_commit_callbacks(execute=True):
        found = post_report(surname="Горлицына", given_name="Тимофея", patronymic="Андреевича")
    [hit] = WatchHit.objects.all()
    assert (hit.watch, hit.report, hit.state) == (watch, found, HitState.OPEN)
    assert hit.reasons["surname"] in ("exact", "spelling")


@pytest.mark.parametrize(
    ("watched", "reported"),
    [
        ({"surname": "Gorlitsyn", "given_name": "Timofey"}, {}),  # a Latin watch
        ({}, {"surname": "Горлицин"}),  # a typo in the report
        ({}, {"birth_year": None, "patronymic": ""}),  # the report says less
        ({"patronymic": ""}, {}),  # the watch says less
        ({}, {"surname": "ГОРЛИЦЫН", "given_name": "ТИМОФЕЙ"}),
    ],
)
def test_the_name_matching_is_the_searchs(watched, reported):
    active_watch(**watched)
    found = report(**reported)
    assert watches.watch_hits_for_report(report_id=found.pk) == 1


@pytest.mark.parametrize(
    "reported",
    [
        {"given_name": "Матвей"},  # another given name
        {"birth_year": 2003},  # a namesake born another year
        {"patronymic": "Игоревич"},  # another father
        {"surname": "Горбунов"},  # another surname
    ],
)
def test_someone_else_is_no_lead(reported):
    active_watch()
    found = report(**reported)
    assert watches.watch_hits_for_report(report_id=found.pk) == 0


def test_unconfirmed_and_ended_watches_are_not_matched():
    watches.watch_request(email=AUNT, surname="Горлицын", given_name="Тимофей")
    ended = active_watch()
    watches.watch_end(token=watches.watch_token(ended, "manage"))
    assert watches.watch_hits_for_report(report_id=report().pk) == 0


def test_matching_is_idempotent_and_skips_requests():
    active_watch()
    found = report()
    assert watches.watch_hits_for_report(report_id=found.pk) == 1
    assert watches.watch_hits_for_report(report_id=found.pk) == 0
    person = ConscriptFactory(surname="Горлицын", given_name="Тимофей", birth_year=2004)
    request = services.report_submit(
        kind=ReportKind.TAKEDOWN,
        about=person,
        surname=person.surname,
        given_name=person.given_name,
        details="Просим убрать",
        consent=True,
    )
    assert watches.watch_hits_for_report(report_id=request.pk) == 0


def test_an_approved_report_gives_its_lead_the_record_and_finds_watches_made_meanwhile(
    moderator, django_capture_on_commit_callbacks
):
    first = active_watch()
    with django_capture_on_commit_callbacks(execute=True):
        found = report()
    later = active_watch(AUNT)  # registered while the report waited
    with django_capture_on_commit_callbacks(execute=True):
        record = services.report_approve_new(report=found, moderator=moderator)
    hits = {hit.watch_id: hit for hit in WatchHit.objects.filter(report=found)}
    assert set(hits) == {first.pk, later.pk}
    assert all(hit.conscript_id == record.pk for hit in hits.values())


def test_a_new_watch_finds_the_published_record_but_not_a_hidden_one(
    django_capture_on_commit_callbacks,
):
    public = ConscriptFactory(
        surname="Горлицын", given_name="Тимофей", patronymic="Андреевич", birth_year=2004
    )
    ConscriptFactory(
        surname="Горлицын",
        given_name="Тимофей",
        patronymic="Андреевич",
        birth_year=2004,
        is_public=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        watch = active_watch()
    [hit] = WatchHit.objects.all()
    assert (hit.watch, hit.conscript, hit.report) == (watch, public, None)


# --- moderators decide; the relative hears once -------------------------------------------
def test_the_relative_gets_one_mail_only_after_a_moderator_confirms(
    moderator, mailoutbox, django_capture_on_commit_callbacks
):
    active_watch()
    with django_capture_on_commit_callbacks(execute=True):
        found = post_report(surname="Горлицына", given_name="Тимофея")
    mailoutbox.clear()
    hit = WatchHit.objects.get()
    assert mailoutbox == []  # a lead alone tells the relative nothing
    with django_capture_on_commit_callbacks(execute=True):
        services.report_approve_new(report=found, moderator=moderator)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        watches.watch_hit_confirm(hit=hit, moderator=moderator, message="Проверьте запись.")
    [mail] = mailoutbox
    assert mail.to == [MOTHER]
    found.refresh_from_db()
    assert found.conscript.get_absolute_url() in mail.body
    assert "Проверьте запись." in mail.body
    assert MANAGE_LINK.search(mail.body)
    assert "someone.else" not in mail.body  # nothing about the report's sender
    assert watch_hit_notify_task(hit.pk) is False  # redelivered: nothing more
    assert len(mailoutbox) == 1
    entry = AuditEntry.objects.get(action=AuditAction.WATCH_HIT_CONFIRM)
    assert entry.report_id == found.pk and MOTHER not in str(entry.after)


def test_a_dismissed_lead_or_an_ended_watch_mails_nothing(
    moderator, mailoutbox, django_capture_on_commit_callbacks
):
    watch = active_watch()
    other = active_watch(AUNT)
    found = report()
    watches.watch_hits_for_report(report_id=found.pk)
    mine, hers = (WatchHit.objects.get(watch=w) for w in (watch, other))
    watches.watch_end(token=watches.watch_token(other, "manage"))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        watches.watch_hit_dismiss(hit=mine, moderator=moderator)
        watches.watch_hit_confirm(hit=hers, moderator=moderator)
    assert mailoutbox == []
    with pytest.raises(watches.WatchHitError):
        watches.watch_hit_confirm(hit=mine, moderator=moderator)


def test_only_moderators_decide_leads(researcher):
    active_watch()
    found = report()
    watches.watch_hits_for_report(report_id=found.pk)
    with pytest.raises(access.PermissionDenied):
        watches.watch_hit_confirm(hit=WatchHit.objects.get(), moderator=researcher)


def test_moderators_confirm_a_lead_from_the_report_page(moderator_client, moderator, mailoutbox):
    active_watch()
    found = report()
    watches.watch_hits_for_report(report_id=found.pk)
    hit = WatchHit.objects.get()
    page = moderator_client.get(reverse("reports:detail", args=[found.pk])).content.decode()
    assert "A relative is looking for someone similar" in page or "Родственник ищет" in page
    assert "Горлицын Тимофей Андреевич" in page
    assert MOTHER not in page  # the address is the relative's, not the moderators' business
    queue = moderator_client.get(reverse("reports:queue")).content.decode()
    assert 'data-testid="lead-badge"' in queue and 'data-testid="leads-notice"' in queue
    response = moderator_client.post(reverse("reports:hit-confirm", args=[hit.pk]), {"message": ""})
    assert response.status_code == 302
    hit.refresh_from_db()
    assert hit.state == HitState.CONFIRMED and hit.decided_by == moderator


# --- nobody else sees watches or leads ------------------------------------------------------
@pytest.mark.parametrize("who", ["anonymous", "outsider", "researcher"])
def test_watches_and_leads_are_shown_to_nobody_but_moderators(client, who, request):
    watch = active_watch()
    found = post_report()
    watches.watch_hits_for_report(report_id=found.pk)
    record = ConscriptFactory(surname="Горлицын", given_name="Тимофей", birth_year=2004)
    if who != "anonymous":
        log_in(client, request.getfixturevalue(who))
    leads = client.get(reverse("reports:leads"))
    assert leads.status_code == (302 if who == "anonymous" else 403)
    detail = client.get(reverse("reports:detail", args=[found.pk]))
    assert detail.status_code == (302 if who == "anonymous" else 403)
    hit = WatchHit.objects.get()
    assert client.post(reverse("reports:hit-confirm", args=[hit.pk])).status_code in (302, 403)
    hit.refresh_from_db()
    assert hit.state == HitState.OPEN
    for path in (
        reverse("conscripts:detail", args=[record.pk]),
        reverse("conscripts:search") + "?q=Горлицын+Тимофей",
        "/api/v1/conscripts/?q=Горлицын",
        f"/api/v1/cases/{record.pk}/",
        reverse("reports:receipt", args=[found.receipt_token]),
    ):
        body = client.get(path).content.decode()
        assert MOTHER not in body, path
        assert watches.watch_token(watch, "manage") not in body, path
        assert 'data-testid="lead' not in body and "leads/" not in body, path


def test_the_admin_has_no_page_for_watches(admin_client):
    assert admin_client.get("/admin/reports/watch/").status_code == 404
    assert admin_client.get("/admin/reports/watchhit/").status_code == 404


def test_a_leads_page_lists_open_leads_with_what_they_point_at(moderator_client):
    active_watch()
    found = report()
    watches.watch_hits_for_report(report_id=found.pk)
    page = moderator_client.get(reverse("reports:leads"))
    assert page.status_code == 200
    body = page.content.decode()
    assert reverse("reports:detail", args=[found.pk]) in body
    assert page["Cache-Control"] == "private, no-store"


def test_matching_one_report_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(30):
        active_watch(f"relative{n}@example.invalid", birth_year=2004)
    found = report()
    with django_assert_max_num_queries(8):
        assert len(watches.watches_matching(watches.report_subject(found))) == 30


def test_a_staff_account_is_not_needed_to_see_ones_own_watch(client):
    watch = active_watch()
    UserFactory(username="moder", groups=[access.MODERATORS])
    page = client.get(reverse("watch:manage", args=[watches.watch_token(watch, "manage")]))
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page["Referrer-Policy"] == "same-origin"


def test_the_leads_page_runs_a_fixed_number_of_queries(
    moderator_client, django_assert_max_num_queries
):
    for n in range(12):
        active_watch(f"relative{n}@example.invalid", home_region=region())
    watches.watch_hits_for_report(report_id=report().pk)
    assert WatchHit.objects.count() == 12
    with django_assert_max_num_queries(8):
        page = moderator_client.get(reverse("reports:leads"))
    assert page.content.decode().count('data-testid="lead"') == 12
