"""Cells of the CSV and XLSX files we write, safe to open in a spreadsheet. Plain Python.

A spreadsheet runs a cell that starts with «=», «+», «-» or «@» as a formula (CSV
injection: ``=HYPERLINK(…)`` sends what the sheet holds elsewhere). They also run it
when the formula character comes after what they skip or fold first: spaces, a
no-break space, a line feed or carriage return, a zero-width space or joiner, a byte
order mark, and the full-width «＝＋－＠» (folded to ASCII, as NFKC does). So the first
character that is none of those decides, and a cell that would run gets a leading
apostrophe, which spreadsheets read as «this is text» and do not show.

One function for every file we write: exports, published figures, pasted-list and
upload-problem downloads.
"""

from __future__ import annotations

import unicodedata

#: What a spreadsheet runs as a formula when a cell starts with it.
FORMULA_CHARACTERS = frozenset("=+-@")
#: Characters that make a spreadsheet treat the cell as special even when nothing
#: follows (OWASP's list: tab and carriage return; a line feed too).
LEADING_CONTROLS = frozenset("\t\r\n")
#: Unicode categories skipped before the first character that counts: every space and
#: separator (Zs, Zl, Zp), control characters (Cc) and invisible format characters (Cf:
#: zero-width space and joiners, word joiner, byte order mark, soft hyphen…).
_SKIPPED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
#: Dash-like and equals-like characters NFKC keeps as they are, which a spreadsheet in
#: some locale might still take for the ASCII ones.
_LOOKALIKES = {"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"}


def _first_significant(text: str) -> str:
    """The first character that is not skipped, folded to what a spreadsheet reads."""
    for char in text:
        if char.isspace() or unicodedata.category(char) in _SKIPPED_CATEGORIES:
            continue
        folded = unicodedata.normalize("NFKC", char)[:1]
        return _LOOKALIKES.get(folded, folded)
    return ""


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would treat a cell holding ``text`` as a formula."""
    if text[:1] in LEADING_CONTROLS:
        return True
    return _first_significant(text) in FORMULA_CHARACTERS


def safe_cell(text: str) -> str:
    """``text`` as a cell a spreadsheet shows and never runs: unchanged, or behind «'»."""
    return "'" + text if text and is_formula(text) else text
