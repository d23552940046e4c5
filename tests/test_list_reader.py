"""The list reader on real-looking lists: one file per cell shape, in CSV and in XLSX.

No database: ``core.tables`` and ``conscripts.lists`` are plain modules. The files are
written by tests/data/lists/make_lists.py (fictional people only).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conscripts import lists
from core import partial_dates, tables

DATA = Path(__file__).parent / "data" / "lists"
TODAY = date(2026, 12, 4)
FORMATS = ["csv", "xlsx"]


def read(shape: str, fmt: str) -> tuple[tables.Table, list[lists.ListRow]]:
    table = tables.read_table((DATA / f"{shape}.{fmt}").read_bytes())
    header = lists.find_header(table)
    assert header.found, f"{shape}.{fmt}: no header found"
    head = table.rows[header.index].cells
    rows = list(
        lists.read_rows(table.rows[header.index + 1 :], header.mapping, header=head, today=TODAY)
    )
    return table, rows


def codes(row: lists.ListRow) -> list[str]:
    return [p.code for p in row.problems]


def test_every_shape_has_a_csv_and_an_xlsx_file_written_by_the_script():
    from tests.data.lists.make_lists import SHAPES

    for name in SHAPES:
        assert (DATA / f"{name}.csv").is_file() and (DATA / f"{name}.xlsx").is_file(), name


@pytest.mark.parametrize("fmt", FORMATS)
def test_excel_semicolons_and_a_bom_are_read(fmt):
    table, rows = read("semicolon_bom", fmt)
    if fmt == "csv":
        assert (table.encoding, table.delimiter) == ("utf-8-sig", ";")
    first = rows[0]
    assert (first.surname, first.given_name, first.patronymic) == (
        "Кречетов",
        "Тимофей",
        "Павлович",
    )
    assert (first.birth_date, first.region_code, first.unit_number, first.status) == (
        date(2005, 3, 12),
        "KRS",
        "12345",
        "missing",
    )
    assert (rows[1].birth_year, rows[1].birth_date, rows[1].status) == (2004, None, "captured")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_cp1251_file_from_a_russian_excel_is_read(fmt):
    table, rows = read("cp1251", fmt)
    if fmt == "csv":
        assert (table.encoding, table.delimiter) == ("cp1251", ";")
    assert [r.full_name for r in rows] == ["Ладыгин Матвей Игоревич", "Мерзляков Егор Олегович"]
    assert [r.region_code for r in rows] == ["KRS", "BEL"]
    assert [r.status for r in rows] == ["missing", "dead"]
    assert rows[0].unit_number == "72001" and rows[0].note == "ищет мать"


@pytest.mark.parametrize("fmt", FORMATS)
def test_english_headers_and_commas_are_read(fmt):
    table, rows = read("english_header", fmt)
    if fmt == "csv":
        assert table.delimiter == ","
    assert rows[0].full_name == "Тихонравов Даниил Сергеевич"
    assert (rows[0].birth_date, rows[0].status, rows[0].unit_number) == (
        date(2005, 3, 12),
        "captured",
        "54321",
    )
    assert rows[1].region_code == "ORL"


@pytest.mark.parametrize("fmt", FORMATS)
def test_russian_header_spellings_are_recognised_below_a_title_row(fmt):
    table = tables.read_table((DATA / f"headers_fio.{fmt}").read_bytes())
    header = lists.find_header(table)
    assert header.index == 1  # the title row is not the header
    assert header.mapping == [
        "number",
        "full_name",
        "birth",
        "region",
        "unit",
        "status",
        "last_contact",
        "contact",
        "video",
        "note",
    ]
    _, rows = read("headers_fio", fmt)
    (row,) = rows
    assert row.number == 3  # numbered as the spreadsheet shows it
    assert (row.full_name, row.birth_date, row.region_code) == (
        "Сорокин Артем Викторович",
        date(2004, 5, 7),
        "KRS",
    )
    assert row.last_contact == partial_dates.PartialDate(date(2024, 8, 20))
    # A search request dates from the last contact.
    assert row.event == row.last_contact
    assert row.contact == "+7 912 345-67-89 (мать)" and row.phones == ["+79123456789"]
    assert row.video_urls == ["https://t.me/example_channel/101"]
    assert row.note == "был под Суджей" and not row.problems


@pytest.mark.parametrize(
    "header, field",
    [
        ("№ п/п", "number"),
        ("ФИО", "full_name"),
        ("Ф.И.О.", "full_name"),
        ("Фамилия", "surname"),
        ("Имя", "given_name"),
        ("Отчество", "patronymic"),
        ("Дата рождения", "birth"),
        ("Дата рождения (дд.мм.гггг)", "birth"),
        ("Год рождения", "birth"),
        ("Регион", "region"),
        ("Откуда", "region"),
        ("В/ч", "unit"),
        ("в.ч.", "unit"),
        ("Часть", "unit"),
        ("Статус", "status"),
        ("Последняя связь", "last_contact"),
        ("Контакт", "contact"),
        ("Ссылка на видео", "video"),
        ("Примечание", "note"),
        ("Date of birth", "birth"),
        ("last_name", "surname"),
        ("Рост", None),
    ],
)
def test_header_synonyms(header, field):
    assert lists.guess_mapping([header]) == [field]


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_keep_their_precision(fmt):
    _, rows = read("dates", fmt)
    by_name = {r.surname: r for r in rows}
    assert (by_name["Кречетов"].birth_date, by_name["Кречетов"].birth_year) == (
        date(2004, 5, 7),
        2004,
    )
    assert by_name["Зябликов"].birth_date == date(2005, 11, 19)  # «19.11.05»
    assert (by_name["Ладыгин"].birth_date, by_name["Ладыгин"].birth_year) == (None, 2005)
    # «янв.04»: Excel made a date of a typed «01.2004»; a birth keeps only the year.
    assert (by_name["Мерзляков"].birth_date, by_name["Мерзляков"].birth_year) == (None, 2004)
    assert "birth_year_only" in codes(by_name["Мерзляков"])
    # Not a real date: flagged, left out, and the row is still queued.
    impossible = by_name["Тихонравов"]
    assert (impossible.birth_date, impossible.birth_year) == (None, None)
    assert "birth_unreadable" in codes(impossible) and impossible.queued


@pytest.mark.parametrize("fmt", FORMATS)
def test_units_with_or_without_their_prefix(fmt):
    _, rows = read("units", fmt)
    assert [r.unit_number for r in rows] == ["12345", "41520", "54321", ""]
    assert codes(rows[3]) == ["unit_format"]
    assert rows[3].problems[0].value == "1234"


@pytest.mark.parametrize("fmt", FORMATS)
def test_regions_through_the_geo_module(fmt):
    _, rows = read("regions", fmt)
    assert [r.region_code for r in rows] == ["BRY", "BA", "BRY", None]
    assert codes(rows[3]) == ["region_unknown"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_statuses_through_one_vocabulary(fmt):
    _, rows = read("statuses", fmt)
    assert [r.status for r in rows] == [
        "missing",  # пропал
        "missing",  # БВП
        "missing",  # б/в
        "missing",  # нет связи
        "captured",  # в плену
        "captured",  # плен (по видео)
        "dead",  # погиб
        "returned",  # вернулся (обмен 24.08)
        "",  # ранен: not a status
    ]
    assert rows[5].evidence_kind == "prisoner_video"
    returned = rows[7]
    assert returned.evidence_kind == "exchange_list"
    # No year in «24.08»: the first 24 August after the last contact (10.08.2024), flagged.
    assert returned.event == partial_dates.PartialDate(date(2024, 8, 24))
    assert "date_year_assumed" in codes(returned)
    assert codes(rows[8]) == ["status_unknown"] and rows[8].queued


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_phone_destroyed_by_excel_is_flagged_and_kept_for_moderators(fmt):
    _, rows = read("phone_excel", fmt)
    destroyed = rows[0]
    assert destroyed.contact == "7,92E+10" and destroyed.phones == []
    assert codes(destroyed) == ["phone_destroyed"]
    assert rows[1].phones == ["+79123456789"] and not rows[1].problems
    assert rows[2].phones == ["+79123456780"] and rows[2].contact == "89123456780 мама"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_whole_name_in_the_surname_cell_is_split(fmt):
    _, rows = read("whole_name_in_surname", fmt)
    assert (rows[0].surname, rows[0].given_name, rows[0].patronymic) == (
        "Кречетов",
        "Тимофей",
        "Павлович",
    )
    assert codes(rows[0]) == ["name_split"]
    assert rows[1].full_name == "Зябликов Кирилл Андреевич" and not rows[1].problems


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_in_lower_case_or_with_stray_spaces_are_cleaned(fmt):
    _, rows = read("lower_case_spaces", fmt)
    assert [r.full_name for r in rows] == [
        "Кречетов Тимофей Павлович",
        "Зябликов Кирилл Андреевич",
    ]
    assert all(not r.problems for r in rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_line_break_inside_a_quoted_cell_stays_in_its_row(fmt):
    _, rows = read("line_break", fmt)
    assert [r.number for r in rows] == [2, 3]  # one spreadsheet row each
    assert rows[0].note == "звонил 20.08\nиз-под Суджи"
    assert rows[1].status == "captured"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_row_shifted_by_a_missing_cell_is_read_shifted_and_flagged(fmt):
    _, rows = read("shifted", fmt)
    good, shifted = rows
    assert not good.problems
    assert (shifted.birth_year, shifted.region_code, shifted.unit_number, shifted.status) == (
        None,
        "BRY",
        "41520",
        "captured",
    )
    assert codes(shifted) == ["shifted"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_mojibake_is_repaired_and_flagged(fmt):
    _, rows = read("mojibake", fmt)
    repaired = rows[0]
    assert (repaired.surname, repaired.given_name, repaired.region_code) == (
        "Петров",
        "Тимофей",
        "KRS",
    )
    assert codes(repaired).count("mojibake_fixed") == 3
    # An ordinary name with «С» and «Р» is not mistaken for mojibake.
    assert rows[1].region_code == "SMO" and not rows[1].problems


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_and_summary_rows_are_skipped_not_errors(fmt):
    _, rows = read("blank_and_summary", fmt)
    assert [(r.number, r.skip) for r in rows] == [(2, ""), (3, "blank"), (4, ""), (5, "summary")]
    assert [r.number for r in rows if r.queued] == [2, 4]
    assert not any(r.problems for r in rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_person_twice_becomes_one_row(fmt):
    _, rows = read("duplicates", fmt)
    folded = lists.fold_duplicates(rows)
    assert [r.full_name for r in folded] == [
        "Кречетов Тимофей Павлович",
        "Зябликов Кирилл Андреевич",
    ]
    person = folded[0]
    assert person.numbers == [2, 4]
    assert person.unit_number == "12345"  # completed from the later row
    assert "duplicate_differs" in codes(person)  # that row says «в плену», this «пропал»
    assert rows[2].skip == "duplicate" and "duplicate" in codes(rows[2])


def test_a_row_without_a_name_is_an_error():
    row = tables.TableRow(7, ("", "2005", "пропал"))
    read_row = lists.read_row(row, ["full_name", "birth", "status"], today=TODAY)
    assert read_row.is_error and not read_row.queued
    assert codes(read_row) == ["no_name"]


def test_an_unreadable_file_is_refused():
    with pytest.raises(tables.TableError):
        tables.read_table(b"")
    with pytest.raises(tables.TableError):
        tables.read_table(b"PK\x03\x04 not really a workbook")


def test_a_cp1251_list_without_any_delimiter_is_one_column():
    table = tables.read_table("ФИО\nКречетов Тимофей\nЗябликов Кирилл\n".encode("cp1251"))
    assert table.delimiter == "" and table.encoding == "cp1251"
    assert [r.cells for r in table.rows] == [("ФИО",), ("Кречетов Тимофей",), ("Зябликов Кирилл",)]


@pytest.mark.parametrize(
    "text, status, kind",
    [
        ("пропал без вести", "missing", ""),
        ("Пропал", "missing", ""),
        ("б/п", "missing", ""),
        ("в плену (видео 12.09.2024)", "captured", "prisoner_video"),
        ("погиб, похоронка", "dead", "death_notice"),
        ("вернулся домой", "returned", ""),
        ("returned", "returned", ""),
        ("", "", ""),
    ],
)
def test_the_status_vocabulary(text, status, kind):
    reading = lists.read_status(text, today=TODAY)
    assert (reading.status, reading.kind) == (status, kind)


def test_pasted_lines_lose_their_list_marks():
    text = (
        "Список:\n1. Кречетов Тимофей Павлович, 2005 г.р.\n2) Зябликов Кирилл\n\n— Ладыгин Матвей"
    )
    assert lists.pasted_lines(text) == [
        (1, "Список:"),
        (2, "Кречетов Тимофей Павлович, 2005 г.р."),
        (3, "Зябликов Кирилл"),
        (5, "Ладыгин Матвей"),
    ]
    assert lists.looks_like_names(text)
    announcement = (
        "В результате переговорного процесса 24 августа 2024 года из плена возвращены "
        "115 российских военнослужащих. Среди них рядовой Кречетов Тимофей Павлович, "
        "которого искала мать."
    )
    assert not lists.looks_like_names(announcement)
