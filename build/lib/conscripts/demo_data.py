"""Realistic, entirely FICTIONAL conscripts for demos, tests and benchmarks. Plain Python.

``people(n, seed=...)`` yields ``PersonRecord``s: a name with realistic
frequencies (common surnames plus a long tail, given names of men born around
2005, patronymics derived from fathers' names by the Russian rules), a birth
date, home region, unit, draft, last contact and an evidence history whose
event dates are in order. The same seed gives the same people, and the first
``k`` people of a longer run are the people of a run of ``k`` (the generator
works in fixed-size chunks).

No record describes a real person: names are drawn independently, unit numbers
are random, sources and URLs (``example.invalid``) are invented. About 1% of
people are deliberately given the full name of an earlier person (with another
birth year), so that namesakes exist at every size.

The values are what the database stores: ё is written as е, names are in the
nominative, surnames in the male form (conscripts are men; ``feminine_surname``
gives the female form for relatives).

Any change to what is drawn, or in what order, changes every roster: the search
benchmark's queries (``bench/data/search_queries.jsonl``) carry a fingerprint of
the 20,000-person roster of seed 2024 and must then be regenerated.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
OFFENSIVE_START = date(2024, 8, 6)
_CHUNK = 1024  # people drawn per batch of random numbers; fixes the stream per seed


# --- Names --------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()


# The ~300 most common surnames, roughly by frequency (male forms, е for ё).
COMMON_SURNAMES = _words(
    """
Смирнов Иванов Кузнецов Соколов Попов Лебедев Козлов Новиков Морозов Петров Волков
Соловьев Васильев Зайцев Павлов Семенов Голубев Виноградов Богданов Воробьев Федоров
Михайлов Беляев Тарасов Белов Комаров Орлов Киселев Макаров Андреев Ковалев Ильин Гусев
Титов Кузьмин Кудрявцев Баранов Куликов Алексеев Степанов Яковлев Сорокин Сергеев
Романов Захаров Борисов Королев Герасимов Пономарев Григорьев Лазарев Медведев Ершов
Никитин Соболев Рябов Поляков Цветков Данилов Жуков Фролов Журавлев Николаев Крылов
Максимов Сидоров Осипов Белоусов Федотов Дорофеев Егоров Матвеев Бобров Дмитриев Калинин
Анисимов Петухов Антонов Тимофеев Никифоров Веселов Филиппов Марков Большаков Суханов
Миронов Ширяев Александров Коновалов Шестаков Казаков Ефимов Денисов Громов Фомин
Давыдов Мельников Щербаков Блинов Колесников Карпов Афанасьев Власов Маслов Исаков
Тихонов Аксенов Гаврилов Родионов Котов Горбунов Кудряшов Быков Зуев Третьяков Савельев
Панов Рыбаков Суворов Абрамов Воронин Мухин Архипов Трофимов Мартынов Емельянов Горшков
Чернов Овчинников Селезнев Панфилов Копылов Михеев Галкин Назаров Лобанов Лукин Беляков
Потапов Некрасов Хохлов Жданов Наумов Шилов Воронцов Ермаков Дроздов Игнатьев Савин
Логинов Сафонов Капустин Кириллов Моисеев Елисеев Кошелев Костин Горбачев Орехов Ефремов
Исаев Евдокимов Калашников Кабанов Носков Юдин Кулагин Лапин Прохоров Нестеров Харитонов
Агафонов Муравьев Ларионов Федосеев Зимин Пахомов Шубин Игнатов Филатов Крюков Рогов
Кулаков Терентьев Молчанов Владимиров Артемьев Гурьев Зиновьев Гришин Кононов Дементьев
Ситников Симонов Мишин Фадеев Комиссаров Мамонтов Носов Гуляев Шаров Устинов Вишняков
Евсеев Лаврентьев Брагин Константинов Корнилов Авдеев Зыков Бирюков Шарапов Никонов
Щукин Дьячков Одинцов Сазонов Якушев Красильников Гордеев Самойлов Князев Беспалов
Уваров Шашков Бобылев Доронин Белозеров Рожков Самсонов Мясников Лихачев Буров Сысоев
Фомичев Русаков Стрелков Гущин Тетерин Колобов Субботин Фокин Блохин Селиверстов Пестов
Кондратьев Силин Меркушев Лыткин Туров Шевченко Бондаренко Ткаченко Кравченко Коваленко
Бойко Литвинов Гончаренко Руденко Савченко Марченко Лысенко Приходько Даниленко Мороз
Мельник Кравец Черных Белых Толстой Плотников Чистяков Голованов Дьяконов Поздняков
Скворцов Лавров Кочетков Тарасенко Гребенюк Полищук Яценко Демченко Сидоренко Карпенко
Левченко Пилипенко Кириченко Соловей Коротков Ломакин Смольянинов Тюрин
"""
)

# Rarer surnames. With the stems below they make a flat long tail that carries
# most of the mass, as in a real roster: most people do not carry one of the 300
# most common names, and full-name namesakes stay a few percent of 20,000 people.
RARE_SURNAMES = _words(
    """
Абакумов Абрашкин Авдонин Авдюшин Агапкин Агеев Адамов Азаров Акимов Акиньшин Аксютин
Алабин Алдошин Алехин Алешин Алферов Альшевский Амосов Ананьев Андрианов Андронов
Аникеев Анкудинов Антипин Антохин Антошин Ануфриев Апраксин Аристов Аркадьев Арсеньев
Артамонов Артюхов Артюшин Астафьев Астахов Атаманов Афонин Бабаев Бабанин Бабушкин
Багров Бадаев Базанов Байков Бакланов Бакунин Балабанов Балакирев Балашов Бардин
Барсуков Баскаков Батраков Бахметьев Башкиров Бегунов Безруков Белкин Бердников Берестов
Бессонов Бирюлин Блохин Бобков Богатырев Богомолов Болдырев Бондарев Боровиков Бородулин
Бочаров Брагин Брюханов Букин Булгаков Бунин Бурлаков Бурцев Бутузов Бычков Вагин
Важенин Валуев Ванин Ванюшин Варламов Варфоломеев Васютин Вахрушев Ведерников Венедиктов
Верховцев Веселкин Вешняков Викулов Вилков Вихарев Вишневский Вьюгин Вяткин Гаврюшин
Галанин Галицкий Ганин Гапонов Гладышев Глебов Глухов Гнедин Голиков Голышев Гончаров
Горохов Горюнов Грачев Гребнев Гришаев Грошев Губанов Губин Гудков Гуляшов Гурков
Гусаков Давыдкин Дадонов Данилкин Дворников Девятов Демидов Демин Деревянкин Дергачев
Дешевых Добрынин Долгов Долгушин Дорохов Дубинин Дубровин Думов Дунаев Дурнев Дьяков
Евланов Евстигнеев Егоршин Елагин Еланский Ельцов Емельяненко Еремеев Еремин Ерохин
Ершов Ефимкин Жарков Жилин Жиров Журов Забелин Завьялов Загоскин Задорнов Заикин Закутин
Замятин Зарубин Засыпкин Звягинцев Зеленин Зимаков Злобин Золотарев Зорин Зотов Зубарев
Зубков Зюзин Иванников Ивашов Ивлев Игумнов Измайлов Илюхин Илюшин Исаенко Кадников
Казанцев Калачев Калмыков Каменев Камышев Канаев Карасев Каргин Карелин Карпухин
Касаткин Касьянов Катков Кашин Квасов Климов Клочков Клюкин Кобзев Ковригин Кожевников
Кожин Козин Колчин Комлев Коняхин Копейкин Корнеев Коробов Корчагин Косарев Косолапов
Костромин Котельников Кочергин Кошкин Кравцов Краснов Крашенинников Кремнев Кручинин
Крючков Кубасов Кувшинов Кудинов Кузовлев Кукушкин Кулешов Кураев Курбатов Куренков
Курочкин Кутузов Лагутин Ладыгин Лаптев Ларин Латышев Лебедкин Леонов Лепехин Лесков
Лизунов Липатов Лисицын Лобачев Логунов Лопатин Лосев Лукьянов Лунин Лучинин Любимов
Лядов Мазуров Макеев Маклаков Малахов Малыгин Малышев Мальцев Манин Маркин Масленников
Матвейчук Махов Мезенцев Мелехов Меньшиков Мещеряков Минаев Миненков Митрофанов Митрохин
Михалев Мишуков Мокеев Молодцов Моргунов Мордвинов Морковкин Мосин Муромцев Мурашов
Мухортов Мышкин Навроцкий Нагорный Назарьев Неверов Неделин Некипелов Нефедов Низовцев
Никулин Новоселов Носачев Обухов Овсянников Огарев Одинцов Окунев Олейников Оношкин
Орешкин Осетров Останин Остроухов Павлюков Паламарчук Панкратов Панин Пантелеев Папанин
Парамонов Пастухов Пахомов Пеньков Перевозчиков Перепелкин Перминов Песков Петрушин
Пирогов Пискунов Платонов Плетнев Плешаков Погодин Подгорный Подольский Покровский
Полевой Полянский Поляшов Портнов Постников Потемкин Прокофьев Протасов Прудников
Пугачев Пушкарев Разумов Раков Ревякин Редькин Рекунов Репин Решетников Рогачев Рожнов
Рудаков Рукавишников Румянцев Рыжиков Рябинин Рябчиков Савкин Сажин Салтыков Самарин
Сапожников Сватов Свешников Свиридов Севастьянов Седов Селиванов Семакин Серебряков
Сергиенко Сидорчук Синицын Сиротин Скобелев Скопин Скрябин Слепцов Смагин Смолин
Снегирев Собакин Сомов Сотников Спиридонов Старостин Старков Стародубцев Степанищев
Стогов Страхов Строгонов Струков Стукалов Суслов Сухов Сучков Сытин Сычев Талызин
Тарханов Татаринов Твердохлебов Телегин Теплов Терехов Тимохин Тишин Токарев Толкачев
Топорков Третьяк Трифонов Трошин Трубников Трусов Тупицын Тырин Тюленев Угрюмов Удалов
Усов Устюжанин Ушаков Фалеев Федулов Федюнин Фетисов Филимонов Фирсов Фокеев Фоменко
Фролкин Хабаров Хлебников Хмелев Ходырев Холодов Хомутов Хорошилов Храмов Хромов Худяков
Царев Цыганов Цыпляков Чалов Чапаев Чащин Чеботарев Челноков Черемисин Черкасов Чернышев
Чесноков Чижов Чуйков Чулков Чумаков Шабанов Шадрин Шалимов Шамшурин Шапошников Шапкин
Шаталов Шатров Швецов Шевелев Шемякин Шепелев Шерстнев Шилин Шипилов Широков Шишкин
Шкуратов Шмелев Шорохов Шувалов Шульгин Шумилин Щеглов Щепкин Щетинин Юматов Юрасов
Юрьев Юшков Ябловский Ягодин Якимов Якунин Ямщиков Яновский Ярцев Яхонтов Ященко Абдулов
Аверкиев Агарков Аладьин Алпатов Ананин Андрющенко Аншаков Арбузов Архангельский Асеев
Бажов Балуев Барабанов Баринов Батурин Бекетов Белобородов Бердяев Бобрищев Бобыкин
Бокарев Бормотов Борщев Босов Бровкин Брызгалов Бубнов Бугаев Бударин Бурков Буторин
Бушуев Валиков Ванеев Васин Ватутин Вдовин Венгеров Верещагин Ветров Вихров Вишнев
Водопьянов Возняков Волошин Воробьевский Ворожейкин Воропаев Вострецов Выборнов Вялов
Гаврилин Галушкин Гвоздев Герасименко Глазков Глинкин Голубцов Гомонов Горелов Горемыкин
Горин Гостев Граблев Гранкин Грибов Гриднев Грязнов Гуров Гусельников Дашков Дегтярев
Дедов Деев Дежнев Демьянов Дерябин Дмитрук Доброхотов Довгаль Докукин Донской Дорошенко
Дроботов Дружинин Дудин Дулов Дягилев Егоркин Ежов Елизаров Елисеенко Ельшин Епифанов
Еремкин Ермилов Ерофеев Есин Ефанов Жаворонков Жбанов Желтов Жемчугов Жигалов Жмакин
Жуйков Завалишин Загайнов Зайчиков Зарецкий Заславский Захарченко Звонарев Зимнухов
Зинченко Золотов Зотиков Зыбин Ивакин Иванченко Игошин Изотов Иноземцев Истомин Кабаков
"""
)

# Stems with the endings they take («Берез:ин,кин» → Березин, Березкин).
_TAIL_STEMS = _words(
    """
Абрамц:ев Авер:ин,ьянов Агап:ов,кин Акул:ов,ин,енко Алтух:ов Ананьин Анохин
Антип:ов,енко Арап:ов Астах:ов Бабк:ин Баж:енов,ин Бакл:анов Балаш:ов Барыш:ев,ников
Басар:гин Батур:ин Бахт:ин,еев Бел:кин,янин,оглазов Берез:ин,кин,овский,ников Бесп:ятов
Бог:омолов,атырев Бол:отов,дырев Бород:ин,улин,кин Бочар:ов,ников Брусн:ицын Бугр:ов,еев
Бурд:ин,ов Бурм:истров Быстр:ов,ицкий Вавил:ов,ин Валуй:ский,ков Варакс:ин Ведерн:иков
Верещаг:ин Ветл:угин Вилк:ов,ин Вихр:ев Вод:опьянов Волоб:уев Вольн:ов Ворож:цов,ейкин
Вяз:емцев,ов Гавр:юшин Гладк:ов,их Глуш:ков,енко,цов Голов:кин,анов,ин Гончар:ов,ук
Гор:юнов,елов Граб:ов,ар Грач:ев Гребен:щиков,ников Гуд:ков,ков Дегт:ярев,ярев
Дед:ов,ков Деж:нев Дерюг:ин Дуб:ов,инин,ровин,ков Дун:аев,ин Ег:оршин Елаг:ин
Ерм:олин,ак Жарк:ов,их Жер:ебцов,ехов Жил:ин,кин,яев Забол:отный,оцкий Загор:уйко,ский
Зам:ятин,ятнин Звяг:инцев Зел:енин,енский Зол:отарев,отухин Зуб:ков,арев
Ив:ашов,ашкин,лев Извек:ов Изм:айлов Ис:аченко Кал:ачев,ягин Канд:ауров Кар:асев,аваев
Кас:ьянов,аткин Кван:ин Кир:еев,ьянов Клим:ов,енко,кин Клюев Ков:ригин,шов
Кож:ин,евников,ухов Кол:ыванов,ганов Конд:раков,рашов Корж:ов,ев,ук Кос:арев,ицын,тюков
Крав:цов,ченко Крюч:ков Кувш:инов Кудин:ов Кук:ушкин Кул:ешов,ибаба
Кур:батов,очкин,енков Лад:ыгин Лар:ин,кин Леб:едько Лис:ицын,енко,овский Лоп:атин,ухин
Лос:ев,ицкий Лукь:янов,янчиков Лунев Люб:имов,авин Маз:ур,уренко,ин Мал:ахов,ыгин,ютин
Март:ыненко,ыщенко Маш:ков,ин Мер:кулов,зляков Мин:аев,ин,кин Мит:рохин,юшин
Мох:ов,натов Мур:ашов,зин,ыгин Нап:алков Неч:аев,ипоренко Нов:осельцов,ичков Обух:ов
Овс:янников,янкин Ол:ейников,ьховский Оник:ов Ор:лик,ешкин Ос:адчий,инцев Остр:ов,оухов
Пал:кин,ий Паш:ков,енко Пер:фильев,ежогин Пищ:улин Плес:ков Поп:ович,енко Пот:ехин
Пуш:карев,кин Рад:ченко,ионов Раз:ин,умов Реп:ин,ников Рог:ачев,ожин Руб:цов,ан
Рус:инов,анов Рыж:ов,енков,иков Сав:енко,инков Сал:тыков,ов Сам:арин,охин
Сед:ов,ых,ельников Сем:ыкин,ашко Син:ицын,яков Скор:иков,обогатов Слеп:ов,цов
Смол:ин,яков Сош:ников Ставр:ов Стар:иков,остин Стеш:енко Стр:уков,оганов Сук:ачев
Сыч:ев,ев Тал:анов,ызин Твер:дохлебов Тел:егин,ятников Тимош:енко,ин Тол:качев,мачев
Топ:оров,ольский Трет:ьяк Тюл:енев Уг:рюмов Уш:аков,енин Фед:оренко,чук Фил:ипенко,ончук
Хар:ламов,ченко Хвост:ов Хом:яков,утов Хрип:унов Цар:ев,ьков Цыб:ульский,ин Чал:ов,ых
Чап:ыгин,ко Чеб:отарев,ыкин Чер:касов,нышев,емисин Чиж:ов,ик Чуд:инов Шап:ошников,овалов
Шат:ров,илов Шв:ецов,ец Шев:елев,цов Шиш:кин,ов,ков Шмел:ев Штыр:ов Шум:ов,илин Щег:лов
Щед:рин Юр:ченко,ов,кин Яг:удин Як:имов,унин Ян:ин,ков,чук Яр:ошенко,цев,ыгин
"""
)

# Given names of men born 2003–2006, with relative frequencies (е for ё).
GIVEN_NAMES: dict[str, float] = {
    "Александр": 90,
    "Дмитрий": 65,
    "Максим": 65,
    "Артем": 60,
    "Никита": 55,
    "Иван": 50,
    "Кирилл": 45,
    "Даниил": 45,
    "Егор": 40,
    "Илья": 40,
    "Андрей": 38,
    "Алексей": 35,
    "Михаил": 35,
    "Владислав": 28,
    "Сергей": 28,
    "Денис": 25,
    "Роман": 24,
    "Матвей": 22,
    "Тимофей": 18,
    "Евгений": 18,
    "Павел": 16,
    "Владимир": 16,
    "Антон": 14,
    "Ярослав": 14,
    "Данила": 14,
    "Николай": 12,
    "Глеб": 12,
    "Арсений": 12,
    "Константин": 10,
    "Вадим": 10,
    "Виктор": 10,
    "Степан": 10,
    "Руслан": 10,
    "Тимур": 10,
    "Игорь": 9,
    "Георгий": 9,
    "Олег": 8,
    "Станислав": 8,
    "Вячеслав": 8,
    "Василий": 8,
    "Богдан": 8,
    "Артур": 8,
    "Юрий": 7,
    "Федор": 7,
    "Семен": 7,
    "Григорий": 6,
    "Лев": 6,
    "Марк": 6,
    "Петр": 5,
    "Захар": 5,
    "Давид": 5,
    "Виталий": 5,
    "Леонид": 4,
    "Савелий": 4,
    "Елисей": 4,
    "Филипп": 4,
    "Святослав": 4,
    "Макар": 4,
    "Валерий": 4,
    "Эдуард": 4,
    "Всеволод": 4,
    "Анатолий": 3,
    "Платон": 3,
    "Мирон": 3,
    "Демид": 3,
    "Ростислав": 3,
    "Ян": 3,
    "Родион": 3,
    "Борис": 3,
    "Геннадий": 2,
    "Аркадий": 2,
    "Тихон": 2,
    "Прохор": 2,
    "Вениамин": 2,
    "Яков": 2,
    "Савва": 2,
    "Мирослав": 2,
    "Эмиль": 2,
    "Лука": 1.5,
    "Кузьма": 1,
    "Ратмир": 1,
    "Фома": 0.5,
}

# Fathers' names (men born 1965–1985), from which patronymics are derived.
FATHER_NAMES: dict[str, float] = {
    "Сергей": 100,
    "Александр": 95,
    "Андрей": 80,
    "Алексей": 65,
    "Дмитрий": 50,
    "Владимир": 50,
    "Игорь": 40,
    "Евгений": 40,
    "Юрий": 35,
    "Олег": 35,
    "Николай": 35,
    "Виктор": 35,
    "Михаил": 35,
    "Иван": 30,
    "Роман": 25,
    "Павел": 25,
    "Вадим": 20,
    "Константин": 20,
    "Анатолий": 18,
    "Валерий": 18,
    "Василий": 18,
    "Виталий": 18,
    "Вячеслав": 18,
    "Геннадий": 15,
    "Максим": 15,
    "Денис": 15,
    "Руслан": 15,
    "Владислав": 12,
    "Станислав": 12,
    "Эдуард": 10,
    "Петр": 10,
    "Леонид": 10,
    "Антон": 10,
    "Илья": 10,
    "Григорий": 8,
    "Борис": 8,
    "Артем": 8,
    "Тимур": 8,
    "Кирилл": 6,
    "Георгий": 6,
    "Артур": 6,
    "Федор": 5,
    "Семен": 5,
    "Марат": 5,
    "Аркадий": 4,
    "Никита": 4,
    "Степан": 4,
    "Рустам": 4,
    "Ринат": 4,
    "Лев": 3,
    "Ярослав": 3,
    "Яков": 3,
    "Вениамин": 3,
    "Данила": 2,
    "Глеб": 2,
    "Матвей": 1,
    "Кузьма": 0.5,
    "Фома": 0.3,
    "Лука": 0.3,
    "Савва": 0.3,
}

# Some regions' own naming traditions: (region as geo.resolve_region reads it,
# chance that each part of a name comes from these lists, surnames, given names, fathers' names).
_LOCAL_NAMES: list[tuple[str, float, str, str, str]] = [
    (
        "Республика Дагестан",
        0.7,
        "Магомедов Абдуллаев Алиев Гаджиев Рамазанов Омаров Гасанов Курбанов Расулов "
        "Исмаилов Ибрагимов Халилов Нурмагомедов Умаров Юсупов",
        "Магомед Шамиль Рамазан Ахмед Мурад Гаджи Арсен Ислам Рустам Абдулла Камиль Али",
        "Магомед Ахмед Гасан Рашид Курбан Шамиль Абдулла Расул Гаджи Нурмагомед Омар",
    ),
    (
        "Республика Татарстан",
        0.4,
        "Хасанов Галиев Сафин Гарипов Валиев Ахметов Зарипов Файзуллин Гайнутдинов "
        "Хайруллин Шарипов Мухаметшин Закиров Нуриев Габдуллин Сабиров Мингазов",
        "Ильдар Айдар Ринат Марат Рустам Тимур Азат Ильнур Радик Руслан Артур Булат Рамиль "
        "Ильназ Данияр",
        "Ринат Марат Ильдар Рустам Фарид Радик Азат Рафаэль Ильдус Айрат Наиль Рамиль",
    ),
    (
        "Республика Башкортостан",
        0.35,
        "Хасанов Галиев Сафин Гарипов Валиев Ахметов Зарипов Хайруллин Шарипов Юлдашев "
        "Ишмухаметов Гареев Кильдибаев Султанов Байрамгулов",
        "Ильдар Айдар Ринат Марат Рустам Тимур Азат Ильнур Руслан Артур Булат Рамиль Салават",
        "Ринат Марат Ильдар Рустам Фарид Радик Азат Ильдус Айрат Наиль Салават Урал",
    ),
    (
        "Республика Тыва",
        0.7,
        "Монгуш Ооржак Кужугет Донгак Ондар Хомушку Салчак Куулар Иргит Сарыглар Чульдум",
        "Айдыс Чингис Аяс Начын Сайын Тимур Алдар Буян Эртине Шолбан Айдаш",
        "Эдуард Алексей Шолбан Владимир Начын Эртине Роман Сергей Андрей Орлан",
    ),
    (
        "Республика Бурятия",
        0.4,
        "Дамбаев Цыренов Бадмаев Доржиев Намсараев Цыбиков Будаев Жамсоев Батуев Раднаев",
        "Баир Булат Тимур Бато Аюр Жаргал Чингис Алдар Эрдэм Солбон",
        "Баир Булат Жаргал Баяр Цырен Владимир Александр Сергей Эрдэм Солбон",
    ),
    (
        "Республика Калмыкия",
        0.5,
        "Манджиев Бадмаев Очиров Бембеев Сангаджиев Убушиев Эрдниев Нимгиров Церенов",
        "Баатр Очир Мерген Алдар Эрдни Санджи Савр Джангар",
        "Баатр Очир Мерген Эрдни Санджи Сергей Владимир Николай",
    ),
]

_PATRONYMIC_EXCEPTIONS = {
    "Илья": "Ильич",
    "Лев": "Львович",
    "Павел": "Павлович",
    "Михаил": "Михайлович",
    "Яков": "Яковлевич",
    "Данила": "Данилович",
    "Гаврила": "Гаврилович",
    "Савва": "Саввич",
    "Бадма": "Бадмаевич",
}
_VOWELS = set("аеиоуыэюяё")


def patronymic(father: str) -> str:
    """The patronymic of a son of ``father`` (a male given name in the nominative).

    Сергей → Сергеевич, Юрий → Юрьевич, Дмитрий → Дмитриевич, Никита → Никитич,
    Илья → Ильич, Лев → Львович, Михаил → Михайлович, Игорь → Игоревич.
    """
    if father in _PATRONYMIC_EXCEPTIONS:
        return _PATRONYMIC_EXCEPTIONS[father]
    if father.endswith("ий"):
        stem = father[:-2]
        # After two consonants the и stays: Дмитрий → Дмитриевич, Георгий → Георгиевич.
        if len(stem) >= 2 and not _VOWELS.intersection(stem[-2:].lower()):
            return stem + "иевич"
        return stem + "ьевич"  # Юрий → Юрьевич, Аркадий → Аркадьевич
    if father.endswith(("ей", "ай", "ой")):
        return father[:-1] + "евич"  # Сергей → Сергеевич, Николай → Николаевич
    if father.endswith("ья"):
        return father[:-1] + "ич"
    if father.endswith("а"):
        return father[:-1] + "ич"  # Никита → Никитич, Кузьма → Кузьмич
    if father.endswith("ь"):
        return father[:-1] + "евич"  # Игорь → Игоревич
    if father.endswith("и"):
        return father + "евич"  # Гаджи → Гаджиевич
    if father[-1] in "жшчщц":
        return father + "евич"
    return father + "ович"


def feminine_surname(surname: str) -> str:
    """The female form of a male surname (for relatives): Иванов → Иванова."""
    if surname.endswith(("ов", "ев", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ой", "ый")) and len(surname) > 3:
        return surname[:-2] + "ая"
    return surname  # Шевченко, Черных, Мороз, Монгуш: the same for both


def _tail_surnames() -> tuple[list[str], list[str]]:
    """The rare surnames, and rarer variants formed from them.

    Variants are what Russian surnames do with a root: Бобров → Бобровский,
    Ларин → Ларинский, Сидоров → Сидоренко. Some are rare real names, some only
    plausible; either way they are fictional here.
    """
    names = list(RARE_SURNAMES)
    for entry in _TAIL_STEMS:
        stem, _, endings = entry.partition(":")
        names.extend(stem + ending for ending in endings.split(",")) if endings else names.append(
            stem
        )
    common = set(COMMON_SURNAMES)
    rare = list(dict.fromkeys(n for n in names if n not in common))
    variants = []
    for name in rare:
        if name.endswith(("ов", "ев", "ин")):
            variants.append(name + "ский")
            stem = name[:-2]
            if name.endswith("ов") and stem[-1] not in "кгхжшчщцйь" and stem[-1] not in _VOWELS:
                variants.append(stem + "енко")
    taken = common | set(rare)
    return rare, list(dict.fromkeys(v for v in variants if v not in taken))


# --- Places, units and sources ------------------------------------------------------
# (village, district) in the border districts of Kursk region.
PLACES: list[tuple[str, str]] = [
    ("Суджа", "Суджанский"),
    ("Коренево", "Кореневский"),
    ("Малая Локня", "Суджанский"),
    ("Гуево", "Суджанский"),
    ("Плехово", "Суджанский"),
    ("Свердликово", "Суджанский"),
    ("Мартыновка", "Суджанский"),
    ("Олешня", "Суджанский"),
    ("Махновка", "Суджанский"),
    ("Русское Поречное", "Суджанский"),
    ("Погребки", "Суджанский"),
    ("Замостье", "Суджанский"),
    ("Гончаровка", "Суджанский"),
    ("Казачья Локня", "Суджанский"),
    ("Черкасское Поречное", "Суджанский"),
    ("Кремяное", "Кореневский"),
    ("Любимовка", "Кореневский"),
    ("Снагость", "Кореневский"),
    ("Толпино", "Кореневский"),
    ("Ольговка", "Кореневский"),
    ("Комаровка", "Кореневский"),
    ("Камышное", "Суджанский"),
    ("Николаевка", "Суджанский"),
    ("Викторовка", "Кореневский"),
    ("Новоивановка", "Кореневский"),
    ("Теткино", "Глушковский"),
    ("Глушково", "Глушковский"),
    ("Апанасовка", "Беловский"),
    ("Горналь", "Суджанский"),
    ("Юбилейный", "Суджанский"),
    ("Леонидово", "Кореневский"),
    ("Обуховка", "Кореневский"),
    ("Гирьи", "Беловский"),
    ("Пушкарное", "Беловский"),
    ("Кучеров", "Суджанский"),
    ("Куриловка", "Суджанский"),
    ("Заолешенка", "Суджанский"),
]

SEARCH_SOURCES = [
    "Поиск пропавших (канал)",
    "Ищем своих — Курская область (группа)",
    "Родные пропавших срочников (чат)",
    "Найти бойца (канал)",
    "Ждем домой (группа)",
]
VIDEO_SOURCES = ["Опознание по видео (канал)", "Видео из плена (канал)"]
EXCHANGE_SOURCES = ["Списки обмена (канал)", "Координация обменов (группа)"]
DEATH_SOURCES = ["Память павших (канал)", "Некрологи района (группа)", "Районная газета «Заря»"]
OFFICIAL_SOURCES = ["Ответ военного комиссариата", "Ответ воинской части"]
MEDIA_SOURCES = ["Курский вестник (вымышленное СМИ)", "Народные новости (вымышленное СМИ)"]

# Days on which exchange lists appear (event dates of "returned" evidence).
EXCHANGE_DAYS = [
    date(2024, 8, 24),
    date(2024, 9, 14),
    date(2024, 10, 18),
    date(2024, 12, 30),
    date(2025, 1, 5),
    date(2025, 2, 5),
    date(2025, 3, 19),
    date(2025, 4, 19),
    date(2025, 5, 25),
    date(2025, 6, 12),
    date(2025, 7, 4),
    date(2025, 8, 14),
    date(2025, 10, 2),
    date(2026, 2, 5),
]

_UNIT_KINDS = [
    "мотострелковый полк",
    "мотострелковый батальон",
    "отдельный батальон связи",
    "инженерно-саперный полк",
    "зенитный ракетный полк",
    "танковый полк",
    "отдельный ремонтно-восстановительный батальон",
    "артиллерийский полк",
    "отдельный батальон материального обеспечения",
    "пограничная застава",
]
# Three-digit numbers widely reported in the news are never used for demo units.
_UNIT_DENYLIST = {7, 11, 22, 45, 51, 56, 76, 83, 106, 137, 155, 217, 234, 247, 331, 488, 810}


class Unit(NamedTuple):
    number: str | None  # five digits of «в/ч 12345», or None for a unit known by name
    name: str


def _make_units() -> tuple[Unit, ...]:
    # A fixed seed: the units are the same whatever the people seed.
    rng = random.Random("demo-units")  # noqa: S311 - fictional data, not secrets
    numbers = sorted(rng.sample(range(10000, 99999), 150))
    units = []
    for i, number in enumerate(numbers):
        name = ""
        if i % 3 == 0:
            n = rng.randrange(100, 1500)
            while n in _UNIT_DENYLIST:
                n = rng.randrange(100, 1500)
            name = f"{n}-й {rng.choice(_UNIT_KINDS)}"
        units.append(Unit(f"{number:05d}", name))
    # A few units are known only by a name (relatives often do not know the number).
    for n in (1703, 1718, 1741, 1766, 1789, 1794):
        units.append(Unit(None, f"{n}-й {_UNIT_KINDS[n % len(_UNIT_KINDS)]}"))
    return tuple(units)


UNITS: tuple[Unit, ...] = _make_units()

# --- Home regions -------------------------------------------------------------------
# Relative weights; every other region of geo.REGIONS weighs _OTHER_REGION_WEIGHT.
REGION_WEIGHTS: dict[str, float] = {
    "Курская область": 14,
    "Белгородская область": 9,
    "Брянская область": 7,
    "Воронежская область": 5,
    "Орловская область": 3,
    "Липецкая область": 3,
    "Москва": 6,
    "Московская область": 6,
    "Санкт-Петербург": 4,
    "Ленинградская область": 2,
    "Краснодарский край": 5,
    "Ростовская область": 5,
    "Республика Башкортостан": 4,
    "Республика Татарстан": 4,
    "Свердловская область": 3,
    "Челябинская область": 3,
    "Нижегородская область": 3,
    "Самарская область": 3,
    "Тамбовская область": 2,
    "Тульская область": 2,
    "Калужская область": 2,
    "Республика Дагестан": 3,
    "Республика Бурятия": 2,
    "Республика Тыва": 2,
    "Республика Калмыкия": 1,
    "Новосибирская область": 2,
    "Красноярский край": 2,
    "Пермский край": 2,
    "Саратовская область": 2,
    "Волгоградская область": 2,
    "Оренбургская область": 2,
    "Кемеровская область": 2,
    "Иркутская область": 2,
    "Омская область": 2,
    "Ставропольский край": 2,
    "Алтайский край": 2,
}
_OTHER_REGION_WEIGHT = 0.6


@cache
def _regions() -> tuple[list[str], list[float]]:
    """Canonical region names (as geo spells them) and cumulative weights."""
    from . import geo  # plain module; imported late so that this module loads without it

    weights = dict.fromkeys((r.name_ru for r in geo.REGIONS), _OTHER_REGION_WEIGHT)
    for text, weight in REGION_WEIGHTS.items():
        region = geo.resolve_region(text)
        if region is None:
            raise LookupError(f"geo.resolve_region does not know {text!r}")
        weights[region.name_ru] = weight
    names = list(weights)
    return names, list(itertools.accumulate(weights[n] for n in names))


@cache
def _local_names() -> dict[str, tuple[float, list[str], list[str], list[str]]]:
    from . import geo

    table = {}
    for text, share, surnames, given, fathers in _LOCAL_NAMES:
        region = geo.resolve_region(text)
        if region is None:
            raise LookupError(f"geo.resolve_region does not know {text!r}")
        table[region.name_ru] = (
            share,
            surnames.split(),
            given.split(),
            [patronymic(f) for f in fathers.split()],
        )
    return table


# --- Records ------------------------------------------------------------------------
@dataclass(slots=True)
class EvidenceRecord:
    kind: str  # a conscripts.models.EvidenceKind value
    claimed_status: str  # "" when the evidence claims no status
    event_date: date | None
    published_at: datetime  # aware, Moscow time; never before event_date
    added_at: datetime  # when a moderator approved it; after published_at
    source_name: str
    url: str
    summary: str


@dataclass(slots=True)
class PersonRecord:
    index: int  # position in the stream: 0, 1, 2, …
    surname: str
    given_name: str
    patronymic: str
    birth_date: date
    region: str | None  # canonical Russian name of a geo region
    unit: Unit | None
    draft_season: str  # "spring" or "autumn"
    draft_year: int
    last_contact_date: date
    last_known_place: str
    is_public: bool
    evidence: tuple[EvidenceRecord, ...]  # in event order

    @property
    def birth_year(self) -> int:
        return self.birth_date.year

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.given_name} {self.patronymic}"


# --- Generator ----------------------------------------------------------------------
_BIRTH_YEARS = [1994, 1995, 1996, 1997, 1998, 1999, 2000, 2001, 2002, 2003, 2004, 2005, 2006]
_BIRTH_YEAR_WEIGHTS = [0.3, 0.3, 0.4, 0.4, 0.5, 0.6, 0.8, 1.5, 4, 12, 22, 32, 25]

# (scenario, weight): how a person's story unfolds in evidence.
_SCENARIOS = [
    ("missing", 50),
    ("missing_official", 3),
    ("captured", 16),
    ("captured_direct", 3),
    ("returned", 11),
    ("returned_direct", 3),
    ("dead", 12),
    ("dead_then_alive", 1.5),
]
NAMESAKE_SHARE = 0.01  # people given the full name of an earlier person on purpose
HIDDEN_SHARE = 0.01  # records hidden at a family's request
_FIRST_DAY = date(1994, 1, 1).toordinal()
_LAST_EVENT_DAY = date(2026, 6, 30).toordinal()
_LAST_CONTACT_DAY = date(2024, 12, 31).toordinal()


class _Tables:
    """Cumulative weights and caches, built once: the hot loop only indexes them."""

    def __init__(self) -> None:
        common = COMMON_SURNAMES
        rare, variants = _tail_surnames()
        # Zipf-like weights for the common names and a flat long tail carrying most
        # of the mass: full-name namesakes then stay a few percent of 20,000 people.
        common_w = [1.0 / (rank + 20) for rank in range(len(common))]
        scale = 0.2 / sum(common_w)
        self.surnames = common + rare + variants
        self.surname_cum = list(
            itertools.accumulate(
                [w * scale for w in common_w]
                + [0.55 / len(rare)] * len(rare)
                + [0.25 / len(variants)] * len(variants)
            )
        )
        self.given = list(GIVEN_NAMES)
        self.given_cum = list(itertools.accumulate(GIVEN_NAMES.values()))
        self.patronymics = [patronymic(f) for f in FATHER_NAMES]
        self.patronymic_cum = list(itertools.accumulate(FATHER_NAMES.values()))
        self.years_cum = list(itertools.accumulate(_BIRTH_YEAR_WEIGHTS))
        self.scenarios = [s for s, _ in _SCENARIOS]
        self.scenario_cum = list(itertools.accumulate(w for _, w in _SCENARIOS))
        # Larger units lose more people: a few units carry many.
        unit_w = [1 + 20 / (i + 3) for i in range(len(UNITS))]
        random.Random("demo-unit-weights").shuffle(unit_w)  # noqa: S311
        self.unit_cum = list(itertools.accumulate(unit_w))
        self.regions, self.region_cum = _regions()
        self.local = _local_names()
        self.places = [f"{'г.' if v == 'Суджа' else 'с.'} {v} ({d} р-н)" for v, d in PLACES]
        # Dates, midnights and their written forms by ordinal, from 1994 to 2027.
        days = range(_FIRST_DAY, date(2027, 12, 31).toordinal())
        self.dates = [date.fromordinal(d) for d in days]
        self.written = [f"{d.day:02d}.{d.month:02d}.{d.year}" for d in self.dates]
        self.midnights = [datetime.combine(d, time(0), MOSCOW) for d in self.dates]
        self.minutes = [timedelta(minutes=m) for m in range(80 * 60)]


@cache
def _tables() -> _Tables:
    return _Tables()


def surnames() -> list[str]:
    """Every surname the generator may draw, common first."""
    return list(_tables().surnames)


def people(n: int, seed: int | str = 2024) -> Iterator[PersonRecord]:
    """``n`` fictional conscripts, the same ones for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fictional data
    t = _tables()
    recent: list[tuple[str, str, str, int]] = []  # names to copy for namesakes
    index = 0
    while index < n:
        # Whole chunks are drawn even for a short run, so that a run's first k
        # people do not depend on n.
        sur = rng.choices(t.surnames, cum_weights=t.surname_cum, k=_CHUNK)
        given = rng.choices(t.given, cum_weights=t.given_cum, k=_CHUNK)
        patronymics = rng.choices(t.patronymics, cum_weights=t.patronymic_cum, k=_CHUNK)
        years = rng.choices(_BIRTH_YEARS, cum_weights=t.years_cum, k=_CHUNK)
        regions = rng.choices(t.regions, cum_weights=t.region_cum, k=_CHUNK)
        scenarios = rng.choices(t.scenarios, cum_weights=t.scenario_cum, k=_CHUNK)
        units = rng.choices(UNITS, cum_weights=t.unit_cum, k=_CHUNK)
        for i in range(_CHUNK):
            person = _person(
                rng.random,
                t,
                index,
                sur[i],
                given[i],
                patronymics[i],
                years[i],
                regions[i],
                scenarios[i],
                units[i],
                recent,
            )
            if index < n:
                yield person
            index += 1


def _person(
    rand,
    t: _Tables,
    index: int,
    surname: str,
    given: str,
    patr: str,
    year: int,
    region: str | None,
    scenario: str,
    unit: Unit | None,
    recent: list,
) -> PersonRecord:
    local = t.local.get(region)
    if local is not None:
        share, sur, giv, pat = local
        if rand() < share:
            surname = sur[int(rand() * len(sur))]
        if rand() < share:
            given = giv[int(rand() * len(giv))]
        if rand() < share:
            patr = pat[int(rand() * len(pat))]
    if recent and rand() < NAMESAKE_SHARE:
        surname, given, patr, other_year = recent[int(rand() * len(recent))]
        while year == other_year:
            year = _BIRTH_YEARS[bisect(t.years_cum, rand() * t.years_cum[-1])]
    elif len(recent) < 5000:
        recent.append((surname, given, patr, year))
    else:
        recent[int(rand() * 5000)] = (surname, given, patr, year)
    if rand() < 0.03:
        region = None
    if rand() < 0.05:
        unit = None

    birth = date(year, 1, 1).toordinal() + int(rand() * (365 if year % 4 else 366))
    birth_date = t.dates[birth - _FIRST_DAY]
    draft_season, draft_year, draft_day = _draft(rand, birth_date)

    # Last contact: most in the first fortnight of the offensive, a tail to December;
    # never before the conscript could have reached the border.
    r = rand()
    if r < 0.7:
        offset = int(rand() * 15)
    elif r < 0.9:
        offset = 15 + int(rand() * 45)
    else:
        offset = 60 + int(rand() * 80)
    contact = min(max(OFFENSIVE_START.toordinal() + offset, draft_day + 60), _LAST_CONTACT_DAY)
    p = int(rand() * len(PLACES))
    return PersonRecord(
        index=index,
        surname=surname,
        given_name=given,
        patronymic=patr,
        birth_date=birth_date,
        region=region,
        unit=unit,
        draft_season=draft_season,
        draft_year=draft_year,
        last_contact_date=t.dates[contact - _FIRST_DAY],
        last_known_place=t.places[p] if rand() < 0.9 else "",
        is_public=rand() >= HIDDEN_SHARE,
        evidence=_evidence(rand, t, scenario, contact, PLACES[p][0]),
    )


def _draft(rand, birth_date: date) -> tuple[str, int, int]:
    """Draft season, year and first day: the conscript is 18 by the end of it."""
    r = rand()
    if r < 0.35:
        season, year = "autumn", 2023
    elif r < 0.87:
        season, year = "spring", 2024
    elif r < 0.92:
        season, year = "spring", 2023
    else:
        season, year = "autumn", 2024
    adult = (birth_date.year + 18, birth_date.month, birth_date.day)
    while adult > ((year, 7, 15) if season == "spring" else (year, 12, 31)):
        season, year = ("autumn", year) if season == "spring" else ("spring", year + 1)
    return season, year, date(year, 4 if season == "spring" else 10, 1).toordinal()


class _Story:
    """Builds one person's evidence; no event falls before the previous one."""

    __slots__ = ("day", "out", "rand", "t")

    def __init__(self, rand, t: _Tables, day: int) -> None:
        self.rand = rand
        self.t = t
        self.day = day
        self.out: list[EvidenceRecord] = []

    def later(self, lo: int, hi: int) -> int:
        self.day = min(self.day + lo + int(self.rand() * (hi - lo + 1)), _LAST_EVENT_DAY)
        return self.day

    def add(
        self,
        kind: str,
        status: str,
        day: int,
        lag_days: int,
        sources: list[str],
        slug: str,
        summary: str,
        *,
        dated: bool = True,
    ) -> None:
        rand, t = self.rand, self.t
        # Published in the daytime (Moscow), approved by a moderator 1–73 hours later.
        published = t.midnights[day + lag_days - _FIRST_DAY] + t.minutes[480 + int(rand() * 900)]
        self.out.append(
            EvidenceRecord(
                kind=kind,
                claimed_status=status,
                event_date=t.dates[day - _FIRST_DAY] if dated else None,
                published_at=published,
                added_at=published + t.minutes[60 + int(rand() * 4380)],
                source_name=sources[int(rand() * len(sources))],
                url=f"https://example.invalid/{slug}/{int(rand() * 90_000_000) + 10_000_000}",
                summary=summary,
            )
        )


def _evidence(rand, t: _Tables, scenario: str, contact: int, village: str) -> tuple:
    story = _Story(rand, t, contact)
    add, later = story.add, story.later
    if scenario not in ("captured_direct", "returned_direct") or rand() < 0.3:
        # The fact a search post states is the last contact; it is posted days later.
        add(
            "search_post",
            "missing",
            contact,
            2 + int(rand() * 40),
            SEARCH_SOURCES,
            "search",
            f"Родные ищут: последняя связь {t.written[contact - _FIRST_DAY]}, район {village}.",
        )
        if scenario == "missing" and rand() < 0.3:
            add(
                "search_post",
                "missing",
                later(20, 120),
                int(rand() * 3),
                SEARCH_SOURCES,
                "search",
                "Повторный пост: новостей нет, родные продолжают поиск.",
            )
    if scenario == "missing":
        if rand() < 0.1:
            # A piece about the unit that names him but claims nothing; its date is unknown.
            add(
                "media_report",
                "",
                later(10, 90),
                0,
                MEDIA_SOURCES,
                "news",
                "Материал о пропавших срочниках упоминает его среди других.",
                dated=False,
            )
    elif scenario == "missing_official":
        add(
            "official",
            "missing",
            later(30, 150),
            1 + int(rand() * 10),
            OFFICIAL_SOURCES,
            "letter",
            "Официальный ответ: числится пропавшим без вести.",
        )
    elif scenario == "dead":
        death = later(1, 90)
        add(
            "death_notice",
            "dead",
            death,
            20 + int(rand() * 180),
            DEATH_SOURCES,
            "memory",
            f"Сообщение о гибели в районе {village}.",
        )
        if rand() < 0.3:
            # The official notice comes weeks later and names the same day of death
            # (two death dates would make the record disputed).
            notice = later(30, 200)
            add(
                "official",
                "dead",
                death,
                notice - death + 1 + int(rand() * 20),
                OFFICIAL_SOURCES,
                "letter",
                "Официальное извещение о гибели.",
            )
    elif scenario == "returned_direct":
        _exchange(story, later(10, 60))
    else:  # captured, captured_direct, returned, dead_then_alive
        if scenario == "dead_then_alive":
            add(
                "death_notice",
                "dead",
                later(1, 40),
                10 + int(rand() * 60),
                DEATH_SOURCES,
                "memory",
                "Сообщение о гибели (позже опровергнуто).",
            )
        add(
            "prisoner_video",
            "captured",
            later(1, 60),
            int(rand() * 6),
            VIDEO_SOURCES,
            "video",
            "Узнан родными на видео с пленными.",
            dated=rand() >= 0.1,
        )
        if rand() < 0.2:
            add(
                "official",
                "captured",
                later(20, 120),
                1 + int(rand() * 10),
                OFFICIAL_SOURCES,
                "letter",
                "Официальный ответ: находится в плену.",
            )
        if scenario == "returned":
            _exchange(story, later(14, 14))
    return tuple(story.out)


def _exchange(story: _Story, not_before: int) -> None:
    """An exchange list on the first exchange day from ``not_before`` (if there is one)."""
    for exchange in EXCHANGE_DAYS:
        day = exchange.toordinal()
        if day >= not_before:
            story.add(
                "exchange_list",
                "returned",
                day,
                int(story.rand() * 2),
                EXCHANGE_SOURCES,
                "exchange",
                f"Назван в списке обмена от {story.t.written[day - _FIRST_DAY]}.",
            )
            return
    # No exchange after that day in the demo calendar: he stays captured.
