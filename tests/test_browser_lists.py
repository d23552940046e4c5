"""Two journeys in Chromium, on a phone-sized screen: a moderator uploads a messy list,
fixes one column of the mapping, reads the row problems and finds the rows in the queue;
another pastes a 20-name exchange list and confirms three matches as «returned».

Every person here is fictional.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from conscripts.models import EvidenceKind, Status
from core import access
from reports.models import Report
from tests.factories import ConscriptFactory, UserFactory
from tests.helpers import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}

MESSY_LIST = (
    "Список пропавших срочников (вымышленные люди);;;;;;;;\r\n"
    "№ п/п;ФИО;Г.р.;Откуда;В/ч;Статус;Дата пропажи;Телефон родных;Примечание\r\n"
    "1;Кречетов Тимофей Павлович;07.05.2004;Брянская обл., Клинцы;в/ч 12345;пропал;"
    "20.08.2024;+7 912 345-67-89;\r\n"
    "2;  зябликов кирилл андреевич ;19.11.05;Респ. Башкортостан;в.ч. 41520;плен (по видео);"
    '21.08.2024;7,92E+10;"видели на видео\r\nв конце августа"\r\n'
    "3;Ладыгин Матвей Игоревич;2005 г.р.;брянская;1234;БВП;;;\r\n"
    ";;;;;;;;\r\n"
    "4;;2004;Курская область;;пропал;;;\r\n"
    "Всего: 4 чел.;;;;;;;;\r\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in(page, username: str, next_url: str) -> None:
    browser_log_in(page, username, "correct horse battery", next_url=next_url)
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def fits_the_screen(page) -> bool:
    """Nothing makes the page itself scroll sideways (wide tables scroll in their box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_moderator_uploads_a_messy_list_fixes_a_column_and_finds_the_rows_in_the_queue(
    page, tmp_path
):
    UserFactory(username="moder", groups=[access.MODERATORS])
    path = tmp_path / "список пропавших.csv"
    path.write_bytes(MESSY_LIST.encode("cp1251"))
    page.set_viewport_size(PHONE)
    log_in(page, "moder", "/reports/queue/")
    page.get_by_test_id("upload-link").click()
    form = page.get_by_test_id("upload-form")
    form.locator("[name=file]").set_input_files(str(path))
    form.locator("[name=source_name]").fill("Поиск срочников (вымышленный)")
    form.locator("button[type=submit]").click()

    # The mapping: every column but «Дата пропажи» was recognised.
    page.wait_for_url(re.compile(r"/reports/upload/\d+/$"))
    expect(page.locator("select[name=col_1]")).to_have_value("full_name")
    expect(page.locator("select[name=col_2]")).to_have_value("birth")
    expect(page.locator("select[name=col_6]")).to_have_value("")
    preview = page.get_by_test_id("preview-table")
    expect(preview.locator("[data-row='3']")).to_contain_text("Кречетов Тимофей Павлович")
    expect(preview.locator("[data-row='4']")).to_contain_text("Зябликов Кирилл Андреевич")
    expect(preview.locator("[data-row='3']")).not_to_contain_text("20.08.2024")
    assert fits_the_screen(page)

    page.locator("select[name=col_6]").select_option("last_contact")
    page.get_by_test_id("mapping-preview").click()
    expect(page.locator("select[name=col_6]")).to_have_value("last_contact")
    expect(preview.locator("[data-row='3']")).to_contain_text("20.08.2024")

    page.get_by_test_id("mapping-queue").click()
    expect(page.get_by_test_id("upload-state")).to_contain_text("Готово")
    counts = page.get_by_test_id("upload-counts")
    expect(counts).to_contain_text("Сообщений поставлено в очередь: 3")
    expect(counts).to_contain_text("Строк не поставлено в очередь (ошибки): 1")
    problems = page.get_by_test_id("upload-problems")
    expect(problems.locator("[data-row='4']")).to_contain_text("испорчен Excel")
    expect(problems.locator("[data-row='5']")).to_contain_text("не пятизначный номер")
    expect(problems.locator("[data-row='7']")).to_contain_text("Нет имени")
    assert fits_the_screen(page)

    page.get_by_test_id("upload-queue-link").click()
    expect(page.get_by_test_id("queue-upload-filter")).to_be_visible()
    expect(page.get_by_test_id("queue-count")).to_contain_text("3")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(3)
    expect(page.locator("table.queue-table")).to_contain_text("Зябликов Кирилл Андреевич")
    expect(page.locator("table.queue-table")).to_contain_text("строка 4")
    report = Report.objects.get(surname="Зябликов")
    assert (report.claimed_status, report.evidence_kind, report.last_contact_date) == (
        Status.CAPTURED,
        EvidenceKind.PRISONER_VIDEO,
        date(2024, 8, 21),
    )
    assert report.submitter_contact == "7,92E+10"  # kept, for moderators only


EXCHANGE_LIST = [
    # (surname, given name, patronymic, birth year): on record or not
    ("Кречетов", "Тимофей", "Павлович", 2005),
    ("Зябликов", "Кирилл", "Андреевич", 2004),
    ("Ладыгин", "Матвей", "Игоревич", 2005),
    ("Мерзляков", "Егор", "Олегович", 2004),
    ("Тихонравов", "Даниил", "Сергеевич", 2003),
    ("Воробьев", "Никита", "Андреевич", 2005),
    ("Сорокин", "Артем", "Викторович", 2004),
    ("Кудрявцев", "Павел", "Ильич", 2005),
    ("Синицын", "Глеб", "Романович", 2004),
    ("Грачев", "Семен", "Петрович", 2005),
    ("Снегирев", "Лев", "Антонович", 2004),
    ("Щеглов", "Марк", "Денисович", 2005),
    ("Небывалов", "Аркадий", "Львович", 2004),
    ("Выдумкин", "Савелий", "Артемович", 2005),
    ("Чижиков", "Роман", "Глебович", 2004),
    ("Дроздов", "Илья", "Максимович", 2005),
    ("Скворцов", "Олег", "Павлович", 2004),
    ("Журавлев", "Федор", "Егорович", 2005),
    ("Соловьев", "Тимур", "Ринатович", 2004),
    ("Голубев", "Арсений", "Олегович", 2005),
]
NOT_ON_RECORD = {"Небывалов", "Выдумкин"}


def test_a_moderator_pastes_an_exchange_list_and_confirms_three_as_returned(page):
    people = {
        surname: ConscriptFactory(
            surname=surname, given_name=given, patronymic=patronymic, birth_year=year
        )
        for surname, given, patronymic, year in EXCHANGE_LIST
        if surname not in NOT_ON_RECORD
    }
    UserFactory(username="moder2", groups=[access.MODERATORS])
    text = "Список возвращённых из плена 24.08.2024:\n" + "\n".join(
        f"{n}. {s} {g} {p}, {y} г.р." for n, (s, g, p, y) in enumerate(EXCHANGE_LIST, start=1)
    )
    page.set_viewport_size(PHONE)
    log_in(page, "moder2", "/sources/lists/")
    page.get_by_test_id("paste-form").locator("[name=text]").fill(text)
    page.get_by_test_id("paste-form").locator("button[type=submit]").click()

    page.wait_for_url(re.compile(r"/sources/lists/\d+/$"))
    expect(page.get_by_test_id("paste-summary")).to_contain_text("Найдено 18 из 20")
    lines = page.get_by_test_id("paste-line")
    expect(lines).to_have_count(20)
    expect(page.get_by_test_id("not-found")).to_have_count(2)
    expect(page.locator("[data-testid=paste-line][data-line='2']")).to_have_attribute(
        "data-confidence", "high"
    )
    assert fits_the_screen(page)

    for line in (2, 4, 6):  # Кречетов, Ладыгин, Тихонравов
        page.get_by_label(f"Подтвердить строку {line}", exact=True).check()
    form = page.get_by_test_id("confirm-form")
    expect(form.locator("[name=claimed_status]")).to_have_value("returned")
    expect(form.locator("[name=kind]")).to_have_value("exchange_list")
    form.locator("[name=event_date]").fill("24.08.2024")
    form.locator("[name=url]").fill("https://t.me/example_official/2408")
    form.locator("[name=source_name]").fill("Официальный канал (вымышленный)")
    form.locator("[name=summary]").fill("Вернулся при обмене 24 августа 2024 года.")
    page.get_by_test_id("confirm-review").click()

    # Every line is shown once more; nothing is written yet.
    expect(page.get_by_test_id("confirm-line")).to_have_count(3)
    expect(page.get_by_test_id("confirm-what")).to_contain_text("Вернулся")
    assert not people["Кречетов"].evidence.exists()
    page.get_by_test_id("confirm-write").click()

    expect(page.locator(".messages")).to_contain_text("Сведения добавлены для 3 человек")
    for surname in ("Кречетов", "Ладыгин", "Тихонравов"):
        person = people[surname]
        person.refresh_from_db()
        assert (person.status, person.status_since) == (Status.RETURNED, date(2024, 8, 24))
    people["Зябликов"].refresh_from_db()
    assert people["Зябликов"].status == Status.MISSING

    page.goto(people["Ладыгин"].get_absolute_url())
    expect(page.locator("main")).to_contain_text("Вернулся")
    expect(page.locator("main")).to_contain_text("Вернулся при обмене 24 августа 2024 года.")
