"""Name normalisation, declension, variants, transliteration and query parsing.

Plain unit tests of conscripts.names (no database). All people are made up.
"""

from datetime import date

import pytest

from conscripts.names import (
    NameParts,
    canonical_given_name,
    clean,
    given_name_candidates,
    latin_spellings,
    parse_query,
    script_of,
    skeleton,
    skeletons,
    to_cyrillic_candidates,
    to_nominative,
)

# --- clean ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("иванов иван", "Иванов Иван"),
        ("ИВАНОВ  ИВАН\tИВАНОВИЧ", "Иванов Иван Иванович"),
        ("римский-КОРСАКОВ", "Римский-Корсаков"),
        ("Римский—Корсаков", "Римский-Корсаков"),
        ("Римский–Корсаков", "Римский-Корсаков"),
        ("Воробьёв Пётр", "Воробьев Петр"),
        ("  Петров, Иван (1990)!  ", "Петров Иван"),
        ("Петров - Иван", "Петров Иван"),
        ("--Петров--", "Петров"),
        ("Il'in", "Ilin"),
        ("Ивaнов", "Иванов"),  # a Latin «a» typed inside a Cyrillic word
        ("12345 ... !!!", ""),
    ],
)
def test_it_cleans_names(raw, expected):
    assert clean(raw) == expected


def test_it_tells_scripts_apart():
    assert script_of("Иванов") == "cyrillic"
    assert script_of("Ivanov") == "latin"
    assert script_of("Иванов Ivan") == "mixed"
    assert script_of("12345") == ""


# --- to_nominative ---------------------------------------------------------------

MALE = [
    "Воронцов Глеб Андреевич",
    "Воронцова Глеба Андреевича",
    "Воронцову Глебу Андреевичу",
    "Воронцова Глеба Андреевича",
    "Воронцовым Глебом Андреевичем",
    "Воронцове Глебе Андреевиче",
]
FEMALE = [
    "Воронцова Дарья Игоревна",
    "Воронцовой Дарьи Игоревны",
    "Воронцовой Дарье Игоревне",
    "Воронцову Дарью Игоревну",
    "Воронцовой Дарьей Игоревной",
    "Воронцовой Дарье Игоревне",
]
MALE_2 = [
    "Кудрин Тимофей Васильевич",
    "Кудрина Тимофея Васильевича",
    "Кудрину Тимофею Васильевичу",
    "Кудрина Тимофея Васильевича",
    "Кудриным Тимофеем Васильевичем",
    "Кудрине Тимофее Васильевиче",
]
FEMALE_2 = [
    "Кудрина Любовь Юрьевна",
    "Кудриной Любови Юрьевны",
    "Кудриной Любови Юрьевне",
    "Кудрину Любовь Юрьевну",
    "Кудриной Любовью Юрьевной",
    "Кудриной Любови Юрьевне",
]
ADJECTIVAL = [
    "Покровский Илья Романович",
    "Покровского Ильи Романовича",
    "Покровскому Илье Романовичу",
    "Покровского Илью Романовича",
    "Покровским Ильей Романовичем",
    "Покровском Илье Романовиче",
]


def _parts(text: str) -> NameParts:
    return NameParts(*text.split())


@pytest.mark.parametrize("declined", MALE)
def test_it_puts_a_man_in_every_case_into_the_nominative(declined):
    assert to_nominative(declined.split()) == _parts(MALE[0])


@pytest.mark.parametrize("declined", FEMALE)
def test_it_keeps_a_woman_female_in_every_case(declined):
    assert to_nominative(declined.split()) == _parts(FEMALE[0])


@pytest.mark.parametrize("declined", MALE_2 + FEMALE_2 + ADJECTIVAL)
def test_it_handles_soft_stems_and_adjectival_surnames(declined):
    expected = {tuple(MALE_2): MALE_2[0], tuple(FEMALE_2): FEMALE_2[0]}
    for group in (MALE_2, FEMALE_2, ADJECTIVAL):
        if declined in group:
            assert to_nominative(declined.split()) == _parts(group[0])
    assert expected  # the groups above are all covered


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Петрова Алексея Сергеевича", ("Петров", "Алексей", "Сергеевич")),
        ("Смирновой Ольги", ("Смирнова", "Ольга", "")),
        ("Никите Воробьёве", ("Воробьев", "Никита", "")),
        ("Ивановым Иваном Ивановичем", ("Иванов", "Иван", "Иванович")),
        ("ЕГОРОВА ДМИТРИЯ", ("Егоров", "Дмитрий", "")),
        ("егорова дмитрия", ("Егоров", "Дмитрий", "")),
        ("Алексея Петрова", ("Петров", "Алексей", "")),
        ("Алексея Сергеевича Петрова", ("Петров", "Алексей", "Сергеевич")),
        ("Васильевым Олегом Васильевичем", ("Васильев", "Олег", "Васильевич")),
        ("Игоре Маркове", ("Марков", "Игорь", "")),
        ("Римского-Корсакова Николая", ("Римский-Корсаков", "Николай", "")),
    ],
)
def test_it_restores_the_examples_from_posts(words, expected):
    assert to_nominative(words.split()) == NameParts(*expected)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Черных Ивана Петровича", ("Черных", "Иван", "Петрович")),
        ("Белых Анне Сергеевне", ("Белых", "Анна", "Сергеевна")),
        ("Бондаренко Марии", ("Бондаренко", "Мария", "")),
        ("Бондаренко Кириллом", ("Бондаренко", "Кирилл", "")),
        ("Шевчук Ольгой", ("Шевчук", "Ольга", "")),
        ("Шевчука Олега", ("Шевчук", "Олег", "")),
        ("Кох Анны", ("Кох", "Анна", "")),
        ("Коха Петра", ("Кох", "Петр", "")),
    ],
)
def test_it_leaves_indeclinable_surnames_alone(words, expected):
    assert to_nominative(words.split()) == NameParts(*expected)


def test_it_spells_patronymics_the_passport_way():
    assert to_nominative(["Юрьевича"]).patronymic == "Юрьевич"
    assert to_nominative(["Сидорова", "Васильевича"]).patronymic == "Васильевич"


def test_it_reads_a_single_word_as_typed():
    assert to_nominative(["Петрова"]) == NameParts("Петрова", "")
    assert to_nominative(["Алексея"]) == NameParts("", "Алексей")


def test_it_ignores_initials_and_prepositions():
    assert to_nominative(["о", "Петрове"]) == NameParts("Петров", "")
    assert to_nominative(["Уткин", "Б"]) == NameParts("Уткин", "")


def test_a_gender_hint_settles_names_that_read_both_ways():
    assert to_nominative(["Лазарева", "Богдана"]) == NameParts("Лазарева", "Богдана")
    assert to_nominative(["Лазарева", "Богдана"], gender="masc") == NameParts("Лазарев", "Богдан")


@pytest.mark.parametrize(
    "words", ["Разыскиваем", "Курская область", "Ivanov Ivan", "", "а б в г д", "1 2 3"]
)
def test_it_rejects_what_is_not_a_name(words):
    assert to_nominative(words.split()) is None


def test_it_keeps_turkic_patronymic_particles():
    assert to_nominative(["Мамедов", "Эльдар", "Рашид", "оглы"]) == NameParts(
        "Мамедов", "Эльдар", "Рашид оглы"
    )


# --- given-name variants --------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "full"),
    [
        ("Лёша", "Алексей"),
        ("Леша", "Алексей"),
        ("Алёша", "Алексей"),
        ("Саша", "Александр"),
        ("Шура", "Александр"),
        ("Дима", "Дмитрий"),
        ("Миша", "Михаил"),
        ("Ваня", "Иван"),
        ("Женя", "Евгений"),
        ("Коля", "Николай"),
        ("Серёжа", "Сергей"),
        ("Вова", "Владимир"),
        ("Володя", "Владимир"),
        ("Паша", "Павел"),
        ("Костя", "Константин"),
        ("Никитка", "Никита"),
        ("Андрюша", "Андрей"),
        ("Гоша", "Георгий"),
        ("Илюша", "Илья"),
        ("Тёма", "Артем"),
        ("Артёмка", "Артем"),
        ("Артём", "Артем"),
        ("Стас", "Станислав"),
        ("Слава", "Вячеслав"),
        ("Наташа", "Наталья"),
        ("Катя", "Екатерина"),
        ("ВАНЯ", "Иван"),
        ("Sasha", "Александр"),
        ("Dima", "Дмитрий"),
        ("Lyosha", "Алексей"),
        ("Иван", "Иван"),
        ("Эльдар", "Эльдар"),
    ],
)
def test_it_maps_diminutives_to_passport_names(variant, full):
    assert canonical_given_name(variant) == full


def test_ambiguous_diminutives_list_every_candidate():
    assert given_name_candidates("Слава")[:3] == ("Вячеслав", "Владислав", "Ярослав")
    assert set(given_name_candidates("Женя")) == {"Евгений", "Евгения"}
    assert given_name_candidates("Саша") == ("Александр", "Александра")
    assert given_name_candidates("Джонатан") == ("Джонатан",)


# --- transliteration and skeleton ----------------------------------------------

FAMILIES = [
    ["Иванов", "Ivanov", "Iwanow", "Ivanoff", "IVANOV"],
    ["Щербаков", "Shcherbakov", "Scherbakov", "Schtscherbakow", "Szczerbakow", "Ščerbakov"],
    ["Юрьевич", "Iurevich", "Yuryevich", "Yur'evich", "Jurjewitsch"],
    ["Жуков", "Zhukov", "Jukov", "Schukow", "Żukow", "Joukov"],
    ["Ёлкин", "Елкин", "Elkin", "Yolkin", "Jolkin"],
    ["Хабибуллин", "Khabibullin", "Habibullin", "Chabibullin", "Xabibullin"],
    ["Дмитрий", "Dmitry", "Dmitriy", "Dmitrij", "Dmitri", "Dmitrii"],
    ["Кузнецов", "Kuznetsov", "Kuznecov", "Kusnezow", "Kouznetsov"],
    ["Мария", "Mariya", "Mariia", "Maria", "Marija"],
    ["Чернышёв", "Chernyshev", "Chernyshyov", "Tschernyschow", "Czernyszow"],
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f[0])
def test_every_spelling_of_a_name_reaches_its_stored_key(family):
    stored = skeleton(family[0])
    for spelling in family[1:]:
        assert stored in skeletons(spelling), spelling


@pytest.mark.parametrize("name", ["Щербаков", "Воробьёв", "Хабибуллин", "Юрьевич", "Зайцев"])
def test_every_romanisation_we_generate_reaches_the_key(name):
    stored = skeleton(name)
    for spelling in latin_spellings(name):
        assert stored in skeletons(spelling), spelling


def test_unambiguous_spellings_give_the_same_single_key():
    assert skeleton("Ivanov") == skeleton("Iwanow") == skeleton("Иванов") == "ivanov"
    assert skeleton("Shcherbakov") == skeleton("Szczerbakow") == skeleton("Щербаков")
    assert skeleton("Иванов Иван Иванович") == "ivanov ivan ivanoviq"
    assert skeleton("Римский-Корсаков") == "rimski korsakov"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Иванов", "Иваненко"),
        ("Петров", "Петраков"),
        ("Лапин", "Ляпин"),
        ("Жаров", "Шаров"),
        ("Зуев", "Суев"),
        ("Чернов", "Хренов"),
        ("Иванов", "Иванович"),
    ],
)
def test_different_names_keep_different_keys(one, other):
    assert skeleton(one) != skeleton(other)
    assert skeleton(one) not in skeletons(other)


def test_keys_are_plain_ascii_for_trigram_indexes():
    for name in ["Щербаков-Ёлкин", "Подъячев", "Ščerbakov", "Żukow", "Хабибуллин Ильдар"]:
        key = skeleton(name)
        assert key
        assert all(ch == " " or "a" <= ch <= "z" for ch in key), key


def test_latin_spellings_cover_passport_german_polish_and_informal():
    spellings = latin_spellings("Щербаков")
    assert {"shcherbakov", "schtscherbakow", "szczerbakow", "scherbakov"} <= spellings
    assert {"ivanov", "iwanow", "ivanoff"} <= latin_spellings("Иванов")
    assert {"iurii", "yuriy", "yury", "juri"} <= latin_spellings("Юрий")
    assert "jukov" in latin_spellings("Жуков")
    assert {"vorobyov", "vorobev"} <= latin_spellings("Воробьев")  # ё restored
    assert all(s == s.lower() for s in spellings)


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Ivanov", "Иванов"),
        ("Shcherbakov", "Щербаков"),
        ("Jukov", "Жуков"),
        ("Chabibullin", "Хабибуллин"),
        ("Yuryevich", "Юрьевич"),
        ("Mariia", "Мария"),
        ("Kusnezow", "Кузнецов"),
        ("Dmitry Ivanov", "Дмитрий Иванов"),
    ],
)
def test_it_guesses_the_cyrillic_of_a_latin_name(latin, cyrillic):
    assert cyrillic in to_cyrillic_candidates(latin)


def test_the_first_cyrillic_guess_is_a_known_name():
    assert to_cyrillic_candidates("Ivanov")[0] == "Иванов"
    assert to_cyrillic_candidates("Alexey")[0] == "Алексей"
    assert to_cyrillic_candidates("Иванов") == ["Иванов"]


# --- query parsing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "initials"),
    [
        ("Уткин Б.В.", ["Б", "В"]),
        ("Уткин Б. В.", ["Б", "В"]),
        ("Utkin B.V.", ["B", "V"]),
        ("Б.В. Уткин", ["Б", "В"]),
        ("Уткин Б В", ["Б", "В"]),
    ],
)
def test_it_separates_initials_from_the_surname(query, initials):
    parsed = parse_query(query)
    assert parsed.initials == initials
    assert [t.lower() for t in parsed.name_tokens] in (["уткин"], ["utkin"])


@pytest.mark.parametrize(
    "query",
    ["Петров 2004", "Петров 04 г.р.", "Петров 2004 г.р.", "Петров 2004г.р.", "г.р. 2004 Петров",
     "Петров 2004 года рождения", "Петров 2004 г. р."],
)  # fmt: skip
def test_it_reads_a_birth_year(query):
    parsed = parse_query(query)
    assert parsed.birth_year == 2004
    assert parsed.birth_date is None
    assert parsed.name_tokens == ["Петров"]


@pytest.mark.parametrize(
    "query",
    ["Петров 12.03.2005", "Петров 12.03.05", "Петров 2005-03-12", "Петров 12 марта 2005",
     "Petrov 12 March 2005", "Petrov March 12, 2005", "Петров 12 марта 2005 г.р."],
)  # fmt: skip
def test_it_reads_a_birth_date_and_its_year(query):
    parsed = parse_query(query)
    assert parsed.birth_date == date(2005, 3, 12)
    assert parsed.birth_year == 2005
    assert len(parsed.name_tokens) == 1


@pytest.mark.parametrize(
    "query",
    ["в/ч 12345", "вч12345", "в\\ч 12345", "в.ч. 12345", "войсковая часть 12345",
     "military unit 12345", "12345", "ВЧ 12345", "в/ч-12345"],
)  # fmt: skip
def test_it_reads_a_unit_number(query):
    parsed = parse_query(f"Сидоров {query}")
    assert parsed.unit_number == "12345"
    assert parsed.name_tokens == ["Сидоров"]
    assert parsed.birth_year is None


def test_it_drops_filler_and_reads_the_name_in_the_nominative():
    parsed = parse_query("Ищем сына, рядовой Петрова Алексея Сергеевича 2004 года рождения")
    assert parsed.name_tokens == ["Петрова", "Алексея", "Сергеевича"]
    assert parsed.name == NameParts("Петров", "Алексей", "Сергеевич")
    assert parsed.birth_year == 2004
    assert parsed.script == "cyrillic"


def test_it_keeps_surnames_that_are_common_words():
    assert parse_query("Гусь Иван").name == NameParts("Гусь", "Иван")


def test_it_drops_region_names():
    assert parse_query("Кузнецов Курская область").name_tokens == ["Кузнецов"]


def test_it_reports_the_script_of_the_name():
    assert parse_query("Ivanov Ivan 2004").script == "latin"
    assert parse_query("Иванов Ivan").script == "mixed"
    assert parse_query("в/ч 12345").script == ""
    assert parse_query("Ivanov Ivan").name is None


def test_a_everything_query_is_taken_apart():
    parsed = parse_query("сын Воробьёв Никита Б. 12.03.2005 в/ч 54321")
    assert parsed.name_tokens == ["Воробьев", "Никита"]
    assert parsed.initials == ["Б"]
    assert parsed.birth_date == date(2005, 3, 12)
    assert parsed.unit_number == "54321"


@pytest.mark.parametrize(
    ("query", "tokens", "initials", "year"),
    [
        ("Громов Иван", ["Громов", "Иван"], [], None),
        ("Григорьев Сергей Петрович", ["Григорьев", "Сергей", "Петрович"], [], None),
        ("Грачев 2004", ["Грачев"], [], 2004),
        ("Уткин Б.Г.", ["Уткин"], ["Б", "Г"], None),
        ("Пугачев Г. В.", ["Пугачев"], ["Г", "В"], None),
        ("Уткин Г.Р.", ["Уткин"], ["Г", "Р"], None),
        ("Иванов г.р. 2004", ["Иванов"], [], 2004),
        ("Il'ya Tarasenko", ["Ilya", "Tarasenko"], [], None),
        ("Dem’yanenko", ["Demyanenko"], [], None),
        ("Хмелев Дмитрий", ["Хмелев", "Дмитрий"], [], None),
        ("Рубан Олег", ["Рубан", "Олег"], [], None),
    ],
)
def test_parse_query_keeps_names_that_look_like_suffixes_verbs_or_have_apostrophes(
    query, tokens, initials, year
):
    parsed = parse_query(query)
    assert (parsed.name_tokens, parsed.initials, parsed.birth_year) == (tokens, initials, year)
