"""manage.py import_conscripts: rows become people and evidence; bad rows are named by line."""

from datetime import date
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from conscripts import importing
from conscripts.models import Conscript, Evidence, StatusChange
from tests.factories import ConscriptFactory, EvidenceFactory

HEADER = "surname,given_name,patronymic,birth_date,region,unit_number,status"


def write(tmp_path, text: str, *, name: str = "list.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the command."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_conscripts", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), f"{err.getvalue()}{exc}"
    return 0, out.getvalue(), err.getvalue()


def person(surname: str, **filters) -> Conscript:
    return Conscript.objects.select_related("home_region", "unit").get(surname=surname, **filters)


pytestmark = pytest.mark.django_db


def test_it_imports_good_rows_with_cleaned_names_dates_regions_and_units(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "  иванов ,  пётр  ,сергеевич,2004-03-15,Курская область,12345,missing\n"
        "Римский-КОРСАКОВ,Артём,Ильич,15.03.2005,,в/ч 54321,\n",
    )
    code, out, err = run(path)
    assert code == 0, err
    assert "rows read 2, imported 2 (new people 2" in out
    ivanov = person("Иванов")
    assert (ivanov.given_name, ivanov.patronymic) == ("Петр", "Сергеевич")
    assert (ivanov.birth_date, ivanov.birth_year) == (date(2004, 3, 15), 2004)
    assert ivanov.home_region.name_ru == "Курская область"
    assert ivanov.unit.number == "12345"
    other = person("Римский-Корсаков")
    assert (other.given_name, other.birth_date, other.home_region) == (
        "Артем",
        date(2005, 3, 15),
        None,
    )
    assert other.unit.number == "54321"


def test_each_imported_row_becomes_evidence_with_a_status_change_to_its_status(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\nОрлов,Иван,Петрович,2004,,,captured\nБелов,Иван,Петрович,2004,,,\n",
    )
    assert run(path)[0] == 0
    orlov = person("Орлов")
    evidence = orlov.evidence.get()
    assert (evidence.kind, evidence.claimed_status, evidence.source_name) == (
        "other",
        "captured",
        "list.csv",
    )
    assert (evidence.source_kind, evidence.archived_text) == ("import", "list.csv:2")
    change = orlov.status_changes.get()
    assert (change.from_status, change.to_status, change.evidence_id) == (
        "",
        "captured",
        evidence.pk,
    )
    assert (orlov.status, orlov.status_since) == ("captured", change.effective_date)
    belov = person("Белов")
    assert belov.status == "missing"
    assert belov.evidence.get().claimed_status == "missing"
    assert belov.status_changes.get().to_status == "missing"


def test_it_reports_bad_rows_with_their_line_number_and_keeps_good_rows(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "Хорошев,Иван,Иванович,2004,,,\n"
        "Датов,Иван,Иванович,31.02.2004,,,\n"
        "Регионов,Иван,Иванович,2004,Нарния,,\n"
        "Частев,Иван,Иванович,2004,,1234,\n"
        "Статусов,Иван,Иванович,2004,,,ранен\n"
        ",Иван,Иванович,2004,,,\n"
        "Ivanov,Ivan,Ivanovich,2004,,,\n"
        "Столбцов,Иван\n"
        "\n"
        "Последнев,Иван,Иванович,2005,,,\n",
    )
    code, out, err = run(path)
    assert code == 1
    assert "rows read 9, imported 2" in out and "failed 7" in out
    assert "line 3: birth date «31.02.2004» is not a real date" in err
    assert "line 4: unknown region «Нарния»" in err
    assert "line 5: unit «1234» is not a five-digit number" in err
    assert "line 6: unknown status «ранен»" in err
    assert "line 7: surname is empty" in err
    assert "line 8: surname «Ivanov» is in Latin letters" in err
    assert "line 9: expected 7 fields as in the header, found 2" in err
    assert "7 row(s) failed" in err
    assert sorted(Conscript.objects.values_list("surname", flat=True)) == [
        "Последнев",
        "Хорошев",
    ]


def test_line_numbers_are_physical_lines_even_after_a_quoted_line_break(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER},note\n"
        'Первов,Иван,Иванович,2004,,,,"две\nстроки"\n'
        "Вторnear,Иван,Иванович,2004,,,,\n",
    )
    code, _, err = run(path)
    assert code == 1
    assert "line 4: surname «Вторnear» mixes Cyrillic with other letters" in err


def test_no_person_is_half_written_when_a_batch_fails_to_write(tmp_path):
    path = write(tmp_path, f"{HEADER}\nНадеждин,Иван,Иванович,2004,,,\n")
    with (
        mock.patch.object(Evidence.objects, "bulk_create", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        run(path)
    assert not Conscript.objects.exists()
    assert run(path)[0] == 0
    assert person("Надеждин").evidence.count() == 1


def test_batches_that_were_written_stay_when_a_later_batch_fails(tmp_path):
    path = write(
        tmp_path, f"{HEADER}\nПервый,Иван,Иванович,2004,,,\nВторой,Иван,Иванович,2004,,,\n"
    )
    original = Evidence.objects.bulk_create
    calls = []

    def fail_the_second_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return original(*args, **kwargs)

    with (
        mock.patch.object(Evidence.objects, "bulk_create", side_effect=fail_the_second_time),
        pytest.raises(RuntimeError),
    ):
        run(path, "--batch-size", "1")
    assert list(Conscript.objects.values_list("surname", flat=True)) == ["Первый"]
    assert person("Первый").evidence.count() == 1


def test_every_imported_person_has_evidence_and_a_status_change(tmp_path):
    rows = [f"Фамилин,Иван,Иванович,{1990 + i},,,погиб" for i in range(12)]
    path = write(tmp_path, "\n".join([HEADER, *rows, "Плохов,Иван,Иванович,1890,,,"]) + "\n")
    code, out, _ = run(path, "--batch-size", "5")
    assert code == 1 and "new people 12" in out
    for p in Conscript.objects.all():
        assert p.evidence.count() == 1 and p.status_changes.count() == 1
        assert p.status == "dead"


def test_reimporting_the_same_file_creates_nothing(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "Повторов,Иван,Иванович,2004-01-02,Курск,12345,в плену\n"
        "Повторов,Иван,Иванович,2006,,,\n"
        "Ежов,Петр,Петрович,,,,погиб\n",
    )
    assert run(path)[0] == 0
    counts = (Conscript.objects.count(), Evidence.objects.count(), StatusChange.objects.count())
    code, out, _ = run(path)
    assert code == 0
    assert "imported 0 (new people 0" in out and "already present 3" in out
    assert counts == (3, 3, 3)
    assert (
        Conscript.objects.count(),
        Evidence.objects.count(),
        StatusChange.objects.count(),
    ) == counts


def test_a_new_status_for_a_known_person_adds_evidence_and_moves_the_status(tmp_path):
    first = write(tmp_path, f"{HEADER}\nСменов,Иван,Иванович,2004-05-06,,,missing\n", name="a.csv")
    second = write(tmp_path, f"{HEADER}\nСменов,Иван,Иванович,2004,,,в плену\n", name="a2.csv")
    assert run(first, "--source-name", "Список родных")[0] == 0
    code, out, _ = run(second, "--source-name", "Список родных")
    assert code == 0 and "new evidence for known people 1" in out
    smenov = person("Сменов")
    assert smenov.status == "captured"
    assert [(c.from_status, c.to_status) for c in smenov.status_changes.order_by("pk")] == [
        ("", "missing"),
        ("missing", "captured"),
    ]
    assert set(smenov.evidence.values_list("source_name", flat=True)) == {"Список родных"}


def test_namesakes_with_different_birth_dates_are_different_people(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "Тезкин,Иван,Иванович,2004-01-01,,,\n"
        "Тезкин,Иван,Иванович,2004-12-31,,,\n"
        "Тезкин,Иван,Иванович,2005,,,\n",
    )
    assert run(path)[0] == 0
    assert Conscript.objects.filter(surname="Тезкин").count() == 3
    ambiguous = write(tmp_path, f"{HEADER}\nТезкин,Иван,Иванович,2004,,,погиб\n", name="b.csv")
    code, _, err = run(ambiguous)
    assert code == 1
    assert "line 2: matches 2 people already in the record" in err


def test_it_reads_semicolons_and_a_bom_as_excel_writes_them(tmp_path):
    path = write(
        tmp_path,
        "\ufeffsurname;given_name;patronymic;birth_date;region;unit_number;status\r\n"
        "Точкин;Иван;Иванович;01.02.2003;Белгородская область;;\r\n",
    )
    code, out, err = run(path)
    assert code == 0, err
    assert "rows read 1, imported 1" in out
    assert person("Точкин").home_region.name_ru == "Белгородская область"


def test_a_bare_year_is_a_birth_year_without_a_date(tmp_path):
    path = write(tmp_path, f"{HEADER}\nГодов,Иван,Иванович,2003,,,\n")
    assert run(path)[0] == 0
    assert (person("Годов").birth_date, person("Годов").birth_year) == (None, 2003)


@pytest.mark.parametrize(
    ("place", "region"),
    [
        ("Курск", "Курская область"),
        ("Рыльск", "Курская область"),
        ("Элиста", "Республика Калмыкия"),
        ("Питер", "Санкт-Петербург"),
        ("Kursk Oblast", "Курская область"),
    ],
)
def test_a_city_or_alias_gives_its_region(tmp_path, place, region):
    path = write(tmp_path, f"{HEADER}\nГородов,Иван,Иванович,2004,{place},,\n")
    assert run(path)[0] == 0
    assert person("Городов").home_region.name_ru == region


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("пропал без вести", "missing"),
        ("Пропал", "missing"),
        ("в плену", "captured"),
        ("погиб", "dead"),
        ("Вернулся", "returned"),
        ("returned", "returned"),
        ("", "missing"),
    ],
)
def test_russian_and_english_status_words_are_understood(tmp_path, word, status):
    path = write(tmp_path, f"{HEADER}\nСловов,Иван,Иванович,2004,,,{word}\n")
    assert run(path)[0] == 0
    assert person("Словов").status == status


def test_extra_columns_are_ignored_and_the_order_is_free(tmp_path):
    path = write(
        tmp_path,
        "status,note,unit_number,region,birth_date,patronymic,given_name,surname,phone\n"
        "погиб,что-то,12345,Брянск,2004,Иванович,Иван,Порядков,+7 900 000-00-00\n",
    )
    assert run(path)[0] == 0
    p = person("Порядков")
    assert (p.given_name, p.status, p.home_region.name_ru) == ("Иван", "dead", "Брянская область")


def test_a_missing_column_is_a_clear_error_and_nothing_is_imported(tmp_path):
    path = write(tmp_path, "surname,given_name,birth_date,status\nНеполнов,Иван,2004,\n")
    code, _, err = run(path)
    assert code == 1
    assert "the header lacks the column(s) patronymic, region, unit_number" in err
    assert not Conscript.objects.exists()


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = write(tmp_path, f"{HEADER}\nКодов,Иван,Иванович,2004,,,\n", encoding="cp1251")
    code, _, err = run(path)
    assert code == 1 and "not UTF-8" in err
    assert not Conscript.objects.exists()


def test_a_dry_run_counts_but_writes_nothing(tmp_path):
    path = write(
        tmp_path, f"{HEADER}\nПробов,Иван,Иванович,2004,,,\nПробов,Иван,Иванович,2004,,,\n"
    )
    code, out, _ = run(path, "--dry-run")
    assert code == 0
    assert out.startswith("Dry run, nothing written")
    assert "new people 1" in out and "already present 1" in out
    assert not Conscript.objects.exists() and not Evidence.objects.exists()


def test_a_row_matching_a_person_from_another_source_adds_evidence_to_them(tmp_path):
    known = EvidenceFactory(
        conscript__surname="Известнов",
        conscript__given_name="Иван",
        conscript__patronymic="Иванович",
        conscript__birth_year=2004,
        claimed_status="missing",
    ).conscript
    path = write(tmp_path, f"{HEADER}\nИзвестнов,Иван,Иванович,2004,,,вернулся\n")
    code, out, _ = run(path)
    assert code == 0 and "new people 0, new evidence for known people 1" in out
    known.refresh_from_db()
    assert known.status == "returned"
    assert Conscript.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345", "12345"),
        ("в/ч 12345", "12345"),
        ("В/Ч-12345", "12345"),
        ("вч 12345", "12345"),
        ("в/ч №12345", "12345"),
        ("войсковая часть 12345", "12345"),
    ],
)
def test_unit_numbers_are_read_with_or_without_their_prefix(text, expected):
    assert importing.parse_unit(text) == (expected, None)


@pytest.mark.parametrize("text", ["1234", "123456", "12345a", "в/ч", "полк 12345"])
def test_anything_else_is_not_a_unit_number(text):
    number, problem = importing.parse_unit(text)
    assert number is None and "five-digit" in problem


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        (HEADER, ","),
        (HEADER.replace(",", ";"), ";"),
        (HEADER.replace(",", "\t"), "\t"),
        ("Фамилия, с запятой;" + HEADER.replace(",", ";"), ";"),
    ],
)
def test_the_delimiter_is_sniffed_from_the_header(header, delimiter):
    assert importing.sniff_delimiter(header) == delimiter


def test_a_record_merged_into_another_is_not_matched_its_successor_is(tmp_path):
    names = {"surname": "Слитов", "given_name": "Иван", "patronymic": "Иванович"}
    survivor = ConscriptFactory(**names, birth_year=2004)
    ConscriptFactory(**names, birth_year=2004, merged_into=survivor)
    path = write(tmp_path, f"{HEADER}\nСлитов,Иван,Иванович,2004,,,погиб\n")
    code, out, err = run(path)
    assert code == 0, err
    assert "new evidence for known people 1" in out
    assert survivor.evidence.get().claimed_status == "dead"


def test_a_ten_megabyte_cell_fails_its_row_and_the_other_rows_are_imported(tmp_path):
    """A cell over the CSV reader's limit used to abort the import, and the message said
    the earlier rows were imported when none were."""
    huge = "Х" * (10 * 1024 * 1024)
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "Первов,Иван,Иванович,2004,,,\n"
        "Вторых,Иван,Иванович,2004,,,\n"
        f"Огромнов,Иван,{huge},2004,,,\n"
        "Четвертов,Иван,Иванович,2004,,,\n",
    )
    code, out, err = run(path, "--batch-size", "1000")
    assert code == 1
    assert "rows read 4, imported 3" in out and "failed 1" in out
    assert "line 4: a cell is longer than 131072 characters" in err
    assert "1 row(s) failed; the other rows were imported" in err
    assert sorted(Conscript.objects.values_list("surname", flat=True)) == [
        "Вторых",
        "Первов",
        "Четвертов",
    ]
