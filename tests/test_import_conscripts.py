"""manage.py import_conscripts: a list into the review queue, by the same reader as uploads."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from conscripts.models import Conscript, Evidence
from reports.models import ListUpload, Origin, Report

DATA = Path(__file__).parent / "data" / "lists"
HEADER = "surname,given_name,patronymic,birth_date,region,unit_number,status"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write(tmp_path, text: str, *, name: str = "list.csv", encoding: str = "utf-8") -> Path:
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


def test_the_old_english_header_still_works_and_rows_become_pending_reports(tmp_path):
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "  иванов ,  пётр  ,сергеевич,2004-03-15,Курская область,12345,missing\n"
        "Римский-КОРСАКОВ,Артём,Ильич,15.03.2005,,в/ч 54321,в плену\n",
    )
    code, out, err = run(path)
    assert code == 0, err
    assert "rows read 2, reports queued 2 (people 2)" in out
    assert "«surname» → surname" in out and "«status» → status" in out
    ivanov = Report.objects.get(surname="Иванов")
    assert (ivanov.given_name, ivanov.unit_number, ivanov.home_region.name_ru) == (
        "Петр",
        "12345",
        "Курская область",
    )
    assert (ivanov.origin, ivanov.state, ivanov.upload_row) == (Origin.UPLOAD, "pending", 2)
    assert Report.objects.get(surname="Римский-Корсаков").claimed_status == "captured"
    # The status follows from evidence a moderator approves: none yet.
    assert not Conscript.objects.exists() and not Evidence.objects.exists()


def test_a_messy_russian_list_is_read_and_each_problem_named_by_row(tmp_path):
    path = tmp_path / "список.csv"
    path.write_bytes((DATA / "cp1251.csv").read_bytes())
    code, out, err = run(path, "--source-name", "Поиск Курск")
    assert code == 0, err
    assert "reports queued 2" in out
    assert set(Report.objects.values_list("source_name", flat=True)) == {"Поиск Курск"}
    code, out, err = run(DATA / "dates.xlsx")
    assert code == 0
    assert "dates.xlsx: row 5: warning: birth date «янв.04» gives only the year" in err
    assert "dates.xlsx: row 6: warning: birth date «31.02.2004» is not a date" in err


def test_reimporting_the_same_file_queues_nothing_new(tmp_path):
    path = DATA / "duplicates.csv"
    assert run(path)[0] == 0
    code, out, _ = run(path)
    assert code == 0
    assert "reports queued 0 (people 2), already queued 2, duplicates folded 1" in out
    assert Report.objects.count() == 2 and ListUpload.objects.count() == 2


def test_a_row_without_a_name_fails_the_command_but_the_others_are_queued(tmp_path):
    path = write(tmp_path, "ФИО;Год рождения\nКречетов Тимофей;2005\n;2004\n")
    code, _, err = run(path)
    assert code == 1
    assert "row 3: error: no name" in err
    assert Report.objects.count() == 1


def test_a_column_can_be_remapped_from_the_command_line(tmp_path):
    path = write(tmp_path, "ФИО;Откуда;Родом\nКречетов Тимофей;Суджа;Клинцы\n")
    assert run(path, "--map", "Откуда=place", "--map", "Родом=region")[0] == 0
    report = Report.objects.get()
    assert (report.last_known_place, report.home_region.code) == ("Суджа", "BRY")


def test_a_dry_run_reads_everything_and_queues_nothing(tmp_path):
    code, out, err = run(DATA / "blank_and_summary.xlsx", "--dry-run")
    assert code == 0, err
    assert "Dry run, nothing queued: blank_and_summary.xlsx: rows read 4, people 2, errors 0" in out
    assert not Report.objects.exists() and not ListUpload.objects.exists()


def test_a_file_without_a_known_header_is_a_clear_error(tmp_path):
    code, _, err = run(write(tmp_path, "a;b;c\n1;2;3\n"))
    assert code == 1 and "no header names the list's columns" in err
    code, _, err = run(write(tmp_path, "", name="empty.csv"))
    assert code == 1 and "the file is empty" in err


def test_a_ten_megabyte_cell_fails_its_row_and_the_other_rows_are_queued(tmp_path):
    """A cell over the CSV reader's limit used to abort the whole import, and the message
    said the earlier rows were imported when none were."""
    huge = "x" * (10 * 1024 * 1024)  # 10 MB, under the 20 MB file cap
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "Первов,Иван,Иванович,2004,,,\n"
        "Вторых,Иван,Иванович,2004,,,\n"
        f"Огромнов,Иван,{huge},2004,,,\n"
        "Четвертов,Иван,Иванович,2004,,,\n",
    )
    code, _out, err = run(path)
    assert code == 1
    assert "row 4" in err and "cannot be read" in err
    assert sorted(Report.objects.values_list("surname", flat=True)) == [
        "Вторых",
        "Первов",
        "Четвертов",
    ]
