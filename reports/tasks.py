"""Background work for reports. Tasks take primary keys only."""

from celery import shared_task

from conscripts.tasks import MAIL_TASK_OPTIONS

from . import notifications


@shared_task(
    name="reports.notify_submitter", soft_time_limit=30, time_limit=60, **MAIL_TASK_OPTIONS
)
def notify_submitter_task(report_id: int) -> bool:
    """E-mail the submitter the decision on their report (once per decision)."""
    return notifications.submitter_notify(report_id=report_id)
