"""Drills against servers these tests start and stop themselves (tests/drills.py): the
application as it runs in production (gunicorn, a Celery worker with beat) while Redis
or PostgreSQL goes away and comes back.

Each drill prints its figures (run with ``-s`` to see them).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from conscripts.models import EvidenceKind, Follower, Status
from conscripts.services import evidence_add
from core.models import Heartbeat, OutboxMessage
from core.outbox import RELAY_HEARTBEAT
from reports import services as report_services
from reports.models import Report, ReportState
from tests import drills
from tests.factories import ConscriptFactory, UserFactory

pytestmark = [pytest.mark.slow]

RELAY_SECONDS = 5  # beat's outbox relay in the drills (production: 30)
REDIS_OUTAGE = 15.0  # seconds (the audit's drill: 30)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def report(title: str, figures: dict) -> None:
    print(f"\n{title}: {json.dumps(figures, ensure_ascii=False)}")
    print("load average:", Path("/proc/loadavg").read_text().strip())


# --- Redis down ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_redis_down_loses_no_mail_and_no_form_while_relatives_report_and_moderators_decide(
    tmp_path,
):
    redis = drills.RedisServer(tmp_path)
    redis.start()
    env = drills.app_env(
        database_url=_database_url(),
        redis_url=redis.url(),
        directory=tmp_path,
        OUTBOX_RELAY_SECONDS=str(RELAY_SECONDS),
    )
    web = drills.Gunicorn(env, tmp_path)
    worker = drills.Worker(env, tmp_path, beat=True)
    try:
        worker.wait_ready()
        UserFactory(username="moderator", groups=["moderators"])
        waiting = [
            report_services.report_submit(
                surname="Ожидаев",
                given_name="Глеб",
                patronymic=f"Учебный {n}",
                submitter_contact=f"mother{n}@example.invalid",
                consent=True,
            )
            for n in range(40)
        ]
        person = ConscriptFactory(surname="Подписнов", given_name="Лев")
        video = evidence_add(
            conscript=person,
            kind=EvidenceKind.PRISONER_VIDEO,
            claimed_status=Status.CAPTURED,
            event_date=date(2024, 9, 2),
        )
        # A sister follows him: the confirmation link comes by mail; she opens it.
        sister = drills.Visitor(web.url)
        page = sister.get(f"/people/{person.pk}/")
        key = drills.KEY.search(page.text).group(1)
        sister.post(
            f"/people/{person.pk}/follow/",
            {"email": "sister@example.invalid", "homepage": "", "form_key": key},
        )
        link = drills.wait_for(
            lambda: next(
                (
                    m.group(1)
                    for text in drills.mails(tmp_path)
                    if (m := re.search(r"https?://\S+(/people/follow/confirm/\S+/)", text))
                ),
                None,
            ),
            timeout=60,
            what="confirmation mail",
        )
        sister.post(link, {})
        assert Follower.objects.following().filter(email="sister@example.invalid").exists()
        drills.wait_for(
            lambda: Heartbeat.objects.filter(name=RELAY_HEARTBEAT).exists(),
            timeout=60,
            what="beat's first relay",
        )

        # --- Redis goes away while relatives and moderators go on. ---------------------
        relatives = [drills.Visitor(web.url) for _ in range(2)]
        followers = drills.Visitor(web.url)
        moderator = drills.Visitor(web.url)
        moderator.log_in("moderator", "correct horse battery")
        approved: list[int] = []
        stop = threading.Event()

        def relative(visitor: drills.Visitor, who: int) -> None:
            n = 0
            while not stop.is_set():
                visitor.report(n, email=f"relative{who}-{n}@example.invalid")
                n += 1

        def moderate() -> None:
            for pending in waiting:
                if stop.is_set():
                    break
                if moderator.post(f"/reports/{pending.pk}/approve/", {}).status_code == 302:
                    approved.append(pending.pk)
            moderator.post(f"/people/evidence/{video.pk}/retract/", {"reason": "учебная ошибка"})

        def follow() -> None:
            for n in range(3):
                page = followers.get(f"/people/{person.pk}/")
                key = drills.KEY.search(page.text).group(1) if page.status_code == 200 else ""
                followers.post(
                    f"/people/{person.pk}/follow/",
                    {"email": f"cousin{n}@example.invalid", "homepage": "", "form_key": key},
                )

        before = drills.recipients(tmp_path)
        redis.stop()
        down_at = time.monotonic()
        threads = [
            threading.Thread(target=relative, args=(visitor, who))
            for who, visitor in enumerate(relatives)
        ] + [threading.Thread(target=moderate), threading.Thread(target=follow)]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, REDIS_OUTAGE - (time.monotonic() - down_at)))
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        unsent_at_return = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        redis.start()
        back_at, back_moment = time.monotonic(), timezone.now()

        # --- Recovery: every mail once, the outbox empty by beat's first relay. -------------
        expected = (
            {f"mother{n}@example.invalid" for n in range(len(approved))}
            | {f"cousin{n}@example.invalid" for n in range(3)}
            | {"sister@example.invalid"}
        )
        runs: list[tuple] = []  # (relay run started, unsent rows seen after it)

        def recovered() -> bool:
            unsent = OutboxMessage.objects.filter(sent_at__isnull=True).count()
            beat = Heartbeat.objects.filter(name=RELAY_HEARTBEAT).values_list("at", flat=True)
            if beat and beat[0] > back_moment and (not runs or runs[-1][0] != beat[0]):
                runs.append((beat[0], unsent))
            got = drills.recipients(tmp_path)[len(before) :]
            return unsent == 0 and expected <= set(got) and runs

        drills.wait_for(recovered, timeout=180, what="recovery after Redis returned")
        drained = time.monotonic() - back_at
        delivered = drills.recipients(tmp_path)[len(before) :]

        statuses = [s for v in [*relatives, followers, moderator] for s in v.statuses]
        reports_sent = sum(
            1 for v in relatives for s in v.statuses if s == 302
        )  # the form's answer: the receipt
        figures = {
            "outage_s": REDIS_OUTAGE,
            "report_posts": sum(len(v.statuses) // 2 for v in relatives),
            "reports_stored": Report.objects.filter(surname="Учебнов").count(),
            "approvals": len(approved),
            "responses_500": sum(1 for s in statuses if s >= 500),
            "mails_expected": len(expected),
            "mails_lost": len(expected - set(delivered)),
            "mails_twice": len(delivered) - len(set(delivered)),
            "outbox_unsent_at_return": unsent_at_return,
            "recovery_s": round(drained, 1),
            "relay_interval_s": RELAY_SECONDS,
        }
        report("Redis-down drill", figures)
        assert figures["responses_500"] == 0, statuses
        assert set(statuses) <= {200, 302}
        assert figures["reports_stored"] == reports_sent > 0
        assert len(approved) > 0
        assert Report.objects.filter(pk__in=approved, state=ReportState.APPROVED).count() == len(
            approved
        )
        assert figures["mails_lost"] == 0 and figures["mails_twice"] == 0
        assert unsent_at_return >= len(approved)  # the mails waited in the outbox
        # Within one beat interval: beat's first relay run after Redis returned found the
        # outbox empty once it was done, before its second run.
        assert runs and (len(runs) == 1 or runs[1][1] == 0), runs
    finally:
        worker.stop()
        web.stop()
        redis.stop()


# --- PostgreSQL down -----------------------------------------------------------------------
PG_OUTAGE = 20.0  # seconds the database stays down once the worker is up (the audit: 20)
POSTS = 300

SETUP = r"""
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from sources.models import Source
from sources.services import source_rotate_webhook_token

user = get_user_model().objects.create_user("moderator", password="correct horse battery")
user.groups.add(Group.objects.get_or_create(name="moderators")[0])
print(source_rotate_webhook_token(source=Source.objects.create(kind="webhook", name="hook")))
"""


def _queued(redis_url: str) -> int:
    """Messages waiting in the drill broker's queues (priority sub-queues included)."""
    import redis as redis_client

    client = redis_client.Redis.from_url(redis_url)
    return sum(
        client.llen(key)
        for pattern in ("celery*", "extraction*")
        for key in client.keys(pattern)
        if client.type(key) == b"list"
    )


@pytest.mark.django_db(transaction=True)
def test_postgresql_down_gets_503_pages_and_tasks_wait_then_nothing_is_lost(tmp_path):
    from tests.test_ingest_truth import realistic

    cluster = drills.PostgresCluster()
    redis = drills.RedisServer(tmp_path)
    web = worker = None
    try:
        cluster.init()
        cluster.start()
        # The schema and reference data: a copy of this run's test database.
        dump = tmp_path / "schema.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={dump}",
             _database_url()],
            check=True,
        )  # fmt: skip
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
            admin.execute(
                "CREATE DATABASE drill ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                "LC_CTYPE 'C.UTF-8' TEMPLATE template0"
            )
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error",
             f"--dbname={cluster.url('drill')}", str(dump)],
            check=True,
        )  # fmt: skip
        redis.start()
        env = drills.app_env(
            database_url=cluster.url("drill"),
            redis_url=redis.url(),
            directory=tmp_path,
            SOURCES_EXTRACT_BATCH="1",  # one task per post, as the audit's drill had
            TASK_DATABASE_WAIT_SECONDS="30",
        )
        token = subprocess.run(
            [sys.executable, "-c", SETUP],
            cwd=drills.ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        web = drills.Gunicorn(env, tmp_path)

        # Before: three relatives report, a moderator approves them (their e-mails are
        # queued), and a channel pushes 300 posts (300 extraction tasks). No worker yet.
        relative = drills.Visitor(web.url)
        for n in range(3):
            assert relative.report(n, email=f"mother{n}@example.invalid").status_code == 302
        with psycopg.connect(cluster.url("drill")) as db:
            pending = [pk for (pk,) in db.execute("SELECT id FROM reports_report ORDER BY id")]
        moderator = drills.Visitor(web.url)
        moderator.log_in("moderator", "correct horse battery")
        for pk in pending:
            assert moderator.post(f"/reports/{pk}/approve/", {}).status_code == 302
        pushed = relative.http.post(
            f"{web.url}/api/v1/ingest/",
            json={"items": realistic(POSTS)},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        assert pushed.status_code == 201 and pushed.json()["queued"] == POSTS
        # Each relative's receipt mail and each decision mail wait with the posts.
        assert _queued(redis.url(1)) == POSTS + 2 * len(pending)

        # PostgreSQL goes away; a worker starts and finds the queue full.
        cluster.stop()
        worker = drills.Worker(env, tmp_path, queues="celery,extraction")
        worker.wait_ready()
        ready_log = len(worker.log.read_text())
        queued_at_start = _queued(redis.url(1))
        visitor = drills.Visitor(web.url)
        pages = ["/", "/people/search/?q=Учебнов", "/reports/new/", "/healthz"]
        during: list[int] = []
        started = time.monotonic()
        while time.monotonic() - started < PG_OUTAGE:
            during += [visitor.get(page).status_code for page in pages]
            during.append(visitor.post("/reports/new/", {"surname": "Учебнов"}).status_code)
            time.sleep(1)
        unavailable_page = visitor.get("/").text
        worker_log = worker.log.read_text()[ready_log:]
        received = worker_log.count(" received")
        queued_at_end = _queued(redis.url(1))
        cluster.start()
        up_at = time.monotonic()

        # After: every post extracted, every e-mail sent once, nothing failed.
        def done() -> bool:
            with psycopg.connect(cluster.url("drill")) as db:
                states = dict(
                    db.execute("SELECT state, count(*) FROM sources_sourceitem GROUP BY state")
                )
            mailed = set(drills.addressed(tmp_path))
            return states.get("extracted") == POSTS and len(mailed) == 2 * len(pending)

        drills.wait_for(done, timeout=240, what="recovery after PostgreSQL returned")
        recovery = time.monotonic() - up_at
        with psycopg.connect(cluster.url("drill")) as db:
            failed = db.execute(
                "SELECT count(*) FROM sources_sourceitem WHERE state = 'failed'"
            ).fetchone()[0]
            reports_from_posts = db.execute(
                "SELECT count(*) FROM reports_report WHERE origin = 'source'"
            ).fetchone()[0]
        mailed = drills.addressed(tmp_path)  # (to, subject): a receipt and a decision each
        full_log = worker.log.read_text()
        figures = {
            "outage_s": PG_OUTAGE,
            "queued_when_the_worker_started": queued_at_start,
            "tasks_taken_during_outage": received,
            "queued_at_end_of_outage": queued_at_end,
            "retries": full_log.count("Retry in"),
            "tasks_failed": full_log.count("raised unexpected"),
            "posts_failed": failed,
            "posts_extracted": POSTS,
            "reports_from_posts": reports_from_posts,
            "responses_during_outage": {str(s): during.count(s) for s in sorted(set(during))},
            "mails_lost": 2 * len(pending) - len(set(mailed)),
            "mails_twice": len(mailed) - len(set(mailed)),
            "recovery_s": round(recovery, 1),
        }
        report("PostgreSQL-down drill", figures)
        assert set(during) == {503}, figures  # every page, the form post and /healthz
        assert "Сайт ненадолго недоступен" in unavailable_page
        assert received <= 3, figures  # not 300 taken and failed
        assert queued_at_end >= queued_at_start - 3
        assert failed == 0 and figures["tasks_failed"] == 0
        assert reports_from_posts > 0
        assert figures["mails_lost"] == 0 and figures["mails_twice"] == 0
    finally:
        for server in (worker, web):
            if server is not None:
                server.stop()
        redis.stop()
        cluster.destroy()
