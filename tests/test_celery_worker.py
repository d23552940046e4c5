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
