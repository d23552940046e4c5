"""The e-mail a submitter gets when their report is decided.

It carries the decision and the receipt link, and nothing about anyone else:
not the moderator, not other reports, not the record's evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from core.audit import audit_record
from core.models import AuditAction

from .models import DECISION_FOR_REQUESTER, DECISION_FOR_SUBMITTER, Report, ReportState


def receipt_url(report: Report) -> str:
    """The submitter's private link (the receipt page is served by reports.urls)."""
    try:
        path = reverse("reports:receipt", args=[report.receipt_token])
    except NoReverseMatch:  # the page is not built yet; the address is fixed
        path = f"/reports/receipt/{report.receipt_token}/"
    return settings.SITE_URL + path


def decision_email(report: Report) -> tuple[str, str]:
    """Subject and plain-text body in the submitter's language (ru or en)."""
    language = report.submitter_language if report.submitter_language in ("ru", "en") else "ru"
    record_url = ""
    if report.conscript_id and report.conscript.is_public:
        record_url = settings.SITE_URL + report.conscript.get_absolute_url()
    decision = DECISION_FOR_REQUESTER.get((report.kind, report.state))
    context = {
        "decision": decision or DECISION_FOR_SUBMITTER[report.state],
        "is_request": report.is_request,
        # A request's requester is told why (a declined removal, a correction's note);
        # a rejected report's reason stays internal.
        "reason": report.decision_reason if report.is_request else "",
        "state": report.state,
        "created": timezone.localtime(report.created_at),
        "info_request": report.info_request,
        "record_url": record_url,
        "receipt_url": receipt_url(report),
    }
    with translation.override(language):
        subject = render_to_string("reports/email/decision_subject.txt", context)
        body = render_to_string("reports/email/decision_body.txt", context)
    return " ".join(subject.split()), body


def submitter_notify(*, report_id: int) -> bool:
    """Send the decision e-mail once per state; True if one was sent.

    Idempotent: a second run for the same state (a redelivered task) sends nothing.
    """
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("conscript")
            .get(pk=report_id)
        )
        if (
            not report.submitter_email
            or report.state == ReportState.PENDING
            or report.notified_state == report.state
        ):
            return False
        subject, body = decision_email(report)
        # Sent inside the transaction: if it fails, notified_at is not set and
        # the task's retry tries again.
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [report.submitter_email])
        before = {"notified_at": report.notified_at, "notified_state": report.notified_state}
        report.notified_at = timezone.now()
        report.notified_state = report.state
        report.save(update_fields=["notified_at", "notified_state", "updated_at"])
        audit_record(
            action=AuditAction.NOTIFY,
            actor=None,
            report_id=report.pk,
            before=before,
            after={"notified_at": report.notified_at, "notified_state": report.notified_state},
        )
    return True


def receipt_mail(*, report_id: int) -> bool:
    """Mail a submitter who gave an e-mail address the private link to their report,
    once: closing the tab must not lose it. True if a mail was sent."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or not report.submitter_email or report.receipt_mailed_at:
            return False
        language = report.submitter_language if report.submitter_language in ("ru", "en") else "ru"
        context = {
            "created": timezone.localtime(report.created_at),
            "is_request": report.is_request,
            "receipt_url": receipt_url(report),
        }
        with translation.override(language):
            subject = render_to_string("reports/email/receipt_subject.txt", context)
            body = render_to_string("reports/email/receipt_body.txt", context)
        send_mail(
            " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [report.submitter_email]
        )
        report.receipt_mailed_at = timezone.now()
        report.save(update_fields=["receipt_mailed_at"])
    return True
