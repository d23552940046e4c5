"""The second factor of moderators and admins: a TOTP code (django-otp) after the password.

``access.needs_second_factor`` says who needs one. A session is verified once a code
from the user's confirmed device is accepted (``django_otp.login``);
``core.middleware.SecondFactorMiddleware`` sends an unverified one back here before
any other page. The first time, the user enrols: an unconfirmed device is made, its
secret shown (as a QR code and as text) and it is confirmed by the first good code.
Failed codes slow the device down (django-otp's throttling: 1 s, 2 s, 4 s…).
"""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import AuditAction

DEVICE_NAME = "authenticator"


def confirmed_device(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(*, user) -> TOTPDevice:
    """The unconfirmed device ``user`` is enrolling (made on first call, then the same,
    so that reloading the page does not change the secret already scanned)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=2, dark="#000", light="#fff", omitsize=False
    )


def _accepts(device: TOTPDevice, token: str) -> bool:
    token = "".join(token.split())
    allowed, _why = device.verify_is_allowed()
    return bool(allowed and token.isdigit() and device.verify_token(token))


def enrolment_confirm(*, request, token: str) -> bool:
    """Confirm the pending device with its first code and verify this session."""
    user = request.user
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or confirmed_device(user=user) is not None or not _accepts(device, token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
        audit_record(action=AuditAction.SECOND_FACTOR_ENROL, actor=user)
    otp_login(request, device)
    return True


def session_verify(*, request, token: str) -> bool:
    """Verify this session with a code from the user's confirmed device."""
    device = confirmed_device(user=request.user)
    if device is None or not _accepts(device, token):
        return False
    otp_login(request, device)
    return True
