"""Background work for reports. Tasks take primary keys only."""

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS, TASK_OPTIONS, TRANSIENT_ERRORS, time_limits

from . import notifications


@shared_task(name="reports.notify_submitter", **MAIL_TASK_OPTIONS, **time_limits(30))
def notify_submitter_task(report_id: int) -> bool:
    """E-mail the submitter the decision on their report (once per decision)."""
    return notifications.submitter_notify(report_id=report_id)


@shared_task(
    name="reports.list_upload_read",
    **TASK_OPTIONS,
    **time_limits(600),
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def list_upload_read_task(upload_id: int) -> None:
    """Read an uploaded list into the review queue (idempotent: see list_upload_read)."""
    from .uploads import list_upload_read

    list_upload_read(upload_id=upload_id)
