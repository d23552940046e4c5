"""The e-mail a submitter gets when their report is decided.

It carries the decision and the receipt link, and nothing about anyone else:
not the moderator, not other reports, not the record's evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.audit import audit_record
from core.models import AuditAction

from .models import Report, ReportState

SUBJECT = {
    "ru": "Ваше сообщение о пропавшем: {decision}",
    "en": "Your report about a missing person: {decision}",
}
DECISION = {
    "ru": {
        ReportState.APPROVED: "принято и опубликовано",
        ReportState.MERGED: "принято и добавлено к существующей записи",
        ReportState.REJECTED: "отклонено",
        ReportState.DUPLICATE: "уже было получено ранее",
        ReportState.NEEDS_INFO: "нужны уточнения",
    },
    "en": {
        ReportState.APPROVED: "accepted and published",
        ReportState.MERGED: "accepted and added to an existing record",
        ReportState.REJECTED: "not accepted",
        ReportState.DUPLICATE: "already received earlier",
        ReportState.NEEDS_INFO: "more information needed",
    },
}
BODY = {
    "ru": (
        "Здравствуйте.\n\n"
        "Ваше сообщение от {created} рассмотрено модератором: {decision}.\n"
        "{extra}"
        "Статус сообщения всегда виден по вашей ссылке:\n{receipt_url}\n\n"
        "Никому не передавайте эту ссылку.\n"
        "Conscript Tracker\n"
    ),
    "en": (
        "Hello,\n\n"
        "A moderator has reviewed your report of {created}: {decision}.\n"
        "{extra}"
        "You can always check it at your private link:\n{receipt_url}\n\n"
        "Do not share this link.\n"
        "Conscript Tracker\n"
    ),
}
EXTRA = {
    "ru": {
        ReportState.NEEDS_INFO: "Модератор просит уточнить:\n{info_request}\n\n",
        ReportState.APPROVED: "Запись: {record_url}\n\n",
        ReportState.MERGED: "Запись: {record_url}\n\n",
    },
    "en": {
        ReportState.NEEDS_INFO: "The moderator asks:\n{info_request}\n\n",
        ReportState.APPROVED: "The record: {record_url}\n\n",
        ReportState.MERGED: "The record: {record_url}\n\n",
    },
}


def receipt_url(report: Report) -> str:
    """The submitter's private link (the receipt page is served by reports.urls)."""
    try:
        path = reverse("reports:receipt", args=[report.receipt_token])
    except NoReverseMatch:  # the page is not built yet; the address is fixed
        path = f"/reports/receipt/{report.receipt_token}/"
    return settings.SITE_URL + path


def decision_email(report: Report) -> tuple[str, str]:
    """Subject and plain-text body in the submitter's language (ru or en)."""
    language = report.submitter_language if report.submitter_language in BODY else "ru"
    with translation.override(language):
        decision = DECISION[language][report.state]
        record_url = ""
        if report.conscript_id and report.conscript.is_public:
            site = settings.SITE_URL
            record_url = site + report.conscript.get_absolute_url()
        extra = EXTRA[language].get(report.state, "")
        if extra and "{record_url}" in extra and not record_url:
            extra = ""
        extra = extra.format(info_request=report.info_request, record_url=record_url)
        body = BODY[language].format(
            created=date_format(timezone.localtime(report.created_at), "DATE_FORMAT"),
            decision=decision,
            extra=extra,
            receipt_url=receipt_url(report),
        )
    return SUBJECT[language].format(decision=decision), body


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
