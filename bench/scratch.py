"""Scratch PostgreSQL databases for the benchmarks.

UTF-8 with a UTF-8 ``LC_CTYPE``, as the project's databases are: under ``C`` pg_trgm
sees no Cyrillic trigrams. ``BENCH_PG_URL`` points elsewhere than the local server.

``BENCH_SCRATCH_TEMPLATE`` names an already migrated, empty database to copy instead of
``template0``, so that the ``migrate`` each benchmark runs next has nothing to do: the
tests that run every benchmark at a tiny size (tests/test_bench_scripts.py) save the
seconds of a full migration per script that way.
"""

from __future__ import annotations

import os

import psycopg
from psycopg import sql

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def admin(database: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(f"{PG_URL}/{database}", autocommit=True)


def create_database(name: str) -> None:
    """A fresh, empty database called ``name`` (dropped first if it exists)."""
    drop_database(name)
    template = os.environ.get("BENCH_SCRATCH_TEMPLATE")
    with admin() as conn:
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
            return
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' "
                "TEMPLATE template0"
            ).format(sql.Identifier(name))
        )


def drop_database(name: str) -> None:
    with admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
