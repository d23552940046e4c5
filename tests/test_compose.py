"""docker-compose.yml stays valid (no engine runs here; `config` needs none)."""

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose_config(tmp_path, **env: str) -> subprocess.CompletedProcess:
    if shutil.which("docker-compose") is None:
        pytest.fail(
            "docker-compose is missing (Debian package docker-compose; .ci/run installs it)"
        )
    # An empty env file: a developer's .env must not decide what the test sees.
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    clean = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    compose_file = str(ROOT / "docker-compose.yml")
    return subprocess.run(
        ["docker-compose", "--env-file", str(env_file), "-f", compose_file, "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={**clean, **env},
    )


def test_docker_compose_file_is_valid_with_a_secret_key(tmp_path):
    result = compose_config(tmp_path, SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_run_without_a_secret_key(tmp_path):
    """It used to fall back to a fixed key, which production accepted: anyone could
    sign follow links."""
    result = compose_config(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "SECRET_KEY:-" not in (ROOT / "docker-compose.yml").read_text()


def test_app_services_wait_for_healthy_database_and_broker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "extractor", "beat"} <= services.keys()
    for name in ("web", "worker", "extractor", "beat"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:15")
    assert any("pgdata:" in v for v in services["db"]["volumes"])


def test_only_the_extractor_consumes_the_extraction_queue():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "-Q celery " in services["worker"]["command"]
    assert "-Q extraction " in services["extractor"]["command"]
    assert services["extractor"]["environment"]["OPENBLAS_NUM_THREADS"] == "1"
    # The merged environment keeps the shared settings (broker, database).
    assert services["extractor"]["environment"]["REDIS_URL"].startswith("redis://")


def test_redis_keeps_queued_tasks_across_a_restart():
    """With no persistence, restarting Redis lost every queued e-mail."""
    redis = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(v.startswith("redisdata:/data") for v in redis["volumes"])


def test_the_app_reaches_postgresql_through_pgbouncer_and_migrates_direct():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    bouncer = services["pgbouncer"]
    assert bouncer["environment"]["POOL_MODE"] == "transaction"
    assert bouncer["environment"]["DATABASE_URL"].endswith("@db:5432/conscripts")
    assert bouncer["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "extractor", "beat"):
        environment = services[name]["environment"]
        assert "@pgbouncer:6432/" in environment["DATABASE_URL"], name
        assert environment["DATABASE_PGBOUNCER"] == "true"
        assert services[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
    # Migrations take session-level locks: straight to the database, not the pool.
    assert (
        "@db:5432/conscripts DATABASE_PGBOUNCER=false python manage.py migrate"
        in (services["web"]["command"])
    )


def test_each_queue_has_its_own_worker_pool_sized_on_its_own():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "--concurrency=${WORKER_CONCURRENCY:-2}" in services["worker"]["command"]
    assert "--concurrency=${EXTRACTOR_CONCURRENCY:-2}" in services["extractor"]["command"]


def test_behind_pgbouncer_django_uses_no_server_side_cursors_nor_prepared_statements():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d.get('DISABLE_SERVER_SIDE_CURSORS'),"
        " d.get('OPTIONS', {}).get('prepare_threshold', 5))"
    )
    import os
    import sys

    env = dict(os.environ, DATABASE_PGBOUNCER="true", DJANGO_SETTINGS_MODULE="config.settings.base")
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["True", "None"]
