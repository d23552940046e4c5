"""Servers a drill starts and stops on spare ports of its own: Redis, a scratch PostgreSQL
cluster, gunicorn, a Celery worker; and a relative's and a moderator's HTTP sessions.

Never the shared servers: the drills stop and start only what they started here.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

import requests
from django_otp.oath import totp

ROOT = Path(__file__).resolve().parent.parent
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_INDEX = int(_WORKER[2:]) if _WORKER[2:].isdigit() else 0


def free_port(low: int, high: int) -> int:
    """A port in [low, high) nothing listens on; each xdist process starts elsewhere."""
    span = high - low
    start = (_INDEX * 17 + os.getpid()) % span
    for step in range(span):
        port = low + (start + step) % span
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high}")


def wait_for(check, *, timeout: float, what: str, every: float = 0.2):
    """Poll ``check()`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- Redis ------------------------------------------------------------------------------
class RedisServer:
    """A Redis of the drill's own, persisting like docker-compose's (append-only file)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port(6500, 6599)  # 6599 stays dead (tests/conftest.py)
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--loglevel",
                "warning",
            ],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=20, what="redis start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """As `docker-compose stop redis`: SIGTERM, Redis writes its file and exits."""
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None


# --- PostgreSQL -------------------------------------------------------------------------
def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    bindir = subprocess.run(
        ["pg_config", "--bindir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return str(Path(bindir) / name)


class PostgresCluster:
    """A scratch cluster (initdb) on a spare port, started and stopped with pg_ctl.

    PostgreSQL refuses to run as root, so as root the cluster is the postgres user's.
    """

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="ct-drill-pg-", dir="/tmp"))
        self.data = self.directory / "data"
        self.port = free_port(55000, 56000)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")

    def _as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else [*command]

    def _run(self, *command: str) -> None:
        done = subprocess.run(self._as_owner(*command), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{command[0]}: {done.stderr or done.stdout}")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast``: sessions are disconnected, as when the server goes away."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running():
            subprocess.run(
                self._as_owner(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
                capture_output=True,
            )
        shutil.rmtree(self.directory, ignore_errors=True)


# --- the application ------------------------------------------------------------------------
def app_env(*, database_url: str, redis_url: str, directory: Path, **extra: str) -> dict:
    """The environment of the drill's web server and worker (test settings, real mail
    files, DEBUG off: error pages are the real ones)."""
    (directory / "mail").mkdir(exist_ok=True)
    (directory / "media").mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        TEST_EMAIL_FILE_PATH=str(directory / "mail"),
        MEDIA_ROOT=str(directory / "media"),
        OPENBLAS_NUM_THREADS="1",
        REPORT_RATE_LIMIT="1000/hour",
        FOLLOW_RATE_LIMIT="1000/hour",
        **extra,
    )
    return env


class Gunicorn:
    def __init__(self, env: dict, directory: Path) -> None:
        self.port = free_port(55000, 56000)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "gunicorn.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                return requests.get(f"{self.url}/healthz", timeout=5).status_code in (200, 503)
            except requests.RequestException:
                return False

        wait_for(up, timeout=60, what="gunicorn start")

    def stop(self) -> None:
        _stop(self.proc)


class Worker:
    """`celery worker` (with beat when asked) on the drill's broker and database."""

    def __init__(
        self, env: dict, directory: Path, *, queues: str = "celery", beat: bool = False
    ) -> None:
        self.log = directory / f"worker-{int(time.monotonic() * 1000)}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--queues",
            queues,
            "--hostname",
            f"drill-{os.getpid()}-{time.monotonic_ns()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ]
        if beat:
            command += ["--beat", "--schedule", str(directory / "beat-schedule")]
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            return " ready." in self.log.read_text()

        wait_for(ready, timeout=90, what="celery worker start")

    def stop(self) -> None:
        _stop(self.proc)


# --- people ---------------------------------------------------------------------------------
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="form_key" value="([A-Za-z0-9_-]+)"')
SECRET = re.compile(r'data-testid="otp-secret">([A-Z2-7 ]+)<')


class Visitor:
    """A browser-less visitor: remembers cookies, sends the CSRF token, counts answers."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.statuses: list[int] = []

    def get(self, path: str) -> requests.Response:
        response = self.http.get(self.base + path, timeout=60, allow_redirects=False)
        self.statuses.append(response.status_code)
        return response

    def post(self, path: str, data: dict) -> requests.Response:
        token = self.http.cookies.get("csrftoken", "")
        response = self.http.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": self.base + path},
            timeout=60,
            allow_redirects=False,
        )
        self.statuses.append(response.status_code)
        return response

    def report(self, n: int, email: str) -> requests.Response:
        """A relative fills in and sends the report form (its one-time key included)."""
        page = self.get("/reports/new/")
        key = KEY.search(page.text).group(1) if page.status_code == 200 else ""
        return self.post(
            "/reports/new/",
            {
                "surname": "Учебнов",
                "given_name": "Роман",
                "patronymic": f"Тестович {n}",
                "details": f"Учебное сообщение {n}: всё вымышлено.",
                "submitter_contact": email,
                "consent": "on",
                "homepage": "",
                "form_key": key,
            },
        )

    #: username → the TOTP key a moderator enrolled in this run (the second step).
    secrets: ClassVar[dict[str, bytes]] = {}

    def log_in(self, username: str, password: str) -> None:
        """Both steps, as a person does: the password, then (moderators) the code of
        their authenticator app, enrolling it from the setup page the first time."""
        self.get("/accounts/login/")
        answer = self.post("/accounts/login/", {"username": username, "password": password})
        assert answer.status_code == 302, answer.text[:500]
        while answer.status_code == 302 and "/accounts/code/" in answer.headers["Location"]:
            path = answer.headers["Location"].removeprefix(self.base)
            page = self.get(path)
            if page.status_code == 302:  # to the setup page, the first time
                answer = page
                continue
            found = SECRET.search(page.text)
            if found:
                key = "".join(found.group(1).split())
                self.secrets[username] = base64.b32decode(key + "=" * (-len(key) % 8))
            for drift in (0, 1):  # a code is accepted once: the next step's after that
                code = totp(self.secrets[username], drift=drift)
                answer = self.post(path, {"code": f"{code:06d}"})
                if answer.status_code == 302:
                    break
            assert answer.status_code == 302, answer.text[:500]


def mails(directory: Path) -> list[str]:
    """The messages the worker wrote (Django's file backend: one or more per file)."""
    out = []
    for path in sorted((directory / "mail").glob("*.log")):
        out += [m for m in path.read_text().split("-" * 79) if m.strip()]
    return out


def addressed(directory: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every mail written, in order."""
    import email
    from email.header import decode_header, make_header

    out = []
    for text in mails(directory):
        message = email.message_from_string(text.strip())
        if message["To"]:
            subject = str(make_header(decode_header(message["Subject"] or "")))
            out.append((message["To"], subject))
    return out


def recipients(directory: Path) -> list[str]:
    return [
        match.group(1)
        for message in mails(directory)
        if (match := re.search(r"^To: (.+)$", message, re.MULTILINE))
    ]
