"""Kinds of text the extractor met in posts written by others (issue 13), one test a kind.

No database. Every person and every post here is invented; none is copied from a corpus.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from datetime import date

import pytest

from conscripts import geo
from sources import extraction, ukrainian
from sources.extraction import extract


@pytest.fixture(scope="module", autouse=True)
def _models():
    extraction.load_models()


def people(text: str) -> list[tuple[str, str]]:
    return [(p.surname, p.given_name) for p in extract(text).people]


def only(text: str) -> extraction.PersonMention:
    found = extract(text).people
    assert len(found) == 1, found
    return found[0]


# --- surnames that are ordinary words --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surname", "given"),
    [
        ("Разыскиваем Кузнеца Тихона Ильича, 2004 г.р., в/ч 12345.", "Кузнец", "Тихон"),
        ("СОЛОВЕЙ ЕГОР ПАВЛОВИЧ\n12.03.2005 г.р.\nпропал без вести", "Соловей", "Егор"),
        ("Ищем Прохора Зимнего, 2003 г.р., пропал 7 августа.", "Зимний", "Прохор"),
        ("Пчёлку Матвея Олеговича, 2005 г.р., ищут с августа.", "Пчелка", "Матвей"),
        ("Помогите найти Семёна Молодого, 2004 г.р., нет связи.", "Молодой", "Семен"),
        ("Ищем Голубя Тараса и Волка Нестора! Оба 2005 г.р., нет связи.", "Голубь", "Тарас"),
    ],
)
def test_a_surname_that_is_an_ordinary_word_is_read(text, surname, given):
    assert (surname, given) in people(text)


def test_a_capitalised_word_after_a_name_in_capitals_is_not_a_surname():
    assert people("UPD: ФЕДЯ ДОМА, ЖИВОЙ!!! Спасибо всем") == []


# --- Ukrainian ---------------------------------------------------------------------------


def test_it_detects_ukrainian_text_cheaply():
    assert ukrainian.is_ukrainian("Полонений строковик представився, що його звуть так.")
    assert not ukrainian.is_ukrainian("Пленный срочник представился, сказал, что его зовут так.")


@pytest.mark.parametrize(
    ("word", "russian"),
    [
        ("Олексієм", "алексей"),
        ("Миколою", "николай"),
        ("Дмитра", "дмитрий"),
        ("Горобченком", "горобченко"),
        ("Лапшиним", "лапшин"),
        ("Роговцевим", "роговцев"),
        ("Андрійовича", "андреевич"),
        ("Юрійович", "юрьевич"),
        ("Синиця", "синица"),
        ("Бєляєва", "беляев"),
    ],
)
def test_it_reads_ukrainian_name_forms_back_to_the_russian_nominative(word, russian):
    assert ukrainian.read_word(word.lower()).russian == russian


def test_a_ukrainian_prisoner_caption_gives_name_date_home_and_unit():
    person = only(
        "Полонений строковик представився Миколою Лапшиним, народився 3 березня 2005 року, "
        "каже, що він з міста Орел. Військова частина 12345.\nhttps://t.me/polon_demo/17"
    )
    assert (person.surname, person.given_name) == ("Лапшин", "Николай")
    assert person.birth_date == date(2005, 3, 3)
    assert person.region == "Орловская область"
    assert person.unit_number == "12345"
    assert person.status_claim == "captured"


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Строковика Тараса Гусельникова обміняли, він повернувся додому.", "returned"),
        ("Строковик Тарас Гусельников потрапив у полон на Курщині.", "captured"),
        ("Строковик Тарас Гусельников зник безвісти 7 серпня.", "missing"),
        ("Строковик Тарас Гусельников загинув 9 серпня.", "dead"),
        ("Мати шукає Тараса Гусельникова. Якщо він у полоні — напишіть.", "missing"),
    ],
)
def test_it_reads_the_ukrainian_words_for_the_claims(sentence, status):
    assert only(sentence).status_claim == status


def test_russian_analysis_still_works_after_a_ukrainian_post():
    # pymorphy3 shares one tag class between languages: loading the Ukrainian dictionary
    # must not take the Russian grammemes (Geox) away from the Russian analyzers.
    extract("Полонений Тарас Гусельников, 2005 р.н., з Рильська.")
    ukrainian.read_word("олексієм")
    assert geo.resolve_region("из Рыльска").code == "KRS"
    assert only("Гусельников Тарас, родом из Рыльска, пропал.").region == "Курская область"


# --- names of Russia's non-Slavic peoples --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surname", "given"),
    [
        ("Ищем Мергена Очаева, 2005 г.р., в/ч 12345.", "Очаев", "Мерген"),
        ("Монгуш Херел Ай-оолович, 2004 г.р., пропал без вести.", "Монгуш", "Херел"),
        ("Херел Ооржак, 2004 г.р., на связь не выходит.", "Ооржак", "Херел"),
        ("Разыскиваем Дьулустана Сивцова, 2005 г.р., нет связи.", "Сивцов", "Дьулустан"),
        ("Ищем Айнура Габдуллина, 2005 г.р., пропал.", "Габдуллин", "Айнур"),
        ("Полонений представився Арсаланом Цидиповим, 2004 р.н.", "Цыдыпов", "Арсалан"),
        ("Ищем Эртине Куулара, 2004 г.р., нет связи.", "Куулар", "Эртине"),
    ],
)
def test_it_reads_declined_names_of_non_slavic_peoples(text, surname, given):
    assert (surname, given) in people(text)


# --- families, forms, lists, posts without capitals --------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ищем братьев Пестряковых — Илью и Глеба! Оба 2005 г.р., в/ч 12345.",
        "Близнецы Пестряковы, Илья и Глеб, 2005 г.р., пропали 6 августа.",
        "Брати Пестрякови, Ілля та Гліб, потрапили в полон разом.",
    ],
)
def test_a_family_plural_is_two_people_with_one_surname(text):
    found = extract(text).people
    assert {(p.surname, p.given_name) for p in found} == {
        ("Пестряков", "Илья"),
        ("Пестряков", "Глеб"),
    }
    assert {p.status_claim for p in found} == {found[0].status_claim}


def test_details_said_of_both_go_to_both():
    found = extract(
        "Ищем Соловьёва Тараса и Голубева Нестора!!!\nОба 2005 г.р., служили вместе "
        "в в/ч 12345. С 7 августа связи нет."
    ).people
    assert [(p.birth_year, p.unit_number) for p in found] == [(2005, "12345")] * 2


def test_it_reads_a_name_from_a_form():
    person = only(
        "Пропал без вести!\nФамилия: Лосев\nИмя: Захар\nОтчество: Ильич\n"
        "Дата рождения: 30.01.2005\nВ/Ч: 12345\nОткуда: Тульская обл., г. Алексин"
    )
    assert (person.surname, person.given_name, person.patronymic) == ("Лосев", "Захар", "Ильич")
    assert person.unit_number == "12345"
    assert person.region == "Тульская область"


def test_it_reads_a_post_typed_without_capitals():
    person = only(
        "ищем козырева матвея андреевича 2005гр вч 12345 пропал 10 августа. "
        "сам он из брянска. кто что знает отзовитесь"
    )
    assert (person.surname, person.given_name, person.patronymic) == (
        "Козырев",
        "Матвей",
        "Андреевич",
    )
    assert person.region == "Брянская область"
    assert person.unit_number == "12345"


def test_exchange_news_naming_several_men_claims_each_returned():
    found = extract(
        "В результате обмена домой вернулись срочники, попавшие в плен в августе: "
        "Тарасов Нестор, Голубев Фома и Пестряков Глеб. Губернатор поблагодарил переговорщиков."
    ).people
    assert [p.surname for p in found] == ["Тарасов", "Голубев", "Пестряков"]
    assert {p.status_claim for p in found} == {"returned"}


def test_names_listed_in_a_ukrainian_exchange_share_its_claim():
    found = extract(
        "Обмін відбувся. Серед переданих росії — Тарасов Нестор (Льгов), Голубєв Фома (Орел)."
    ).people
    assert [(p.surname, p.status_claim, p.region) for p in found] == [
        ("Тарасов", "returned", "Курская область"),
        ("Голубев", "returned", "Орловская область"),
    ]


# --- who the post is about ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Рядовой Лосев Захар погиб. На прощании выступил старший лейтенант Олег Ракитин.",
        "Лосев Захар вернулся из плена. Як повідомив представник штабу Петро Ярошенко, обмін "
        "відбувся.",
        "Лосев Захар погиб. Молебен провёл протоиерей Михаил Дьяконов.",
    ],
)
def test_officers_clergy_and_spokesmen_are_not_the_conscript(text):
    assert people(text) == [("Лосев", "Захар")]


@pytest.mark.parametrize(
    "text",
    [
        "Ищу информацию о прадеде. Лосев Захар Ильич, 1921 г.р., пропал без вести в 1943 году.",
        "Ищу прадеда: Лосев Захар Ильич, уроженец Курской области, пропал без вести в 1942 году.",
        "Вспоминаем земляка рядового Лосева Захара, погибшего в Афганистане в 1985 году.",
        "ПРОПАЛ ЧЕЛОВЕК! Лосев Захар Ильич, 1951 г.р., ушёл из дома и не вернулся.",
    ],
)
def test_posts_about_earlier_wars_and_pensioners_name_no_conscript(text):
    assert people(text) == []


def test_a_year_of_an_earlier_war_does_not_hide_a_man_missing_in_this_one():
    assert people(
        "Лосев Захар Ильич служит по контракту с 1999 года. Пропал под Суджей, нет связи."
    ) == [("Лосев", "Захар")]


def test_asking_about_him_in_the_dative_or_prepositional_is_about_him():
    assert people("Нужна информация по Лосеву Захару Ильичу, 2005 г.р., пропал.") == [
        ("Лосев", "Захар")
    ]
    assert people("Кто знает что-то о Лосеве Захаре 2004гр в/ч 12345?") == [("Лосев", "Захар")]


# --- claims ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Родные узнали Захара Лосева на видео! Теперь ждём обмена.", "captured"),
        ("Один пленный на видео похож на нашего Захара Лосева, но мы не уверены.", "missing"),
        ("Нам сказали, что Захар Лосев погиб. Мы не верим, что он погиб. Ищем.", "missing"),
        ("Лосев Захар, 2005 г.р., вернулся из плена, где провёл три месяца.", "returned"),
        ("Лосев Захар погиб 9 августа, тело передали родным только в ноябре.", "dead"),
        (
            "Срочник Лосев Захар, 2004 г.р., в/ч 12345. Если узнали — пишите. t.me/demo/5",
            "captured",
        ),
    ],
)
def test_it_reads_what_a_post_claims_about_him(text, status):
    assert only(text).status_claim == status


# --- home region -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Вернулись:\n1. Лосев Захар — Республика Башкортостан\n2. Тарасов Нестор — Тверская обл.",
         "Республика Башкортостан"),
        ("Строковик Захар Лосев (2004 р.н., Грозний) потрапив у полон.", "Чеченская Республика"),
        ("В Нерюнгри простились с земляком Захаром Лосевым, погибшим в Курской области.",
         "Республика Саха (Якутия)"),
        ("Администрация Данковского района сообщает о гибели нашего земляка Лосева Захара.",
         "Липецкая область"),
        ("В Туву вернулся из плена срочник Захар Лосев.", "Республика Тыва"),
        ("Сегодня домой, в Овюрский кожуун, вернулся Захар Лосев!", "Республика Тыва"),
        ("Лосев Захар погиб. Он родился и вырос в Бураевском районе.",
         "Республика Башкортостан"),
        ("Лосев Захар, 2005 г.р., погиб. Служил по призыву. Из Кимр, Тверская область.",
         "Тверская область"),
        ("Вернулись домой курянин Захар Лосев и туляк Нестор Тарасов.", "Курская область"),
        ("Лосев Захар, КОРЕННОЙ СУДЖАНЕЦ, погиб.", "Курская область"),
        ("Родные из Элисты ищут Лосева Захара, 2005 г.р.", "Республика Калмыкия"),
        ("Полонений Захар Лосев, 2005 р.н., з Білгородської області.", "Белгородская область"),
    ],
)  # fmt: skip
def test_it_reads_the_home_region_from_the_kinds_of_text_posts_use(text, region):
    assert extract(text).people[0].region == region


@pytest.mark.parametrize(
    "text",
    [
        "Ищем Лосева Захара, 2004 г.р., в.ч. 12345. Проходил службу в Курской области (Глушково).",
        "Лосев Захар, 2005 г.р., в/ч 12345. Был на КПП в Курской области. Связь пропала.",
        "Лосев Захар, 14.09.2004, г. Гудермес. Был на срочной службе, в/ч 12345, Курская обл.",
    ],
)
def test_a_place_after_his_name_stops_where_the_post_turns_to_his_service(text):
    person = only(text)
    assert person.region in (None, "Чеченская Республика")
