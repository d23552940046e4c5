"""Memory of a Celery worker per queue: only the extraction workers should carry natasha.

    .venv/bin/python bench/worker_memory.py [--posts 500] [--queues celery,extraction]

Creates a scratch PostgreSQL database (dropped at the end) and uses Redis database 13
(purged first). For each queue in ``--queues`` it starts one real worker with
``--concurrency 1`` consuming only that queue, and gives it work:

- ``celery``: ``config.ping`` and ``conscripts.statistics_refresh``, the kind of task
  (e-mail, statistics, exports, polling) that never extracts;
- ``extraction``: ``--posts`` posts from tests/data/posts.jsonl (as bench/ingest.py
  makes them) ingested and extracted.

Then it prints the worker's memory after the work: VmRSS and PSS (shared pages counted
once) of the main process and of its pool process, and whether the pool process has
mapped numpy (which only natasha imports).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scratch  # noqa: E402  (bench/scratch.py)
from ingest import posts, proc_kb, process_tree, rss_kb  # noqa: E402  (bench/ingest.py)
from scratch import PG_URL as PG  # noqa: E402

# BENCH_REDIS_URL: a Redis database of one's own on a shared machine (it is purged).
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def pss_kb(pid: int) -> int:
    return proc_kb(pid, "smaps_rollup", "Pss")


def has_numpy(pid: int) -> bool:
    try:
        return "numpy" in Path(f"/proc/{pid}/maps").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False


def start_worker(queue: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
         "--concurrency", "1", "--queues", queue, "--without-gossip", "--without-mingle",
         "--hostname", f"bench-{queue}-{os.getpid()}@%h", "--loglevel", "WARNING"],
        env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,  # the banner
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.25)


def answers(ping) -> bool:
    try:
        return ping.apply_async().get(timeout=2) == "pong"
    except Exception:
        return False


def report(queue: str, work: str, worker: subprocess.Popen) -> None:
    main, *pool = process_tree(worker.pid)
    mb = 1024
    rss = [rss_kb(p) for p in (main, *pool)]
    pss = [pss_kb(p) for p in (main, *pool)]
    natasha = "yes" if any(has_numpy(p) for p in pool) else "no"
    print(f"worker -Q {queue} (concurrency 1), after {work}:")
    print(
        f"  VmRSS main {rss[0] / mb:.0f} MB + pool {sum(rss[1:]) / mb:.0f} MB"
        f" = {sum(rss) / mb:.0f} MB; PSS {sum(pss) / mb:.0f} MB; natasha loaded: {natasha}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--queues", default="celery,extraction")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait at most")
    args = parser.parse_args()

    db = f"conscripts_bench_workers_{os.getpid()}"
    scratch.create_database(db)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"{PG}/{db}",
        REDIS_URL=REDIS,
        CELERY_TASK_ALWAYS_EAGER="false",
        OPENBLAS_NUM_THREADS="1",
        LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from config.celery import app, ping
        from research.tasks import statistics_refresh_task
        from sources import services
        from sources.models import ItemState, Source, SourceItem

        print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
        for queue in args.queues.split(","):
            if queue not in ("celery", "extraction"):
                raise SystemExit(f"unknown queue {queue!r}")
            app.control.purge()
            worker = start_worker(queue, env)
            if queue == "celery":
                wait_until(lambda: answers(ping), 90, "the worker to start")
                statistics_refresh_task.delay()
                # One pool process takes tasks in order: the answer comes after the refresh.
                assert ping.apply_async().get(timeout=args.timeout) == "pong"
                work = "config.ping, conscripts.statistics_refresh, config.ping"
            else:
                source = Source.objects.create(kind="csv", name=f"bench-{time.time_ns()}")
                result = services.source_ingest(source=source, data=posts(args.posts))
                pending = SourceItem.objects.filter(source=source, state=ItemState.NEW)
                wait_until(lambda q=pending: not q.exists(), args.timeout, "extraction")
                work = f"extracting {result.stats.new} posts"
            report(queue, work, worker)
            stop_worker(worker)
            worker = None
    finally:
        if worker is not None:
            stop_worker(worker)
        from django.db import connections

        connections.close_all()
        scratch.drop_database(db)


if __name__ == "__main__":
    main()
