"""Reading spreadsheet lists of people (CSV) for ``manage.py import_conscripts``. Plain Python.

This module reads and validates rows and decides what each row means for the
record (a new person, new evidence for a known person, nothing new, or an
error); the command reads the database and writes through
``conscripts.services.conscripts_bulk_add``.

The file: UTF-8 with or without a BOM, delimiter ``,`` or ``;`` (as Excel
writes CSV in a Russian locale) or a tab, guessed from the header. The header
names the columns in any order: ``surname, given_name, patronymic, birth_date,
region, unit_number, status``; other columns are ignored. Line numbers are
physical lines of the file, the header being line 1.

Identity: two rows, or a row and a person in the record, are the same person
when their cleaned surname, given name and patronymic are equal and so is the
birth year (both may be unknown), unless both have full birth dates that
differ.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from . import geo, names, status_rules

COLUMNS = ("surname", "given_name", "patronymic", "birth_date", "region", "unit_number", "status")
DELIMITERS = (",", ";", "\t")
BIRTH_YEAR_RANGE = (1940, 2015)  # the record's plausibility check (a database constraint)
NAME_MAX_LENGTH = 100

STATUS_WORDS: dict[str, str] = {
    "": status_rules.MISSING,
    "missing": status_rules.MISSING,
    "пропал": status_rules.MISSING,
    "пропал без вести": status_rules.MISSING,
    "пропавший без вести": status_rules.MISSING,
    "без вести пропавший": status_rules.MISSING,
    "captured": status_rules.CAPTURED,
    "в плену": status_rules.CAPTURED,
    "плен": status_rules.CAPTURED,
    "пленный": status_rules.CAPTURED,
    "dead": status_rules.DEAD,
    "погиб": status_rules.DEAD,
    "погибший": status_rules.DEAD,
    "returned": status_rules.RETURNED,
    "вернулся": status_rules.RETURNED,
    "вернулся из плена": status_rules.RETURNED,
    "вернулся домой": status_rules.RETURNED,
}


class ImportFileError(ValueError):
    """The file as a whole cannot be read: encoding, header or CSV syntax."""


@dataclass(frozen=True, slots=True)
class Row:
    """A valid row, cleaned: names in Title case with е for ё."""

    line: int
    surname: str
    given_name: str
    patronymic: str
    birth_date: date | None
    birth_year: int | None
    region_code: str | None  # a geo.Region code
    unit_number: str | None  # five digits
    status: str  # a status_rules status

    @property
    def identity(self) -> tuple[str, str, str, int | None]:
        return (self.surname, self.given_name, self.patronymic, self.birth_year)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class CsvFile:
    delimiter: str
    columns: tuple[str, ...]  # as in the header, lower-cased
    lines: int  # physical lines, for a progress bar
    # (first physical line, fields or the reason the record is unreadable), blank lines skipped
    records: Iterator[tuple[int, list[str] | str]]


# --- The file --------------------------------------------------------------------------
def decode(data: bytes) -> str:
    """The text of a UTF-8 file, without a BOM."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"the file is not UTF-8 (line {line}); save it as «CSV UTF-8» and try again"
        ) from None


def _header_name(text: str) -> str:
    return text.strip().strip("\ufeff").strip().lower()


def sniff_delimiter(header_line: str) -> str:
    """The delimiter under which the header names the most known columns."""
    best, best_hits = ",", -1
    for delimiter in DELIMITERS:
        hits = sum(_header_name(c) in COLUMNS for c in header_line.split(delimiter))
        if hits > best_hits:
            best, best_hits = delimiter, hits
    return best


def open_csv(text: str) -> CsvFile:
    """Parse the header of ``text``; the records are read lazily."""
    header_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(f"line 1: the header is not valid CSV ({exc})") from None
    if not header or not any(h.strip() for h in header):
        raise ImportFileError("the file is empty: expected a header line first")
    columns = tuple(_header_name(h) for h in header)
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise ImportFileError(
            f"the header lacks the column(s) {', '.join(missing)}; expected "
            f"{','.join(COLUMNS)} in any order (found: {','.join(columns)})"
        )
    duplicated = sorted({c for c in columns if c in COLUMNS and columns.count(c) > 1})
    if duplicated:
        raise ImportFileError(f"the header names {', '.join(duplicated)} more than once")
    return CsvFile(
        delimiter=delimiter,
        columns=columns,
        lines=text.count("\n") + (0 if text.endswith("\n") else 1),
        records=_records(reader),
    )


def _records(reader) -> Iterator[tuple[int, list[str] | str]]:
    previous_end = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # That record's error, not the file's: the reader goes on at the next line
            # (a 10 MB cell used to abort the whole import).
            start, previous_end = previous_end + 1, reader.line_num
            yield start, _csv_problem(exc)
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if any(f.strip() for f in fields):  # blank lines and rows of empty cells: skipped
            yield start, fields


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {csv.field_size_limit()} characters"
    return f"not valid CSV ({exc})"


def read_rows(text: str) -> tuple[CsvFile, Iterator[Row | RowError]]:
    """The file's header, and each record as a valid ``Row`` or a ``RowError``."""
    csv_file = open_csv(text)
    index = {c: csv_file.columns.index(c) for c in COLUMNS}
    width = len(csv_file.columns)

    def rows() -> Iterator[Row | RowError]:
        for line, fields in csv_file.records:
            if isinstance(fields, str):
                yield RowError(line, fields)
                continue
            # Excel pads short rows with empty cells at the end; only real data counts.
            extra = fields[width:]
            if len(fields) < width or any(f.strip() for f in extra):
                yield RowError(
                    line, f"expected {width} fields as in the header, found {len(fields)}"
                )
                continue
            yield parse_row(line, {c: fields[i] for c, i in index.items()})

    return csv_file, rows()


# --- A row ----------------------------------------------------------------------------
def parse_row(line: int, values: Mapping[str, str]) -> Row | RowError:
    """Validate and clean one record given as {column: text}."""
    problems: list[str] = []

    def check(value, problem: str | None):
        if problem:
            problems.append(problem)
        return value

    surname = check(*clean_name(values["surname"], "surname", required=True))
    given_name = check(*clean_name(values["given_name"], "given name", required=True))
    patronymic = check(*clean_name(values["patronymic"], "patronymic", required=False))
    birth_date, birth_year = check(*parse_birth(values["birth_date"]))
    region_code = check(*parse_region(values["region"]))
    unit_number = check(*parse_unit(values["unit_number"]))
    status = check(*parse_status(values["status"]))
    if problems:
        return RowError(line, "; ".join(problems))
    return Row(
        line=line,
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        birth_date=birth_date,
        birth_year=birth_year,
        region_code=region_code,
        unit_number=unit_number,
        status=status,
    )


_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[\s'’ʼ`\-‐‑–—]+[^\W\d_]+)*$")


def clean_name(text: str, what: str, *, required: bool) -> tuple[str, str | None]:
    """(cleaned name, problem or None). Cyrillic letters, spaces and hyphens only."""
    text = " ".join(text.split())
    if not text:
        return "", f"{what} is empty" if required else None
    if not _NAME_CHARS.match(text):
        return "", f"{what} «{text}» has characters other than letters, spaces and hyphens"
    cleaned = names.clean(text)  # Title case, ё → е, look-alike Latin letters repaired
    script = names.script_of(cleaned)
    if script == "latin":
        return "", f"{what} «{text}» is in Latin letters: only Cyrillic names are imported"
    if script != "cyrillic":
        return "", f"{what} «{text}» mixes Cyrillic with other letters"
    if len(cleaned) > NAME_MAX_LENGTH:
        return "", f"{what} is longer than {NAME_MAX_LENGTH} characters"
    return cleaned, None


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_RU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_birth(text: str) -> tuple[tuple[date | None, int | None], str | None]:
    """((birth date, birth year), problem): ``YYYY-MM-DD``, ``DD.MM.YYYY``, a year or empty."""
    text = text.strip()
    if not text:
        return (None, None), None
    birth_date = None
    if m := _YEAR.match(text):
        year = int(m[1])
    else:
        if m := _ISO_DATE.match(text):
            y, mo, d = m[1], m[2], m[3]
        elif m := _RU_DATE.match(text):
            d, mo, y = m[1], m[2], m[3]
        else:
            return (None, None), (
                f"birth date «{text}» is not YYYY-MM-DD, DD.MM.YYYY or a four-digit year"
            )
        try:
            birth_date = date(int(y), int(mo), int(d))
        except ValueError:
            return (None, None), f"birth date «{text}» is not a real date"
        year = birth_date.year
    low, high = BIRTH_YEAR_RANGE
    if not low <= year <= high:
        return (None, None), f"birth year {year} is outside {low}–{high}"
    return (birth_date, year), None


@lru_cache(maxsize=4096)
def _region(text: str) -> geo.Region | None:
    return geo.resolve_region(text)


def parse_region(text: str) -> tuple[str | None, str | None]:
    """(region code, problem): a region's name or alias, or a known city; empty is fine."""
    text = " ".join(text.split())
    if not text:
        return None, None
    region = _region(text)
    if region is None:
        return None, f"unknown region «{text}» (a region, its alias or a known city)"
    return region.code, None


_UNIT = re.compile(
    r"^(?:(?:в\s*/\s*ч|в\.?\s*ч\.?|войсковая\s+часть)\s*[-№#]?\s*)?(\d{5})$", re.IGNORECASE
)


def parse_unit(text: str) -> tuple[str | None, str | None]:
    """(five digits, problem): «12345», «в/ч 12345», «в/ч №12345»; empty is fine."""
    text = " ".join(text.split())
    if not text:
        return None, None
    if m := _UNIT.match(text):
        return m[1], None
    return None, f"unit «{text}» is not a five-digit number (like 12345 or в/ч 12345)"


def parse_status(text: str) -> tuple[str, str | None]:
    """(status, problem): English or Russian words; empty means missing."""
    key = " ".join(text.replace("ё", "е").replace("Ё", "Е").lower().split()).strip(".!")
    if key in STATUS_WORDS:
        return STATUS_WORDS[key], None
    return "", (
        f"unknown status «{text.strip()}» (missing, captured, dead, returned; "
        "пропал без вести, в плену, погиб, вернулся)"
    )


# --- What each row means -------------------------------------------------------------
@dataclass
class Known:
    """A person already in the record, or created earlier in the same batch."""

    ref: object  # a primary key, or a NewPerson
    birth_date: date | None
    claims: set[str] = field(default_factory=set)  # statuses claimed by this source


@dataclass
class NewPerson:
    row: Row  # the row that creates them


@dataclass(frozen=True)
class Decision:
    row: Row
    action: str  # "create", "add" (evidence for a known person), "present" or "error"
    person: object = None  # primary key or NewPerson ("create", "add")
    reason: str = ""  # for "error"


def plan(rows: Sequence[Row], known: dict[tuple, list[Known]]) -> list[Decision]:
    """What to do with each row, given the people already known by identity.

    ``known`` maps ``Row.identity`` to people in the record with those names and
    birth year; each ``Known.claims`` holds the statuses that the importing
    source already claimed for them. A row about a known person adds evidence unless
    the same source already claimed the same status; a row matching two people
    that cannot be told apart is an error. ``known`` is extended in place with
    the people the rows create, so that repeated rows are recognised.
    """
    decisions = []
    for row in rows:
        candidates = [
            k
            for k in known.get(row.identity, ())
            if row.birth_date is None or k.birth_date is None or k.birth_date == row.birth_date
        ]
        if len(candidates) > 1:
            # Prefer the one with this exact date, then the one this source already
            # named with this status (the person an earlier import attached the row to).
            for narrower in (
                [k for k in candidates if row.birth_date and k.birth_date == row.birth_date],
                [k for k in candidates if row.status in k.claims],
            ):
                if len(narrower) == 1:
                    candidates = narrower
                    break
        if len(candidates) > 1:
            decisions.append(
                Decision(
                    row,
                    "error",
                    reason=f"matches {len(candidates)} people already in the record; "
                    "give the full birth date to tell them apart",
                )
            )
        elif candidates:
            person = candidates[0]
            if row.status in person.claims:
                decisions.append(Decision(row, "present", person.ref))
            else:
                person.claims.add(row.status)
                decisions.append(Decision(row, "add", person.ref))
        else:
            new = NewPerson(row)
            known.setdefault(row.identity, []).append(
                Known(ref=new, birth_date=row.birth_date, claims={row.status})
            )
            decisions.append(Decision(row, "create", new))
    return decisions
