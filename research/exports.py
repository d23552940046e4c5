"""CSV and JSON writers for exports. Plain Python: rows in, text out.

Rows are dicts keyed by column; the columns come from the one public-field list
(``research.selectors.export_columns``) and ``research.services.export_run`` builds
the rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO

from core.cells import safe_cell

BOM = "\ufeff"


def escape_cell(value) -> str:
    """The cell as text; one a spreadsheet would run as a formula (even after spaces,
    invisible characters or a full-width «＝») is neutralised with «'» (core.cells)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.isoformat() if isinstance(value, date) else str(value)
    return safe_cell(text)


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


def served_lines(path, *, fmt: str, withdrawn: set[int]) -> Iterator[str]:
    """An export file as it is served: every row but those of ``withdrawn`` people
    (hidden at a family's request since the file was written). Cells come out as the
    file holds them, already escaped."""
    return (_served_json if fmt == "json" else _served_csv)(path, withdrawn)


def _batched(lines: Iterable[str], size: int = 500) -> Iterator[str]:
    batch: list[str] = []
    for text in lines:
        batch.append(text)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _served_csv(path, withdrawn: set[int]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        yield BOM + line(header)
        at = header.index("id")
        yield from _batched(line(cells) for cells in reader if int(cells[at]) not in withdrawn)


def _served_json(path, withdrawn: set[int]) -> Iterator[str]:
    # write_json puts each record on a line of its own, a comma after all but the last.
    def records() -> Iterator[str]:
        first = True
        with open(path, encoding="utf-8") as handle:
            for raw in handle:
                text = raw.strip().removeprefix(",").removesuffix(",")
                if not text.startswith("{"):
                    continue
                if json.loads(text)["id"] in withdrawn:
                    continue
                yield ("\n" if first else ",\n") + text
                first = False

    yield "["
    yield from _batched(records())
    yield "\n]\n"
