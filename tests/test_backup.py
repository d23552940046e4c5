"""`manage.py backup` and `manage.py restore`: a populated database and its photos come back
whole in a fresh database on the same server, and the site answers from it."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from conscripts.models import Conscript, EvidenceKind, Status
from conscripts.services import evidence_add, follow_request
from core.backup import table_counts
from reports import services as report_services
from reports.images import CleanImage
from tests.factories import ConscriptFactory, UserFactory, region

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SMOKE = r"""
import hashlib, json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from conscripts.models import Conscript
from reports.models import Report
from tests.helpers import log_in

person = Conscript.objects.get(surname="Резервов")
report = Report.objects.exclude(photo="").get()
public = Client(HTTP_HOST="localhost")
moderator = Client(HTTP_HOST="localhost")
log_in(moderator, get_user_model().objects.get(username="moderator"))
pages = {
    url: public.get(url).status_code
    for url in ("/", person.get_absolute_url(), "/people/search/?q=Резервов", "/statistics/")
}
photo = moderator.get(f"/reports/{report.pk}/photo/")
health = public.get("/healthz")
print(json.dumps({
    "pages": pages,
    "queue": moderator.get("/reports/queue/").status_code,
    "photo": [photo.status_code, hashlib.sha256(b"".join(photo.streaming_content)).hexdigest()],
    "database": health.json()["checks"]["database"]["ok"],
}))
"""


def url_for(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def manage(*args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url_for(database),
        "MEDIA_ROOT": str(media),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def database_exists(name: str) -> bool:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres"
    ) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def drop(name: str) -> None:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def populated(settings, tmp_path):
    """People with evidence and statuses, a report with a photo, a follower, a moderator."""
    settings.MEDIA_ROOT = tmp_path / "media"
    UserFactory(username="moderator", groups=["moderators"])
    kept = ConscriptFactory(surname="Резервов", given_name="Архип", home_region=region())
    for person in [kept, *ConscriptFactory.create_batch(4)]:
        evidence_add(
            conscript=person,
            kind=EvidenceKind.PRISONER_VIDEO,
            claimed_status=Status.CAPTURED,
            url="https://example.org/video",
        )
    follow_request(conscript=kept, email="rezervova.nina@example.invalid", language="ru")
    photo = CleanImage(
        data=b"\x89PNG fictional screenshot bytes",
        extension="png",
        content_type="image/png",
        width=1,
        height=1,
    )
    report_services.report_submit(surname="Резервов", given_name="Архип", consent=True, photo=photo)
    return settings.MEDIA_ROOT, hashlib.sha256(photo.data).hexdigest()


def test_a_backup_restores_into_a_fresh_database_and_the_site_answers_from_it(populated, tmp_path):
    media, photo_sha = populated
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    drop(restored)
    counts = table_counts()
    try:
        made = manage(
            "manage.py", "backup", "--dest", str(tmp_path / "backups"), database=source, media=media
        )
        assert made.returncode == 0, made.stderr
        (backup,) = (tmp_path / "backups").iterdir()
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["tables"] == counts
        assert manifest["tables"]["conscripts_conscript"] == Conscript.objects.count() == 5

        media_back = tmp_path / "restored-media"
        done = manage("manage.py", "restore", str(backup), database=restored, media=media_back)
        assert done.returncode == 0, done.stderr
        assert "every table's rows match the backup; every file is there" in done.stdout

        smoke = manage("-c", SMOKE, database=restored, media=media_back)
        assert smoke.returncode == 0, smoke.stderr
        answers = json.loads(smoke.stdout.strip().splitlines()[-1])
        assert set(answers["pages"].values()) == {200}, answers
        assert answers["queue"] == 200
        assert answers["photo"] == [200, photo_sha]  # the photo file came back
        assert answers["database"] is True

        # A second restore into the same (no longer empty) database is refused.
        again = manage("manage.py", "restore", str(backup), database=restored, media=tmp_path / "x")
        assert again.returncode == 1 and "already has" in again.stderr
    finally:
        drop(restored)


def test_a_damaged_backup_is_refused_before_anything_is_written(populated, tmp_path):
    media, _ = populated
    source = connection.settings_dict["NAME"]
    made = manage(
        "manage.py", "backup", "--dest", str(tmp_path / "backups"), database=source, media=media
    )
    assert made.returncode == 0, made.stderr
    (backup,) = (tmp_path / "backups").iterdir()
    with (backup / "database.dump").open("r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00damage\x00")
    restored = f"{source}_damaged"
    drop(restored)
    done = manage("manage.py", "restore", str(backup), database=restored, media=tmp_path / "m")
    assert done.returncode == 1 and "damaged" in done.stderr
    assert not database_exists(restored)
