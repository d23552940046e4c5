"""``manage.py demo_accounts``: a moderator and a researcher to try the site with
(``make run`` calls it). Refused unless DEBUG is on: it prints a password and the
moderator's TOTP key.

The moderator signs in with the printed password, then a code: from an authenticator
app given the printed key (or the QR code of ``otpauth://``), or, without a phone, from
``manage.py demo_accounts --code``. Each run sets new passwords; the key stays, so an
app set up once keeps working.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from core import access, second_factor

MODERATOR = "demo-moderator"
RESEARCHER = "demo-researcher"


class Command(BaseCommand):
    help = "Create or refresh demo-moderator and demo-researcher (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code", action="store_true", help="Only print the moderator's current code."
        )

    def handle(self, *args, code: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError("demo_accounts runs only with DEBUG on (never in production).")
        User = get_user_model()
        moderator = User.objects.filter(username=MODERATOR).first()
        if code:
            device = moderator and second_factor.confirmed_device(user=moderator)
            if not device:
                raise CommandError("Run `manage.py demo_accounts` first.")
            self.stdout.write(_current_code(device))
            return
        lines = []
        for username, role in ((MODERATOR, access.MODERATORS), (RESEARCHER, access.RESEARCHERS)):
            user, _created = User.objects.get_or_create(username=username)
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            lines.append(f"  {username:<16} password {password}")
        moderator = User.objects.get(username=MODERATOR)
        device = second_factor.confirmed_device(user=moderator)
        if device is None:
            device = second_factor.pending_device(user=moderator)
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        self.stdout.write("Demo accounts (log in at /accounts/login/):")
        self.stdout.write("\n".join(lines))
        self.stdout.write(f"  {MODERATOR} TOTP key {second_factor.secret_text(device)}")
        self.stdout.write(f"  (or scan {device.config_url})")
        self.stdout.write(f"  code now: {_current_code(device)}; a fresh one: make demo-code")


def _current_code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
