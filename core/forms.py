"""A one-time key per public form, so that a double click or a resubmitted page acts once.

The page carries a random key in a hidden field (``FormKeyField``); a post of the same
form with the same content (``submission_key``: the key and a digest of what was
posted) is answered as the first one was, without acting again. A relative who goes
back and changes what they wrote sends a new submission. The key says nothing about
the person and is as private as the page it is on: it is only ever compared.
``static/js/forms.js`` also disables the submit button after the first click; the key
covers what JavaScript cannot (two posts already in flight, a resubmitted page, no
JavaScript at all).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django import forms
from django.db import connection
from django.utils import timezone

from .models import UsedFormKey

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,47}$")  # with its digest, within 64 characters
#: How long a used key is remembered: far longer than any double click or resubmit.
KEY_DAYS = 2


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


class FormKeyField(forms.CharField):
    """A hidden field with a fresh key on every rendered form. A missing or malformed
    key (a script, an old page) is no error: the post is simply not deduplicated."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", new_form_key)
        super().__init__(max_length=64, **kwargs)

    def clean(self, value) -> str:
        value = (value or "").strip()
        return value if _KEY.match(value) else ""


def submission_key(*, form_key: str, data, files=None) -> str:
    """``form_key`` and a digest of the posted fields and files ("" without a valid key):
    the same for a double click or a resubmitted page, another after an edit."""
    if not _KEY.match(form_key or ""):
        return ""
    digest = hashlib.sha256()
    for name in sorted(data):
        if name == "csrfmiddlewaretoken":  # not what the relative wrote
            continue
        for value in data.getlist(name):
            digest.update(f"{name}\0{value}\0".encode())
    for name in sorted(files or {}):
        for upload in files.getlist(name):
            digest.update(f"{name}\0{upload.name}\0{upload.size}\0".encode())
    return f"{form_key}.{digest.hexdigest()[:16]}"


def form_key_used(*, scope: str, key: str) -> bool:
    """Whether ``key`` was claimed in ``scope`` already (reads only)."""
    return bool(key) and UsedFormKey.objects.filter(scope=scope[:40], key=key).exists()


def form_key_claim(*, scope: str, key: str) -> bool:
    """True the first time ``key`` is used in ``scope`` (and records it); False after.
    An empty key is always new. One statement, so two posts racing both ask the
    database and only one of them wins."""
    if not key:
        return True
    table = connection.ops.quote_name(UsedFormKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, used_at) VALUES (%s, %s, %s) "  # noqa: S608 (our own table)
            "ON CONFLICT (scope, key) DO NOTHING RETURNING 1",
            [scope[:40], key, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        return cursor.fetchone() is not None


def form_keys_purge() -> int:
    """Forget keys used more than ``KEY_DAYS`` ago; returns how many."""
    cutoff = timezone.now() - timedelta(days=KEY_DAYS)
    deleted, _ = UsedFormKey.objects.filter(used_at__lt=cutoff).delete()
    return deleted
