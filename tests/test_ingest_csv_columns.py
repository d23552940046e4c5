"""``ingest --kind csv`` reads a header in other words (Russian, other encodings and
delimiters) and says which columns it used."""

import pytest
from django.core.management import call_command

from reports.models import Report
from sources.models import SourceItem

pytestmark = pytest.mark.django_db

EXPORT = (
    "Лайки;№;Дата;Канал;Текст;Ссылка\r\n"
    "5;101;2024-08-20T10:00:00+03:00;Поиск Курск;"
    "Разыскивается Кречетов Тимофей Павлович, 12.03.2005 г.р., в/ч 12345, пропал под Суджей;"
    "https://t.me/example_search/101\r\n"
)


def test_a_russian_cp1251_export_is_ingested_and_the_columns_used_are_named(tmp_path, capsys):
    path = tmp_path / "выгрузка.csv"
    path.write_bytes(EXPORT.encode("cp1251"))
    call_command("ingest", str(path), kind="csv", source="csv-ru", sync=True, no_progress=True)
    out = capsys.readouterr().out
    assert (
        "columns used: external_id ← «№», published_at ← «Дата», author ← «Канал», "
        "text ← «Текст», url ← «Ссылка»" in out
    )
    assert "columns not used: «Лайки»" in out
    assert "read 1 / new 1 / duplicate 0 / conflict 0 / failed 0 / reports created 1" in out
    item = SourceItem.objects.get()
    assert (item.external_id, item.author, item.url) == (
        "101",
        "Поиск Курск",
        "https://t.me/example_search/101",
    )
    assert Report.objects.get().surname == "Кречетов"
