"""Background work for reports. Tasks take primary keys only."""

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS, time_limits

from . import notifications


@shared_task(name="reports.notify_submitter", **MAIL_TASK_OPTIONS, **time_limits(30))
def notify_submitter_task(report_id: int) -> bool:
    """E-mail the submitter the decision on their report (once per decision)."""
    return notifications.submitter_notify(report_id=report_id)
