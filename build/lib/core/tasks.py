"""Options shared by every Celery task (one style, declared once).

Tasks take primary keys, never instances or personal data; they are acknowledged
after the work (a killed worker's task runs again elsewhere, so each is idempotent)
and have soft and hard time limits.
"""

from __future__ import annotations

from smtplib import SMTPException

from django.db import InterfaceError, OperationalError

#: Every task: acknowledged late, rejected (so redelivered) when its worker dies.
TASK_OPTIONS: dict = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}

#: Transient failures worth retrying with backoff: the database or a network peer
#: stumbled, nothing is wrong with the work itself.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)

#: Tasks that send e-mail: also retried while the mail server is down.
MAIL_TASK_OPTIONS: dict = {
    **TASK_OPTIONS,
    "ignore_result": False,
    "autoretry_for": (SMTPException, *TRANSIENT_ERRORS),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


def time_limits(soft: int) -> dict:
    """Soft and hard time limits: the hard one a little after the soft one."""
    return {"soft_time_limit": soft, "time_limit": soft + max(30, soft // 10)}
