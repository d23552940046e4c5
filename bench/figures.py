"""Benchmark the public figures pages at a million people on PostgreSQL.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres; Redis):

    psql -h 127.0.0.1 -U postgres -c \
        "CREATE DATABASE conscripts_bench_figures TEMPLATE conscripts_bench_1m"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/conscripts_bench_figures \
        .venv/bin/python manage.py migrate
    .venv/bin/python bench/figures.py [--database conscripts_bench_figures] [--runs 40] [--drop]

Never run it against ``conscripts_bench_1m`` itself (that database is shared): it publishes
figures and creates a user. ``--drop`` drops the copy at the end.

Measures, through Django's test client (whole request, templates included; target p95 ≤
100 ms for every page): the statistics page, the map (by count and by a status's share),
the method, the list of units, unit pages (the largest unit, a median one, the smallest,
and page 50 of the largest), the list of published figures and one published snapshot;
the statistics and every unit's figures are computed once first, as beat keeps them (and
that refresh is timed). Also: publishing figures (one pass over the public people, then a
second publication that compares with the first) and downloading a snapshot's whole
file, which are not pages (no 100 ms target).
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


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def timed(client, url: str, runs: int, language: str) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, HTTP_ACCEPT_LANGUAGE=language)  # warm-up
    times, queries, size = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries, size = len(captured.captured_queries), len(response.content)
    return times, queries, size


def line(label: str, times: list[float], extra: str = "") -> None:
    print(
        f"  {label:<46} p50 {stats.median(times):7.1f} ms  p95 {percentile(times, 95):7.1f} ms"
        f"{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="conscripts_bench_figures")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    if args.database == "conscripts_bench_1m":
        sys.exit("refusing to write into the shared conscripts_bench_1m: make a copy")
    os.environ["DATABASE_URL"] = f"{PG_URL}/{args.database}"
    media = tempfile.mkdtemp(prefix="bench-figures-")
    os.environ["MEDIA_ROOT"] = media

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from conscripts.models import Conscript
    from core import access
    from research import services, statistics
    from research.models import FiguresSnapshot
    from research.units import unit_figures
    from tests.factories import UserFactory

    people = Conscript.objects.count()
    print(f"database {args.database}: {people:,} people; runs per URL: {args.runs}")
    with open("/proc/loadavg") as handle:
        print(f"load average at start: {handle.read().split()[:3]}")
    moderator = UserFactory(username="bench-figures-moderator")
    moderator.groups.add(Group.objects.get_or_create(name=access.MODERATORS)[0])

    print("publishing figures (one pass over the public people; not a page)")
    published = []
    for label in ("first", "second (compared with the first)"):
        start = time.perf_counter()
        requested = services.figures_snapshot_request(user=moderator, note=f"bench {label}")
        snapshot = services.figures_snapshot_write(snapshot_id=requested.pk)
        elapsed = time.perf_counter() - start
        size = (Path(media) / snapshot.file).stat().st_size
        print(f"  {label}: {snapshot.rows:,} records, {size / 1e6:.0f} MB file in {elapsed:.1f} s")
        published.append(snapshot)

    print("beat's refresh (not a page)")
    for kursk in (False, True):  # as beat keeps them
        start = time.perf_counter()
        statistics.statistics(kursk=kursk, refresh=True)
        print(f"  statistics{' (Kursk window)' if kursk else ''}: "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    start = time.perf_counter()
    unit_figures(refresh=True)
    print(f"  every unit's figures: {time.perf_counter() - start:.1f} s")
    units = list(
        Conscript.objects.public()
        .filter(unit__isnull=False)
        .values_list("unit")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    largest, median, smallest = units[0], units[len(units) // 2], units[-1]
    snapshot = published[-1]
    pages = [
        ("/statistics/", "statistics"),
        ("/statistics/?window=kursk", "statistics, Kursk window"),
        ("/statistics/map/", "map by count"),
        ("/statistics/map/?colour=captured", "map by share captured"),
        ("/statistics/map/?window=kursk&colour=dead", "map, Kursk window, share dead"),
        ("/statistics/method/", "method"),
        ("/units/", f"units ({len(units)})"),
        (f"/units/{largest[0]}/", f"largest unit ({largest[1]:,} people)"),
        (f"/units/{largest[0]}/?page=50", "largest unit, page 50"),
        (f"/units/{median[0]}/", f"median unit ({median[1]:,} people)"),
        (f"/units/{smallest[0]}/", f"smallest unit ({smallest[1]:,} people)"),
        ("/statistics/figures/", "published figures"),
        (f"/statistics/figures/{snapshot.pk}/", "one published snapshot"),
        ("/statistics/data/regions.csv", "regions CSV"),
    ]
    client = Client()
    print("pages (target p95 ≤ 100 ms)")
    all_times = []
    for language in ("ru", "en"):
        print(f" language {language}")
        for url, label in pages:
            times, queries, size = timed(client, url, args.runs, language)
            all_times += times
            line(label, times, f"  {queries} queries, {size / 1000:.0f} kB")
    line("ALL PAGES", all_times)

    print("downloading a snapshot's whole file (not a page)")
    start = time.perf_counter()
    response = client.get(f"/statistics/figures/{snapshot.pk}/records.csv")
    size = sum(len(chunk) for chunk in response.streaming_content)
    print(f"  {size / 1e6:.0f} MB in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    response = client.get(f"/statistics/figures/{snapshot.pk}/records.csv?region=KRS")
    size = sum(len(chunk) for chunk in response.streaming_content)
    print(f"  the records behind one region's count: {size / 1e6:.1f} MB in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    with open("/proc/loadavg") as handle:
        print(f"load average at end: {handle.read().split()[:3]}")

    # Published figures are immutable on purpose; the bench's own go with their database
    # (--drop), or stay in the copy.
    print(f"published figures left in {args.database}: {FiguresSnapshot.objects.count()}")
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
