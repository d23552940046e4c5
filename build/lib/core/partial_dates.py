"""Dates as people give them: a day, a month, a year, or «around» a day. Plain Python.

A relative knows «seen on a video in January 2025» or «around 20 January»; a status
dated by such a claim must say «since January 2025», not pretend to a day. A partial
date is stored as the first day it can mean (1 January for a year, the 1st for a
month) plus its precision, so that claims still sort by date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

DAY = "day"
MONTH = "month"
YEAR = "year"
ABOUT = "about"  # around a day, give or take a few days
PRECISIONS = (DAY, MONTH, YEAR, ABOUT)

_MONTHS = {
    # Russian stems cover the nominative, genitive and prepositional («январь»,
    # «января», «в январе»); English names and abbreviations; Ukrainian names.
    1: ("январ", "янв", "january", "jan", "січ"),
    2: ("феврал", "фев", "february", "feb", "лют"),
    3: ("март", "мар", "march", "mar", "берез"),
    4: ("апрел", "апр", "april", "apr", "квіт"),
    5: ("мая", "май", "мае", "may", "трав"),
    6: ("июн", "june", "jun", "черв"),
    7: ("июл", "july", "jul", "лип"),
    8: ("август", "авг", "august", "aug", "серп"),
    9: ("сентябр", "сен", "сент", "september", "sep", "sept", "верес"),
    10: ("октябр", "окт", "october", "oct", "жовт"),
    11: ("ноябр", "ноя", "november", "nov", "листопад"),
    12: ("декабр", "дек", "december", "dec", "груд"),
}
_ABOUT_WORDS = re.compile(
    r"^(?:около|примерно|приблизительно|ориентировочно|где-то|~|≈|ок\.|about|around|approx\.?|c\.|circa)\s*",
    re.IGNORECASE,
)
_NOISE = re.compile(r"\s*(?:г\.|года|год|г|р\.|року|рік|р)\s*$", re.IGNORECASE)
_NUMERIC = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[./-](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_WORDS = re.compile(r"^(?:(\d{1,2})\s+)?([^\d\s.,]+)\.?,?\s+(\d{4})$")


class PartialDateError(ValueError):
    """Text that is not a date this module reads."""


@dataclass(frozen=True)
class PartialDate:
    value: date  # the first day the text can mean
    precision: str = DAY

    def __str__(self) -> str:
        if self.precision == YEAR:
            return f"{self.value.year}"
        if self.precision == MONTH:
            return f"{self.value.month:02d}.{self.value.year}"
        prefix = "~" if self.precision == ABOUT else ""
        return f"{prefix}{self.value:%d.%m.%Y}"


def _month(word: str) -> int | None:
    word = word.lower().replace("ё", "е").rstrip(".")
    # The longest stem first: «мар» must not take «марта» from «март» (same month) but
    # «ма» is no stem at all, so «мая» only matches May.
    best = None
    for number, stems in _MONTHS.items():
        for stem in stems:
            if word.startswith(stem) and (best is None or len(stem) > best[1]):
                best = (number, len(stem))
    return best[0] if best else None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 50 else 1900
    return year


def _make(year: int, month: int = 1, day: int = 1, precision: str = DAY) -> PartialDate:
    try:
        return PartialDate(date(year, month, day), precision)
    except ValueError as exc:
        raise PartialDateError(f"not a real date: {exc}") from None


def parse_partial_date(text: str) -> PartialDate | None:
    """«20.01.2025», «2025-01-20», «01.2025», «январь 2025», «в январе 2025 г.»,
    «20 января 2025», «2025», «около 20.01.2025», «~01.2025» → a ``PartialDate``;
    empty text → None; anything else → ``PartialDateError``.
    """
    text = " ".join((text or "").split()).strip(" ,.")
    if not text:
        return None
    about = bool(_ABOUT_WORDS.match(text))
    text = _ABOUT_WORDS.sub("", text)
    text = re.sub(r"^в\s+", "", text, flags=re.IGNORECASE)
    text = _NOISE.sub("", text).strip(" ,.")
    day_precision = ABOUT if about else DAY
    if m := _NUMERIC.match(text):
        day, month, year = int(m[1]), int(m[2]), _year(m[3])
        return _make(year, month, day, day_precision)
    if m := _ISO.match(text):
        if m[3]:
            return _make(int(m[1]), int(m[2]), int(m[3]), day_precision)
        return _make(int(m[1]), int(m[2]), precision=MONTH)
    if m := _MONTH_YEAR.match(text):
        return _make(int(m[2]), int(m[1]), precision=MONTH)
    if m := _YEAR.match(text):
        return _make(int(m[1]), precision=YEAR)
    if m := _WORDS.match(text):
        month = _month(m[2])
        if month is None:
            raise PartialDateError(f"«{m[2]}» is not a month")
        if m[1]:
            return _make(int(m[3]), month, int(m[1]), day_precision)
        return _make(int(m[3]), month, precision=MONTH)
    raise PartialDateError(f"«{text}» is not a date")
