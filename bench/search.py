"""Benchmark ``conscripts.search``: quality on a labelled query set, speed at a million people.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/search.py --quality [--failures] [--keep]
        [--queries bench/data/search_queries.jsonl] [--database conscripts_bench_quality]
    .venv/bin/python bench/search.py --speed [--people 1000000] [--keep]
        [--database conscripts_bench_1m] [--speed-queries 256] [--profile]
        [--methods search,icontains,trigram,api]
    add --json for the figures as JSON.

Quality: the roster named in the query file (``conscripts.demo_data``, see
``bench/search_queries.py``) is loaded into a fresh scratch database with its search keys
and vocabulary; ``search()`` runs once per query; a query is a hit@k when one of the
first k results is in its relevant set. Targets: recall@1 ≥ 0.92 and recall@10 ≥ 0.98 in
every kind. The scratch database is dropped at the end unless ``--keep``.

Speed: a database of ``--people`` people seeded with ``manage.py seed_demo`` (reused when
present with that many people; dropped at the end unless ``--keep``), ~250 queries of
every kind written the same way from its people, a warm-up, then one run per query of
(a) ``search()``, (b) a naive Django ``icontains`` over the name parts, (c) pg_trgm ``%``
on the full name with a GIN index (threshold 0.3, by similarity, 20 rows), and (d)
``GET /api/v1/conscripts/?q=`` over HTTP against gunicorn (2 workers). Prints p50/p95 in
ms and recall@1/@10 of each. Targets: p95 of (a) ≤ 20 ms, of (d) ≤ 60 ms, (a) at least
20× faster than (b) and 5× faster than (c) at p95. ``--profile`` times the stages of
``search()`` as it reports them (interpretation, vocabulary lookup, candidate query and
loading, re-ranking).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ["DEBUG"] = "false"  # no query log: it would grow and slow every query
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Django needs a database name before setup; each part switches to its own.
os.environ["DATABASE_URL"] = f"{PG_URL}/postgres"

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from bench import scratch  # noqa: E402
from bench import search_queries as sq  # noqa: E402
from conscripts import demo_data  # noqa: E402
from conscripts import search as search_module  # noqa: E402
from conscripts.models import Conscript, MilitaryUnit, NameKey, Region  # noqa: E402

QUALITY_TARGETS = {"recall@1": 0.92, "recall@10": 0.98}
#: Among a million people (``--scale-quality``), every kind of query.
SCALE_TARGETS = {"recall@1": 0.97, "recall@10": 0.99}
SPEED_TARGETS = {"search_p95_ms": 20.0, "api_p95_ms": 60.0, "vs_icontains": 20.0, "vs_trgm": 5.0}
FULL_NAME_SQL = "(surname || ' ' || given_name || ' ' || patronymic)"
BASELINE_INDEX = "bench_full_name_trgm"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


# --- Databases -----------------------------------------------------------------------
def database_exists(name: str) -> bool:
    with scratch.admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def drop_database(name: str) -> None:
    if connection.settings_dict["NAME"] == name:
        connection.close()
    scratch.drop_database(name)


def use_database(name: str) -> None:
    """Point Django's default connection at ``name`` (the next query reconnects)."""
    connection.close()
    connection.settings_dict["NAME"] = name


def database_url(name: str) -> str:
    return f"{PG_URL}/{name}"


def migrate(name: str) -> None:
    use_database(name)
    call_command("migrate", verbosity=0, interactive=False)


# --- Quality -------------------------------------------------------------------------
def load_roster(records: Sequence[demo_data.PersonRecord]) -> None:
    """Insert the roster with pk = index + 1, search keys and vocabulary."""
    regions = dict(Region.objects.values_list("name_ru", "pk"))
    units = {(u.number, u.name) for r in records if (u := r.unit) is not None}
    MilitaryUnit.objects.bulk_create(
        [MilitaryUnit(number=n, name=name) for n, name in units], ignore_conflicts=True
    )
    unit_ids = {(u.number, u.name): u.pk for u in MilitaryUnit.objects.all()}
    rows = []
    for r in records:
        keys = search_module.name_keys(
            surname=r.surname, given_name=r.given_name, patronymic=r.patronymic
        )
        rows.append(
            Conscript(
                pk=r.index + 1,
                surname=r.surname,
                given_name=r.given_name,
                patronymic=r.patronymic,
                birth_date=r.birth_date,
                birth_year=r.birth_year,
                home_region_id=regions.get(r.region) if r.region else None,
                unit_id=unit_ids[(r.unit.number, r.unit.name)] if r.unit else None,
                draft_season=r.draft_season,
                draft_year=r.draft_year,
                last_contact_date=r.last_contact_date,
                last_known_place=r.last_known_place,
                is_public=r.is_public,
                **keys,
            )
        )
    Conscript.objects.bulk_create(rows, batch_size=5000)
    search_module.vocabulary_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def evaluate(
    queries: Sequence[dict], run: Callable[[str], list[int]], *, keep_failures: bool = False
) -> dict:
    """Recall@1/@10 per kind and overall; ``run`` returns ranked roster ids for a query."""
    per_kind: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    failures = []
    timings = []
    for q in queries:
        start = time.perf_counter()
        got = run(q["query"])
        timings.append((time.perf_counter() - start) * 1000)
        relevant = set(q["relevant"])
        hit1 = bool(got[:1]) and got[0] in relevant
        hit10 = any(i in relevant for i in got[:10])
        per_kind[q["kind"]].append((hit1, hit10))
        if keep_failures and not hit1:
            failures.append({**q, "got": got[:5], "hit10": hit10})
    figures = {"kinds": {}, "timings_ms": percentiles(timings)}
    for kind, hits in per_kind.items():
        figures["kinds"][kind] = _recalls(hits)
    figures["overall"] = _recalls([h for hits in per_kind.values() for h in hits])
    if keep_failures:
        figures["failures"] = failures
    return figures


def _recalls(hits: Sequence[tuple[bool, bool]]) -> dict:
    n = len(hits)
    return {
        "n": n,
        "recall@1": round(sum(h1 for h1, _ in hits) / n, 4) if n else None,
        "recall@10": round(sum(h10 for _, h10 in hits) / n, 4) if n else None,
    }


def run_quality(args) -> dict:
    header, queries = sq.read(args.queries)
    roster_info = header["roster"]
    records = list(demo_data.people(roster_info["people"], seed=roster_info["seed"]))
    people = [
        sq.Person(r.index, r.surname, r.given_name, r.patronymic, r.birth_year, r.is_public)
        for r in records
    ]
    if sq.fingerprint(people) != roster_info["sha256"]:
        raise SystemExit(
            f"{args.queries}: conscripts.demo_data now draws another roster; regenerate the "
            "queries with: .venv/bin/python bench/search_queries.py"
        )
    name = args.database or "conscripts_bench_quality"
    start = time.perf_counter()
    scratch.create_database(name)
    migrate(name)
    load_roster(records)
    load_seconds = time.perf_counter() - start
    try:

        def ours(q: str) -> list[int]:
            return [m.conscript.pk - 1 for m in search_module.search(q, limit=10).matches]

        ours("Иванов Иван 2005")  # load pymorphy3 and the caches outside the timings
        figures = evaluate(queries, ours, keep_failures=True)
        by_id = {p.id: p for p in people}
        for f in figures["failures"]:
            f["got"] = [f"{by_id[i].full_name} ({by_id[i].birth_year})" for i in f["got"]]
        figures.update(
            database=name,
            people=roster_info["people"],
            roster_seed=roster_info["seed"],
            queries=len(queries),
            load_seconds=round(load_seconds, 1),
        )
        return figures
    finally:
        if not args.keep:
            drop_database(name)


def run_scale_quality(args) -> dict:
    """Recall per kind for people placed among ``--people`` (a million): queries written
    from the speed database's own people, each labelled with everyone it cannot tell
    apart from its person (every namesake of a full name, every Иванов born in 2004)."""
    name = args.database or "conscripts_bench_1m"
    info = ensure_seeded(name, args.people)
    try:
        start = time.perf_counter()
        roster = sq.Roster(roster_from_database())
        per_kind = max(1, round(args.scale_queries / len(sq.SCALE_KINDS)))
        generator = sq.Generator(roster, args.scale_seed)
        made = generator.generate(per_kind, sq.SCALE_KINDS, skip_impossible=True)
        queries = [q.as_dict(roster) for q in made]
        generation_seconds = round(time.perf_counter() - start, 1)
        for q in queries[:3]:
            ours(q["query"])  # load pymorphy3 and the caches outside the timings
        figures = evaluate(queries, ours, keep_failures=True)
        for f in figures["failures"]:
            f["got"] = [
                f"{roster.people[i].full_name} ({roster.people[i].birth_year})" for i in f["got"]
            ]
        figures.update(
            info,
            people=args.people,
            roster_seed=args.scale_seed,
            queries=len(queries),
            load_seconds=generation_seconds,
            targets=SCALE_TARGETS,
            load_average=round(os.getloadavg()[0], 2),
        )
        return figures
    finally:
        if not args.keep:
            drop_database(name)


def print_quality(f: dict, failures: bool) -> None:
    if "targets" in f:
        print(
            f"== Quality among {f['people']:,} people: {f['queries']} queries written from "
            f"database {f['database']} (seed {f['roster_seed']}), a hit being anyone the query "
            f"cannot tell apart from its person (written in {f['load_seconds']} s) =="
        )
    else:
        print(
            f"== Quality: {f['queries']} queries over {f['people']} people "
            f"(demo_data seed {f['roster_seed']}, database {f['database']}, "
            f"loaded in {f['load_seconds']} s) =="
        )
    targets = f.get("targets", QUALITY_TARGETS)
    if "load_average" in f:
        print(f"1-minute load average {f['load_average']} ({os.cpu_count()} CPUs)")
    print(f"{'kind':<15}{'n':>5}{'recall@1':>10}{'recall@10':>11}")
    rows = [
        *((k, f["kinds"][k]) for k in sq.SCALE_KINDS if k in f["kinds"]),
        ("overall", f["overall"]),
    ]
    for kind, r in rows:
        flag = ""
        if r["recall@1"] < targets["recall@1"] or r["recall@10"] < targets["recall@10"]:
            flag = "  below target"
        print(f"{kind:<15}{r['n']:>5}{r['recall@1']:>10.3f}{r['recall@10']:>11.3f}{flag}")
    t = f["timings_ms"]
    print(f"search() at this size: p50 {t['p50']:.1f} ms, p95 {t['p95']:.1f} ms")
    print(
        f"targets: recall@1 ≥ {targets['recall@1']}, "
        f"recall@10 ≥ {targets['recall@10']} in every kind"
    )
    if failures:
        print(f"\n-- {len(f['failures'])} queries whose first result is not relevant --")
        for x in f["failures"]:
            where = "in top 10" if x["hit10"] else "not in top 10"
            print(
                f"[{x['kind']}] {x['query']!r} ({x['note'] or '-'}): expected "
                f"{x['name']} ({x['birth_year']}), {len(x['relevant'])} relevant, {where}; "
                f"got {x['got'][:3] or 'nothing'}"
            )


# --- Speed ---------------------------------------------------------------------------
def percentiles(values: Sequence[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:  # nearest rank
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]

    return {"p50": round(at(0.5), 2), "p95": round(at(0.95), 2), "max": round(ordered[-1], 2)}


def seed_command(people: int) -> list[str]:
    return [PYTHON, "manage.py", "seed_demo", "--people", str(people)]


def ensure_seeded(name: str, people: int) -> dict:
    """Reuse a database of ``people`` people, or create and seed one (minutes at 1M)."""
    info: dict = {"database": name, "reused": False}
    if database_exists(name):
        use_database(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM conscripts_conscript")
            have = cursor.fetchone()[0]
        if have == people:
            info["reused"] = True
            migrate(name)  # the models may have moved on since it was seeded
        else:
            print(f"{name} has {have} people, not {people}: seeding it again", file=sys.stderr)
    if not info["reused"]:
        scratch.create_database(name)
        migrate(name)
        connection.close()
        env = {**os.environ, "DATABASE_URL": database_url(name)}
        command = seed_command(people)
        print(f"seeding: DATABASE_URL={database_url(name)} {shlex.join(command)}", file=sys.stderr)
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        info["seed_seconds"] = round(time.perf_counter() - start, 1)
    use_database(name)
    # seed_demo fills the keys; they go stale when conscripts.names changes.
    start = time.perf_counter()
    updated = refresh_keys()
    if updated:
        print(f"{updated} people had missing or stale search keys: refreshed", file=sys.stderr)
        info["keys_refreshed_by_bench"] = updated
        info["refresh_keys_seconds"] = round(time.perf_counter() - start, 1)
    elif not NameKey.objects.exists():
        search_module.vocabulary_rebuild()
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # The pg_trgm baseline's index, in this scratch database only.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {BASELINE_INDEX} ON conscripts_conscript "
            f"USING gin ({FULL_NAME_SQL} gin_trgm_ops)"
        )
        cursor.execute("ANALYZE conscripts_conscript")
        cursor.execute("ANALYZE conscripts_namekey")
    info["baseline_index_seconds"] = round(time.perf_counter() - start, 1)
    return info


def refresh_keys() -> int:
    """Make every person's search keys what ``name_keys`` gives today (a loader may have
    left them empty; a change to ``conscripts.names`` makes them stale), then rebuild
    the vocabulary if anything changed. Returns how many people were updated."""
    updated = 0
    roles = (
        ("surname", "surname", "surname_key"),
        ("given_name", "given_name", "given_key"),
        ("patronymic", "patronymic", "patronymic_key"),
    )
    with connection.cursor() as cursor:
        for argument, column, key_column in roles:
            cursor.execute(
                f"SELECT DISTINCT {column}, {key_column} FROM conscripts_conscript"  # noqa: S608
            )
            stale = []
            for value, stored in cursor.fetchall():
                keys = search_module.name_keys(
                    **{"surname": "-", "given_name": "", "patronymic": "", argument: value}
                )
                if keys[key_column] != stored:
                    stale.append((value, keys[key_column]))
            if not stale:
                continue
            cursor.execute("CREATE TEMP TABLE bench_keys (value text, key text)")
            with cursor.connection.cursor().copy("COPY bench_keys FROM STDIN") as copy:
                for row in stale:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE conscripts_conscript c SET {key_column} = k.key "  # noqa: S608
                f"FROM bench_keys k WHERE c.{column} = k.value AND c.{key_column} <> k.key"
            )
            updated += cursor.rowcount
            cursor.execute("DROP TABLE bench_keys")
        if updated:
            cursor.execute("TRUNCATE conscripts_namekey")
    if updated:
        search_module.vocabulary_rebuild()
    return updated


def roster_from_database() -> list[sq.Person]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, surname, given_name, patronymic, birth_year, is_public "
            "FROM conscripts_conscript ORDER BY id"
        )
        strings: dict[str, str] = {}
        people = []
        for pk, s, g, p, year, public in cursor.fetchall():
            s, g, p = (strings.setdefault(x, x) for x in (s, g, p))
            people.append(sq.Person(pk, s, g, p, year, public))
    return people


def ours(q: str) -> list[int]:
    return [m.conscript.pk for m in search_module.search(q).matches[:20]]


def naive_icontains(q: str) -> list[int]:
    """Each word in any name part, all words required; the model's default order."""
    condition = Q()
    for word in q.split():
        condition &= (
            Q(surname__icontains=word)
            | Q(given_name__icontains=word)
            | Q(patronymic__icontains=word)
        )
    return list(Conscript.objects.public().filter(condition).values_list("pk", flat=True)[:20])


def trigram(q: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SET pg_trgm.similarity_threshold = 0.3")
        cursor.execute(
            f"SELECT id FROM conscripts_conscript WHERE is_public AND {FULL_NAME_SQL} %% %s "  # noqa: S608 - fixed SQL
            f"ORDER BY similarity({FULL_NAME_SQL}, %s) DESC, id LIMIT 20",
            [q, q],
        )
        return [row[0] for row in cursor.fetchall()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with 2 sync workers serving the project against the bench database."""

    def __init__(self, database: str):
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url(database),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            # The endpoint is throttled like the rest of the API (60/minute anonymous);
            # the benchmark measures its speed, not the throttle.
            "API_ANON_RATE": "1000000/minute",
        }
        self.command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)

    def url(self, q: str) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/conscripts/?" + urllib.parse.urlencode(
            {"q": q}
        )

    def get(self, q: str) -> dict:
        with urllib.request.urlopen(self.url(q), timeout=30) as response:  # noqa: S310 - local
            return json.loads(response.read())

    def search(self, q: str) -> list[int]:
        return [r["id"] for r in self.get(q)["results"]]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


PROFILE_STAGES = ("interpret", "vocabulary", "candidates", "rerank")


def profile(queries: Sequence[dict]) -> dict:
    """Time the stages of ``search()`` as it runs them (ms, p50/p95 over the queries).

    ``search()`` reports its own stages (its ``timings`` argument), so the profile times
    what it really does: ``vocabulary``, ``candidates`` and ``rerank`` add up both looks
    when a query needed the wider second one (``widened``: 1 when it did); ``other`` is
    the rest of the total.
    """
    stages: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        timings: dict[str, float] = {}
        start = time.perf_counter()
        result = search_module.search(q["query"], timings=timings)
        total = (time.perf_counter() - start) * 1000
        stages["total"].append(total)
        for stage in PROFILE_STAGES:
            stages[stage].append(timings.get(stage, 0.0))
        stages["other"].append(total - sum(timings.get(stage, 0.0) for stage in PROFILE_STAGES))
        stages["candidates_n"].append(len(result.matches))
        stages["widened"].append(timings.get("widened", 0.0))
    out = {name: percentiles(values) for name, values in stages.items()}
    out["widened"]["share"] = round(sum(stages["widened"]) / max(1, len(queries)), 3)
    return out


def explain(q: str) -> str:
    """EXPLAIN ANALYZE of the candidate query ``search()`` sends for ``q``."""
    interp = search_module.interpret(q)
    matches = search_module._vocabulary_matches(interp.words) if interp.words else []
    captured = []

    def capture(execute, sql_text, params, many, context):
        if "conscripts_conscript" in sql_text and "namekey" not in sql_text:
            captured.append((sql_text, params))
        return execute(sql_text, params, many, context)

    with connection.execute_wrapper(capture):
        search_module.candidates(interp, Conscript.objects.public(), matches)
    if not captured:
        return "(no candidate query)"
    sql_text, params = captured[-1]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def run_speed(args) -> dict:
    name = args.database or "conscripts_bench_1m"
    info = ensure_seeded(name, args.people)
    try:
        start = time.perf_counter()
        roster = sq.Roster(roster_from_database())
        generator = sq.Generator(roster, args.seed)
        per_kind = max(1, round(args.speed_queries / len(sq.KINDS)))
        queries = [q.as_dict(roster) for q in generator.generate(per_kind)]
        warmup = [q.query for q in sq.Generator(roster, args.seed + 1).generate(3)]
        info["query_generation_seconds"] = round(time.perf_counter() - start, 1)
        del roster, generator

        methods = {"search": ours, "icontains": naive_icontains, "trigram": trigram}
        figures: dict = {**info, "people": args.people, "queries": len(queries), "methods": {}}
        # Other work on the machine shows in the tail latencies: say how busy it was.
        figures["load_average_before"] = round(os.getloadavg()[0], 2)
        for label, run in methods.items():
            if label not in args.methods:
                continue
            for q in warmup:
                run(q)
            print(f"timing {label} …", file=sys.stderr)
            figures["methods"][label] = evaluate(queries, run)
        if "api" in args.methods:
            server = Gunicorn(name)
            try:
                for _ in range(2):  # both workers load pymorphy3 and fill their caches
                    for q in warmup:
                        server.search(q)
                print("timing api …", file=sys.stderr)
                figures["methods"]["api"] = evaluate(queries, server.search)
                figures["gunicorn"] = shlex.join(server.command)
            finally:
                server.stop()
        if args.profile:
            figures["stages_ms"] = profile(queries)
            slowest = max(queries, key=lambda q: _time(ours, q["query"]))
            figures["slowest_query"] = slowest["query"]
            figures["slowest_explain"] = explain(slowest["query"])
        figures["load_average_after"] = round(os.getloadavg()[0], 2)
        measured = figures["methods"]
        if "search" in measured:
            a = measured["search"]["timings_ms"]["p95"]
            figures["ratios_p95"] = {
                f"{other}/search": round(measured[other]["timings_ms"]["p95"] / a, 1)
                for other in ("icontains", "trigram")
                if other in measured
            }
        return figures
    finally:
        if not args.keep:
            drop_database(name)


def _time(run: Callable[[str], object], q: str) -> float:
    start = time.perf_counter()
    run(q)
    return time.perf_counter() - start


def print_speed(f: dict) -> None:
    seeded = (
        "reused" if f["reused"] else f"seeded in {f['seed_seconds']} s with manage.py seed_demo"
    )
    print(
        f"\n== Speed: {f['queries']} queries over {f['people']:,} people "
        f"(database {f['database']}, {seeded}) =="
    )
    print(
        f"1-minute load average {f['load_average_before']} before, "
        f"{f['load_average_after']} after ({os.cpu_count()} CPUs)"
    )
    if f.get("keys_refreshed_by_bench"):
        print(
            f"NOTE: {f['keys_refreshed_by_bench']} people had empty or stale search keys; "
            f"the bench recomputed them ({f['refresh_keys_seconds']} s)"
        )
    labels = {
        "search": "(a) search()",
        "icontains": "(b) Django icontains",
        "trigram": "(c) pg_trgm % (0.3)",
        "api": "(d) GET /api/v1/conscripts/",
    }
    print(f"{'method':<30}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'recall@1':>10}{'@10':>7}")
    for key, label in labels.items():
        if key not in f["methods"]:
            continue
        m = f["methods"][key]
        t, r = m["timings_ms"], m["overall"]
        print(
            f"{label:<30}{t['p50']:>9.1f}{t['p95']:>9.1f}{t['max']:>9.1f}"
            f"{r['recall@1']:>10.3f}{r['recall@10']:>7.3f}"
        )
    ratios = f.get("ratios_p95", {})
    print(
        f"p95 ratios: icontains/search {ratios.get('icontains/search', '-')}× (target ≥ "
        f"{SPEED_TARGETS['vs_icontains']:.0f}×), trigram/search "
        f"{ratios.get('trigram/search', '-')}× (target ≥ {SPEED_TARGETS['vs_trgm']:.0f}×); "
        f"targets p95 search ≤ {SPEED_TARGETS['search_p95_ms']:.0f} ms, "
        f"api ≤ {SPEED_TARGETS['api_p95_ms']:.0f} ms"
    )
    if "search" in f["methods"]:
        kinds = f["methods"]["search"]["kinds"]
        print(
            "recall@1 of search() per kind: "
            + ", ".join(f"{k} {v['recall@1']:.2f}" for k, v in kinds.items())
        )
    if "stages_ms" in f:
        print("stages of search() (p50 / p95 ms; candidates_n in people):")
        for stage, t in f["stages_ms"].items():
            if stage != "widened":
                print(f"  {stage:<16}{t['p50']:>9.2f}{t['p95']:>9.2f}")
        print(f"  widened: {f['stages_ms']['widened']['share']:.1%} of queries")
        print(f"slowest query {f['slowest_query']!r}, its candidate query:")
        print(re.sub(r"^", "  ", f["slowest_explain"], flags=re.MULTILINE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quality", action="store_true", help="recall on the labelled set")
    parser.add_argument("--speed", action="store_true", help="latency at --people people")
    parser.add_argument(
        "--scale-quality",
        action="store_true",
        help="recall per kind for people placed among --people (the speed database)",
    )
    parser.add_argument("--scale-queries", type=int, default=650, help="scale-quality queries")
    parser.add_argument("--scale-seed", type=int, default=23, help="scale-quality query seed")
    parser.add_argument("--people", type=int, default=1_000_000, help="speed database size")
    parser.add_argument("--database", help="database name (one part at a time)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database(s)")
    parser.add_argument("--failures", action="store_true", help="list quality failures")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--queries", type=Path, default=sq.DEFAULT_PATH)
    parser.add_argument("--speed-queries", type=int, default=256, help="speed queries (~)")
    parser.add_argument("--seed", type=int, default=11, help="speed query generator seed")
    parser.add_argument("--profile", action="store_true", help="time search() stages")
    parser.add_argument(
        "--methods",
        type=lambda text: [m.strip() for m in text.split(",") if m.strip()],
        default=["search", "icontains", "trigram", "api"],
        help="speed methods to time (default: search,icontains,trigram,api)",
    )
    args = parser.parse_args()
    if not (args.quality or args.speed or args.scale_quality):
        parser.error("give --quality, --speed, --scale-quality or several")
    if args.database and args.quality and (args.speed or args.scale_quality):
        parser.error("--database names one database: run --quality apart")

    results: dict = {}
    if args.quality:
        results["quality"] = run_quality(args)
    if args.scale_quality:
        keep, args.keep = args.keep, args.keep or args.speed  # the speed part reuses it
        results["scale_quality"] = run_scale_quality(args)
        args.keep = keep
    if args.speed:
        results["speed"] = run_speed(args)
    results["commands"] = reproduce(args)
    if args.json:
        if not args.failures:
            for part in ("quality", "scale_quality"):
                results.get(part, {}).pop("failures", None)
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    if "quality" in results:
        print_quality(results["quality"], args.failures)
    if "scale_quality" in results:
        print()
        print_quality(results["scale_quality"], args.failures)
    if "speed" in results:
        print_speed(results["speed"])
    print("\nTo reproduce:")
    for line in results["commands"]:
        print(f"  {line}")
    return 0


def reproduce(args) -> list[str]:
    lines = [f"cd {ROOT}"]
    if args.quality:
        lines.append(".venv/bin/python bench/search_queries.py  # only to rewrite the query set")
    command = [".venv/bin/python", "bench/search.py", *sys.argv[1:]]
    lines.append(shlex.join(command))
    if args.speed or args.scale_quality:
        name = args.database or "conscripts_bench_1m"
        lines.append(
            f"# the speed database is seeded (when absent) with: DATABASE_URL={database_url(name)} "
            f".venv/bin/python manage.py migrate && DATABASE_URL={database_url(name)} "
            f".venv/bin/python manage.py seed_demo --people {args.people}"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
