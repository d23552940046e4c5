"""Drills against servers these tests start and stop themselves (tests/drills.py): the
application as it runs in production (gunicorn, a Celery worker with beat) while Redis
or PostgreSQL goes away and comes back.

Each drill prints its figures (run with ``-s`` to see them).
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import date
from pathlib import Path

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
