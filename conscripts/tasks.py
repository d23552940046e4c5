"""Tasks of the conscripts app: mail to relatives who follow a case.

Exports and the statistics refresh are the research app's (``research.tasks``).
"""

from __future__ import annotations

from celery import shared_task

from core.tasks import MAIL_TASK_OPTIONS, PERIODIC_TASK_OPTIONS, time_limits

from . import services


# --- Relatives following a case (conscripts.services.follow_request) ---------------------
# Ids only: the addresses stay in the database, out of the broker and its logs.
@shared_task(name="conscripts.follow_confirmation", **MAIL_TASK_OPTIONS, **time_limits(30))
def follow_confirmation_task(follower_id: int) -> bool:
    """Mail the confirmation link a follower asked for (once per request)."""
    return services.follow_confirmation_send(follower_id=follower_id)


@shared_task(name="conscripts.notify_followers", **MAIL_TASK_OPTIONS, **time_limits(120))
def notify_followers_task(change_id: int) -> int:
    """E-mail a status change to the person's confirmed followers (once per address)."""
    return services.followers_notify(change_id=change_id)


@shared_task(
    name="conscripts.followers_purge_unconfirmed", **PERIODIC_TASK_OPTIONS, **time_limits(300)
)
def followers_purge_unconfirmed_task() -> int:
    """Forget unconfirmed addresses whose link expired (scheduled daily by beat)."""
    return services.followers_purge_unconfirmed()
