"""Ukrainian text: detect it, and read Ukrainian name forms back to the Russian nominative.

Plain Python (no Django). Ukrainian channels write Russian conscripts' names the Ukrainian
way and decline them the Ukrainian way: «представився Олексієм Горобцем», «Михайла
Зайцева», «Кирилом Роговим». A word is parsed with pymorphy3's Ukrainian dictionary
(pymorphy3-dicts-uk), put in its Ukrainian nominative, and then given its Russian passport
spelling: given names and patronymics through a table (Олексій → Алексей, Дмитро →
Дмитрий, Андрійович → Андреевич), anything else letter by letter (і → и, є → е, «ськ» →
«ск», an apostrophe → ь), choosing between и and ы the spelling the Russian dictionary
knows (Рибаков → Рыбаков, Синиця → Синица).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Any

from conscripts import names

__all__ = ["UkWord", "is_ukrainian", "read_word"]

# Letters Russian never uses, and words frequent in Ukrainian but not in Russian.
_UK_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_UK_WORDS = re.compile(
    r"(?<![а-яёіїєґ])(?:що|від|був|була|його|її|який|яка|які|та|це|він|вона|вони|також|"
    r"полонений|полонені|строковик\w*|представився|народився|року|роки|вже|щоб|коли|"
    r"сина|шукає|обміняли|повернулися|зник|загинув|каже|військов\w+|р\.\s*н)"
    r"(?![а-яёіїєґ])",
    re.I,
)


def is_ukrainian(text: str) -> bool:
    """Whether a post is written in Ukrainian (cheap: letters and frequent words).

    A Russian post that quotes a Ukrainian name or two stays Russian; a Ukrainian post that
    quotes a prisoner in Russian stays Ukrainian.
    """
    letters = len(_UK_LETTERS.findall(text))
    words = len(_UK_WORDS.findall(text))
    if letters == 0 and words < 2:
        return False
    cyrillic_words = max(1, len(re.findall(r"[а-яёіїєґ]{2,}", text, re.I)))
    return (letters + 2 * words) / cyrillic_words >= 0.12


# Ukrainian given names (nominative) → Russian passport form. Names that only differ by
# letters (Максим, Руслан, Раміль → Рамиль) need no entry: they are read letter by letter.
_GIVEN = {
    "олексій": "алексей", "олександр": "александр", "андрій": "андрей", "сергій": "сергей",
    "дмитро": "дмитрий", "микола": "николай", "михайло": "михаил", "іван": "иван",
    "євген": "евгений", "юрій": "юрий", "василь": "василий", "петро": "петр",
    "павло": "павел", "кирило": "кирилл", "кирил": "кирилл", "данило": "даниил",
    "даниїл": "даниил", "ілля": "илья", "артем": "артем", "артём": "артем",
    "віталій": "виталий", "анатолій": "анатолий", "володимир": "владимир",
    "валерій": "валерий", "геннадій": "геннадий", "григорій": "григорий", "ігор": "игорь",
    "костянтин": "константин", "едуард": "эдуард", "віктор": "виктор", "федір": "федор",
    "тимофій": "тимофей", "матвій": "матвей", "семен": "семен", "степан": "степан",
    "єгор": "егор", "микита": "никита", "гліб": "глеб", "арсеній": "арсений",
    "аркадій": "аркадий", "в'ячеслав": "вячеслав", "вячеслав": "вячеслав",
    "станіслав": "станислав", "ростислав": "ростислав", "святослав": "святослав",
    "георгій": "георгий", "леонід": "леонид", "опанас": "афанасий", "яків": "яков",
    "йосип": "иосиф", "пилип": "филипп", "филип": "филипп", "гнат": "игнат",
    "лук'ян": "лукьян", "тихін": "тихон", "савелій": "савелий", "єлисей": "елисей",
    "веніамін": "вениамин", "родіон": "родион", "ілліч": "ильич", "олесь": "александр",
    "влад": "владислав", "назарій": "назар", "євгеній": "евгений", "мирослав": "мирослав",
    "левко": "лев", "лев": "лев", "марко": "марк", "нікіта": "никита", "денис": "денис",
    "дем'ян": "демьян", "трохим": "трофим", "остап": "остап", "юліан": "юлиан",
    "валентин": "валентин", "всеволод": "всеволод", "зіновій": "зиновий",
    "інокентій": "иннокентий", "ельдар": "эльдар", "еміль": "эмиль", "ерік": "эрик",
    "ерес": "эрес", "ертине": "эртине", "ерентей": "эрентей", "ельбек": "эльбек",
}  # fmt: skip
# Women's names: a woman named beside the conscript (a mother, an official) is not him.
_FEMALE_GIVEN = {
    "тетяна": "татьяна", "олена": "елена", "наталія": "наталья", "наталя": "наталья",
    "юлія": "юлия", "марія": "мария", "ганна": "анна", "катерина": "екатерина",
    "світлана": "светлана", "ірина": "ирина", "людмила": "людмила", "оксана": "оксана",
    "ольга": "ольга", "галина": "галина", "валентина": "валентина", "надія": "надежда",
    "любов": "любовь", "віра": "вера", "дар'я": "дарья", "софія": "софия", "анастасія": "анастасия",
}  # fmt: skip
# Patronymics whose Russian form is not the Ukrainian one letter by letter.
_PATRONYMIC = {
    "олексійович": "алексеевич", "андрійович": "андреевич", "сергійович": "сергеевич",
    "дмитрович": "дмитриевич", "миколайович": "николаевич", "михайлович": "михайлович",
    "євгенович": "евгеньевич", "євгенійович": "евгеньевич", "юрійович": "юрьевич",
    "васильович": "васильевич", "кирилович": "кириллович", "віталійович": "витальевич",
    "анатолійович": "анатольевич", "володимирович": "владимирович",
    "валерійович": "валерьевич", "геннадійович": "геннадьевич", "григорович": "григорьевич",
    "ігорович": "игоревич", "костянтинович": "константинович", "федорович": "федорович",
    "тимофійович": "тимофеевич", "матвійович": "матвеевич", "аркадійович": "аркадьевич",
    "арсенійович": "арсеньевич", "георгійович": "георгиевич", "леонідович": "леонидович",
    "ілліч": "ильич", "петрович": "петрович", "павлович": "павлович",
    "данилович": "даниилович", "олександрович": "александрович", "вікторович": "викторович",
    "в'ячеславович": "вячеславович", "станіславович": "станиславович",
    "савелійович": "савельевич", "яковлевич": "яковлевич", "якович": "яковлевич",
    "йосипович": "иосифович", "пилипович": "филиппович", "тихонович": "тихонович",
}  # fmt: skip
_APOSTROPHES = "'’ʼ`"
_NOT_NAME_POS = frozenset(
    {"VERB", "INFN", "GRND", "PRTF", "PRTS", "ADVB", "ADJF", "ADJS", "PREP", "CONJ", "PRCL",
     "NPRO", "NUMR", "INTJ", "PRED", "COMP"}
)  # fmt: skip


@dataclass(frozen=True)
class UkWord:
    """One Ukrainian word read for name finding."""

    russian: str  # Russian nominative spelling (lowercase) if a name part, else letters only
    role: str | None  # "given", "surname", "patronymic", or None
    common: bool  # a dictionary word that is not a name part («представився», «полонений»)


_morph: Any = None
_ru_morph: Any = None
_lock = threading.Lock()


def _morphs() -> tuple[Any, Any]:
    """The Ukrainian analyzer, and the Russian one ``conscripts.names`` shares."""
    global _morph, _ru_morph
    if _morph is None:
        with _lock:
            if _morph is None:
                import pymorphy3

                ru = names.morph()
                uk = pymorphy3.MorphAnalyzer(lang="uk")
                _share_grammemes(ru)
                _ru_morph, _morph = ru, uk
    return _morph, _ru_morph


def _share_grammemes(ru: Any) -> None:
    """pymorphy3 keeps one tag class for every language (its storage.py has a FIXME to clone
    it) and the dictionary loaded last sets the grammemes it knows: after the Ukrainian one
    every Russian analyzer in the process would fail on «Geox» in a tag. Give the class the
    grammemes of both languages, Russian first."""
    import json
    from pathlib import Path

    import pymorphy3_dicts_ru
    import pymorphy3_dicts_uk

    merged: dict[str, list] = {}
    for package in (pymorphy3_dicts_ru, pymorphy3_dicts_uk):
        grammemes = json.loads(Path(package.get_path(), "grammemes.json").read_text("utf-8"))
        for grammeme in grammemes:
            merged.setdefault(grammeme[0], grammeme)
    ru.TagClass._init_grammemes(list(merged.values()))


def _letters(word: str) -> list[str]:
    """Russian spellings of a Ukrainian word, letter by letter; the first is the default."""
    w = word.lower()
    w = re.sub(rf"([бпвмф])[{_APOSTROPHES}]", r"\1", w)  # в'ячеслав → вячеслав
    w = re.sub(rf"[{_APOSTROPHES}]", "ь", w)  # лук'янов → лукьянов
    w = re.sub(r"(?<=[бвгджзклмнпрстфхцчшщ])йо", "ьё", w)  # соловйов → соловьёв
    w = w.replace("ього", "его").replace("ьої", "ей")  # Зимнього → Зимнего
    w = w.replace("ьо", "ё")  # корольов → королёв
    w = w.replace("ськ", "ск").replace("цьк", "цк").replace("ць", "ц")
    w = w.replace("ця", "ца").replace("цю", "цу").replace("ці", "ци")  # Синиця → Синица
    # ї is Russian и after a vowel or ь («Баїр» → Баир, «Ільїн» → Ильин), йи at the start.
    w = re.sub(r"^ї", "йи", w).replace("ї", "и").replace("є", "е").replace("ґ", "г")
    # Ukrainian и is often Russian ы, never after ж, ш, ч, щ («Паршинов» stays Паршинов).
    hard = re.sub(r"(?<=[бвдзлмнпрстфц])и", "ы", w)
    hard = re.sub(r"(?<=[кгх])ы", "и", hard)
    soft = w.replace("і", "и")
    hard = hard.replace("і", "и")
    return [soft] if hard == soft else [soft, hard]


def _russian_spelling(word: str, role: str | None) -> str:
    """The spelling the Russian dictionary knows as a name part, else the first one."""
    options = _letters(word)
    _, ru = _morphs()
    grammeme = {"surname": "Surn", "given": "Name", "patronymic": "Patr"}.get(role or "")
    for option in options:
        parses = ru.parse(option)
        if grammeme and ru.word_is_known(option) and any(grammeme in p.tag for p in parses):
            return option
    if role and options[-1].startswith("цы"):
        return options[-1]  # «Цибіков» is Цыбиков, «Циренович» Цыренович
    for option in options:
        if ru.word_is_known(option):
            return option
    # A name neither dictionary knows is most often a Russian one with ы that Ukrainian
    # spells и («Маадир-оолович» for Маадыр-оолович, «Рибін» for Рыбин).
    return options[-1] if role else options[0]


_PATRONYMIC_SUFFIX = re.compile(
    r"(ійович|ийович|айович|ейович|ойович|уйович|ович|евич|євич|ілліч)$"
)
_RUSSIAN_SUFFIX = {
    "ійович": "иевич", "ийович": "иевич", "айович": "аевич", "ейович": "еевич",
    "ойович": "оевич", "уйович": "уевич", "ович": "ович", "евич": "евич", "євич": "евич",
    "ілліч": "ильич",
}  # fmt: skip


def _patronymic_spelling(nominative: str) -> str:
    """A patronymic not in the table: the father's name letter by letter, the suffix the
    Russian way («Дашийович» → Дашиевич, «Маадир-оолович» → Маадыр-оолович)."""
    m = _PATRONYMIC_SUFFIX.search(nominative)
    if m is None:
        return _russian_spelling(nominative, "patronymic")
    stem = nominative[: m.start()]
    options = _letters(stem)
    _, ru = _morphs()
    known = [o for o in options if ru.word_is_known(o)]
    stem_ru = known[0] if known else options[-1]
    return stem_ru + _RUSSIAN_SUFFIX[m.group(1)]


# Instrumental and dative forms of -ов/-ев/-ін surnames the dictionary may read as adjectives:
# «Роговим», «Жамсарановим», «Горяєвим» (instrumental), «Роговому» is not a name form.
_SURNAME_INSTRUMENTAL = re.compile(r"(?:ов|ев|єв|ін|ин|їн)им$")
_SURNAME_DATIVE = re.compile(r"(?:ов|ев|єв|ін|ин|їн)(?:ові|у)$")
_PATRONYMIC_SHAPE = re.compile(r"(?:ович|евич|євич|йович)(?:а|у|ем|ові|і)?$|ілліч\w*$")
_PATRONYMIC_CASE = re.compile(r"(?<=вич)(?:а|у|ем|ові|і)$")
_NAME_ROLES = (("Name", "given"), ("Surn", "surname"), ("Patr", "patronymic"))


@functools.lru_cache(maxsize=50_000)
def read_word(word: str) -> UkWord:
    """Read one word of a Ukrainian text (any case): its Russian nominative if it is a name
    part («Олексієм» → алексей, «Горобцем» → горобец, «Андрійовича» → андреевич)."""
    lower = word.lower()
    uk, _ = _morphs()
    parses = [p for p in uk.parse(lower) if "plur" not in p.tag or "Fixd" in p.tag]
    # A name of the tables in any case («Володимир» is also a town to the dictionary,
    # «Тетяною» a woman's name the name roles below skip).
    for table in (_GIVEN, _FEMALE_GIVEN):
        tabled = [p.normal_form for p in parses if p.normal_form in table]
        if lower in table or tabled:
            return UkWord(table[lower if lower in table else tabled[0]], "given", False)
    known = uk.word_is_known(lower)
    if not known:
        # A non-Slavic given name the Ukrainian dictionary lacks: «Ерес» is Эрес, «Айнура»
        # is Айнур (Ukrainian е at the start of a word is Russian э).
        spelled = _letters(lower)[0]
        for option in (spelled, "э" + spelled[1:] if spelled.startswith("е") else ""):
            lexicon = names.lexicon_given_name(option) if option else None
            if lexicon:
                return UkWord(lexicon.lower(), "given", False)
    if _PATRONYMIC_SHAPE.search(lower):
        nominative = _PATRONYMIC_CASE.sub("", lower)
        russian = _PATRONYMIC.get(nominative) or _patronymic_spelling(nominative)
        return UkWord(russian, "patronymic", False)
    if _SURNAME_INSTRUMENTAL.search(lower):
        return UkWord(_russian_spelling(lower[:-2], "surname"), "surname", False)
    for grammeme, role in _NAME_ROLES:
        # Conscripts are men: «Курської» is the feminine surname Курська only as a last
        # resort (it is the region's adjective), «Павло» is not the vocative of Павла.
        named = [p for p in parses if grammeme in p.tag and p.tag.gender != "femn"]
        if not named:
            continue
        nominative = named[0].normal_form
        if role == "given":
            russian = _GIVEN.get(nominative) or _russian_spelling(nominative, role)
        elif role == "patronymic":
            russian = _PATRONYMIC.get(nominative) or _russian_spelling(nominative, role)
        else:
            russian = _russian_spelling(nominative, role)
        return UkWord(russian, role, False)
    if _SURNAME_DATIVE.search(lower):
        stem = lower[:-3] if lower.endswith("ові") else lower[:-1]
        return UkWord(_russian_spelling(stem, "surname"), "surname", False)
    # Only words that cannot be a surname: verbs, adjectives, adverbs… «Айдар» and «Гайсин»
    # are Ukrainian nouns (a forelock, a town) and Russian men's names.
    common = known and all(p.tag.POS in _NOT_NAME_POS for p in parses)
    return UkWord(_nominative(_russian_spelling(lower, None)), None, common)


def _nominative(russian: str) -> str:
    """An ordinary word that may be a surname, in the nominative: «зимним» → зимний."""
    _, ru = _morphs()
    if not ru.word_is_known(russian):
        return russian
    for p in ru.parse(russian):
        if p.tag.POS in {"NOUN", "ADJF"} and "plur" not in p.tag and "Name" not in p.tag:
            form = p.inflect({"nomn", "sing", "masc"} if p.tag.POS == "ADJF" else {"nomn"})
            return form.word if form is not None else russian
    return russian
