"""Retention: personal data is kept only as long as it serves the relatives.

Daily (Celery beat, ``reports.retention_purge``), after configurable periods counted from
the decision (default 180 days each):

- the contact details of submitters and requesters (name, contact, e-mail, address they
  wrote from) on reports decided more than ``RETENTION_CONTACT_DAYS`` ago;
- follower addresses ``RETENTION_FOLLOWER_DAYS`` after they unsubscribed;
- watches (address and description, with their leads) ``RETENTION_WATCH_DAYS`` after they
  ended, and watches never confirmed once their link expired; the watch vocabulary keeps
  only the keys of the watches that remain.

What was deleted is written to the audit log as counts, never as the data itself.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conscripts import services as conscript_services
from core.audit import audit_record
from core.models import AuditAction

from .models import OPEN_STATES, Report, Watch, WatchHit, WatchKey
from .watches import watches_purge_unconfirmed

#: The fields of a report that say who sent it and how to reach them.
CONTACT_FIELDS = {
    "submitter_name": "",
    "submitter_contact": "",
    "submitter_email": "",
    "submitted_ip": None,
}


def retention_periods() -> dict[str, int]:
    return {
        "contact_days": settings.RETENTION_CONTACT_DAYS,
        "follower_days": settings.RETENTION_FOLLOWER_DAYS,
        "watch_days": settings.RETENTION_WATCH_DAYS,
    }


def report_contacts_purge(*, before) -> int:
    """Blank the contact details of reports decided before ``before``; returns how many
    reports had any. Open reports keep theirs: moderators may still need to ask."""
    has_contact = ~Q(**CONTACT_FIELDS)
    return (
        Report.objects.filter(has_contact, decided_at__lt=before)
        .exclude(state__in=OPEN_STATES)
        .update(**CONTACT_FIELDS, updated_at=timezone.now())
    )


def watches_purge_ended(*, before) -> tuple[int, int]:
    """Delete watches ended before ``before`` with their leads; (watches, leads)."""
    _total, per_model = Watch.objects.filter(ended_at__lt=before).delete()
    return per_model.get(Watch._meta.label, 0), per_model.get(WatchHit._meta.label, 0)


def watch_keys_prune() -> int:
    """Forget vocabulary keys no remaining watch has (they are pieces of names)."""
    stale = WatchKey.objects.exclude(
        Q(kind="surname", key__in=Watch.objects.values("surname_key"))
        | Q(kind="given", key__in=Watch.objects.values("given_key"))
        | Q(kind="patronymic", key__in=Watch.objects.values("patronymic_key"))
    )
    deleted, _ = stale.delete()
    return deleted


def retention_purge() -> dict[str, int]:
    """Run every purge and audit the counts; returns them."""
    now = timezone.now()
    periods = retention_periods()
    with transaction.atomic():
        counts = {
            "report_contacts": report_contacts_purge(
                before=now - timedelta(days=periods["contact_days"])
            ),
            "followers_unsubscribed": conscript_services.followers_purge_unsubscribed(
                before=now - timedelta(days=periods["follower_days"])
            ),
        }
        watches, hits = watches_purge_ended(before=now - timedelta(days=periods["watch_days"]))
        counts["watches_ended"] = watches
        counts["watch_leads"] = hits
        counts["watches_unconfirmed"] = watches_purge_unconfirmed()
        counts["watch_keys"] = watch_keys_prune()
        audit_record(action=AuditAction.RETENTION_PURGE, actor=None, after={**counts, **periods})
    return counts
