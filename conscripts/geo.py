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
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import pymorphy3

__all__ = [
    "CITIES",
    "REGIONS",
    "REGION_ALIASES",
    "Region",
    "region_by_code",
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


# Towns and cities, nominative as written. Colloquial names go in the same lists.
# A wrong region on a person's record is worse than none, so some towns are left out on purpose:
# names shared by towns of different regions (Троицк, Мирный, Кировск, Советский, Заречный,
# Михайловка, Ровеньки, Мантурово, Красноармейск…), and smaller towns named like an everyday
# word, a surname or a first name (Бор, Зима, Остров, Клин, Луга, Строитель, Свободный, Гусев,
# Ефремов, Чехов…), which posts use far more often in their other sense. Regional capitals and
# cities over ~100,000 stay whatever their name (Орёл, Владимир, Шахты, Артём, Королёв).
_CITY_LISTS: dict[str, tuple[str, ...]] = {
    # Border regions first, in depth
    "KRS": _names(
        """
        Курск, Железногорск, Курчатов, Льгов, Щигры, Рыльск, Обоянь, Дмитриев, Фатеж, Суджа,
        Глушково, Коренево, Тёткино, Хомутовка, Горшечное, Медвенка, Поныри, Золотухино,
        Конышёвка, Касторное, Пристень, Черемисиново, Большое Солдатское, Кшенский, Малая Локня,
        Иванино
        """
    ),
    "BEL": _names(
        """
        Белгород, Старый Оскол, Губкин, Шебекино, Алексеевка, Валуйки, Новый Оскол, Грайворон,
        Короча, Бирюч, Борисовка, Ракитное, Красная Яруга, Прохоровка, Чернянка,
        Волоконовка, Вейделевка, Ивня, Томаровка, Новая Таволжанка, Уразово,
        Маслова Пристань
        """
    ),
    "BRY": _names(
        """
        Брянск, Клинцы, Новозыбков, Дятьково, Сельцо, Унеча, Жуковка, Карачев, Почеп, Стародуб,
        Трубчевск, Сураж, Севск, Погар, Мглин, Злынка, Климово, Комаричи, Навля, Суземка,
        Выгоничи, Красная Гора, Гордеевка, Клетня, Рогнедино, Брасово, Белая Берёзка
        """
    ),
    # Republics
    "AD": _names("Майкоп, Адыгейск, Яблоновский"),
    "AL": _names("Горно-Алтайск"),
    "BA": _names(
        """
        Уфа, Стерлитамак, Салават, Нефтекамск, Октябрьский, Туймазы, Белорецк, Ишимбай, Кумертау,
        Сибай, Учалы, Мелеуз, Белебей, Бирск
        """
    ),
    "BU": _names("Улан-Удэ, Северобайкальск, Гусиноозёрск, Кяхта"),
    "DA": _names(
        """
        Махачкала, Хасавюрт, Дербент, Каспийск, Буйнакск, Избербаш, Кизляр, Кизилюрт,
        Дагестанские Огни, Южно-Сухокумск
        """
    ),
    "DPR": _names(
        """
        Донецк, Макеевка, Горловка, Мариуполь, Енакиево, Харцызск, Шахтёрск, Торез,
        Чистяково, Дебальцево, Ясиноватая, Докучаевск, Волноваха, Амвросиевка, Иловайск,
        Новоазовск, Авдеевка, Зугрэс, Артёмовск, Бахмут, Угледар, Марьинка
        """
    ),
    "IN": _names("Магас, Назрань, Малгобек, Карабулак, Сунжа"),
    "KB": _names("Нальчик, Баксан, Нарткала, Тырныауз, Чегем"),
    "KL": _names("Элиста, Лагань, Городовиковск"),
    "KC": _names("Черкесск, Карачаевск, Усть-Джегута, Теберда"),
    "KR": _names(
        """
        Петрозаводск, Кондопога, Сегежа, Костомукша, Сортавала, Медвежьегорск, Беломорск, Олонец,
        Питкяранта, Лахденпохья, Пудож
        """
    ),
    "KO": _names("Сыктывкар, Ухта, Воркута, Печора, Усинск, Инта, Сосногорск, Вуктыл"),
    "CR": _names(
        """
        Симферополь, Керчь, Евпатория, Ялта, Феодосия, Джанкой, Алушта, Бахчисарай, Саки, Армянск,
        Красноперекопск, Судак, Старый Крым, Алупка, Щёлкино
        """
    ),
    "LPR": _names(
        """
        Луганск, Алчевск, Северодонецк, Лисичанск, Красный Луч, Стаханов, Кадиевка,
        Антрацит, Брянка, Краснодон, Должанск, Рубежное, Кременная, Старобельск,
        Лутугино, Перевальск, Молодогвардейск, Попасная
        """
    ),
    "ME": _names("Йошкар-Ола, Волжск, Козьмодемьянск"),
    "MO": _names("Саранск, Рузаевка, Ковылкино"),
    "SA": _names("Якутск, Нерюнгри, Ленск, Алдан, Вилюйск, Нюрба"),
    "SE": _names("Владикавказ, Моздок, Беслан, Алагир, Ардон, Дигора"),
    "TA": _names(
        """
        Казань, Набережные Челны, Челны, Нижнекамск, Альметьевск, Зеленодольск, Бугульма, Елабуга,
        Лениногорск, Чистополь, Азнакаево, Лаишево, Буинск, Иннополис
        """
    ),
    "TY": _names("Кызыл, Ак-Довурак, Шагонар"),
    "UD": _names("Ижевск, Сарапул, Воткинск, Глазов, Можга"),
    "KK": _names("Абакан, Черногорск, Саяногорск, Абаза"),
    "CE": _names("Грозный, Урус-Мартан, Гудермес, Аргун, Ачхой-Мартан, Курчалой"),
    "CU": _names("Чебоксары, Новочебоксарск, Канаш, Алатырь, Шумерля"),
    # Krais
    "ALT": _names(
        """
        Барнаул, Бийск, Рубцовск, Новоалтайск, Заринск, Камень-на-Оби, Славгород, Алейск,
        Белокуриха, Яровое
        """
    ),
    "ZAB": _names("Чита, Краснокаменск, Борзя, Петровск-Забайкальский, Нерчинск, Шилка, Агинское"),
    "KAM": _names("Петропавловск-Камчатский, Елизово, Вилючинск"),
    "KDA": _names(
        """
        Краснодар, Сочи, Новороссийск, Армавир, Анапа, Ейск, Кропоткин, Геленджик,
        Славянск-на-Кубани, Туапсе, Лабинск, Тихорецк, Крымск, Белореченск, Тимашёвск, Курганинск,
        Кореновск, Усть-Лабинск, Апшеронск, Горячий Ключ, Темрюк, Абинск, Гулькевичи, Новокубанск,
        Приморско-Ахтарск, Хадыженск, Адлер
        """
    ),
    "KYA": _names(
        """
        Красноярск, Норильск, Ачинск, Канск, Минусинск, Зеленогорск, Лесосибирск, Назарово,
        Шарыпово, Сосновоборск, Енисейск, Дивногорск, Бородино, Дудинка
        """
    ),
    "PER": _names(
        """
        Пермь, Березники, Соликамск, Чайковский, Кунгур, Лысьва, Краснокамск, Чусовой, Добрянка,
        Кудымкар, Губаха, Верещагино
        """
    ),
    "PRI": _names(
        """
        Владивосток, Владик, Уссурийск, Находка, Артём, Арсеньев, Спасск-Дальний, Большой Камень,
        Партизанск, Лесозаводск, Дальнегорск, Дальнереченск
        """
    ),
    "STA": _names(
        """
        Ставрополь, Пятигорск, Кисловодск, Невинномысск, Ессентуки, Михайловск, Минеральные Воды,
        Георгиевск, Будённовск, Железноводск, Светлоград, Ипатово,
        Зеленокумск, Новоалександровск, Нефтекумск
        """
    ),
    "KHA": _names(
        """
        Хабаровск, Комсомольск-на-Амуре, Амурск, Советская Гавань, Николаевск-на-Амуре, Бикин,
        Ванино
        """
    ),
    # Oblasts
    "AMU": _names("Благовещенск, Белогорск, Тында, Райчихинск, Шимановск, Циолковский"),
    "ARK": _names(
        """
        Архангельск, Северодвинск, Котлас, Новодвинск, Коряжма, Вельск, Онега, Няндома, Каргополь
        """
    ),
    "AST": _names("Астрахань, Ахтубинск, Знаменск, Харабали, Камызяк"),
    "VLA": _names(
        """
        Владимир, Ковров, Муром, Гусь-Хрустальный, Кольчугино, Вязники, Киржач,
        Юрьев-Польский, Суздаль, Собинка
        """
    ),
    "VGG": _names(
        """
        Волгоград, Сталинград, Волжский, Камышин, Урюпинск, Фролово, Калач-на-Дону, Котово,
        Палласовка, Суровикино, Серафимович
        """
    ),
    "VLG": _names(
        """
        Вологда, Череповец, Великий Устюг, Бабаево, Тотьма, Белозерск, Грязовец,
        Харовск, Вытегра
        """
    ),
    "VOR": _names(
        """
        Воронеж, Борисоглебск, Россошь, Лиски, Острогожск, Нововоронеж, Бутурлиновка, Семилуки,
        Богучар, Эртиль, Поворино
        """
    ),
    "ZAP": _names(
        """
        Мелитополь, Бердянск, Энергодар, Токмак, Пологи, Каменка-Днепровская, Запорожье,
        Днепрорудное, Молочанск, Акимовка
        """
    ),
    "IVA": _names("Иваново, Кинешма, Шуя, Вичуга, Тейково, Кохма"),
    "IRK": _names(
        """
        Иркутск, Братск, Ангарск, Усть-Илимск, Усолье-Сибирское, Усть-Кут, Черемхово, Шелехов,
        Тулун, Саянск, Нижнеудинск, Тайшет, Бодайбо, Железногорск-Илимский
        """
    ),
    "KGD": _names(
        """
        Калининград, Кёнигсберг, Черняховск, Советск, Балтийск, Зеленоградск,
        Светлогорск, Багратионовск, Неман
        """
    ),
    "KLU": _names(
        """
        Калуга, Обнинск, Людиново, Малоярославец, Козельск, Кондрово, Балабаново, Сухиничи
        """
    ),
    "KEM": _names(
        """
        Кемерово, Новокузнецк, Прокопьевск, Междуреченск, Ленинск-Кузнецкий, Киселёвск, Юрга,
        Белово, Анжеро-Судженск, Осинники, Мыски, Таштагол, Полысаево, Топки, Мариинск
        """
    ),
    "KIR": _names("Киров, Кирово-Чепецк, Вятские Поляны, Слободской, Котельнич, Омутнинск, Яранск"),
    "KOS": _names("Кострома, Буй, Нерехта, Шарья, Галич"),
    "KGN": _names("Курган, Шадринск, Шумиха, Катайск, Далматово"),
    "LEN": _names(
        """
        Гатчина, Выборг, Всеволожск, Мурино, Кудрово, Сосновый Бор, Тихвин, Кириши, Кингисепп,
        Волхов, Сертолово, Приозерск, Ивангород, Лодейное Поле, Тосно, Шлиссельбург
        """
    ),
    "LIP": _names("Липецк, Елец, Лебедянь, Усмань, Задонск"),
    "MAG": _names("Магадан, Сусуман"),
    "MOS": _names(
        """
        Балашиха, Подольск, Химки, Мытищи, Королёв, Люберцы, Красногорск, Электросталь, Коломна,
        Одинцово, Домодедово, Серпухов, Щёлково, Орехово-Зуево, Раменское, Долгопрудный,
        Жуковский, Пушкино, Реутов, Сергиев Посад, Ногинск, Видное, Лобня, Ивантеевка, Дмитров,
        Воскресенск, Наро-Фоминск, Егорьевск, Солнечногорск, Дубна, Фрязино, Истра,
        Ступино, Павловский Посад, Лыткарино, Шатура, Котельники, Дзержинский, Можайск,
        Волоколамск, Кашира, Луховицы, Зарайск, Руза, Талдом
        """
    ),
    "MUR": _names(
        """
        Мурманск, Апатиты, Североморск, Мончегорск, Кандалакша, Оленегорск,
        Ковдор, Гаджиево, Полярные Зори, Снежногорск
        """
    ),
    "NIZ": _names(
        """
        Нижний Новгород, Нижний, Н. Новгород, Дзержинск, Арзамас, Саров, Кстово, Выкса,
        Балахна, Заволжье, Городец, Богородск, Лысково, Навашино, Кулебаки, Шахунья,
        Урень
        """
    ),
    "NGR": _names(
        """
        Великий Новгород, Новгород, Боровичи, Старая Русса, Валдай, Малая Вишера, Пестово,
        Окуловка, Чудово
        """
    ),
    "NVS": _names(
        """
        Новосибирск, Нск, Новосиб, Бердск, Искитим, Карасук, Барабинск, Татарск, Кольцово
        """
    ),
    "OMS": _names("Омск, Исилькуль, Калачинск, Называевск"),
    "ORE": _names(
        """
        Оренбург, Орск, Новотроицк, Бузулук, Бугуруслан, Сорочинск, Медногорск, Абдулино
        """
    ),
    "ORL": _names("Орёл, Ливны, Мценск"),
    "PNZ": _names("Пенза, Кузнецк, Сердобск, Нижний Ломов"),
    "PSK": _names("Псков, Великие Луки, Невель, Опочка, Печоры, Порхов, Новоржев"),
    # «Ростов» alone is nearly always Ростов-на-Дону in speech, not Ростов Великий.
    "ROS": _names(
        """
        Ростов-на-Дону, Ростов, Таганрог, Шахты, Новочеркасск, Волгодонск, Батайск, Новошахтинск,
        Каменск-Шахтинский, Азов, Гуково, Сальск, Белая Калитва, Красный Сулин, Аксай, Миллерово,
        Морозовск, Зерноград, Семикаракорск, Константиновск
        """
    ),
    "RYA": _names("Рязань, Касимов, Скопин, Сасово, Ряжск, Рыбное"),
    "SAM": _names(
        """
        Самара, Тольятти, Сызрань, Новокуйбышевск, Чапаевск, Жигулёвск, Кинель,
        Похвистнево, Октябрьск
        """
    ),
    "SAR": _names(
        """
        Саратов, Энгельс, Балаково, Балашов, Вольск, Ртищево, Аткарск, Петровск,
        Красный Кут, Хвалынск
        """
    ),
    "SAK": _names("Южно-Сахалинск, Корсаков, Холмск, Оха, Поронайск, Невельск, Долинск"),
    "SVE": _names(
        """
        Екатеринбург, Екб, Екат, Нижний Тагил, Тагил, Каменск-Уральский, Первоуральск, Серов,
        Новоуральск, Асбест, Полевской, Ревда, Берёзовский, Верхняя Пышма, Краснотурьинск,
        Верхняя Салда, Алапаевск, Ирбит, Камышлов, Сухой Лог, Кушва, Качканар, Богданович,
        Североуральск, Красноуфимск
        """
    ),
    "SMO": _names(
        """
        Смоленск, Вязьма, Рославль, Ярцево, Сафоново, Десногорск, Дорогобуж, Ельня
        """
    ),
    "TAM": _names("Тамбов, Мичуринск, Рассказово, Моршанск, Котовск, Уварово, Кирсанов"),
    "TVE": _names(
        """
        Тверь, Ржев, Вышний Волочёк, Кимры, Торжок, Конаково, Бежецк, Удомля, Нелидово, Осташков,
        Бологое, Кашин
        """
    ),
    "TOM": _names("Томск, Северск, Стрежевой, Асино, Колпашево"),
    "TUL": _names(
        """
        Тула, Новомосковск, Алексин, Щёкино, Богородицк, Кимовск, Венёв,
        Ясногорск, Киреевск
        """
    ),
    "TYU": _names("Тюмень, Тобольск, Ишим, Ялуторовск, Заводоуковск"),
    "ULY": _names("Ульяновск, Димитровград, Инза, Барыш, Новоульяновск"),
    "KHE": _names(
        """
        Херсон, Геническ, Новая Каховка, Каховка, Скадовск, Алёшки, Олешки, Голая Пристань,
        Берислав, Чаплинка, Каланчак
        """
    ),
    "CHE": _names(
        """
        Челябинск, Челяба, Магнитогорск, Златоуст, Миасс, Копейск, Озёрск, Снежинск, Сатка,
        Чебаркуль, Трёхгорный, Коркино, Южноуральск, Кыштым, Карабаш, Еманжелинск, Касли,
        Верхний Уфалей
        """
    ),
    "YAR": _names("Ярославль, Рыбинск, Переславль-Залесский, Тутаев, Углич"),
    # Cities of federal significance and their parts
    "MOW": _names("Москва, Мск, Зеленоград, Щербинка"),
    "SPE": _names(
        """
        Санкт-Петербург, Петербург, Питер, СПб, Спб, Ленинград, Колпино, Пушкин, Петергоф,
        Кронштадт, Сестрорецк
        """
    ),
    "SEV": _names("Севастополь, Инкерман, Балаклава"),
    # Autonomous oblast and okrugs
    "YEV": _names("Биробиджан, Облучье"),
    "NEN": _names("Нарьян-Мар"),
    "KHM": _names(
        """
        Ханты-Мансийск, Сургут, Нижневартовск, Нефтеюганск, Когалым, Нягань, Мегион, Лангепас,
        Пыть-Ях, Урай, Лянтор, Югорск, Белоярский, Покачи
        """
    ),
    "CHU": _names("Анадырь, Билибино, Певек"),
    "YAN": _names(
        """
        Салехард, Новый Уренгой, Ноябрьск, Надым, Муравленко, Губкинский, Лабытнанги, Тарко-Сале
        """
    ),
}


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
CITIES: Mapping[str, str] = MappingProxyType(_merge(_CITY_LISTS, "CITIES"))


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
_ABBREVIATIONS = {"обл": "область", "респ": "республика", "кр": "край"}
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
    return [_ABBREVIATIONS.get(word, word) for word in words if word]


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


_morph: pymorphy3.MorphAnalyzer | None = None
_index: _Index | None = None
_lock = threading.Lock()


def _get_morph() -> pymorphy3.MorphAnalyzer:
    global _morph
    if _morph is None:
        _morph = pymorphy3.MorphAnalyzer()
    return _morph


def _products(options: list[list[str]], joiner: str) -> Iterator[str]:
    for combination in itertools.islice(itertools.product(*options), _MAX_COMBINATIONS):
        yield joiner.join(combination)


def _inflections(word: str, case: str) -> set[str]:
    """``word`` (nominative) put in ``case``; empty if pymorphy3 has no nominative reading."""
    parses = [
        p for p in _get_morph().parse(word) if p.tag.POS in _INFLECTABLE and p.tag.case == "nomn"
    ]
    # Prefer the dictionary's place-name reading: «Шахты» the town, not plural «шахта».
    parses = [p for p in parses if "Geox" in p.tag] or parses
    inflected = (p.inflect({case}) for p in parses)
    return {p.word.replace("ё", "е") for p in inflected if p is not None}


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


def _build_index() -> _Index:
    exact: dict[str, str] = {}
    regional: set[str] = set()
    sources: dict[str, list[str]] = {}

    def add(name: str, code: str, *, is_region: bool) -> None:
        words = _words(name)
        key = _key(words)
        if exact.setdefault(key, code) != code:
            raise ValueError(f"{name!r} means both {exact[key]} and {code}")
        sources.setdefault(key, words)
        if is_region:
            regional.add(key)

    for region in REGIONS:
        add(region.name_ru, region.code, is_region=True)
        add(region.name_en, region.code, is_region=True)
    for alias, code in REGION_ALIASES.items():
        add(alias, code, is_region=True)
    for city, code in CITIES.items():
        add(city, code, is_region=False)

    declined: dict[str, str] = {}
    ambiguous: set[str] = set()
    for key, code in exact.items():
        for form in _declensions(sources[key]):
            if form in exact:  # a nominative name always beats someone else's oblique form
                continue
            if declined.setdefault(form, code) != code:
                ambiguous.add(form)
            if key in regional:
                regional.add(form)
    for form in ambiguous:
        del declined[form]
    return _Index(
        exact=MappingProxyType(exact),
        declined=MappingProxyType(declined),
        ambiguous=frozenset(ambiguous),
        regional=frozenset(regional),
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
    while len(words) > 1 and words[0] in _LEADING_WORDS and _key(words) not in index.exact:
        words = words[1:]
    return words


def _lookup(index: _Index, key: str) -> str | None:
    return index.exact.get(key) or index.declined.get(key)


def _regional_end(index: _Index, words: list[str]) -> str | None:
    """The region named at either end of a phrase: «Рыльск Курской области» → KRS."""
    for size in range(len(words) - 1, 0, -1):
        for part in (words[-size:], words[:size]):
            key = _key(part)
            if key in index.regional and (code := _lookup(index, key)):
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
        if not words or words[0] in _LEADING_WORDS:
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
