"""Reads from a real streaming replica (``core.replica``): a primary and a replica made from
its base backup (pg_basebackup), each on a spare port, never the shared server.

With the replica's replay paused, a person written on the primary is missing from the
replica: so whatever finds that person read from the primary, whatever does not, from the
replica.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.drills import PostgresCluster, _pg_bin, app_env, wait_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.worker]  # two PostgreSQL servers: one such test at a time

PROBE = textwrap.dedent(
    """
    import json

    import django

    django.setup()
    from django.db import connections
    from django.test import Client

    from conscripts import services
    from conscripts.models import Conscript
    from core.replica import PIN_COOKIE, replica_reads
    from research.statistics import statistics

    def replica(sql):
        with connections["replica"].cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    out = {"in_recovery": replica("SELECT pg_is_in_recovery()")}
    before = Conscript.objects.using("replica").count()
    replica("SELECT pg_wal_replay_pause()::text")
    person = services.conscript_create(surname="Репликов", given_name="Иван")
    case = f"/api/v1/cases/{person.pk}/"
    anonymous = Client()
    out["api_after_write_elsewhere"] = anonymous.get(case).status_code
    out["case_page"] = anonymous.get(f"/people/{person.pk}/").status_code
    out["statistics_total"] = statistics(refresh=True)["total"]
    with replica_reads():
        out["task_sees_before_write"] = Conscript.objects.filter(pk=person.pk).exists()
        # Reads the tallies from the replica, then writes its snapshot to the primary.
        out["task_total"] = statistics(refresh=True)["total"]
        out["task_sees_after_write"] = Conscript.objects.filter(pk=person.pk).exists()
    # A client that has just posted something reads from the primary for a while.
    writer = Client()
    posted = writer.post("/i18n/setlang/", {"language": "en", "next": "/"})
    out["pin_cookie"] = posted.cookies.get(PIN_COOKIE).value if PIN_COOKIE in posted.cookies else ""
    out["api_after_own_post"] = writer.get(case).status_code
    replica("SELECT pg_wal_replay_resume()::text")
    out["before"] = before
    print(json.dumps(out))
    """
)


class _Standby(PostgresCluster):
    """A second cluster made from the primary's base backup, streaming from it."""

    def base_backup_of(self, primary: PostgresCluster) -> None:
        self._run(
            _pg_bin("pg_basebackup"),
            "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip


@pytest.fixture
def primary_and_replica(tmp_path):
    primary, standby = PostgresCluster(), None
    try:
        primary.init()
        primary.start()
        standby = _Standby()  # now that the primary holds its port
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
             "-T", "template0", "-E", "UTF8", "--locale=C.UTF-8", "ct"],
            check=True,
        )  # fmt: skip
        env = app_env(database_url=primary.url("ct"), redis_url=_redis(), directory=tmp_path)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
        standby.base_backup_of(primary)
        standby.start()
        yield primary, standby, env
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()


def _redis() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def test_research_api_and_statistics_read_the_replica_and_writers_the_primary(
    primary_and_replica,
):
    primary, standby, env = primary_and_replica
    env = env | {
        "DATABASE_REPLICA_URL": standby.url("ct"),
        "STATISTICS_CACHE_SECONDS": "60",
        "ALLOWED_HOSTS": "testserver",
    }

    def streaming() -> bool:
        done = subprocess.run(
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
             "-Atc", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"],
            capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout.strip() == "1"

    wait_for(streaming, timeout=120, what="the replica streaming from the primary")
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    out = json.loads(probe.stdout.strip().splitlines()[-1])
    assert out["in_recovery"] is True, out
    # The API reads the replica, which has not replayed the new person yet...
    assert out["api_after_write_elsewhere"] == 404
    # ...the case page (not research) reads the primary, which has.
    assert out["case_page"] == 200
    # Statistics computed outside replica_reads read the primary; the beat task's, the
    # replica; in a task, reads after its first write go to the primary.
    assert (out["statistics_total"], out["task_total"]) == (1, 0)
    assert out["task_sees_before_write"] is False
    assert out["task_sees_after_write"] is True
    # A client that has just posted reads the primary.
    assert out["pin_cookie"] == "1"
    assert out["api_after_own_post"] == 200
