"""CSV and JSON writers for exports. Plain Python: rows in, text out.

Rows are dicts shaped by ``PUBLIC_COLUMNS`` (plus ``is_public`` for moderators),
built by ``export_rows`` from ``values()`` dicts of ``research.PUBLIC_VALUES``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO

#: Columns every export has: what a public page shows, nothing more.
PUBLIC_COLUMNS = [
    "id",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "region_code",
    "region",
    "unit_number",
    "unit_name",
    "draft_season",
    "draft_year",
    "last_contact_date",
    "last_known_place",
    "status",
    "status_since",
    "disputed",
    "url",
]
#: Moderators may see hidden people; the column says which rows are hidden.
MODERATOR_COLUMNS = [*PUBLIC_COLUMNS, "is_public"]

BOM = "\ufeff"
#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def columns_for(*, as_moderator: bool) -> list[str]:
    return MODERATOR_COLUMNS if as_moderator else PUBLIC_COLUMNS


def escape_cell(value) -> str:
    """The cell as text; a leading formula character is neutralised with «'»."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_row(values: dict, *, as_moderator: bool, url_for: Callable[[int], str]) -> dict:
    """One export row from a ``values()`` dict of ``research.PUBLIC_VALUES``."""
    row = {
        "id": values["pk"],
        "surname": values["surname"],
        "given_name": values["given_name"],
        "patronymic": values["patronymic"],
        "birth_date": values["birth_date"],
        "birth_year": values["birth_year"],
        "region_code": values["home_region__code"],
        "region": values["home_region__name_ru"],
        "unit_number": values["unit__number"],
        "unit_name": values["unit__name"],
        "draft_season": values["draft_season"],
        "draft_year": values["draft_year"],
        "last_contact_date": values["last_contact_date"],
        "last_known_place": values["last_known_place"],
        "status": values["status"],
        "status_since": values["status_since"],
        "disputed": values["is_disputed"],
        "url": url_for(values["pk"]),
    }
    if as_moderator:
        row["is_public"] = values["is_public"]
    return row


def write_csv(rows: Iterable[dict], out: IO[str], *, columns: list[str]) -> Iterator[int]:
    """Write UTF-8 CSV with a BOM (so spreadsheets read Cyrillic); yield after each row."""
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([escape_cell(row.get(c)) for c in columns])
        yield 1


def write_json(rows: Iterable[dict], out: IO[str], *, columns: list[str]) -> Iterator[int]:
    """Write a JSON array of objects, one per line; yield after each row."""
    out.write("[")
    first = True
    for row in rows:
        record = {c: _json_value(row.get(c)) for c in columns}
        out.write("\n" if first else ",\n")
        out.write(json.dumps(record, ensure_ascii=False))
        first = False
        yield 1
    out.write("\n]\n")


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


WRITERS = {"csv": write_csv, "json": write_json}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
