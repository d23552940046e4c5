"""Tasks travel through the real Redis broker to a real worker process."""

import pytest

from config.celery import ping

pytestmark = pytest.mark.slow


@pytest.mark.worker
def test_a_real_worker_answers_over_redis(celery_worker_process):
    assert ping.apply_async().get(timeout=20) == "pong"


def test_tasks_are_serialised_as_json_and_acknowledged_late(settings):
    from config.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")


def test_every_task_retries_transient_errors_or_runs_again_on_schedule(settings):
    """Database and network errors are retried with backoff, never dropped: by the task
    itself, or, for what beat schedules, by the next scheduled run."""
    from config.celery import app
    from core.tasks import TRANSIENT_ERRORS, ResilientTask

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    ours.pop("config.ping")  # a health probe: nothing to retry
    assert {"reports.notify_submitter", "sources.extract_items", "core.outbox_relay"} <= set(ours)
    for name, task in ours.items():
        assert isinstance(task, ResilientTask), name
        if name in scheduled:
            continue
        assert set(TRANSIENT_ERRORS) <= set(task.autoretry_for), name
        assert task.retry_backoff and task.max_retries >= 5, name
