"""Lists of people as volunteers keep them: which column is which, and what each cell
means. Plain Python (no Django), so that it can be tested and benchmarked alone.

``core.tables`` turns a CSV or XLSX file into rows of text; this module

* recognises the columns from their headers in Russian or English (``FIELDS``: «ФИО» or
  «Фамилия»/«Имя»/«Отчество», «Дата рождения» or «Год рождения», «Регион» or «Откуда»,
  «В/ч» or «Часть», «Статус», «Последняя связь», «Контакт», «Ссылка на видео»,
  «Примечание», …);
* reads each row into a ``ListRow``: names cleaned (a whole name typed into the surname
  cell is split, mojibake such as «РџРµС‚СЂРѕРІ» repaired with ftfy), dates with their
  precision (``core.partial_dates``: «07.05.2004», «19.11.05», «2005 г.р.», «янв.04»),
  units («в/ч 12345», «в.ч. 41520»), regions through ``conscripts.geo`` («Брянская обл.,
  Клинцы», «Респ. Башкортостан», «брянская»), statuses through one vocabulary
  (``read_status``: «БВП», «б/в», «нет связи», «плен (по видео)», «вернулся (обмен
  24.08)»), phone numbers (a number Excel destroyed, «7,92E+10», is flagged);
* says what is wrong with each row (``Problem``, by row number); skips blank rows,
  summary rows («Всего: 35 чел.») and titles; re-reads a row shifted by a missing cell;
* folds rows about the same person into one (``fold_duplicates``).

A row with no name is an error and is not queued; every other problem is a warning:
the value is left out (or kept in the note) and a moderator sees why.

Problems carry a code and the offending value; ``Problem.text`` says it in English (for
the command line) and the web pages translate the code.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import ftfy
import phonenumbers

from core import partial_dates, tables
from core.partial_dates import PartialDate, PartialDateError

from . import geo, names

# --- Columns ---------------------------------------------------------------------------
#: Each field a list's column may hold, with the headers that name it (compared after
#: ``tables.normal_header``: case, ё, punctuation and spacing do not matter; a header that
#: starts with a synonym as whole words counts too).
FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("№", "№ п/п", "п/п", "№пп", "nn", "n", "no", "#", "номер", "пп"),
    "full_name": (
        "фио",
        "ф.и.о.",
        "фамилия имя отчество",
        "фамилия, имя, отчество",
        "фамилия и имя",
        "имя и фамилия",
        "военнослужащий",
        "full name",
        "name",
        "person",
    ),
    "surname": ("фамилия", "surname", "last name", "family name"),
    "given_name": ("имя", "given name", "first name", "forename"),
    "patronymic": ("отчество", "patronymic", "middle name"),
    "birth": (
        "дата рождения",
        "год рождения",
        "г.р.",
        "г/р",
        "гр",
        "д.р.",
        "др",
        "рождения",
        "родился",
        "birth date",
        "date of birth",
        "dob",
        "born",
        "year of birth",
        "birth year",
    ),
    "region": (
        "регион",
        "откуда",
        "область",
        "субъект",
        "субъект рф",
        "место жительства",
        "место рождения",
        "адрес",
        "город",
        "населенный пункт",
        "родом",
        "region",
        "home region",
        "from",
        "hometown",
        "home town",
    ),
    "unit": (
        "в/ч",
        "вч",
        "в.ч.",
        "часть",
        "воинская часть",
        "войсковая часть",
        "номер части",
        "unit",
        "military unit",
        "unit number",
    ),
    "status": ("статус", "судьба", "что известно", "состояние", "status", "fate"),
    "last_contact": (
        "последняя связь",
        "дата последней связи",
        "последний раз на связи",
        "последний выход на связь",
        "был на связи",
        "на связи",
        "связь",
        "last contact",
        "last heard",
        "last contact date",
    ),
    "place": (
        "место",
        "где",
        "последнее место",
        "место последней связи",
        "где находился",
        "last known place",
        "place",
        "location",
    ),
    "contact": (
        "контакт",
        "контакты",
        "телефон",
        "тел",
        "контакт родных",
        "контакты родственников",
        "кто ищет",
        "родственники",
        "contact",
        "phone",
        "relative",
    ),
    "video": (
        "ссылка на видео",
        "видео",
        "ссылка",
        "ссылки",
        "источник",
        "video",
        "link",
        "url",
        "source",
    ),
    "note": (
        "примечание",
        "примечания",
        "комментарий",
        "комментарии",
        "доп информация",
        "дополнительно",
        "информация",
        "note",
        "notes",
        "comment",
        "comments",
    ),
}
#: Fields whose cells are free text and never show a row was shifted.
FREE_TEXT = frozenset({"note", "place", "number"})
NAME_FIELDS = ("surname", "given_name", "patronymic")
_INDEX = tables.synonym_index(FIELDS)

BIRTH_YEAR_RANGE = (1940, 2015)  # the record's plausibility check (a database constraint)
NAME_MAX_LENGTH = 100


def guess_mapping(header: Sequence[str]) -> list[str | None]:
    """The field each header cell names, or None (see ``FIELDS``)."""
    return tables.match_header(header, _INDEX)


def find_header(table: tables.Table) -> tables.HeaderGuess:
    """The row that names the list's columns (a title may stand above it)."""
    return tables.find_header(table, _INDEX)


def mapping_problems(mapping: Sequence[str | None]) -> list[str]:
    """Codes of what makes a mapping unusable: no name column, or a field twice."""
    used = [m for m in mapping if m]
    problems = []
    if not ({"full_name", "surname"} & set(used)):
        problems.append("no_name_column")
    if len(used) != len(set(used)):
        problems.append("field_twice")
    return problems


# --- Problems --------------------------------------------------------------------------
ERROR, WARNING = "error", "warning"

#: What each problem code means, in English (``Problem.text``); the web pages translate.
MESSAGES: dict[str, str] = {
    "no_name": "no name: the row is not queued",
    "name_split": "the whole name was in one cell; read as {value}",
    "name_latin": "the name «{value}» is in Latin letters",
    "name_mixed": "the name «{value}» mixes Cyrillic with other letters",
    "name_chars": "the name «{value}» has characters other than letters",
    "name_long": "the name is longer than 100 characters",
    "mojibake_fixed": "garbled text repaired: «{value}»",
    "mojibake": "garbled text that could not be repaired: «{value}»",
    "birth_unreadable": "birth date «{value}» is not a date",
    "birth_range": "birth year in «{value}» is outside 1940–2015",
    "birth_year_only": "birth date «{value}» gives only the year",
    "excel_serial": "«{value}» looks like an Excel date number; read as {extra}",
    "region_unknown": "unknown region «{value}»",
    "unit_format": "unit «{value}» is not a five-digit number (like в/ч 12345)",
    "status_unknown": "unknown status «{value}»",
    "status_uncertain": "the status «{value}» is uncertain",
    "status_several": "«{value}» names several statuses; read as the last one",
    "date_year_assumed": "the date in «{value}» has no year; read as {extra}",
    "date_unreadable": "«{value}» is not a date",
    "date_future": "the date «{value}» is in the future",
    "phone_destroyed": "phone number «{value}» was destroyed by Excel (digits lost)",
    "phone_invalid": "no valid phone number in «{value}»",
    "link_invalid": "«{value}» is not a link",
    "shifted": "the row seems shifted by a missing cell after column {value}; read shifted",
    "duplicate": "the same person as row {value}; folded into one report",
    "duplicate_differs": "row {value} says otherwise: {extra}",
    "row_long": "the row has more cells than the header; the extra ones went to the note",
    "row_unreadable": "the row cannot be read ({value}): it is not queued",
}


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    field: str = ""  # the field at fault, "" for the row
    value: str = ""  # the offending text
    extra: str = ""
    level: str = WARNING

    @property
    def text(self) -> str:
        return MESSAGES.get(self.code, self.code).format(value=self.value, extra=self.extra)

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "field": self.field,
            "value": self.value,
            "extra": self.extra,
            "level": self.level,
        }


# --- A row -----------------------------------------------------------------------------
@dataclass
class ListRow:
    """One row as it will be queued. ``skip`` is "blank", "summary" or "" (a row)."""

    number: int
    skip: str = ""
    surname: str = ""
    given_name: str = ""
    patronymic: str = ""
    birth_date: date | None = None
    birth_year: int | None = None
    region_code: str | None = None
    unit_number: str = ""
    status: str = ""  # missing, captured, dead, returned, or "" when the row says nothing
    evidence_kind: str = ""  # what the status cell says the evidence is ("" = not said)
    event: PartialDate | None = None  # when the claimed status held
    last_contact: PartialDate | None = None
    last_known_place: str = ""
    contact: str = ""  # as typed: moderators only
    phones: list[str] = field(default_factory=list)  # E.164
    video_urls: list[str] = field(default_factory=list)
    note: str = ""
    other: list[tuple[str, str]] = field(default_factory=list)  # (header, value) unmapped
    problems: list[Problem] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # rows folded into this one

    @property
    def is_error(self) -> bool:
        return any(p.level == ERROR for p in self.problems)

    @property
    def queued(self) -> bool:
        return not self.skip and not self.is_error

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def key(self) -> str:
        """Who the row is about: the same person in two rows has the same key (cleaned
        names in lower case and the birth year)."""
        parts = [self.surname, self.given_name, self.patronymic, str(self.birth_year or "")]
        return "|".join(p.lower() for p in parts)

    def key_hash(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()[:16]


def read_rows(
    rows: Iterable[tables.TableRow],
    mapping: Sequence[str | None],
    *,
    header: Sequence[str] = (),
    today: date,
) -> Iterator[ListRow]:
    """Each row after the header, read under ``mapping`` (a field or None per column).

    ``header`` names the unmapped columns in the note; ``today`` is the upload's day (a
    date without a year is the last such day up to it).
    """
    mapping = list(mapping)
    for row in rows:
        yield read_row(row, mapping, header=header, today=today)


_SUMMARY = re.compile(r"^\s*(?:всего|итого|итог|total|сумма|общее количество)\b", re.I)


def read_row(
    row: tables.TableRow,
    mapping: Sequence[str | None],
    *,
    header: Sequence[str] = (),
    today: date,
) -> ListRow:
    result = ListRow(number=row.number, numbers=[row.number])
    if row.error:
        result.problems.append(Problem("row_unreadable", value=row.error, level=ERROR))
        return result
    cells = [c.strip() for c in row.cells]
    filled = [c for c in cells if c]
    if not filled:
        result.skip = "blank"
        return result
    if len(filled) <= 2 and any(_SUMMARY.match(c) for c in filled):
        result.skip = "summary"
        return result
    values = _cells_by_field(cells, mapping, header, result)
    _read_fields(values, result, today)
    if result.status == MISSING and result.event is None and result.last_contact:
        result.event = result.last_contact  # a search request dates from the last contact
    return result


def _cells_by_field(
    cells: list[str], mapping: Sequence[str | None], header: Sequence[str], result: ListRow
) -> dict[str, str]:
    """{field: text} of the row's cells under ``mapping``; cells of no field go to the
    note with their header, cells past the header too."""
    width = len(mapping)
    extra = cells[width:]
    cells = (cells + [""] * width)[:width]
    if any(extra):
        result.problems.append(Problem("row_long"))
        result.other.extend(("", c) for c in extra if c)
    cells = _unshift(cells, mapping, result)
    values: dict[str, str] = {}
    for position, (name, text) in enumerate(zip(mapping, cells, strict=True)):
        if not text:
            continue
        text = _repair(text, name or "", result)
        if name is None:
            label = header[position].strip() if position < len(header) else ""
            result.other.append((label, text))
        elif name != "number":
            values[name] = text
    return values


def _read_fields(values: dict[str, str], result: ListRow, today: date) -> None:
    _read_names(values, result)
    if "birth" in values:
        _read_birth(values["birth"], result)
    if "region" in values:
        _read_region(values["region"], result)
    if "unit" in values:
        _read_unit(values["unit"], result)
    if "last_contact" in values:
        _read_last_contact(values["last_contact"], result, today)
    if "status" in values:
        after = result.last_contact.value if result.last_contact else None
        _read_status_cell(values["status"], result, today, after)
    if "place" in values:
        result.last_known_place = values["place"][:200]
    if "contact" in values:
        _read_contact(values["contact"], result)
    if "video" in values:
        _read_links(values["video"], result)
    result.note = values.get("note", "")


# --- Mojibake --------------------------------------------------------------------------
#: UTF-8 read as cp1251 turns each Cyrillic letter into «Р» or «С» followed by what
#: cp1251 makes of a UTF-8 continuation byte (0x80–0xBF: «џ», «µ», «‚», «Ђ», «ѕ», …),
#: never an ordinary letter а–я: «Смирнов» is not mojibake, «РџРµС‚СЂРѕРІ» is.
_CONTINUATION = "".join(
    bytes([b]).decode("cp1251", errors="ignore") or chr(b) for b in range(0x80, 0xC0)
)
_MOJIBAKE = re.compile("(?:[РС][" + re.escape(_CONTINUATION) + "]){2,}")


def _repair(text: str, name: str, result: ListRow) -> str:
    if "Р" not in text and "С" not in text and "Ð" not in text and "\ufffd" not in text:
        return text
    if _MOJIBAKE.search(text) or "Ð" in text:
        fixed = ftfy.fix_encoding(text)
        if fixed != text and not _MOJIBAKE.search(fixed) and "\ufffd" not in fixed:
            result.problems.append(Problem("mojibake_fixed", name, fixed))
            return fixed
        result.problems.append(Problem("mojibake", name, text))
        return text
    if "\ufffd" in text:
        result.problems.append(Problem("mojibake", name, text))
    return text


# --- Names -----------------------------------------------------------------------------
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[\s'’ʼ`.\-‐‑–—]+[^\W\d_]+)*\.?$")
_PATRONYMIC_END = re.compile(r"(?:ович|евич|ьич|ична|инична|овна|евна|оглы|кызы)$", re.I)


def _read_names(values: dict[str, str], result: ListRow) -> None:
    parts = {n: values.get(n, "") for n in NAME_FIELDS}
    whole = values.get("full_name", "")
    if not whole and len(parts["surname"].split()) >= 2 and not parts["given_name"]:
        whole, parts["surname"] = parts["surname"], ""
        split_from_surname = True
    else:
        split_from_surname = False
    if whole and not parts["surname"]:
        surname, given, patronymic = split_name(whole)
        parts = {
            "surname": surname,
            "given_name": parts["given_name"] or given,
            "patronymic": parts["patronymic"] or patronymic,
        }
        if split_from_surname:
            shown = " / ".join(p for p in (surname, given, patronymic) if p)
            result.problems.append(Problem("name_split", "surname", shown))
    cleaned = {}
    for name, text in parts.items():
        cleaned[name] = _clean_name(text, name, result)
    if not cleaned["surname"]:
        # A lone given name is no one to look for; a row without any name is no report.
        result.problems.append(Problem("no_name", "surname", level=ERROR))
        return
    result.surname = cleaned["surname"]
    result.given_name = cleaned["given_name"]
    result.patronymic = cleaned["patronymic"]


def _clean_name(text: str, name: str, result: ListRow) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    if not _NAME_CHARS.match(text):
        result.problems.append(Problem("name_chars", name, text))
    cleaned = names.clean(text)
    script = names.script_of(cleaned)
    if script == "latin":
        result.problems.append(Problem("name_latin", name, text))
    elif script == "mixed":
        result.problems.append(Problem("name_mixed", name, text))
    if len(cleaned) > NAME_MAX_LENGTH:
        result.problems.append(Problem("name_long", name))
        return cleaned[:NAME_MAX_LENGTH]
    return cleaned


@functools.lru_cache(maxsize=50_000)
def split_name(text: str) -> tuple[str, str, str]:
    """(surname, given name, patronymic) of a whole name in one cell, in the order lists
    write it («Петров Иван Сергеевич») or given name first («Иван Петров»)."""
    words = names.clean(text).split()
    if not words:
        return "", "", ""
    if len(words) == 1:
        return words[0], "", ""
    if len(words) >= 3 and _PATRONYMIC_END.search(words[2]):
        return words[0], words[1], " ".join(words[2:])
    if len(words) >= 3 and _PATRONYMIC_END.search(words[-1]) and len(words) > 3:
        return " ".join(words[:-2]), words[-2], words[-1]
    if len(words) <= 3 and names.script_of(" ".join(words)) == "cyrillic":
        # The order is the question (the words are nominative already): ask which word
        # reads as the given name, and keep the words as written.
        parts = names.to_nominative(words)
        if parts is not None and parts.given_name:
            lowered = [w.lower() for w in words]
            given = parts.given_name.lower()
            position = next((i for i, w in enumerate(lowered) if w[:3] == given[:3]), 1)
            if position == 0 and len(words) == 2:
                return words[1], words[0], ""
            if position == 0 and len(words) == 3:
                return words[2], words[0], words[1]
    return words[0], words[1], " ".join(words[2:])


# --- Dates -----------------------------------------------------------------------------
_BIRTH_NOISE = re.compile(
    r"\s*(?:года?\s+рождения|г\.?\s*р\.?|г/р|гр\.?|г\.?|год(?:а)?|р\.|born|b\.)\s*$", re.I
)
_SHORT_YEAR = re.compile(r"^(\d{2})$")
_MONTH_WORD_YEAR = re.compile(r"^([^\W\d_]{3,})[.\s\-/]*(\d{2}|\d{4})$")
_EXCEL_SERIAL = re.compile(r"^\d{5}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(?::\d{2})?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def read_date(text: str) -> PartialDate | None:
    """A date as lists write it, with its precision, or None if it is not one.

    Beyond ``core.partial_dates``: «19.11.05» (two-digit years), «янв.04» and «Jan-04»
    (Excel's month format), «2004-05-07 00:00:00», «2005 г.р.».
    """
    text = " ".join(text.split()).strip(" ,;")
    text = _BIRTH_NOISE.sub("", text).strip(" ,.")
    if m := _DATETIME.match(text):
        text = m[1]
    if m := _SHORT_YEAR.match(text):
        year = int(m[1])
        year += 2000 if year < 50 else 1900  # «05 г.р.»: born in 2005, «95 г.р.» in 1995
        return PartialDate(date(year, 1, 1), partial_dates.YEAR)
    if m := _MONTH_WORD_YEAR.match(text):
        month = _month(m[1])
        if month is None:
            return None
        year = int(m[2])
        if len(m[2]) == 2:
            year += 2000 if year < 50 else 1900
        try:
            return PartialDate(date(year, month, 1), partial_dates.MONTH)
        except ValueError:
            return None
    try:
        return partial_dates.parse_partial_date(text)
    except PartialDateError:
        return None


def _month(word: str) -> int | None:
    try:
        found = partial_dates.parse_partial_date(f"{word} 2000")
    except PartialDateError:
        return None
    return found.value.month if found else None


def _excel_serial(text: str) -> date | None:
    if _EXCEL_SERIAL.match(text) and 15_000 <= int(text) <= 60_000:
        return _EXCEL_EPOCH + timedelta(days=int(text))
    return None


def _read_birth(text: str, result: ListRow) -> None:
    found = read_date(text)
    if found is None and (serial := _excel_serial(text)) is not None:
        found = PartialDate(serial)
        result.problems.append(Problem("excel_serial", "birth", text, f"{serial:%d.%m.%Y}"))
    if found is None:
        result.problems.append(Problem("birth_unreadable", "birth", text))
        return
    low, high = BIRTH_YEAR_RANGE
    if not low <= found.value.year <= high:
        result.problems.append(Problem("birth_range", "birth", text))
        return
    result.birth_year = found.value.year
    if found.precision == partial_dates.DAY:
        result.birth_date = found.value
    elif found.precision == partial_dates.MONTH:
        # A person's record keeps a full birth date or a year, nothing between.
        result.problems.append(Problem("birth_year_only", "birth", text))


_DAY_MONTH = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?![./]?\d)")
_DATE_IN_TEXT = re.compile(
    r"(?<![\d.])\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})(?![\d])|(?<![\d.])\d{1,2}\s+[^\W\d_]{3,}\.?\s+\d{4}"
    r"|(?<![\d.])\d{1,2}[./]\d{4}(?!\d)"
)


def _year_assumed(day: int, month: int, today: date, after: date | None) -> date | None:
    """The first ``day``.``month`` on or after ``after`` (an exchange after the last
    contact) if that is not in the future, else the last one up to ``today``."""
    if after is not None:
        for year in (after.year, after.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if after <= candidate <= today:
                return candidate
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def date_in_text(
    text: str,
    *,
    today: date,
    field_name: str,
    problems: list[Problem],
    after: date | None = None,
) -> PartialDate | None:
    """The first date in free text («обмен 24.08», «с 12.03.2025»), or None. A day and
    month without a year: see ``_year_assumed`` (flagged)."""
    if m := _DATE_IN_TEXT.search(text):
        found = read_date(m[0])
        if found is not None:
            return found
    if m := _DAY_MONTH.search(text):
        day, month = int(m[1]), int(m[2])
        if 1 <= day <= 31 and 1 <= month <= 12:
            found_day = _year_assumed(day, month, today, after)
            if found_day is not None:
                problems.append(
                    Problem("date_year_assumed", field_name, text, f"{found_day:%d.%m.%Y}")
                )
                return PartialDate(found_day)
    return None


def _read_last_contact(text: str, result: ListRow, today: date) -> None:
    found = read_date(text)
    if found is None and (serial := _excel_serial(text)) is not None:
        found = PartialDate(serial)
        result.problems.append(Problem("excel_serial", "last_contact", text, f"{serial:%d.%m.%Y}"))
    if found is None:
        found = date_in_text(text, today=today, field_name="last_contact", problems=result.problems)
    if found is None:
        result.problems.append(Problem("date_unreadable", "last_contact", text))
        return
    if found.value > today:
        result.problems.append(Problem("date_future", "last_contact", text))
        return
    result.last_contact = found


# --- Regions and units -----------------------------------------------------------------
@functools.lru_cache(maxsize=8192)
def region_code(text: str) -> str | None:
    """The federal subject a place names («Брянская обл., Клинцы», «брянская», «Питер»)."""
    region = geo.resolve_region(text)
    if region is None and ("," in text or ";" in text):
        for part in re.split(r"[,;]", text):
            if part.strip() and (region := geo.resolve_region(part.strip())):
                break
    return region.code if region else None


def _read_region(text: str, result: ListRow) -> None:
    code = region_code(" ".join(text.split()))
    if code is None:
        result.problems.append(Problem("region_unknown", "region", text))
    result.region_code = code


_UNIT = re.compile(
    r"^(?:(?:в\s*[/\\.]?\s*ч\.?|войсковая\s+часть|воинская\s+часть|часть|unit)\s*[-№#:]?\s*)?"
    r"(\d{5})(?:\s*[,(].*)?$",
    re.IGNORECASE,
)


def read_unit(text: str) -> str | None:
    """Five digits from «12345», «в/ч 12345», «в.ч. 41520», «вч12345»; else None."""
    m = _UNIT.match(" ".join(text.split()))
    return m[1] if m else None


def _read_unit(text: str, result: ListRow) -> None:
    number = read_unit(text)
    if number is None:
        result.problems.append(Problem("unit_format", "unit", text))
        return
    result.unit_number = number


# --- Statuses: the one vocabulary -----------------------------------------------------
MISSING, CAPTURED, DEAD, RETURNED = "missing", "captured", "dead", "returned"
STATUSES = (MISSING, CAPTURED, DEAD, RETURNED)
#: Evidence kinds a status cell may name (the values of ``conscripts.models.EvidenceKind``).
PRISONER_VIDEO, EXCHANGE_LIST, DEATH_NOTICE, OFFICIAL = (
    "prisoner_video",
    "exchange_list",
    "death_notice",
    "official",
)

#: Words and phrases of each status, as lists and people write them (lower case, е for ё,
#: punctuation as typed). Matched whole, then as whole words inside a longer cell.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    MISSING: (
        "пропал",
        "пропал без вести",
        "пропавший",
        "пропавший без вести",
        "без вести пропавший",
        "без вести",
        "бвп",
        "б/в",
        "б/п",
        "бп",
        "пбв",
        "нет связи",
        "связи нет",
        "не выходит на связь",
        "не на связи",
        "потерялся",
        "ищем",
        "ищут",
        "в розыске",
        "розыск",
        "неизвестно",
        "судьба неизвестна",
        "missing",
        "mia",
        "missing in action",
        "no contact",
    ),
    CAPTURED: (
        "плен",
        "в плену",
        "пленный",
        "пленен",
        "попал в плен",
        "взят в плен",
        "видео из плена",
        "на видео пленных",
        "captured",
        "prisoner",
        "pow",
        "in captivity",
    ),
    DEAD: (
        "погиб",
        "погибший",
        "убит",
        "умер",
        "похоронен",
        "груз 200",
        "200",
        "двухсотый",
        "dead",
        "killed",
        "kia",
        "died",
    ),
    RETURNED: (
        "вернулся",
        "вернулся из плена",
        "вернулся домой",
        "возвращен",
        "возвращен из плена",
        "обменян",
        "обмен",
        "освобожден",
        "дома",
        "нашелся",
        "найден живым",
        "returned",
        "exchanged",
        "released",
        "home",
    ),
}
#: Words in a status cell that say what the evidence is.
_KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PRISONER_VIDEO, re.compile(r"видео|video|ролик", re.I)),
    (EXCHANGE_LIST, re.compile(r"обмен|exchange", re.I)),
    (DEATH_NOTICE, re.compile(r"извещени|похоронк|notice", re.I)),
    (OFFICIAL, re.compile(r"официальн|минобороны|военкомат|official", re.I)),
)
_UNCERTAIN = re.compile(r"\?|возможно|предположительно|вероятно|не подтвержд|maybe|possibly", re.I)


def _status_key(text: str) -> str:
    text = text.lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w/]+", " ", text).split())


_STATUS_EXACT = {_status_key(w): s for s, words in STATUS_WORDS.items() for w in words}
_STATUS_SEARCH = re.compile(
    r"(?<![\w/])("
    + "|".join(
        re.escape(k) for k in sorted(_STATUS_EXACT, key=len, reverse=True) if not k.isdigit()
    )
    + r")(?![\w/])"
)


@dataclass(frozen=True)
class StatusReading:
    status: str = ""  # one of STATUSES, or "" when the text names none
    kind: str = ""  # an evidence kind the text names ("" when it names none)
    event: PartialDate | None = None
    problems: tuple[Problem, ...] = ()


def read_status(text: str, *, today: date, after: date | None = None) -> StatusReading:
    """What a status cell says: «пропал», «БВП», «б/в», «нет связи», «в плену», «плен (по
    видео)», «погиб», «вернулся (обмен 24.08)», and English words. The one vocabulary of
    statuses for lists (uploads, ``import_conscripts``, pasted lists)."""
    problems: list[Problem] = []
    key = _status_key(text)
    if not key:
        return StatusReading()
    head = _status_key(re.split(r"[(\[]", text, maxsplit=1)[0])
    status = _STATUS_EXACT.get(key) or _STATUS_EXACT.get(head)
    if status is None:
        found = [_STATUS_EXACT[m[1]] for m in _STATUS_SEARCH.finditer(key)]
        if len(set(found)) > 1:
            problems.append(Problem("status_several", "status", text))
        status = found[-1] if found else ""
    if not status:
        return StatusReading(problems=(Problem("status_unknown", "status", text),))
    if _UNCERTAIN.search(text):
        problems.append(Problem("status_uncertain", "status", text))
    kind = next((k for k, pattern in _KIND_WORDS if pattern.search(text)), "")
    event = date_in_text(text, today=today, field_name="status", problems=problems, after=after)
    if event is not None and event.value > today:
        problems.append(Problem("date_future", "status", text))
        event = None
    return StatusReading(status=status, kind=kind, event=event, problems=tuple(problems))


def _read_status_cell(text: str, result: ListRow, today: date, after: date | None) -> None:
    reading = read_status(text, today=today, after=after)
    result.problems.extend(reading.problems)
    result.status = reading.status
    result.evidence_kind = reading.kind
    result.event = reading.event


# --- Contacts and links ----------------------------------------------------------------
_SCIENTIFIC = re.compile(r"\d[,.]\d+\s*[eе]\s*\+?\s*\d+", re.IGNORECASE)
_EMAIL_OR_HANDLE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?<!\w)@\w{4,}")


def _read_contact(text: str, result: ListRow) -> None:
    result.contact = text[:200]
    if _SCIENTIFIC.search(text):
        result.problems.append(Problem("phone_destroyed", "contact", text))
        return
    for match in phonenumbers.PhoneNumberMatcher(text, "RU"):
        result.phones.append(
            phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        )
    if not result.phones and re.search(r"\d{5}", text) and not _EMAIL_OR_HANDLE.search(text):
        result.problems.append(Problem("phone_invalid", "contact", text))


_URL = re.compile(
    r"(?:https?://|www\.|(?<![\w.])(?:t\.me|youtu\.be|youtube\.com|vk\.com|rutube\.ru)/)\S+", re.I
)


def _read_links(text: str, result: ListRow) -> None:
    urls = [u.rstrip(".,;)»\"'") for u in _URL.findall(text)]
    for url in urls:
        if not url.lower().startswith("http"):
            url = f"https://{url}"
        if len(url) <= 500 and url not in result.video_urls:
            result.video_urls.append(url)
    if not urls:
        result.problems.append(Problem("link_invalid", "video", text))


# --- Shifted rows ----------------------------------------------------------------------
def _fits(name: str | None, text: str) -> bool | None:
    """Whether ``text`` looks like a value of field ``name`` (None: anything does)."""
    if not text or name is None or name in FREE_TEXT:
        return None
    if name in ("surname", "given_name", "patronymic", "full_name"):
        return bool(_NAME_CHARS.match(text)) and not _STATUS_EXACT.get(_status_key(text))
    if name == "birth":
        return read_date(text) is not None or _excel_serial(text) is not None
    if name == "last_contact":
        return read_date(text) is not None or bool(_DAY_MONTH.search(text))
    if name == "region":
        return region_code(" ".join(text.split())) is not None
    if name == "unit":
        return read_unit(text) is not None
    if name == "status":
        key = _status_key(text)
        return bool(_STATUS_EXACT.get(key) or _STATUS_SEARCH.search(key))
    if name == "contact":
        return bool(re.search(r"\d{6}|@", text) or _SCIENTIFIC.search(text))
    if name == "video":
        return bool(_URL.search(text))
    return None


def _score(cells: Sequence[str], mapping: Sequence[str | None]) -> int:
    score = 0
    for name, text in zip(mapping, cells, strict=True):
        fits = _fits(name, text)
        if fits is not None:
            score += 1 if fits else -1
    return score


def _unshift(cells: list[str], mapping: Sequence[str | None], result: ListRow) -> list[str]:
    """A row with a cell missing (or one too many) part-way reads every later value in
    the wrong column; if moving them by one makes at least two more cells fit, do so."""
    base = _score(cells, mapping)
    misfits = sum(1 for n, t in zip(mapping, cells, strict=True) if _fits(n, t) is False)
    if misfits < 2:
        return cells
    best, best_score, where = cells, base, -1
    width = len(cells)
    for k in range(1, width):
        missing = [*cells[:k], "", *cells[k : width - 1]]  # a cell left out before k
        if cells[width - 1] == "":
            score = _score(missing, mapping)
            if score > best_score:
                best, best_score, where = missing, score, k
        surplus = [*cells[:k], *cells[k + 1 :], ""]  # one cell too many at k
        score = _score(surplus, mapping)
        if score > best_score:
            best, best_score, where = surplus, score, k
    if best_score >= base + 2:
        result.problems.append(Problem("shifted", "", str(where)))
        return best
    return cells


# --- Duplicates ------------------------------------------------------------------------
_COMPARED = ("birth_date", "region_code", "unit_number", "status")


def fold_duplicates(rows: Iterable[ListRow], seen: dict[str, ListRow] | None = None):
    """Rows about the same person (``ListRow.key``) as one: the first row, completed from
    the later ones; a later row that disagrees is noted. Yields each first row once all
    rows were read; ``seen`` carries the rows of earlier batches of the same file."""
    seen = {} if seen is None else seen
    order: list[ListRow] = []
    for row in rows:
        if not row.queued:
            continue
        first = seen.get(row.key)
        if first is None:
            seen[row.key] = row
            order.append(row)
            continue
        _fold(first, row)
    return order


def _fold(first: ListRow, later: ListRow) -> None:
    first.numbers.append(later.number)
    later.skip = "duplicate"
    later.problems.append(Problem("duplicate", "", str(first.number)))
    differs = []
    for name in _COMPARED:
        mine, theirs = getattr(first, name), getattr(later, name)
        if theirs and not mine:
            setattr(first, name, theirs)
        elif theirs and mine and theirs != mine:
            differs.append(f"{name}: {theirs}")
    for name in ("contact", "note", "last_known_place"):
        mine, theirs = getattr(first, name), getattr(later, name)
        if theirs and theirs != mine:
            setattr(first, name, f"{mine}; {theirs}" if mine else theirs)
    if later.event and not first.event:
        first.event = later.event
    if later.last_contact and not first.last_contact:
        first.last_contact = later.last_contact
    first.phones += [p for p in later.phones if p not in first.phones]
    first.video_urls += [u for u in later.video_urls if u not in first.video_urls]
    if differs:
        first.problems.append(
            Problem("duplicate_differs", "", str(later.number), "; ".join(differs))
        )


# --- Pasted lists ----------------------------------------------------------------------
_LIST_MARK = re.compile(r"^\s*(?:\d{1,4}\s*[.)\-:]|[-•*–—·]|\(\d{1,4}\))\s*")
_WORDS = re.compile(r"[^\W\d_]+")


def pasted_lines(text: str) -> list[tuple[int, str]]:
    """(line number, the line without its list mark «1.», «2)», «—») of each non-empty
    line of a pasted list."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = _LIST_MARK.sub("", line).strip(" \t;,")
        if line:
            lines.append((number, " ".join(line.split())))
    return lines


def looks_like_names(text: str) -> bool:
    """Whether pasted text is a list of names, one a line (else it is prose, such as a
    whole exchange announcement, and its names must be extracted): most lines are two
    to four capitalised words, perhaps with a year or date."""
    lines = [line for _n, line in pasted_lines(text)]
    if not lines:
        return True
    namelike = 0
    prose = re.compile(r"[!?]|\b(?:и|в|на|что|был|были|из|по|для|это)\b", re.I)
    for line in lines:
        words = _WORDS.findall(line)
        capitalised = sum(w[:1].isupper() for w in words)
        if 1 <= len(words) <= 6 and capitalised >= min(2, len(words)) and not prose.search(line):
            namelike += 1
    return namelike >= max(1, 0.6 * len(lines))
