"""The newcomer's path on embedded SQLite: migrate, seed, import, serve the home page."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh process with the default settings, as `make run` does.
SCRIPT = r"""
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from conscripts.models import Conscript, StatusChange
from reports.models import Report

call_command("migrate", verbosity=0, interactive=False)
call_command("seed_demo", people=50)
call_command("seed_demo", people=50, if_empty=True)
with open("list.csv", "w", encoding="utf-8") as f:
    f.write("surname,given_name,patronymic,birth_date,region,unit_number,status\n")
    f.write("Смоуков,Иван,Иванович,2004,Курск,12345,в плену\n")
    f.write("Смоуков,Иван,Иванович,2004,Курск,12345,в плену\n")
call_command("import_conscripts", "list.csv")
call_command("import_conscripts", "list.csv")
response = Client().get("/", HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="ru")
print("people", Conscript.objects.count())
print("reports", Report.objects.count())
print("changes", StatusChange.objects.count())
print("status", response.status_code)
print(response.content.decode())
"""


@pytest.mark.slow
def test_seeding_importing_and_the_home_page_work_on_embedded_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        # A folder that does not exist yet, like var/ in a fresh clone.
        DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "Seeded 50 fictional people" in result.stdout
    assert "nothing seeded (--if-empty)" in result.stdout
    assert "list.csv: rows read 2, reports queued 1 (people 1)" in result.stdout
    assert "list.csv: rows read 2, reports queued 0 (people 1), already queued 1" in result.stdout
    assert "people 50" in lines and "reports 1" in lines
    assert "status 200" in lines
    assert int(next(line for line in lines if line.startswith("changes")).split()[1]) >= 50
    assert "Русский" in result.stdout
