"""Throughput and memory of the ingestion pipeline with real workers.

    .venv/bin/python bench/ingest.py [--posts 10000] [--concurrency 1]
                                     [--queues celery,extraction]

Creates a scratch PostgreSQL database (dropped at the end), starts one real Celery
worker consuming ``--queues`` (both, as `make run` does) on Redis (database 14, purged
first), writes ``--posts`` posts made from tests/data/posts.jsonl (ids and surnames
varied) as a CSV export, ingests it (parse, store, enqueue) and waits until every post is
extracted into reports. Prints posts/s per worker process, the worker's CPU time per post
(steadier than posts/s on a busy machine) and the peak RSS (VmRSS) of its processes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scratch  # noqa: E402  (bench/scratch.py)
from scratch import PG_URL as PG  # noqa: E402

SURNAMES = [
    "Петренко", "Воробьев", "Кравцов", "Семенов", "Лисицын", "Гончаренко", "Сидоренко",
    "Зайцев", "Кречетов", "Мерзляков", "Тихонравов", "Зябликов", "Ладыгин", "Сорокин",
]  # fmt: skip


def posts(count: int) -> bytes:
    records = [json.loads(line) for line in (ROOT / "tests/data/posts.jsonl").open()]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["external_id", "published_at", "author", "url", "text"])
    for n in range(count):
        record = records[n % len(records)]
        text = record["text"]
        # Vary the (nominative) surnames so the run is not 112 texts over and over.
        for person in record.get("expected", {}).get("people", []):
            old = person["surname"]
            new = SURNAMES[(n // len(records) + len(old)) % len(SURNAMES)]
            text = text.replace(old, new).replace(old.upper(), new.upper())
        writer.writerow(
            [f"b{n}", "2024-08-10T12:00:00+03:00", "", f"https://example.org/p/{n}", text]
        )
    return buffer.getvalue().encode("utf-8")


def proc_kb(pid: int, file: str, field: str) -> int:
    """A "<field>: <n> kB" line of /proc/<pid>/<file>, in kB (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def rss_kb(pid: int) -> int:
    return proc_kb(pid, "status", "VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        pids += process_tree(int(child))
    return pids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--queues", default="celery,extraction", help="the worker's -Q")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait at most")
    args = parser.parse_args()

    db = f"conscripts_bench_ingest_{os.getpid()}"
    scratch.create_database(db)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"{PG}/{db}",
        # BENCH_REDIS_URL: a Redis of one's own on a shared machine (the database is purged).
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
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
        from sources import services
        from sources.models import ItemState, Source, SourceItem

        app.control.purge()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
             "--concurrency", str(args.concurrency), "--queues", args.queues,
             "--without-gossip", "--without-mingle",
             "--hostname", f"bench-{os.getpid()}@%h", "--loglevel", "WARNING"],
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        started = time.monotonic()
        while True:
            try:
                if ping.apply_async().get(timeout=2) == "pong":
                    break
            except Exception:
                if worker.poll() is not None or time.monotonic() - started > 90:
                    raise SystemExit("worker did not start") from None
        peak = {"rss": 0}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                try:
                    total = sum(rss_kb(p) for p in process_tree(worker.pid))
                except FileNotFoundError:
                    total = 0
                peak["rss"] = max(peak["rss"], total)
                time.sleep(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        data = posts(args.posts)
        source = Source.objects.create(kind="csv", name="bench")
        load_before = os.getloadavg()
        main0 = cpu_seconds(worker.pid)
        cpu0 = sum(cpu_seconds(p) for p in process_tree(worker.pid))
        t0 = time.monotonic()
        result = services.source_ingest(source=source, data=data)
        t_stored = time.monotonic()
        pending = SourceItem.objects.filter(source=source, state=ItemState.NEW)
        while pending.exists():
            if time.monotonic() - t0 > args.timeout:
                raise SystemExit(f"timed out: {pending.count()} posts still new")
            time.sleep(0.25)
        t_done = time.monotonic()
        cpu = sum(cpu_seconds(p) for p in process_tree(worker.pid)) - cpu0
        main_cpu = cpu_seconds(worker.pid) - main0
        stop.set()
        sampler.join()
        items = SourceItem.objects.filter(source=source)
        reports = sum(items.values_list("reports_created", flat=True))
        failed = items.filter(state=ItemState.FAILED).count()
        elapsed = t_done - t0
        rate = args.posts / elapsed
        print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
        print(f"posts: {args.posts} (new {result.stats.new}, failed {failed}), reports: {reports}")
        print(f"parse + store + enqueue: {t_stored - t0:.1f} s")
        print(f"all extracted after: {elapsed:.1f} s")
        print(
            f"throughput: {rate:.0f} posts/s with {args.concurrency} worker process(es) = "
            f"{rate / args.concurrency:.0f} posts/s per worker process (target >= 120)"
        )
        # Other work on a shared machine shows in posts/s: say how busy it was.
        load_after = os.getloadavg()
        print(
            f"load average (1/5/15 min): {' '.join(f'{x:.2f}' for x in load_before)} before, "
            f"{' '.join(f'{x:.2f}' for x in load_after)} after ({os.cpu_count()} CPUs)"
        )
        # Less swayed than posts/s by other processes competing for the CPU.
        print(
            f"worker CPU time (user + system): {cpu:.1f} s = {cpu / args.posts * 1000:.1f} ms/post"
            f" (main process, i.e. the broker side: {main_cpu:.1f} s)"
        )
        print(
            f"peak worker RSS (main + children, VmRSS): {peak['rss'] / 1024:.0f} MB "
            "(target <= 500 MB)"
        )
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        scratch.drop_database(db)


if __name__ == "__main__":
    main()
