"""Benchmark matching one new report against the relatives' watches.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/watches.py [--watches 100000] [--reports 300] [--seed 11]
        [--database conscripts_bench_watches] [--keep] [--reuse] [--json]

The issue's target: matching one new report against 100,000 watches ≤ 200 ms p95.

1. A scratch database (``bench/scratch.py``), migrated. ``--watches`` active watches
   of people drawn from ``conscripts.demo_data`` (its name frequencies: many namesakes),
   each described as a relative would (name, often the patronymic and birth year),
   stored with ``reports.watches.watch_description_fields`` — the service's own keys and
   interpretation — and their keys in the watches' vocabulary. ``--reuse`` keeps an
   existing database of that many watches (after ``--keep``).
2. ``--reports`` pending reports as ``report_submit`` stores them: a third about watched
   people (as written, declined «Иванова Ивана», or with a typo, with or without the
   patronymic and year), two thirds about other people of the same name frequencies.
3. After a warm-up, ``reports.watches.watch_hits_for_report(report_id=…)`` — what the
   Celery task runs for each new report: load the report, find and score the watches,
   store the leads — once per report: p50/p95/max, queries per report, leads found, and
   how often a report about a watched person found that watch.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import shlex  # noqa: E402
import time  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import scratch  # noqa: E402
from bench import search as search_bench  # noqa: E402 - sets up Django
from bench import search_queries as sq  # noqa: E402
from conscripts import demo_data  # noqa: E402
from reports import watches  # noqa: E402
from reports.models import Origin, Report, Watch, WatchHit, WatchKey  # noqa: E402

TARGET_P95_MS = 200.0


def describe(person, rng: random.Random) -> dict:
    """What a relative types about the person: always the name, mostly the rest."""
    return {
        "surname": person.surname,
        "given_name": person.given_name,
        "patronymic": person.patronymic if rng.random() < 0.7 else "",
        "birth_year": person.birth_year if rng.random() < 0.8 else None,
    }


def load_watches(n: int, seed: int) -> tuple[float, list]:
    """``n`` active watches; returns the seconds it took and the people watched."""
    rng = random.Random(seed)
    start = time.perf_counter()
    people = list(demo_data.people(n, seed=f"watches-{seed}"))
    cache: dict[tuple, dict] = {}
    rows = []
    now = timezone.now()
    for i, person in enumerate(people):
        description = describe(person, rng)
        key = tuple(description.values())
        if key not in cache:
            cache[key] = watches.watch_description_fields(**description)
        rows.append(
            Watch(
                email=f"relative{i}@example.invalid",
                confirmation_mailed_at=now,
                confirmed_at=now,
                **cache[key],
            )
        )
    Watch.objects.bulk_create(rows, batch_size=5000)
    keys = {
        (kind, getattr(w, f"{kind}_key"))
        for w in rows
        for kind in ("surname", "given", "patronymic")
        if getattr(w, f"{kind}_key")
    }
    WatchKey.objects.bulk_create(
        [WatchKey(kind=k, key=v) for k, v in keys], ignore_conflicts=True, batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_watch")
        cursor.execute("VACUUM ANALYZE reports_watchkey")
    return time.perf_counter() - start, people


def _decline(person, rng: random.Random) -> tuple[str, str, str] | None:
    case = rng.choice(("gent", "datv", "ablt"))
    parts = []
    for role, value in (("surname", person.surname), ("given", person.given_name)):
        form = sq.inflect(value, role, case)
        if form is None:
            return None
        parts.append(form)
    return parts[0], parts[1], ""


def make_reports(watched: list, n: int, seed: int) -> list[tuple[int, int | None, str]]:
    """``n`` pending reports; returns (report id, watch index it is about or None, how
    the name is written)."""
    rng = random.Random(seed)
    others = list(demo_data.people(n, seed=f"reports-{seed}"))
    made = []
    for i in range(n):
        about, written = None, "other person"
        if i % 3 == 0:
            about = rng.randrange(len(watched))
            person = watched[about]
            form = rng.random()
            if form < 0.4 and (declined := _decline(person, rng)):
                surname, given, patronymic = declined
                written = "declined"
            elif form < 0.7:
                surname, given = sq.typo(person.surname, rng, latin=False), person.given_name
                patronymic = person.patronymic
                written = "surname typo"
            else:
                written = "as written"
                surname, given, patronymic = (
                    person.surname,
                    person.given_name,
                    person.patronymic if rng.random() < 0.5 else "",
                )
            year = person.birth_year if rng.random() < 0.6 else None
        else:
            person = others[i]
            surname, given, patronymic = person.surname, person.given_name, person.patronymic
            year = person.birth_year if rng.random() < 0.6 else None
        report = Report.objects.create(
            origin=Origin.SOURCE,
            origin_ref=f"bench:watches:{i}#1",
            surname_raw=surname,
            surname=surname,
            given_name_raw=given,
            given_name=given,
            patronymic_raw=patronymic,
            patronymic=patronymic,
            birth_year=year,
        )
        made.append((report.pk, about, written))
    return made


def percentiles(values: list[float]) -> dict:
    return search_bench.percentiles(values)


def run(args) -> dict:
    figures: dict = {"watches": args.watches, "reports": args.reports, "seed": args.seed}
    figures["load_before"] = [round(x, 2) for x in os.getloadavg()]
    reuse = args.reuse and search_bench.database_exists(args.database)
    if reuse:
        search_bench.use_database(args.database)
        search_bench.migrate(args.database)
        reuse = Watch.objects.active().count() == args.watches
    if not reuse:
        scratch.create_database(args.database)
        search_bench.migrate(args.database)
        seconds, watched_people = load_watches(args.watches, args.seed)
        figures["load_seconds"] = round(seconds, 1)
    else:
        watched_people = list(demo_data.people(args.watches, seed=f"watches-{args.seed}"))
    Report.objects.filter(origin_ref__startswith="bench:watches:").delete()
    WatchHit.objects.all().delete()
    reports = make_reports(watched_people, args.reports, args.seed)
    watch_ids = list(Watch.objects.order_by("pk").values_list("pk", flat=True))

    # Warm-up: pymorphy3's dictionaries, the caches, the connection.
    for report_id, _about, _written in reports[:10]:
        watches.watch_hits_for_report(report_id=report_id)
    WatchHit.objects.all().delete()

    timings, queries, leads = [], [], []
    found: dict[str, list[int]] = {}
    for report_id, about, written in reports:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            new = watches.watch_hits_for_report(report_id=report_id)
            timings.append((time.perf_counter() - start) * 1000)
        queries.append(len(captured))
        leads.append(new)
        if about is not None:
            tally = found.setdefault(written, [0, 0])
            tally[1] += 1
            tally[0] += WatchHit.objects.filter(
                report_id=report_id, watch_id=watch_ids[about]
            ).exists()
    figures["match_ms"] = percentiles(timings)
    figures["queries_per_report"] = {"min": min(queries), "max": max(queries)}
    figures["leads_per_report"] = {
        "mean": round(sum(leads) / len(leads), 2),
        "max": max(leads),
        "reports_with_a_lead": sum(1 for n in leads if n),
    }
    hit, tried = sum(f[0] for f in found.values()), sum(f[1] for f in found.values())
    figures["about_watched_found"] = round(hit / tried, 3) if tried else None
    figures["about_watched_found_by_form"] = {k: f"{h}/{n}" for k, (h, n) in sorted(found.items())}
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    figures["target_p95_ms"] = TARGET_P95_MS
    figures["meets_target"] = figures["match_ms"]["p95"] <= TARGET_P95_MS
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watches", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database", default="conscripts_bench_watches")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", "bench/watches.py", *sys.argv[1:]])
    try:
        figures = run(args)
    finally:
        if not args.keep:
            search_bench.drop_database(args.database)
    figures["command"] = command
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    m = figures["match_ms"]
    print(f"== Matching one new report against {figures['watches']:,} watches ==")
    if "load_seconds" in figures:
        print(f"watches loaded in {figures['load_seconds']} s")
    print(
        f"watch_hits_for_report over {figures['reports']} reports: p50 {m['p50']} ms, "
        f"p95 {m['p95']} ms, max {m['max']} ms (target p95 ≤ {TARGET_P95_MS:.0f} ms)"
    )
    print(f"queries per report: {figures['queries_per_report']}")
    print(f"leads per report: {figures['leads_per_report']}")
    print(
        f"reports about a watched person that found the watch: {figures['about_watched_found']} "
        f"{figures['about_watched_found_by_form']}"
    )
    print(f"load average before/after: {figures['load_before']} / {figures['load_after']}")
    print(f"command: {command}")
    return 0 if figures["meets_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
