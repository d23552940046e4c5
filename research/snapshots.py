"""What a published snapshot holds, and its file: counting, writing, comparing, reading.

``research.services.figures_snapshot_write`` runs ``write_snapshot_file`` once per
snapshot. One pass over the public people, in id order, writes the CSV (the public fields
only, ``research.selectors.export_columns``) and counts the very rows it writes, so the
counts and the file cannot disagree. The same pass walks the previous snapshot's file (in
id order too) beside it, and names what changed: records added, records no longer
public, statuses changed, other public fields corrected.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conscripts.models import Conscript, Status

from . import exports, selectors

#: Rows fetched per round trip.
CHUNK = 2000
#: Records named per kind of change; beyond it, counts only.
EXAMPLES = 200
#: The columns a record is compared on (besides its status) to say it was corrected.
COMPARED = ("surname", "given_name", "patronymic", "birth_date", "birth_year", "region_code",
            "unit_number", "unit_name")  # fmt: skip
NO_REGION = ""
#: Counts of people without a unit are kept under this key of ``by_unit``.
NO_UNIT = ""


@dataclass
class Tally:
    """Counts by status, region and unit, kept while the file is written."""

    by_status: dict[str, int] = field(default_factory=dict)
    regions: dict[str, dict] = field(default_factory=dict)
    units: dict[str, dict] = field(default_factory=dict)
    total: int = 0

    def add(self, row: dict, unit_id: int | None) -> None:
        status = row["status"]
        self.total += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        code = row["region_code"] or NO_REGION
        region = self.regions.setdefault(
            code,
            {"code": code, "name_ru": row["region"] or "", "n": 0, "by_status": {}},
        )
        region["n"] += 1
        region["by_status"][status] = region["by_status"].get(status, 0) + 1
        key = str(unit_id) if unit_id else NO_UNIT
        unit = self.units.setdefault(
            key,
            {
                "id": unit_id,
                "number": row["unit_number"] or "",
                "name": row["unit_name"] or "",
                "n": 0,
                "by_status": {},
            },
        )
        unit["n"] += 1
        unit["by_status"][status] = unit["by_status"].get(status, 0) + 1

    def as_data(self, region_names_en: dict[str, str]) -> dict:
        regions = sorted(self.regions.values(), key=lambda r: (-r["n"], r["name_ru"]))
        for region in regions:
            region["name_en"] = region_names_en.get(region["code"], "")
        units = sorted(self.units.values(), key=lambda u: (-u["n"], u["number"], u["name"]))
        return {
            "total": self.total,
            "by_status": [{"status": s, "n": self.by_status.get(s, 0)} for s in Status.values],
            "by_region": regions,
            "by_unit": units,
        }


@dataclass
class Changes:
    """What changed since the previous snapshot, record by record."""

    previous_rows: int = 0
    added: int = 0
    removed: int = 0
    status_changed: int = 0
    corrected: int = 0
    examples: dict[str, list] = field(
        default_factory=lambda: {"added": [], "status_changed": [], "corrected": []}
    )

    def note(self, kind: str, row: dict, **extra) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples[kind]) < EXAMPLES:
            name = " ".join(p for p in (row["surname"], row["given_name"], row["patronymic"]) if p)
            self.examples[kind].append({"id": int(row["id"]), "name": name, **extra})

    def as_data(self) -> dict:
        # A record no longer public may have been hidden at a family's request: it is
        # counted, never named.
        return {
            "previous_rows": self.previous_rows,
            "added": self.added,
            "removed": self.removed,
            "status_changed": self.status_changed,
            "corrected": self.corrected,
            "examples": self.examples,
        }


def _text(value) -> str:
    """A cell as the file holds it (escaped as every export is)."""
    return exports.escape_cell(value)


def read_rows(path: Path) -> Iterator[dict]:
    """The rows of a snapshot file as dicts of text (the BOM skipped)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _public_rows(url_for) -> Iterator[tuple[dict, int | None]]:
    """(export row, unit id) of every public person, in id order, from one query."""
    fields = selectors.person_fields(as_moderator=False)
    sources = [f.source for f in fields]
    values = Conscript.objects.public().order_by("pk").values(*sources, "unit_id")
    for row in values.iterator(chunk_size=CHUNK):
        # As research.selectors.export_rows makes them, with the unit's id kept aside.
        out = {f.name: row[f.source] for f in fields}
        out["url"] = url_for(row["id"])
        yield out, row["unit_id"]


def _compare(
    current: Iterable[tuple[dict, int | None]], previous: Iterator[dict] | None, changes: Changes
) -> Iterator[tuple[dict, int | None]]:
    """Pass the current rows through, merging them with the previous file's (both in id
    order) to note what changed."""
    old = next(previous, None) if previous is not None else None

    def advance():
        nonlocal old
        changes.previous_rows += 1
        old = next(previous, None)

    for row, unit_id in current:
        pk = row["id"]
        while old is not None and int(old["id"]) < pk:
            changes.removed += 1
            advance()
        if previous is not None:
            if old is None or int(old["id"]) > pk:
                changes.note("added", {k: _text(v) for k, v in row.items()}, status=row["status"])
            else:
                text = {k: _text(v) for k, v in row.items()}
                if old["status"] != text["status"]:
                    changes.note("status_changed", text, was=old["status"], now=text["status"])
                elif any(old.get(c, "") != text[c] for c in COMPARED):
                    changes.note("corrected", text)
                advance()
        yield row, unit_id
    while old is not None:
        changes.removed += 1
        advance()


class _HashingWriter(io.TextIOBase):
    """Writes text to a binary file as UTF-8 and hashes it on the way."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.handle.write(data)
        return len(text)


@dataclass
class Written:
    tally: Tally
    changes: Changes | None
    rows: int
    sha256: str


def write_snapshot_file(*, path: Path, previous_path: Path | None, url_for) -> Written:
    """Write the public records into ``path`` and count them; compare with the previous
    snapshot's file when there is one (``previous_path`` None: no previous snapshot, or
    its file is gone, and then only the counts can be compared)."""
    tally = Tally()
    changes = Changes() if previous_path is not None else None
    previous = read_rows(previous_path) if previous_path is not None else None
    columns = selectors.export_columns(as_moderator=False)

    def counted() -> Iterator[dict]:
        for row, unit_id in _compare(_public_rows(url_for), previous, changes or Changes()):
            tally.add(row, unit_id)
            yield row

    with open(path, "wb") as handle:
        out = _HashingWriter(handle)
        rows = sum(exports.write_csv(counted(), out, columns=columns))
    return Written(tally=tally, changes=changes, rows=rows, sha256=out.digest.hexdigest())


# --- Reading a published file --------------------------------------------------------------
@dataclass(frozen=True)
class RecordFilter:
    """Which rows of a snapshot's file a download keeps: the records behind one count."""

    status: str = ""
    region: str = ""  # a region code; NO_REGION_PARAM for people without one
    unit: str = ""  # a unit's number, or its name when it has none; NO_UNIT_PARAM for none

    NO_REGION_PARAM = "-"
    NO_UNIT_PARAM = "-"

    @property
    def is_empty(self) -> bool:
        return not (self.status or self.region or self.unit)

    def keeps(self, row: dict) -> bool:
        if self.status and row["status"] != self.status:
            return False
        if self.region:
            wanted = "" if self.region == self.NO_REGION_PARAM else self.region
            if row["region_code"] != wanted:
                return False
        if self.unit:
            number, name = row["unit_number"], row["unit_name"]
            if self.unit == self.NO_UNIT_PARAM:
                return not (number or name)
            # A unit is named by its number, or by its name when it has no number.
            if self.unit.isdigit():
                return number == self.unit
            return not number and name == self.unit
        return True

    def suffix(self) -> str:
        """For the file's name: the filter's parts in ASCII letters, digits and dashes only
        (a unit's name goes into a header)."""
        parts = [re.sub(r"[^A-Za-z0-9]+", "", p) for p in (self.status, self.region, self.unit)]
        parts = [p for p in parts if p]
        return "-" + "-".join(parts) if parts else ""


def filtered_lines(path: Path, *, keep: RecordFilter, withdrawn: set[int]) -> Iterator[str]:
    """The file's lines (BOM, header, rows) that ``keep`` keeps, leaving out records
    withdrawn from the public since (hidden at a family's request). Cells are written as
    the file holds them: already escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        yield exports.BOM + line(header)
        index = {name: i for i, name in enumerate(header)}
        batch: list[str] = []
        for cells in reader:
            row = {name: cells[i] for name, i in index.items()}
            if int(row["id"]) in withdrawn or not keep.keeps(row):
                continue
            batch.append(line(cells))
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)
