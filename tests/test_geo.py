"""Regions, towns and resolve_region: a plain module, no database."""

import subprocess
import sys
from pathlib import Path

import pytest

from conscripts import geo
from conscripts.geo import CITIES, REGION_ALIASES, REGIONS, Region, region_by_code, resolve_region

OCCUPIED = {"CR", "SEV", "DPR", "LPR", "ZAP", "KHE"}

# Administrative centres. Moscow Oblast's government sits in Красногорск, Leningrad Oblast's
# in Гатчина (formally); the cities of federal significance are their own centres.
CAPITALS = {
    "AD": "Майкоп", "AL": "Горно-Алтайск", "BA": "Уфа", "BU": "Улан-Удэ", "DA": "Махачкала",
    "DPR": "Донецк", "IN": "Магас", "KB": "Нальчик", "KL": "Элиста", "KC": "Черкесск",
    "KR": "Петрозаводск", "KO": "Сыктывкар", "CR": "Симферополь", "LPR": "Луганск",
    "ME": "Йошкар-Ола", "MO": "Саранск", "SA": "Якутск", "SE": "Владикавказ", "TA": "Казань",
    "TY": "Кызыл", "UD": "Ижевск", "KK": "Абакан", "CE": "Грозный", "CU": "Чебоксары",
    "ALT": "Барнаул", "ZAB": "Чита", "KAM": "Петропавловск-Камчатский", "KDA": "Краснодар",
    "KYA": "Красноярск", "PER": "Пермь", "PRI": "Владивосток", "STA": "Ставрополь",
    "KHA": "Хабаровск", "AMU": "Благовещенск", "ARK": "Архангельск", "AST": "Астрахань",
    "BEL": "Белгород", "BRY": "Брянск", "VLA": "Владимир", "VGG": "Волгоград", "VLG": "Вологда",
    "VOR": "Воронеж", "ZAP": "Мелитополь", "IVA": "Иваново", "IRK": "Иркутск",
    "KGD": "Калининград", "KLU": "Калуга", "KEM": "Кемерово", "KIR": "Киров", "KOS": "Кострома",
    "KGN": "Курган", "KRS": "Курск", "LEN": "Гатчина", "LIP": "Липецк", "MAG": "Магадан",
    "MOS": "Красногорск", "MUR": "Мурманск", "NIZ": "Нижний Новгород", "NGR": "Великий Новгород",
    "NVS": "Новосибирск", "OMS": "Омск", "ORE": "Оренбург", "ORL": "Орёл", "PNZ": "Пенза",
    "PSK": "Псков", "ROS": "Ростов-на-Дону", "RYA": "Рязань", "SAM": "Самара", "SAR": "Саратов",
    "SAK": "Южно-Сахалинск", "SVE": "Екатеринбург", "SMO": "Смоленск", "TAM": "Тамбов",
    "TVE": "Тверь", "TOM": "Томск", "TUL": "Тула", "TYU": "Тюмень", "ULY": "Ульяновск",
    "KHE": "Херсон", "CHE": "Челябинск", "YAR": "Ярославль", "MOW": "Москва",
    "SPE": "Санкт-Петербург", "SEV": "Севастополь", "YEV": "Биробиджан", "NEN": "Нарьян-Мар",
    "KHM": "Ханты-Мансийск", "CHU": "Анадырь", "YAN": "Салехард",
}  # fmt: skip


def code_of(text):
    region = resolve_region(text)
    return region.code if region else None


# --- The region list -------------------------------------------------------------------------


def test_it_lists_all_89_federal_subjects_as_russia_counts_them():
    assert len(REGIONS) == 89
    assert all(isinstance(region, Region) for region in REGIONS)


def test_codes_and_names_are_unique_and_codes_are_short():
    assert len({r.code for r in REGIONS}) == 89
    assert len({r.name_ru for r in REGIONS}) == 89
    assert len({r.name_en for r in REGIONS}) == 89
    assert all(1 <= len(r.code) <= 8 and r.code.isupper() for r in REGIONS)


def test_it_marks_exactly_the_occupied_territories_in_english():
    occupied = {r.code for r in REGIONS if r.name_en.endswith(" (occupied)")}
    assert occupied == OCCUPIED
    assert region_by_code("CR").name_en == "Republic of Crimea (occupied)"


@pytest.mark.parametrize(
    ("code", "name_ru"),
    [
        ("KRS", "Курская область"),
        ("BEL", "Белгородская область"),
        ("MOW", "Москва"),
        ("SPE", "Санкт-Петербург"),
        ("SA", "Республика Саха (Якутия)"),
        ("KL", "Республика Калмыкия"),
        ("CR", "Республика Крым"),
        ("SEV", "Севастополь"),
        ("DPR", "Донецкая Народная Республика"),
        ("LPR", "Луганская Народная Республика"),
        ("ZAP", "Запорожская область"),
        ("KHE", "Херсонская область"),
        ("KHM", "Ханты-Мансийский автономный округ — Югра"),
        ("KEM", "Кемеровская область — Кузбасс"),
        ("CU", "Чувашская Республика"),
        ("SE", "Республика Северная Осетия — Алания"),
    ],
)
def test_it_uses_the_official_russian_names(code, name_ru):
    assert region_by_code(code).name_ru == name_ru


def test_region_by_code_tolerates_case_and_the_iso_prefix_and_rejects_unknown_codes():
    assert region_by_code("krs").code == "KRS"
    assert region_by_code(" RU-KRS ").code == "KRS"
    assert region_by_code("XX") is None
    assert region_by_code("") is None


# --- Data consistency ------------------------------------------------------------------------


def test_every_city_and_alias_points_at_a_real_region():
    codes = {r.code for r in REGIONS}
    assert set(CITIES.values()) <= codes
    assert set(REGION_ALIASES.values()) <= codes


def test_every_region_has_at_least_one_town():
    assert set(CITIES.values()) == {r.code for r in REGIONS}


def test_every_city_resolves_to_its_own_region():
    wrong = {city: code_of(city) for city, code in CITIES.items() if code_of(city) != code}
    assert wrong == {}


def test_every_alias_resolves_to_its_own_region():
    wrong = {a: code_of(a) for a, code in REGION_ALIASES.items() if code_of(a) != code}
    assert wrong == {}


def test_every_canonical_name_resolves_in_russian_and_english():
    for region in REGIONS:
        assert resolve_region(region.name_ru) == region
        assert resolve_region(region.name_en) == region


@pytest.mark.parametrize(("code", "capital"), CAPITALS.items())
def test_every_regional_capital_resolves_to_its_region(code, capital):
    assert code_of(capital) == code


# --- Nominative names, aliases, spelling variants ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Курск", "KRS"),
        ("Рыльск", "KRS"),
        ("Льгов", "KRS"),
        ("Суджа", "KRS"),
        ("Обоянь", "KRS"),
        ("Глушково", "KRS"),
        ("Коренево", "KRS"),
        ("Шебекино", "BEL"),
        ("Грайворон", "BEL"),
        ("Старый Оскол", "BEL"),
        ("Климово", "BRY"),
        ("Новозыбков", "BRY"),
        ("Элиста", "KL"),
        ("Питер", "SPE"),
        ("СПб", "SPE"),
        ("Ленинград", "SPE"),
        ("Мск", "MOW"),
        ("Екб", "SVE"),
        ("Нск", "NVS"),
        ("Новосиб", "NVS"),
        ("Якутия", "SA"),
        ("Саха", "SA"),
        ("Калмыкия", "KL"),
        ("Чечня", "CE"),
        ("Башкирия", "BA"),
        ("Тыва", "TY"),
        ("Тува", "TY"),
        ("ХМАО", "KHM"),
        ("ХМАО-Югра", "KHM"),
        ("ХМАО — Югра", "KHM"),
        ("ЯНАО", "YAN"),
        ("Кузбасс", "KEM"),
        ("Кемеровская область", "KEM"),
        ("Подмосковье", "MOS"),
        ("Московская обл.", "MOS"),
        ("Курская обл", "KRS"),
        ("Курская", "KRS"),
        ("Краснодарский кр.", "KDA"),
        ("Респ. Татарстан", "TA"),
        ("респ Коми", "KO"),
        ("Чувашия", "CU"),
        ("ДНР", "DPR"),
        ("ЛНР", "LPR"),
        ("Крым", "CR"),
        ("Ростов на Дону", "ROS"),
        ("Санкт Петербург", "SPE"),
    ],
)
def test_it_resolves_names_and_aliases(text, code):
    assert code_of(text) == code


def test_moscow_is_the_federal_city_not_the_oblast_around_it():
    assert code_of("Москва") == "MOW"
    assert code_of("г. Москва") == "MOW"
    assert code_of("из Москвы") == "MOW"
    assert code_of("Moscow") == "MOW"
    assert code_of("Московская область") == "MOS"
    assert code_of("Московской области") == "MOS"
    assert code_of("Moscow Oblast") == "MOS"


def test_sevastopol_is_not_crimea():
    assert code_of("Севастополь") == "SEV"
    assert code_of("Крым") == "CR"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kursk Oblast", "KRS"),
        ("kursk region", "KRS"),
        ("Republic of Crimea (occupied)", "CR"),
        ("Republic of Crimea", "CR"),
        ("Crimea", "CR"),
        ("Sakha Republic (Yakutia)", "SA"),
        ("Yakutia", "SA"),
        ("Saint Petersburg", "SPE"),
        ("St. Petersburg", "SPE"),
        ("Khanty-Mansi Autonomous Okrug – Yugra", "KHM"),
        ("Donetsk People's Republic", "DPR"),
        ("Kherson Oblast (occupied)", "KHE"),
    ],
)
def test_it_resolves_english_names(text, code):
    assert code_of(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "  КУРСК  ",
        "курск",
        "г. Курск",
        "г.Курск",
        "город Курск",
        "гор. Курск",
        "«Курск»!",
        "Курск.",
    ],
)
def test_it_ignores_case_punctuation_and_town_prefixes(text):
    assert code_of(text) == "KRS"


def test_it_folds_yo_into_ye_both_ways():
    assert code_of("Орёл") == code_of("Орел") == "ORL"
    assert code_of("Королёв") == code_of("Королев") == "MOS"
    assert code_of("Тёткино") == code_of("Теткино") == "KRS"
    assert code_of("из Орла") == "ORL"
    assert code_of("Щёлково") == code_of("Щелково") == "MOS"


def test_dash_variants_in_official_names_are_equivalent():
    for dash in ("—", "–", "-", " - ", " — "):
        assert code_of(f"Кемеровская область{dash}Кузбасс") == "KEM"
        assert code_of(f"Республика Северная Осетия{dash}Алания") == "SE"


# --- Declined forms as posts write them ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("из Рыльска", "KRS"),
        ("Рыльска", "KRS"),
        ("в Рыльске", "KRS"),
        ("в Курской области", "KRS"),
        ("Курской области", "KRS"),
        ("Курской обл.", "KRS"),
        ("уроженец Белгородской области", "BEL"),
        ("уроженка Курской обл", "KRS"),
        ("из Элисты", "KL"),
        ("из Улан-Удэ", "BU"),
        ("из Старого Оскола", "BEL"),
        ("Старого Оскола", "BEL"),
        ("в Старом Осколе", "BEL"),
        ("из Нижнего Новгорода", "NIZ"),
        ("из Санкт-Петербурга", "SPE"),
        ("из Якутии", "SA"),
        ("из Льгова", "KRS"),
        ("из Щигров", "KRS"),
        ("в Щиграх", "KRS"),
        ("из Обояни", "KRS"),
        ("в Судже", "KRS"),
        ("под Суджей", "KRS"),
        ("жительница Коренево", "KRS"),
        ("из Валуек", "BEL"),
        ("в Валуйках", "BEL"),
        ("из Клинцов", "BRY"),
        ("из Питера", "SPE"),
        ("из Подмосковья", "MOS"),
        ("в Крыму", "CR"),
        ("в Чечне", "CE"),
        ("из Башкирии", "BA"),
        ("в Кузбассе", "KEM"),
        ("на Кубани", "KDA"),
        ("из Ростова-на-Дону", "ROS"),
        ("из Набережных Челнов", "TA"),
        ("в Великих Луках", "PSK"),
        ("из Минеральных Вод", "STA"),
        ("из Комсомольска-на-Амуре", "KHA"),
        ("из Петропавловска-Камчатского", "KAM"),
        ("из Каменска-Уральского", "SVE"),
        ("из Йошкар-Олы", "ME"),
        ("из Нарьян-Мара", "NEN"),
        ("из Гуся-Хрустального", "VLA"),
        ("из Грозного", "CE"),
        ("из Чебоксар", "CU"),
        ("из Шахт", "ROS"),
        ("из Химок", "MOS"),
        ("из Республики Саха (Якутия)", "SA"),
        ("в Республике Татарстан", "TA"),
        ("Ханты-Мансийского автономного округа — Югры", "KHM"),
        ("Кемеровской области — Кузбасса", "KEM"),
        ("из Краснодарского края", "KDA"),
        ("Краснодарского кр.", "KDA"),
        ("из Еврейской АО", "YEV"),
        ("из Херсонской области", "KHE"),
        ("из Мариуполя", "DPR"),
    ],
)
def test_it_resolves_declined_forms(text, code):
    assert code_of(text) == code


# --- Town and region together -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Рыльск, Курская обл.", "KRS"),
        ("г. Рыльск (Курская область)", "KRS"),
        ("Рыльск Курской области", "KRS"),
        ("Курская область, Суджанский район", "KRS"),
        ("Курск, Россия", "KRS"),
        # An explicitly named region beats a town name: there is a Железногорск there too.
        ("Железногорск, Красноярский край", "KYA"),
        ("Железногорск Красноярского края", "KYA"),
    ],
)
def test_it_resolves_a_town_together_with_its_region(text, code):
    assert code_of(text) == code


def test_it_refuses_two_different_regions():
    assert resolve_region("Курская область, Белгородская область") is None


# --- Unknown and ambiguous -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "г.",
        "в деревне",
        "Атлантида",
        "из Жмеринки",
        "Минск",
        "Россия",
        "Бобруйск",
        "из Урюпинска-на-Марсе",
        # Shared by towns in several regions: no guessing.
        "Троицк",
        "из Троицка",
        "Мирный",
        "Кировск",
        # Алтайский край or Республика Алтай?
        "Алтай",
        # Declined forms of Пушкин (Санкт-Петербург) and Пушкино (Подмосковье).
        "из Пушкина",
        "в Пушкине",
        # pymorphy3 would lemmatise these onto a listed name with the wrong number or gender.
        "Орлов",
        "Светлая",
    ],
)
def test_unknown_or_ambiguous_places_resolve_to_none(text):
    assert resolve_region(text) is None


# How fast a warm lookup is: a figure in bench/extraction.py (place lookup), not an assert.


# --- The gazetteer (conscripts/data/gazetteer.tsv) ---------------------------------------------


def test_the_gazetteer_file_is_what_the_build_script_makes_of_the_sources():
    script = Path(__file__).resolve().parent.parent / "scripts/build_gazetteer.py"
    run = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_the_gazetteer_has_every_district_and_the_towns_over_ten_thousand():
    places = geo.load_gazetteer()
    districts = {p.name for p in places if p.kind == "district"}
    towns = [p for p in places if p.kind == "town"]
    assert len(districts) > 1700
    assert sum(1 for p in towns if (p.population or 0) > 10_000) > 900
    assert {p.code for p in places} <= {r.code for r in REGIONS}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Глушковского района", "KRS"),
        ("Глушковском районе", "KRS"),
        ("Кореневского р-на", "KRS"),
        ("Кореневского муниципального района", "KRS"),
        ("Большесолдатский район", "KRS"),
        ("Беловский район", None),  # Курская and Кемеровская области
        ("Шебекинского городского округа", "BEL"),
        ("Шебекинского района", "BEL"),
        ("Красногвардейского района Республики Адыгея", "AD"),
        ("с. Хатукай Красногвардейского района Республики Адыгея", "AD"),
        ("Тёткино", "KRS"),
        ("в Рыльске", "KRS"),
        ("под Курском", "KRS"),
        ("Нижнекамска", "TA"),
        ("Урюпинска", "VGG"),
    ],
)
def test_it_resolves_districts_and_towns_of_the_gazetteer_in_any_case(text, code):
    assert code_of(text) == code


@pytest.mark.parametrize(
    ("bare", "prefixed", "code"),
    [("Губкин", "г. Губкин", "BEL"), ("Курчатова", "из города Курчатова", "KRS")],
)
def test_a_town_named_like_a_surname_needs_a_settlement_word(bare, prefixed, code):
    assert code_of(bare) is None
    assert code_of(prefixed) == code


@pytest.mark.parametrize("text", ["Железногорск", "из Железногорска", "Октябрьского района"])
def test_names_shared_by_regions_resolve_to_none(text):
    assert code_of(text) is None


def test_a_regional_capital_keeps_its_name_against_a_small_namesake():
    assert code_of("из Кирова") == "KIR"
    assert code_of("Благовещенска") == "AMU"


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("туляк", "TUL"),
        ("курянина", "KRS"),
        ("куряне", "KRS"),
        ("брянцем", "BRY"),
        ("Орловец", "ORL"),
        ("липчанин", "LIP"),
        ("москвичи", "MOW"),
    ],
)
def test_it_reads_demonyms(word, code):
    assert geo.resolve_demonym(word).code == code


@pytest.mark.parametrize("word", ["курянка", "татарин", "Петров", "сибиряк"])
def test_other_words_are_not_demonyms(word):
    assert geo.resolve_demonym(word) is None


def test_every_regional_capital_has_a_demonym():
    assert set(geo.DEMONYMS.values()) >= set(CAPITALS) - {"NEN", "CHU", "KAM", "MOS", "LEN", "DPR"}
