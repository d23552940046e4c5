"""Every script in bench/ runs here at a tiny size (a few hundred rows, seconds), through
its own command line, so that a refactor that breaks a benchmark fails the build instead
of being found the day someone needs the figure (``bench/moderation.py`` once crashed on
a helper that had moved).

The figures at this size mean nothing and nothing here times anything: each test checks
that the script finished and printed the shape of figures it promises. Scratch databases
are copies of two templates made once per test process — one migrated and empty
(``BENCH_SCRATCH_TEMPLATE``, so that a script's own ``migrate`` has nothing to do), one
with 300 demo people standing in for the shared million-person database — and the
scripts that purge a Redis database get this test process's own (``BENCH_REDIS_URL``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
#: Scripts of bench/ that are run elsewhere at a tiny size, and where.
RUN_ELSEWHERE = {
    "extraction.py": "tests/test_extraction_bench.py",
    "load.py": "tests/test_bench_load.py",
}

pytestmark = pytest.mark.slow


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(f"{_pg_url()}/postgres", autocommit=True)


def _drop(name: str) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        and not key.startswith("PYTEST_")
    }
    env.update(
        BENCH_PG_URL=_pg_url(),
        # This process's own Redis database (config/settings/test.py): scripts purge it.
        BENCH_REDIS_URL=os.environ["REDIS_URL"],
        OPENBLAS_NUM_THREADS="1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def _run(*args: str, env: dict | None = None, ok=(0,)) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode in ok and "Traceback" not in result.stderr, (
        f"{' '.join(args)} exited {result.returncode}\n{result.stdout[-3000:]}\n"
        f"{result.stderr[-6000:]}"
    )
    return result


def _json(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout[result.stdout.index("{") :])


@pytest.fixture(scope="session")
def bench_templates():
    """(migrated empty, 300 demo people) template databases, made once per process."""
    base = f"ct_bench_{os.getpid()}"
    empty, seeded = f"{base}_empty", f"{base}_seeded"
    for name in (empty, seeded):
        _drop(name)
    with _admin() as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' "
                "TEMPLATE template0"
            ).format(sql.Identifier(empty))
        )
    manage_env = _env(DATABASE_URL=f"{_pg_url()}/{empty}")
    _run("manage.py", "migrate", "--verbosity", "0", env=manage_env)
    with _admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(seeded), sql.Identifier(empty)
            )
        )
    seed_env = _env(DATABASE_URL=f"{_pg_url()}/{seeded}")
    _run("manage.py", "seed_demo", "--people", "300", "--seed", "5", env=seed_env)
    yield empty, seeded
    for name in (empty, seeded):
        _drop(name)


@pytest.fixture
def scratch(bench_templates, request):
    """A database name for the script, dropped afterwards; the environment that makes
    its scratch databases copies of the migrated template."""
    name = f"ct_bench_{os.getpid()}_{re.sub(r'[^a-z0-9]', '', request.node.name.lower())[-30:]}"
    _drop(name)
    yield name, _env(BENCH_SCRATCH_TEMPLATE=bench_templates[0])
    _drop(name)


def _copy_of_seeded(name: str, bench_templates) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(bench_templates[1])
            )
        )


def test_every_script_in_bench_is_run_by_a_test():
    scripts = {p.name for p in BENCH.glob("*.py") if '__name__ == "__main__"' in p.read_text()}
    here = Path(__file__).read_text()
    missing = sorted(s for s in scripts if f'"bench/{s}"' not in here and s not in RUN_ELSEWHERE)
    assert not missing, f"add a tiny run of {missing} to {Path(__file__).name}"
    for script, test in RUN_ELSEWHERE.items():
        assert f"bench/{script}" in (ROOT / test).read_text()


def test_names():
    out = _run("bench/names.py", "--n", "40", "--throughput", "300").stdout
    assert "to_nominative accuracy" in out and "parse_query" in out


def test_seed(scratch):
    name, env = scratch
    out = _run("bench/seed.py", "--people", "200", "--database", name, env=env).stdout
    assert re.search(r"\bpeople\b", out) and "200" in out


def test_import_csv(scratch):
    name, env = scratch
    out = _run(
        "bench/import_csv.py", "--rows", "80", "--bad", "8", "--database", name, env=env
    ).stdout
    assert "0 new" in out or "re-import" in out


def test_intake(scratch, bench_templates):
    name, env = scratch
    out = _run(
        "bench/intake.py", "--rows", "60", "--names", "10", "--format", "csv",
        "--template", bench_templates[1], "--database", name, env=env,
    ).stdout  # fmt: skip
    assert "spreadsheet" in out.lower() and "pasted" in out.lower()


def test_watches(scratch):
    name, env = scratch
    figures = _json(
        _run(
            "bench/watches.py", "--watches", "80", "--reports", "9", "--database", name,
            "--json", env=env, ok=(0, 1),
        )
    )  # fmt: skip
    assert figures["reports"] == 9 or figures.get("n", 9) == 9


def test_match_threshold(scratch):
    name, env = scratch
    figures = _json(
        _run(
            "bench/match_threshold.py", "--people", "300", "--per-kind", "3",
            "--database", name, "--json", env=env,
        )
    )  # fmt: skip
    assert 0 < figures["calibrated_threshold"] <= 1 and figures["people"] == 300


def test_mission(scratch):
    name, env = scratch
    figures = _json(_run("bench/mission.py", "--limit", "5", "--database", name, "--json", env=env))
    assert figures["posts"] == 5


def test_search_quality_on_a_tiny_query_set(scratch, tmp_path):
    name, env = scratch
    queries = tmp_path / "queries.jsonl"
    _run(
        "bench/search_queries.py", "--people", "300", "--per-kind", "2", "--out", str(queries),
        env=env,
    )  # fmt: skip
    figures = _json(
        _run(
            "bench/search.py", "--quality", "--queries", str(queries), "--database", name,
            "--json", env=env,
        )
    )["quality"]  # fmt: skip
    assert figures["overall"]["n"] == 16 or figures["n"] == 16


def test_search_speed(scratch):
    name, env = scratch
    figures = _json(
        _run(
            "bench/search.py", "--speed", "--people", "300", "--speed-queries", "16",
            "--methods", "search,icontains,trigram", "--database", name, "--json", env=env,
        )
    )["speed"]  # fmt: skip
    assert "search" in json.dumps(figures)


def test_big_export(scratch):
    _name, env = scratch
    out = _run("bench/big_export.py", "--mb", "1", env=env).stdout
    assert "peak RSS" in out or "RSS" in out


@pytest.mark.worker
def test_worker_memory(scratch):
    _name, env = scratch
    out = _run("bench/worker_memory.py", "--posts", "3", env=env).stdout
    assert "-Q celery" in out and "-Q extraction" in out


@pytest.mark.worker
def test_ingest(scratch):
    _name, env = scratch
    out = _run("bench/ingest.py", "--posts", "20", env=env).stdout
    assert "posts/s" in out


def test_figures(scratch, bench_templates):
    name, env = scratch
    _copy_of_seeded(name, bench_templates)
    out = _run("bench/figures.py", "--database", name, "--runs", "1", "--drop", env=env).stdout
    assert "p95" in out


@pytest.mark.worker
def test_research(scratch, bench_templates):
    name, env = scratch
    _copy_of_seeded(name, bench_templates)
    out = _run(
        "bench/research.py", "--database", name, "--runs", "1", "--export-rows", "50", "--drop",
        env=env,
    ).stdout  # fmt: skip
    assert "ALL FILTERS" in out and "state done" in out


def test_tallies(scratch, bench_templates):
    name, env = scratch
    _copy_of_seeded(name, bench_templates)
    out = _run("bench/tallies.py", "--database", name, "--runs", "1", "--recount", env=env).stdout
    assert re.search(r"people: 300\b", out) and "statistics_ms" in out and "recount_ms" in out


def test_research_at_every_filter_and_sort(scratch, bench_templates, tmp_path):
    name, env = scratch
    _copy_of_seeded(name, bench_templates)
    shapes = tmp_path / "shapes.json"
    out = _run(
        "bench/research.py", "--database", name, "--all-shapes", "--runs", "1", "--pages", "1",
        "--every", "7", "--json", str(shapes), "--drop", env=env,
    ).stdout  # fmt: skip
    assert "over 100 ms at p95" in out
    figures = json.loads(shapes.read_text())
    from research.filters import SORTS

    assert {s["sort"] for s in figures} == {"(default)", *SORTS}
    assert {"(none)", "status=returned", "region", "window=kursk"} <= {
        s["filter"].split("=")[0] if s["filter"].startswith("region") else s["filter"]
        for s in figures
    }


def test_moderation(scratch, bench_templates):
    name, env = scratch
    figures = _json(
        _run(
            "bench/moderation.py", "--template", bench_templates[1], "--database", name,
            "--reports", "150", "--runs", "2", "--candidates", "10", "--json", env=env,
            ok=(0, 1),
        )
    )  # fmt: skip
    assert figures["data"]["pending"] == 150
    assert len(figures["queue"]["filters"]) >= 9
    assert all(f["page1"]["rows_on_page"] > 0 for f in figures["queue"]["filters"][:2])
    assert figures["candidates"]["n"] == 10
