"""Kinds of text the extractor met in the third blind development corpus, one test a rule.

No database. Every person, place of service and post here is invented; none is copied
from a corpus.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from datetime import date

import pytest

from sources import extraction, ukrainian
from sources.extraction import extract
from sources.extraction_eval import score


@pytest.fixture(scope="module", autouse=True)
def _models():
    extraction.load_models()


def found(text: str) -> dict[tuple[str, str], extraction.PersonMention]:
    return {(p.surname, p.given_name): p for p in extract(text).people}


def only(text: str) -> extraction.PersonMention:
    people = extract(text).people
    assert len(people) == 1, people
    return people[0]


# --- what the post claims ----------------------------------------------------------------


def test_a_man_still_held_after_an_exchange_is_captured_and_the_others_returned():
    post = (
        "Вчера обменяли 40 срочников. Среди них Грачёв Тимофей из Вологды и Лунин Егор из "
        "Твери. А вот Бурцева Савелия в списках нет — он до сих пор в плену."
    )
    people = found(post)
    assert people[("Грачев", "Тимофей")].status_claim == extraction.RETURNED
    assert people[("Лунин", "Егор")].status_claim == extraction.RETURNED
    assert people[("Бурцев", "Савелий")].status_claim == extraction.CAPTURED


def test_in_ukrainian_a_man_left_in_captivity_is_captured():
    post = (
        "Після обміну додому повернулися 30 строковиків. А от Тарас Жмуров з Пензи у списки "
        "на обмін не потрапив — залишається в полоні."
    )
    assert only(post).status_claim == extraction.CAPTURED


def test_a_man_still_listed_missing_beside_one_who_returned_is_missing():
    post = (
        "В ходе обмена вернулся домой Ершов Клим из Вологды. Его сослуживец Рябцев Фома "
        "по-прежнему числится пропавшим без вести."
    )
    people = found(post)
    assert people[("Ершов", "Клим")].status_claim == extraction.RETURNED
    assert people[("Рябцев", "Фома")].status_claim == extraction.MISSING


def test_a_prisoner_asking_to_be_exchanged_has_not_returned():
    post = (
        "Полонений строковик Гліб Стрижов (2005 р.н.) просить обміняти його. "
        "Відео: t.me/somechan/77"
    )
    assert only(post).status_claim == extraction.CAPTURED


def test_work_towards_an_exchange_is_no_return():
    post = (
        "Опознан на видео: Шатров Лука, 2004 г.р. Статус: в плену. Поиск закрыт, переходим к "
        "работе по обмену."
    )
    assert only(post).status_claim == extraction.CAPTURED


def test_a_man_who_died_after_the_exchange_is_dead():
    post = (
        "Из вернувшихся срочников один, Сомов Аким Петрович, 2005 г.р., скончался в госпитале "
        "через два дня после обмена."
    )
    assert only(post).status_claim == extraction.DEAD


def test_a_body_returned_is_a_death():
    post = "Ще одного строковика, Прохора Лядова з Орла, повернули тілом — він помер у лікарні."
    assert only(post).status_claim == extraction.DEAD


def test_a_death_once_wrongly_reported_is_not_his_status():
    post = (
        "В ходе обмена вернулся домой Хромов Назар из Вологды, которого ошибочно считали погибшим."
    )
    assert only(post).status_claim == extraction.RETURNED


def test_returned_in_the_passive_and_in_ukrainian_participles():
    assert only("Из плена возвращены: Зыков Ермолай Петрович — Курская область.").status_claim == (
        extraction.RETURNED
    )
    post = "Ще імена строковиків, повернутих у РФ: Чулков Данило (Брянськ)."
    assert only(post).status_claim == extraction.RETURNED


@pytest.mark.parametrize(
    "phrase", ["С 6 августа без связи.", "С 7-го не отвечает.", "Перестал звонить в августе."]
)
def test_a_search_post_without_the_usual_words_is_missing(phrase):
    post = f"Брат: Федулов Тит Ильич, 2005 г.р., в/ч 10001. {phrase}"
    assert only(post).status_claim == extraction.MISSING


def test_a_claim_in_a_clause_about_the_friend_is_the_friends():
    post = (
        "Администрация г. Кунгура сообщает о гибели Ефима Кравцова, 2004 г.р. Ефим служил со "
        "своим другом Остапом Лесных, который находится в плену."
    )
    people = found(post)
    assert people[("Кравцов", "Ефим")].status_claim == extraction.DEAD
    assert people[("Лесных", "Остап")].status_claim == extraction.CAPTURED


def test_an_unsure_sighting_of_a_prisoner_leaves_him_missing():
    post = (
        "Ищу сына Дымова Сергея, 2004 г.р. Говорят, какой-то пленный на видео назвал наш "
        "город — может это мой Серёжа?"
    )
    assert only(post).status_claim == extraction.MISSING


# --- who the post is about ---------------------------------------------------------------


def test_a_brother_named_by_his_given_name_is_a_second_man():
    post = (
        "Подтверждена гибель Торопова Ильи Юрьевича, 2005 г.р. Его брат Савва, по словам "
        "сослуживцев, жив и в плену."
    )
    people = found(post)
    assert people[("Торопов", "Илья")].status_claim == extraction.DEAD
    assert people[("Торопов", "Савва")].status_claim == extraction.CAPTURED


def test_a_brother_only_mentioned_is_no_subject():
    post = "Пропал Торопов Илья, 2005 г.р. Брат Савва и мама ждут любой весточки."
    assert list(found(post)) == [("Торопов", "Илья")]


def test_a_family_with_its_town_between_surname_and_names():
    post = "Брати Шевлягіни з Орська — Андрій та Олег. Обидва потрапили в полон у серпні."
    assert set(found(post)) == {("Шевлягин", "Андрей"), ("Шевлягин", "Олег")}


def test_a_town_after_a_word_of_origin_is_not_a_surname():
    post = "Среди вернувшихся — уроженец Урус-Мартана Аслан Дасаев, срочник."
    assert list(found(post)) == [("Дасаев", "Аслан")]


def test_a_peoples_name_before_a_man_is_not_his_surname():
    post = "Калмик Очир Бембеєв, 2004 р.н., Еліста. В/ч 10002. Відео: t.me/somechan/78"
    assert list(found(post)) == [("Бембеев", "Очир")]


def test_an_official_quoted_by_name_is_not_the_conscript():
    post = (
        "Глава района Пётр Сушков сообщил о возвращении из плена земляка Никиты Рогалёва. "
        "«Мы ждали тебя!» — написал Пётр Сушков."
    )
    assert list(found(post)) == [("Рогалев", "Никита")]


def test_a_ukrainian_womans_name_beside_him_is_not_a_man():
    post = (
        "Серед повернутих — строковик Володимир Кудрін, 2005 р.н. Про це повідомила "
        "Тетяна Гусакова."
    )
    assert list(found(post)) == [("Кудрин", "Владимир")]


def test_a_name_after_a_short_label_in_a_list_is_a_card():
    post = (
        "Вернулись из плена:\n▪️ Тульская область: Лихачёв Дементий Ильич (Ефремов)\n"
        "▪️ Орловская область: Басов Прохор Ильич (Ливны)"
    )
    assert set(found(post)) == {("Лихачев", "Дементий"), ("Басов", "Прохор")}


def test_the_mother_of_a_conscript_names_him():
    post = "«Сынок вернулся» — пише мама строковика Тараса Кулеби з Рязанської області."
    assert list(found(post)) == [("Кулеба", "Тарас")]


@pytest.mark.parametrize(
    ("word", "russian"),
    [("баїр", "баир"), ("ільїн", "ильин"), ("паршуковим", "паршуков"), ("володимира", "владимир")],
)
def test_ukrainian_letters_read_the_russian_way(word, russian):
    assert ukrainian.read_word(word).russian == russian


# --- fields ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "post",
    [
        "▪️ Ерохин Лука Ильич — 03.05.2005 — Воронежская обл.",
        "Мой Лука с 6-го не отвечает, Ерохин Лука Ильич 03.05.2005. Мы из Воронежа.",
        "Ищем. Ерохин Лука Ильич. 03.05.05. Срочник.",
    ],
)
def test_a_birth_date_after_a_dash_or_a_full_stop(post):
    assert only(post).birth_date == date(2005, 5, 3)


@pytest.mark.parametrize(
    ("post", "region"),
    [
        (
            "☝️ПРОПАЛ☝️ Дуров Олег, 2005 г.р.\n🏠 Ивановская область, г. Кинешма 🏠",
            "Ивановская область",
        ),
        (
            "Сын: Дуров Олег\nродом: Смоленская обл., г. Рославль\nНе выходит на связь.",
            "Смоленская область",
        ),
        ("Ищем. Дуров Олег. 2005 г.р. Срочник. Курская обл. Родом Пенза.", "Пензенская область"),
        ("Пишу вам из Брянской области. Ищу сына — Дуров Олег, 2005 г.р.", "Брянская область"),
        ("Горно-Алтайск скорбит. Погиб Олег Дуров, 2004 г.р., срочник.", "Республика Алтай"),
        (
            "МБОУ «СОШ №1 г. Рославль» скорбит. Погиб выпускник Дуров Олег, 2004 г.р.",
            "Смоленская область",
        ),
        (
            "Администрация Глушковского района информирует: вернулся домой Дуров Олег, 2004 г.р.",
            "Курская область",
        ),
        (
            "ПРОПАЛ СРОЧНИК\nДУРОВ ОЛЕГ ИГОРЕВИЧ\n04.04.2005\nЧЕЛЯБИНСКАЯ ОБЛ Г. МИАСС\nВ/Ч 10003",
            "Челябинская область",
        ),
        (
            "Военнослужащий по призыву из Красносельского района Костромской области Олег Дуров "
            "вернулся из плена.",
            "Костромская область",
        ),
        ("Обміняли: Дуров Олег (Єлець). Вдома.", "Липецкая область"),
        ("Повернули: Дуров Олег — Калузька обл.", "Калужская область"),
        ("Серед обміняних Олег Дуров з Нижньокамська.", "Республика Татарстан"),
        (
            "Полонений з Курщини — Олег Дуров, уродженець Клинців Брянської області, 2005 р.н.",
            "Брянская область",
        ),
    ],
)
def test_home_region_from_more_kinds_of_text(post, region):
    assert only(post).region == region


def test_a_district_shared_by_two_regions_is_not_the_town_of_its_name():
    post = "Вернулись домой Дуров Олег из Жуковского района и Лапин Ефим из Клинцов."
    assert found(post)[("Дуров", "Олег")].region != "Московская область"


def test_after_the_word_srochnik_a_region_is_where_he_served():
    assert (
        only("Вот он, наш Лёва. Дуров Лев, 2004. Срочник. Курская область. Пропал.").region is None
    )


# --- the scorer ------------------------------------------------------------------------------


def test_the_scorer_compares_regions_and_videos_by_what_they_name():
    corpus = [
        {
            "id": "x",
            "kind": "prisoner_video",
            "text": "",
            "expected": {
                "people": [
                    {
                        "surname": "Дуров",
                        "given_name": "Олег",
                        "region": "Чувашская Республика — Чувашия",
                    }
                ],
                "phones": [],
                "video_urls": ["https://youtu.be/AbCdEfGhIjK"],
            },
        }
    ]
    outputs = {
        "x": {
            "people": [
                {"surname": "Дуров", "given_name": "Олег", "region": "Чувашская Республика"}
            ],
            "phones": [],
            "video_urls": ["https://www.youtube.com/watch?v=AbCdEfGhIjK"],
        }
    }
    report = score(corpus, outputs)
    assert report.field_accuracy("region") == 1.0
    assert report.videos.precision == report.videos.recall == 1.0


def test_vk_video_links_are_found():
    assert extract("Родные, проверьте: vk.com/video-1234567_456239001").video_urls == [
        "https://vk.com/video-1234567_456239001"
    ]


def test_a_son_named_by_his_given_name_takes_the_familys_surname():
    post = (
        "Глава района выразил соболезнования семье Цороевых из Назрани в связи с гибелью сына "
        "Мурата, проходившего срочную службу."
    )
    assert list(found(post)) == [("Цороев", "Мурат")]
    post = (
        "Зарема Албогачиева рассказала, что узнала сына Ахмеда в ролике украинского канала: он "
        "попал в плен. Ссылка: t.me/somechan/1843"
    )
    person = only(post)
    assert (person.surname, person.given_name, person.status_claim) == (
        "Албогачиев",
        "Ахмед",
        extraction.CAPTURED,
    )
