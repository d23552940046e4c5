"""Write the messy lists the list reader is tested on: one CSV and one XLSX per shape.

    .venv/bin/python tests/data/lists/make_lists.py

Every person here is fictional. Each shape is one thing a real volunteer's list does
(issue 14): Excel in a Russian locale, Russian headers in many spellings, cells as people
type them. The XLSX file carries the same content, with the cells Excel would have
turned into dates or numbers stored as such (a typed «01.2004» is a date shown «янв.04»;
a phone number a number shown «7,92E+10»).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class XL:
    """A cell Excel stores as a date or number: its value and number format in the XLSX,
    and the text a CSV export shows."""

    value: object
    number_format: str
    text: str


@dataclass(frozen=True)
class Shape:
    header: list[str]
    rows: list[list]
    delimiter: str = ";"
    encoding: str = "utf-8-sig"
    title: str = ""  # a title row above the header


RU_SPLIT = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Регион", "В/ч", "Статус"]
RU_FIO = [
    "№ п/п",
    "ФИО",
    "Дата рождения",
    "Откуда",
    "В/ч",
    "Статус",
    "Последняя связь",
    "Контакт",
    "Ссылка на видео",
    "Примечание",
]

SHAPES: dict[str, Shape] = {
    # Excel in a Russian locale: semicolons, UTF-8 with a BOM.
    "semicolon_bom": Shape(
        RU_SPLIT,
        [
            ["Кречетов", "Тимофей", "Павлович", "12.03.2005", "Курская область", "12345", "пропал"],
            ["Зябликов", "Кирилл", "Андреевич", "2004", "Брянская область", "", "в плену"],
        ],
    ),
    # The same list saved as «CSV (разделители — точка с запятой)»: cp1251.
    "cp1251": Shape(
        ["№ п/п", "ФИО", "Год рождения", "Откуда", "Часть", "Статус", "Примечание"],
        [
            [
                "1",
                "Ладыгин Матвей Игоревич",
                "2005",
                "Курская обл.",
                "в/ч 72001",
                "пропал",
                "ищет мать",
            ],
            ["2", "Мерзляков Егор Олегович", "2004", "Белгород", "", "погиб", ""],
        ],
        encoding="cp1251",
    ),
    # An English header, commas.
    "english_header": Shape(
        ["Last name", "First name", "Middle name", "Date of birth", "Region", "Unit", "Status"],
        [
            ["Тихонравов", "Даниил", "Сергеевич", "2005-03-12", "Kursk", "54321", "captured"],
            ["Воробьев", "Никита", "", "2003", "Орловская область", "", "missing"],
        ],
        delimiter=",",
        encoding="utf-8",
    ),
    # Every Russian spelling of the columns, a title row above the header.
    "headers_fio": Shape(
        RU_FIO,
        [
            [
                "1",
                "Сорокин Артем Викторович",
                "07.05.2004",
                "Курская обл., Рыльск",
                "в/ч 12345",
                "пропал",
                XL(datetime(2024, 8, 20), "DD.MM.YYYY", "20.08.2024"),
                "+7 912 345-67-89 (мать)",
                "https://t.me/example_channel/101",
                "был под Суджей",
            ],
        ],
        title="Список пропавших военнослужащих (вымышленные данные)",
    ),
    # Dates as typed, and as Excel mangled them.
    "dates": Shape(
        ["ФИО", "Дата рождения", "Статус"],
        [
            [
                "Кречетов Тимофей Павлович",
                XL(datetime(2004, 5, 7), "DD.MM.YYYY", "07.05.2004"),
                "пропал",
            ],
            [
                "Зябликов Кирилл Андреевич",
                XL(datetime(2005, 11, 19), "DD.MM.YY", "19.11.05"),
                "пропал",
            ],
            ["Ладыгин Матвей Игоревич", "2005 г.р.", "пропал"],
            ["Мерзляков Егор Олегович", XL(datetime(2004, 1, 1), "mmm\\.yy", "янв.04"), "пропал"],
            ["Тихонравов Даниил Сергеевич", "31.02.2004", "пропал"],
        ],
    ),
    "units": Shape(
        ["ФИО", "В/ч"],
        [
            ["Кречетов Тимофей Павлович", "в/ч 12345"],
            ["Зябликов Кирилл Андреевич", "в.ч. 41520"],
            ["Ладыгин Матвей Игоревич", XL(54321, "General", "54321")],
            ["Мерзляков Егор Олегович", "1234"],
        ],
    ),
    "regions": Shape(
        ["ФИО", "Регион"],
        [
            ["Кречетов Тимофей Павлович", "Брянская обл., Клинцы"],
            ["Зябликов Кирилл Андреевич", "Респ. Башкортостан"],
            ["Ладыгин Матвей Игоревич", "брянская"],
            ["Мерзляков Егор Олегович", "Нарния"],
        ],
    ),
    "statuses": Shape(
        ["ФИО", "Последняя связь", "Статус"],
        [
            ["Кречетов Тимофей Павлович", "", "пропал"],
            ["Зябликов Кирилл Андреевич", "", "БВП"],
            ["Ладыгин Матвей Игоревич", "", "б/в"],
            ["Мерзляков Егор Олегович", "", "нет связи"],
            ["Тихонравов Даниил Сергеевич", "", "в плену"],
            ["Воробьев Никита Андреевич", "", "плен (по видео)"],
            ["Сорокин Артем Викторович", "", "погиб"],
            [
                "Ладыгин Кирилл Павлович",
                XL(datetime(2024, 8, 10), "DD.MM.YYYY", "10.08.2024"),
                "вернулся (обмен 24.08)",
            ],
            ["Зябликов Егор Олегович", "", "ранен"],
        ],
    ),
    # A phone number Excel showed in scientific notation (the digits are gone).
    "phone_excel": Shape(
        ["ФИО", "Контакт"],
        [
            ["Кречетов Тимофей Павлович", XL(79200000000, "0.00E+00", "7,92E+10")],
            ["Зябликов Кирилл Андреевич", "+7 912 345-67-89"],
            ["Ладыгин Матвей Игоревич", "89123456780 мама"],
        ],
    ),
    "whole_name_in_surname": Shape(
        ["Фамилия", "Имя", "Отчество", "Год рождения"],
        [
            ["Кречетов Тимофей Павлович", "", "", "2005"],
            ["Зябликов", "Кирилл", "Андреевич", "2004"],
        ],
    ),
    "lower_case_spaces": Shape(
        ["Фамилия", "Имя", "Отчество"],
        [
            ["  кречетов ", "тимофей  ", " павлович"],
            ["ЗЯБЛИКОВ", "  кирилл", "андреевич  "],
        ],
    ),
    "line_break": Shape(
        ["ФИО", "Примечание", "Статус"],
        [
            ["Кречетов Тимофей Павлович", "звонил 20.08\nиз-под Суджи", "пропал"],
            ["Зябликов Кирилл Андреевич", "", "в плену"],
        ],
    ),
    # The second row lost its birth-date cell: every later value sits one column left.
    "shifted": Shape(
        ["ФИО", "Дата рождения", "Регион", "В/ч", "Статус"],
        [
            ["Кречетов Тимофей Павлович", "12.03.2005", "Курская область", "12345", "пропал"],
            ["Зябликов Кирилл Андреевич", "Брянская область", "в/ч 41520", "в плену", ""],
        ],
    ),
    # UTF-8 read as cp1251 and saved again.
    "mojibake": Shape(
        RU_SPLIT,
        [
            [
                "Петров".encode().decode("cp1251"),
                "Тимофей".encode().decode("cp1251"),
                "",
                "2004",
                "Курская область".encode().decode("cp1251"),
                "",
                "пропал",
            ],
            ["Зябликов", "Кирилл", "", "2004", "Смоленская область", "", "пропал"],
        ],
    ),
    "blank_and_summary": Shape(
        ["№ п/п", "ФИО", "Статус"],
        [
            ["1", "Кречетов Тимофей Павлович", "пропал"],
            ["", "", ""],
            ["2", "Зябликов Кирилл Андреевич", "в плену"],
            ["Всего: 35 чел.", "", ""],
        ],
    ),
    "duplicates": Shape(
        ["ФИО", "Год рождения", "В/ч", "Статус"],
        [
            ["Кречетов Тимофей Павлович", "2005", "", "пропал"],
            ["Зябликов Кирилл Андреевич", "2004", "", "пропал"],
            ["кречетов  тимофей павлович", "2005", "в/ч 12345", "в плену"],
        ],
    ),
}


def csv_bytes(shape: Shape) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=shape.delimiter, lineterminator="\r\n")
    if shape.title:
        writer.writerow([shape.title] + [""] * (len(shape.header) - 1))
    writer.writerow(shape.header)
    for row in shape.rows:
        writer.writerow([c.text if isinstance(c, XL) else c for c in row])
    return out.getvalue().encode(shape.encoding)


def xlsx_bytes(shape: Shape) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    if shape.title:
        sheet.append([shape.title])
    sheet.append(shape.header)
    for row in shape.rows:
        sheet.append([c.value if isinstance(c, XL) else (c or None) for c in row])
        for column, cell in enumerate(row, start=1):
            if isinstance(cell, XL):
                sheet.cell(row=sheet.max_row, column=column).number_format = cell.number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    for name, shape in SHAPES.items():
        (HERE / f"{name}.csv").write_bytes(csv_bytes(shape))
        (HERE / f"{name}.xlsx").write_bytes(xlsx_bytes(shape))
    print(f"wrote {len(SHAPES) * 2} files to {HERE}")


if __name__ == "__main__":
    main()
