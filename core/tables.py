"""Tables as people send them: CSV in any common encoding and delimiter, or XLSX. Plain
Python (no Django), so that it can be tested and benchmarked alone.

``read_table(data)`` returns every row of the file as text, numbered as a spreadsheet
numbers its rows (the first row is 1; a blank row keeps its number; a quoted cell with a
line break inside stays one row), whatever the format:

* CSV: the encoding is taken from a BOM, else UTF-8 if the bytes are UTF-8, else guessed
  by charset-normalizer among the encodings Russian lists come in (cp1251 from Excel in a
  Russian locale, KOI8-R, cp866, UTF-16). The delimiter (``;`` from a Russian Excel,
  ``,``, tab or ``|``) is detected by clevercsv on the first lines.
* XLSX (read by openpyxl): each cell becomes the text Excel shows in a Russian locale,
  so that one set of cell readers serves both formats. A date keeps what its number
  format shows: «07.05.2004», or «янв.04» when Excel turned a typed «01.2004» into a
  date; a number in scientific format stays «7,92E+10» (its lost digits are not
  invented).

``match_header`` maps header cells to fields through synonyms, and ``find_header`` picks
the header row among the first rows (a list may open with a title).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

import charset_normalizer

#: Encodings a Russian list is saved in, besides UTF-8 (which is tried first).
ENCODINGS = ("cp1251", "koi8_r", "cp866", "mac_cyrillic", "utf_16")
DELIMITERS = (";", ",", "\t", "|")
#: How much of a CSV file the encoding and delimiter are guessed from.
SAMPLE_BYTES = 200_000
SAMPLE_CHARS = 64_000
#: How many leading rows may hold a title above the header.
HEADER_SEARCH_ROWS = 15
_XLSX_MAGIC = b"PK\x03\x04"
#: The cell separator when a file has one column (nothing detected): never in text.
_NO_DELIMITER = "\x1f"
MONTHS_RU_SHORT = (
    "янв",
    "фев",
    "мар",
    "апр",
    "май",
    "июн",
    "июл",
    "авг",
    "сен",
    "окт",
    "ноя",
    "дек",
)


class TableError(ValueError):
    """The file as a whole cannot be read as a table."""


@dataclass(frozen=True, slots=True)
class TableRow:
    number: int  # as a spreadsheet shows it: the first row is 1
    cells: tuple[str, ...]
    #: Why the row could not be read (a cell over the CSV reader's limit); the other rows
    #: are read all the same.
    error: str = ""

    @property
    def is_blank(self) -> bool:
        return not self.error and not any(c.strip() for c in self.cells)


@dataclass
class Table:
    rows: list[TableRow]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""  # CSV only
    delimiter: str = ""  # CSV only; "" when the file has one column
    sheet: str = ""  # XLSX only
    notes: list[str] = field(default_factory=list)  # how it was read, for the reader

    @property
    def width(self) -> int:
        return max((len(r.cells) for r in self.rows), default=0)


def read_table(data: bytes, *, max_rows: int | None = None) -> Table:
    """Every row of a CSV or XLSX file as text (see the module docstring).

    ``max_rows`` stops after that many rows (a preview). Raises ``TableError`` when the
    bytes are neither.
    """
    if not data:
        raise TableError("the file is empty")
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data, max_rows=max_rows)
    text, encoding = decode(data)
    return _read_csv(text, encoding=encoding, max_rows=max_rows)


# --- CSV -------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise TableError(f"the file starts like {encoding} but is not ({exc})") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:1000]:
        raise TableError("the file is not text: save it as CSV or XLSX")
    guess = charset_normalizer.from_bytes(data[:SAMPLE_BYTES], cp_isolation=list(ENCODINGS)).best()
    if guess is None:
        raise TableError("the file's encoding is none of UTF-8, cp1251, KOI8-R or cp866")
    try:
        return data.decode(guess.encoding), guess.encoding
    except UnicodeDecodeError as exc:  # the sample fitted, a later byte does not
        raise TableError(f"the file is not {guess.encoding} throughout ({exc})") from None


def detect_delimiter(text: str) -> str:
    """The delimiter of CSV ``text``, or "" when its rows have a single cell."""
    import clevercsv  # imported here: ~0.1 s, and XLSX files never need it

    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    try:
        dialect = clevercsv.Detector().detect(sample, delimiters=list(DELIMITERS))
    except Exception:
        dialect = None
    if dialect is not None and dialect.delimiter in DELIMITERS:
        return dialect.delimiter
    # Fallback: the delimiter whose count per line is the most regular.
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = "", 0
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        if not counts or max(counts) == 0:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) * (mode > 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(text: str, *, encoding: str, max_rows: int | None) -> Table:
    text = text.replace("\x00", "")
    delimiter = detect_delimiter(text)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter or _NO_DELIMITER, strict=False
    )
    rows: list[TableRow] = []
    while max_rows is None or len(rows) < max_rows:
        number = len(rows) + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # This row only (a 10 MB cell, say): the reader goes on with the next line.
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a cell is longer than {csv.field_size_limit()} characters"
            rows.append(TableRow(number, (), error=reason))
            continue
        rows.append(TableRow(number, tuple(cells)))
    return Table(rows=rows, kind="csv", encoding=encoding, delimiter=delimiter)


# --- XLSX ------------------------------------------------------------------------------
def _read_xlsx(data: bytes, *, max_rows: int | None) -> Table:
    import openpyxl  # imported here: CSV files never need it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(f"not a readable XLSX file ({exc})") from None
    try:
        sheets = [s for s in book.worksheets if hasattr(s, "iter_rows")]
        if not sheets:
            raise TableError("the workbook has no sheet")
        sheet = sheets[0]
        notes = []
        if len(sheets) > 1:
            notes.append(
                f"the first sheet «{sheet.title}» was read, not the other {len(sheets) - 1}"
            )
        rows = []
        start = sheet.min_row or 1
        for number, cells in enumerate(sheet.iter_rows(), start=start):
            if max_rows is not None and number > max_rows:
                break
            rows.append(TableRow(number, tuple(cell_text(c.value, _format(c)) for c in cells)))
    finally:
        book.close()
    # Rows of empty cells at the end (formatting only) are no rows of the list.
    while rows and rows[-1].is_blank:
        rows.pop()
    return Table(rows=rows, kind="xlsx", sheet=sheet.title, notes=notes)


def _format(cell) -> str:
    return getattr(cell, "number_format", "") or ""


_SCIENTIFIC = re.compile(r"E[+-]", re.IGNORECASE)
_DECIMALS = re.compile(r"0\.(0+)E", re.IGNORECASE)
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def cell_text(value, number_format: str = "") -> str:
    """The text Excel shows for a cell's value in a Russian locale (see the module doc)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ИСТИНА" if value else "ЛОЖЬ"
    if isinstance(value, datetime | date):
        return _date_text(value, number_format)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, int | float):
        if _SCIENTIFIC.search(number_format):
            decimals = _DECIMALS.search(number_format)
            mantissa, exponent = f"{value:.{len(decimals[1]) if decimals else 2}E}".split("E")
            return f"{mantissa.replace('.', ',')}E{int(exponent):+03d}"
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value)).replace(".", ",")
    return str(value)


def _date_text(value: date | datetime, number_format: str) -> str:
    fmt = _FORMAT_LITERALS.sub("", number_format).lower()
    has_day = "d" in fmt
    has_month = "m" in fmt.replace("mm:", "").replace(":mm", "")
    has_year = "y" in fmt
    day = value if isinstance(value, date) else value.date()
    if has_year and has_month and not has_day:
        # «mmm.yy»: what Excel made of a typed «01.2004» (the 1st is its own).
        if "mmm" in fmt:
            year = f"{day.year % 100:02d}" if "yyy" not in fmt else f"{day.year}"
            return f"{MONTHS_RU_SHORT[day.month - 1]}.{year}"
        return f"{day.month:02d}.{day.year}"
    if has_year and not has_month and not has_day:
        return str(day.year)
    text = f"{day:%d.%m.%Y}"
    if isinstance(value, datetime) and ("h" in fmt or "s" in fmt) and value.time() != time():
        text += f" {value:%H:%M}"
    return text


# --- Headers ---------------------------------------------------------------------------
_NOT_HEADER_CHAR = re.compile(r"[^\w№#]+")


def normal_header(text: str) -> str:
    """A header cell reduced for comparison: lower case, е for ё, words of letters,
    digits, № and # only («В/ч» → «в ч», «Дата рождения (дд.мм.гггг)» → «дата рождения
    дд мм гггг»)."""
    text = text.replace("\ufeff", "").lower().replace("ё", "е")
    return " ".join(_NOT_HEADER_CHAR.sub(" ", text).replace("_", " ").split())


def synonym_index(synonyms: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(normalised synonym, field), longest first: built once per vocabulary."""
    pairs = {(normal_header(s), name) for name, words in synonyms.items() for s in words}
    return sorted((p for p in pairs if p[0]), key=lambda p: (-len(p[0]), p[0]))


def match_cell(text: str, index: Sequence[tuple[str, str]]) -> str | None:
    """The field a header cell names: a synonym equal to it, else the longest synonym it
    starts with as whole words («Дата рождения (дд.мм.гггг)» is «дата рождения»)."""
    header = normal_header(text)
    if not header:
        return None
    for synonym, name in index:
        if header == synonym:
            return name
    for synonym, name in index:
        if header.startswith(synonym + " "):
            return name
    return None


def match_header(cells: Iterable[str], index: Sequence[tuple[str, str]]) -> list[str | None]:
    """The field of each header cell, or None; a field named twice keeps its first column."""
    mapping: list[str | None] = []
    for text in cells:
        name = match_cell(text, index)
        mapping.append(None if name in mapping else name)
    return mapping


@dataclass(frozen=True)
class HeaderGuess:
    index: int  # position of the header in ``Table.rows``; -1 when none was found
    mapping: list[str | None]

    @property
    def found(self) -> bool:
        return self.index >= 0


def find_header(table: Table, index: Sequence[tuple[str, str]], *, least: int = 2) -> HeaderGuess:
    """The first row among the first ``HEADER_SEARCH_ROWS`` that names the most fields
    (at least ``least``; one for a one-column file)."""
    best = HeaderGuess(-1, [])
    best_hits = 0
    need = 1 if table.width <= 1 else least
    for position, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        mapping = match_header(row.cells, index)
        hits = sum(1 for m in mapping if m)
        if hits >= need and hits > best_hits:
            best, best_hits = HeaderGuess(position, mapping), hits
    return best
