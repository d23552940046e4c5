"""Benchmark the public statistics' first computation (cache and snapshot empty).

Usage (from the repository root; a migrated copy of the 1M database, never the shared
``conscripts_bench_1m`` itself):

    .venv/bin/python bench/tallies.py --database perfc_1m [--runs 3] [--recount]

Prints, as medians of ``--runs``: the statistics of all records and of the Kursk window
computed from the running tallies (``research.statistics._compute_statistics``), the unit
figures (``research.units._compute``) and, with ``--recount``, a count from scratch of
every tally (``conscripts.tallies.full_counts``: what the statistics cost before the
tallies, and what ``manage.py tallies_rebuild`` costs). The load average is printed
beside the figures; the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics as stats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def _timed(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return stats.median(times)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database name at BENCH_PG_URL (default: DATABASE_URL)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--recount", action="store_true", help="also time a count from scratch")
    args = parser.parse_args(argv)
    if args.database:
        os.environ["DATABASE_URL"] = f"{PG_URL}/{args.database}"
    import django

    django.setup()
    from conscripts.models import Conscript
    from conscripts.tallies import full_counts
    from research.statistics import _compute_statistics
    from research.units import _compute as unit_compute

    figures = {
        "people": Conscript.objects.count(),
        "load_before": os.getloadavg()[0],
        "statistics_ms": _timed(lambda: _compute_statistics(kursk=False), args.runs),
        "statistics_kursk_ms": _timed(lambda: _compute_statistics(kursk=True), args.runs),
        "unit_figures_ms": _timed(unit_compute, args.runs),
    }
    if args.recount:
        figures["recount_ms"] = _timed(full_counts, args.runs)
    figures["load_after"] = os.getloadavg()[0]
    for name, value in figures.items():
        print(f"{name:>22}: {value:,.1f}" if isinstance(value, float) else f"{name:>22}: {value:,}")
    return figures


if __name__ == "__main__":
    main()
