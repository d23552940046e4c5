"""A load benchmark: concurrent clients against gunicorn with production settings.

Usage (from the repository root; a migrated copy of the 1M database, never the shared
``conscripts_bench_1m`` itself: the benchmark adds a researcher account):

    .venv/bin/python bench/load.py --database perfc_1m [--mix mixed,api] [--runs 3]
        [--concurrency 6] [--duration 60] [--workers 3] [--json OUT.json]

It collects the static files, starts gunicorn (``config.settings.production``; a random
SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and no HTTPS redirect, the API throttles raised out of
the way) on a spare port, then keeps ``--concurrency`` aiohttp clients busy for
``--duration`` seconds, each sending its next request when the last one was answered:

- ``mixed``: the name search API and the cases API 35 %, the search page 20 %, case pages
  20 %, the researchers' browse page (signed in) 15 %, the statistics 10 %;
- ``api``: the API alone (name search, case lists with filters, a case, the statistics).

For each run: requests per second, p50/p95/p99 latency, errors (any answer but 200, or
none), and the CPU seconds used by gunicorn (master and workers) and by the PostgreSQL
backends serving this database (read from /proc), with the machine's load average. The
medians of ``--runs`` runs are printed last. A tiny database and ``--duration 3`` make a
run of seconds (``tests/test_bench_load.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics as stats
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
#: The checkout gunicorn serves (default: this one). Another commit's tree, exported with
#: ``git archive``, gives a "before" figure on the same database.
APP_ROOT = Path(os.environ.get("BENCH_APP_ROOT") or ROOT)
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

#: kind → share of the requests (percent), per mix.
MIXES = {
    "mixed": {"api": 35, "search": 20, "case": 20, "research": 15, "statistics": 10},
    "api": {"api": 100},
}


# --- processes and their CPU time (/proc) ----------------------------------------------------
def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class _CpuWatch:
    """CPU seconds of gunicorn's processes and of this database's PostgreSQL backends."""

    def __init__(self, gunicorn_pid: int, backend_pids) -> None:
        self.gunicorn = [gunicorn_pid, *_children(gunicorn_pid)]
        self.backend_pids = backend_pids
        self.start = {pid: _cpu_seconds(pid) or 0.0 for pid in self.gunicorn}
        self.backends: dict[int, tuple[float, float]] = {}  # pid → (first seen, last seen)
        self.machine = _machine_busy()
        self.poll()

    def poll(self) -> None:
        for pid in self.backend_pids():
            seconds = _cpu_seconds(pid)
            if seconds is not None:
                first = self.backends.get(pid, (seconds, seconds))[0]
                self.backends[pid] = (first, seconds)

    def result(self) -> dict:
        self.poll()
        gunicorn = sum(
            (_cpu_seconds(pid) or 0.0) - self.start.get(pid, 0.0) for pid in self.gunicorn
        )
        busy, total = _machine_busy()
        return {
            "cpu_gunicorn_s": round(gunicorn, 2),
            "cpu_postgres_s": round(sum(last - first for first, last in self.backends.values()), 2),
            "machine_busy_pct": round(
                100 * (busy - self.machine[0]) / max(1, total - self.machine[1]), 1
            ),
        }


# --- what the clients ask for --------------------------------------------------------------
def _targets(rng: random.Random) -> dict[str, list[str]]:
    """Paths per kind of request, from the database the benchmark runs against."""
    from django.db.models import Max, Min

    from conscripts.models import Conscript, Region

    bounds = Conscript.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        raise SystemExit("the database has no people: seed it first (manage.py seed_demo)")
    guesses = {rng.randint(bounds["low"], bounds["high"]) for _ in range(600)}
    people = list(
        Conscript.objects.public()
        .filter(pk__in=guesses)
        .values_list("pk", "surname", "given_name", "birth_year")[:300]
    )
    regions = list(Region.objects.values_list("pk", flat=True))
    names = [
        f"{s} {g}" + (f" {y}" if y and i % 3 == 0 else "")
        for i, (_pk, s, g, y) in enumerate(people)
    ]
    statuses = ["missing", "captured", "dead", "returned"]
    filters = [
        {},
        {"status": "captured"},
        {"status": "returned", "birth_year_min": 1995, "birth_year_max": 1995},
        {"region": "REGION"},
        {"region": "REGION", "status": "dead"},
        {"sort": "-created"},
        {"sort": "region"},
        {"sort": "birth_year", "status": "missing"},
        {"sort": "name", "region": "REGION"},
    ]
    research = []
    for f in filters:
        for _ in range(5):
            query = {k: (rng.choice(regions) if v == "REGION" else v) for k, v in f.items()}
            research.append(f"/research/?{urlencode(query)}")
    return {
        "case": [f"/people/{pk}/" for pk, *_ in people],
        "search": [f"/people/search/?{urlencode({'q': n})}" for n in names],
        "research": research,
        "statistics": ["/statistics/"] * 4 + ["/statistics/?window=kursk"],
        "api": (
            [f"/api/v1/conscripts/?{urlencode({'q': n})}" for n in names]
            + [f"/api/v1/cases/?{urlencode({'status': rng.choice(statuses)})}" for _ in names[:60]]
            + [f"/api/v1/cases/?region={rng.choice(regions)}" for _ in names[:60]]
            + [f"/api/v1/cases/{pk}/" for pk, *_ in people]
            + ["/api/v1/statistics/"] * 30
        ),
    }


def _researcher_cookie() -> str:
    """A signed-in researcher's session cookie (the account is made if missing)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    user, _created = get_user_model().objects.get_or_create(username="bench-load-researcher")
    user.groups.add(Group.objects.get_or_create(name="researchers")[0])
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- the clients -----------------------------------------------------------------------------
async def _client(session, base: str, plan, until: float, cookie: str, rng, out: list) -> None:
    import aiohttp

    kinds, weights, targets = plan
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        path = rng.choice(targets[kind])
        headers = {"Cookie": cookie} if kind == "research" else {}
        started = time.monotonic()
        try:
            async with session.get(base + path, headers=headers, allow_redirects=False) as r:
                await r.read()
                status = r.status
        except (TimeoutError, aiohttp.ClientError):
            status = 0
        out.append((kind, status, time.monotonic() - started))


async def _run(
    base: str, mix: str, targets, cookie: str, *, concurrency: int, duration: float, seed: int
) -> list:
    import aiohttp

    shares = MIXES[mix]
    plan = (list(shares), list(shares.values()), targets)
    out: list = []
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        until = time.monotonic() + duration
        await asyncio.gather(
            *(
                _client(session, base, plan, until, cookie, random.Random(seed + i), out)
                for i in range(concurrency)
            )
        )
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def summarise(rows: list, duration: float) -> dict:
    """Requests per second, latency percentiles (ms) and errors of one run, also per kind."""
    times = [t for _k, _s, t in rows]
    result = {
        "requests": len(rows),
        "rps": round(len(rows) / duration, 1),
        "p50_ms": round(1000 * _percentile(times, 0.50), 1),
        "p95_ms": round(1000 * _percentile(times, 0.95), 1),
        "p99_ms": round(1000 * _percentile(times, 0.99), 1),
        "errors": sum(1 for _k, s, _t in rows if s != 200),
        "by_kind": {},
    }
    for kind in sorted({k for k, _s, _t in rows}):
        mine = [t for k, _s, t in rows if k == kind]
        result["by_kind"][kind] = {
            "requests": len(mine),
            "p50_ms": round(1000 * _percentile(mine, 0.50), 1),
            "p95_ms": round(1000 * _percentile(mine, 0.95), 1),
            "errors": sum(1 for k, s, _t in rows if k == kind and s != 200),
        }
    return result


# --- gunicorn ------------------------------------------------------------------------------------
def _check_every_kind(base: str, targets: dict, cookie: str) -> dict[str, int]:
    """One request of every kind before measuring: a run must not time error pages."""
    import urllib.request

    answers = {}
    for kind, paths in targets.items():
        request = urllib.request.Request(base + paths[0])  # noqa: S310 (http, ours)
        if kind == "research":
            request.add_header("Cookie", cookie)
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (ours)
            answers[kind] = response.status
    if any(status != 200 for status in answers.values()):
        raise SystemExit(f"not every kind of request is answered: {answers}")
    return answers


def _spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def production_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=database_url,
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        # Throttles answer 429 long before the machine is busy; they are not measured here.
        API_ANON_RATE="1000000/minute",
        API_USER_RATE="1000000/minute",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        OPENBLAS_NUM_THREADS="1",
    )
    return env


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database name at BENCH_PG_URL (default: DATABASE_URL)")
    parser.add_argument("--mix", default="mixed,api", help="comma-separated: mixed, api")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load not measured")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--json", help="write every run's figures here")
    args = parser.parse_args(argv)
    database_url = (
        f"{PG_URL}/{args.database}" if args.database else os.environ.get("DATABASE_URL", "")
    )
    if not database_url.startswith("postgres"):
        raise SystemExit("give --database NAME or a PostgreSQL DATABASE_URL")
    env = production_env(database_url)
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DJANGO_SETTINGS_MODULE",
                "DATABASE_URL",
                "SECRET_KEY",
                "ALLOWED_HOSTS",
                "SECURE_SSL_REDIRECT",
            )
        }
    )
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=APP_ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    from django.db import connection

    rng = random.Random(args.seed)
    targets = _targets(rng)
    cookie = _researcher_cookie()
    database = connection.settings_dict["NAME"]

    def backend_pids() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            )
            return [pid for (pid,) in cursor.fetchall()]

    port = _spare_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(Path(python).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "60",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        cwd=APP_ROOT,
        env=env,
        start_new_session=True,
    )
    results: dict = {
        "database": database,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "duration": args.duration,
        "runs": {},
    }
    try:
        _wait_for(f"{base}/healthz", gunicorn)
        results["checked"] = _check_every_kind(base, targets, cookie)
        for mix in args.mix.split(","):
            runs = []
            for run in range(args.runs):
                if args.warmup:
                    asyncio.run(
                        _run(
                            base,
                            mix,
                            targets,
                            cookie,
                            concurrency=args.concurrency,
                            duration=args.warmup,
                            seed=args.seed + 1000 + run,
                        )
                    )
                load_before = os.getloadavg()[0]
                watch = _CpuWatch(gunicorn.pid, backend_pids)
                task = _run(
                    base,
                    mix,
                    targets,
                    cookie,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    seed=args.seed + run,
                )
                rows = asyncio.run(_with_polling(task, watch))
                figures = summarise(rows, args.duration) | watch.result()
                figures |= {
                    "load_before": round(load_before, 2),
                    "load_after": round(os.getloadavg()[0], 2),
                }
                runs.append(figures)
                _print_run(mix, run, figures)
            results["runs"][mix] = runs
            results.setdefault("median", {})[mix] = _medians(runs)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=60)
    for mix, figures in results.get("median", {}).items():
        print(
            f"median of {args.runs} — {mix}: " + ", ".join(f"{k} {v}" for k, v in figures.items())
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


async def _with_polling(task, watch: _CpuWatch) -> list:
    """Run the clients while polling which backends serve the database (connections may
    open during the run)."""
    job = asyncio.ensure_future(task)
    while not job.done():
        await asyncio.sleep(0.5)
        await asyncio.get_running_loop().run_in_executor(None, watch.poll)
    return job.result()


def _medians(runs: list[dict]) -> dict:
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    return {k: round(stats.median(r[k] for r in runs), 2) for k in keys}


def _print_run(mix: str, run: int, f: dict) -> None:
    kinds = "; ".join(
        f"{k} p95 {v['p95_ms']} ms ({v['requests']})" for k, v in f["by_kind"].items()
    )
    print(
        f"{mix} run {run + 1}: {f['rps']} req/s, p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, "
        f"{f['errors']} errors; CPU s gunicorn {f['cpu_gunicorn_s']}, PostgreSQL "
        f"{f['cpu_postgres_s']}, machine busy {f['machine_busy_pct']} %; load "
        f"{f['load_before']}→{f['load_after']}; {kinds}",
        flush=True,
    )


if __name__ == "__main__":
    main()
