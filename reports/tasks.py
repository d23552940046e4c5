"""Background work for reports. Tasks take primary keys only."""

from smtplib import SMTPException

from celery import shared_task

from . import notifications


@shared_task(
    name="reports.notify_submitter",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=60,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def notify_submitter_task(report_id: int) -> bool:
    """E-mail the submitter the decision on their report (once per decision)."""
    return notifications.submitter_notify(report_id=report_id)
