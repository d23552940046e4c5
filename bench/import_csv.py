"""Time ``manage.py import_conscripts`` on a 20,000-row CSV (every person becomes a pending
report in the review queue), then its idempotent re-import.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/import_csv.py [--rows 20000] [--bad 100] [--seed 2024]
        [--semicolon] [--database-url postgres://…/name] [--database conscripts_bench_import]
        [--keep]

The file is written from ``conscripts.demo_data`` the way lists arrive: regions as
canonical names, English names, aliases or cities; birth dates as YYYY-MM-DD,
DD.MM.YYYY or a bare year; units with or without «в/ч»; statuses in English or
Russian; some names in capitals or with ё. ``--bad`` rows of every kind of error
are mixed in. Without ``--database-url`` a scratch database is created and
migrated, and dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shlex
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.seed import PG_URL, create_database, drop_database, manage  # noqa: E402
from conscripts import demo_data, geo, status_rules  # noqa: E402

HEADER = ["surname", "given_name", "patronymic", "birth_date", "region", "unit_number", "status"]
STATUS_WORDS = {
    "missing": ["missing", "пропал без вести", "пропал", ""],
    "captured": ["captured", "в плену"],
    "dead": ["dead", "погиб"],
    "returned": ["returned", "вернулся"],
}
# (kind, column, value): a good row spoiled in one column; None = drop the last three.
BAD_ROWS = [
    ("bad date", 3, "31.02.2004"),
    ("unknown region", 4, "Нарния"),
    ("bad unit", 5, "1234"),
    ("Latin name", 0, "Ivanov"),
    ("empty surname", 0, ""),
    ("unknown status", 6, "ранен"),
    ("wrong column count", None, None),
]


def spoil(row: list[str], column: int | None, value: str | None) -> list[str]:
    if column is None:
        return row[:4]
    return [value if i == column else v for i, v in enumerate(row)]


def final_status(person: demo_data.PersonRecord) -> str:
    """The latest status the person's evidence claims (what a volunteer's list would say)."""
    claims = [e.claimed_status for e in person.evidence if e.claimed_status]
    return claims[-1] if claims else status_rules.MISSING


def write_csv(path: Path, *, rows: int, bad: int, seed: int, delimiter: str) -> None:
    rng = random.Random(seed)
    cities: dict[str, list[str]] = {}
    for city, code in geo.CITIES.items():
        cities.setdefault(code, []).append(city)
    by_name = {r.name_ru: r for r in geo.REGIONS}
    good = []
    for p in demo_data.people(rows, seed=seed):
        surname, given = p.surname, p.given_name
        if rng.random() < 0.05:
            surname = surname.upper()
        if rng.random() < 0.1:
            given = given.replace("е", "ё", 1) if given in ("Артем", "Семен", "Федор") else given
        region = ""
        if p.region:
            r = by_name[p.region]
            how = rng.random()
            region = (
                r.name_ru
                if how < 0.6
                else rng.choice(cities.get(r.code, [r.name_ru]))
                if how < 0.85
                else r.name_en
            )
        d = p.birth_date
        how = rng.random()
        birth = d.isoformat() if how < 0.5 else f"{d:%d.%m.%Y}" if how < 0.85 else str(d.year)
        unit = ""
        if p.unit and p.unit.number:
            unit = p.unit.number if rng.random() < 0.7 else f"в/ч {p.unit.number}"
        status = rng.choice(STATUS_WORDS[final_status(p)])
        good.append([surname, given, p.patronymic, birth, region, unit, status])
    lines = list(good)
    for i in range(bad):
        _, column, value = BAD_ROWS[i % len(BAD_ROWS)]
        lines.insert(rng.randrange(len(lines) + 1), spoil(rng.choice(good), column, value))
    with path.open("w", encoding="utf-8-sig" if delimiter == ";" else "utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows(lines)


def reports_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM reports_report").fetchone()[0]


def run_import(url: str, path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = manage(url, "import_conscripts", str(path), "--source-name", "Бенчмарк", capture=True)
    seconds = time.perf_counter() - start
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode not in (0, 1) or "rows read" not in summary:
        sys.exit(f"import failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="Good rows (default 20,000).")
    parser.add_argument("--bad", type=int, default=100, help="Bad rows mixed in (default 100).")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--semicolon", action="store_true", help="Write ';' and a BOM.")
    parser.add_argument("--database-url", help="Use this (migrated) database; never dropped.")
    parser.add_argument("--database", default="conscripts_bench_import")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    print(f"reproduce: {shlex.join(['.venv/bin/python', 'bench/import_csv.py', *sys.argv[1:]])}")
    scratch = args.database_url is None
    url = args.database_url or f"{PG_URL}/{args.database}"
    with tempfile.TemporaryDirectory() as tmp:
        # The command keeps each list it reads under MEDIA_ROOT: here, not in var/.
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        path = Path(tmp) / "conscripts.csv"
        start = time.perf_counter()
        write_csv(
            path,
            rows=args.rows,
            bad=args.bad,
            seed=args.seed,
            delimiter=";" if args.semicolon else ",",
        )
        print(
            f"wrote {args.rows:,} rows + {args.bad} bad rows ({path.stat().st_size:,} bytes) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        if scratch:
            create_database(args.database)
        try:
            if scratch:
                manage(url, "migrate", "--verbosity", "0")
            print(
                f"running: DATABASE_URL={url} .venv/bin/python manage.py import_conscripts "
                f"FILE.csv --source-name Бенчмарк"
            )
            before = reports_count(url)
            seconds, summary = run_import(url, path)
            after_first = reports_count(url)
            total = args.rows + args.bad
            print(f"import:    {seconds:6.1f} s  {total / seconds:8,.0f} rows/s  | {summary}")
            seconds, summary = run_import(url, path)
            after_second = reports_count(url)
            print(f"re-import: {seconds:6.1f} s  {total / seconds:8,.0f} rows/s  | {summary}")
            created = after_second - after_first
            print(
                f"reports: {before:,} before, {after_first:,} after the import, "
                f"{after_second:,} after the re-import ({created} new on re-import)"
            )
            new = re.search(r"reports queued (\d+)", summary)
            if created or (new and new[1] != "0"):
                sys.exit("the re-import queued reports: it is not idempotent")
        finally:
            if scratch and not args.keep:
                drop_database(args.database)
                print(f"dropped {args.database}")
            elif scratch:
                print(f"kept: {url}")


if __name__ == "__main__":
    main()
