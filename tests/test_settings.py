"""Production settings refuse to start without their secrets; defaults run a newcomer's machine."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 20 + "-long-enough-random-secret-value"


def check(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SECRET_KEY": GOOD_KEY},
        {"ALLOWED_HOSTS": "example.org"},
        {"SECRET_KEY": "short", "ALLOWED_HOSTS": "example.org"},
        {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": ""},
    ],
)
def test_production_refuses_to_start_without_its_secrets(env):
    result = check("config.settings.production", **env)
    assert result.returncode != 0
    assert "Production settings need" in result.stderr


def test_production_starts_with_its_secrets_and_without_debug():
    result = check("config.settings.production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config.settings import production as p; "
            "print(p.DEBUG, p.SESSION_COOKIE_SECURE, p.CSRF_COOKIE_SECURE, p.ALLOWED_HOSTS)",
        ],
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "example.org"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.split() == ["False", "True", "True", "['example.org']"]


def test_the_default_settings_need_no_configuration():
    result = check("config.settings.base", DATABASE_URL="", REDIS_URL="")
    assert result.returncode == 0, result.stderr
