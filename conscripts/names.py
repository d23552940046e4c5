"""Russian personal names: normalisation, declension, variants, transliteration, queries.

A plain module (no Django) so that it can be tested and benchmarked alone. It serves two
callers: name search (stored keys computed here are matched with pg_trgm, then re-ranked
with rapidfuzz) and text extraction (``to_nominative`` turns a declined name found in a
post into passport form).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pymorphy3

__all__ = [
    "NameParts",
    "ParsedQuery",
    "canonical_given_name",
    "clean",
    "given_name_candidates",
    "is_clan_surname",
    "is_dictionary_word",
    "is_lexicon_given_name",
    "latin_spellings",
    "lexicon_given_name",
    "morph",
    "parse_query",
    "script_of",
    "skeleton",
    "skeletons",
    "to_cyrillic_candidates",
    "to_nominative",
]

# --------------------------------------------------------------------------------------
# clean
# --------------------------------------------------------------------------------------

# Dashes and minus signs become hyphens; ё becomes е (documents and relatives use both).
# Apostrophes and primes are transliterations of ь/ъ («Il'in», «Ilʹin»): dropped, not spaced.
_CLEAN_TABLE = str.maketrans(
    {
        "ё": "е",
        "Ё": "Е",
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad\ufe63\uff0d", "-"),
        **dict.fromkeys("'`´’‘ʹʺʼˈ\u0301\u0300", ""),
    }
)
_CLEAN_KEEP_YO_TABLE = {k: v for k, v in _CLEAN_TABLE.items() if k not in (ord("ё"), ord("Ё"))}
# A hard sign romanised as a double quote («Pod"yachev») is part of the word.
_QUOTE_IN_WORD = re.compile(r"(?<=[^\W\d_])[\"”“″](?=[^\W\d_])")
# Anything that is not a letter, whitespace or hyphen; \w would keep digits and "_".
_NOT_NAME_CHAR = re.compile(r"[^\w\s-]|[\d_]")
# The same, but keeping apostrophes, which clean() drops: «Il'ya», «Kuz'min» stay one word.
_NOT_NAME_CHAR_KEEP_APOSTROPHES = re.compile(r"[^\w\s\-'’ʼʹ`´]|[\d_]")
_HYPHENS = re.compile(r"-+")
_CYRILLIC_LETTER = re.compile(r"[а-яА-ЯёЁ]")
_LATIN_LETTER = re.compile(r"[a-zA-Z\u00c0-\u024f]")

# Latin letters that look like Cyrillic ones («Ивaнов» typed with a Latin «a»), and back.
_LAT_TO_CYR_HOMOGLYPHS = str.maketrans("aAeEoOpPcCxXyBHKMTk", "аАеЕоОрРсСхХуВНКМТк")
_CYR_TO_LAT_HOMOGLYPHS = str.maketrans("аАеЕоОрРсСхХуВНКМТк", "aAeEoOpPcCxXyBHKMTk")
_LAT_HOMOGLYPH_CHARS = frozenset("aAeEoOpPcCxXyBHKMTk")
_CYR_HOMOGLYPH_CHARS = frozenset("аАеЕоОрРсСхХуВНКМТк")


def _fix_mixed_script(word: str) -> str:
    """Repair a word typed with look-alike letters from the other alphabet."""
    cyr = len(_CYRILLIC_LETTER.findall(word))
    lat = len(_LATIN_LETTER.findall(word))
    if not cyr or not lat:
        return word
    if cyr >= lat:
        if all(ch in _LAT_HOMOGLYPH_CHARS for ch in _LATIN_LETTER.findall(word)):
            return word.translate(_LAT_TO_CYR_HOMOGLYPHS)
    elif all(ch in _CYR_HOMOGLYPH_CHARS for ch in _CYRILLIC_LETTER.findall(word)):
        return word.translate(_CYR_TO_LAT_HOMOGLYPHS)
    return word


def _title(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-") if part)


@functools.lru_cache(maxsize=200_000)
def clean(text: str) -> str:
    """Normalise a name string for storage and display.

    Title-cases each word and each hyphenated part («римский-КОРСАКОВ» → «Римский-Корсаков»),
    replaces ё with е, turns dashes into hyphens, drops digits, punctuation and apostrophes,
    joins words with single spaces, and repairs words typed with look-alike letters of the
    other alphabet. A hyphen counts only between two letters: «Петров - Иван» is two words.
    Accepts any string; returns "" when nothing name-like is left.
    """
    return _clean(text, keep_yo=False)


def _clean(text: str, *, keep_yo: bool) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_CLEAN_KEEP_YO_TABLE if keep_yo else _CLEAN_TABLE)
    text = _QUOTE_IN_WORD.sub("", text)
    text = _NOT_NAME_CHAR.sub(" ", text)
    words = []
    for raw in text.split():
        word = _HYPHENS.sub("-", raw).strip("-")
        if word:
            words.append(_title(_fix_mixed_script(word)))
    return " ".join(words)


def script_of(text: str) -> str:
    """Return 'cyrillic', 'latin', 'mixed' or '' (no letters) for a string."""
    has_cyr = _CYRILLIC_LETTER.search(text) is not None
    has_lat = _LATIN_LETTER.search(text) is not None
    if has_cyr and has_lat:
        return "mixed"
    if has_cyr:
        return "cyrillic"
    if has_lat:
        return "latin"
    return ""


# --------------------------------------------------------------------------------------
# to_nominative
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameParts:
    """One person's name in the nominative, cleaned (Title-case, ё→е).

    ``surname`` or ``given_name`` may be "" when the input had only the other one.
    """

    surname: str
    given_name: str
    patronymic: str = ""

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


_SURNAME, _GIVEN, _PATRONYMIC = "surname", "given", "patronymic"
_ROLE_GRAMMEME = {_SURNAME: "Surn", _GIVEN: "Name", _PATRONYMIC: "Patr"}
_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_CASE_ALIASES = {"gen2": "gent", "acc2": "accs", "loc2": "loct", "gen1": "gent", "loc1": "loct"}
_GENDERS = ("masc", "femn")

# How likely each reading order is; one person's name is written S G P or G P S.
_ORDER_PRIOR: dict[tuple[str, ...], float] = {
    (_SURNAME,): 1.0,
    (_GIVEN,): 0.8,
    (_PATRONYMIC,): 0.05,
    (_SURNAME, _GIVEN): 1.0,
    (_GIVEN, _SURNAME): 0.9,
    (_GIVEN, _PATRONYMIC): 0.5,
    (_SURNAME, _GIVEN, _PATRONYMIC): 1.0,
    (_GIVEN, _PATRONYMIC, _SURNAME): 0.8,
    (_GIVEN, _SURNAME, _PATRONYMIC): 0.05,
}
_DEFAULT_ORDER_PRIOR = 0.01
# Weights of readings that are not a dictionary name of the right kind.
_NOUN_AS_SURNAME = 0.05  # «Гуся» → Гусь: a common noun used as a surname
_AS_IS = 0.002  # an unknown or foreign word kept unchanged, as if indeclinable
# Separate particles of Turkic patronymics («Эльдар Рашид оглы»).
_PATRONYMIC_PARTICLES = frozenset({"оглы", "кызы", "улы", "уулу", "кзы"})


@functools.cache
def _morph() -> pymorphy3.MorphAnalyzer:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def morph() -> pymorphy3.MorphAnalyzer:
    """The shared Russian pymorphy3 analyzer (loaded once)."""
    return _morph()


@functools.lru_cache(maxsize=200_000)
def _parses(word: str) -> tuple:
    """pymorphy3 parses of a lowercase word (cached: names repeat a lot)."""
    return tuple(_morph().parse(word))


@dataclass(frozen=True)
class _Reading:
    """One way to read a word in one role, case and gender: its weight and how to restore it."""

    prob: float
    parse: object | None  # a pymorphy3 Parse to inflect, or None to keep the word as is
    real: bool  # a dictionary name/surname/patronymic, not a fallback
    nominative: str | None = None  # the nominative itself, when no parse gives it


class _ReadingTable(dict):
    """Readings of one word in one role, keyed by (case, gender), as they are added."""

    def add(
        self,
        case: str,
        gender: str,
        prob: float,
        parse: object | None,
        real: bool,
        nominative: str | None = None,
    ) -> None:
        old = self.get((case, gender))
        if nominative is not None:
            if old is None or prob >= old.prob:
                self[(case, gender)] = _Reading(prob, None, real, nominative)
            return
        if old is None:
            self[(case, gender)] = _Reading(prob, parse, real)
        elif old.real == real:
            # Two lexemes give the same reading. Prefer a declinable parse to an
            # indeclinable homonym («Анне» is Анна in the dative, not the name Анне), else
            # the likelier one; the second adds only half its weight, as it competes with
            # the first rather than confirming it.
            if (old.parse is None) != (parse is None):
                best = old.parse or parse
            else:
                best = old.parse if old.prob >= prob else parse
            self[(case, gender)] = _Reading(
                max(old.prob, prob) + min(old.prob, prob) / 2, best, real
            )
        elif real and not old.real:
            self[(case, gender)] = _Reading(prob, parse, real)


def _add_lexicon_given(table: _ReadingTable, word: str) -> None:
    """Non-Slavic given names of the lexicon: as written it is the nominative, whatever
    pymorphy3 guesses («Эртине» is not the prepositional of a made-up «Эртин»), and the
    usual endings decline it («Айнура» → Айнур, «Мергеном» → Мерген)."""
    for case, stem in _lexicon_stems(word.replace("ё", "е")):
        for gender in _GENDERS:
            table.add(case, gender, 4.0 if case == "nomn" else 2.0, None, True, stem)


def _add_dictionary(table: _ReadingTable, parses: tuple, role: str) -> bool:
    """pymorphy3's readings as a name of the role; whether there was one."""
    grammeme = _ROLE_GRAMMEME[role]
    found = False
    for p in parses:
        tag = p.tag
        if grammeme not in tag or ("plur" in tag and "Fixd" not in tag):
            continue
        case = _CASE_ALIASES.get(tag.case, tag.case)
        if case not in _CASES:
            continue
        gender_tag = tag.gender  # None for common-gender words ("ms-f")
        genders = _GENDERS if gender_tag is None else (str(gender_tag),)
        fixed = "Fixd" in tag
        prob = p.score
        if role == _GIVEN and p.normal_form.replace("ё", "е") in _COMMON_GIVEN_LOWER:
            prob *= 2.0  # «Игоре» is Игорь, not the rare Игор; «Данииле» is Даниил
        for gender in genders:
            if gender not in _GENDERS:
                continue
            table.add(case, gender, prob, None if fixed else p, True)
            found = True
    return found


def _add_non_slavic(table: _ReadingTable, parses: tuple, word: str, role: str) -> bool:
    """Names of non-Slavic peoples the dictionary lacks: «Мергена» → Мерген, «Монгуша» →
    Монгуш. The lexicon decides; pymorphy3's guessed declension only brings them back.
    Whether one was found."""
    found = False
    lexicon = _NON_SLAVIC_GIVEN_LOWER if role == _GIVEN else _CLAN_SURNAMES_LOWER
    if role == _SURNAME and word.replace("ё", "е") in lexicon:
        for gender in _GENDERS:
            table.add("nomn", gender, 1.0, None, True)
        found = True
    for p in parses:
        tag = p.tag
        if tag.POS != "NOUN" or "plur" in tag or tag.case == "nomn":
            continue
        if p.normal_form.replace("ё", "е") not in lexicon:
            continue
        case = _CASE_ALIASES.get(tag.case, tag.case)
        if case in _CASES:
            table.add(case, "masc", p.score, p, True)
            found = True
    return found


def _add_ordinary_word(table: _ReadingTable, parses: tuple) -> None:
    """Surnames that are ordinary words: «Кузнеца» → Кузнец, «Молодого» → Молодой, and a
    man named with a feminine noun declines it as the noun: «Пчёлку» → Пчёлка."""
    for p in parses:
        tag = p.tag
        if tag.POS not in {"NOUN", "ADJF"} or "plur" in tag or {"Name", "Patr"} & tag.grammemes:
            continue
        case = _CASE_ALIASES.get(tag.case, tag.case)
        if case not in _CASES:
            continue
        if tag.POS == "ADJF":
            if tag.gender in _GENDERS:
                table.add(case, str(tag.gender), _NOUN_AS_SURNAME * p.score, p, False)
        elif tag.gender == "masc":
            table.add(case, "masc", _NOUN_AS_SURNAME * p.score, p, False)
        elif tag.gender in ("femn", "neut"):
            for gender in _GENDERS:
                table.add(case, gender, _NOUN_AS_SURNAME * p.score / 2, p, False)


@functools.lru_cache(maxsize=200_000)
def _readings(word: str, role: str) -> dict[tuple[str, str], _Reading]:
    """Readings of a lowercase word in a role, keyed by (case, gender)."""
    table = _ReadingTable()
    parses = _parses(word)
    if role == _GIVEN:
        _add_lexicon_given(table, word)
    found = _add_dictionary(table, parses, role)
    if role == _GIVEN or (role == _SURNAME and not found):
        found = _add_non_slavic(table, parses, word, role) or found
    if role == _SURNAME and not found:
        _add_ordinary_word(table, parses)
    # Any word may be a foreign or unknown indeclinable name, kept as written.
    for case in _CASES:
        for gender in _GENDERS:
            table.add(case, gender, _AS_IS, None, False)
    return dict(table)


def _restore(word: str, reading: _Reading, role: str, gender: str) -> str:
    """Put one token into the nominative singular of the chosen gender."""
    if reading.nominative is not None:
        return reading.nominative
    parse = reading.parse
    if parse is None:
        return word
    wanted = {"nomn", "sing"}
    if role != _GIVEN:  # a given name's gender is lexical; surnames/patronymics agree
        wanted.add(gender)
    for grammemes in (wanted, {"nomn", "sing"}, {"nomn"}):
        form = parse.inflect(grammemes)
        if form is not None:
            return form.word
    return parse.normal_form


def _merge_particles(words: list[str]) -> list[str]:
    merged: list[str] = []
    for w in words:
        if w in _PATRONYMIC_PARTICLES and merged:
            merged[-1] = f"{merged[-1]} {w}"
        else:
            merged.append(w)
    return merged


def to_nominative(tokens: Sequence[str], *, gender: str | None = None) -> NameParts | None:
    """Identify surname, given name and patronymic in a declined name and restore them.

    ``tokens`` are the words of ONE person's name, in any order, any grammatical case and
    any letter case («Петрова Алексея Сергеевича», «ЕГОРОВА ДМИТРИЯ», «Никите Воробьёве»).
    They must be Cyrillic; transliterate Latin input with ``to_cyrillic_candidates`` first.
    At most three words (a Turkic «оглы»/«кызы» is joined to the patronymic before it).

    All parts are read in the (case, gender) they agree on, then inflected to the
    nominative singular of that gender, so «Смирновой Ольги» → Смирнова Ольга, and
    indeclinable surnames (Черных, Бондаренко, female Шевчук) stay as written.
    A lone word is read in the nominative when it can be: «Петрова» stays Петрова.

    ``gender`` ("masc" or "femn") settles names that read both ways: «Лазарева Богдана» is
    a woman in the nominative or a man in the genitive; without a hint the nominative wins.

    Returns None when the words do not look like a person's name.
    """
    genders = _GENDERS if gender is None else (gender,)
    words: list[str] = []
    for token in tokens:
        words.extend(clean(token).lower().split())
    # One-letter words are initials or prepositions («о Петрове»), never a name part.
    words = _merge_particles([w for w in words if len(w) > 1])
    if not 1 <= len(words) <= 3:
        return None
    if any(not _CYRILLIC_LETTER.search(w) or _LATIN_LETTER.search(w) for w in words):
        return None
    # A lone word gives no agreement evidence: prefer the form the user typed.
    nomn_prior = 20.0 if len(words) == 1 else 1.2

    best_score = 0.0
    best: tuple[tuple[str, ...], str, str, list[_Reading]] | None = None
    for roles in itertools.permutations((_SURNAME, _GIVEN, _PATRONYMIC), len(words)):
        order_prior = _ORDER_PRIOR.get(roles, _DEFAULT_ORDER_PRIOR)
        table = [_readings(_particle_free(w), r) for w, r in zip(words, roles, strict=True)]
        for case in _CASES:
            for g in genders:
                chosen = [t[(case, g)] for t in table]
                if sum(r.real for r in chosen) * 2 < len(chosen) or not any(r.real for r in chosen):
                    continue  # mostly guesswork: not a name we recognise
                score = order_prior * (nomn_prior if case == "nomn" else 1.0)
                for r in chosen:
                    score *= r.prob
                if score > best_score:
                    best_score, best = score, (roles, case, g, chosen)
    if best is None:
        return None
    roles, _case, found_gender, chosen = best
    parts = {_SURNAME: "", _GIVEN: "", _PATRONYMIC: ""}
    for word, role, reading in zip(words, roles, chosen, strict=True):
        base, _, particle = word.partition(" ")
        restored = _restore(base, reading, role, found_gender)
        parts[role] = clean(f"{restored} {particle}" if particle else restored)
    if parts[_PATRONYMIC].endswith((" Оглы", " Кызы", " Улы", " Уулу", " Кзы")):
        head, _, tail = parts[_PATRONYMIC].rpartition(" ")
        parts[_PATRONYMIC] = f"{head} {tail.lower()}"
    return NameParts(parts[_SURNAME], parts[_GIVEN], parts[_PATRONYMIC])


def _particle_free(word: str) -> str:
    return word.partition(" ")[0]


# --------------------------------------------------------------------------------------
# Given-name variants
# --------------------------------------------------------------------------------------

# Passport form ← diminutives and spelling variants. A variant listed under several
# passport forms is ambiguous (Слава, Женя, Саша); the first one listed is the likeliest
# for a conscript. ё is written е throughout, as ``clean`` does.
_GIVEN_NAME_VARIANTS: dict[str, str] = {
    # male
    "Александр": "Саша Сашка Сашенька Саня Санек Санечка Шура Шурик Алекс Алик",
    "Алексей": "Леша Лешка Алеша Алешка Леха Лешенька Алексий Алекс",
    "Анатолий": "Толя Толик Толян",
    "Андрей": "Андрюша Андрюха Андрейка Дрон",
    "Антон": "Антоша Тоша Антоха",
    "Аркадий": "Аркаша",
    "Арсений": "Арсюша Сеня",
    "Артем": "Тема Темка Артемка Артемчик",
    "Артур": "Артурчик",
    "Богдан": "Богдаша Даня",
    "Борис": "Боря Борька",
    "Вадим": "Вадик Вадя",
    "Валентин": "Валя Валик",
    "Валерий": "Валера Валерка",
    "Василий": "Вася Васька Васенька",
    "Вениамин": "Веня",
    "Виктор": "Витя Витек Витька",
    "Виталий": "Виталик Витя",
    "Владимир": "Вова Вовка Вован Вовчик Володя Володька",
    "Владислав": "Влад Владик Слава",
    "Всеволод": "Сева",
    "Вячеслав": "Слава Славик Славка",
    "Геннадий": "Гена Генка",
    "Георгий": "Гоша Жора Гога Гошка",
    "Герман": "Гера",
    "Глеб": "Глебушка",
    "Григорий": "Гриша Гришка",
    "Даниил": "Даня Данька Данилка",  # Данил and Данила are passport names of their own
    "Денис": "Дениска Дэн",
    "Дмитрий": "Дима Димка Димон Димитрий Митя",
    "Евгений": "Женя Женька Евгеша",
    "Егор": "Егорка Жора",
    "Ефим": "Фима",
    "Захар": "Захарка",
    "Иван": "Ваня Ванька Ванюша Ванечка",
    "Игорь": "Игорек Игорешка",
    "Илья": "Илюша Илюха Илия",
    "Кирилл": "Киря Кирюша Кирюха",
    "Константин": "Костя Костик Котя",
    "Лев": "Лева Левушка",
    "Леонид": "Леня Ленька",
    "Максим": "Макс Максик Максимка",
    "Матвей": "Мотя Матюша",
    "Михаил": "Миша Мишка Мишаня Мишутка",
    "Никита": "Никитка Никитос",
    "Николай": "Коля Колька Колян",
    "Олег": "Олежка Олежек",
    "Павел": "Паша Пашка Павлик",
    "Петр": "Петя Петька",
    "Роман": "Рома Ромка Ромчик",
    "Ростислав": "Ростик Слава",
    "Руслан": "Русик",
    "Святослав": "Свят Слава",
    "Семен": "Сема Сеня Семка",
    "Сергей": "Сережа Серега Сережка Серж Сергий",
    "Станислав": "Стас Стасик Слава",
    "Степан": "Степа Степка",
    "Тимофей": "Тима Тимоша",
    "Тимур": "Тима Тимурчик",
    "Федор": "Федя Федька",
    "Эдуард": "Эдик",
    "Юрий": "Юра Юрка Юрочка",
    "Яков": "Яша",
    "Ярослав": "Ярик Слава",
    # female
    "Александра": "Саша Шура Сашенька",
    "Алена": "Аленка",
    "Анастасия": "Настя Настенька Стася",
    "Анна": "Аня Анечка Анька Нюра",
    "Валентина": "Валя",
    "Валерия": "Лера",
    "Виктория": "Вика",
    "Галина": "Галя",
    "Дарья": "Даша Дашенька Дария",
    "Евгения": "Женя",
    "Екатерина": "Катя Катюша Катенька",
    "Елена": "Лена Леночка",
    "Елизавета": "Лиза",
    "Ирина": "Ира Ирочка",
    "Ксения": "Ксюша Ксюня",
    "Любовь": "Люба",
    "Людмила": "Люда Мила",
    "Мария": "Маша Машенька Маня",
    "Надежда": "Надя",
    "Наталья": "Наташа Наталия",
    "Ольга": "Оля Оленька",
    "Полина": "Поля",
    "Светлана": "Света",
    "Софья": "Соня София",
    "Тамара": "Тома",
    "Татьяна": "Таня Танюша",
    "Юлия": "Юля",
    "Маргарита": "Рита",
}

# Full forms that need no table entry but tell to_nominative which lexeme is a real name.
_OTHER_COMMON_GIVEN = """Айдар Альберт Анатолий Арсен Ахмед Владлен Вениамин Давид Ильдар Ислам
Камиль Марат Марк Мирон Назар Платон Ринат Рустам Савва Савелий Тагир Филипп Эльдар Эмиль
Эрик Фома Лука Прохор Алина Ангелина Вера Вероника Диана Жанна Зоя Инна Кристина Лариса Лидия
Марина Нина Оксана Ульяна Эльвира Яна Гульнара""".split()  # noqa: SIM905 - a word list reads better as text


# Men's given names of Russia's non-Slavic peoples, many of which pymorphy3 does not know, so
# that a declined «Мергена», «Айдысом», «Дьулустана» is still read as a given name.
_NON_SLAVIC_GIVEN = frozenset(
    " ".join(
        (
            # Tatar and Bashkir
            """Айдар Айнур Азат Ильнур Ильдар Ильшат Ильфат Ильназ Ильнар Ранис Рамиль Ринат
            Рустам Радик Раиль Рафаэль Рафис Рузаль Фаниль Ирек Ильгиз Ильмир Ильсур Алмаз
            Булат Динар Дамир Марсель Нияз Салават Айрат Ильяс Ринар Раниль Ильсаф Азамат Линар
            Ленар Фанис Наиль Марат Ильхам Тагир Искандер Самат Расим Ильдус Рифат Фарит Зуфар
            Зиннур Ильгам Рашит Инсаф Айбулат Ринас Ильвир Альберт Альфред Фидаиль Айваз Нафис
            Ришат Фларит Ильвар Разиль Рамис Ильмар Айгиз Ильгизар Азамат Ирек Рузиль Нурислам""",
            # Buryat
            """Баир Доржи Солбон Сультим Аюр Бато Баясхалан Арсалан Цырен Жаргал Батор Мунко
            Дамба Баяр Тумэн Эрдэм Чингис Амгалан Бэлигто Жамсо Балдан Дашинима Намжил Цыбик
            Бадма Аюша Буянто Алдар Эрдэни Бато-Мунко Бадмацырен Дашидондок Зоригто Тумэр
            Батожаргал Цырендоржи Чимит Бальжинима Булат Батомунко Жамьян Дугар Мэргэн""",
            # Kalmyk
            """Баатр Мерген Санал Церен Очир Босхомджи Наран Араш Басанг Бембя Джангар Дорджи
            Эрдни Улан Менке Бату Мутул Арслан Лиджи Бадма Чингиз Эльвег Нимгир Саглар""",
            # Yakut
            """Айсен Дьулустан Айхал Ньургун Эрчим Туйгун Айтал Мичил Уйгун Алгыс Айаал Кэскил
            Арчын Тускун Дьулус Эрхан Байбал Айан Ньургустан Тимир Эркин Арылхан Нюргун
            Дьоллох Айдар Кэнчээри Ариан Ай-Тал""",
            # Tuvan
            """Айдыс Начын Эрес Шолбан Айдаш Орлан Буян Аяс Эртине Саян Чаян Эзир Аймир
            Алдын-оол Маадыр Кан-оол Белек Ай-Хаан Тумен Эртем Сайын Омак Аржаан Чечен Азиат
            Салгал Херел Чингис Алдар Баир Адыг-оол Ангыр Аян Сылдыс Мерген Айдын Ай-Демир""",
            # Chechen, Ingush, Dagestani, Kabardian, Ossetian
            """Хамзат Залим Ислам Магомед Рамазан Шамиль Гаджи Муса Ахмед Абдула Адам Ибрагим
            Арсен Анзор Ахмат Асламбек Беслан Висита Вахид Дени Зелимхан Мансур Мовсар Мурад
            Рамзан Саид Султан Умар Хасан Хусейн Юсуп Алихан Абубакар Гусейн Нурмагомед Расул
            Хабиб Камиль Арслан Казбек Аслан Тамерлан Мурат Алим Залимхан Джамал Керим Батыр
            Темирлан Эльдар Магомедрасул Гаджимурад Абдурахман Шамсудин Махач Арип Курбан
            Сулейман Муслим Исмаил Ахмедхан Апти Ризван Ильяс Тимурлан Хетаг Сослан Алан Ацамаз
            Азамат Аскер Астемир Заур Мурадин Асхаб Эмин Артур Сайпудин Гамзат""",
        )
    ).split()
)


_NON_SLAVIC_GIVEN_LOWER = frozenset(n.lower().replace("ё", "е") for n in _NON_SLAVIC_GIVEN)
# Tuvan surnames are the names of clans, with no Russian surname ending: the lexicon tells
# «Монгуш Айдыс» (surname first) from «Айдыс Монгуш».
_CLAN_SURNAMES = frozenset(
    [
        "Монгуш",
        "Ооржак",
        "Куулар",
        "Ондар",
        "Хертек",
        "Салчак",
        "Сат",
        "Донгак",
        "Кужугет",
        "Иргит",
        "Ховалыг",
        "Тюлюш",
        "Сарыглар",
        "Оюн",
        "Чооду",
        "Байкара",
        "Дажы",
        "Кара-Сал",
        "Соян",
        "Хомушку",
        "Чамзырын",
        "Шыырап",
        "Ензак",
        "Товуу",
        "Дамба-Хуурак",
        "Биче-оол",
        "Лопсан",
        "Доржу",
        "Хуурак",
        "Шожал",
        "Кыргыс",
        "Монге",
        "Сюрюн",
        "Ховалыг",
        "Куулар",
    ]
)
_CLAN_SURNAMES_LOWER = frozenset(n.lower() for n in _CLAN_SURNAMES)


def is_lexicon_given_name(word: str) -> bool:
    """A non-Slavic given name of the lexicon, in any case («Мергена», «Айдысом»)."""
    lower = clean(word).lower()
    if lower in _NON_SLAVIC_GIVEN_LOWER or _lexicon_stems(lower):
        return True
    return any(
        p.tag.POS == "NOUN" and p.normal_form.replace("ё", "е") in _NON_SLAVIC_GIVEN_LOWER
        for p in _parses(lower)
    )


_LEXICON_ENDINGS = (
    ("", "nomn"), ("а", "gent"), ("а", "accs"), ("я", "gent"), ("я", "accs"), ("у", "datv"),
    ("ю", "datv"), ("ом", "ablt"), ("ем", "ablt"), ("ым", "ablt"), ("е", "loct"),
)  # fmt: skip


def _lexicon_stems(lower: str) -> list[tuple[str, str]]:
    """(case, nominative) readings of a word as a declined lexicon name («айнура»)."""
    if lower in _NON_SLAVIC_GIVEN_LOWER and lower.endswith(("е", "и", "о", "у", "э")):
        # «Эртине», «Доржи»: names ending in these vowels do not decline in Russian.
        return [(case, clean(lower)) for case in _CASES]
    out = []
    for ending, case in _LEXICON_ENDINGS:
        if ending and not lower.endswith(ending):
            continue
        stem = lower[: len(lower) - len(ending)] if ending else lower
        if stem in _NON_SLAVIC_GIVEN_LOWER:
            out.append((case, clean(stem)))
        elif ending in ("я", "ю", "е", "ем") and stem + "й" in _NON_SLAVIC_GIVEN_LOWER:
            out.append((case, clean(stem + "й")))
    return out


def lexicon_given_name(word: str) -> str | None:
    """The lexicon's nominative of a non-Slavic given name in any case («Айнура» → Айнур)."""
    stems = _lexicon_stems(clean(word).lower())
    return stems[0][1] if stems else None


def is_clan_surname(word: str) -> bool:
    """A Tuvan clan surname, in any case («Монгуш», «Ооржака»)."""
    lower = clean(word).lower()
    if lower in _CLAN_SURNAMES_LOWER:
        return True
    return any(
        p.tag.POS == "NOUN" and p.normal_form.replace("ё", "е") in _CLAN_SURNAMES_LOWER
        for p in _parses(lower)
    )


# Ambiguous short forms, in the order most likely for a conscript.
_AMBIGUOUS_ORDER: dict[str, tuple[str, ...]] = {
    "Слава": ("Вячеслав", "Владислав", "Ярослав", "Станислав", "Ростислав", "Святослав"),
    "Витя": ("Виктор", "Виталий"),
    "Сеня": ("Семен", "Арсений"),
    "Даня": ("Даниил", "Богдан"),
    "Тима": ("Тимофей", "Тимур"),
    "Жора": ("Георгий", "Егор"),
    "Алекс": ("Александр", "Алексей"),
}


def _build_variant_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for full, variants in _GIVEN_NAME_VARIANTS.items():
        index.setdefault(full, [])
        if full not in index[full]:
            index[full].insert(0, full)  # a full form is first of all itself
        for v in variants.split():
            index.setdefault(v, [])
            if full not in index[v]:
                index[v].append(full)
    return {k: tuple(v) for k, v in index.items()} | _AMBIGUOUS_ORDER


_VARIANT_INDEX = _build_variant_index()
_COMMON_GIVEN_LOWER = frozenset(
    n.lower().replace("ё", "е")
    for n in (*_GIVEN_NAME_VARIANTS, *_OTHER_COMMON_GIVEN, *_NON_SLAVIC_GIVEN)
    if _CYRILLIC_LETTER.search(n)
)


def given_name_candidates(name: str) -> tuple[str, ...]:
    """Passport forms a given name may stand for, likeliest first.

    ``name`` is one nominative given name in Cyrillic or Latin, any letter case
    («Слава» → Вячеслав, Владислав, Ярослав, …; «Sasha» → Александр, Александра).
    A name not in the table comes back cleaned, alone (Latin stays Latin).
    """
    cleaned = clean(name)
    if not cleaned:
        return ()
    found = _VARIANT_INDEX.get(cleaned)
    if found:
        return found
    if script_of(cleaned) != "cyrillic":
        for key in _skeleton_candidates(cleaned):
            found = _VARIANT_BY_SKELETON.get(key)
            if found:
                return found
    return (cleaned,)


def canonical_given_name(name: str) -> str:
    """The likeliest passport form of a given name («Лёша» → Алексей, «Тёма» → Артем).

    Same preconditions as ``given_name_candidates``; unknown names come back cleaned.
    """
    candidates = given_name_candidates(name)
    return candidates[0] if candidates else ""


# --------------------------------------------------------------------------------------
# Phonetic skeleton
# --------------------------------------------------------------------------------------
#
# The key is computed from Cyrillic. One ASCII letter per sound class, so that pg_trgm
# works whatever the database locale and every transliteration of a letter agrees:
#   е ё э → e     и й ы → i     ь ъ → (dropped)     я → ia   ю → iu
#   ж → j   х → h   ц → c   ч → q   ш щ → w         the rest: their usual Latin letter
# then "i" before "e" is dropped (ие = ье = е: Юрьевич, Iurevich, Yuryevich) and doubled
# letters are collapsed (Хабибуллин = Habibulin, Сергеевич = Sergeyevich).
# Latin input is first read back into Cyrillic (several readings: German "ch" is х,
# English "ch" is ч), and each reading gets its key.

_SKELETON_TABLE = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "j",
        "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c",
        "ч": "q", "ш": "w", "щ": "w", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu",
        "я": "ia", "-": " ", "і": "i", "ї": "i", "є": "e", "ў": "u",
    }
)  # fmt: skip
_SKELETON_GLIDE_E = re.compile(r"i+e")
_SKELETON_DOUBLE = re.compile(r"([a-z])\1+")
_SKELETON_NOT_KEY = re.compile(r"[^a-z ]+")


@functools.lru_cache(maxsize=500_000)
def _cyrillic_skeleton(text: str) -> str:
    key = text.lower().translate(_SKELETON_TABLE)
    key = _SKELETON_NOT_KEY.sub("", key)
    key = _SKELETON_GLIDE_E.sub("e", key)
    key = _SKELETON_DOUBLE.sub(r"\1", key)
    return " ".join(key.split())


# Latin → Cyrillic reading rules: token → ((Cyrillic, cost), …), cheapest first. A "$"
# in a token matches the end of the word. Alternatives that give the same key (я/ья/ия)
# matter only for display; those that change the key (ch: ч/х) are real ambiguities.
_LATIN_RULES: dict[str, tuple[tuple[str, float], ...]] = {
    # щ
    "shch": (("щ", 0),), "schtsch": (("щ", 0),), "szcz": (("щ", 0),), "chtch": (("щ", 0),),
    "shh": (("щ", 0), ("шх", 2)), "šč": (("щ", 0),), "ŝ": (("щ", 0),),
    "sch": (("ш", 0), ("щ", 0.3), ("ж", 0.8), ("сч", 1.5), ("сх", 2)),
    "sc": (("ск", 0), ("щ", 1)),
    # ш ж
    "sh": (("ш", 0), ("сх", 3)), "sz": (("ш", 0), ("сз", 2)), "š": (("ш", 0),),
    "zh": (("ж", 0),), "rzh": (("рж", 0),), "rz": (("рз", 0), ("рж", 1), ("рц", 1)),
    "ž": (("ж", 0),), "ż": (("ж", 0),), "dzh": (("дж", 0),), "dsch": (("дж", 0), ("дш", 1)),
    "dj": (("дж", 0), ("дй", 1)), "djo": (("дё", 0), ("джо", 0.5)),
    "dja": (("дя", 0), ("джа", 0.5)), "dju": (("дю", 0), ("джу", 0.5)),
    "dje": (("де", 0), ("дье", 0.1), ("дже", 0.5)), "dż": (("дж", 0),), "dž": (("дж", 0),),
    # х ч ц
    "kh": (("х", 0),), "h": (("х", 0), ("г", 2)),
    "ch": (("ч", 0), ("х", 0.8), ("ш", 1.6)), "tch": (("ч", 0), ("тш", 1), ("тч", 2)),
    "tsch": (("ч", 0), ("тш", 3)), "č": (("ч", 0),), "ĉ": (("ч", 0),),
    "cz": (("ч", 0), ("ц", 1)), "ć": (("ть", 0), ("ц", 1), ("ч", 1)),
    "ts": (("ц", 0), ("тс", 1)), "tsh": (("тш", 0), ("ч", 1)), "tsz": (("тш", 0),),
    "tzh": (("тж", 0),), "tz": (("ц", 0),), "tc": (("ц", 0), ("тц", 2)),
    "c": (("к", 0), ("ц", 0.6)), "ck": (("к", 0), ("цк", 0.5)), "cs": (("кс", 0), ("цс", 2)),
    "x": (("кс", 0), ("х", 1)),
    # glides and vowels
    "ya": (("я", 0), ("ья", 0.2), ("ыа", 3)), "ja": (("я", 0), ("ья", 0.2), ("жа", 1.2)),
    "yu": (("ю", 0), ("ью", 0.2)), "ju": (("ю", 0), ("ью", 0.2), ("жу", 1)),
    "ye": (("е", 0), ("ье", 0.2), ("ые", 2)), "je": (("е", 0), ("ье", 0.2), ("же", 1.2)),
    "yo": (("ё", 0), ("йо", 0.5), ("ио", 1), ("ьо", 2)), "jo": (("ё", 0), ("йо", 0.5), ("жо", 1)),
    "yi": (("ьи", 0), ("ый", 1)), "ji": (("ьи", 0), ("жи", 1)), "jj": (("й", 0),),
    "yy": (("ый", 0),), "iy": (("ий", 0), ("ы", 1)), "ij": (("ий", 0), ("иж", 1)),
    "ia": (("я", 0), ("ия", 0.1), ("иа", 1)), "iia": (("ия", 0),), "iu": (("ю", 0), ("ию", 0.3)),
    "iiu": (("ию", 0),), "ie": (("ие", 0), ("е", 0.3), ("ье", 0.3)),
    "io": (("ио", 0), ("ё", 0.5), ("ьо", 1)), "ii": (("ий", 0), ("ии", 0.2)),
    "iou": (("ю", 0), ("иу", 1)), "jou": (("жу", 0), ("ю", 0.5)),
    "ijj": (("ий", 0),), "ou": (("у", 0), ("оу", 1)), "ow$": (("ов", 0),),
    "ew$": (("ев", 0),), "ine$": (("ине", 0), ("ин", 0.5)), "gue": (("ге", 0), ("гуе", 1)),
    "gui": (("ги", 0), ("гуи", 1)), "eh": (("ех", 0), ("э", 1)), "ë": (("ё", 0),),
    "è": (("э", 0),), "é": (("е", 0),), "ė": (("э", 0),), "â": (("я", 0),),
    "ä": (("е", 0), ("я", 1)), "û": (("ю", 0),), "ü": (("ю", 0), ("у", 0.5)),
    "ö": (("ё", 0),), "ó": (("о", 0),), "ĭ": (("й", 0),), "ȳ": (("ы", 0),), "ł": (("л", 0),),
    "ń": (("нь", 0),), "ś": (("сь", 0),), "ź": (("зь", 0),), "ß": (("сс", 0),),
    "a": (("а", 0),), "b": (("б", 0),), "d": (("д", 0),), "e": (("е", 0), ("э", 0.5)),
    "f": (("ф", 0),), "ff$": (("в", 0), ("фф", 1)), "g": (("г", 0),), "i": (("и", 0), ("й", 0.3)),
    "j": (("й", 0), ("ж", 1)), "k": (("к", 0),), "ks": (("кс", 0),), "l": (("л", 0),),
    "m": (("м", 0),), "n": (("н", 0),), "o": (("о", 0),), "p": (("п", 0),),
    "ph": (("ф", 0), ("пх", 2)), "q": (("к", 0),), "r": (("р", 0),),
    "s": (("с", 0), ("з", 1)), "ss": (("сс", 0),), "t": (("т", 0),),
    "th": (("т", 0), ("тх", 1)), "u": (("у", 0),), "v": (("в", 0),), "w": (("в", 0),),
    "y": (("ы", 0), ("и", 0.1), ("й", 0.2), ("ий", 0.4)), "z": (("з", 0), ("ц", 0.8)),
}  # fmt: skip
_LATIN_TOKEN = re.compile(
    "|".join(re.escape(t) for t in sorted(_LATIN_RULES, key=len, reverse=True))
)
_VOWELS = frozenset("аеёиоуыэюя")


def _fits(text: str, cyr: str) -> bool:
    """Whether a Cyrillic piece may follow the text read so far (no «Ьюков», «Чабйбуллин»)."""
    last = text[-1:]
    first = cyr[0]
    if first in "ьъы":
        return bool(last) and last not in _VOWELS and last not in "ьъй"
    if first == "й":
        return last in _VOWELS
    if first == "э":  # inside a Russian name э follows only a vowel (Рауэр); Эдуард
        return not last or last in _VOWELS
    return True


_BEAM = 32
# German (and Polish) spellings: Sajzew, Sacharow, Subrizki, Soja.
_GERMAN_LOOKING = re.compile(r"w|sch|tz|j|z(?!h)|ow\$|ew\$")


@functools.lru_cache(maxsize=50_000)
def _latin_word_readings(word: str) -> tuple[tuple[str, float], ...]:
    """Cyrillic readings of one lowercase Latin word with their costs, cheapest first."""
    word = unicodedata.normalize("NFC", word)
    # Letters with diacritics that no rule names lose them (ǎ → a), keeping ruled ones.
    chars = []
    for ch in word:
        if ch in _LATIN_RULES or ch.isascii():
            chars.append(ch)
        else:
            chars.append(
                "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii() and c.isalpha())
            )
    word = "".join(chars) + "$"
    beam: list[tuple[float, str]] = [(0.0, "")]
    pos = 0
    while pos < len(word) - 1:
        m = _LATIN_TOKEN.match(word, pos)
        if m is None:
            pos += 1  # a letter no rule knows (digits and marks are gone already)
            continue
        piece = m.group(0)
        alternatives = _LATIN_RULES[piece]
        if piece == "s" and pos == 0 and not _GERMAN_LOOKING.search(word):
            alternatives = alternatives[:1]  # only German spelling writes з as s
        grown = {
            (cost + c, text + cyr)
            for cost, text in beam
            for cyr, c in alternatives
            if _fits(text, cyr)
        }
        if alternatives[0][0].startswith("о"):
            # ё after a hushing consonant is written o (Tschernyschow, Chernyshov).
            tail = alternatives[0][0][1:]
            grown.update(
                (cost + 0.5, f"{text}ё{tail}") for cost, text in beam if text[-1:] in "жшчщ"
            )
        beam = sorted(grown)[:_BEAM] or beam
        pos = m.end() if not piece.endswith("$") else m.end() - 1
    best: dict[str, float] = {}
    for cost, text in beam:
        if text and text not in best:
            best[text] = cost
    return tuple(best.items())


def _knownness(cyrillic_word: str) -> int:
    """0: a dictionary name, surname or patronymic; 1: a dictionary word; 2: unknown."""
    known = 2
    for p in _parses(cyrillic_word):
        if type(p.methods_stack[0][0]).__name__ != "DictionaryAnalyzer":
            continue
        tag = p.tag
        if {"Name", "Surn", "Patr"} & tag.grammemes and "nomn" in tag and "plur" not in tag:
            return 0
        known = 1
    return known


# Readings dearer than this give a key only if they are dictionary names (Kusnezow →
# Кузнецов costs two German rules); it keeps far-fetched keys out of the search.
_MAX_KEY_COST = 2.0


@functools.lru_cache(maxsize=50_000)
def _ranked_latin_word_costs(word: str) -> tuple[tuple[str, float], ...]:
    """Cyrillic readings of one Latin word with costs, best guess first (names win)."""
    readings = _latin_word_readings(word.lower())
    ranked = []
    for text, cost in readings:
        known = _knownness(text.replace("ё", "е"))
        if known == 0:
            cost = min(cost, _MAX_KEY_COST)
        ranked.append((known, cost > 1.0, cost, text))
    ranked.sort()
    return tuple((text, cost) for _k, _dear, cost, text in ranked)


def _ranked_latin_word(word: str) -> tuple[str, ...]:
    return tuple(text for text, _cost in _ranked_latin_word_costs(word))


def _skeleton_candidates(word: str, limit: int = 6) -> list[str]:
    """Distinct keys of one word, best first (one key for Cyrillic)."""
    if not _LATIN_LETTER.search(word):
        key = _cyrillic_skeleton(word)
        return [key] if key else []
    keys: list[str] = []
    for reading, cost in _ranked_latin_word_costs(word):
        if cost > _MAX_KEY_COST and keys:
            continue
        key = _cyrillic_skeleton(reading)
        if key and key not in keys:
            keys.append(key)
            if len(keys) >= limit:
                break
    return keys


def _key_words(text: str) -> list[str]:
    """Words of a name for keys: a hyphenated surname is two words, as in the key."""
    return clean(text).replace("-", " ").split()


def skeleton(text: str) -> str:
    """Phonetic search key of a name in any script: «Щербаков», «Schtscherbakow» → "werbakov".

    ``text`` is one or more name words (nominative, for best results); the key keeps the
    word order, joined by single spaces, and uses only a–z and spaces. All common
    romanisations of a Cyrillic name give its key (see ``skeletons`` for the full set
    of readings of an ambiguous Latin spelling such as «Jukov»: Юков or Жуков).
    Cyrillic input is fast (a table lookup and two regexes, cached); Latin input runs
    a small beam search and pymorphy3 to pick the likeliest reading.
    """
    if not _LATIN_LETTER.search(text):
        return _cyrillic_skeleton(text)
    keys = []
    for word in _key_words(text):
        word_keys = _skeleton_candidates(word, limit=1)
        if word_keys:
            keys.append(word_keys[0])
    return " ".join(keys)


def skeletons(text: str, limit: int = 6) -> set[str]:
    """All plausible keys of a name: one for Cyrillic, up to ``limit`` for Latin.

    A Latin spelling is ambiguous («ch» is ч in English, х in German and Polish; «j» is й
    or, informally, ж), so each reading gives a key; match any of them against stored keys
    computed with ``skeleton`` from Cyrillic. Multi-word input gives keys of whole strings.
    """
    per_word = [_skeleton_candidates(w, limit) for w in _key_words(text)]
    per_word = [keys for keys in per_word if keys]
    if not per_word:
        return set()
    # Best combinations first: the sum of each word's rank among its own keys.
    ranked = sorted(
        itertools.product(*(list(enumerate(keys)) for keys in per_word[:4])),
        key=lambda combo: sum(rank for rank, _key in combo),
    )
    rest = [keys[0] for keys in per_word[4:]]  # a fifth word onwards: its best key only
    return {" ".join([key for _rank, key in combo] + rest) for combo in ranked[:limit]}


def to_cyrillic_candidates(latin: str, limit: int = 5) -> list[str]:
    """Best Cyrillic guesses for a Latin-typed name, likeliest first (may be approximate).

    Each word is read with all romanisation rules; readings that are dictionary names,
    surnames or patronymics come first («Jukov» → Жуков, «Chabibullin» → Хабибуллин).
    Cyrillic input comes back cleaned, alone. Results are cleaned (Title-case, ё→е).
    """
    words = clean(latin).split()
    if not words:
        return []
    per_word = []
    for word in words:
        if _LATIN_LETTER.search(word):
            parts = [_ranked_latin_word(part)[:limit] or (part,) for part in word.split("-")]
            per_word.append(
                tuple("-".join(c) for c in itertools.islice(itertools.product(*parts), limit))
            )
        else:
            per_word.append((word,))
    out: list[str] = []
    for combo in itertools.product(*per_word):
        candidate = clean(" ".join(combo))
        if candidate not in out:
            out.append(candidate)
        if len(out) >= limit:
            break
    return out


_VARIANT_BY_SKELETON: dict[str, tuple[str, ...]] = {}
for _variant, _fulls in _VARIANT_INDEX.items():
    _VARIANT_BY_SKELETON.setdefault(_cyrillic_skeleton(_variant), _fulls)


# --------------------------------------------------------------------------------------
# Latin spellings
# --------------------------------------------------------------------------------------

# iuliia's "uz" is Uzbek orthography (ц → s), not a romanisation of Russian.
_IULIIA_SKIP = frozenset({"uz"})


@functools.cache
def _iuliia_schemas() -> tuple:
    import iuliia

    return tuple(s for name, s in iuliia.schemas.items() if name not in _IULIIA_SKIP)


def _soft_context_table(
    base: dict[str, str], iotated: dict[str, tuple[str, str]], soft_sign_before_vowel: str
):
    """A small transliterator where е ё ю я depend on what precedes them."""

    def translate(word: str) -> str:
        out = []
        prev = ""
        for i, ch in enumerate(word):
            if ch in iotated:
                after_consonant = prev and prev not in _VOWELS and prev not in "ьъ"
                out.append(iotated[ch][1] if after_consonant else iotated[ch][0])
            elif ch in "ьъ":
                nxt = word[i + 1 : i + 2]
                out.append(soft_sign_before_vowel if nxt in ("и", "о") else "")
            elif ch == "й" and i == len(word) - 1 and prev in "ыи":
                pass  # -ий/-ый: Juri, Dmitri
            else:
                out.append(base.get(ch, ch))
            prev = ch
        return "".join(out)

    return translate


_GERMAN = _soft_context_table(
    {
        "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "ж": "sch", "з": "s", "и": "i",
        "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch",
        "щ": "schtsch", "ы": "y", "э": "e",
    },
    {"е": ("je", "e"), "ё": ("jo", "jo"), "ю": ("ju", "ju"), "я": ("ja", "ja")},
    "j",
)  # fmt: skip
_POLISH = _soft_context_table(
    {
        "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "ж": "ż", "з": "z", "и": "i",
        "й": "j", "к": "k", "л": "ł", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz",
        "щ": "szcz", "ы": "y", "э": "e",
    },
    {"е": ("je", "e"), "ё": ("jo", "io"), "ю": ("ju", "iu"), "я": ("ja", "ia")},
    "j",
)  # fmt: skip
_POLISH_SOFT_L = re.compile(r"ł(?=[eiь]|$)")

# Informal habits seen in relatives' queries and foreign documents, applied to an
# English-style spelling: Ivanoff, Yury, Jukov, Scherbakov, Habibullin, Alexey.
# Each applies only when the Cyrillic has the letter it renders (Мухаметшин has no ц,
# so its "tsh" must not become "tzh").
_INFORMAL: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (cyr, re.compile(a), b)
    for cyr, a, b in (
        ("в", r"(?<=[oe])v$", "ff"),
        ("й", r"(?:iy|ii|ij)$", "y"),
        ("", r"(?:iy|ii|ij|y)$", "i"),
        ("ж", r"zh", "j"),
        ("щ", r"shch", "sch"),
        ("х", r"kh", "h"),
        ("кс", r"ks", "x"),
        ("ё", r"yo", "e"),
        ("е", r"(?<=[^aeiouy])ye", "e"),
        ("ц", r"ts", "tz"),
    )
)


def _polish(word: str) -> str:
    return _POLISH_SOFT_L.sub("l", _POLISH(word))


@functools.lru_cache(maxsize=20_000)
def latin_spellings(cyrillic: str) -> frozenset[str]:
    """Latin spellings of a Cyrillic name, lowercased, from every common system.

    All 27 Russian romanisations of iuliia (passport ICAO 2013, MVD 1997/2010, GOST,
    BGN/PCGN, ISO 9, Wikipedia, …; its Uzbek scheme is left out), plus German
    (Iwanow, Schtscherbakow), Polish (Szczerbakow, Żukow) and informal ones (Ivanoff,
    Yury, Jukov, Scherbakov). Diacritics of the scholarly systems are kept (ščerbakov).
    ``cyrillic`` is one or more name words; a word with no Cyrillic comes back as is.
    """
    words = [_with_yo(w) for w in _clean(cyrillic, keep_yo=True).split()]
    if not words:
        return frozenset()
    per_word: list[set[str]] = []
    for word in words:
        spellings: set[str] = set()
        for schema in _iuliia_schemas():
            spellings.add(_romanise(schema, word))
        low = word.lower()
        spellings.add(_GERMAN(low))
        spellings.add(_polish(low))
        english = _romanise(_iuliia_by_name("mvd_782"), word)
        for letter, pattern, replacement in _INFORMAL:
            if letter not in low:
                continue
            informal = pattern.sub(replacement, english)
            if informal != english:
                spellings.add(informal)
        spellings.discard("")
        per_word.append(spellings)
    if len(per_word) == 1:
        return frozenset(per_word[0])
    # Several words: each system applied to the whole name, not every combination.
    combined = {" ".join(sorted(ws)[0] for ws in per_word)}
    for schema in _iuliia_schemas():
        combined.add(_romanise(schema, " ".join(words)))
    return frozenset(combined)


def _romanise(schema, text: str) -> str:
    """One iuliia scheme, lowercased, without apostrophes and tie bars."""
    out = unicodedata.normalize("NFC", schema.translate(text))
    if _CYRILLIC_LETTER.search(out):  # some schemes leave ё alone
        out = unicodedata.normalize("NFC", schema.translate(text.translate(_CLEAN_TABLE)))
    return _strip_marks(out.lower())


def _with_yo(word: str) -> str:
    """Put back the ё that a record written with е lost (Воробьев → Воробьёв): the
    romanisations differ (Vorobyov), and a relative may type either."""
    if "е" not in word and "Е" not in word:
        return word
    for p in _parses(word.lower()):
        restored = p.word
        if (
            "ё" in restored
            and len(restored) == len(word)
            and type(p.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
            and {"Name", "Surn", "Patr"} & p.tag.grammemes
        ):
            return "".join(
                r.upper() if c.isupper() else r for c, r in zip(word, restored, strict=True)
            )
    return word


def _iuliia_by_name(name: str):
    import iuliia

    return iuliia.schemas.get(name)


def _strip_marks(text: str) -> str:
    """Drop apostrophes and the ALA-LC tie bar (i͡a), keep letters with diacritics."""
    text = text.translate(_CLEAN_TABLE).replace("\u0361", "").replace("\u0306", "")
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------------------
# Query parsing
# --------------------------------------------------------------------------------------


@dataclass
class ParsedQuery:
    """What a relative typed into the search box, taken apart.

    ``name_tokens`` are cleaned name words in the order typed (possibly declined or Latin);
    ``name`` is their nominative reading when they are Cyrillic and read as one name.
    ``script`` is 'cyrillic', 'latin' or 'mixed' for the name words and initials, or ""
    when there are none.
    """

    name_tokens: list[str]
    initials: list[str]
    birth_year: int | None = None
    birth_date: date | None = None
    unit_number: str | None = None
    script: str = ""
    name: NameParts | None = None


_MONTHS = {
    **dict.fromkeys(("январ", "jan"), 1), **dict.fromkeys(("феврал", "feb"), 2),
    **dict.fromkeys(("март", "мар", "mar"), 3), **dict.fromkeys(("апрел", "apr"), 4),
    **dict.fromkeys(("ма", "may"), 5), **dict.fromkeys(("июн", "jun"), 6),
    **dict.fromkeys(("июл", "jul"), 7), **dict.fromkeys(("август", "авг", "aug"), 8),
    **dict.fromkeys(("сентябр", "сен", "sep"), 9), **dict.fromkeys(("октябр", "окт", "oct"), 10),
    **dict.fromkeys(("ноябр", "ноя", "nov"), 11), **dict.fromkeys(("декабр", "дек", "dec"), 12),
}  # fmt: skip
_MONTH_WORD = (
    r"(январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]"
    r"|октябр[ья]|ноябр[ья]|декабр[ья]|янв|фев|мар|апр|авг|сен|сент|окт|ноя|дек"
    r"|january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
)
_YEAR_SUFFIX = (
    r"(?:г(?:ода?|г)?\.?\s*р(?:ожд(?:ения)?)?\.?|года?\s+рождения|гр\b|г\.?(?=\s|$)|year)"
)
# «г.р.» written apart from any year. Lowercase only, and never a lone «г.»: «Уткин Г.Р.»
# and «Пугачев Г. В.» are initials.
_LOOSE_YEAR_SUFFIX_RE = re.compile(r"(?<![^\W\d_])(?:г\.?\s*р\.?|года?\s+рождения|гр)(?![^\W\d_])")

_UNIT_RE = re.compile(
    r"(?:\bв\s*[/\\.|]?\s*ч\b\.?|\bвч|войсков\w*\s+част\w*|military\s+unit|\bunit)"
    r"\s*[№#:-]?\s*(\d{4,6})\b",
    re.IGNORECASE,
)
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b")
_WORDY_DATE_RE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_WORD}\s*,?\s*(\d{{4}})\b"
    rf"|\b{_MONTH_WORD}\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})\b",
    re.IGNORECASE,
)
_YEAR_AFTER_RE = re.compile(rf"\b(\d{{4}}|\d{{2}})\s*{_YEAR_SUFFIX}", re.IGNORECASE)
_YEAR_BEFORE_RE = re.compile(r"\bг\.?\s*р\.?\s*[:-]?\s*(\d{4}|\d{2})\b", re.IGNORECASE)
_BARE_YEAR_RE = re.compile(r"(?<![\d.])\b(19[4-9]\d|20\d\d)\b(?![\d.])")
_BARE_UNIT_RE = re.compile(r"(?<![\d.])\b(\d{5})\b(?![\d.])")
_INITIALS_RE = re.compile(r"(?<![^\W\d_])([^\W\d_])\s*\.\s*(?:([^\W\d_])\s*\.?)?(?![^\W\d_])")

# Words of a search request that are never part of a name.
_FILLER = frozenset(
    """ищем ищу ищет разыскиваем разыскивается разыскиваются помогите помогите найти
    найти пропал пропала пропавший пропавшего пропавшая без вести безвести сын сына сыну
    брат брата муж мужа отец отца внук внука племянник жених военнослужащий военнослужащего
    рядовой рядового сержант сержанта младший младшего старший старшего ефрейтор ефрейтора
    лейтенант лейтенанта солдат солдата мобилизованный мобилизованного срочник срочника
    контрактник контрактника боец бойца матрос матроса год года году рождения рожд гр
    область области обл край края район района республика республики город города
    деревня село поселок пос родом из фио дата номер часть части войсковая войсковой
    информация инфо кто нибудь знает видел видели пожалуйста ребята люди срочно
    missing soldier private son brother husband born birth search looking for my the
    of in from year date unit military please help find name""".split()  # noqa: SIM905 - a word list reads better as text
)
# Parts of speech that a name word never is (unless pymorphy also knows it as a name).
# Only function words: surnames often read first as participles or verbs (Рубан, Хмелев).
_NON_NAME_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO"})
_REGION_WORDS = frozenset({"область", "области", "обл", "край", "края", "район", "района"})


def _two_digit_year(yy: int) -> int:
    this_year = datetime.now(tz=UTC).year
    return 2000 + yy if 2000 + yy <= this_year else 1900 + yy


def _plausible_birth_year(year: int) -> bool:
    return 1940 <= year <= datetime.now(tz=UTC).year


def _make_date(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year = _two_digit_year(year)
    if not _plausible_birth_year(year):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(word: str) -> int:
    word = word.lower().rstrip(".")
    for prefix_len in (7, 6, 5, 4, 3, 2):
        month = _MONTHS.get(word[:prefix_len])
        if month and (prefix_len > 2 or word in ("май", "мая")):
            return month
    return 0


def _is_name_word(word: str) -> bool:
    """Whether a cleaned word may be part of a name (keeps Гусь, Черных; drops «ищем»)."""
    low = word.lower()
    if low in _FILLER or len(low) < 2:
        return False
    if not _CYRILLIC_LETTER.search(low):
        return True
    parses = _parses(low)
    if any({"Name", "Surn", "Patr"} & p.tag.grammemes for p in parses):
        return True
    top = parses[0]
    return not (
        top.tag.POS in _NON_NAME_POS
        and type(top.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
    )


def _blank(text: str, match: re.Match[str]) -> str:
    """``text`` with the match replaced by as many spaces (offsets stay put)."""
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def _date_of(regex: re.Pattern[str], m: re.Match[str]) -> date | None:
    if regex is _ISO_DATE_RE:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if regex is _NUMERIC_DATE_RE:
        return _make_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m.group(1):
        return _make_date(int(m.group(3)), _month_number(m.group(2)), int(m.group(1)))
    return _make_date(int(m.group(6)), _month_number(m.group(4)), int(m.group(5)))


def _take_date(text: str) -> tuple[str, date | None]:
    """The first plausible full birth date, and the text without it (and its «г.р.»)."""
    for regex in (_ISO_DATE_RE, _NUMERIC_DATE_RE, _WORDY_DATE_RE):
        m = regex.search(text)
        if not m:
            continue
        found = _date_of(regex, m)
        if found:
            # «12 марта 2005 г.р.»: the suffix of the date is not a name.
            tail = re.sub(rf"^\s*{_YEAR_SUFFIX}", " ", text[m.end() :], flags=re.IGNORECASE)
            return text[: m.start()] + " " + tail, found
    return text, None


def _take_year(text: str) -> tuple[str, int | None]:
    """The first plausible birth year, and the text without it."""
    for regex in (_YEAR_AFTER_RE, _YEAR_BEFORE_RE, _BARE_YEAR_RE):
        m = regex.search(text)
        if not m:
            continue
        year = int(m.group(1))
        year = _two_digit_year(year) if year < 100 else year
        if _plausible_birth_year(year):
            return _blank(text, m), year
    return text, None


def _name_words(text: str, initials: list[str]) -> list[str]:
    """The words of ``text`` that may be a name; lone capitals are added to ``initials``."""
    # (cleaned word, typed as a lone capital letter)
    words: list[tuple[str, bool]] = []
    for raw in _NOT_NAME_CHAR_KEEP_APOSTROPHES.sub(" ", text).split():
        words.extend((w, raw.isupper() and len(raw) == 1) for w in clean(raw).split())
    # «Курская область»: the word before a region noun is the region, not a surname.
    drop = {i - 1 for i, (w, _) in enumerate(words) if w.lower() in _REGION_WORDS}
    name_tokens: list[str] = []
    for i, (word, lone_capital) in enumerate(words):
        if i in drop:
            continue
        if len(word) == 1:
            # A capital letter standing alone («Уткин Б В») is an initial; a lowercase
            # one is a preposition («в», «с»).
            if lone_capital:
                initials.append(word)
            continue
        if _is_name_word(word):
            name_tokens.append(word)
    return name_tokens


def parse_query(q: str) -> ParsedQuery:
    """Take a free-text search query apart into name words, initials, birth data and unit.

    Understands «Уткин Б.В.», «Utkin B. V.»; birth years «2004», «04 г.р.», «2004г.р.»,
    «г.р. 2004»; dates «12.03.2005», «12.03.05», «2005-03-12», «12 марта 2005», «12 March
    2005» (which also set ``birth_year``); units «в/ч 12345», «вч12345», «в\\ч 12345»,
    «в.ч. 12345», «войсковая часть 12345», «military unit 12345», or a lone five-digit
    number. Filler words («ищем», «сын», «рядовой», «года рождения») and region names
    («Курская область») are dropped. Two-digit years mean the latest past century.
    """
    text = unicodedata.normalize("NFC", q)
    unit: str | None = None
    m = _UNIT_RE.search(text)
    if m:
        unit = m.group(1)
        text = _blank(text, m)

    text, birth_date = _take_date(text)
    birth_year = birth_date.year if birth_date else None
    if birth_year is None:
        text, birth_year = _take_year(text)
    # Remaining year suffixes («г.р.» written apart from the year) are filler.
    text = _LOOSE_YEAR_SUFFIX_RE.sub(" ", text)

    if unit is None:
        m = _BARE_UNIT_RE.search(text)
        if m:
            unit = m.group(1)
            text = _blank(text, m)

    initials: list[str] = []

    def take_initials(match: re.Match[str]) -> str:
        initials.extend(g.upper() for g in match.groups() if g)
        return " "

    text = _INITIALS_RE.sub(take_initials, text)
    name_tokens = _name_words(text, initials)

    script = script_of(" ".join(name_tokens + initials))
    name = None
    if script == "cyrillic" and 1 <= len(name_tokens) <= 3:
        name = to_nominative(name_tokens)
    return ParsedQuery(
        name_tokens=name_tokens,
        initials=initials,
        birth_year=birth_year,
        birth_date=birth_date,
        unit_number=unit,
        script=script,
        name=name,
    )


# --------------------------------------------------------------------------------------
# a name written as a dictionary knows it
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=50_000)
def is_dictionary_word(word: str) -> bool:
    """Whether a name word, as typed, is one the dictionary knows (in any form: «Иванов»,
    «Иванова», «Ivanov» read as Иванов), rather than an unknown spelling («Иваов»).

    A known surname typed is most likely the surname meant, not a typo of a similar one:
    «Иванов» is not a mistyped «Иванцов», while «Иваов» may be a mistyped «Иванов».
    """
    cleaned = clean(word).lower()
    if not cleaned:
        return False
    if script_of(cleaned) == "latin":
        readings = to_cyrillic_candidates(cleaned, limit=1)
        cleaned = readings[0].lower() if readings else ""
    return bool(cleaned) and script_of(cleaned) == "cyrillic" and _morph().word_is_known(cleaned)
