"""Production settings refuse to start without their secrets; defaults run a newcomer's machine."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.keys import key_problems

ROOT = Path(__file__).resolve().parent.parent
# Made afresh each run: a key written in this file would be one the repository holds,
# which production refuses.
GOOD_KEY = secrets.token_urlsafe(50)


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
    ids=["nothing", "no-hosts", "no-key", "short-key", "empty-hosts"],
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


def _production_check_with_key(key: str) -> subprocess.CompletedProcess:
    return check("config.settings.production", SECRET_KEY=key, ALLOWED_HOSTS="example.org")


def test_production_refuses_the_key_docker_compose_used_to_fall_back_to():
    result = _production_check_with_key("change-me-" * 5)
    assert result.returncode != 0
    assert "Production settings need a SECRET_KEY of your own" in result.stderr


def test_production_refuses_a_long_random_key_that_the_repository_holds(tmp_path):
    """A key any file of the repository holds (an example, a test's) is a key anyone has."""
    key = secrets.token_urlsafe(50)
    assert _production_check_with_key(key).returncode == 0
    # Written into a tracked-looking file of a copy of the tree, the same key is refused.
    assert key_problems(key, ROOT) == []
    (tmp_path / "README.md").write_text(f"Example: SECRET_KEY={key}\n")
    problems = key_problems(key, tmp_path)
    assert any("the repository holds it (README.md)" in p for p in problems), problems


def test_production_refuses_every_key_literal_in_the_repository():
    """Whatever key a file of the repository spells out, production will not start with it."""
    from config.settings import base

    for key in (base.SECRET_KEY, "dev-only-insecure-key-do-not-use-in-production"):
        assert key_problems(key, ROOT), key
    result = _production_check_with_key(base.SECRET_KEY)
    assert result.returncode != 0
    assert "repository holds it" in result.stderr


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("x" * 49 + "abcdefghij", None),
        ("ab" * 40, "distinct characters"),
        (secrets.token_urlsafe(30), "fewer than 50"),
        ("django-insecure-" + secrets.token_urlsafe(50), "development key"),
    ],
    ids=["ok", "uniform", "short", "django-insecure"],
)
def test_a_key_short_of_entropy_is_refused(key, why):
    problems = key_problems(key, ROOT)
    if why is None:
        assert problems == []
    else:
        assert any(why in p for p in problems), problems


def test_a_hexadecimal_key_of_64_digits_is_accepted():
    assert key_problems(secrets.token_hex(32), ROOT) == []


def test_the_tree_is_scanned_without_git_and_a_deployments_env_file_is_not(tmp_path):
    key = secrets.token_urlsafe(50)
    (tmp_path / ".env").write_text(f"SECRET_KEY={key}\n")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "notes.txt").write_text(key)
    assert key_problems(key, tmp_path) == []
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "local.py").write_text(f"SECRET_KEY = {key!r}\n")
    assert any("config/local.py" in p for p in key_problems(key, tmp_path))


def test_check_deploy_with_production_settings_prints_no_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment
            # must not (async.E001).
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DEBUG", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
            },
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "conscripts.example.org",
            "DATABASE_URL": os.environ["DATABASE_URL"],
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def _production_values(expression: str, **env: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", f"from config.settings import production as p; print({expression})"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SECURE_HSTS")},
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "example.org",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()


def test_production_sends_hsts_for_a_year_with_subdomains_unless_told_otherwise():
    shown = "p.SECURE_HSTS_SECONDS, p.SECURE_HSTS_INCLUDE_SUBDOMAINS, p.SECURE_HSTS_PRELOAD"
    assert _production_values(shown) == "31536000 True True"
    assert (
        _production_values(
            shown,
            SECURE_HSTS_SECONDS="600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
            SECURE_HSTS_PRELOAD="false",
        )
        == "600 False False"
    )
