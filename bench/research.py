"""Benchmark the research tools at a million people on PostgreSQL.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres; Redis):

    psql -h 127.0.0.1 -U postgres -c \
        "CREATE DATABASE conscripts_bench_research TEMPLATE conscripts_bench_1m"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conscripts_bench_research \
        .venv/bin/python manage.py migrate
    .venv/bin/python bench/research.py [--database conscripts_bench_research] [--runs 40]
        [--export-rows 100000] [--drop]
    .venv/bin/python bench/research.py --all-shapes [--runs 3] [--pages 1,50] [--json FILE]

Never run it against ``conscripts_bench_1m`` itself (that database is shared): it creates a
user and export jobs. ``--drop`` drops the copy at the end.

Measures, through Django's test client (whole request, templates included):
(a) the researchers' browse page over several filters: p50/p95 and the query count of
each (targets p95 ≤ 100 ms, same query count for every filter);
(b) ``/statistics/``: the first computation ever (no cache, no snapshot), after the cache
was emptied (the snapshot refills it) and cached (target p95 ≤ 100 ms);
(c) a CSV export of ~``--export-rows`` rows written by a real Celery worker (target
< 30 s), enqueued exactly as the page does.

``--all-shapes`` measures only the browse page, at every filter × sort combination the page
offers, enumerated from ``research.filters.ConscriptFilter`` itself: each filter (every
choice of a choice filter, one representative value of the others: ``REPRESENTATIVE``;
a filter without one stops the benchmark) alone and with no filter, times every sort in
``SORTS`` and the default, at each of ``--pages``; plus ``PAIRS``, combinations once found
slow. Prints p50/p95 per shape (the slowest first), how many are over 100 ms, and the load
average; ``--json FILE`` keeps every shape.
"""

from __future__ import annotations

import argparse
import json
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


#: One value per filter of ConscriptFilter that is not a choice filter ({krs}, {unit}:
#: filled from the database). Choice filters are enumerated: every choice.
REPRESENTATIVE = {
    "q": "Иванов",
    "region": "{krs}",
    "unit": "{unit}",
    "birth_year_min": "2005",
    "birth_year_max": "2003",
    "draft_year": "2023",
    "last_contact_after": "2024-12-01",
    "last_contact_before": "2024-09-01",
    "status_since_after": "2025-05-01",
    "status_since_before": "2024-10-01",
    "disputed": "true",
}
#: Combinations measured besides the single filters (issue 16: 473 ms at 1 M people).
PAIRS = ["status=returned&birth_year_min=1995&birth_year_max=1995"]


def filter_values() -> list[str]:
    """Every single-filter query the page offers (and "" for none), from the filterset."""
    import django_filters

    from research.filters import ConscriptFilter

    queries = [""]
    for name, f in ConscriptFilter.base_filters.items():
        if name == "sort":
            continue
        if isinstance(f, django_filters.ChoiceFilter) and "choices" in f.extra:
            queries += [f"{name}={value}" for value, _label in f.extra["choices"] if value]
        elif name in REPRESENTATIVE:
            queries.append(f"{name}={REPRESENTATIVE[name]}")
        else:
            sys.exit(f"bench/research.py: give the new filter {name!r} a value in REPRESENTATIVE")
    return queries + PAIRS


def sort_values() -> list[str]:
    from research.filters import SORTS

    return ["", *SORTS]


def all_shapes(client, runs: int, pages: list[int], fill: dict, every: int = 1) -> list[dict]:
    shapes = []
    combinations = [
        (query.format(**fill), sort, page)
        for query in filter_values()
        for sort in sort_values()
        for page in pages
    ]
    for query, sort, page in combinations[::every]:
        parts = [p for p in (query, f"sort={sort}" if sort else "", f"page={page}") if p]
        times, queries = timed(client, "/research/?" + "&".join(parts), runs)
        shapes.append(
            {
                "filter": query or "(none)",
                "sort": sort or "(default)",
                "page": page,
                "p50": round(stats.median(times), 1),
                "p95": round(percentile(times, 95), 1),
                "queries": queries,
            }
        )
    return shapes


def print_shapes(shapes: list[dict], show: int) -> None:
    slow = [s for s in shapes if s["p95"] > 100]
    every = [t for s in shapes for t in (s["p50"], s["p95"])]
    print(
        f"{len(shapes)} shapes ({len({s['filter'] for s in shapes})} filters × "
        f"{len({s['sort'] for s in shapes})} sorts × pages {sorted({s['page'] for s in shapes})})"
        f"; over 100 ms at p95: {len(slow)}; worst p95 {max(every):.1f} ms; median p50 "
        f"{stats.median([s['p50'] for s in shapes]):.1f} ms; query counts "
        f"{sorted({s['queries'] for s in shapes})}"
    )
    print(f"  the {min(show, len(shapes))} slowest (p95):")
    for s in sorted(shapes, key=lambda s: -s["p95"])[:show]:
        print(
            f"  {s['filter']:<58} {s['sort']:<15} page {s['page']:>3}  p50 {s['p50']:7.1f} ms"
            f"  p95 {s['p95']:7.1f} ms"
        )


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
    parser.add_argument("--all-shapes", action="store_true", help="every filter × sort")
    parser.add_argument("--pages", default="1,50", help="pages of --all-shapes")
    parser.add_argument("--every", type=int, default=1, help="only every Nth shape (CI)")
    parser.add_argument("--show", type=int, default=30, help="slowest shapes printed")
    parser.add_argument("--json", type=Path, help="write every shape's figures here")
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

    if args.all_shapes:
        before = os.getloadavg()
        pages = [int(p) for p in args.pages.split(",")]
        for warm in ("", "sort=region", "sort=-created"):  # templates, caches, connection
            client.get(f"/research/?{warm}")
        fill = {"krs": krs, "unit": unit}
        shapes = all_shapes(client, args.runs, pages, fill, every=args.every)
        after = os.getloadavg()
        print(f"(a*) /research/, every filter × sort, {args.runs} requests each (p95 ≤ 100)")
        print_shapes(shapes, args.show)
        print(f"load average before {before[0]:.2f}, after {after[0]:.2f}")
        if args.json:
            args.json.write_text(json.dumps(shapes, ensure_ascii=False, indent=1))
        user.delete()
        connection.close()
        if args.drop:
            drop(args.database)
        return

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
        drop(args.database)


def drop(database: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f'DROP DATABASE "{database}"'],
        check=True,
    )
    print(f"dropped {database}")


if __name__ == "__main__":
    main()
