"""Benchmark the research tools at a million people on PostgreSQL.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres; Redis):

    psql -h 127.0.0.1 -U postgres -c \
        "CREATE DATABASE conscripts_bench_research TEMPLATE conscripts_bench_1m"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conscripts_bench_research \
        .venv/bin/python manage.py migrate
    .venv/bin/python bench/research.py [--database conscripts_bench_research] [--runs 40]
        [--export-rows 100000] [--drop]

Never run it against ``conscripts_bench_1m`` itself (that database is shared): it creates a
user and export jobs. ``--drop`` drops the copy at the end.

Measures, through Django's test client (whole request, templates included):
(a) the researchers' browse page over several filters: p50/p95 and the query count of
each (targets p95 ≤ 100 ms, same query count for every filter);
(b) ``/statistics/``: the first computation ever (no cache, no snapshot), after the cache
was emptied (the snapshot refills it) and cached (target p95 ≤ 100 ms);
(c) a CSV export of ~``--export-rows`` rows written by a real Celery worker (target
< 30 s), enqueued exactly as the page does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics as stats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ["DEBUG"] = "false"
os.environ["REDIS_URL"] = REDIS_URL
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

FILTERS = [
    "",
    "status=captured",
    "status=captured&region={krs}",
    "region={bel}&sort=-status_since",
    "window=kursk&status=dead",
    "birth_year_min=2004&birth_year_max=2005&draft_season=autumn",
    "evidence=prisoner_video&region={krs}",
    "evidence=media_report",
    "evidence=prisoner_video&status=captured&sort=-status_since",
    "unit={unit}",
    "disputed=true",
    "last_contact_after=2024-09-01&last_contact_before=2024-09-30&sort=last_contact",
    "q=Иванов",
    "q=Иванов&region={krs}",
    "q=Кузнецова Анна",
]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def timed(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up
    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
    return times, queries


def line(label: str, times: list[float], extra: str = "") -> None:
    print(
        f"  {label:<78} p50 {stats.median(times):7.1f} ms  p95 {percentile(times, 95):7.1f} ms"
        f"{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="conscripts_bench_research")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    if args.database == "conscripts_bench_1m":
        sys.exit("refusing to write into the shared conscripts_bench_1m: make a copy")
    os.environ["DATABASE_URL"] = f"{PG_URL}/{args.database}"
    media = tempfile.mkdtemp(prefix="bench-exports-")
    os.environ["MEDIA_ROOT"] = media

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from conscripts.models import Conscript, Region
    from core import access
    from research import selectors, statistics
    from research.models import ExportJob, StatisticsSnapshot
    from research.tasks import export_task
    from tests.factories import UserFactory

    people = Conscript.objects.count()
    print(f"database {args.database}: {people:,} people; runs per URL: {args.runs}")
    user = UserFactory(username="bench-researcher")
    user.groups.add(Group.objects.get_or_create(name=access.RESEARCHERS)[0])
    client = Client()
    from tests.helpers import log_in

    log_in(client, user)

    krs, bel = Region.objects.get(code="KRS").pk, Region.objects.get(code="BEL").pk
    unit = Conscript.objects.filter(unit__number__isnull=False).values_list(
        "unit__number", flat=True
    )[:1][0]

    print("(a) browse page /research/?…  (target p95 ≤ 100 ms, constant queries)")
    all_times, counts = [], set()
    for query in FILTERS:
        query = query.format(krs=krs, bel=bel, unit=unit)
        times, queries = timed(client, f"/research/?{query}", args.runs)
        all_times += times
        counts.add(queries)
        line(query or "(no filter)", times, f"  {queries} queries")
    line("ALL FILTERS", all_times, f"  query counts {sorted(counts)}")

    print("(b) /statistics/ (target p95 ≤ 100 ms)")
    anonymous = Client()
    for window in ("", "window=kursk"):
        kursk = bool(window)
        key = statistics.statistics_cache_key(kursk=kursk)
        label = window or "(all records)"
        first, restarted = [], []
        for _ in range(max(5, args.runs // 8)):
            # Nothing computed yet: a new installation (beat computes it within minutes).
            cache.delete(key)
            StatisticsSnapshot.objects.filter(key=key).delete()
            start = time.perf_counter()
            assert anonymous.get(f"/statistics/?{window}").status_code == 200
            first.append((time.perf_counter() - start) * 1000)
            # An emptied cache (Redis restarted): the snapshot refills it.
            cache.delete(key)
            start = time.perf_counter()
            assert anonymous.get(f"/statistics/?{window}").status_code == 200
            restarted.append((time.perf_counter() - start) * 1000)
        line(f"first computation ever {label}", first)
        line(f"after the cache was emptied {label}", restarted)
        warm, queries = timed(anonymous, f"/statistics/?{window}", args.runs)
        line(f"cached {label}", warm, f"  {queries} queries")

    print(f"(c) background CSV export of ~{args.export_rows:,} rows by a real Celery worker")
    # The region filter whose size is closest to the requested number of rows.
    counts_by_status = dict(
        Conscript.objects.public()
        .values_list("status")
        .annotate(n=django.db.models.Count("pk"))
        .order_by()
    )
    status = min(counts_by_status, key=lambda s: abs(counts_by_status[s] - args.export_rows))
    query = f"status={status}"
    rows = selectors.export_values(query_string=query, as_moderator=False).count()
    env = dict(os.environ)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        from config.celery import ping

        ping.apply_async().get(timeout=60)
        job = ExportJob.objects.create(requested_by=user, format="csv", query_string=query)
        start = time.perf_counter()
        export_task.delay(job.pk)
        while True:
            job.refresh_from_db()
            if job.state in ("done", "failed"):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        size = (Path(media) / job.file.name).stat().st_size if job.file else 0
        print(
            f"  filter {query}: {rows:,} rows -> state {job.state}, {job.rows:,} rows written, "
            f"{size / 1e6:.1f} MB in {elapsed:.1f} s (target < 30 s)"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        ExportJob.objects.filter(requested_by=user).delete()
        user.delete()
        shutil.rmtree(media, ignore_errors=True)
    connection.close()
    if args.drop:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
             f'DROP DATABASE "{args.database}"'],
            check=True,
        )  # fmt: skip
        print(f"dropped {args.database}")


if __name__ == "__main__":
    main()
