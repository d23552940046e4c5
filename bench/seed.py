"""Time ``manage.py seed_demo --people N`` on a scratch PostgreSQL database.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/seed.py [--people 1000000] [--seed 2024] [--database conscripts_bench]
        [--keep]

Creates (or recreates) the scratch database, migrates it, runs ``seed_demo`` in a
subprocess and prints the wall time and rows per second of each table. The database is
dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

from psycopg import sql
from scratch import PG_URL, admin, create_database, drop_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TABLES = {
    "people": "conscripts_conscript",
    "evidence": "conscripts_evidence",
    "status changes": "conscripts_statuschange",
}


def manage(url: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py's default: config.settings.base
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=not capture,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", default="2024")
    parser.add_argument("--database", default="conscripts_bench")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    reproduce = shlex.join([".venv/bin/python", "bench/seed.py", *sys.argv[1:]])
    print(f"reproduce: {reproduce}")
    url = f"{PG_URL}/{args.database}"
    create_database(args.database)
    try:
        manage(url, "migrate", "--verbosity", "0")
        command = ["seed_demo", "--people", str(args.people), "--seed", args.seed]
        print(f"running: DATABASE_URL={url} .venv/bin/python manage.py {shlex.join(command)}")
        start = time.perf_counter()
        result = manage(url, *command, capture=True)
        seconds = time.perf_counter() - start
        if result.returncode:
            sys.exit(f"seed_demo failed:\n{result.stderr}")
        print(result.stdout.strip())
        with admin(args.database) as conn:
            counts = {
                name: conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()[0]
                for name, table in TABLES.items()
            }
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = size.fetchone()[0]
        total = sum(counts.values())
        print(
            f"seed_demo --people {args.people:,}: {seconds:.1f} s wall (process start included), "
            f"database {size}"
        )
        for name, n in counts.items():
            print(f"  {name:15} {n:>11,} rows  {n / seconds:>9,.0f} rows/s")
        print(f"  {'all':15} {total:>11,} rows  {total / seconds:>9,.0f} rows/s")
        inner = re.search(r"in ([\d.]+) s", result.stdout)
        if inner:
            print(f"  (the command's own timing: {inner[1]} s)")
        if counts["people"] != args.people:
            sys.exit(f"expected {args.people} people, found {counts['people']}")
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            drop_database(args.database)
            print(f"dropped {args.database}")


if __name__ == "__main__":
    main()
