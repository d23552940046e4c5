"""Relatives follow a case: double opt-in by e-mail, a mail per status change, one-click out.

Every person and address here is fictional.
"""

import datetime
import re
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conscripts import services
from conscripts.models import (
    Conscript,
    Evidence,
    EvidenceKind,
    Follower,
    Status,
    StatusChange,
)
from conscripts.tasks import follow_confirmation_task, notify_followers_task
from core.models import OutboxMessage
from tests.factories import ConscriptFactory, UserFactory
from tests.helpers import log_in, wait_until

pytestmark = pytest.mark.django_db

MOTHER = "tikhonravova.olga@example.invalid"
SISTER = "merzlyakova.anna@example.invalid"
NEUTRAL_RU = "Если адрес верен, мы отправили на него ссылку для подтверждения."
CONFIRM_LINK = re.compile(r"(https?://\S+/people/follow/confirm/([^/\s]+)/)")
UNFOLLOW_LINK = re.compile(r"(https?://\S+/people/follow/stop/([^/\s]+)/)")


@pytest.fixture(autouse=True)
def _generous_rate(settings):
    # The rate limit counts in the shared Redis cache: tests that are not about it
    # must not trip it (and each request comes from an address of its own anyway).
    settings.FOLLOW_RATE_LIMIT = "1000/hour"


@pytest.fixture(autouse=True)
def _tasks_in_process(tasks_in_process):
    """Run the tasks in this process when they are sent: these tests are about what
    the mails say and when they go, not the broker (a last test uses a real worker)."""


def an_address() -> str:
    """A client address of its own (documentation range), so counters never collide."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def follow(client, person, email: str, *, ip: str | None = None, **data):
    """POST the case page's form for ``person`` (a record or a bare id)."""
    return client.post(
        reverse("conscripts:follow", args=[getattr(person, "pk", person)]),
        {"email": email, "homepage": "", **data},
        REMOTE_ADDR=ip or an_address(),
    )


def confirmed(person, email: str = MOTHER, language: str = "ru") -> Follower:
    follower = services.follow_request(conscript=person, email=email, language=language)
    assert services.follow_confirm(token=services.follow_token(follower, "confirm")) is not None
    return follower


def capture(person, *, status: str = Status.CAPTURED, day: int = 2, **extra):
    return services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=status,
        event_date=datetime.date(2024, 9, day),
        **extra,
    )


def message_texts(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# --- Double opt-in -------------------------------------------------------------------------
def test_a_relative_follows_a_case_only_after_opening_the_link_mailed_to_them(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory(surname="Тихонравов", given_name="Даниил", patronymic="Сергеевич")
    with django_capture_on_commit_callbacks(execute=True):
        response = follow(client, person, "  Tikhonravova.Olga@Example.INVALID ")
    assert response.status_code == 302
    assert response["Location"] == f"{person.get_absolute_url()}#follow"
    page = client.get(response["Location"]).content.decode()
    assert NEUTRAL_RU in page

    follower = Follower.objects.get()
    assert (follower.email, follower.language, follower.confirmed_at) == (MOTHER, "ru", None)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [MOTHER]
    assert mail.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert mail.subject == "Подтвердите подписку на запись «Тихонравов Даниил Сергеевич»"
    assert "Чтобы подтвердить, откройте ссылку" in mail.body
    confirm_url, token = CONFIRM_LINK.search(mail.body).groups()
    assert confirm_url.startswith(django_settings.SITE_URL)
    assert UNFOLLOW_LINK.search(mail.body)
    assert mail.extra_headers["List-Unsubscribe"] == f"<{UNFOLLOW_LINK.search(mail.body)[1]}>"
    # The token is the signed id: no secret of ours is stored, the address is not in it.
    assert "olga" not in token

    # Opening the link (or a mail scanner fetching it) only asks; the button confirms.
    path = reverse("conscripts:follow-confirm", args=[token])
    ask = client.get(path)
    assert ask.status_code == 200
    assert ask["Cache-Control"].startswith("max-age=0")
    assert ask["Referrer-Policy"] == "same-origin"
    follower.refresh_from_db()
    assert follower.confirmed_at is None
    done = client.post(path)
    assert done.status_code == 200
    assert 'data-testid="follow-confirmed"' in done.content.decode()
    assert person.get_absolute_url() in done.content.decode()
    follower.refresh_from_db()
    assert follower.confirmed_at is not None and follower.is_following


def test_unconfirmed_followers_get_no_status_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    with django_capture_on_commit_callbacks(execute=True):
        follow(client, person, MOTHER)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        capture(person)
    assert person.status_changes.exists()
    assert mailoutbox == []
    assert services.followers_notify(change_id=StatusChange.objects.get().pk) == 0


@pytest.mark.parametrize("spoil", ["tamper", "expire", "wrong-purpose", "garbage"])
def test_a_tampered_or_expired_confirmation_link_confirms_nothing(client, monkeypatch, spoil):
    person = ConscriptFactory()
    follower = services.follow_request(conscript=person, email=MOTHER, language="ru")
    if spoil == "tamper":
        token = services.follow_token(follower, "confirm")
        value, rest = token.split(":", 1)
        token = f"{int(value) + 1}:{rest}"  # somebody else's row, with our signature
    elif spoil == "expire":
        four_days_ago = signing.b62_encode(int(time.time()) - 4 * 24 * 3600)
        with monkeypatch.context() as m:
            m.setattr(signing.TimestampSigner, "timestamp", lambda self: four_days_ago)
            token = services.follow_token(follower, "confirm")
    elif spoil == "wrong-purpose":
        token = services.follow_token(follower, "unfollow")
    else:
        token = "not-a-token"
    path = reverse("conscripts:follow-confirm", args=[token])
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert 'data-testid="follow-invalid"' in response.content.decode()
    assert services.follow_confirm(token=token) is None
    follower.refresh_from_db()
    assert follower.confirmed_at is None


def test_a_confirmation_link_works_for_its_configured_lifetime(settings):
    person = ConscriptFactory()
    follower = services.follow_request(conscript=person, email=MOTHER, language="ru")
    token = services.follow_token(follower, "confirm")
    settings.FOLLOW_CONFIRM_MAX_AGE = -1
    assert services.follow_confirm(token=token) is None
    settings.FOLLOW_CONFIRM_MAX_AGE = 3600
    assert services.follow_confirm(token=token).is_following


# --- Status mail ---------------------------------------------------------------------------
def test_a_status_change_mails_each_confirmed_follower_once_in_their_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory(surname="Мерзляков", given_name="Егор", patronymic="Андреевич")
    confirmed(person, MOTHER, "ru")
    confirmed(person, SISTER, "en")
    services.follow_request(conscript=person, email="neighbour@example.invalid", language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        capture(person, day=2)
    by_address = {mail.to[0]: mail for mail in mailoutbox}
    assert set(by_address) == {MOTHER, SISTER}
    assert all(len(mail.to) == 1 for mail in mailoutbox)  # nobody sees another's address
    case_url = django_settings.SITE_URL + person.get_absolute_url()

    russian = by_address[MOTHER]
    assert russian.subject == "Мерзляков Егор Андреевич: теперь статус «В плену»"
    assert "Новый статус: В плену" in russian.body
    assert "В плену с 2 сентября 2024 г." in russian.body
    assert case_url in russian.body
    assert "Чтобы больше не получать такие письма" in russian.body
    english = by_address[SISTER]
    assert english.subject == "Мерзляков Егор Андреевич: the status is now «Captured»"
    assert "New status: Captured" in english.body
    assert "Captured since Sept. 2, 2024" in english.body
    assert case_url in english.body
    for mail in (russian, english):
        (unsubscribe_url, token) = UNFOLLOW_LINK.search(mail.body).groups()
        assert services.follower_for_token(token=token, purpose="unfollow").email == mail.to[0]
        assert mail.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    followers = Follower.objects.filter(confirmed_at__isnull=False)
    change = StatusChange.objects.get(to_status=Status.CAPTURED)
    assert {f.last_notified_change_id for f in followers} == {change.pk}
    assert all(f.last_notified_at for f in followers)


def test_a_task_run_twice_or_late_sends_nothing_twice(mailoutbox):
    person = ConscriptFactory()
    confirmed(person)
    capture(person, day=2)  # no commit in this test: the tasks are run by hand
    older = StatusChange.objects.get()
    assert notify_followers_task(older.pk) == 1
    assert notify_followers_task(older.pk) == 0  # redelivered
    capture(person, status=Status.RETURNED, day=20)
    newer = StatusChange.objects.latest("pk")
    assert notify_followers_task(newer.pk) == 1
    assert notify_followers_task(older.pk) == 0  # late: the follower knows better already
    assert len(mailoutbox) == 2
    assert notify_followers_task(10**12) == 0  # gone


def test_nothing_is_queued_for_people_nobody_follows(
    django_capture_on_commit_callbacks,
):
    def queued() -> list:
        return list(
            OutboxMessage.objects.filter(task="conscripts.notify_followers").values_list(
                "args", flat=True
            )
        )

    followed, other = ConscriptFactory(), ConscriptFactory()
    confirmed(followed)
    with django_capture_on_commit_callbacks(execute=True):
        capture(other)
    assert queued() == []
    with django_capture_on_commit_callbacks(execute=True):
        capture(followed)
    assert queued() == [[StatusChange.objects.get(conscript=followed).pk]]


def test_a_rolled_back_change_mails_nobody(mailoutbox):
    from django.db import transaction

    person = ConscriptFactory()
    confirmed(person)
    with pytest.raises(RuntimeError), transaction.atomic():
        capture(person)
        raise RuntimeError("the caller's transaction fails afterwards")
    assert mailoutbox == []


def test_followers_of_a_hidden_record_hear_nothing(mailoutbox, django_capture_on_commit_callbacks):
    person = ConscriptFactory()
    confirmed(person)
    Conscript.objects.filter(pk=person.pk).update(is_public=False)
    person.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        capture(person)
    assert mailoutbox == []


# --- Unsubscribing ----------------------------------------------------------------------------
def test_the_unsubscribe_link_in_a_mail_stops_the_mails(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    confirmed(person)
    with django_capture_on_commit_callbacks(execute=True):
        capture(person, day=2)
    (_url, token) = UNFOLLOW_LINK.search(mailoutbox[0].body).groups()
    path = reverse("conscripts:unfollow", args=[token])
    ask = client.get(path)
    assert ask.status_code == 200
    assert Follower.objects.get().is_following  # a GET only asks
    done = client.post(path)
    assert done.status_code == 200
    assert 'data-testid="unfollowed"' in done.content.decode()
    assert client.post(path).status_code == 200  # twice is fine
    follower = Follower.objects.get()
    assert follower.unsubscribed_at is not None and not follower.is_following
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        capture(person, status=Status.RETURNED, day=20)
    assert mailoutbox == []


def test_a_forged_unsubscribe_link_changes_nothing(client):
    person = ConscriptFactory()
    follower = confirmed(person)
    token = services.follow_token(follower, "unfollow")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    path = reverse("conscripts:unfollow", args=[forged])
    assert client.get(path).status_code == 400
    assert client.post(path).status_code == 400
    assert Follower.objects.get().is_following


def test_following_again_after_unsubscribing_needs_a_new_confirmation(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    with django_capture_on_commit_callbacks(execute=True):  # the link is mailed…
        follower = services.follow_request(conscript=person, email=MOTHER, language="ru")
    services.follow_confirm(token=services.follow_token(follower, "confirm"))  # …and opened
    mailoutbox.clear()
    services.unfollow(token=services.follow_token(follower, "unfollow"))
    with django_capture_on_commit_callbacks(execute=True):
        follow(client, person, MOTHER)
    assert mailoutbox == []  # a link went out minutes ago: not another one yet
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Follower.objects.update(confirmation_requested_at=an_hour_ago)
    with django_capture_on_commit_callbacks(execute=True):
        follow(client, person, MOTHER)
    assert len(mailoutbox) == 1
    assert not Follower.objects.get().is_following
    token = CONFIRM_LINK.search(mailoutbox[0].body)[2]
    client.post(reverse("conscripts:follow-confirm", args=[token]))
    assert Follower.objects.get().is_following


# --- What the form gives away ---------------------------------------------------------------
def test_the_answer_is_the_same_for_new_waiting_confirmed_and_unknown_addresses(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    confirmed(person, SISTER)
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for email in (MOTHER, MOTHER, SISTER, "never.seen@example.invalid"):
            response = follow(Client(), person, email)  # a visitor each: fresh messages
            answers.append((response.status_code, response["Location"], message_texts(response)))
    assert len(set(map(repr, answers))) == 1
    assert answers[0][0] == 302 and NEUTRAL_RU in answers[0][2][0]
    # A link to each new address; none again within ten minutes, none to the confirmed.
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        [MOTHER, "never.seen@example.invalid"]
    )


def test_confirmation_mails_are_limited_per_address_and_case_and_per_address(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_request(conscript=person, email=MOTHER, language="ru")
        services.follow_request(conscript=person, email=MOTHER, language="en")
    assert len(mailoutbox) == 1
    eleven_minutes_ago = timezone.now() - datetime.timedelta(minutes=11)
    Follower.objects.update(confirmation_requested_at=eleven_minutes_ago)
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_request(conscript=person, email=MOTHER, language="en")
    assert len(mailoutbox) == 2
    assert "To confirm, open this link" in mailoutbox[1].body  # the new request's language

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for other in ConscriptFactory.create_batch(6):
            services.follow_request(conscript=other, email=SISTER, language="ru")
    assert len(mailoutbox) == django_settings.FOLLOW_MAILS_PER_ADDRESS_HOUR == 5


def test_a_redelivered_confirmation_task_mails_once(mailoutbox):
    person = ConscriptFactory()
    follower = services.follow_request(conscript=person, email=MOTHER, language="ru")
    assert follow_confirmation_task(follower.pk) is True
    assert follow_confirmation_task(follower.pk) is False
    assert len(mailoutbox) == 1


def test_the_form_is_rate_limited_per_client_address(client, settings, mailoutbox):
    settings.FOLLOW_RATE_LIMIT = "2/hour"
    person = ConscriptFactory()
    ip = an_address()
    assert follow(client, person, "a@example.invalid", ip=ip).status_code == 302
    assert follow(client, person, "b@example.invalid", ip=ip).status_code == 302
    limited = follow(client, person, "c@example.invalid", ip=ip)
    assert limited.status_code == 429
    assert 'data-testid="follow-limited"' in limited.content.decode()
    assert not Follower.objects.filter(email="c@example.invalid").exists()
    assert follow(client, person, "c@example.invalid").status_code == 302  # another address


def test_a_robot_filling_the_honeypot_gets_the_same_answer_and_nothing_happens(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    with django_capture_on_commit_callbacks(execute=True):
        robot = follow(Client(), person, MOTHER, homepage="https://spam.example.invalid")
        human = follow(Client(), person, SISTER)
    assert (robot.status_code, robot["Location"]) == (human.status_code, human["Location"])
    assert message_texts(robot) == message_texts(human)
    assert list(Follower.objects.values_list("email", flat=True)) == [SISTER]
    assert [mail.to for mail in mailoutbox] == [[SISTER]]


def test_an_invalid_address_is_shown_back_on_the_case_page(client):
    person = ConscriptFactory()
    response = follow(client, person, "not an address")
    assert response.status_code == 400
    assert 'id="follow-email"' in response.content.decode()
    assert not Follower.objects.exists()


def test_the_form_needs_its_csrf_token_and_no_javascript(mailoutbox):
    person = ConscriptFactory()
    browser = Client(enforce_csrf_checks=True)
    assert follow(browser, person, MOTHER).status_code == 403
    page = browser.get(person.get_absolute_url()).content.decode()
    assert f'action="{reverse("conscripts:follow", args=[person.pk])}"' in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = follow(browser, person, MOTHER, csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert Follower.objects.filter(email=MOTHER).exists()


def test_the_form_speaks_english_and_records_the_language(client):
    person = ConscriptFactory()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = follow(client, person, MOTHER)
    assert "If the address is valid, we have sent it a link" in message_texts(response)[0]
    assert Follower.objects.get().language == "en"
    assert "Follow this case" in client.get(person.get_absolute_url()).content.decode()


# --- Hidden and merged records -----------------------------------------------------------------
def test_hidden_records_cannot_be_followed(client):
    hidden = ConscriptFactory(is_public=False)
    assert follow(client, hidden, MOTHER).status_code == 404
    assert client.get(reverse("conscripts:follow", args=[hidden.pk])).status_code == 405
    assert follow(client, 10**9, MOTHER).status_code == 404
    with pytest.raises(services.FollowError):
        services.follow_request(conscript=hidden, email=MOTHER, language="ru")
    assert not Follower.objects.exists()


def test_following_a_merged_record_follows_the_record_it_was_merged_into(client):
    kept = ConscriptFactory()
    merged = ConscriptFactory(merged_into=kept)
    response = follow(client, merged, MOTHER)
    assert response["Location"] == f"{kept.get_absolute_url()}#follow"
    assert Follower.objects.get().conscript == kept


def test_followers_of_a_merged_record_hear_of_the_kept_records_changes(
    moderator, mailoutbox, django_capture_on_commit_callbacks
):
    keep = ConscriptFactory(surname="Кречетов", given_name="Матвей", patronymic="Олегович")
    remove = ConscriptFactory(surname="Кречетов", given_name="Матвей", patronymic="Олегович")
    capture(remove, day=2)
    confirmed(remove, MOTHER)
    confirmed(keep, SISTER)
    confirmed(remove, "both@example.invalid")
    confirmed(keep, "both@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        services.conscripts_merge(keep=keep, remove=remove, moderator=moderator)
    keep.refresh_from_db()
    assert keep.status == Status.CAPTURED
    # The merge moved the kept record's status: everyone hears, one mail per address.
    assert sorted(m.to[0] for m in mailoutbox) == ["both@example.invalid", SISTER, MOTHER]
    assert all(keep.get_absolute_url() in m.body for m in mailoutbox)

    # Later changes too, however many merges away the record they followed now is.
    outer = ConscriptFactory()
    Conscript.objects.filter(pk=keep.pk).update(merged_into=outer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        capture(outer, status=Status.RETURNED, day=20)
    assert sorted(m.to[0] for m in mailoutbox) == ["both@example.invalid", SISTER, MOTHER]
    assert all(outer.get_absolute_url() in m.body for m in mailoutbox)

    # One unsubscribe link stops the mails of every record of the person.
    both = Follower.objects.filter(email="both@example.invalid").first()
    services.unfollow(token=services.follow_token(both, "unfollow"))
    assert not Follower.objects.filter(email="both@example.invalid").following().exists()


def test_a_bulk_load_that_moves_a_followed_persons_status_mails_the_followers(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = services.conscript_create(
        surname="Сменов", given_name="Иван", patronymic="Иванович", birth_year=2004
    )
    services.evidence_add(conscript=person, kind=EvidenceKind.SEARCH_POST, claimed_status="missing")
    confirmed(person, MOTHER, "ru")
    with django_capture_on_commit_callbacks(execute=True):
        services.conscripts_bulk_add(
            people=[],
            evidence=[
                Evidence(conscript=person, kind=EvidenceKind.OTHER, claimed_status="captured")
            ],
        )
    assert [m.to for m in mailoutbox] == [[MOTHER]]
    assert "Новый статус: В плену" in mailoutbox[0].body
    change = person.status_changes.latest("pk")
    assert Follower.objects.get().last_notified_change_id == change.pk


# --- Privacy --------------------------------------------------------------------------------
@pytest.fixture
def followed(db):
    person = ConscriptFactory(surname="Зябликов", given_name="Кирилл")
    follower = confirmed(person, MOTHER)
    capture(person)
    return person, follower


def test_the_followers_address_is_on_no_page_for_any_role(
    client, followed, moderator, researcher, outsider
):
    person, follower = followed
    staff = UserFactory(username="staff-moderator", is_staff=True, groups=["moderators"])
    pages = [
        person.get_absolute_url(),
        reverse("conscripts:follow-confirm", args=[services.follow_token(follower, "confirm")]),
        reverse("conscripts:unfollow", args=[services.follow_token(follower, "unfollow")]),
    ]
    for user in (None, outsider, researcher, moderator, staff):
        client.logout()
        if user is not None:
            log_in(client, user)
        for path in pages:
            body = client.get(path).content.decode()
            assert "tikhonravova" not in body.lower(), (user, path)
    # The admin list is for moderators, with the addresses masked.
    log_in(client, staff)
    listing = client.get(reverse("admin:conscripts_follower_changelist"))
    assert listing.status_code == 200
    assert "tikhonravova" not in listing.content.decode().lower()
    assert "t•••@e•••" in listing.content.decode()


def test_the_followers_address_is_in_no_api_response_export_or_statistics(
    client, settings, followed, researcher, moderator
):
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "user": "100000/minute"}
    person, _follower = followed
    paths = [
        f"/api/v1/cases/{person.pk}/",
        "/api/v1/cases/",
        "/api/v1/evidence/",
        f"/api/v1/evidence/?conscript={person.pk}",
        "/api/v1/statistics/",
        "/api/v1/schema/",
        reverse("research:statistics"),
    ]
    for user in (None, researcher, moderator):
        client.logout()
        if user is not None:
            log_in(client, user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            body = response.content.decode().lower()
            assert "tikhonravova" not in body and "follower" not in body, (user, path)
    for user in (researcher, moderator):
        log_in(client, user)
        for fmt in ("csv", "json"):
            export = client.post(
                reverse("research:export-create"), {"format": fmt, "query_string": ""}
            )
            assert export.status_code == 200
            body = (
                b"".join(export.streaming_content) if export.streaming else export.content
            ).decode("utf-8")
            assert "Зябликов" in body
            assert "tikhonravova" not in body.lower()


# --- A real worker --------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_followers_after_commit(celery_worker_process, monkeypatch):
    monkeypatch.undo()  # the tasks go through the broker here
    person = ConscriptFactory()
    follower = confirmed(person)
    capture(person)  # commits: the change's task goes to Redis, the worker mails
    change = StatusChange.objects.get()

    def notified() -> bool:
        follower.refresh_from_db()
        return follower.last_notified_change_id == change.pk

    wait_until(notified, "the worker to mail the follower")
    assert follower.last_notified_at is not None


def test_unconfirmed_addresses_are_forgotten_once_their_link_expired(settings):
    settings.FOLLOW_CONFIRM_MAX_AGE = 3600
    person = ConscriptFactory()
    stale = services.follow_request(conscript=person, email=SISTER, language="ru")
    fresh = services.follow_request(conscript=ConscriptFactory(), email=SISTER, language="ru")
    kept = confirmed(person)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    Follower.objects.filter(pk__in=[stale.pk, kept.pk]).update(confirmation_requested_at=long_ago)
    from conscripts.tasks import followers_purge_unconfirmed_task

    assert followers_purge_unconfirmed_task.run() == 1
    assert set(Follower.objects.values_list("pk", flat=True)) == {fresh.pk, kept.pk}


def test_beat_purges_unconfirmed_addresses_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["followers-purge-unconfirmed"]
    assert entry["task"] == "conscripts.followers_purge_unconfirmed"
    assert entry["schedule"] == 24 * 3600
