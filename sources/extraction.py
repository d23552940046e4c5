"""Extract the conscripts a post is about, with what it claims about them.

Plain Python (no Django) so that it can be tested and benchmarked alone. Input is the text
of one post from a relatives' group, a prisoner-video caption, a death notice or exchange
news, in Russian or Ukrainian. Output is an ``Extraction``: the people the post is ABOUT
(not the mother who signs it, the contact to call or the officials it quotes), each with
the birth date/year, military unit, home region and status the post gives for that person,
plus the phone numbers and video links in the post.

How people are found: natasha's NER marks PER spans, but it misses ALL-CAPS names, names
split by a line break or into two spans, and tags «Разыскиваем» as a person. So the text is
also scanned for runs of capitalised words whose pymorphy tags (Name/Surn/Patr) form a
name; natasha's spans then only vouch for surnames pymorphy does not know. Each name is put
into the nominative by ``conscripts.names.to_nominative``; diminutives become passport
forms with ``canonical_given_name``. Who the post is about is decided from context: women,
public figures, people after a role word («губернатор», «командир») and contacts («пишите
Оле», «звонить Марине Петровне») are dropped.

A man with no birth date or unit of his own must be the subject of a sentence that makes
a claim («пропал», «в плену», …) or names a relation («сын», «брат», «срочник»): a name in
a post about the missing is not enough («Выступали … Виктор Петрович Ломакин»).

Every field is read from the stretch of text that belongs to the person: in a post about
one person, the whole post; with several, from each of his mentions to the next mention of
anyone, while the text before the first name, after the last name's line, and from a word
that speaks of all of them («оба», «все трое») is shared. What a post claims about a
person is the latest of its captured/dead/returned claims that is neither negated («не
погиб») nor hedged («возможно, в плену»); missing when it only says he is missing.
"""

from __future__ import annotations

import os

# natasha's NER runs numpy matrix products; with OpenBLAS's default thread pool on a small
# machine it is ~20x slower than single-threaded. Must be set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import bisect
import functools
import itertools
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers

from conscripts import geo, names
from sources import ukrainian as ukrainian_text

__all__ = [
    "CAPTURED",
    "DEAD",
    "MISSING",
    "RETURNED",
    "STATUSES",
    "Extraction",
    "PersonMention",
    "extract",
    "load_models",
    "normalise_video_url",
]

MISSING, CAPTURED, DEAD, RETURNED = "missing", "captured", "dead", "returned"
STATUSES = (MISSING, CAPTURED, DEAD, RETURNED)
# Internal: a claim that he is STILL held or missing («досі в полоні», «пока остаётся в
# плену», «нет в списке обмена», «по-прежнему числится пропавшим»). Said in his own text, it
# outweighs what the post says of everyone else (an exchange that brought the others back).
_STILL_CAPTURED, _STILL_MISSING = "still-captured", "still-missing"
_STILL = {_STILL_CAPTURED: CAPTURED, _STILL_MISSING: MISSING}


# --------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------


@dataclass
class PersonMention:
    """One person a post is about. Names are nominative, Title-case, ё written е."""

    surname: str
    given_name: str
    patronymic: str | None = None
    birth_date: date | None = None
    birth_year: int | None = None
    unit_number: str | None = None
    region: str | None = None  # canonical Russian name of a federal subject
    status_claim: str | None = None  # one of STATUSES

    def to_dict(self) -> dict[str, Any]:
        return {
            "surname": self.surname,
            "given_name": self.given_name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "birth_year": self.birth_year,
            "unit_number": self.unit_number,
            "region": self.region,
            "status_claim": self.status_claim,
        }


@dataclass
class Extraction:
    people: list[PersonMention] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    video_urls: list[str] = field(default_factory=list)  # normalised https URLs
    status_claim: str | None = None  # the first person's claim, or the post's if no one

    def to_json(self, post_id: str) -> dict[str, Any]:
        return {
            "id": post_id,
            "people": [p.to_dict() for p in self.people],
            "phones": list(self.phones),
            "video_urls": list(self.video_urls),
        }


# --------------------------------------------------------------------------------------
# Models (loaded once, lazily)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Models:
    segmenter: Any
    ner: Any
    morph: Any  # natasha.MorphVocab, a pymorphy analyzer with cached parses


_models: _Models | None = None
_models_lock = threading.Lock()


def load_models() -> None:
    """Load natasha's segmenter, embeddings, NER tagger and morph vocabulary (~1 s).

    Called by ``extract`` on first use; call it yourself to keep the load out of a timing.
    """
    _get_models()


def _get_models() -> _Models:
    global _models
    if _models is None:
        with _models_lock:
            if _models is None:
                from natasha import MorphVocab, NewsEmbedding, NewsNERTagger, Segmenter

                _models = _Models(
                    segmenter=Segmenter(),
                    ner=NewsNERTagger(NewsEmbedding()),
                    morph=MorphVocab(),
                )
    return _models


# --------------------------------------------------------------------------------------
# Phones and video links
# --------------------------------------------------------------------------------------


def _phones(text: str) -> list[str]:
    out: list[str] = []
    for match in phonenumbers.PhoneNumberMatcher(text, "RU"):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if number not in out:
            out.append(number)
    return out


_YT_ID = r"([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])"
_URL_START = r"(?<![\w./@-])(?:https?://)?"
_VIDEO_PATTERNS = (
    (
        re.compile(
            _URL_START + r"(?:www\.)?(?:t|telegram)\.me/(?:s/)?"
            r"(c/\d+|[A-Za-z][A-Za-z0-9_]{3,31})/(\d+)(?![\d/])",
            re.IGNORECASE,
        ),
        lambda m: f"https://t.me/{m.group(1)}/{m.group(2)}",
    ),
    (
        re.compile(
            _URL_START + r"(?:www\.|m\.)?youtube\.com/watch\?(?:[^\s#]*?&)?v=" + _YT_ID,
            re.IGNORECASE,
        ),
        lambda m: f"https://www.youtube.com/watch?v={m.group(1)}",
    ),
    (
        re.compile(
            _URL_START + r"(?:www\.|m\.)?youtube\.com/(?:shorts|live|embed)/" + _YT_ID,
            re.IGNORECASE,
        ),
        lambda m: f"https://www.youtube.com/watch?v={m.group(1)}",
    ),
    (
        re.compile(_URL_START + r"youtu\.be/" + _YT_ID, re.IGNORECASE),
        lambda m: f"https://www.youtube.com/watch?v={m.group(1)}",
    ),
    (
        re.compile(
            _URL_START + r"(?:www\.|m\.)?(?:vk\.com|vkvideo\.ru)/video(-?\d+_\d+)(?![\d_])",
            re.IGNORECASE,
        ),
        lambda m: f"https://vk.com/video{m.group(1)}",
    ),
)


def normalise_video_url(url: str) -> str:
    """The one spelling ``extract`` gives a video link («youtu.be/X» →
    «https://www.youtube.com/watch?v=X»); a link it does not know, unchanged."""
    found = _video_urls(url.strip())
    return found[0] if len(found) == 1 else url.strip()


def _video_urls(text: str) -> list[str]:
    """t.me posts, YouTube and VK videos, as https URLs; every YouTube form becomes watch?v=."""
    found: list[tuple[int, str]] = []
    for pattern, build in _VIDEO_PATTERNS:
        found.extend((m.start(), build(m)) for m in pattern.finditer(text))
    out: list[str] = []
    for _, url in sorted(found):
        if url not in out:
            out.append(url)
    return out


# --------------------------------------------------------------------------------------
# Birth dates, units, regions, status claims
# --------------------------------------------------------------------------------------

_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
    "січ": 1, "лют": 2, "берез": 3, "квіт": 4, "трав": 5, "черв": 6, "лип": 7,
    "серп": 8, "верес": 9, "жовт": 10, "листопад": 11, "груд": 12,
}  # fmt: skip
_MONTH_RE = (
    r"(январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]"
    r"|октябр[яь]|ноябр[яь]|декабр[яь]|січня|лютого|березня|квітня|травня|червня|липня"
    r"|серпня|вересня|жовтня|листопада|грудня)"
)
_DATE = r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)"
_DATE_WORDS = r"(\d{1,2})\s+" + _MONTH_RE + r"\s+(\d{4})"
# «12 марта 2005 г.р.», «8 серпня 2004 року народження»
_BIRTH_DATE_WORDS_MARKED = re.compile(
    _DATE_WORDS + r"(?:\s*(?:г\.|года|року|р\.))?" + r"(?:\s*(?:г\.?\s*р\b\.?|рожд\w*|"
    r"народження|р\.\s*н\b\.?))",
    re.I,
)
# «г.р.», «г. р.», «гр», «г/р», «года рождения», «р.н.», «року народження».
_BIRTH_MARK = (
    r"\s*(?:г\.?\s*р\b\.?|г\s*/\s*р\b\.?|гр\b\.?|г(?:ода|\.)?\s+рожд\w*|р\.\s*н\b\.?"
    r"|р\.\s*р\b\.?|року\s+народження|рік\s+народження)"
)
_BIRTH_DATE_MARKED = re.compile(_DATE + _BIRTH_MARK, re.I)
_BIRTH_YEAR_MARKED = re.compile(r"(?<![\d.])(\d{4}|\d{2})" + _BIRTH_MARK, re.I)
_BIRTH_PREFIXED = re.compile(
    r"(?<![а-яё])(?:род\.|родился|рожд[её]н|д\.\s?р\.|дата\s+рождения:?|народився)"
    r"\s*(?:" + _DATE + "|" + _DATE_WORDS + r"|(?:в\s+)?(\d{4})(?!\d))",
    re.I,
)
# Right after a name: «Иванов Иван (2005)», «ИВАНОВ ИВАН 2005», «Иванов Иван, 10.10.2004»,
# «Громов Виктор\n03.05.2004 – 06.08.2024», «Зимний Роман — 03.05.2005 — Россошь»,
# «Ершов Никита 13.06.2005.», «Тихонов Арсений. 19.02.05.».
_BIRTH_AFTER_NAME = re.compile(
    r"\s*[,(.—–-]?\s*(?:" + _DATE + r"|(\d{4})(?!\d|\.\d))(?=\s|[),;.\n–—-]|$)",
)
_MIN_BIRTH_YEAR, _MAX_BIRTH_YEAR = 1950, 2010


def _year(raw: str) -> int:
    y = int(raw)
    if len(raw) == 2:  # «05 г.р.» → 2005, «98 г.р.» → 1998
        y += 2000 if y <= 30 else 1900
    return y


def _birth(day: str | None, month: str | int | None, year: str) -> tuple[date | None, int] | None:
    y = _year(year)
    if not _MIN_BIRTH_YEAR <= y <= _MAX_BIRTH_YEAR:
        return None
    if day and month:
        m = month if isinstance(month, int) else int(month)
        try:
            return date(y, m, int(day)), y
        except ValueError:
            return None
    return None, y


def _month_number(word: str) -> int:
    word = word.lower()
    for stem, number in sorted(_MONTHS.items(), key=lambda kv: -len(kv[0])):
        if word.startswith(stem):
            return number
    return 0


def _births(text: str) -> list[tuple[int, tuple[date | None, int]]]:
    """Birth dates/years that are marked as such, with their positions."""
    found: list[tuple[int, tuple[date | None, int]]] = []
    taken: list[tuple[int, int]] = []
    for m in _BIRTH_DATE_MARKED.finditer(text):
        b = _birth(m.group(1), m.group(2), m.group(3))
        if b:
            found.append((m.start(), b))
            taken.append(m.span())
    for m in _BIRTH_DATE_WORDS_MARKED.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        b = _birth(m.group(1), _month_number(m.group(2)), m.group(3))
        if b:
            found.append((m.start(), b))
            taken.append(m.span())
    for m in _BIRTH_PREFIXED.finditer(text):
        g = m.groups()
        if g[0]:
            b = _birth(g[0], g[1], g[2])
        elif g[3]:
            b = _birth(g[3], _month_number(g[4]), g[5])
        else:
            b = _birth(None, None, g[6])
        if b:
            found.append((m.start(), b))
            taken.append(m.span())
    for m in _BIRTH_YEAR_MARKED.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        b = _birth(None, None, m.group(1))
        if b:
            found.append((m.start(), b))
    return sorted(found, key=lambda x: x[0])


def _birth_after_name(text: str, end: int) -> tuple[date | None, int] | None:
    m = _BIRTH_AFTER_NAME.match(text, end)
    if not m:
        return None
    if m.group(4):
        return _birth(None, None, m.group(4))
    return _birth(m.group(1), m.group(2), m.group(3))


_UNIT_RE = re.compile(
    r"(?<![а-яёa-z])(?:в\s*[/\\.]\s*ч(?![а-яё])\.?|вч(?![а-яё])\.?|в/ч|"
    r"(?:войсков|воинск|военн|військов)\w*\s+част\w*)"
    r"[\s:]*(?:№\s*)?(?:в\.?\s?ч\.?\s?|[а-яa-z]\s?-?\s?)?(\d{4,6})(?!\d)",
    re.I,
)


def _units(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(1)) for m in _UNIT_RE.finditer(text)]


# Where he is FROM; the place where he went missing («пропал в Судже», «под Суджей»,
# «находился в Курской области») or served («проходил службу под Суджей») never follows one
# of these.
_HOME_TRIGGER = re.compile(
    r"(?<![а-яёіїє])(?:родом\s+(?:из|с|з|із|зі)|родом\s*:|родом\s+(?=[А-ЯЁ])|"
    # The family writes from home: «Пишу вам из Брянской области»; «скоро будет дома в Коврове».
    r"пишу\s+(?:вам\s+)?(?:из|с|з)|дома\s+(?:в|во|у)|урожен(?:ец|ц\w*|к\w*)|уроджен(?:ець|ц\w*)|"
    r"жител[ьяюемий]\w*|мешканц\w*|мешканець|"
    r"(?:проживает|проживающ\w*|проживал|живет|живёт|жил|живем|живём|живут|"
    r"прописан\w*|зарегистрирован\w*)\s+в|(?:призван\w*|призывался|призвали|по\s+призыву)\s+из|"
    r"(?:проживає|проживав|мешкає|мешкав|живе|жив)\s+(?:в|у)|(?:призваний|призвали)\s+з|"
    r"мест\w*\s+(?:жительства|рождения|проживания|регистрации)\s*:?|"
    r"місце\s+(?:проживання|народження)\s*:?|прописка\s*:|"
    # Quoted speech of a prisoner: «я из города Орёл», «я з міста Орел», «сам я из Тулы».
    r"я\s+(?:сам\s+)?(?:родом\s+)?(?:из|з|із)|сам\s+я\s+(?:из|з)|"
    # Form fields: «Откуда: Тульская обл.», «Адрес: …», «Звідки: …».
    r"(?:откуда|адрес|адреса|звідки|город|місто|регион|регіон|населенный\s+пункт)\s*:|"
    # Born in: «Народився 2 лютого 2005 року в Курській області», «родился в Рыльске».
    r"(?:вырос|виріс)\s+(?:в|у|во)|(?:родился|народився|рожд[её]н|народжений)"
    r"(?:\s+и\s+вырос|\s+і\s+виріс)?(?:\s+[\d.]+(?:\s+[а-яёіїє]+)?"
    r"(?:\s+\d{4})?(?:\s+(?:року|года|г\.))?)?\s+(?:в|у|во)|"
    # Reported speech: «говорит своё имя и что из Тамбова», «каже, що з Орла».
    r"(?:что|що)\s+(?:он\s+|він\s+)?(?:сам\s+)?(?:родом\s+)?(?:из|з|із)|"
    # «Прощание в родном Ельце», «в родной Элисте», «в родном селе Бураево».
    r"родн(?:ом|ой|ую|ое|ому)\s+(?:город\w*|сел\w*|посёлк\w*|поселк\w*|аул\w*)?|"
    # «Школа №3 г. Кинешмы с болью сообщает: погиб наш выпускник».
    r"(?:школ|лице|гимнази)\w*\s+(?:№\s*\d+\s+)?|"
    # Drafted by a district's commissariat: «призван Новошахтинским военкоматом Ростовской
    # области».
    r"призван\w*\s+(?=(?:[А-ЯЁ][\w-]+\s+){1,2}(?:районн\w+\s+)?военкомат))\s*",
    re.I,
)
# «из города Губкин», «з міста Орел», «из села Ивановка Курской области»: a settlement word
# after «из» names where he comes from, unless something was moved out of it («вывезли из
# села», «эвакуировали из Суджи», «вышли из города»).
_FROM_SETTLEMENT = re.compile(
    r"(?<![а-яёіїє])(?:из|з|із|зі|с)\s+(?=(?:города|г\.|гор\.|міста|м\.|села|с\.|поселка|посёлка|"
    r"пос\.|п\.|пгт|селища|деревни|д\.|станицы|ст\.|смт)\s*[А-ЯЁІЇЄ])",
    re.I,
)
_MOVED_OUT = re.compile(
    r"(?:вывез|вывоз|эвакуир|евакуй|вышл|выш[её]л|ушл|уш[её]л|выбил|выбит|выгнал|отступ|"
    r"вывел|выехал|бежал|уехал|прорвал|наступ|вошл|зашл|штурм|освобод|звільн)\w*\s+$",
    re.I,
)
# A bare «из X» counts only after a word that makes it someone's origin: «он из Курска»,
# «Мы сами из Белгорода», «Оба из Курской области», «(2005) из Липецкой области», or at the
# start of a line of a card («в/ч 61424\nиз Башкирии»).
_BARE_FROM = re.compile(r"(?<![а-яёіїє])(?:из|з|із|зі|с|из-под)\s+(?=[А-ЯЁІЇЄ])", re.I)
_ORIGIN_WORDS = frozenset(
    ("он", "сам", "сама", "земляк", "парень", "сын", "брат", "муж", "срочник", "він", "родом",
     "хлопець", "юнак", "солдат", "строковик", "полонений", "боец", "боєць", "военнослужащий",
     "військовослужбовець", "призывник")
)  # fmt: skip
# «мальчишками из Большесолдатского района», «срочник из Курска»: the man or men before «из».
_ORIGIN_STEMS = (
    "мальчишк", "ребят", "парн", "парен", "сын", "брат", "хлопц", "хлопч", "срочник",
    "строковик", "земляк", "солдат", "бойц", "призывник", "военнослужащ", "внук", "муж",
    "полонен", "пленн", "юнош", "військовослужбовц", "хлопець", "пацан",
)  # fmt: skip
_FAMILY_STEMS = (
    "родн", "родител", "семь", "рідн", "батьк", "мама", "мать", "матер", "отец", "папа",
    "сестра", "бабушк", "родственник",
)  # fmt: skip
_PEOPLE_STEMS = ("мальчишк", "ребят", "парн", "хлопц", "хлопч", "земляк", "пацан", "юнош")
_PLURAL_ENDINGS = ("и", "ы", "ами", "ями", "ах", "ях", "ов", "ей", "ам", "ям", "ців")
# Said of the family or of everyone in the post: the region goes to every person.
_COLLECTIVE_ORIGIN_WORDS = frozenset(
    ("мы", "сами", "оба", "обе", "все", "трое", "двое", "четверо", "земляки", "семьи", "семья",
     "ребята", "ребят", "хлопці", "обидва", "обоє", "усі", "всі", "парни", "двоє", "троє",
     "близнецы", "близнюки", "братья", "брати")
)  # fmt: skip
_PLACE_PREFIX = re.compile(
    r"^(?:г\.|г\s|город[а-я]*\s|гор\.|с\.|село\s|села\s|пос\.|п\.|пгт\.?\s?|д\.|м\.|а\.|х\.|"
    r"аул[а-я]*\s|хутор[а-я]*\s|"
    r"міст[оа]\s|сел[оа]\s|селища\s|смт\.?\s?|поселк[а-я]*\s|посёлк[а-я]*\s|деревн[а-я]*\s|"
    r"станиц[а-я]*\s|ст\.)\s*",
    re.I,
)
_PHRASE_STOP = re.compile(r"[,.;:!?()\[\]«»\"\n•—–]|\s-\s|\s(?:и|та|і|й|а|но|або|или)\s")
_REGIONISH_CHUNK = re.compile(
    r"^\s*(?:(?:г|пос|с|пгт|м)\.\s*[А-ЯЁ]|[А-ЯЁ][а-яё-]+(?:ая|ий|ой|ой)\s+(?:обл\.?|область|край)\b|"
    r"[А-ЯЁ][а-яё-]+(?:ий|ый|ой|ого)\s+(?:р-н|р-на|район|района|округ|округа)\b|"
    r"Республика\s+[А-ЯЁ]|Республики\s+[А-ЯЁ]|Респ\.\s*[А-ЯЁ]|"
    r"[А-ЯЁ][а-яё-]+(?:ая|ой)\s+(?:обл\.?|области)\b)",
)
# Ukrainian place names in Russian letters: «Курської області» → «Курской области»,
# «з Рильська» → «Рыльска» (Ukrainian и is often Russian ы: both spellings are tried).
_UK_ADJECTIVE_FIXES = (
    # з before ськ is Russian ж: «Воронезької», «Калузька» → Воронежской, Калужская.
    ("зької", "жской"), ("зька", "жская"), ("зьку", "жскую"),
    ("ську", "скую"), ("цьку", "цкую"), ("ній", "ний"), ("ньо", "не"),
    ("ців", "цов"), ("ків", "ков"),
    ("ської", "ской"), ("цької", "цкой"), ("ська", "ская"), ("цька", "цкая"),
    ("ському", "ском"), ("ського", "ского"), ("ський", "ский"), ("області", "области"),
    ("краю", "края"), ("району", "района"),
)  # fmt: skip
_UK_LETTER_FIXES = (
    ("ього", "его"), ("ньої", "ней"), ("ця", "ца"), ("ськ", "ск"), ("цьк", "цк"), ("ць", "ц"),
    ("ньо", "не"), ("і", "и"),
    ("І", "И"), ("ї", "и"), ("є", "е"), ("Є", "Е"),
    ("ґ", "г"),
)  # fmt: skip
_UK_LETTERS = re.compile(r"[іїєґІЇЄҐ]|ськ|цьк|зьк|ього|ньої")
_UK_HARD_I = re.compile(r"(?<=[рлнтдсзмпбвфкщ])и", re.I)


def _hard_i_variants(word: str) -> list[str]:
    """Each Ukrainian и after a hard consonant as Russian и or ы: «Калмикия» → Калмыкия."""
    spots = [m.start() for m in _UK_HARD_I.finditer(word)][:3]
    out = []
    for choice in itertools.product((False, True), repeat=len(spots)):
        chars = list(word)
        for spot, hard in zip(spots, choice, strict=True):
            if hard:
                chars[spot] = "ы"
        out.append("".join(chars))
    return out


def _uk_candidates(candidate: str) -> list[str]:
    if not _UK_LETTERS.search(candidate):
        # «Грозний», «Еліста», «Брянщини» spelled the Ukrainian way without a letter of
        # Ukrainian's own.
        out = _hard_i_variants(candidate)
        if candidate[:1] == "Е":
            out.append("Э" + candidate[1:])
        return list(dict.fromkeys(out))
    out = []
    # Ukrainian і stands for Russian и, е or о: «Білгород» is Белгород, «Кіров» Киров.
    i_variants = [candidate]
    if 0 < candidate.count("і") <= 2:
        i_variants = [
            "".join(a + b for a, b in zip(candidate.split("і"), (*choice, ""), strict=False))
            for choice in itertools.product("иео", repeat=candidate.count("і"))
        ]
    for base in i_variants:
        for fixes in (_UK_ADJECTIVE_FIXES + _UK_LETTER_FIXES, _UK_LETTER_FIXES):
            fixed = base
            for a, b in fixes:
                fixed = fixed.replace(a, b)
            variants = _hard_i_variants(fixed)
            if fixed[:1] == "Е":
                variants.append("Э" + fixed[1:])
            for variant in variants:
                if variant not in out:
                    out.append(variant)
    return out


_DISTRICT_WORDS = ("район", "р-н", "округ", "улус", "кожуун", "области", "обл", "края", "район")


@functools.lru_cache(maxsize=20_000)
def _resolve_place(phrase: str, place_context: bool = False) -> str | None:
    """Canonical region of the place a phrase starts with, trying the longest words first.

    With a settlement word before the name («г. Губкин», «из города Курчатова») or in a
    context that can only name a place (``place_context``: «житель …», «родом из …»), a
    town whose name is also a word or a surname resolves too.
    """
    phrase = phrase.strip()
    prefix = _PLACE_PREFIX.match(phrase)
    if prefix:
        phrase = phrase[prefix.end() :]
    town_word = "г. " if prefix or place_context else ""
    words = phrase.split()[:6]
    for n in range(len(words), 0, -1):
        if n < len(words) and words[n].lower().startswith(_DISTRICT_WORDS):
            # «из Жуковского района»: a district shared by two regions is not the town
            # Жуковский; «Курской области» is not a woman named Курская.
            continue
        raw = " ".join(words[:n])
        for candidate in _uk_candidates(raw):
            if len(candidate) < 3 or not candidate[0].isupper():
                continue
            if candidate.isupper():
                candidate = candidate.title()
            region = geo.resolve_region(candidate)
            if region is None and town_word:
                region = geo.resolve_region(town_word + candidate)
            if region is not None:
                return region.name_ru
    return None


def _phrase_after(text: str, pos: int) -> str:
    """The words after ``pos`` up to punctuation, a settlement word («г.», «села») kept."""
    rest = text[pos : pos + 90]
    prefix = _PLACE_PREFIX.match(rest)
    start = prefix.end() if prefix else 0
    stop = _PHRASE_STOP.search(rest, start)
    return rest[: stop.start()] if stop else rest


def _collective_before(text: str, pos: int) -> bool:
    before = text[max(0, pos - 20) : pos].lower().split()
    return (bool(before) and before[-1] in _COLLECTIVE_ORIGIN_WORDS) or _collective_sentence(
        text, pos
    )


def _collective_sentence(text: str, pos: int) -> bool:
    """«Обидва — строковики, з …», «Оба служили …, родом из …»: a sentence about all."""
    start = max(text.rfind(c, 0, pos) for c in ".!?\n") + 1
    first = re.match(r"\W*(\w+)", text[start:pos])
    return bool(first) and first.group(1).lower() in _COLLECTIVE_ORIGIN_WORDS


def _home_regions(
    text: str, origin_ok: Callable[[int], bool] | None = None
) -> list[tuple[int, str, bool]]:
    """Home regions named in a text: (position, region, said of everyone in the post)."""
    found: list[tuple[int, str, bool]] = []
    for m in _HOME_TRIGGER.finditer(text):
        region = _resolve_place(_phrase_after(text, m.end()), True)
        if region:
            found.append((m.start(), region, _collective_before(text, m.start())))
    for m in _FROM_SETTLEMENT.finditer(text):
        if _MOVED_OUT.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        if any(abs(p - m.start()) <= 12 for p, _, _ in found):
            continue
        region = _resolve_place(_phrase_after(text, m.end()), True)
        if region:
            found.append((m.start(), region, _collective_before(text, m.start())))
    for m in _BARE_FROM.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        prev = re.search(r"(\w+)\W*$", before)
        prev_word = prev.group(1).lower() if prev else ""
        # «Родные из Элисты ищут …», «Семья Кондратьевых из Арзамаса»: his family's home.
        two_before = [w.lower() for w in re.findall(r"\w+", before)[-2:]]
        family = any(w.startswith(_FAMILY_STEMS) for w in two_before)
        stripped = before.rstrip(" \t")
        # «мальчишками из Большесолдатского района», «Ребята из Саратова» speak of all the
        # men named; «срочники из Курской области» in exchange news is where they served.
        collective = (
            prev_word in _COLLECTIVE_ORIGIN_WORDS
            or (prev_word.startswith(_PEOPLE_STEMS) and prev_word.endswith(_PLURAL_ENDINGS))
            or _collective_sentence(text, m.start())
        )
        plural_military = prev_word.startswith(_ORIGIN_STEMS) and prev_word.endswith(
            _PLURAL_ENDINGS
        )
        ok = (
            collective
            or family
            or prev_word in _ORIGIN_WORDS
            or (prev_word.startswith(_ORIGIN_STEMS) and not plural_military)
            or stripped.endswith((")", ",", "г.р.", "г.р", "\n", "—", "–", "-"))
            # «… Служил по призыву, в/ч 61899. Из Кимр, Тверская область.»
            or (text[m.start()] == "И" and stripped.endswith((".", "!")))
            or not stripped
            or (origin_ok is not None and origin_ok(m.start()))
        )
        if not ok or any(abs(p - m.start()) <= 12 for p, _, _ in found):
            continue
        if _MOVED_OUT.search(before[-30:]):
            continue
        origin_word = collective or prev_word in _ORIGIN_WORDS or ok
        region = _resolve_place(_phrase_after(text, m.end()), origin_word)
        if region:
            found.append((m.start(), region, collective))
    for m in _ADJECTIVE_ORIGIN.finditer(text):
        region = _resolve_place(m.group(1) + " район")
        if region:
            found.append((m.start(), region, False))
    found.extend(_demonym_regions(text))
    return sorted(found)


# «Елецкий срочник Антон Пчёлкин»: the adjective of his district or town.
_ADJECTIVE_ORIGIN = re.compile(
    r"(?<![\w-])([А-ЯЁ][а-яё-]+(?:ский|цкий))\s+(?:срочник|боец|солдат|военнослужащий|парень|"
    r"призывник|строковик)(?![а-яё])"
)
# Triggers that say where he was born or comes from, not where he lives or is: in a post
# about one man they outweigh a bare «з Курщини» said before them.
_BIRTH_ORIGIN = re.compile(
    r"родом|урожен|уроджен|родил|народив|рожд|народж|место\s+рождения|місце\s+народження|"
    r"я\s+(?:сам\s+)?(?:родом\s+)?(?:из|з|із)",
    re.I,
)


_DEMONYM_SHAPE = re.compile(
    r"(?<![а-яёіїєa-z-])[а-яё-]+(?:н|нин|нина|нину|нином|нине|не|нам|нами|нах|ц|ца|цу|цом|це|цы|"
    r"цев|цам|цами|цах|к|ка|ку|ком|ке|ки|ков|кам|ками|ках|ч|ча|чу|чом|че|чи|чей|чам|чами|чах)"
    r"(?![а-яёіїєa-z-])",
    re.I,
)


@functools.lru_cache(maxsize=8)
def _demonym_regions(text: str) -> list[tuple[int, str, bool]]:
    """«туляк», «курянина», «оба брянцы»: a demonym names the home region (plural: of all)."""
    forms = geo.demonym_forms()
    found = []
    for m in _DEMONYM_SHAPE.finditer(text):
        word = m.group().lower().replace("ё", "е")
        hit = forms.get(word)
        if hit:
            region = geo.region_by_code(hit[0])
            if region is not None:
                found.append((m.start(), region.name_ru, hit[1]))
        elif m.group()[0].isupper() or len(word) > 6:
            derived = geo.resolve_demonym(word)
            if derived is not None:
                found.append((m.start(), derived.name_ru, word.endswith(("не", "цы", "ки"))))
    return found


# Where a death notice says goodbye: «В Нерюнгри простились с земляком», «у Липецькій
# області поховали», «похоронили … в селе Губден», «Прощание … в Доме культуры г. Рыльска».
# Conscripts are buried at home. Where he came back to: «В Туву вернулся», «домой, в
# Овюрский кожуун».
_PLACE_BEFORE_VERB = re.compile(
    r"(?<![а-яёіїє])[ВвУу]о?\s+(?P<place>[^.!?\n]{3,60}?)\s+(?:простились|попрощались|"
    r"похоронили|проводили|поховали|попрощалися|простилися|вернул(?:ся|ись)|повернув(?:ся|ися)|"
    r"повернул(?:ся|ися))(?![а-яё])"
)
_PLACE_AFTER_VERB = re.compile(
    r"(?<![а-яёіїє])(?:простились|похоронили|похоронен\w*|поховали|прощание|прощання|"
    r"погребени\w*|домой,?|додому,?)(?P<rest>[^.!?\n]{0,100})",
    re.I,
)
_DIED_THERE = re.compile(r"(?:погиб|загин|служ|погибш)\w*\s*$|(?:погиб|загин|погибш)\w*\s", re.I)
_SETTLEMENT_IN = re.compile(
    r"(?<![а-яёіїє])(?:в|во|у)\s+(?=(?:селе|с\.|городе|г\.|аул\w*|а\.|пос[её]лке|пос\.|"
    r"станице|ст\.|деревне|д\.|[А-ЯЁ]))"
)
# An administration speaking of its own people: «Администрация Рыльского района …
# нашего земляка», «Глава Обоянского района встретил … земляка», «Губернатор Брянской
# области: Дорогие земляки!».
_ADMINISTRATION = re.compile(
    r"(?<![а-яёіїє])(?:администраци\w*|адміністраці\w*|глав[аы]|губернатор\w*|мэри\w*|"
    r"врио)\s+(?:муниципального\s+(?:района|образования)\s+|МО\s+|городского\s+округа\s+)?[«\"]?",
    re.I,
)
_DISTRICT_SPEAKS = re.compile(
    r"\W*(?P<place>[А-ЯЁ][\w-]+(?:ий|ый|ой)\s+(?:муниципальный\s+)?(?:район|округ|улус|кожуун))"
    r"\s+(?:с\s+\w+\s+)?(?:сообща|извеща|информиру)"
)
_OWN_PEOPLE = re.compile(
    r"(?<![а-яёіїє])(?:земляк\w*|односельчан\w*|наш\w*\s+(?:выпускник\w*|жител\w*)|"
    r"гибел\w*|погиб\w*|прощани\w*|похорон\w*)",
    re.I,
)


# A place, or a school or administration of one, that mourns, greets or announces:
# «Горно-Алтайск скорбит», «МБОУ «СОШ №2 г. Рославль» скорбит», «Зеленодольск встречает
# сына», «Администрация Глушковского района информирует».
_PLACE_SPEAKS = re.compile(
    r"(?<=[\w»\"])\s+(?:с\s+(?:радостью|болью|гордостью|прискорбием)\s+)?"
    r"(?:скорбит|скорбят|сообщает|сообщают|информирует|извещает|поздравляет|поздравляют|"
    r"встречает|встречают|гордится|прощается|помнит|ждёт|ждет)(?![а-яё])",
    re.I,
)


def _speaking_place(text: str, verb_start: int) -> str | None:
    """The place named in the up to four words before a verb of ``_PLACE_SPEAKS``."""
    line_start = max(text.rfind(c, 0, verb_start) for c in ".!?\n") + 1
    words = re.sub(r"[«»\"“”]", " ", text[line_start:verb_start]).split()[-4:]
    for k in range(len(words)):
        phrase = " ".join(words[k:])
        if phrase[:1].isupper() or phrase.startswith(("г.", "с.", "пос.")):
            region = _resolve_place(phrase)
            if region:
                return region
    return None


def _community_regions(text: str) -> list[tuple[int, str]]:
    """Places a post speaks from: a farewell or burial place, the place he came back to,
    an administration that speaks of «our countryman», a place that mourns or greets him.
    Said of everyone in the post."""
    found: list[tuple[int, str]] = []
    for m in _PLACE_SPEAKS.finditer(text):
        region = _speaking_place(text, m.start())
        if region:
            found.append((m.start(), region))
    for m in _PLACE_BEFORE_VERB.finditer(text):
        region = _resolve_place(m.group("place"), True)
        if region:
            found.append((m.start(), region))
    for m in _PLACE_AFTER_VERB.finditer(text):
        rest_start = m.start("rest")
        for place in _SETTLEMENT_IN.finditer(m.group("rest")):
            if _DIED_THERE.search(m.group("rest")[: place.start()]):
                break  # «простились с погибшим в Курской области»: where he died
            region = _resolve_place(_phrase_after(text, rest_start + place.end()), True)
            if region:
                found.append((m.start(), region))
                break
    if _OWN_PEOPLE.search(text):
        head = _DISTRICT_SPEAKS.match(text)
        if head:
            region = _resolve_place(head.group("place"))
            if region:
                found.append((0, region))
        for m in _ADMINISTRATION.finditer(text):
            region = _resolve_place(_phrase_after(text, m.end()))
            if region:
                found.append((m.start(), region))
    return sorted(found)


_CARD_PLACE_LINE = re.compile(
    r"^[^\w\n]*(?:(?:г\.|гор\.|город|пос\.|с\.|пгт|м\.|смт)\s*[А-ЯЁ][^\n,;()]*"
    r"|[А-ЯЁ][а-яё-]+(?:ий|ый|ой|ого)\s+(?:р-н|р-на|район|района)[^\n;()]*"
    # «Самарская обл г.Сызрань», «Республика Бурятия, г. Кяхта» alone on a line
    r"|[А-ЯЁ][а-яё-]+(?:ая|ий|ой)\s+(?i:обл\.?|область|край)"
    # «Липецкая обл., Данковский р-н, с. Бигильдино»
    r"(?:[ ,]+[А-ЯЁ][а-яё-]+(?:ий|ый|ой)\s+(?i:р-н|район))?"
    r"(?:[ ,]+(?i:г\.|с\.|пос\.|д\.)\s*[А-ЯЁ][\w-]*)?"
    r"|Республика\s+[А-ЯЁ][\w-]*(?:[ ,]+(?:г\.|с\.|пос\.)\s*[А-ЯЁ][\w-]*)?)[^\w\n]*$",
    re.M,
)


def _card_place_regions(text: str) -> list[tuple[int, str]]:
    """A line with only a town on it, in a card-style post: «в/ч 51460\nг. Набережные Челны»."""
    found = []
    for m in _CARD_PLACE_LINE.finditer(text):
        line = m.group()
        region = _resolve_place(line[re.search(r"[^\W\d_]", line).start() :].rstrip(" \t.•·*-"))
        if region:
            found.append((m.start(), region))
    return found


def _list_item_region(line: str) -> str | None:
    """«• Назаров Евгений Павлович, 2004 г.р., г. Курчатов»: a bare place in a list item."""
    for chunk in re.split(r"[,;()]", line)[1:]:
        if _REGIONISH_CHUNK.match(chunk):
            region = _resolve_place(chunk)
            if region:
                return region
    return None


# Abbreviations a full stop does not end a sentence after («г. Ачинск», «Курская обл.»).
_DOT_ABBREVIATIONS = frozenset(
    ("г", "с", "м", "п", "д", "х", "а", "ст", "обл", "гор", "пос", "пгт", "респ", "ул", "р-н",
     "вч", "в/ч", "в.ч", "р", "н", "р.н", "г.р", "т")
)  # fmt: skip


def _split_sentences_for_places(segment: str) -> str:
    """Full stops that end sentences become «;», so a place is never read across them."""

    def repl(m: re.Match[str]) -> str:
        word = re.search(r"([\w/.-]+)$", segment[: m.start()])
        if word and word.group(1).lower().lstrip(".") in _DOT_ABBREVIATIONS:
            return m.group()
        return ";"

    return re.sub(r"\.\s+", repl, segment)


_AFTER_NAME_SPLIT = re.compile(r"[,;()«»\"]|\s[—–-]\s|:\s")
_REGION_WORD = re.compile(
    r"(?<![а-яёіїє])(?:обл\.?|област\w*|край|краю|республик\w*|республік\w*|респ\.|"
    r"район\w*|р-н\w*|округ\w*|АО)(?![а-яёіїє])",
    re.I,
)
_NOT_A_PLACE_CHUNK = re.compile(
    r"(?<![а-яёіїє])(?:служ|проход|пропал|пропав|зник|наход|перебува|воев|погиб|загин|"
    r"попал|потрап|под\b|біля|возле|на\s+границ|на\s+кордон|был\b|была\b|були\b|був\b|"
    r"последн|останн|место\b|місце\b|кпп|застав|позиц|направ|перебро|отправ|відправ|"
    r"срочн|строков)",
    re.I,
)


def _region_after_name(text: str, start: int, end: int, *, list_item: bool = False) -> str | None:
    """The place written right after a name, in the same line: «Абдуллин Ренат —
    Республика Башкортостан», «Іслам Ахмадов (2004 р.н., Грозний)», «Жук Андрій, 18.09.2004
    р.н., Бєлгородська область, м. Шебекіне», «Кравцов Дмитро (Льгов)»."""
    segment = _split_sentences_for_places(text[start:end])
    for n, chunk in enumerate(_AFTER_NAME_SPLIT.split(segment)[1:7]):
        chunk = chunk.strip(" .•·*\t")
        if not chunk:
            continue
        if _NOT_A_PLACE_CHUNK.search(chunk):
            break  # from here on the places are where he served or went missing
        prefixed = _PLACE_PREFIX.match(chunk) is not None
        words = chunk.split()
        bare_town = 1 <= len(words) <= 3 and all(w[:1].isupper() for w in words)
        if not (prefixed or (_REGION_WORD.search(chunk) and chunk[0].isupper()) or bare_town):
            continue
        # In a list item («2) Перевощиков Илья, 2004 г.р. — Глазов») a bare word after the
        # name can only be his town, even one named like an everyday word.
        in_brackets = n == 0 and segment.lstrip(" ,").startswith("(")
        region = _resolve_place(chunk, prefixed or ((list_item or in_brackets) and bare_town))
        if region:
            return region
        if n > 4:
            break
    return None


def _c(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<![а-яёіїєґ])(?:" + "|".join(patterns) + r")", re.I)


# Order matters only for overlaps: a returned claim («вернулся из плена») masks the captured
# words inside it.
_CLAIMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        _STILL_CAPTURED,
        _c(
            r"(?:досі|до\s+сих\s+пор|вс[её]\s+ещ[её]|по-прежнему|пока|ще|все\s+ще|"
            r"залиша\w+|остал\w+|оста[её]тся|остаются|залишил\w+)\s+(?:\w+\s+){0,2}"
            r"(?:в|у)\s+(?:плену|полоні)",
            r"(?:нет|немає|нема|не\s+было|не\s+було)\s+(?:\w+\s+){0,2}(?:в|у)\s+списк\w*",
            r"(?:в|у)\s+списк\w*\s+(?:\w+\s+){0,2}(?:нет|немає|нема)\b",
            r"не\s+(?:включил|включ|потрапи|попал|внес|внесл)\w*\s+(?:\w+\s+){0,3}"
            r"(?:в|у|до)\s+спис\w*",
            r"(?:в|у|до)\s+списк?\w*\s+(?:\w+\s+){0,3}не\s+(?:потрапи|попал|включ|внес)\w*",
        ),
    ),
    (
        _STILL_MISSING,
        _c(
            r"(?:досі|до\s+сих\s+пор|вс[её]\s+ещ[её]|по-прежнему|пока)\s+(?:\w+\s+)?"
            r"(?:числ|знач|вважа)\w+\s+(?:\w+\s+)?(?:пропавш|зникл)\w*",
        ),
    ),
    (
        RETURNED,
        _c(
            r"(?:вернул|освобо[дж]|вызвол|вытащил|обменял)\w*\s+(?:\w+\s+)?из\s+плена",
            r"(?:повернул|звільн)\w*\s+(?:\w+\s+)?з\s+полону",
            r"вернул(?:ся|ась|ись|и)\b",
            r"удалось\s+вернуть",
            r"обменян\w*",
            r"обменял[иа]\b",
            r"вернувш\w+",
            r"(?:уже|наконец|снова|теперь)\s+дома\b",
            r"\bдома\s*!",
            r"повернул(?:ся|ася|ися|и)\b",
            r"повернувс\w*",
            r"обміня(?!ти)\w+",
            r"возвращ[её]н\w*",
            r"повернут\w*",
            r"передан\w*\s+(?:российской\s+стороне|в\s+россию|россии)",
            r"освобожд[её]н\w*",
            # Exchange news: «по обмену», «в результате обмена», «Обмін відбувся», «Серед
            # переданих росії», «росія отримала», «повернулися до мам», «Він уже вдома».
            r"(?:по|в\s+результате|в\s+ходе|в\s+рамках|после|у\s+межах|в\s+межах|під\s+час|"
            r"після|внаслідок)\s+(?:\w+\s+)?(?:обмен|обмін)\w*",
            r"(?:обмен|обмін)\w*\s+(?:состоял|відбув|прош[её]л|пройшов)\w*",
            r"(?:среди|серед)\s+(?:переданных|переданих|вернувшихся|повернених|обменянных)",
            r"передал[иа]\s+(?:росії|россии|рф|российской\s+стороне|російській\s+стороні)",
            r"(?:росія|россия)\s+(?:отримала|получила|забрала)",
            r"(?:уже|вже|нарешті|тепер)\s+(?:дома|вдома|удома)\b",
            r"\bдома[,!\s]+жив",
            r"\bвдома\s*!",
            r"повернул\w*\s+(?:до|додому|домой)",
            r"возвращени\w*\s+(?:\w+\s+){0,2}(?:из\s+)?(?:\w+\s+)?плена",
            r"(?:росії|россии)\s+(?:\w+\s+)?передал\w*",
        ),
    ),
    (
        DEAD,
        _c(
            r"погиб\w*",
            r"(?:о|про)\s+(?:гибели|загибель|загибелі)",
            r"гибел\w*\s+(?:подтвердил\w*|подтвержден\w*)",
            r"подтвержден\w*\s+гибел\w*",
            r"подтвердил\w*\s+гибел\w*",
            r"тел[оа]\s+опознан\w*",
            r"опознал\w*\s+тел\w*",
            r"похорон\w*",
            r"груз\w*[\s-]*200",
            r"вечная\s+память",
            r"светлая\s+память",
            r"простились",
            r"прощание",
            r"загин\w+",
            r"загибл\w+",
            r"убит\b",
            r"убиты\b",
            r"скончал\w+",
            r"умер\b",
            r"помер\w*",
            r"покойся\s+с\s+миром",
            r"спи\s+спокойно",
            r"(?:больше\s+)?нет\s+с\s+нами",
            r"не\s+стало\b",
            r"(?:вічна|світла)\s+пам'?ять",
            r"(?:повернул|вернул|передал|передан)\w*\s+(?:\w+\s+)?(?:тілом|телом)",
            r"гибел\w*",
        ),
    ),
    (
        CAPTURED,
        _c(
            r"в\s+плену",
            r"(?:в|у)\s+(?:украинском|українському|ворожому|вражеском)\s+(?:плену|полоні)",
            r"в\s+плен\b",
            r"(?<!обмен\s)(?<!обмена\s)пленн\w+",
            r"(?:видео|ролик\w*|кадр\w*)\s+из\s+плена",
            r"обменн\w+\s+фонд\w*",
            r"в\s+списк\w+\s+на\s+обмен",
            r"[ву]\s+полон[іу]",
            r"[ву]\s+полон\b",
            r"полонен\w*",
            r"полонян\w*",
            r"полонил\w*",
            r"потрапи\w*\s+(?:у|в)\s+полон",
            # The sarcastic name Ukrainian channels give prisoners: «освободитель» Курщины.
            r"[«\"“]\s*(?:освободител|визволител)\w*",
            # Relatives recognising him on a video; a prisoner giving his name on one.
            r"(?:узнал|нашл|нашел|нашёл|увидел|впізнал|побачил|опознал)\w*\s+(?:\w+\s+){0,3}"
            r"(?:на|в)\s+(?:видео|відео|ролике|кадрах)",
            r"(?:называет|назвал|говорит|произносит)\s+сво[её]\s+(?:имя|фамилию)",
            r"представи(?:вся|лся)",
            r"(?:ждём|ждем|ожидаем|чекаємо)\s+(?:на\s+)?(?:обмена|обмін)",
            r"(?:попасть|внести|включить)\s+(?:\w+\s+)?в\s+списки",
        ),
    ),
    (
        MISSING,
        _c(
            r"пропал\w*",
            r"пропавш\w*",
            r"без\s+вести",
            r"не\s+выход\w*\s+на\s+связь",
            r"на\s+связь\s+не\s+выход\w*",
            r"нет\s+связи",
            r"связи\s+нет",
            r"связь\s+(?:пропала|потеряна|потерялась|прервалась)",
            r"(?:пропала|потерялась|потеряна|прервалась)\s+связь",
            r"ищем\b",
            r"ищу\b",
            r"ищ(?:ет|ут)\b",
            r"перестал\w*\s+выходить\s+на\s+связь",
            r"последн\w+\s+(?:раз\s+)?(?:выход\w*|выходил\w*|был\w*)\s+на\s+связ\w*",
            r"последн\w+\s+(?:связь|звон\w*)",
            r"судьба\s+неизвестна",
            r"местонахождение\s+неизвестно",
            r"разыскива\w+",
            r"помогите\s+найти",
            r"отзовитесь",
            r"шука\w+",
            r"зник\w*",
            r"безвісти",
            r"не\s+виходить\s+на\s+зв",
            r"связи\s+с\s+(?:ним|сыном|братом|мужем)\s+нет",
            r"нет\s+связи",
            r"(?:нет|не)\s+на\s+связи",
            r"связь\s+с\s+(?:ним|сыном|братом|мужем)\s+(?:пропала|потеряна|прервалась|оборвалась)",
            r"(?:позвонил|звонил|писал|выходил\s+на\s+связь)\w*\s+(?:в\s+)?последний\s+раз",
            r"последний\s+раз\s+(?:позвонил|звонил|писал)",
            r"помо\w+\s+в\s+(?:поиске|поисках|розыске)",
            r"(?:в\s+)?розыск\w*",
            r"(?:немає|нема)\s+зв'?язку",
            r"зв'?язок\s+(?:зник|обірвався|втрачено)",
            r"(?:шукаємо|шукає|шукають|розшук)\w*",
            r"(?:кто[- ]?нибудь|кто[- ]?то)\s+(?:что[- ]?(?:то|нибудь)\s+)?(?:знает|видел|слышал)",
            r"искать\b",
            r"не\s+мо(?:жет|гут|жем)\s+узнать",
            r"о\s+судьбе",
            r"ничего\s+не\s+известно",
            r"(?:ни|не)\s+один\s+не\s+выход\w*\s+на\s+связь",
            r"без\s+связи",
            r"не\s+отвеча(?:ет|ют)",
            r"перестал\w*\s+(?:звонить|писать|отвечать)",
            r"с\s+тех\s+пор\s+(?:ничего|тишина)",
        ),
    ),
)
_EXCHANGE_OF_PRISONERS = re.compile(
    r"обмен\w*\s+(?:военно)?пленн\w+|обмін\w*\s+полонен\w+"
    # «Його тіло повернули рідним», «тело передали родным»: his body, not him, came back.
    r"|(?:тіло|тело|тела|останки)\s+(?:\w+\s+)?(?:повернул|вернул|передал|передан|привезл)\w*"
    # «переходим к работе по обмену»: work towards an exchange, not one that happened.
    r"|работ\w*\s+по\s+(?:\w+\s+)?(?:обмен|обмін|возвращени|повернен)\w*",
    re.I,
)
_NEGATION = re.compile(r"(?:^|\s)(?:не|ни|нет|так\s+и\s+не|не\s+был[аи]?)\s*$", re.I)
_HEDGE = re.compile(
    r"(?<![а-яё])(?:возможно|может|вероятно|предположительно|надеял\w*|надеемся|надеюсь|"
    r"если|или|либо|слух\w*|якобы|можливо|не\s+знаем|сказали\s+что\s+не|якщо|або|чи|"
    r"мабуть|ймовірно|похож\w*|схож\w*|ошибочно|помилково|считал\w*|вважал\w*)(?![а-яё])",
    re.I,
)
_RESOLUTIONS = (CAPTURED, DEAD, RETURNED)


def _claims(text: str) -> list[tuple[int, str]]:
    """Status claims in a text, in order, without negated or hedged ones."""
    masked = _EXCHANGE_OF_PRISONERS.sub(lambda m: " " * len(m.group()), text)
    spans: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for status, pattern in _CLAIMS:
        for m in pattern.finditer(masked):
            if any(s < m.end() and m.start() < e for s, e in spans):
                continue
            # «Скончался в плену», «погиб в плену»: where it happened, not a second claim.
            after_other = any(0 <= m.start() - e <= 2 for s, e in spans)
            spans.append(m.span())
            if status == CAPTURED and after_other:
                continue
            sentence_start = max(masked.rfind(c, 0, m.start()) for c in ".!?\n") + 1
            before = masked[sentence_start : m.start()]
            if _NEGATION.search(before[-25:]):
                continue
            if status in _RESOLUTIONS and _HEDGE.search(before[-60:]):
                continue
            found.append((m.start(), status))
    # «Нам сказали, что он погиб … Мы не верим, что он погиб»: the family denies the death,
    # and «один очень похож на нашего … Мы не уверены»: an unsure sighting is no capture.
    # What is left of either is that he is missing.
    denied = (DEAD,) if _DISBELIEF.search(masked) else ()
    denied += (CAPTURED, _STILL_CAPTURED) if _UNSURE.search(masked) else ()
    found = [(pos, MISSING if status in denied else status) for pos, status in found]
    return sorted(found)


_DISBELIEF = re.compile(
    r"(?<![а-яё])(?:не\s+верим|не\s+верю|не\s+віримо|не\s+вірю|не\s+поверим|не\s+погиб|"
    r"не\s+загинув|это\s+ошибка|це\s+помилка)(?![а-яё])",
    re.I,
)
_UNSURE = re.compile(
    r"(?<![а-яё])(?:не\s+уверены|не\s+уверена|не\s+уверен|не\s+впевнені|не\s+впевнена|"
    r"не\s+точно|похож\w*\s+на\s+нашего|схожий\s+на\s+нашого|"
    # «какой-то пленный говорил … — может это мой Баир?», «лицо плохо видно», «Если он у вас»
    r"может\s+(?:быть\s+)?это|лицо\s+(?:плохо|не)\s+видно|если\s+он\s+у\s+вас|"
    r"якщо\s+він\s+у\s+вас)(?![а-яё])",
    re.I,
)


def _decide_status(claims: Sequence[tuple[int, str]]) -> str | None:
    """Being missing is where every story starts; a resolution wins over it.

    A post that says he died and that he came back («скончался от ран через два дня после
    обмена») claims that he is dead (or captured, if that is said after the death). Then a
    claim that he is still held or missing (said in his own text, see ``_still_his``). Coming
    back is the end
    of captivity: a post that says he returned and, anywhere, that he was a prisoner
    («вернулся из плена, где провёл полгода») claims that he returned. Otherwise the latest
    resolution wins.
    """
    resolutions = [s for _, s in sorted(claims) if s in _RESOLUTIONS]
    if DEAD in resolutions:
        # Not returned but dead; and «сказали, что погиб … а вчера увидели на видео» is
        # still the latest.
        return [s for s in resolutions if s != RETURNED][-1]
    still = [s for _, s in sorted(claims) if s in _STILL]
    if still:
        return _STILL[still[-1]]
    if RETURNED in resolutions:
        return RETURNED
    if resolutions:
        return resolutions[-1]
    if any(s == MISSING for _, s in claims):
        return MISSING
    return None


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:[-'’ʼ][^\W\d_]+)*")

# Ukrainian spellings of Russian given names and patronymics (posts by Ukrainian channels).
_UK_GIVEN = {
    "олексій": "алексей", "олександр": "александр", "андрій": "андрей", "сергій": "сергей",
    "дмитро": "дмитрий", "микола": "николай", "михайло": "михаил", "іван": "иван",
    "євген": "евгений", "юрій": "юрий", "василь": "василий", "петро": "петр",
    "павло": "павел", "кирило": "кирилл", "данило": "даниил", "ілля": "илья",
    "артем": "артем", "віталій": "виталий", "анатолій": "анатолий", "володимир": "владимир",
    "валерій": "валерий", "геннадій": "геннадий", "григорій": "григорий", "ігор": "игорь",
    "костянтин": "константин", "едуард": "эдуард", "віктор": "виктор", "федір": "федор",
    "тимофій": "тимофей", "матвій": "матвей", "семен": "семен", "степан": "степан",
    "вадим": "вадим", "владислав": "владислав", "ярослав": "ярослав", "максим": "максим",
    "денис": "денис", "роман": "роман", "олег": "олег", "антон": "антон", "єгор": "егор",
    "никита": "никита", "микита": "никита", "гліб": "глеб", "лев": "лев", "марк": "марк",
}  # fmt: skip
_UK_PATRONYMIC = {
    "олексійович": "алексеевич", "олександрович": "александрович", "андрійович": "андреевич",
    "сергійович": "сергеевич", "дмитрович": "дмитриевич", "миколайович": "николаевич",
    "михайлович": "михайлович", "іванович": "иванович", "євгенович": "евгеньевич",
    "юрійович": "юрьевич", "васильович": "васильевич", "петрович": "петрович",
    "павлович": "павлович", "кирилович": "кириллович", "вікторович": "викторович",
    "віталійович": "витальевич", "анатолійович": "анатольевич",
    "володимирович": "владимирович", "валерійович": "валерьевич",
    "геннадійович": "геннадьевич", "григорович": "григорьевич", "ігорович": "игоревич",
    "костянтинович": "константинович", "едуардович": "эдуардович", "федорович": "федорович",
    "романович": "романович", "олегович": "олегович", "денисович": "денисович",
    "максимович": "максимович", "артемович": "артемович", "ілліч": "ильич",
}  # fmt: skip
_UK_TO_RU = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "'": "", "’": "", "ʼ": ""})

_PATRONYMIC_END = re.compile(
    r"(?:ович|евич|ьич|ильич|кузьмич|фомич|лукич|никитич|саввич)(?:а|у|ем|е)?$"
    r"|(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою)$"
)
_SURNAME_SHAPE = re.compile(
    r"(?:[бвгдзклмнпрстфхцчшщ](?:ов|ев|ёв|ин|ын)|[аеиоу]ев|[сц]к(?:ий|ой|ого|ому|им|ом))"
    r"(?:а|у|ым|ом|е)?$"
    r"|[^аеиоуыэюя](?:ых|их)$|енко$"
)
_FEMALE_PATRONYMIC = re.compile(r"(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою)$")
# Capitalised words that pymorphy also reads as names but that start sentences.
_NOT_GIVEN = frozenset(
    ("мама", "мать", "папа", "отец", "сын", "брат", "муж", "слава", "надежда", "вера", "любовь",
     "мир", "роза", "лиля", "майя", "ян")
)  # fmt: skip


@dataclass(frozen=True)
class _Word:
    """What a capitalised word can be in a name."""

    given: bool
    surname: bool  # a dictionary surname, or a word pymorphy does not know
    patronymic: bool
    known_common: bool  # a known word that is not a name part (verb, noun, …)
    female_only: bool  # as a given name, only female readings
    dative_only: bool  # as a given name, only dative/prepositional readings
    geo: bool
    # A singular noun or adjective that may be a surname: «Кузнец», «Соловей», «Зимний».
    wordlike: bool = False
    demonym: bool = False  # «Мичуринец», «новосибирец»: where someone is from


# «Калмык Санал Дорджиев», «Бурят Баир Цыбиков»: a people's name before a man's is not his
# surname.
_ETHNONYM = re.compile(
    r"(?:калмык|бурят|якут|башкир|ингуш|лезгин|кумык|осетин|удмурт|мордвин|эвенк|хакас|черкес|"
    r"чуваш|татарин|тувинец|чеченец|дагестанец|аварец|даргинец|кабардинец|балкарец|адыгеец|"
    r"алтаец|мариец|ногаец|карачаевец|калмик|татарина|тувинца|чеченца|дагестанца|аварца|"
    r"даргинца|кабардинца|балкарца|алтайца|марийца)(?:а|у|ом)?$"
)


@functools.lru_cache(maxsize=100_000)
def _word_info(lower: str) -> _Word:
    morph = _get_models().morph
    parses = morph.parse(lower)
    # «Захаров» is also the plural genitive of Захар: a plural is never one person's name.
    name_parses = [p for p in parses if "Name" in p.tag and "plur" not in p.tag]
    surn = any("Surn" in p.tag for p in parses)
    patr = any("Patr" in p.tag for p in parses) or bool(_PATRONYMIC_END.search(lower))
    known = morph.word_is_known(lower)
    # pymorphy guesses Name for unknown words («Строковик»): only dictionary names count.
    lexicon_given = names.is_lexicon_given_name(lower)
    clan = names.is_clan_surname(lower)
    # «Мичуринец Степан Молодой», «кирилл новосибирец»: where he is from, not his surname.
    demonym = geo.resolve_demonym(lower) is not None or bool(_ETHNONYM.match(lower))
    given = (lexicon_given or (known and bool(name_parses))) and lower not in _NOT_GIVEN
    if clan and not lexicon_given:
        given = False
    top = parses[0].tag if parses else None
    # Many surnames are also place names («Кириллова» is only Кириллов, a town, to pymorphy).
    geox = any("Geox" in p.tag for p in parses)
    genders = {p.tag.gender for p in name_parses}
    cases = {str(p.tag.case) for p in name_parses}
    # Dictionaries miss many surnames («Лыков» is a short adjective to pymorphy, «Гладких» a
    # plural one): the shape of a Russian surname is evidence too.
    shaped = bool(_SURNAME_SHAPE.search(lower)) and (
        top is None or (top.POS in {"NOUN", "ADJF", "ADJS"} and "Apro" not in top)
    )
    return _Word(
        given=given,
        surname=(surn or geox or shaped or clan or (not known and not lexicon_given))
        and not demonym,
        patronymic=patr,
        known_common=(
            known and not (name_parses or surn or patr or geox or shaped or lexicon_given or clan)
        )
        or demonym,
        female_only=bool(name_parses) and genders <= {"femn"} and not lexicon_given,
        dative_only=bool(name_parses)
        and cases <= {"datv", "loct"}
        # «Эртине» is the nominative of a lexicon name, whatever pymorphy3 guesses.
        and (names.lexicon_given_name(lower) or "").lower() != lower,
        geo=top is not None and "Geox" in top,
        demonym=demonym,
        wordlike=any(
            p.tag.POS in {"NOUN", "ADJF"} and p.tag.number == "sing" and "Apro" not in p.tag
            for p in parses
        ),
    )


@dataclass
class _Token:
    text: str  # as written
    start: int
    end: int
    key: str  # lowercase, Ukrainian forms mapped to Russian
    cap: bool
    in_per: bool = False
    info: _Word | None = None
    uk: ukrainian_text.UkWord | None = None


def _to_russian(lower: str) -> str:
    if lower in _UK_GIVEN:
        return _UK_GIVEN[lower]
    if lower in _UK_PATRONYMIC:
        return _UK_PATRONYMIC[lower]
    return lower.translate(_UK_TO_RU)


@functools.lru_cache(maxsize=8)
def _mostly_uppercase(text: str) -> bool:
    """A post typed in capitals («ТАРСКИЙ РАЙОН СКОРБИТ»): its places are read title-cased."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _mostly_lowercase(text: str) -> bool:
    """A post typed without capitals («ищем козлова никиту андреевича 2005гр»)."""
    words = _LONG_WORD.findall(text)
    if len(words) < 5:
        return False
    return sum(1 for w in words if w[0].isupper()) / len(words) < 0.06


_LONG_WORD = re.compile(r"(?<![^\W\d_])[А-Яа-яЁёІіЇїЄє]{3,}")


def _tokens(text: str, *, ukrainian: bool = False, lowercase: bool = False) -> list[_Token]:
    """Words with offsets. Ukrainian name forms (Дмитро, Миколайович, Сергій) are mapped
    to Russian ones; Russian words never contain the letters or forms that are mapped.

    In a Ukrainian text every capitalised word is read with the Ukrainian dictionary and
    keyed by its Russian nominative («Олексієм» → алексей, «Горобцем» → горобец).
    """
    out = []
    for m in _WORD.finditer(text):
        word = m.group()
        lower = word.lower()
        # In a post typed without capitals every word may be part of a name.
        cap = (word[0].isupper() or lowercase) and len(word) > 1
        uk_word = ukrainian_text.read_word(lower) if ukrainian and cap else None
        key = uk_word.russian if uk_word is not None else _to_russian(lower)
        token = _Token(word, m.start(), m.end(), key, cap)
        token.uk = uk_word
        out.append(token)
    return out


@dataclass
class _Mention:
    start: int
    end: int
    parts: names.NameParts | None  # None for a lone given name
    given_key: str  # canonical given name, lowercase
    female: bool = False
    # Mentioned in passing: after a role or contact word («губернатор», «пишите»), or thanked
    # or addressed in the dative («Ивану Петровичу Сорокину»).
    passing: bool = False
    person: int | None = None  # index into the people found
    # Text that belongs to this mention beyond start..end (a family's shared surname).
    covers: list[tuple[int, int]] = field(default_factory=list)
    card: bool = False  # read from a form or a family phrase: the post is about him
    patronymic: str = ""  # of a lone given name with a patronymic


def _is_given(t: _Token) -> bool:
    return t.cap and t.info is not None and t.info.given


def _is_patr(t: _Token) -> bool:
    return t.cap and t.info is not None and t.info.patronymic


def _is_surname(t: _Token) -> bool:
    if not t.cap or t.info is None or (t.info.patronymic and not t.in_per):
        return False
    if t.key in _NOT_SURNAME_WORDS:
        return False
    info = t.info
    if info.given and not info.surname:
        return False
    return info.surname or (t.in_per and not info.known_common)


# Capitalised words before or after a name that are never its surname: ranks, roles,
# relatives («Рядовой Никита Сергеевич», «Сын Дмитрий», «Брат Егор»).
_NOT_SURNAME_WORDS = frozenset(
    ("рядовой", "ефрейтор", "сержант", "младший", "старший", "лейтенант", "солдат", "боец",
     "срочник", "пленный", "полонений", "строковик", "военнослужащий", "призывник",
     "мобилизованный", "контрактник", "сын", "сынок", "брат", "братик", "муж", "внук",
     "племянник", "парень", "друг", "земляк", "герой", "память", "вечная", "светлая",
     "уважаемый", "дорогой", "любимый", "родной", "наш", "мой", "товарищ", "гражданин",
     "курсант", "матрос", "стрелок", "водитель", "механик", "наводчик", "связист", "снайпер",
     "разведчик", "гранатометчик", "пулеметчик", "санитар", "фамилия", "имя", "отчество",
     "фио", "юнак", "хлопець", "солдатик", "сержанта", "рядового", "мама", "папа", "отец",
     "мать", "дед", "дедушка", "бабушка", "тетя", "дядя", "жена", "сестра", "дочь",
     "новость", "внимание", "помогите", "обмен", "список", "видео", "фото", "ищем",
     "полонений", "полоненого", "полоненому", "полоненим", "строковик", "строковика",
     "строковику", "строковиком", "військовий", "військового", "хлопець", "хлопця", "син",
     "сина", "срочника", "пленного", "пленный", "военнопленный", "военнопленного")
)  # fmt: skip


def _is_word_surname(t: _Token) -> bool:
    """An ordinary word that is a surname in a name's place: «Кузнец Никита Алексеевич»,
    «Павла Зимнего», «Соловей Дмитрий» (its neighbours decide; see ``_name_groups``)."""
    if not t.cap or t.info is None or t.info.patronymic or t.info.given:
        return False
    if not (t.info.known_common or t.info.surname) or not t.info.wordlike or t.info.demonym:
        return False
    key = t.key.replace("ё", "е")
    return key not in _NOT_SURNAME_WORDS and not key.startswith(_ROLE_STEMS + _RELATIVE_STEMS)


def _agree(a: _Token, b: _Token) -> bool:
    """A given name and an ordinary word in one case, neither in capitals: «Ігор Мельник»,
    «Соловья Павла», but not «САША ДОМА» or «Саша Дома»."""
    if a.text.isupper() or b.text.isupper():
        return False
    morph = names.morph()

    def cases(t: _Token, given: bool) -> set[str]:
        out = set()
        for p in morph.parse(t.key):
            if "plur" in p.tag or (given and "Name" not in p.tag):
                continue
            if not given and p.tag.POS not in {"NOUN", "ADJF"}:
                continue
            out.add(str(p.tag.case))
        return out

    given, word = (a, b) if _is_given(a) else (b, a)
    return bool(cases(given, True) & cases(word, False))


def _vouched_pair(a: _Token, b: _Token) -> bool:
    """Two words natasha reads as one person: a dictionary surname and an unknown word."""
    if not (a.in_per and b.in_per and a.cap and b.cap):
        return False
    surn_a = a.info.surname and not a.info.known_common and not a.info.patronymic
    surn_b = b.info.surname and not b.info.known_common and not b.info.patronymic
    return surn_a and surn_b and not (a.info.geo and b.info.geo)


def _runs(text: str, tokens: list[_Token]) -> list[list[_Token]]:
    """Runs of capitalised words separated only by spaces or one line break."""
    runs: list[list[_Token]] = []
    current: list[_Token] = []
    for t in tokens:
        if current:
            gap = text[current[-1].end : t.start]
            joined = t.cap and gap.strip(" \t\u00a0") in ("", "\n") and len(gap) <= 6
            if not joined:
                runs.append(current)
                current = []
        if t.cap:
            current.append(t)
    if current:
        runs.append(current)
    return runs


def _name_groups(run: list[_Token]) -> list[tuple[list[_Token], bool]]:
    """Split a run of capitalised words into the names in it, each with whether it has a
    surname (without one it is a lone given name, maybe with a patronymic).

    Only the extent of each name is decided here; ``to_nominative`` decides which word is
    the surname.
    """
    groups: list[tuple[list[_Token], bool]] = []
    i, n = 0, len(run)
    while i < n:
        a = run[i]
        b = run[i + 1] if i + 1 < n else None
        c = run[i + 2] if i + 2 < n else None
        d = run[i + 3] if i + 3 < n else None
        if b and c and d and _is_surname(b) and _is_given(c) and _is_patr(d):
            i += 1  # «Удмуртии Моисеев Кирилл Андреевич»: the full name starts next
            continue
        if (
            b
            and c
            and a.info.geo
            and _is_given(b)
            and not _is_patr(c)
            and (_is_surname(c) or _is_word_surname(c))
        ):
            i += 1  # «из Саранска Алексея Пичугина»: the town is not his surname
            continue
        if b and c and _is_surname(a) and _is_given(b) and _is_patr(c):
            size = 3  # Петров Алексей Сергеевич
        elif b and c and _is_word_surname(a) and _is_given(b) and _is_patr(c):
            size = 3  # Кузнец Никита Алексеевич
        elif b and c and _is_given(a) and _is_patr(b) and _is_word_surname(c):
            size = 3  # Никита Алексеевич Кузнец
        elif b and c and _is_given(a) and _is_patr(b) and _is_surname(c) and not _is_patr(c):
            size = 3  # Алексей Сергеевич Петров
        elif b and c and _is_surname(a) and b.in_per and not b.info.known_common and _is_patr(c):
            size = 3  # a given name pymorphy lacks, vouched for by natasha
        elif b and _is_given(a) and _is_patr(b):
            size = -2  # Никиту Андреевича: no surname, a lone given-name mention
        elif b and ((_is_given(a) and _is_surname(b)) or (_is_surname(a) and _is_given(b))):
            size = 2  # Никиту Воробьёва, Воробьёв Никита
        elif b and _vouched_pair(a, b):
            size = 2  # Баир Доржиев: a given name pymorphy lacks, vouched for by natasha
        elif (
            b
            and ((_is_word_surname(a) and _is_given(b)) or (_is_given(a) and _is_word_surname(b)))
            and (a.in_per or b.in_per or _agree(a, b))
        ):
            size = 2  # Соловей Дмитрий, Сергей Новик, Павла Зимнего: natasha reads a person
        elif _is_given(a):
            size = -1
        else:
            i += 1
            continue
        groups.append((run[i : i + abs(size)], size > 0))
        i += abs(size)
    return groups


def _normalise(group: list[_Token]) -> tuple[names.NameParts | None, bool]:
    """Nominative name parts of a group, and whether it is a woman's name."""
    female = any(_FEMALE_PATRONYMIC.search(t.key) for t in group if t.info.patronymic)
    givens = [t for t in group if t.info.given and not t.info.patronymic]
    if (
        givens
        and all(t.info.female_only for t in givens)
        and not any(t.info.surname and not t.info.given for t in givens)
    ):
        female = True
    keys = tuple(t.key for t in group)
    parts = _to_nominative(keys, "femn" if female else "masc")
    if parts is None and not female:
        parts = _to_nominative(keys, None)
    return parts, female


@functools.lru_cache(maxsize=20_000)
def _to_nominative(keys: tuple[str, ...], gender: str | None) -> names.NameParts | None:
    # Names repeat from post to post (reposts, lists, channels): read each once.
    return names.to_nominative(keys, gender=gender)


# Words that make the name after them someone other than a conscript the post is about.
_ROLE_STEMS = (
    "губернатор", "глав", "министр", "замминистр", "депутат", "уполномоченн", "омбудсмен",
    "журналист", "военкор", "корреспондент", "блогер", "генерал", "полковник", "подполковник",
    "майор", "командир", "командующ", "комбриг", "комбат", "пресс-секретар", "правозащитник",
    "руководител", "председател", "координатор", "админ", "администратор", "волонтер",
    "волонтёр", "президент", "мэр", "директор", "сенатор", "спикер", "адвокат", "юрист",
    "священник", "батюшк", "врач", "начальник", "заместител", "врио", "исполняющ", "и.о",
    "представител", "помощник", "эксперт", "политолог", "ведущ", "спасибо", "благодар",
    "пишите", "напишите", "писать", "звоните", "позвоните", "звонить", "обращайтесь",
    "обратитесь", "контакт", "автор", "ответственн", "военком", "прокурор", "следовател",
    "чиновник", "вице", "посол", "омбудсман", "очевидц", "лейтенант", "капитан", "прапорщик",
    "старшин", "лама", "гелюнг", "протоиерей", "иерей", "имам", "муфтий", "настоятел",
    "представник", "речник", "уповноважен", "міністр", "голова", "журналіст", "ведуч",
    "керівник", "командувач", "заступник", "полковник", "генерал", "учител", "классн",
    "директор", "тренер", "фельдшер", "медсестр", "кореспондент",
    # A quote's attribution: «— написал Айсен Николаев», «повідомив Олег Синєгубов».
    "написал", "сообщил", "заявил", "отметил", "подчеркнул", "добавил", "пояснил", "поручил",
    "написав", "повідомив", "заявив", "зазначив", "наголосив", "додав",
)  # fmt: skip
# «Папа, Сергей Петров» signs the post, but «Мама Никиты Воробьёва» names the conscript.
_RELATIVE_STEMS = (
    "папа", "отец", "мама", "мать", "сестра", "жена", "бабушка", "дедушка", "тетя", "тётя",
    "дядя", "дочь",
)  # fmt: skip
# Public figures who are never the conscript a post is about: a surname alone, or
# «surname:given» when the surname is common.
# «surname:*» is a surname common enough that a conscript may bear it (Лапин, Лавров): such
# a man is dropped only when nothing in the post is said of him, like «surname:given».
_PUBLIC_FIGURE_NAMES = (
    "путин", "алаудинов", "москалькова", "лаврентьев:*", "хинштейн", "шойгу", "кадыров",
    "песков:*", "буданов", "зеленский", "сырский", "гладков:*", "лапин:*", "коц:*", "поддубный",
    "лавров:*", "мишустин", "володин:*", "матвиенко", "захарова", "останина", "картаполов",
    "пригожин", "суровикин", "старовойт", "бречалов", "хабиров", "минниханов", "богомаз",
    "лубинец", "герасимов:валерий", "белоусов:андрей", "смирнов:алексей", "николаев:олег",
    "медведев:дмитрий", "гусев:александр", "богачев:александр",
    # Heads of regions (a Yakut conscript may well be an Айсен Николаев too).
    "николаев:айсен", "цыденов:алексей", "паслер:денис", "калиматов", "турчак:андрей",
    "шумков:вадим", "артамонов:игорь", "меликов", "радаев:роман", "травников:андрей",
)  # fmt: skip
_PUBLIC_FIGURES = frozenset(
    (surname, given) for surname, _, given in (n.partition(":") for n in _PUBLIC_FIGURE_NAMES)
)
_SUBJECT_CUES = re.compile(
    r"(?<![а-яё])(?:сын\w*|брат\w*|муж\b|мужа\b|парень|парня|срочник\w*|рядов\w+|"
    r"военнослужащ\w+|солдат\w*|бо[её]ц|бойц\w*|призывник\w*|строковик\w*|контрактник\w*|"
    r"внук\w*|племянник\w*|служ(?:ил|ит|ивш|ив|ить)\w*|проход\w+\s+(?:срочн|служб)\w*|"
    # «19 лет», «20-летний», «20-річний»: an age is given of the conscript himself
    r"(?:1[89]|2[0-5])\s*(?:лет|года|-?летн\w+|-?річн\w+|років))",
    re.I,
)


_ABOUT_HIM = re.compile(r"(?<![а-яёіїє])(?:о|об|про|по|насчет|насчёт|щодо)\s*$", re.I)


def _public_figure(parts: names.NameParts) -> str | None:
    """ "always" for a distinctive surname (Москалькова); "unless_claimed" for a common one
    (Алексей Смирнов is a governor, and also any number of conscripts)."""
    s, g = parts.surname.lower(), parts.given_name.lower()
    if (s, "") in _PUBLIC_FIGURES:
        return "always"
    if (s, g) in _PUBLIC_FIGURES or (s, "*") in _PUBLIC_FIGURES:
        return "unless_claimed"
    return None


def _preceded_by_role(
    text: str, tokens: list[_Token], first: int, name_idx: set[int], declined: bool
) -> bool:
    """A role or contact word just before the name, skipping other names and «и».

    A relative («мама», «отец») counts only before a name in the nominative (``declined``
    is False): the relative's own name, not the son's in the genitive.
    """
    seen = 0
    j = first - 1
    while j >= 0 and seen < 4:
        t = tokens[j]
        gap = text[t.end : tokens[j + 1].start]
        if re.search(r"[.!?\n:]", gap) and not re.fullmatch(r"\s*:\s*", gap):
            break
        if j in name_idx or t.key in ("и", "й"):
            j -= 1
            continue
        # «мама строковика Дмитра Волкова» names the conscript, whatever the case reads.
        relative = (
            not declined
            and t.key.startswith(_RELATIVE_STEMS)
            and not _SUBJECT_CUES.fullmatch(tokens[j + 1].key)
        )
        if t.key.startswith(_ROLE_STEMS) or relative:
            return True
        seen += 1
        j -= 1
    return False


# --------------------------------------------------------------------------------------
# extract
# --------------------------------------------------------------------------------------


@dataclass
class _Person:
    parts: names.NameParts
    given: str
    mentions: list[_Mention] = field(default_factory=list)
    excluded: bool = False
    public_figure: str | None = None
    # Named only as someone's brother («Его брат Артём») or a family's son (-1): he is a
    # subject only where his sentence makes a claim.
    brother_of: int | None = None


def extract(text: str) -> Extraction:
    """Find the conscripts a post is about, their details, and the post's phones and links.

    ``text`` is the plain text of one post (any length; HTML should be stripped first).
    Thread-safe after the models are loaded; the first call loads them (~1 s).
    """
    text = unicodedata.normalize("NFC", text or "").replace("\u00a0", " ").replace("\r", "")
    result = Extraction(phones=_phones(text), video_urls=_video_urls(text))
    claims_all = _claims(text) if text else []
    if not re.search(r"[А-Яа-яЁёІіЇїЄє]", text):
        result.status_claim = _decide_status(claims_all)
        return result

    if _historical(text):
        result.status_claim = _decide_status(claims_all)
        return result
    if len(text) > _CHUNK_CHARS:
        result.people = _merge_people(
            _people_in(chunk, _claims(chunk), _video_urls(chunk)) for chunk in _chunks(text)
        )
    else:
        result.people = _people_in(text, claims_all, result.video_urls)
    result.status_claim = (
        result.people[0].status_claim if result.people else _decide_status(claims_all)
    )
    return result


def _people_in(
    text: str, claims_all: list[tuple[int, str]], video_urls: Sequence[str]
) -> list[PersonMention]:
    people = _find_people(text, ukrainian=ukrainian_text.is_ukrainian(text))
    return [
        p
        for p in _describe(text, people, claims_all, video_urls)
        if p.birth_year is None or p.birth_year >= _MIN_SERVICE_BIRTH_YEAR
    ]


# A long post (a digest, a list of a hundred names, a repost with its comments) is read in
# pieces of about this size, cut between paragraphs or lines, so that the time and memory
# of one post stay bounded and the names in its last lines are found like the first.
_CHUNK_CHARS = 12_000


def _chunks(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    while len(text) - start > _CHUNK_CHARS:
        window = text[start : start + _CHUNK_CHARS]
        cut = window.rfind("\n\n")
        if cut < _CHUNK_CHARS // 2:
            cut = window.rfind("\n")
        if cut < _CHUNK_CHARS // 2:
            cut = max(window.rfind(". "), window.rfind(" "))
        if cut <= 0:
            cut = _CHUNK_CHARS
        out.append(text[start : start + cut])
        start += cut
    out.append(text[start:])
    return out


def _merge_people(parts: Iterable[list[PersonMention]]) -> list[PersonMention]:
    """The people of all pieces, once each: a man named in two pieces keeps the details
    of his first mention and takes those it lacks from later ones."""
    merged: dict[tuple[str, str], PersonMention] = {}
    for people in parts:
        for person in people:
            key = (person.surname.lower(), person.given_name.lower())
            kept = merged.setdefault(key, person)
            if kept is person:
                continue
            for name in ("patronymic", "birth_date", "birth_year", "unit_number", "region"):
                if getattr(kept, name) is None:
                    setattr(kept, name, getattr(person, name))
            if person.status_claim and kept.status_claim in (None, MISSING):
                kept.status_claim = person.status_claim
    return list(merged.values())


# Men born before this are not serving in this war: a missing pensioner («1956 г.р.») is
# someone else's search.
_MIN_SERVICE_BIRTH_YEAR = 1960
# Not a number in a link («t.me/channel/1843» is a post, not the year 1843).
_YEAR = re.compile(r"(?<![\d./_-])(1[89]\d\d|20\d\d)(?![\d./_-])")


def _historical(text: str) -> bool:
    """A post about an earlier war: every year it names, birth years aside, is before 2000
    («пропал без вести в феврале 1943 года», «погибшего в Афганистане в 1986 году»)."""
    if not any(int(m.group(1)) < 2000 for m in _YEAR.finditer(text)):
        return False  # the usual case, without reading the birth dates
    births = {pos for pos, _ in _births(text)}
    years = [
        int(m.group(1))
        for m in _YEAR.finditer(text)
        if not any(0 <= m.start() - b <= 12 for b in births)
        and not re.match(r"\s*(?:г\.?\s*р|года\s+рожд|р\.\s*н)", text[m.end() : m.end() + 14])
    ]
    if not years or max(years) >= 2000:
        return False
    # The Great Patriotic War is over whatever places it names («пропал без вести в 1943
    # году под Суджей»); a later year may be a serviceman's own («служит с 1999 года»).
    return max(years) < 1950 or not _THIS_WAR.search(text)


# Words that place a post in this war whatever years it names («служит с 1999 года»).
_THIS_WAR = re.compile(
    r"(?<![а-яёіїє])(?:курск\w*|курщин\w*|судж\w*|глушков\w*|коренев\w*|всу|зсу|сво|"
    r"срочник\w*|строковик\w*|белгород\w*|брянск\w*)",
    re.I,
)


_CARD_FIELD = re.compile(
    r"^[ \t•·*-]*(?P<label>фамилия|прізвище|имя|ім['’ʼ]?я|отчество|по\s+батькові)"
    r"\s*[:\-–—]\s*(?P<value>[А-ЯЁA-Zа-яёіїєґІЇЄҐ'’ʼ-]+)\s*$",
    re.I | re.M,
)


def _card_mentions(text: str) -> list[_Mention]:
    """«Фамилия: Кузнец\nИмя: Никита\nОтчество: Алексеевич»: a name from a form."""
    fields: dict[str, tuple[str, int, int]] = {}
    for m in _CARD_FIELD.finditer(text):
        label = m.group("label").lower()
        role = (
            "surname"
            if label in ("фамилия", "прізвище")
            else "patronymic"
            if label.startswith(("отч", "по"))
            else "given"
        )
        fields.setdefault(role, (m.group("value"), m.start(), m.end()))
    if "surname" not in fields or "given" not in fields:
        return []
    ukrainian = ukrainian_text.is_ukrainian(text)

    def russian(word: str) -> str:
        return ukrainian_text.read_word(word.lower()).russian if ukrainian else word

    surname = names.clean(russian(fields["surname"][0]))
    given = names.canonical_given_name(russian(fields["given"][0]))
    patronymic = names.clean(russian(fields["patronymic"][0])) if "patronymic" in fields else ""
    if not surname or not given:
        return []
    spans = [(start, end) for _, start, end in fields.values()]
    mention = _Mention(
        min(s for s, _ in spans),
        max(e for _, e in spans),
        names.NameParts(surname, given, patronymic),
        given.lower(),
    )
    mention.card = True
    return [mention]


_FAMILY = re.compile(
    r"(?<![а-яёіїєґ])(?:[Бб]рат(?:ья|ьев|ьям|ьями|ьях|и|ів|ам|ами)|[Бб]лизнец(?:ы|ов|ам|ами)|"
    r"[Бб]лизнюк(?:и|ів|ам))\s+(?P<surname>[А-ЯЁІЇЄ][а-яёіїєґ'’-]+)"
    r"(?:\s+(?:из|с|з|із|зі)\s+[А-ЯЁІЇЄ][а-яёіїєґ'’-]+)?[\s,—–:-]*"
    r"(?P<givens>[А-ЯЁІЇЄ][а-яёіїєґ'’-]+(?:\s*(?:,|и|та|і|й)\s*[А-ЯЁІЇЄ][а-яёіїєґ'’-]+){1,3})"
)
_PLURAL_SURNAME_ENDINGS = (
    ("ыми", ""), ("ых", ""), ("ым", ""), ("ы", ""), ("их", ""), ("им", ""), ("и", ""),
)  # fmt: skip
_GIVEN_IN_LIST = re.compile(r"[А-ЯЁІЇЄ][а-яёіїєґ'’-]+")


def _singular_surname(plural: str, ukrainian: bool) -> str:
    """«Шелеховы», «Хисматуллиных», «Зайцеви» → Шелехов, Хисматуллин, Зайцев."""
    word = plural.lower()
    if ukrainian:
        word = ukrainian_text.read_word(word).russian if not word.endswith(("ви", "ни")) else word
    for ending, replacement in _PLURAL_SURNAME_ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and re.search(r"(?:ов|ев|ёв|ин|ын|ін|єв)$", stem):
            word = stem + replacement
            break
    else:
        for p in names.morph().parse(word):
            if "Surn" in p.tag and "plur" in p.tag:
                form = p.inflect({"sing", "masc", "nomn"})
                if form is not None:
                    word = form.word
                    break
    if ukrainian:
        word = ukrainian_text.read_word(word).russian
    return names.clean(word)


def _given_nominative(word: str, ukrainian: bool) -> str:
    lexicon = names.lexicon_given_name(word)
    if lexicon:
        return lexicon
    if ukrainian:
        return names.canonical_given_name(ukrainian_text.read_word(word.lower()).russian)
    for p in names.morph().parse(word.lower()):
        if "Name" in p.tag and p.tag.gender == "masc" and "plur" not in p.tag:
            form = p.inflect({"nomn", "sing"})
            return names.canonical_given_name(form.word if form else p.normal_form)
    parts = names.to_nominative([word], gender="masc")
    return names.canonical_given_name(parts.given_name or parts.surname if parts else word)


def _family_mentions(text: str, ukrainian: bool) -> list[_Mention]:
    """«братья Шелеховы Илья и Павел», «близнецы Савельевы — Артём и Антон»: one mention
    of each brother, at his given name, sharing the family's surname."""
    out = []
    for m in _FAMILY.finditer(text):
        surname = _singular_surname(m.group("surname"), ukrainian)
        for g in _GIVEN_IN_LIST.finditer(m.group("givens")):
            given = _given_nominative(g.group(), ukrainian)
            if not given or not _word_info(given.lower()).given:
                continue
            start = m.start("givens") + g.start()
            mention = _Mention(
                start, start + len(g.group()), names.NameParts(surname, given, ""), given.lower()
            )
            mention.covers = [(m.start("surname"), m.end("surname"))]
            mention.card = True
            out.append(mention)
    return out if len(out) >= 2 else []


_UK_COMMON_WORD = _Word(
    given=False,
    surname=False,
    patronymic=False,
    known_common=True,
    female_only=False,
    dative_only=False,
    geo=False,
)


def _tagged_tokens(text: str, *, ukrainian: bool) -> list[_Token]:
    """The post's tokens, the capitalised ones with their dictionary readings and whether
    natasha's NER put them in a person's span."""
    from natasha import Doc

    models = _get_models()
    tokens = _tokens(text, ukrainian=ukrainian, lowercase=_mostly_lowercase(text))
    doc = Doc(text)
    doc.segment(models.segmenter)
    doc.tag_ner(models.ner)
    per_spans = [(s.start, s.stop) for s in doc.spans if s.type == "PER"]
    for t in tokens:
        if t.cap:
            t.info = _word_info(t.key)
            if t.uk is not None and t.uk.role is None and t.uk.common:
                # «Представився», «Полонений»: a Ukrainian word, not an unknown surname.
                t.info = _UK_COMMON_WORD
            t.in_per = any(s <= t.start < e for s, e in per_spans)
    _mark_places_before_names(text, tokens)
    return tokens


# «уроженец Урус-Мартана Ибрагим Хасанов», «житель Гудермеса Ислам Дудаев»: the word after
# these is the place he comes from, not a surname.
_ORIGIN_BEFORE_PLACE = frozenset(
    ("уроженец", "уроженца", "уроженцем", "уроженцу", "житель", "жителя", "жителем", "жителю",
     "уродженець", "уродженця", "уродженцем", "мешканець", "мешканця", "мешканцем")
)  # fmt: skip


def _mark_places_before_names(text: str, tokens: list[_Token]) -> None:
    for prev, t, nxt in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if (
            t.cap
            and nxt.cap
            and prev.key in _ORIGIN_BEFORE_PLACE
            and not text[prev.end : t.start].strip()
            and t.info is not None
            and not t.info.given
            and _resolve_place(t.text, True)
        ):
            t.info = _UK_COMMON_WORD


def _lone_given_mention(group: list[_Token]) -> _Mention | None:
    """A given name without a surname («Никите 19 лет»), with its patronymic if any."""
    given = group[0]
    if given.info.female_only:
        return None
    canon = names.canonical_given_name(given.key).lower()
    lone = _Mention(given.start, group[-1].end, None, canon)
    if len(group) == 2:  # «Никита Сергеевич проходил срочную службу»
        lone_parts = names.to_nominative([t.key for t in group], gender="masc")
        lone.patronymic = lone_parts.patronymic if lone_parts else ""
    return lone


def _full_name_mention(
    text: str,
    tokens: list[_Token],
    group: list[_Token],
    index_of: dict[int, int],
    name_idx: set[int],
) -> _Mention | None:
    """A name with a surname, in the nominative, and whether it is mentioned in passing."""
    parts, female = _normalise(group)
    if parts is None or not parts.surname or not parts.given_name:
        return None
    canon = names.canonical_given_name(parts.given_name)
    parts = names.NameParts(parts.surname, canon, parts.patronymic)
    first = index_of[id(group[0])]
    mention = _Mention(group[0].start, group[-1].end, parts, canon.lower())
    mention.female = female
    givens = [t for t in group if t.info.given and not t.info.patronymic]
    before = text[max(0, group[0].start - 25) : group[0].start]
    mention.passing = (
        bool(givens)
        and all(t.info.dative_only for t in givens)
        # «Нашему сыну Саше Литвинову 19 лет» is about him; «Ивану Петровичу» is thanked;
        # «что-то о Сорокине Вадиме», «информация по Захарову Антону» ask about him.
        and not _SUBJECT_CUES.search(before)
        and not _ABOUT_HIM.search(before)
    )
    declined = any(t.key.replace("ё", "е") not in parts.full.lower().split() for t in group)
    if _preceded_by_role(text, tokens, first, name_idx, declined):
        mention.passing = True
    return mention


def _mentions(text: str, tokens: list[_Token], ukrainian: bool) -> list[_Mention]:
    # Names read from a form («Фамилия: …\nИмя: …») or a family («братья Шелеховы Илья и
    # Павел») take their words out of the ordinary name finding.
    special = _card_mentions(text) + _family_mentions(text, ukrainian)
    taken = [(m.start, m.end) for m in special] + [span for m in special for span in m.covers]

    groups: list[tuple[list[_Token], bool]] = []
    for run in _runs(text, tokens):
        groups.extend(_name_groups(run))
    groups = [
        (g, with_surname)
        for g, with_surname in groups
        if not any(s <= t.start < e for t in g for s, e in taken)
    ]
    index_of = {id(t): i for i, t in enumerate(tokens)}
    name_idx = {index_of[id(t)] for g, _ in groups for t in g}

    mentions: list[_Mention] = list(special)
    for group, with_surname in groups:
        if with_surname:
            mention = _full_name_mention(text, tokens, group, index_of, name_idx)
        else:
            mention = _lone_given_mention(group)
        if mention is not None:
            mentions.append(mention)
    return mentions


def _with_patronymic(person: _Person, patronymic: str) -> None:
    """Give ``person`` the patronymic another mention of him adds, if he has none."""
    if patronymic and not person.parts.patronymic:
        person.parts = names.NameParts(person.parts.surname, person.parts.given_name, patronymic)


def _people_named(mentions: list[_Mention]) -> list[_Person]:
    """One person per surname and given name, each with his mentions; who the post is not
    about (women, public figures, people only mentioned in passing) marked ``excluded``."""
    people: list[_Person] = []
    by_key: dict[tuple[str, str], int] = {}
    for m in mentions:
        if m.parts is None:
            continue
        key = (m.parts.surname.lower(), m.given_key)
        if key not in by_key:
            by_key[key] = len(people)
            people.append(_Person(m.parts, m.given_key))
        person = people[by_key[key]]
        m.person = by_key[key]
        person.mentions.append(m)
        _with_patronymic(person, m.parts.patronymic)
    for person in people:
        person.public_figure = _public_figure(person.parts)
        person.excluded = (
            any(m.female for m in person.mentions)
            or person.public_figure == "always"
            or all(m.passing for m in person.mentions)
        )
    return people


def _lone_given_nominative(key: str) -> str:
    """«артёма» → Артём: a given name standing alone, in the nominative."""
    parts = names.to_nominative([key], gender="masc")
    given = parts.given_name if parts is not None and parts.given_name else key.capitalize()
    return names.canonical_given_name(given)


_BROTHER_BEFORE = re.compile(r"(?<![а-яёіїє])брат(?:а|у|ом)?(?:[-\s]близн\w+)?\s*$", re.I)


def _brothers(text: str, mentions: list[_Mention], people: list[_Person], kept: set[int]) -> None:
    """«Подтверждена гибель Лебедева Михаила. Его брат Артём … в плену»: a given name after
    «брат» that fits no one is a brother with the surname of the man named before it."""
    for m in mentions:
        if m.parts is not None or not _BROTHER_BEFORE.search(text[max(0, m.start - 25) : m.start]):
            continue
        if any(people[i].given == m.given_key for i in kept):
            continue
        before = [
            i
            for i in kept
            if people[i].brother_of is None and people[i].mentions[0].start < m.start
        ]
        if not before:
            continue
        elder = max(before, key=lambda i: people[i].mentions[0].start)
        given = _lone_given_nominative(m.given_key)
        parts = names.NameParts(people[elder].parts.surname, given, "")
        brother = _Person(parts, given.lower(), brother_of=elder)
        m.parts, m.person = parts, len(people)
        brother.mentions.append(m)
        people.append(brother)
        kept.add(len(people) - 1)


_SON_BEFORE = re.compile(r"(?<![а-яёіїє])(?:сын|сына|сыну|сыном)\s*$", re.I)
# «семье Евлоевых», «семья Курбановых»: the family's surname in the plural.
_FAMILY_SURNAME = re.compile(r"(?<![а-яё])семь(?:я|и|е|ю|ей)\s+([А-ЯЁ][а-яё-]+?)(?:ых|их)\b")
_FEMININE_SURNAME = re.compile(r"(?:ова|ева|ёва|ина|ына)$")


def _family_surname(text: str, people: list[_Person]) -> str | None:
    """The one surname of the family a post speaks of: «семье Евлоевых», or a woman named
    in it («Эльвира Гарипова рассказала …»)."""
    surnames = {m.group(1) for m in _FAMILY_SURNAME.finditer(text)}
    for p in people:
        if any(m.female for m in p.mentions) and _FEMININE_SURNAME.search(p.parts.surname):
            surnames.add(p.parts.surname[:-1])
    return surnames.pop() if len(surnames) == 1 else None


def _sons(text: str, mentions: list[_Mention], people: list[_Person], kept: set[int]) -> None:
    """«… семье Евлоевых в связи с гибелью сына Адама»: a son named by his given name
    alone, who fits no one, has the family's surname."""
    for m in mentions:
        if m.parts is not None or not _SON_BEFORE.search(text[max(0, m.start - 12) : m.start]):
            continue
        if any(people[i].given == m.given_key for i in kept):
            continue
        surname = _family_surname(text, people)
        if surname is None:
            continue
        given = _lone_given_nominative(m.given_key)
        parts = names.NameParts(surname, given, "")
        son = _Person(parts, given.lower(), brother_of=-1)
        m.parts, m.person = parts, len(people)
        son.mentions.append(m)
        people.append(son)
        kept.add(len(people) - 1)


def _find_people(text: str, *, ukrainian: bool = False) -> list[_Person]:
    tokens = _tagged_tokens(text, ukrainian=ukrainian)
    mentions = _mentions(text, tokens, ukrainian)
    people = _people_named(mentions)
    kept = {i for i, p in enumerate(people) if not p.excluded}
    _brothers(text, mentions, people, kept)
    if not kept:
        _sons(text, mentions, people, kept)
    # A lone given name («Никите 19 лет», «Мама Миши») belongs to the one person it fits.
    for m in mentions:
        if m.parts is None:
            fits = [i for i in kept if people[i].given == m.given_key]
            if len(fits) == 1:
                m.person = fits[0]
                people[fits[0]].mentions.append(m)
                _with_patronymic(people[fits[0]], m.patronymic)
    for p in people:
        p.mentions.sort(key=lambda m: m.start)
    return [p for i, p in enumerate(people) if i in kept]


_COLLECTIVE_SUBJECT = re.compile(
    r"(?<![а-яёіїє])(?:оба|обе|все\s+(?:трое|двое|четверо|они)|трое|двое|четверо|обидва|обоє|"
    r"усі\s+(?:троє|двоє)|троє|двоє|близнецы|близнюки)(?![а-яёіїє])",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")
_SAME_UNIT = re.compile(
    r"(?:та\s+же|той\s+же|та\s+сама|тієї\s+ж|тієї\s+самої|одн(?:ой|ій|ієї))\s+(?:част|частин)\w*",
    re.I,
)
# A full stop after these ends an abbreviation («г. Курск», «Курская обл.»). «2005 г.р.»
# often ends a sentence: a full stop followed by a lowercase letter never does.
_ABBREVIATIONS = frozenset(
    ("г", "гор", "обл", "с", "п", "пос", "д", "ул", "ст", "мл", "см", "т", "св", "им", "респ",
     "пгт", "ч")
)  # fmt: skip


def _sentence_bounds(text: str) -> list[int]:
    """Offsets where sentences (or lines) end, abbreviations aside."""
    bounds = []
    for m in _SENTENCE_END.finditer(text):
        if m.group().startswith("."):
            word = re.search(r"(\w+)$", text[max(0, m.start() - 8) : m.start()])
            if word and word.group(1).lower() in _ABBREVIATIONS:
                continue
            following = re.match(r"\s*(\S)", text[m.end() :])
            if following and following.group(1).islower():
                continue
        bounds.append(m.end())
    return bounds


def _sentence_span(bounds: list[int], pos: int, length: int) -> tuple[int, int]:
    k = bisect.bisect_right(bounds, pos)
    return (bounds[k - 1] if k else 0), (bounds[k] if k < len(bounds) else length)


_LINKED_TO_PREVIOUS = re.compile(
    r"\s*(?:среди\s+них|в\s+том\s+числе|в\s+их\s+числе|из\s+них|это|серед\s+них|це)\b",
    re.I,
)


def _claim_sentence(text: str, bounds: list[int], pos: int) -> tuple[int, int]:
    """The sentence of a mention, joined to the one before when it only continues it
    («В обмене вернулись срочники. Среди них Козлов Дмитрий.»)."""
    start, end = _sentence_span(bounds, pos, len(text))
    if start and _LINKED_TO_PREVIOUS.match(text, start):
        start = _sentence_span(bounds, start - 1, len(text))[0]
    return start, end


def _singular_verb(text: str, pos: int) -> bool:
    """«Вернулся», «погиб», «обменян»: a claim said of one man, not of all in the post."""
    word = _WORD.match(text, pos)
    if word is None or word.group().lower().endswith(("их", "ых")):
        return False  # «повернутих», «обменянных»: plural participles (Russian reads them
        # with a Ukrainian word's guessed tags)
    top = _get_models().morph.parse(word.group().lower())[0].tag
    return top.POS in {"VERB", "PRTS"} and top.number == "sing"


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


_Span = tuple[int, int]
_Birth = tuple[date | None, int]
_LIST_MARKS = " •·-–—*0123456789.)\t"


def _inside(pos: int, ranges: Sequence[_Span]) -> bool:
    return any(s <= pos < e for s, e in ranges)


def _first_in(items: Sequence[tuple[int, Any]], ranges: Sequence[_Span]) -> Any:
    for pos, value in items:
        if _inside(pos, ranges):
            return value
    return None


def _only_in(items: Sequence[tuple[int, Any]], ranges: Sequence[_Span]) -> Any:
    values = {value for pos, value in items if _inside(pos, ranges)}
    return values.pop() if len(values) == 1 else None


def _card_line(text: str, pos: int) -> bool:
    """A name alone on its line, after list marks or a short label («▪️ Тульская область:
    Леонов Даниил Романович (Новомосковск)», «Сын: Ястребов Олег»)."""
    prefix = text[_line_start(text, pos) : pos]
    bare = re.sub(r"[\W\d_]+", " ", prefix).split()
    return not bare or (prefix.rstrip().endswith(":") and len(bare) <= 3)


def _starts_line(text: str, pos: int) -> bool:
    """Whether only list marks («1.», «•», «—») stand before ``pos`` on its line."""
    return not text[_line_start(text, pos) : pos].strip(_LIST_MARKS)


@dataclass
class _Scene:
    """What ``_describe`` reads once in a post; each person's fields are taken from it.

    ``spans[i]`` is the text person ``i`` owns: from each of his mentions to the next
    mention of anyone. ``shared`` is the text before the first name and after the last
    name's line (empty with one person, who owns the whole post).
    """

    text: str
    place_text: str  # the text whose places are read (title-cased if typed without capitals)
    people: list[_Person]
    mentions: list[_Mention]  # everyone's, in order
    claims_all: list[tuple[int, str]]
    video_urls: Sequence[str]
    bounds: list[int]
    births: list[tuple[int, _Birth]]
    units: list[tuple[int, str]]
    regions: list[tuple[int, str]]
    birth_regions: list[tuple[int, str]]  # where he was born or comes from («родом из»)
    collective_regions: list[tuple[int, str]]
    card_regions: list[tuple[int, str]]
    community_regions: list[tuple[int, str]]
    before_name: dict[int, str]
    spans: dict[int, list[_Span]]
    shared: list[_Span]
    collective: re.Match[str] | None
    first_sentence_singular: list[tuple[int, str]]
    listed_claims: dict[int, list[tuple[int, str]]]
    collective_clauses: list[_Span]

    @property
    def single(self) -> bool:
        return len(self.people) == 1

    @property
    def whole(self) -> list[_Span]:
        return [(0, len(self.text))]


def _demonyms_before_names(text: str, all_mentions: list[_Mention]) -> dict[int, str]:
    """A demonym just before a name is his: «курянин Максим Глебов, белгородцы Ярослав
    Пичугин и Андрей Назаренко»."""
    before_name: dict[int, str] = {}
    for pos, region, _ in _demonym_regions(text):
        word_end = pos + len(_WORD.match(text, pos).group())
        nxt = next((m for m in all_mentions if m.start >= word_end), None)
        if nxt is not None and nxt.parts is not None and not text[word_end : nxt.start].strip():
            before_name[nxt.person] = region
            # «белгородцы Ярослав Пичугин и Андрей Назаренко»: a plural demonym takes the
            # names joined to the first by «и».
            after = [m for m in all_mentions if m.start > nxt.start and m.parts is not None]
            if after and re.fullmatch(r"\s*(?:и|та|і)\s*", text[nxt.end : after[0].start]):
                before_name.setdefault(after[0].person, region)
    return before_name


def _person_spans(
    text: str, count: int, all_mentions: list[_Mention]
) -> tuple[dict[int, list[_Span]], list[_Span], re.Match[str] | None]:
    """Each person's own text, the shared text, and the word that speaks of all of them."""
    spans: dict[int, list[_Span]] = {i: [] for i in range(count)}
    if count == 1:
        spans[0].append((0, len(text)))
        return spans, [], None
    for k, m in enumerate(all_mentions):
        end = all_mentions[k + 1].start if k + 1 < len(all_mentions) else None
        if end is None:
            end = _line_end(text, m.end)
        spans[m.person].append((m.start, end))
    last_end = _line_end(text, all_mentions[-1].end)
    # «… и Алиев Арсен, 2005 г.р. Оба служили в в/ч 73612», «… и Смирнова Олега, оба
    # 2005 г.р.»: from a word that speaks of all of them, the paragraph is shared.
    collective = _COLLECTIVE_SUBJECT.search(text, all_mentions[-1].end, last_end)
    if collective:
        spans[all_mentions[-1].person][-1] = (all_mentions[-1].start, collective.start())
        last_end = collective.start()
    return spans, [(0, all_mentions[0].start), (last_end, len(text))], collective


_RELATIVE_CLAUSE = re.compile(
    r"(?<![а-яёіїє])(?:котор\w+|який|яка|якого|якому|яким)(?![а-яёіїє])", re.I
)


def _listed_claims(
    text: str,
    bounds: list[int],
    all_mentions: list[_Mention],
    claims_all: list[tuple[int, str]],
) -> dict[int, list[tuple[int, str]]]:
    """«Брати Зайцеви, Іван та Олексій, потрапили в полон»: a claim after the names of a
    sentence that lists several men, not in a singular verb, is said of all of them; not
    one in a clause about the last of them («… со своим другом Иваном Сизовым, который
    находится в плену»)."""
    listed: dict[int, list[tuple[int, str]]] = {}
    for m in all_mentions:
        s_start, s_end = _sentence_span(bounds, m.start, len(text))
        in_sentence = [o for o in all_mentions if s_start <= o.start < s_end]
        if len({o.person for o in in_sentence}) < 2:
            continue
        last = max(o.end for o in in_sentence)
        listed.setdefault(m.person, []).extend(
            c
            for c in claims_all
            if last <= c[0] < s_end
            and not _singular_verb(text, c[0])
            and not _RELATIVE_CLAUSE.search(text, last, c[0])
        )
    return listed


def _scene(
    text: str,
    people: list[_Person],
    claims_all: list[tuple[int, str]],
    video_urls: Sequence[str],
) -> _Scene:
    people.sort(key=lambda p: p.mentions[0].start)
    for i, p in enumerate(people):
        for m in p.mentions:
            m.person = i
    all_mentions = sorted((m for p in people for m in p.mentions), key=lambda m: m.start)

    def origin_ok(pos: int) -> bool:
        # «… 2005 г.р. из Липецкой области»: right after a person's name and details.
        return any(0 <= pos - m.end <= 3 for m in all_mentions)

    # A post typed without capitals has its places read from a title-cased copy (same
    # offsets): «сам он из брянска» → «Сам Он Из Брянска».
    place_text = text.title() if _mostly_lowercase(text) or _mostly_uppercase(text) else text
    home = _home_regions(place_text, origin_ok)
    bounds = _sentence_bounds(text)
    spans, shared, collective = _person_spans(text, len(people), all_mentions)
    several = len(people) > 1
    return _Scene(
        text=text,
        place_text=place_text,
        people=people,
        mentions=all_mentions,
        claims_all=claims_all,
        video_urls=video_urls,
        bounds=bounds,
        births=_births(text),
        units=_units(text),
        regions=[(pos, region) for pos, region, _ in home],
        birth_regions=[(pos, r) for pos, r, _ in home if _BIRTH_ORIGIN.match(place_text, pos)],
        collective_regions=[(pos, region) for pos, region, collective in home if collective],
        card_regions=_card_place_regions(place_text),
        community_regions=_community_regions(place_text),
        before_name=_demonyms_before_names(text, all_mentions),
        spans=spans,
        shared=shared,
        collective=collective,
        # «Вернулся домой Зотов …, а его друг Пахомов … пропал», a headline «Вернулся из
        # плена житель Каменска» over a story that names two men: a singular verb before
        # the first name is said of the first man only.
        first_sentence_singular=[
            c
            for c in claims_all
            if several and c[0] < all_mentions[0].start and _singular_verb(text, c[0])
        ],
        listed_claims=_listed_claims(text, bounds, all_mentions, claims_all) if several else {},
        # «Оба 2005 г.р., служили вместе в в/ч 39020», «близнецы 2005 г.р., срочники в/ч
        # 64712», «оба из Мичуринска, служили … в войсковой части № 13140»: from a word that
        # speaks of all of them to the end of its sentence, the details are everyone's.
        collective_clauses=[
            (c.start(), _sentence_span(bounds, c.start(), len(text))[1])
            for c in (_COLLECTIVE_SUBJECT.finditer(text) if several else ())
        ],
    )


def _birth_of(scene: _Scene, i: int, person: _Person) -> _Birth | None:
    birth = None
    for m in person.mentions:
        birth = _birth_after_name(scene.text, m.end)
        if birth:
            break
    if birth is None:
        birth = _first_in(scene.births, scene.spans[i])
    last = i == len(scene.people) - 1
    if birth is None and not scene.single and (last or scene.collective):
        birth = _first_in(scene.births, scene.shared[1:])
    if birth is None:
        birth = _first_in(scene.births, scene.collective_clauses)
    return birth


def _same_unit_as_previous(scene: _Scene, i: int) -> str | None:
    """«…, в/ч 68149, и Бембеев Баатр …, та же часть»."""
    for s, e in scene.spans[i]:
        if _SAME_UNIT.search(scene.text, s, e):
            return _first_in(scene.units, scene.spans[i - 1]) or None
    return None


def _unit_of(scene: _Scene, i: int) -> str | None:
    return (
        _first_in(scene.units, scene.spans[i])
        or _only_in(scene.units, scene.shared)
        or _first_in(scene.units, scene.collective_clauses)
        or (_same_unit_as_previous(scene, i) if i else None)
    )


def _region_right_after(scene: _Scene, person: _Person) -> str | None:
    """A place written right after one of his names, on its line, before the next name."""
    text = scene.text
    region = None
    for m in person.mentions:
        if m.parts is None:
            continue
        line_end = _line_end(text, m.start)
        following = [o.start for o in scene.mentions if m.end <= o.start < line_end]
        region = _region_after_name(
            scene.place_text,
            m.end,
            min([line_end, *following]),
            list_item=_starts_line(text, m.start),
        )
        if region:
            break
    return region


def _region_of(scene: _Scene, i: int, person: _Person) -> str | None:
    region = (
        scene.before_name.get(i)
        or _first_in(scene.birth_regions, scene.spans[i])
        or _first_in(scene.regions, scene.spans[i])
    )
    if region is None:
        region = _region_right_after(scene, person)
    if region is None:
        region = _only_in(scene.regions, scene.shared) or _only_in(
            scene.collective_regions, scene.whole
        )
    if region is None:
        region = _first_in(scene.card_regions, scene.spans[i]) or _only_in(
            scene.card_regions, scene.shared
        )
    if region is None:
        region = _only_in(scene.community_regions, scene.whole)
    return region


def _still_his(scene: _Scene, i: int, pos: int) -> bool:
    """A claim that he is still held or missing counts in his own text, or just before his
    name in its sentence («Троє залишилися в полоні — серед них Андрій Єгоров»)."""
    if _inside(pos, scene.spans[i]):
        return True
    nxt = next((m for m in scene.mentions if m.start > pos), None)
    if nxt is None or nxt.person != i:
        return False
    return _sentence_span(scene.bounds, pos, len(scene.text)) == _sentence_span(
        scene.bounds, nxt.start, len(scene.text)
    )


def _claims_of(scene: _Scene, i: int) -> list[tuple[int, str]]:
    own, shared = scene.spans[i], scene.shared
    claims = [
        c
        for c in scene.claims_all
        if _inside(c[0], own)
        or (_inside(c[0], shared) and (i == 0 or c not in scene.first_sentence_singular))
        or c in scene.listed_claims.get(i, ())
    ]
    claims = [c for c in claims if c[1] not in _STILL or _still_his(scene, i, c[0])]
    missing = (MISSING, _STILL_MISSING)
    if not claims and scene.video_urls and not any(st in missing for _, st in scene.claims_all):
        # A prisoner video's caption that says nothing else: «Срочник … в/ч 75387. Если
        # узнали — пишите. Видео: …», «Строковик … Відео: …».
        claims = [(len(scene.text), CAPTURED)]
    return claims


def _is_subject(
    scene: _Scene, i: int, person: _Person, claims: list[tuple[int, str]], *, details: bool
) -> bool:
    """Whether the post is about him, given his claims and whether he has a birth date or
    unit of his own (``details``)."""
    text = scene.text
    sentences = [_claim_sentence(text, scene.bounds, m.start) for m in person.mentions]
    claimed_in_sentence = any(_inside(pos, sentences) for pos, _ in claims)
    if person.brother_of is not None:
        return claimed_in_sentence
    if person.public_figure and not details and not claimed_in_sentence:
        return False  # a namesake of an official counts only when his sentence makes a claim
    if details:
        return True
    # Without details of his own, a man is the subject only if his sentence says so
    # («Выступали … и Виктор Петрович Ломакин» in a post about the missing is not); a name
    # alone on its line (a card, a list) takes the whole post as its sentence.
    at_line_start = any(m.card or _card_line(text, m.start) for m in person.mentions)
    # Names listed together («Это Руслан Гаджиев, Шамиль Алиев и Магомед Абдулаев», «Серед
    # переданих — Хертек Саян і Гончаренко Віталій») share the post's claims.
    in_list = any(
        any(s <= o.start < e and o.person != i and o.parts is not None for o in scene.mentions)
        for s, e in sentences
    )
    where = scene.spans[i] + scene.shared if at_line_start or in_list else sentences
    return any(_inside(pos, where) for pos, _ in claims) or any(
        _SUBJECT_CUES.search(text[s:e]) for s, e in where
    )


def _describe_person(scene: _Scene, i: int, person: _Person) -> PersonMention | None:
    birth = _birth_of(scene, i, person)
    unit = _unit_of(scene, i)
    region = _region_of(scene, i, person)
    claims = _claims_of(scene, i)
    if not _is_subject(scene, i, person, claims, details=bool(birth or unit)):
        return None
    return PersonMention(
        surname=person.parts.surname,
        given_name=person.parts.given_name,
        patronymic=person.parts.patronymic or None,
        birth_date=birth[0] if birth else None,
        birth_year=birth[1] if birth else None,
        unit_number=unit,
        region=region,
        status_claim=_decide_status(claims),
    )


def _describe(
    text: str,
    people: list[_Person],
    claims_all: list[tuple[int, str]],
    video_urls: Sequence[str] = (),
) -> list[PersonMention]:
    """The people of a post that it is about, each with the fields read from his text."""
    if not people:
        return []
    scene = _scene(text, people, claims_all, video_urls)
    described = (_describe_person(scene, i, person) for i, person in enumerate(people))
    return [p for p in described if p is not None]
