"""``pytest --clock INSTANT`` (tests/clock.py) really sets the clock, in subprocesses too."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

AT_THE_INSTANT = """
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from django.utils import timezone

INSTANT = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)


def near_instant(moment):
    return INSTANT <= moment < INSTANT + timedelta(minutes=1)


def test_the_clock_is_at_the_instant_and_moscow_is_on_the_next_day():
    assert near_instant(datetime.now(UTC))
    assert str(timezone.localdate()) == "2026-12-05"


def test_a_python_subprocess_shares_the_clock():
    code = "import datetime; print(datetime.datetime.now(datetime.UTC).isoformat())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert near_instant(datetime.fromisoformat(out.stdout.strip()))


def test_each_test_starts_at_the_instant_again():
    assert near_instant(datetime.now(UTC))
"""

UNTOUCHED = """
import os

import time_machine


def test_the_clock_is_real():
    assert not time_machine.escape_hatch.is_travelling()
    assert "CONSCRIPTS_TEST_CLOCK" not in os.environ
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # to import tests.clock and config
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.test")
    monkeypatch.delenv("CONSCRIPTS_TEST_CLOCK", raising=False)  # when this run has --clock

    def run(source, *args):
        pytester.makepyfile(test_inner=source)
        return pytester.runpytest_subprocess("-p", "tests.clock", "-p", "no:xdist", *args)

    return run


def test_every_test_and_its_subprocesses_run_at_the_given_instant(inner):
    result = inner(AT_THE_INSTANT, "--clock", "2026-12-05T00:30:00+03:00")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["clock: each test starts at 2026-12-05T00:30:00+03:00"])


def test_without_the_option_the_clock_is_left_alone(inner):
    inner(UNTOUCHED).assert_outcomes(passed=1)


def test_a_time_without_an_offset_is_refused(inner):
    result = inner(UNTOUCHED, "--clock", "2026-12-04T21:30:00")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*give an offset*"])
