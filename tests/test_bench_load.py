"""bench/load.py at a tiny size, so that it cannot rot: gunicorn with production settings
against this test's database, every kind of request of both mixes answered."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_the_load_benchmark_runs_against_a_small_database(tmp_path):
    call_command("seed_demo", people=200, seed="load")
    settings = connection.settings_dict
    user = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    env = dict(
        os.environ,
        BENCH_PG_URL=f"postgres://{user}@{settings['HOST']}:{settings['PORT'] or 5432}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    out = tmp_path / "load.json"
    subprocess.run(
        [sys.executable, "bench/load.py", "--database", settings["NAME"], "--runs", "1",
         "--duration", "2", "--warmup", "0", "--concurrency", "2", "--workers", "1",
         "--json", str(out)],
        cwd=ROOT, env=env, check=True, timeout=600,
    )  # fmt: skip
    result = json.loads(out.read_text())
    # Every kind answered (a signed-in researcher's browse page too), then timed.
    assert result["checked"] == dict.fromkeys(
        ["case", "search", "research", "statistics", "api"], 200
    )
    for mix, kinds in (
        ("mixed", {"api", "search", "case", "research", "statistics"}),
        ("api", {"api"}),
    ):
        (run,) = result["runs"][mix]
        assert run["errors"] == 0, run
        assert set(run["by_kind"]) <= kinds, run
        assert run["requests"] > 0 and run["p95_ms"] > 0
        assert run["cpu_gunicorn_s"] > 0
