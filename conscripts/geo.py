"""Russia's federal subjects, the places in them, and a resolver for places as posts write them.

Plain Python, no Django: the region list is reference data for migrations and forms, and
``resolve_region`` turns «из Рыльска», «Курской обл.» or «Питер» into a ``Region``.

Resolution order, most trusted first:

1. an exact key: a region name (Russian or English), a region alias or a city;
2. a declined form of one of those, generated once with pymorphy3 and stored in an index;
3. the same, part by part, for «Курск, Россия», and a region named at either end of a
   phrase («Рыльск Курской области»): an explicitly named region beats a town's region;
4. pymorphy3 lemmas of the words, accepted only if they land on an exact key («из Валуек»,
   which the dictionary declines wrongly as «Валуйков»).

An index hit always beats morphology: pymorphy3 guesses lemmas for unknown words, and a guess
that happens to equal another town's name would silently move a person to the wrong region.
Names shared by towns in different regions (Троицк, Мирный, Кировск…) are left out on purpose,
so they resolve to None instead of to a coin toss.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import pymorphy3

__all__ = [
    "CITIES",
    "DEMONYMS",
    "DISTRICTS",
    "PREFIXED_TOWNS",
    "REGIONS",
    "REGION_ALIASES",
    "Region",
    "region_by_code",
    "resolve_demonym",
    "resolve_region",
]


class Region(NamedTuple):
    code: str  # ISO 3166-2:RU without "RU-"; our own code where ISO has none
    name_ru: str
    name_en: str


# Federal subjects in the order of Article 65 of Russia's constitution, as Russia lists them.
REGIONS: tuple[Region, ...] = (
    # Republics
    Region("AD", "Республика Адыгея", "Republic of Adygea"),
    Region("AL", "Республика Алтай", "Altai Republic"),
    Region("BA", "Республика Башкортостан", "Republic of Bashkortostan"),
    Region("BU", "Республика Бурятия", "Republic of Buryatia"),
    Region("DA", "Республика Дагестан", "Republic of Dagestan"),
    Region("DPR", "Донецкая Народная Республика", "Donetsk People's Republic (occupied)"),
    Region("IN", "Республика Ингушетия", "Republic of Ingushetia"),
    Region("KB", "Кабардино-Балкарская Республика", "Kabardino-Balkarian Republic"),
    Region("KL", "Республика Калмыкия", "Republic of Kalmykia"),
    Region("KC", "Карачаево-Черкесская Республика", "Karachay-Cherkess Republic"),
    Region("KR", "Республика Карелия", "Republic of Karelia"),
    Region("KO", "Республика Коми", "Komi Republic"),
    Region("CR", "Республика Крым", "Republic of Crimea (occupied)"),
    Region("LPR", "Луганская Народная Республика", "Luhansk People's Republic (occupied)"),
    Region("ME", "Республика Марий Эл", "Mari El Republic"),
    Region("MO", "Республика Мордовия", "Republic of Mordovia"),
    Region("SA", "Республика Саха (Якутия)", "Sakha Republic (Yakutia)"),
    Region("SE", "Республика Северная Осетия — Алания", "Republic of North Ossetia – Alania"),
    Region("TA", "Республика Татарстан", "Republic of Tatarstan"),
    Region("TY", "Республика Тыва", "Tuva Republic"),
    Region("UD", "Удмуртская Республика", "Udmurt Republic"),
    Region("KK", "Республика Хакасия", "Republic of Khakassia"),
    Region("CE", "Чеченская Республика", "Chechen Republic"),
    Region("CU", "Чувашская Республика", "Chuvash Republic"),
    # Krais
    Region("ALT", "Алтайский край", "Altai Krai"),
    Region("ZAB", "Забайкальский край", "Zabaykalsky Krai"),
    Region("KAM", "Камчатский край", "Kamchatka Krai"),
    Region("KDA", "Краснодарский край", "Krasnodar Krai"),
    Region("KYA", "Красноярский край", "Krasnoyarsk Krai"),
    Region("PER", "Пермский край", "Perm Krai"),
    Region("PRI", "Приморский край", "Primorsky Krai"),
    Region("STA", "Ставропольский край", "Stavropol Krai"),
    Region("KHA", "Хабаровский край", "Khabarovsk Krai"),
    # Oblasts
    Region("AMU", "Амурская область", "Amur Oblast"),
    Region("ARK", "Архангельская область", "Arkhangelsk Oblast"),
    Region("AST", "Астраханская область", "Astrakhan Oblast"),
    Region("BEL", "Белгородская область", "Belgorod Oblast"),
    Region("BRY", "Брянская область", "Bryansk Oblast"),
    Region("VLA", "Владимирская область", "Vladimir Oblast"),
    Region("VGG", "Волгоградская область", "Volgograd Oblast"),
    Region("VLG", "Вологодская область", "Vologda Oblast"),
    Region("VOR", "Воронежская область", "Voronezh Oblast"),
    Region("ZAP", "Запорожская область", "Zaporizhzhia Oblast (occupied)"),
    Region("IVA", "Ивановская область", "Ivanovo Oblast"),
    Region("IRK", "Иркутская область", "Irkutsk Oblast"),
    Region("KGD", "Калининградская область", "Kaliningrad Oblast"),
    Region("KLU", "Калужская область", "Kaluga Oblast"),
    Region("KEM", "Кемеровская область — Кузбасс", "Kemerovo Oblast – Kuzbass"),
    Region("KIR", "Кировская область", "Kirov Oblast"),
    Region("KOS", "Костромская область", "Kostroma Oblast"),
    Region("KGN", "Курганская область", "Kurgan Oblast"),
    Region("KRS", "Курская область", "Kursk Oblast"),
    Region("LEN", "Ленинградская область", "Leningrad Oblast"),
    Region("LIP", "Липецкая область", "Lipetsk Oblast"),
    Region("MAG", "Магаданская область", "Magadan Oblast"),
    Region("MOS", "Московская область", "Moscow Oblast"),
    Region("MUR", "Мурманская область", "Murmansk Oblast"),
    Region("NIZ", "Нижегородская область", "Nizhny Novgorod Oblast"),
    Region("NGR", "Новгородская область", "Novgorod Oblast"),
    Region("NVS", "Новосибирская область", "Novosibirsk Oblast"),
    Region("OMS", "Омская область", "Omsk Oblast"),
    Region("ORE", "Оренбургская область", "Orenburg Oblast"),
    Region("ORL", "Орловская область", "Oryol Oblast"),
    Region("PNZ", "Пензенская область", "Penza Oblast"),
    Region("PSK", "Псковская область", "Pskov Oblast"),
    Region("ROS", "Ростовская область", "Rostov Oblast"),
    Region("RYA", "Рязанская область", "Ryazan Oblast"),
    Region("SAM", "Самарская область", "Samara Oblast"),
    Region("SAR", "Саратовская область", "Saratov Oblast"),
    Region("SAK", "Сахалинская область", "Sakhalin Oblast"),
    Region("SVE", "Свердловская область", "Sverdlovsk Oblast"),
    Region("SMO", "Смоленская область", "Smolensk Oblast"),
    Region("TAM", "Тамбовская область", "Tambov Oblast"),
    Region("TVE", "Тверская область", "Tver Oblast"),
    Region("TOM", "Томская область", "Tomsk Oblast"),
    Region("TUL", "Тульская область", "Tula Oblast"),
    Region("TYU", "Тюменская область", "Tyumen Oblast"),
    Region("ULY", "Ульяновская область", "Ulyanovsk Oblast"),
    Region("KHE", "Херсонская область", "Kherson Oblast (occupied)"),
    Region("CHE", "Челябинская область", "Chelyabinsk Oblast"),
    Region("YAR", "Ярославская область", "Yaroslavl Oblast"),
    # Cities of federal significance
    Region("MOW", "Москва", "Moscow"),
    Region("SPE", "Санкт-Петербург", "Saint Petersburg"),
    Region("SEV", "Севастополь", "Sevastopol (occupied)"),
    # Autonomous oblast and okrugs
    Region("YEV", "Еврейская автономная область", "Jewish Autonomous Oblast"),
    Region("NEN", "Ненецкий автономный округ", "Nenets Autonomous Okrug"),
    Region(
        "KHM", "Ханты-Мансийский автономный округ — Югра", "Khanty-Mansi Autonomous Okrug – Yugra"
    ),
    Region("CHU", "Чукотский автономный округ", "Chukotka Autonomous Okrug"),
    Region("YAN", "Ямало-Ненецкий автономный округ", "Yamalo-Nenets Autonomous Okrug"),
)

_BY_CODE: Mapping[str, Region] = MappingProxyType({r.code: r for r in REGIONS})

# Colloquial and official short names of regions. The mechanical short forms
# («Курская обл.», «Курская», «Респ. Татарстан», «Kursk Region») are added below.
_REGION_ALIAS_LISTS: dict[str, tuple[str, ...]] = {
    "AD": ("Адыгея", "Республика Адыгея (Адыгея)"),
    "AL": ("Горный Алтай", "Респ. Алтай"),  # bare «Алтай» is also said of Алтайский край
    "BA": ("Башкирия", "Bashkiria"),
    "CE": ("Чечня", "Ичкерия", "Chechnya"),
    "CR": ("Крым", "Crimea", "Автономная Республика Крым"),
    "CU": ("Чувашия", "Чувашская Республика — Чувашия", "Chuvashia"),
    "DA": ("Dagestan",),
    "DPR": ("ДНР", "Донецкая республика", "Донецкая область", "DPR", "DNR"),
    "KB": ("Кабардино-Балкария", "КБР"),
    "KC": ("Карачаево-Черкесия", "КЧР"),
    "KL": ("Kalmykia",),
    "LPR": ("ЛНР", "Луганская республика", "Луганская область", "LPR", "LNR"),
    "SA": ("Якутия", "Саха", "Yakutia"),
    "SE": ("Северная Осетия", "Алания", "РСО-Алания", "РСО", "North Ossetia"),
    "TA": ("Татария", "Республика Татарстан (Татарстан)"),
    "TY": ("Тува", "Tuva", "Tyva"),
    "UD": ("Удмуртия", "Udmurtia"),
    "ALT": ("Altai Region",),
    "KAM": ("Камчатка", "Kamchatka"),
    "KDA": ("Кубань", "Kuban"),
    "KYA": ("Таймыр",),
    "PER": ("Прикамье",),
    "PRI": ("Приморье", "Primorye"),
    "STA": ("Ставрополье",),
    "ZAB": ("Забайкалье", "Transbaikalia"),
    "BEL": ("Белгородчина",),
    "BRY": ("Брянщина",),
    "KEM": ("Кузбасс", "Kuzbass"),
    "KHE": ("Херсонщина",),
    "KRS": ("Курщина",),
    "LEN": ("Ленобласть", "Ленинградская обл"),
    "MAG": ("Колыма",),
    "MOS": ("Подмосковье", "Мособласть", "Московская обл"),
    "NGR": ("Новгородчина",),
    "ORL": ("Орловщина",),
    "PSK": ("Псковщина",),
    "RYA": ("Рязанщина",),
    "SAK": ("Сахалин", "Sakhalin"),
    "SMO": ("Смоленщина",),
    "TAM": ("Тамбовщина",),
    "VLG": ("Вологодчина",),
    "VOR": ("Воронежчина",),
    "ZAP": ("Запорожская обл",),
    "MOW": ("Moscow City",),
    "SPE": ("St Petersburg", "St. Petersburg", "Petersburg"),
    "YEV": ("ЕАО", "Еврейская АО"),
    "NEN": ("НАО",),
    "KHM": (
        "Югра",
        "ХМАО",
        "ХМАО — Югра",
        "Ханты-Мансийский АО",
        "Ханты-Мансийский автономный округ",
        "Yugra",
        "KhMAO",
    ),
    "CHU": ("Чукотка", "ЧАО", "Chukotka"),
    "YAN": ("ЯНАО", "Ямал", "Yamal"),
}


def _names(text: str) -> tuple[str, ...]:
    """Split a comma-separated list of names; line breaks count as spaces."""
    return tuple(" ".join(name.split()) for name in text.split(",") if name.strip())


# Towns and districts come from ``data/gazetteer.tsv``, built by scripts/build_gazetteer.py from
# two open datasets (HFLabs «Города России», CC BY-SA 4.0, and Rosstat's OKTMO classifier; see the
# README). These are the places those datasets lack, nominative as written: colloquial names,
# parts of the federal cities, the occupied regions (added to Russia's lists after the datasets
# were made), and small settlements of the border regions. They win over the gazetteer for the
# same name: «Донецк» and «Ростов» in speech are the big cities, not their small namesakes.
_CITY_ADDITIONS: dict[str, tuple[str, ...]] = {
    "KRS": _names("Большое Солдатское, Малая Локня"),
    "BEL": _names("Грайворон, Томаровка, Новая Таволжанка, Уразово, Маслова Пристань"),
    "BRY": _names(
        """
        Севск, Погар, Мглин, Злынка, Климово, Комаричи, Навля, Суземка, Выгоничи, Красная Гора,
        Гордеевка, Клетня, Рогнедино, Брасово, Белая Берёзка
        """
    ),
    "AD": _names("Яблоновский"),
    "IN": _names("Магас"),
    "KL": _names("Городовиковск"),
    "KC": _names("Теберда"),
    "KR": _names("Олонец, Лахденпохья, Пудож"),
    "CR": _names("Старый Крым, Алупка"),
    "TA": _names("Челны"),
    "BU": _names("Улан-Уде"),  # written so in Russian too
    "CE": _names("Ачхой-Мартан"),
    "ZAB": _names("Агинское"),
    "KDA": _names("Адлер"),
    "PRI": _names("Владик"),
    "AMU": _names("Циолковский"),
    "VGG": _names("Сталинград"),
    "KGD": _names("Кёнигсберг, Багратионовск"),
    "LEN": _names("Ивангород"),
    "NIZ": _names("Нижний, Н. Новгород"),
    "NGR": _names("Новгород"),
    "NVS": _names("Нск, Новосиб, Кольцово"),
    "PSK": _names("Новоржев"),
    "SVE": _names("Екб, Екат, Тагил"),
    "CHE": _names("Челяба"),
    "YEV": _names("Облучье"),
    "CHU": _names("Билибино, Певек"),
    # «Ростов» alone is nearly always Ростов-на-Дону in speech, not Ростов Великий.
    "ROS": _names("Ростов"),
    "DPR": _names(
        """
        Донецк, Макеевка, Горловка, Мариуполь, Енакиево, Харцызск, Шахтёрск, Торез,
        Чистяково, Дебальцево, Ясиноватая, Докучаевск, Волноваха, Амвросиевка, Иловайск,
        Новоазовск, Авдеевка, Зугрэс, Артёмовск, Бахмут, Угледар, Марьинка
        """
    ),
    "LPR": _names(
        """
        Луганск, Алчевск, Северодонецк, Лисичанск, Красный Луч, Стаханов, Кадиевка,
        Антрацит, Брянка, Краснодон, Должанск, Рубежное, Кременная, Старобельск,
        Лутугино, Перевальск, Молодогвардейск, Попасная
        """
    ),
    "ZAP": _names(
        """
        Мелитополь, Бердянск, Энергодар, Токмак, Пологи, Каменка-Днепровская, Запорожье,
        Днепрорудное, Молочанск, Акимовка
        """
    ),
    "KHE": _names(
        """
        Херсон, Геническ, Новая Каховка, Каховка, Скадовск, Алёшки, Олешки, Голая Пристань,
        Берислав, Чаплинка, Каланчак
        """
    ),
    "MOW": _names("Москва, Мск, Зеленоград, Щербинка"),
    "SPE": _names(
        """
        Санкт-Петербург, Петербург, Питер, СПб, Спб, Ленинград, Колпино, Пушкин, Петергоф,
        Кронштадт, Сестрорецк
        """
    ),
    "SEV": _names("Севастополь, Инкерман, Балаклава"),
}

# Towns of the federal cities the datasets leave out that share a name with a town elsewhere:
# they make that name ambiguous rather than win it («Троицк»: Moscow or Chelyabinsk oblast).
_NAMESAKES_THE_DATASETS_LACK: dict[str, tuple[str, ...]] = {"MOW": _names("Троицк")}

GAZETTEER_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.tsv"


class Place(NamedTuple):
    kind: str  # "town" or "district"
    name: str  # nominative: «Рыльск», «Глушковский район»
    code: str  # region code
    population: int | None
    flag: str  # "capital", "word" (also an everyday word or a surname) or ""


@functools.cache
def load_gazetteer(path: Path = GAZETTEER_PATH) -> tuple[Place, ...]:
    """The places of ``data/gazetteer.tsv`` (see scripts/build_gazetteer.py)."""
    places = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            kind, name, code, population, flag = line.rstrip("\n").split("\t")
            places.append(Place(kind, name, code, int(population) if population else None, flag))
    return tuple(places)


def _merge(lists: Mapping[str, Iterable[str]], what: str) -> dict[str, str]:
    """Flatten {code: names} into {name: code}, refusing a name listed under two regions."""
    merged: dict[str, str] = {}
    for code, names in lists.items():
        if code not in _BY_CODE:
            raise ValueError(f"{what}: unknown region code {code!r}")
        for name in names:
            if merged.setdefault(name, code) != code:
                raise ValueError(f"{what}: {name!r} is listed under {merged[name]} and {code}")
    return merged


def _short_forms(region: Region) -> list[str]:
    """Mechanical short names: «Курская обл.», «Курская», «Респ. Татарстан», «Kursk Region»."""
    forms: list[str] = []
    heads = [region.name_ru]
    if " — " in region.name_ru:  # «Кемеровская область — Кузбасс» → «Кемеровская область»
        heads.append(region.name_ru.split(" — ")[0])
    for name in heads:
        if name != region.name_ru:
            forms.append(name)
        if name.endswith(" область"):
            stem = name.removesuffix(" область")
            forms += [f"{stem} обл.", f"{stem} обл", stem]
        elif name.endswith(" край"):
            stem = name.removesuffix(" край")
            forms += [f"{stem} кр.", stem]
        elif name.endswith(" автономный округ"):
            stem = name.removesuffix(" автономный округ")
            forms += [f"{stem} АО", stem]
        elif name.startswith("Республика "):
            stem = name.removeprefix("Республика ")
            forms.append(f"Респ. {stem}")
            if stem != "Алтай":  # bare «Алтай» is also said of Алтайский край
                forms.append(stem)
        elif name.endswith(" Республика"):
            stem = name.removesuffix(" Республика")
            forms += [f"{stem} Респ.", f"{stem} республика"]

    english = region.name_en.removesuffix(" (occupied)")
    if english != region.name_en:
        forms.append(english)
    if " – " in english:
        english = english.split(" – ")[0]
        forms.append(english)
    if english.endswith((" Oblast", " Krai")):
        forms.append(english.rsplit(" ", 1)[0] + " Region")
    if english.startswith("Republic of "):
        forms.append(english.removeprefix("Republic of "))
    return forms


def _region_aliases() -> dict[str, str]:
    generated = {r.code: _short_forms(r) for r in REGIONS}
    merged = _merge(generated, "generated region aliases")
    for alias, code in _merge(_REGION_ALIAS_LISTS, "REGION_ALIASES").items():
        if merged.setdefault(alias, code) != code:
            raise ValueError(f"REGION_ALIASES: {alias!r} clashes with a generated short form")
    return merged


REGION_ALIASES: Mapping[str, str] = MappingProxyType(_region_aliases())


def _towns() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """Towns that resolve by name alone, towns that need «г.» before them, and town names
    shared by several regions (None). A name shared with a regional capital is the capital's:
    «из Кирова» is from Kirov oblast, not from the small Kirov of Kaluga oblast."""
    by_name: dict[str, list[Place]] = {}
    namesakes = [
        Place("town", name, code, None, "")
        for code, names in _NAMESAKES_THE_DATASETS_LACK.items()
        for name in names
    ]
    for place in (*load_gazetteer(), *namesakes):
        if place.kind == "town":
            by_name.setdefault(place.name.replace("ё", "е"), []).append(place)
    free: dict[str, str] = {}
    prefixed: dict[str, str] = {}
    shared: set[str] = set()
    for name, places in by_name.items():
        capitals = [p for p in places if p.flag == "capital"]
        if len({p.code for p in places}) > 1 and len(capitals) != 1:
            shared.add(name)
            continue
        place = capitals[0] if capitals else places[0]
        (prefixed if place.flag == "word" else free)[place.name] = place.code
    for name, code in _merge(_CITY_ADDITIONS, "_CITY_ADDITIONS").items():
        key = name.replace("ё", "е")
        shared.discard(key)
        prefixed.pop(name, None)
        free.pop(key, None)
        free[name] = code
    return free, prefixed, frozenset(shared)


_FREE_TOWNS, _PREFIXED_TOWNS, SHARED_TOWN_NAMES = _towns()
_FREE_TOWN_KEYS = frozenset(name.lower().replace("ё", "е") for name in _FREE_TOWNS)
# Towns that resolve by their name alone, and towns that resolve only after «г.», «город»,
# «пос.» (their name is also an everyday word or a surname: «г. Губкин», «из города Бор»).
CITIES: Mapping[str, str] = MappingProxyType(_FREE_TOWNS)
PREFIXED_TOWNS: Mapping[str, str] = MappingProxyType(_PREFIXED_TOWNS)


def _districts() -> tuple[dict[str, str], frozenset[str]]:
    codes: dict[str, set[str]] = {}
    for place in load_gazetteer():
        if place.kind == "district":
            codes.setdefault(place.name, set()).add(place.code)
    unique = {name: next(iter(c)) for name, c in codes.items() if len(c) == 1}
    return unique, frozenset(name for name, c in codes.items() if len(c) > 1)


_UNIQUE_DISTRICTS, SHARED_DISTRICT_NAMES = _districts()
# Municipal districts and okrugs named once in Russia («Глушковский район»); the names used in
# several regions («Октябрьский район») resolve to None.
DISTRICTS: Mapping[str, str] = MappingProxyType(_UNIQUE_DISTRICTS)


def region_by_code(code: str) -> Region | None:
    """Return the region with this code, or None.

    ``code`` is a str such as "KRS"; case and an "RU-" prefix are tolerated.
    """
    code = code.strip().upper().removeprefix("RU-")
    return _BY_CODE.get(code)


# --- Normalisation -------------------------------------------------------------------------------

_DASHES = re.compile(r"[‐‑‒–—―−]")
_NOT_NAME = re.compile(r"[^\w-]+|_")
# Abbreviations that mean the same as a full word: both sides of every lookup are normalised,
# so «Курская обл.» and «Курская область» meet at the same key.
_ABBREVIATIONS = {
    "обл": "область",
    "респ": "республика",
    "кр": "край",
    "р-н": "район",
    "р-на": "района",
    "р-не": "районе",
    "р-ну": "району",
    "р-ном": "районом",
}
# Prefixes under which a town whose name is also a word is indexed: «г. Губкин», «города Бор».
_TOWN_PREFIXES = ("г", "город", "гор", "пос", "поселок", "пгт", "рп")
# Words that can precede a place in a post and are not part of its name.
_LEADING_WORDS = frozenset(
    _names(
        """
        из, в, во, с, со, на, под, от, до, у, к, ко, по, около, возле, близ, рядом,
        г, гор, город, города, городе, городу, городом, гп, пгт, рп, п, пос, поселок, поселка,
        поселке, село, села, селе, селом, д, дер, деревня, деревни, деревне, ст, станица,
        станицы, станице, уроженец, уроженка, уроженца, уроженцы, житель, жительница, жителя,
        жительницы, жители, родом
        """
    )
)


def _words(text: str) -> list[str]:
    """Lowercase, fold ё, drop punctuation, expand «обл.» and «респ.»; keep in-word hyphens.

    Hyphens stay inside words because pymorphy3 knows «йошкар-ола» and «санкт-петербург»
    as whole words; a dash standing alone («область — Кузбасс») is dropped.
    """
    text = _DASHES.sub("-", text.lower().replace("ё", "е"))
    words = (word.strip("-") for word in _NOT_NAME.sub(" ", text).split())
    # «Глушковского муниципального района» is indexed as «Глушковского района».
    return [
        _ABBREVIATIONS.get(word, word)
        for word in words
        if word and not word.startswith("муниципальн")
    ]


def _key(words: Iterable[str]) -> str:
    """Index key: hyphens count as spaces, so «Ростов на Дону» finds «Ростов-на-Дону»."""
    return " ".join(words).replace("-", " ")


# --- Index ---------------------------------------------------------------------------------------

_CASES = ("gent", "datv", "accs", "ablt", "loct", "loc2")
_INFLECTABLE = frozenset({"NOUN", "ADJF"})
_MAX_COMBINATIONS = 256


@dataclass(frozen=True)
class _Index:
    exact: Mapping[str, str]  # nominative names and aliases → code
    declined: Mapping[str, str]  # generated oblique forms → code
    ambiguous: frozenset[str]  # declined forms shared by two regions: never guess
    regional: frozenset[str]  # keys naming a region rather than a town
    district_keys: frozenset[str]  # keys naming a municipal district, in any case


_index: _Index | None = None
_lock = threading.Lock()


def _get_morph() -> pymorphy3.MorphAnalyzer:
    # One Russian analyzer per process, shared with ``names`` (each one holds ~15 MB).
    from conscripts import names

    return names.morph()


def _products(options: list[list[str]], joiner: str) -> Iterator[str]:
    for combination in itertools.islice(itertools.product(*options), _MAX_COMBINATIONS):
        yield joiner.join(combination)


@functools.lru_cache(maxsize=20_000)
def _case_forms(word: str) -> Mapping[str, frozenset[str]]:
    """``word`` (nominative) in each oblique case; empty if pymorphy3 has no nominative
    reading. One parse per word: the index declines thousands of district names."""
    parses = [
        p for p in _get_morph().parse(word) if p.tag.POS in _INFLECTABLE and p.tag.case == "nomn"
    ]
    # Prefer the dictionary's place-name reading: «Шахты» the town, not plural «шахта».
    parses = [p for p in parses if "Geox" in p.tag] or parses
    forms: dict[str, frozenset[str]] = {}
    for case in _CASES:
        inflected = (p.inflect({case}) for p in parses)
        forms[case] = frozenset(p.word.replace("ё", "е") for p in inflected if p is not None)
    return forms


def _inflections(word: str, case: str) -> frozenset[str]:
    return _case_forms(word)[case]


def _word_declensions(word: str, case: str) -> list[str]:
    forms = {word} | _inflections(word, case)
    if "-" in word:  # «Каменск-Уральский» → «Каменска-Уральского», if the dictionary lacks it
        parts = [sorted({part} | _inflections(part, case)) for part in word.split("-")]
        forms.update(_products(parts, "-"))
    return sorted(forms)


def _declensions(words: list[str]) -> set[str]:
    """Oblique-case keys for a nominative name, word by word in the same case.

    Each word is either put in the case or left alone, which covers both «Курской области»
    and the parts that stay put («Республики Саха (Якутия)», «Ростова-на-Дону»).
    """
    keys: set[str] = set()
    for case in _CASES:
        options = [_word_declensions(word, case) for word in words]
        keys.update(_key([form]) for form in _products(options, " "))
    return keys


@dataclass
class _Names:
    """The nominative names of the index as they are added: key → region code."""

    exact: dict[str, str] = field(default_factory=dict)
    regional: set[str] = field(default_factory=set)
    sources: dict[str, list[str]] = field(default_factory=dict)  # key → its words
    clashes: set[str] = field(default_factory=set)

    def add(self, name: str, code: str, *, is_region: bool) -> None:
        words = _words(name)
        key = _key(words)
        if self.exact.setdefault(key, code) != code:
            if is_region or key in self.regional:
                raise ValueError(f"{name!r} means both {self.exact[key]} and {code}")
            self.clashes.add(key)  # a town or district named like one elsewhere: never guess
        self.sources.setdefault(key, words)
        if is_region:
            self.regional.add(key)


def _nominative_names() -> _Names:
    found = _Names()
    for region in REGIONS:
        found.add(region.name_ru, region.code, is_region=True)
        found.add(region.name_en, region.code, is_region=True)
    for alias, code in REGION_ALIASES.items():
        found.add(alias, code, is_region=True)
    for city, code in CITIES.items():
        if _key(_words(city)) not in found.regional:
            found.add(city, code, is_region=False)
    for town, code in PREFIXED_TOWNS.items():
        for prefix in _TOWN_PREFIXES:
            found.add(f"{prefix} {town}", code, is_region=False)
    for district, code in DISTRICTS.items():
        found.add(district, code, is_region=False)
    for key in found.clashes:
        del found.exact[key]
    return found


def _build_index() -> _Index:
    found = _nominative_names()
    exact, regional = found.exact, found.regional
    declined: dict[str, str] = {}
    ambiguous: set[str] = set(found.clashes)
    for name in SHARED_DISTRICT_NAMES:
        ambiguous.update(_declensions(_words(name)) | {_key(_words(name))})
    district_keys = {_key(_words(name)) for name in DISTRICTS}
    for key, code in exact.items():
        for form in _declensions(found.sources[key]):
            if form in exact:  # a nominative name always beats someone else's oblique form
                continue
            if declined.setdefault(form, code) != code:
                ambiguous.add(form)
            if key in regional:
                regional.add(form)
            elif key in district_keys:
                district_keys.add(form)
    for form in ambiguous:
        declined.pop(form, None)
    return _Index(
        exact=MappingProxyType(exact),
        declined=MappingProxyType(declined),
        ambiguous=frozenset(ambiguous - exact.keys()),
        regional=frozenset(regional),
        district_keys=frozenset(district_keys - ambiguous),
    )


def _get_index() -> _Index:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = _build_index()
    return _index


# --- Resolution ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _nominatives(word: str) -> tuple[str, ...]:
    """Candidate nominative forms of one word from pymorphy3, the word itself included."""
    forms = {word}
    for parse in _get_morph().parse(word):
        # inflect() keeps number and gender, unlike normal_form: «Орлов» (plural of «орёл»)
        # must not become «Орёл», nor «Светлая» become «Светлый».
        if parse.tag.POS in _INFLECTABLE:
            nominative = parse.inflect({"nomn"})
            if nominative is not None:
                forms.add(nominative.word.replace("ё", "е"))
    if "-" in word:
        forms.update(_products([list(_nominatives(part)) for part in word.split("-")], "-"))
    return tuple(sorted(forms))


def _lemmatised(index: _Index, words: list[str]) -> str | None:
    """Bring each word to the nominative with pymorphy3; return the exact key it lands on.

    Guessed lemmas of unknown words never count unless they equal a name we list, and
    candidates that land in two regions count as no answer.
    """
    options = [list(_nominatives(word)) for word in words]
    keys = {
        key for candidate in _products(options, " ") if (key := _key([candidate])) in index.exact
    }
    codes = {index.exact[key] for key in keys}
    return min(keys) if len(codes) == 1 else None


def _strip_leading(index: _Index, words: list[str]) -> list[str]:
    while (
        len(words) > 1
        and words[0] in _LEADING_WORDS
        and _key(words) not in index.exact
        and _key(words) not in index.declined
    ):
        words = words[1:]
    return words


def _lookup(index: _Index, key: str) -> str | None:
    return index.exact.get(key) or index.declined.get(key)


def _regional_end(index: _Index, words: list[str]) -> str | None:
    """The region named at either end of a phrase: «Рыльск Курской области» → KRS; else
    the district: «с. Заречье Глушковского района» → KRS."""
    for keys in (index.regional, index.district_keys):
        for size in range(len(words) - 1, 0, -1):
            for part in (words[-size:], words[:size]):
                key = _key(part)
                if key in keys and (code := _lookup(index, key)):
                    return code
    return None


def _resolve_parts(index: _Index, text: str) -> str | None:
    """Resolve «Курск, Россия», «Рыльск Курской области» or «из Валуек» part by part.

    Per comma-separated part: index hit, else a region named at one end, else lemmas.
    A region named explicitly beats the region of a town; disagreement gives None.
    """
    regions: set[str] = set()
    towns: set[str] = set()
    for part in re.split(r"[,;/()]", text):
        words = _strip_leading(index, _words(part))
        if not words or (words[0] in _LEADING_WORDS and _lookup(index, _key(words)) is None):
            continue
        key = _key(words)
        if key in index.ambiguous:
            continue
        if (code := _lookup(index, key)) is None:
            if (code := _regional_end(index, words)) is not None:
                regions.add(code)
                continue
            if (lemma_key := _lemmatised(index, words)) is None:
                continue
            key, code = lemma_key, index.exact[lemma_key]
        (regions if key in index.regional else towns).add(code)
    if regions:
        return regions.pop() if len(regions) == 1 else None
    return towns.pop() if len(towns) == 1 else None


def resolve_region(text: str) -> Region | None:
    """Return the region a place name points to, or None if unknown or ambiguous.

    ``text`` is a str holding place words as a post writes them: a region («Курская обл.»,
    «в Курской области», «Kursk Oblast», «Якутия»), a town («г. Рыльск», «из Рыльска»,
    «Питер»), or both («Рыльск, Курская область»). Case, ё/е, punctuation and leading
    prepositions are ignored. Pass the place words only, not surrounding prose or a person's
    name: towns named after people (Губкин, Дмитриев, Владимир) resolve like any other town.
    The first call builds the indexes (about a second); later calls take microseconds.
    """
    index = _get_index()
    words = _strip_leading(index, _words(text))
    if not words:
        return None
    key = _key(words)
    if key in index.ambiguous:  # «Пушкина»: Пушкин (Санкт-Петербург) or Пушкино (Подмосковье)
        return None
    code = _lookup(index, key) or _resolve_parts(index, text)
    return _BY_CODE[code] if code else None


# --- Demonyms ------------------------------------------------------------------------------------

# What people from a region or its capital are called, singular masculine nominative
# («куряне», «курянина», «курянка» are brought back to «курянин» by pymorphy3). Names of
# peoples («татарин», «башкир», «якут») are not here: they say who someone is, not where from.
# Left out as ambiguous: «дончанин» (Donetsk or the Don), «уралец», «сибиряк», «запорожец».
_DEMONYM_LISTS: dict[str, tuple[str, ...]] = {
    "KRS": _names("курянин"),
    "BEL": _names("белгородец"),
    "BRY": _names("брянец, брянчанин"),
    "ORL": _names("орловец, орловчанин"),
    "TUL": _names("туляк"),
    "VOR": _names("воронежец"),
    "LIP": _names("липчанин"),
    "SMO": _names("смолянин"),
    "KLU": _names("калужанин"),
    "TAM": _names("тамбовчанин"),
    "RYA": _names("рязанец"),
    "VLA": _names("владимирец"),
    "IVA": _names("ивановец"),
    "KOS": _names("костромич"),
    "YAR": _names("ярославец"),
    "TVE": _names("тверитянин, тверяк"),
    "PSK": _names("псковитянин, пскович"),
    "NGR": _names("новгородец"),
    "VLG": _names("вологжанин"),
    "ARK": _names("архангелогородец"),
    "MUR": _names("мурманчанин"),
    "KR": _names("петрозаводчанин"),
    "KO": _names("сыктывкарец"),
    "KGD": _names("калининградец"),
    "NIZ": _names("нижегородец"),
    "KIR": _names("кировчанин, вятчанин"),
    "ME": _names("йошкаролинец"),
    "CU": _names("чебоксарец"),
    "TA": _names("казанец, казанчанин"),
    "UD": _names("ижевчанин"),
    "BA": _names("уфимец"),
    "SAM": _names("самарец, тольяттинец"),
    "SAR": _names("саратовец"),
    "PNZ": _names("пензенец, пензяк"),
    "ULY": _names("ульяновец"),
    "ORE": _names("оренбуржец"),
    "PER": _names("пермяк"),
    "SVE": _names("екатеринбуржец"),
    "CHE": _names("челябинец"),
    "KGN": _names("курганец"),
    "TYU": _names("тюменец"),
    "OMS": _names("омич"),
    "NVS": _names("новосибирец"),
    "TOM": _names("томич"),
    "KEM": _names("кемеровчанин, кузбассовец, новокузнечанин"),
    "ALT": _names("барнаулец"),
    "KYA": _names("красноярец"),
    "IRK": _names("иркутянин"),
    "BU": _names("улан-удэнец"),
    "ZAB": _names("читинец, забайкалец"),
    "SA": _names("якутянин"),
    "AMU": _names("благовещенец, амурчанин"),
    "KHA": _names("хабаровчанин"),
    "PRI": _names("владивостокец, приморец"),
    "SAK": _names("сахалинец"),
    "MAG": _names("магаданец"),
    "YEV": _names("биробиджанец"),
    "DA": _names("дагестанец, махачкалинец"),
    "CE": _names("грозненец"),
    "IN": _names("назрановец"),
    "KB": _names("нальчанин"),
    "KC": _names("черкесчанин"),
    "MO": _names("саранец"),
    "SE": _names("владикавказец"),
    "STA": _names("ставрополец"),
    "KDA": _names("краснодарец, кубанец"),
    "AD": _names("майкопчанин"),
    "ROS": _names("ростовчанин"),
    "VGG": _names("волгоградец, сталинградец"),
    "AST": _names("астраханец"),
    "KL": _names("элистинец"),
    "CR": _names("крымчанин"),
    "SEV": _names("севастополец"),
    "TY": _names("тувинец, кызылчанин"),
    "KK": _names("абаканец"),
    "AL": _names("горноалтаец"),
    "KHM": _names("сургутянин, югорчанин"),
    "YAN": _names("ямалец"),
    "LPR": _names("луганчанин"),
    "KHE": _names("херсонец"),
    "ZAP": _names("мелитополец"),
    "MOW": _names("москвич"),
    "SPE": _names("петербуржец, питерец"),
}
DEMONYMS: Mapping[str, str] = MappingProxyType(
    {name: code for name, code in _merge(_DEMONYM_LISTS, "DEMONYMS").items() if " " not in name}
)


@functools.cache
def demonym_forms() -> Mapping[str, tuple[str, bool]]:
    """Every masculine form of every demonym → (region code, plural): «курянина» → KRS,
    «куряне» → KRS plural. Built once with pymorphy3 (a few hundred forms)."""
    forms: dict[str, tuple[str, bool]] = {}
    for name, code in DEMONYMS.items():
        forms[name] = (code, False)
        for parse in _get_morph().parse(name):
            if parse.tag.POS != "NOUN" or parse.tag.case != "nomn" or parse.tag.number != "sing":
                continue
            for form in parse.lexeme:
                word = form.word.replace("ё", "е")
                forms.setdefault(word, (code, form.tag.number == "plur"))
            break
    return MappingProxyType(forms)


def resolve_demonym(word: str) -> Region | None:
    """The region a demonym names: «туляк», «курянина», «куряне», «брянцы» → its region.

    ``word`` is one word in any case, number or letter case. Besides the listed demonyms,
    one made from a town's name the regular way counts («суджанец» → Суджа, «мичуринца» →
    Мичуринск, «кимрянин» → Кимры) when the town is unambiguous. Feminine forms («курянка»)
    are not demonyms of conscripts and give None.
    """
    lower = word.lower().replace("ё", "е")
    found = demonym_forms().get(lower)
    if found:
        return _BY_CODE[found[0]]
    code = _derived_demonym(lower)
    return _BY_CODE[code] if code else None


_DEMONYM_SUFFIXES = ("чанин", "янин", "анин", "анец", "янец", "енец", "инец", "ец", "як")
_TOWN_ENDINGS = ("", "ск", "а", "о", "ы", "и", "ь", "е")


@functools.lru_cache(maxsize=20_000)
def _derived_demonym(lower: str) -> str | None:
    if not lower.endswith(("н", "ц", "к", "на", "ну", "ном", "не", "ца", "цу", "цем", "це", "ка",
                           "ку", "ком", "ке", "не", "цы", "ки")):  # fmt: skip
        return None
    index = _get_index()
    nominatives = {lower}
    for parse in _get_morph().parse(lower):
        if parse.tag.POS == "NOUN" and parse.tag.gender == "masc":
            nominatives.add(parse.normal_form.replace("ё", "е"))
    codes = set()
    for nominative in nominatives:
        for suffix in _DEMONYM_SUFFIXES:
            if not nominative.endswith(suffix) or len(nominative) - len(suffix) < 3:
                continue
            stem = nominative[: -len(suffix)]
            for ending in _TOWN_ENDINGS:
                key = stem + ending
                code = index.exact.get(key)
                if code and key not in index.regional and key in _FREE_TOWN_KEYS:
                    codes.add(code)
    return codes.pop() if len(codes) == 1 else None
