"""Text extraction has a queue of its own, so only the workers that extract load natasha."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.celery import app
from sources.models import ItemState, SourceItem
from tests.conftest import start_worker, stop_worker
from tests.factories import SourceFactory
from tests.helpers import broker_queue_length, wait_until

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "sources"
EXTRACTION_TASKS = {"sources.extract_item", "sources.extract_items", "sources.pasted_list_extract"}

# Everything a worker or the web server imports before its first task or request.
IMPORTS = r"""
import sys
import django
django.setup()
from config.celery import app
app.loader.import_default_modules()  # what a worker's autodiscovery imports
import sources.tasks, config.wsgi
print(sorted({m.split(".")[0] for m in sys.modules} & {"natasha", "navec", "slovnet", "numpy"}))
"""


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def pool_processes_with_numpy(worker: subprocess.Popen) -> list[bool]:
    """For each pool process of ``worker``: has it loaded numpy (only natasha uses it)?"""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert children, "the worker has no pool processes"
    return ["numpy" in Path(f"/proc/{pid}/maps").read_text() for pid in children]


def test_importing_the_task_modules_and_the_web_app_does_not_load_natasha():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_extraction_tasks_go_to_the_extraction_queue_and_every_other_task_to_celery():
    app.loader.import_default_modules()
    names = {name for name in app.tasks if not name.startswith("celery.")}
    assert names >= EXTRACTION_TASKS
    for name in names:
        assert queue_of(name) == ("extraction" if name in EXTRACTION_TASKS else "celery"), name


def test_a_worker_without_queue_options_consumes_both_queues():
    assert set(app.amqp.queues.consume_from) == {"celery", "extraction"}


@pytest.mark.django_db
def test_without_a_broker_extraction_still_runs_in_process(
    monkeypatch, django_capture_on_commit_callbacks
):
    from sources import services

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    source = SourceFactory(kind="vk", name="vk-wall")
    with django_capture_on_commit_callbacks(execute=True):
        result = services.source_ingest_file(source=source, path=DATA / "vk_wall.json")
    assert result.new_item_ids
    items = SourceItem.objects.filter(pk__in=result.new_item_ids)
    assert not items.filter(state=ItemState.NEW).exists()


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_only_a_worker_on_the_extraction_queue_loads_natasha_and_extracts():
    from config.celery import ping
    from research.tasks import statistics_refresh_task
    from sources import services

    app.control.purge()
    general = start_worker(name="general", queues="celery")
    try:
        statistics_refresh_task.delay()
        assert ping.apply_async().get(timeout=20) == "pong"  # after the refresh: one process
        assert pool_processes_with_numpy(general) == [False]
        source = SourceFactory(kind="vk", name="vk-wall")
        result = services.source_ingest_file(source=source, path=DATA / "vk_wall.json")
        wait_until(lambda: broker_queue_length("extraction") > 0, "the extraction message")
        time.sleep(1)  # a general worker that took the message would have started on it
        assert broker_queue_length("extraction") > 0
        assert pool_processes_with_numpy(general) == [False]
    finally:
        stop_worker(general)
    items = SourceItem.objects.filter(pk__in=result.new_item_ids)
    assert items.filter(state=ItemState.NEW).count() == len(result.new_item_ids)

    both = start_worker(name="both", queues="celery,extraction")
    try:
        assert pool_processes_with_numpy(both) == [True]  # warmed before its first task
        wait_until(
            lambda: not items.filter(state=ItemState.NEW).exists(),
            "extraction",
            progress=lambda: items.filter(state=ItemState.NEW).count(),
        )
    finally:
        stop_worker(both)
    assert broker_queue_length("extraction") == 0
