"""Writing the audit log. Call inside the transaction of the change recorded."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from .models import AuditEntry


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | None,
    report_id: int | None = None,
    conscript_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """One audit row: ``action`` (an ``AuditAction``) by ``actor`` (None: the system)."""
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        report_id=report_id,
        conscript_id=conscript_id,
        before=before or {},
        after=after or {},
    )
