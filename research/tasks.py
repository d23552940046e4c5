"""Research tasks: background exports and the scheduled statistics refresh.

The task names keep the ``conscripts.`` prefix they had before the app moved: tasks
already queued, and beat's schedule rows in the database, name them so.
"""

from __future__ import annotations

from celery import shared_task

from core.replica import replica_reads
from core.tasks import PERIODIC_TASK_OPTIONS, TASK_OPTIONS, time_limits

from . import services
from .statistics import statistics
from .units import unit_figures


@shared_task(name="conscripts.export", **TASK_OPTIONS, **time_limits(1800))
def export_task(job_id: int) -> None:
    """Write a queued export to MEDIA_ROOT/exports/. Running it twice changes nothing."""
    services.export_run(job_id=job_id)


@shared_task(name="conscripts.statistics_refresh", **PERIODIC_TASK_OPTIONS, **time_limits(120))
def statistics_refresh_task() -> None:
    """Recompute the public statistics into the cache (scheduled by beat). Their reads go
    to the replica when there is one (``core.replica``)."""
    for kursk in (False, True):
        with replica_reads():
            statistics(kursk=kursk, refresh=True)
    with replica_reads():
        unit_figures(refresh=True)


@shared_task(name="research.figures_snapshot_write", **TASK_OPTIONS, **time_limits(1800))
def figures_snapshot_write_task(snapshot_id: int) -> None:
    """Write and publish requested figures. Running it twice changes nothing."""
    services.figures_snapshot_write(snapshot_id=snapshot_id)


@shared_task(name="research.exports_purge", **PERIODIC_TASK_OPTIONS, **time_limits(600))
def exports_purge_task() -> int:
    """Delete export files past EXPORT_KEEP_DAYS (scheduled by beat)."""
    return services.export_files_purge()


@shared_task(name="research.api_tokens_purge", **PERIODIC_TASK_OPTIONS, **time_limits(300))
def api_tokens_purge_task() -> int:
    """Delete expired API tokens and those of users who left the researchers."""
    return services.api_tokens_purge()
