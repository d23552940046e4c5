"""Benchmark list intake: a messy spreadsheet read, mapped and queued; a pasted list of
names matched against the record.

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/intake.py [--rows 10000] [--names 1000] [--format xlsx|csv]
        [--database conscripts_bench_intake] [--template conscripts_bench_1m]
        [--keep] [--reuse] [--seed 14]

The issue's targets (issue 14), on this machine: a 10,000-row messy spreadsheet read,
mapped and queued in ≤ 30 s; a 1,000-name pasted list matched against 1,000,000 people
in ≤ 20 s.

1. A scratch copy: ``CREATE DATABASE <database> TEMPLATE <template>`` (retried while
   someone is connected to the template), then ``migrate``. The template (the shared
   ``conscripts_bench_1m``, seeded with ``manage.py seed_demo --people 1000000``) is only
   read. ``--reuse`` keeps an existing copy (after ``--keep``).
2. The spreadsheet: ``--rows`` people from ``conscripts.demo_data`` (another seed than the
   record's) written the way volunteers' lists arrive (``messy_spreadsheet``): Russian
   headers under a title row; names in one «ФИО» cell, some in lower case, with stray
   spaces or as mojibake; birth dates as «07.05.2004», «19.11.05», «2005 г.р.» or Excel's
   «янв.04»; «в/ч 12345» and «в.ч. 41520»; regions as «Брянская обл., Клинцы», «Респ. …»
   or «брянская»; statuses from the whole vocabulary («БВП», «плен (по видео)»,
   «вернулся (обмен 24.08)»); phones, some destroyed by Excel («7,92E+10»); notes with
   line breaks; blank rows, a summary row, 2 % repeated people, 0.5 % rows shifted by a
   missing cell. Timed: ``reports.uploads.list_upload_create`` (read the file, find the
   header, guess the mapping) and ``list_upload_start`` in process (read every row,
   normalise, fold duplicates, write the reports and their audit rows) — what the upload
   page and its worker do. Then the same file again: it must add nothing.
3. The pasted list: ``--names`` lines, 90 % people sampled from the record (as written,
   in capitals, with a typo, with «г.р.» or numbering), 10 % names nobody has; matched
   by ``sources.lists.pasted_list_create`` in process (``conscripts.search`` per line).
   Reported: seconds, and how often the sampled person is the best match.
4. The copy is dropped at the end unless ``--keep``.

Every figure is printed beside ``/proc/loadavg``: the machine is shared.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"spreadsheet_s": 30.0, "names_s": 20.0}
TEMPLATE = "conscripts_bench_1m"
DATABASE = "conscripts_bench_intake"

HEADER = [
    "№ п/п",
    "ФИО",
    "Дата рождения",
    "Откуда",
    "В/ч",
    "Статус",
    "Последняя связь",
    "Контакт",
    "Ссылка на видео",
    "Примечание",
]
STATUS_WORDS = {
    "missing": ["пропал", "БВП", "б/в", "нет связи", "пропал без вести", ""],
    "captured": ["в плену", "плен (по видео)", "в плену?"],
    "dead": ["погиб", "200"],
    "returned": ["вернулся (обмен 24.08)", "вернулся", "обменян"],
}
NOTES = ["", "", "", "звонил маме\nиз-под Суджи", "срочник, весенний призыв", "ищет сестра"]
MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# --- The spreadsheet -------------------------------------------------------------------
def _cells(person, rng: random.Random) -> list:
    from conscripts import geo

    name = f"{person.surname} {person.given_name} {person.patronymic}"
    how = rng.random()
    if how < 0.1:
        name = name.lower()
    elif how < 0.15:
        name = "  " + name.replace(" ", "  ") + " "
    elif how < 0.16:
        name = name.encode().decode("cp1251", errors="replace")  # mojibake
    d = person.birth_date
    how = rng.random()
    birth = (
        f"{d:%d.%m.%Y}"
        if how < 0.5
        else f"{d:%d.%m.%y}"
        if how < 0.65
        else f"{d.year} г.р."
        if how < 0.85
        else f"{MONTHS[d.month - 1]}.{d.year % 100:02d}"
    )
    region = ""
    if person.region:
        r = next(x for x in geo.REGIONS if x.name_ru == person.region)
        how = rng.random()
        short = r.name_ru.replace("область", "обл.").replace("Республика", "Респ.")
        region = (
            short
            if how < 0.4
            else r.name_ru.split()[0].lower()
            if how < 0.6 and r.name_ru.endswith("область")
            else r.name_ru
        )
    unit = ""
    if person.unit and person.unit.number:
        unit = rng.choice(["в/ч ", "в.ч. ", "", "вч"]) + person.unit.number
    final = next(
        (e.claimed_status for e in reversed(person.evidence) if e.claimed_status), "missing"
    )
    status = rng.choice(STATUS_WORDS.get(final, [""]))
    contact = ""
    how = rng.random()
    if how < 0.3:
        digits = rng.randrange(10**8, 10**9)
        contact = f"+7 9{digits // 10**6:02d} {digits // 1000 % 1000:03d}-{digits % 1000:03d} мама"
    elif how < 0.35:
        contact = f"7,9{rng.randrange(1, 9)}E+10"
    video = (
        f"https://t.me/example_channel/{rng.randrange(1000, 99999)}" if rng.random() < 0.1 else ""
    )
    return [
        "",
        name,
        birth,
        region,
        unit,
        status,
        f"{person.last_contact_date:%d.%m.%Y}",
        contact,
        video,
        rng.choice(NOTES),
    ]


def messy_spreadsheet(rows: int, *, seed: int = 14, fmt: str = "xlsx") -> bytes:
    """A volunteers' list of ``rows`` fictional people, as described in the docstring."""
    from conscripts import demo_data

    rng = random.Random(seed)
    body: list[list] = []
    people = list(demo_data.people(rows, seed=f"intake-{seed}"))
    for number, person in enumerate(people, start=1):
        cells = _cells(person, rng)
        cells[0] = str(number)
        if rng.random() < 0.005:  # a cell left out: the rest slides left
            del cells[2]
            cells.append("")
        body.append(cells)
        if rng.random() < 0.02 and body:  # the same person again, further down
            body.append(list(rng.choice(body)))
        if number % 200 == 0:
            body.append([""] * len(HEADER))
    body.append([f"Всего: {rows} чел."] + [""] * (len(HEADER) - 1))
    title = ["Список пропавших военнослужащих (вымышленные люди)"] + [""] * (len(HEADER) - 1)
    if fmt == "csv":
        import csv

        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerows([title, HEADER, *body])
        return out.getvalue().encode("cp1251", errors="replace")
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Лист1")
    for row in [title, HEADER, *body]:
        sheet.append([c or None for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_spreadsheet(data: bytes, *, file_name: str, user) -> dict:
    """Read, map and queue ``data`` as the upload page and its worker do; then again."""
    from reports import uploads
    from reports.models import Report

    before = Report.objects.count()
    start = time.perf_counter()
    upload = uploads.list_upload_create(file_name=file_name, data=data, uploaded_by=user)
    mapped = time.perf_counter()
    upload = uploads.list_upload_start(upload=upload, moderator=user, in_process=True)
    seconds = time.perf_counter() - start
    again_start = time.perf_counter()
    again = uploads.list_upload_create(file_name=f"copy-{file_name}", data=data, uploaded_by=user)
    again = uploads.list_upload_start(upload=again, moderator=user, in_process=True)
    return {
        "seconds": seconds,
        "read_and_map_seconds": mapped - start,
        "mapping": upload.mapping,
        "counts": upload.counts,
        "problems": len(upload.problems),
        "reports_added": Report.objects.count() - before,
        "again_seconds": time.perf_counter() - again_start,
        "again_counts": again.counts,
    }


# --- The pasted list -------------------------------------------------------------------
def sample_people(n: int, rng: random.Random) -> list[tuple]:
    """About ``n`` random public people: (id, surname, given, patronymic, birth year)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM conscripts_conscript")
        total = cursor.fetchone()[0]
        percent = min(100.0, 100.0 * n * 2 / max(total, 1))
        cursor.execute(
            "SELECT id, surname, given_name, patronymic, birth_year FROM conscripts_conscript "
            "TABLESAMPLE BERNOULLI (%s) REPEATABLE (%s) "
            "WHERE is_public AND merged_into_id IS NULL",
            [percent, rng.randrange(1 << 30)],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    return rows[:n]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def pasted_names(n: int, *, seed: int = 14) -> tuple[str, list[tuple[int | None, bool]]]:
    """(the pasted text, for each line the person it is about (or None) and whether the
    line gives his birth year), as described above."""
    rng = random.Random(seed)
    people = sample_people(n - n // 10, rng)
    lines, expected = [], []
    for i, (pk, surname, given, patronymic, year) in enumerate(people, start=1):
        how = rng.random()
        name = f"{surname} {given} {patronymic}".strip()
        if how < 0.15:
            name = name.upper()
        elif how < 0.3:
            name = f"{_typo(surname, rng)} {given} {patronymic}".strip()
        with_year = bool(year) and rng.random() < 0.5
        if with_year:
            name += f", {year} г.р."
        lines.append(f"{i}. {name}" if rng.random() < 0.5 else name)
        expected.append((pk, with_year))
    for _ in range(n - len(people)):
        lines.append(rng.choice(["Небывалов", "Выдумкин", "Несуществующий"]) + " Аркадий Львович")
        expected.append((None, False))
    order = list(range(len(lines)))
    rng.shuffle(order)
    return "\n".join(lines[i] for i in order), [expected[i] for i in order]


def run_paste(text: str, expected: list[tuple[int | None, bool]], *, user) -> dict:
    from django.test import override_settings

    from sources import lists

    # Matched here, as the worker would.
    with override_settings(LIST_PASTE_SYNC_LINES=10**6, LIST_PASTE_MAX_LINES=10**6):
        start = time.perf_counter()
        pasted = lists.pasted_list_create(text=text, user=user)
        seconds = time.perf_counter() - start
    lines = [line for line in pasted.lines if not line["skip"]]
    pairs = list(zip(lines, expected, strict=True))
    known = [(line, pk, year) for line, (pk, year) in pairs if pk is not None]
    with_year = [(line, pk) for line, pk, year in known if year]

    def best(line) -> int | None:
        return line["candidates"][0]["id"] if line["candidates"] else None

    return {
        "seconds": seconds,
        "lines": len(lines),
        # Without a year, namesakes with the very same full name cannot be told apart:
        # the one meant is among the candidates, and the line's confidence is not «high».
        "meant_among_candidates": sum(
            1 for line, pk, _y in known if pk in {c["id"] for c in line["candidates"]}
        )
        / max(len(known), 1),
        "best_is_right_with_year": sum(1 for line, pk in with_year if best(line) == pk)
        / max(len(with_year), 1),
        "high_and_wrong": sum(
            1 for line, pk, _y in known if line["confidence"] == "high" and best(line) != pk
        ),
        "confidence": {
            c: sum(1 for line in lines if line["confidence"] == c)
            for c in ("high", "medium", "low", "none")
        },
        "confidence_of_names_nobody_has": {
            c: sum(1 for line, (pk, _y) in pairs if pk is None and line["confidence"] == c)
            for c in ("high", "medium", "low", "none")
        },
    }


def bench_user():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core import access

    user = get_user_model().objects.get_or_create(
        username="bench-intake", defaults={"email": "bench-intake@example.invalid"}
    )[0]
    user.groups.add(Group.objects.get_or_create(name=access.MODERATORS)[0])
    return user


# --- The scratch database --------------------------------------------------------------
def create_copy(name: str, template: str, retries: int = 30, pause: float = 10) -> float:
    import psycopg
    from psycopg import sql

    from bench.scratch import admin, drop_database

    drop_database(name)
    start = time.perf_counter()
    statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(template)
    )
    for attempt in range(1, retries + 1):
        try:
            with admin() as conn:
                conn.execute(statement)
            return time.perf_counter() - start
        except psycopg.errors.ObjectInUse:
            if attempt == retries:
                raise SystemExit(f"{template} is in use; try again later") from None
            print(f"{template} in use, retrying in {pause:.0f} s", file=sys.stderr)
            time.sleep(pause)
    raise AssertionError("unreachable")


def database_exists(name: str) -> bool:
    from bench.scratch import admin

    with admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--names", type=int, default=1_000)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--template", default=TEMPLATE)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    print(f"reproduce: {shlex.join(['.venv/bin/python', 'bench/intake.py', *sys.argv[1:]])}")

    from bench.scratch import PG_URL, drop_database

    if args.reuse and database_exists(args.database):
        print(f"reusing {args.database}")
    else:
        seconds = create_copy(args.database, args.template)
        print(f"copied {args.template} to {args.database} in {seconds:.0f} s")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DATABASE_URL"] = f"{PG_URL}/{args.database}"
    os.environ["DEBUG"] = "false"
    os.environ.pop("REDIS_URL", None)  # everything in process
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    media = tempfile.mkdtemp(prefix="bench-intake-")
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM conscripts_conscript")
            people = cursor.fetchone()[0]
        print(f"people on record: {people:,}")
        user = bench_user()

        start = time.perf_counter()
        data = messy_spreadsheet(args.rows, seed=args.seed, fmt=args.format)
        print(
            f"wrote a {args.rows:,}-row {args.format} list ({len(data):,} bytes) in "
            f"{time.perf_counter() - start:.1f} s"
        )
        print(f"load before the spreadsheet: {loadavg()}")
        sheet = run_spreadsheet(data, file_name=f"list.{args.format}", user=user)
        ok = "ok" if sheet["seconds"] <= TARGETS["spreadsheet_s"] else "MISSED"
        print(
            f"spreadsheet: {sheet['seconds']:.1f} s read, mapped and queued "
            f"(target ≤ {TARGETS['spreadsheet_s']:.0f} s: {ok}); of which file and mapping "
            f"{sheet['read_and_map_seconds']:.1f} s; load {loadavg()}"
        )
        print(f"  mapping guessed: {sheet['mapping']}")
        print(f"  counts: {sheet['counts']}; problems listed: {sheet['problems']:,}")
        print(
            f"  the same file again: {sheet['again_seconds']:.1f} s, "
            f"queued {sheet['again_counts']['queued']}, already there "
            f"{sheet['again_counts']['present']}"
        )
        if sheet["again_counts"]["queued"]:
            sys.exit("re-uploading the same file queued reports: not idempotent")

        text, expected = pasted_names(args.names, seed=args.seed)
        print(f"load before the pasted list: {loadavg()}")
        paste = run_paste(text, expected, user=user)
        ok = "ok" if paste["seconds"] <= TARGETS["names_s"] else "MISSED"
        print(
            f"pasted list: {paste['lines']:,} names matched against {people:,} people in "
            f"{paste['seconds']:.1f} s (target ≤ {TARGETS['names_s']:.0f} s: {ok}); "
            f"load {loadavg()}"
        )
        print(
            f"  the person meant is among the candidates: "
            f"{paste['meant_among_candidates']:.3f}; the best match when the line gives "
            f"the birth year: {paste['best_is_right_with_year']:.3f}; «high» but wrong: "
            f"{paste['high_and_wrong']}"
        )
        print(
            f"  confidence: {paste['confidence']}; of the names nobody has: "
            f"{paste['confidence_of_names_nobody_has']}"
        )
    finally:
        connection.close()
        if args.keep:
            print(f"kept {args.database}")
        else:
            drop_database(args.database)
            print(f"dropped {args.database}")


if __name__ == "__main__":
    main()
