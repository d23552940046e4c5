"""Celery application.

With ``REDIS_URL`` unset, settings make tasks run eagerly in the calling
process, so a newcomer's ``make run`` needs no broker.

Text extraction goes to the ``extraction`` queue, everything else to ``celery``
(``CELERY_TASK_ROUTES``); only workers that consume ``extraction`` load natasha.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# natasha (text extraction) runs in extraction workers; without this OpenBLAS spawns
# a thread per core and extraction is ~20x slower on small machines.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = Celery("conscripts")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    """Round-trip check used by health checks and tests of the worker setup."""
    return "pong"
