"""Signing in: lockout and a rate limit on passwords, a TOTP second step for moderators
and admins, and sessions that end with the browser or after a working day."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import access
from core.models import AuditAction, AuditEntry
from tests.factories import UserFactory
from tests.helpers import log_in, totp_code, totp_device

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery"


def attempt(client, username, password, ip="203.0.113.7", next_url=""):
    url = LOGIN + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Passwords: lockout per user and address, a limit per address ------------------------
def test_fifty_wrong_passwords_then_the_right_one_is_refused(client):
    UserFactory(username="researcher", groups=[access.RESEARCHERS])
    for n in range(50):
        assert attempt(client, "researcher", f"wrong {n}").status_code in (200, 429)
    answer = attempt(client, "researcher", PASSWORD)
    assert answer.status_code == 429
    assert not signed_in(client)


def test_after_the_failure_limit_even_the_right_password_is_refused_from_that_address(
    client, settings
):
    settings.LOGIN_RATE_LIMIT = "1000/minute"  # the lockout alone
    UserFactory(username="researcher", groups=[access.RESEARCHERS])
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "researcher", f"wrong {n}").status_code == 200
    assert attempt(client, "researcher", "wrong again").status_code == 429  # the limit
    locked = attempt(client, "researcher", PASSWORD)
    assert locked.status_code == 429
    assert 'data-testid="login-locked"' in locked.content.decode()
    assert not signed_in(client)
    # The same account from another address is not locked (user name and address together).
    assert attempt(client, "researcher", PASSWORD, ip="198.51.100.9").status_code == 302
    assert signed_in(client)


def test_a_few_mistakes_then_the_right_password_sign_in(client, settings):
    settings.LOGIN_RATE_LIMIT = "1000/minute"
    UserFactory(username="researcher", groups=[access.RESEARCHERS])
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "researcher", f"wrong {n}")
    assert attempt(client, "researcher", PASSWORD).status_code == 302


def test_posts_to_the_login_page_are_limited_per_address_whatever_the_user_name(client, settings):
    settings.LOGIN_RATE_LIMIT = "3/minute"
    for n in range(3):
        assert attempt(client, f"user{n}", "x", ip="192.0.2.1").status_code == 200
    UserFactory(username="user9")
    limited = attempt(client, "user9", PASSWORD, ip="192.0.2.1")
    assert limited.status_code == 429
    assert 'data-testid="login-rate-limited"' in limited.content.decode()
    assert not signed_in(client)
    assert not AccessAttempt.objects.filter(username="user9").exists()  # not even tried
    assert attempt(client, "user9", "x", ip="192.0.2.2").status_code == 200


def test_the_limits_come_from_the_environment():
    import os
    import subprocess
    import sys

    code = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.LOGIN_RATE_LIMIT, s.SESSION_COOKIE_AGE, s.AXES_COOLOFF_TIME)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "LOGIN_FAILURE_LIMIT": "7",
        "LOGIN_RATE_LIMIT": "9/hour",
        "SESSION_SECONDS": "3600",
        "LOGIN_LOCKOUT_MINUTES": "15",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["7", "9/hour", "3600", "0:15:00"]


# --- The second step ---------------------------------------------------------------------
def secret_of(page: str) -> bytes:
    import base64

    found = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page)
    key = "".join(found.group(1).split())
    return base64.b32decode(key + "=" * (-len(key) % 8))


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_moderator_enrols_an_app_on_first_sign_in_then_reaches_the_queue(
    client, settings, language
):
    settings.LOGIN_RATE_LIMIT = "1000/minute"
    client.cookies["django_language"] = language
    moderator = UserFactory(username="moder", groups=[access.MODERATORS])
    queue = reverse("reports:queue")
    answer = attempt(client, "moder", PASSWORD, next_url=queue)
    assert answer.status_code == 302
    assert answer["Location"] == f"{reverse('second-factor')}?next=%2Freports%2Fqueue%2F"
    assert client.get(queue).status_code == 302  # not before the code
    step = client.get(queue, follow=True)
    setup = step.content.decode()
    assert step.redirect_chain[-1][0].startswith(reverse("second-factor-setup"))
    assert "<svg" in setup and 'data-testid="otp-qr"' in setup
    heading = "Set up the second step" if language == "en" else "Настройте второй шаг"
    assert heading in setup
    key = secret_of(setup)
    assert (
        client.get(step.redirect_chain[-1][0])
        .content.decode()
        .count(setup[setup.index("otp-secret") : setup.index("otp-secret") + 60])
    ), "reloading the page keeps the secret"
    url = step.redirect_chain[-1][0]
    done = client.post(url, {"code": f"{totp(key):06d}"})
    assert done.status_code == 302 and done["Location"] == queue
    assert client.get(queue).status_code == 200
    device = TOTPDevice.objects.get(user=moderator)
    assert device.confirmed and device.bin_key == key
    assert AuditEntry.objects.filter(action=AuditAction.SECOND_FACTOR_ENROL).count() == 1


def test_the_next_time_the_code_is_asked_for_not_a_new_enrolment(client, settings):
    settings.LOGIN_RATE_LIMIT = "1000/minute"
    moderator = UserFactory(username="moder", groups=[access.MODERATORS])
    device = totp_device(moderator)
    attempt(client, "moder", PASSWORD)
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("second-factor") + "?")
    assert 'data-testid="otp-secret"' not in page.content.decode()
    assert client.get(reverse("second-factor-setup")).status_code == 302
    answer = client.post(reverse("second-factor"), {"code": totp_code(device), "next": "/"})
    assert answer.status_code == 302
    assert client.get(reverse("reports:queue")).status_code == 200


@pytest.mark.parametrize(
    "who",
    [
        {"groups": [access.MODERATORS]},
        {"is_staff": True},
        {"is_superuser": True, "is_staff": True},
    ],
)
def test_moderator_and_admin_pages_refuse_a_session_without_the_code(client, who):
    user = UserFactory(username="staffer", **who)
    client.force_login(user)  # the password step only
    for url in (reverse("reports:queue"), "/admin/", reverse("research:cases"), "/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith(reverse("second-factor")), url
    api = client.get("/api/v1/cases/")
    assert api.status_code == 403
    log_in(client, user)
    assert client.get("/").status_code == 200
    if user.is_staff:
        assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_slows_the_device_down(client):
    moderator = UserFactory(username="moder", groups=[access.MODERATORS])
    device = totp_device(moderator)
    client.force_login(moderator)
    good = totp_code(device)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    assert client.post(reverse("second-factor"), {"code": bad}).status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Throttled: even the right code waits a second.
    assert client.post(reverse("second-factor"), {"code": good}).status_code == 400
    assert client.get(reverse("reports:queue")).status_code == 302


def test_researchers_sign_in_with_their_password_alone(client, settings):
    settings.LOGIN_RATE_LIMIT = "1000/minute"
    UserFactory(username="researcher", groups=[access.RESEARCHERS])
    assert attempt(client, "researcher", PASSWORD).status_code == 302
    assert client.get(reverse("research:cases")).status_code == 200
    assert client.get(reverse("second-factor")).status_code == 302  # nothing to give


def test_a_researcher_made_a_moderator_mid_session_owes_the_code_at_once(client, researcher):
    log_in(client, researcher)
    assert client.get(reverse("research:cases")).status_code == 200
    researcher.groups.add(access_group(access.MODERATORS))
    answer = client.get(reverse("reports:queue"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("second-factor"))


def access_group(name):
    from django.contrib.auth.models import Group

    return Group.objects.get_or_create(name=name)[0]


# --- Sessions ----------------------------------------------------------------------------
def test_a_session_ends_with_the_browser_and_after_a_working_day(client, settings):
    settings.LOGIN_RATE_LIMIT = "1000/minute"
    UserFactory(username="researcher", groups=[access.RESEARCHERS])
    answer = attempt(client, "researcher", PASSWORD)
    cookie = answer.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert client.session.get_expiry_age() == 8 * 3600
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_the_admin_signs_in_through_the_site_login(client):
    answer = client.get("/admin/login/?next=/admin/")
    assert answer.status_code == 302
    assert answer["Location"].startswith(LOGIN)
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_make_run_prints_demo_accounts_a_newcomer_can_sign_in_with(client, settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_accounts", stdout=StringIO())
    settings.DEBUG = True
    settings.LOGIN_RATE_LIMIT = "1000/minute"
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    password = re.search(r"demo-moderator\s+password (\S+)", text).group(1)
    assert "TOTP key" in text
    code = StringIO()
    call_command("demo_accounts", "--code", stdout=code)
    attempt(client, "demo-moderator", password)
    answer = client.post(reverse("second-factor"), {"code": code.getvalue().strip(), "next": "/"})
    assert answer.status_code == 302
    assert client.get(reverse("reports:queue")).status_code == 200
