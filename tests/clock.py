"""``pytest --clock INSTANT``: run tests with the clock set to INSTANT, ticking.

Days derived from timestamps are local days in settings.TIME_ZONE (Europe/Moscow), so a
suite that passes in the afternoon can fail in the hours when the UTC day and the Moscow
day differ. This option shows it at once instead of at night:

    pytest --clock 2026-12-04T21:30:00Z        # 00:30 on 5 December in Moscow
    pytest --clock 2026-12-05T00:30:00+03:00   # the same instant, written in Moscow time

Every test starts at INSTANT (setup, call and teardown share one ticking clock). Python
subprocesses that tests start (Celery workers, manage.py) follow it too, through
``tests/clock_boot/sitecustomize.py`` on PYTHONPATH, offset by the time elapsed since the
test began. Not covered: PostgreSQL's ``now()`` and Chromium's clock stay real, as does
``time.monotonic`` (timeouts keep working).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pytest

#: Read by tests/clock_boot/sitecustomize.py in subprocesses: "<instant ISO> <real epoch>".
ENV = "CONSCRIPTS_TEST_CLOCK"
BOOT_DIR = Path(__file__).resolve().parent / "clock_boot"


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(f"--clock {text!r}: not an ISO 8601 date-time") from None
    if instant.tzinfo is None:
        raise pytest.UsageError(
            f"--clock {text!r}: give an offset (Z, +03:00); a naive time is ambiguous"
        )
    return instant


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="INSTANT",
        default=None,
        help="run each test with the clock at INSTANT, ticking (ISO 8601 with an offset, "
        "e.g. 2026-12-04T21:30:00Z)",
    )


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("clock")
    if text is None:
        return
    config._clock_instant = parse_instant(text)  # type: ignore[attr-defined]
    # Subprocesses (and pytest-xdist's workers) import sitecustomize from here.
    paths = [str(BOOT_DIR), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))


def pytest_report_header(config: pytest.Config) -> str | None:
    instant = getattr(config, "_clock_instant", None)
    return None if instant is None else f"clock: each test starts at {instant.isoformat()}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    instant = getattr(item.config, "_clock_instant", None)
    if instant is None:
        return (yield)
    import time_machine

    hatch = time_machine.escape_hatch
    real_now = hatch.time.time() if hatch.is_travelling() else time.time()
    os.environ[ENV] = f"{instant.isoformat()} {real_now!r}"
    try:
        with time_machine.travel(instant, tick=True):
            return (yield)
    finally:
        os.environ.pop(ENV, None)
