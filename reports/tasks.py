"""Background work for reports. Tasks take primary keys only."""

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS, TASK_OPTIONS, time_limits

from . import notifications, retention, watches


@shared_task(name="reports.notify_submitter", **MAIL_TASK_OPTIONS, **time_limits(30))
def notify_submitter_task(report_id: int) -> bool:
    """E-mail the submitter the decision on their report (once per decision)."""
    return notifications.submitter_notify(report_id=report_id)


@shared_task(name="reports.receipt_mail", **MAIL_TASK_OPTIONS, **time_limits(30))
def receipt_mail_task(report_id: int) -> bool:
    """E-mail the submitter the private link to their report (once)."""
    return notifications.receipt_mail(report_id=report_id)


# --- Relatives' watches (reports.watches). Ids only: addresses stay in the database. ---
@shared_task(name="reports.watch_confirmation", **MAIL_TASK_OPTIONS, **time_limits(30))
def watch_confirmation_task(watch_id: int) -> bool:
    """Mail the confirmation link of a new watch (once, within the address's allowance)."""
    return watches.watch_confirmation_send(watch_id=watch_id)


@shared_task(name="reports.watch_match_report", **TASK_OPTIONS, **time_limits(60))
def watch_match_report_task(report_id: int) -> int:
    """Match a new report against the active watches; leads go to moderators."""
    return watches.watch_hits_for_report(report_id=report_id)


@shared_task(name="reports.watch_match_approved", **TASK_OPTIONS, **time_limits(60))
def watch_match_approved_task(report_id: int) -> int:
    """Match the record a report was approved as or merged into against the watches."""
    return watches.watch_hits_for_approved(report_id=report_id)


@shared_task(name="reports.watch_match_existing", **TASK_OPTIONS, **time_limits(60))
def watch_match_existing_task(watch_id: int) -> int:
    """Match a newly confirmed watch against the published records."""
    return watches.watch_hits_for_watch(watch_id=watch_id)


@shared_task(name="reports.watch_hit_notify", **MAIL_TASK_OPTIONS, **time_limits(30))
def watch_hit_notify_task(hit_id: int) -> bool:
    """Tell the relative of a lead a moderator confirmed (once)."""
    return watches.watch_hit_notify(hit_id=hit_id)


@shared_task(name="reports.retention_purge", **TASK_OPTIONS, **time_limits(600))
def retention_purge_task() -> dict:
    """Delete personal data past its retention period (daily, Celery beat)."""
    return retention.retention_purge()


@shared_task(name="reports.list_upload_read", **TASK_OPTIONS, **time_limits(600))
def list_upload_read_task(upload_id: int) -> None:
    """Read an uploaded list into the review queue (idempotent: see list_upload_read)."""
    from .uploads import list_upload_read

    list_upload_read(upload_id=upload_id)
