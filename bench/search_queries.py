"""Labelled name-search queries over a generated roster: the test set of bench/search.py.

Usage (from the repository root), to regenerate ``bench/data/search_queries.jsonl``:

    .venv/bin/python bench/search_queries.py [--people 20000] [--roster-seed 2024]
        [--seed 7] [--per-kind 45] [--out bench/data/search_queries.jsonl]

The roster is ``conscripts.demo_data.people(people, seed=roster_seed)``: realistic name
frequencies and deliberate namesakes; a person's id is their index in that stream. Each
query is written from one public person (its ``target``) in one of the kinds below, and
labelled with its *relevant set*: every public person consistent with what the query
says (for «Иванов 2004», every Иванов born in 2004; for a full name, every namesake).

Kinds: ``exact``, ``declined`` (pymorphy3 ``inflect``, only forms it knows), ``latin``
(iuliia schemes, German «Iwanow», informal «Ivanoff»), ``latin_typo`` (one edit of a Latin
spelling), ``cyrillic_typo`` (1–2 edits), ``partial`` (surname with given name, birth year
or initials), ``yo`` (ё written where the name has it), ``reordered``.

A typo is kept only when it leaves the name closer to the original than to any other
name of the roster, and a Latin spelling matches every roster name spelled the same way
in some scheme: the labels never ask the search to guess between equally good readings.

This module uses pymorphy3, iuliia and rapidfuzz only, never ``conscripts.names``: the
labels must not come from the code under test.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "bench" / "data" / "search_queries.jsonl"
KINDS = (
    "exact",
    "declined",
    "latin",
    "latin_typo",
    "cyrillic_typo",
    "partial",
    "yo",
    "reordered",
)
#: Two more kinds for the query set among a million people (``bench/search.py
#: --scale-quality``): ``transposed`` (two neighbouring letters of a name swapped, once
#: or twice) and ``namesake`` (a full name, or surname, given name and year, that other
#: people share).
SCALE_KINDS = (*KINDS, "transposed", "namesake")
ROLES = ("surname", "given", "patronymic")


# --- Roster --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Person:
    id: int  # roster index (quality set) or database pk (speed run)
    surname: str
    given: str
    patronymic: str
    birth_year: int | None
    public: bool

    def part(self, role: str) -> str:
        return {"surname": self.surname, "given": self.given, "patronymic": self.patronymic}[role]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given, self.patronymic) if p)


def demo_roster(n: int, seed: int) -> list[Person]:
    """The first ``n`` people of ``conscripts.demo_data.people(seed=seed)``, id = index."""
    sys.path.insert(0, str(ROOT))
    from conscripts import demo_data

    return [
        Person(p.index, p.surname, p.given_name, p.patronymic, p.birth_year, p.is_public)
        for p in demo_data.people(n, seed=seed)
    ]


def fingerprint(people: Iterable[Person]) -> str:
    """A digest of the names, years and visibility: tells a stale query set."""
    digest = hashlib.sha256()
    for p in people:
        digest.update(f"{p.id}|{p.full_name}|{p.birth_year}|{int(p.public)}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Spec:
    """What a query says about the person: each field is a constraint or None."""

    surnames: frozenset[str]
    givens: frozenset[str] | None = None
    patronymics: frozenset[str] | None = None
    birth_year: int | None = None
    initials: tuple[str, str] | None = None  # first letters of given name and patronymic


class Roster:
    """People with the lookups the labelling needs."""

    def __init__(self, people: Sequence[Person]):
        self.people = {p.id: p for p in people}
        self.public = [p for p in people if p.public]
        self.by_surname: dict[str, list[Person]] = defaultdict(list)
        values: dict[str, set[str]] = {role: set() for role in ROLES}
        for p in people:
            self.by_surname[p.surname].append(p)
            for role in ROLES:
                if p.part(role):
                    values[role].add(p.part(role))
        self.values = {role: sorted(v) for role, v in values.items()}
        self.all_values = frozenset(v.lower() for vs in values.values() for v in vs)

    def relevant(self, spec: Spec) -> list[int]:
        out = []
        for surname in spec.surnames:
            for p in self.by_surname.get(surname, ()):
                if not p.public:
                    continue
                if spec.givens is not None and p.given not in spec.givens:
                    continue
                if spec.patronymics is not None and p.patronymic not in spec.patronymics:
                    continue
                if spec.birth_year is not None and p.birth_year != spec.birth_year:
                    continue
                if spec.initials is not None and (
                    p.given[:1] != spec.initials[0] or p.patronymic[:1] != spec.initials[1]
                ):
                    continue
                out.append(p.id)
        return sorted(out)


# --- Morphology ----------------------------------------------------------------------
@functools.cache
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


_ROLE_GRAMMEME = {"surname": "Surn", "given": "Name", "patronymic": "Patr"}


def _nominative_parse(word: str, role: str):
    """pymorphy3's parse of a nominative male name part in its role, or None."""
    for p in _morph().parse(word.lower()):
        tag = p.tag
        if not (_ROLE_GRAMMEME[role] in tag and "nomn" in tag and "sing" in tag):
            continue
        if tag.gender in ("masc", None) or "Fixd" in tag or "ms-f" in str(tag):
            return p
    return None


@functools.cache
def inflect(word: str, role: str, case: str) -> str | None:
    """``word`` (a nominative male name part) in ``case``, or None when pymorphy3 does not
    know the form. Indeclinable surnames (Шевченко, Черных) come back unchanged."""
    parse = _nominative_parse(word, role)
    if parse is None:
        return None
    form = parse.inflect({case, "sing"} if "Fixd" in parse.tag else {case, "sing", "masc"})
    if form is None or not _morph().word_is_known(form.word):
        return None
    return _title(form.word)


@functools.cache
def with_yo(word: str) -> str:
    """The word with the ё the dictionary writes in it (Воробьев → Воробьёв), else itself."""
    low = word.lower()
    if "е" not in low:
        return word
    best = None
    for p in _morph().parse(low):
        if type(p.methods_stack[0][0]).__name__ != "DictionaryAnalyzer":
            continue
        if "ё" not in p.word or len(p.word) != len(low) or "nomn" not in p.tag:
            continue
        if {"Surn", "Name", "Patr"} & p.tag.grammemes:
            best = p.word
            break
        if best is None and p.tag.POS == "NOUN" and "sing" in p.tag:
            best = p.word  # Королёв is only a town to pymorphy3
    if best is None:
        return word
    return "".join(r.upper() if c.isupper() else r for c, r in zip(word, best, strict=True))


def _title(word: str) -> str:
    return "-".join(w[:1].upper() + w[1:] for w in word.split("-"))


def _e(text: str) -> str:
    return text.replace("ё", "е").replace("Ё", "Е")


# --- Romanisation --------------------------------------------------------------------
#: iuliia schemes used for queries, with how often each is drawn.
IULIIA_SCHEMES = {
    "icao_doc_9303": 4,  # Russian passports since 2013
    "mvd_782": 2,
    "mvd_310": 2,
    "gost_7034": 1,
    "bgn_pcgn": 2,
    "iso_9_1954": 1,
    "wikipedia": 3,
    "gost_52535": 1,
    "ala_lc_alt": 1,
    "yandex_money": 1,
}
OTHER_SCHEMES = {"german": 2, "informal": 2}

_GERMAN = {
    "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "ж": "sch", "з": "s", "и": "i",
    "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch",
    "щ": "schtsch", "ъ": "", "ы": "y", "э": "e", "ю": "ju", "я": "ja",
}  # fmt: skip
_VOWELS = set("аеёиоуыэюя")


def german(word: str) -> str:
    """Duden-style German spelling: Иванов → Iwanow, Васильев → Wassiljew, Щукин → Schtschukin."""
    low = word.lower()
    out = []
    for i, ch in enumerate(low):
        prev = low[i - 1] if i else ""
        nxt = low[i + 1] if i + 1 < len(low) else ""
        if ch == "е":
            out.append("je" if not prev or prev in _VOWELS or prev in "ьъ" else "e")
        elif ch == "ё":
            out.append("o" if prev in "жшчщ" else "jo")
        elif ch == "ь":
            out.append("j" if nxt in ("и", "о") else "")
        elif ch == "й" and not nxt and prev in "иы":
            out.append("")  # Juri, Dmitri
        elif ch == "с" and prev in _VOWELS and nxt in _VOWELS:
            out.append("ss")
        else:
            out.append(_GERMAN.get(ch, ch))
    return _title("".join(out))


_INFORMAL_RULES = (("ov", "off", True), ("ev", "eff", True), ("ks", "x", False))


def informal(word: str) -> str:
    """English-speaking habits on a Wikipedia-style spelling: Ivanoff, Alexey."""
    text = iuliia_translate("wikipedia", word)
    for old, new, at_end in _INFORMAL_RULES:
        if at_end:
            if text.endswith(old):
                text = text[: -len(old)] + new
        else:
            text = text.replace(old, new)
    return text


@functools.cache
def iuliia_translate(scheme: str, word: str) -> str:
    import iuliia

    out = iuliia.schemas.get(scheme).translate(word)
    if any("а" <= c <= "я" or c == "ё" for c in out.lower()):  # a scheme that skips ё
        out = iuliia.schemas.get(scheme).translate(_e(word))
    return out


def romanise(scheme: str, word: str) -> str:
    if scheme == "german":
        return german(word)
    if scheme == "informal":
        return informal(word)
    return iuliia_translate(scheme, word)


def latin_key(text: str) -> str:
    """How Latin spellings are compared for labels: lowercase, no apostrophes."""
    return "".join(c for c in text.lower() if c not in "'’ʹʼ`´")


class LatinIndex:
    """For each role: every Latin spelling of a roster name → the names spelled so."""

    def __init__(self, roster: Roster):
        self.index: dict[str, dict[str, set[str]]] = {role: defaultdict(set) for role in ROLES}
        for role in ROLES:
            for value in roster.values[role]:
                for form in {value, with_yo(value)}:
                    for scheme in (*IULIIA_SCHEMES, *OTHER_SCHEMES):
                        self.index[role][latin_key(romanise(scheme, form))].add(value)
        self.keys = {role: list(self.index[role]) for role in ROLES}

    def names(self, role: str, spelling: str) -> frozenset[str]:
        return frozenset(self.index[role].get(latin_key(spelling), ()))

    def unambiguous_typo(self, role: str, typo: str, original: str, value: str) -> bool:
        """Whether ``typo`` (of the spelling ``original`` of ``value``) is nearer to the
        spellings of ``value`` than to those of any other name."""
        typo, original = latin_key(typo), latin_key(original)
        if typo in self.index[role]:
            return False
        distance = OSA.distance(typo, original)
        near = process.extract(
            typo, self.keys[role], scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        return all(self.index[role][key] == {value} for key, _score, _i in near)


# --- Typos ---------------------------------------------------------------------------
_CYR_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
_LAT_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_CYR_SOUNDS = ("ао", "еи", "иы", "ея", "ую", "дт", "зс", "вф", "бп", "гк", "жш", "шщ", "лл", "нн")
_LAT_SOUNDS = ("ao", "ei", "iy", "ey", "kc", "sz", "vw", "fv", "ck", "ie", "ou")


def _neighbours(rows: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in rows:
        for i, ch in enumerate(row):
            out[ch] = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
    return out


_CYR_NEAR = _neighbours(_CYR_ROWS)
_LAT_NEAR = _neighbours(_LAT_ROWS)


def _confusions(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = defaultdict(str)
    for a, b in pairs:
        if a != b:
            out[a] += b
            out[b] += a
    return out


_CYR_CONFUSE = _confusions(_CYR_SOUNDS)
_LAT_CONFUSE = _confusions(_LAT_SOUNDS)


def typo(word: str, rng: random.Random, *, latin: bool) -> str:
    """One random edit: substitution (a keyboard neighbour or a sound-alike letter),
    deletion, insertion or transposition; the first letter only now and then."""
    low = word.lower()
    near, confuse = (_LAT_NEAR, _LAT_CONFUSE) if latin else (_CYR_NEAR, _CYR_CONFUSE)
    alphabet = "abcdefghiklmnoprstuvyz" if latin else "абвгдежзийклмнопрстуфхцчшыьэюя"
    first = 0 if rng.random() < 0.06 else 1
    op = rng.choices(("sub", "del", "ins", "swap"), weights=(4, 3, 2, 2))[0]
    if len(low) - first < 2:
        op = "sub"
    i = rng.randrange(first, len(low))
    ch = low[i]
    if op == "sub":
        pool = (confuse.get(ch, "") + near.get(ch, "")) if rng.random() < 0.8 else alphabet
        new = rng.choice([c for c in pool if c != ch] or [c for c in alphabet if c != ch])
        low = low[:i] + new + low[i + 1 :]
    elif op == "del":
        low = low[:i] + low[i + 1 :]
    elif op == "ins":
        pool = near.get(ch, "") or alphabet
        low = low[:i] + rng.choice(pool) + low[i:]
    else:
        i = min(i, len(low) - 2)
        low = low[:i] + low[i + 1] + low[i] + low[i + 2 :]
    out = "".join(
        (c.upper() if j < len(word) and word[j].isupper() else c) for j, c in enumerate(low)
    )
    return out[:1].upper() + out[1:]


# --- Queries -------------------------------------------------------------------------
@dataclass
class Query:
    kind: str
    query: str
    spec: Spec
    target: int
    note: str = ""
    relevant: list[int] = field(default_factory=list)

    def as_dict(self, roster: Roster) -> dict:
        target = roster.people[self.target]
        return {
            "kind": self.kind,
            "query": self.query,
            "relevant": self.relevant,
            "target": self.target,
            "name": target.full_name,
            "birth_year": target.birth_year,
            "note": self.note,
        }


def _spec(p: Person, roles: Iterable[str], **extra) -> Spec:
    roles = set(roles)
    return Spec(
        surnames=frozenset({p.surname}),
        givens=frozenset({p.given}) if "given" in roles else None,
        patronymics=frozenset({p.patronymic}) if "patronymic" in roles and p.patronymic else None,
        **extra,
    )


def _letter_case(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:
        return text.lower()
    if r < 0.17:
        return text.upper()
    return text


def _year_text(year: int, rng: random.Random) -> str:
    return rng.choice(
        (
            f"{year}",
            f"{year % 100:02d} г.р.",
            f"{year} г.р.",
            f"{year}г.р.",
            f"{year} года рождения",
        )
    )


class Generator:
    """Writes queries of every kind about people drawn from a roster."""

    def __init__(self, roster: Roster, seed: int):
        self.roster = roster
        self.rng = random.Random(seed)
        self._latin: LatinIndex | None = None
        self._yo_people: list[Person] | None = None

    @property
    def latin(self) -> LatinIndex:
        if self._latin is None:
            self._latin = LatinIndex(self.roster)
        return self._latin

    def person(self) -> Person:
        return self.rng.choice(self.roster.public)

    def generate(
        self, per_kind: int, kinds: Sequence[str] = KINDS, *, skip_impossible: bool = False
    ) -> list[Query]:
        """``per_kind`` queries of each kind; with ``skip_impossible``, fewer (or none) of a
        kind the roster cannot give (a tiny roster has no namesakes) rather than an error."""
        out: list[Query] = []
        for kind in kinds:
            make: Callable[[], Query | None] = getattr(self, f"make_{kind}")
            seen: set[str] = set()
            made = attempts = 0
            while made < per_kind:
                attempts += 1
                if attempts > per_kind * 200:
                    if skip_impossible:
                        break
                    raise RuntimeError(f"could not write {per_kind} {kind} queries")
                q = make()
                if q is None or q.query in seen:
                    continue
                q.relevant = self.roster.relevant(q.spec)
                if q.target not in q.relevant:
                    raise AssertionError(f"{q.query!r}: target not relevant")
                seen.add(q.query)
                out.append(q)
                made += 1
        return out

    # Each maker returns None when the drawn person does not suit the kind.
    def make_exact(self) -> Query | None:
        p = self.person()
        text, extra = p.full_name, {}
        if p.birth_year and self.rng.random() < 0.2:
            text = f"{text} {_year_text(p.birth_year, self.rng)}"
            extra["birth_year"] = p.birth_year
        return Query("exact", _letter_case(text, self.rng), _spec(p, ROLES, **extra), p.id)

    def make_declined(self) -> Query | None:
        p = self.person()
        case = self.rng.choice(("gent", "datv", "ablt", "loct"))
        order = self.rng.choices(
            (
                ("surname", "given", "patronymic"),
                ("given", "patronymic", "surname"),
                ("given", "surname"),
                ("surname", "given"),
            ),
            weights=(4, 3, 3, 2),
        )[0]
        words = []
        for role in order:
            if not p.part(role):
                return None
            form = inflect(p.part(role), role, case)
            if form is None:
                return None
            words.append(form if self.rng.random() < 0.3 else _e(form))
        text = " ".join(words)
        if case == "loct":
            text = ("об " if text[0] in "АОУЭИЕЁЮЯ" else "о ") + text
        elif case == "datv" and self.rng.random() < 0.3:
            text = "к " + text
        return Query("declined", text, _spec(p, order), p.id, note=case)

    def _latin_words(self, p: Person, scheme: str, order: Sequence[str]) -> list[str] | None:
        yo = self.rng.random() < 0.5
        words = []
        for role in order:
            value = p.part(role)
            if not value:
                return None
            words.append(romanise(scheme, with_yo(value) if yo else value))
        return words

    def _latin_spec(self, p: Person, order: Sequence[str], words: Sequence[str]) -> Spec:
        """Every roster name spelled like the query, in any scheme."""
        found = {role: self.latin.names(role, w) for role, w in zip(order, words, strict=True)}
        for role in order:
            assert p.part(role) in found[role], (p, role, found[role])
        return Spec(
            surnames=found["surname"],
            givens=found.get("given"),
            patronymics=found.get("patronymic"),
        )

    def _draw_scheme(self) -> str:
        schemes = {**IULIIA_SCHEMES, **OTHER_SCHEMES}
        return self.rng.choices(list(schemes), weights=list(schemes.values()))[0]

    def _latin_order(self) -> tuple[str, ...]:
        return self.rng.choices(
            (("surname", "given"), ("surname", "given", "patronymic"), ("given", "surname")),
            weights=(5, 2, 3),
        )[0]

    def make_latin(self) -> Query | None:
        p = self.person()
        scheme = self._draw_scheme()
        if scheme == "informal" and not p.surname.endswith(("ов", "ев")):
            return None
        order = self._latin_order()
        words = self._latin_words(p, scheme, order)
        if words is None:
            return None
        spec = self._latin_spec(p, order, words)
        text = _letter_case(" ".join(words), self.rng)
        return Query("latin", text, spec, p.id, note=scheme)

    def make_latin_typo(self) -> Query | None:
        p = self.person()
        scheme = self.rng.choices(list(IULIIA_SCHEMES), weights=list(IULIIA_SCHEMES.values()))[0]
        order = self._latin_order()
        words = self._latin_words(p, scheme, order)
        if words is None:
            return None
        spec = self._latin_spec(p, order, words)
        role = "surname" if self.rng.random() < 0.75 else "given"
        i = order.index(role)
        if len(words[i]) < 4:
            return None
        wrong = typo(words[i], self.rng, latin=True)
        if latin_key(wrong) == latin_key(words[i]):
            return None
        if not self.latin.unambiguous_typo(role, wrong, words[i], p.part(role)):
            return None
        note = f"{scheme}: {words[i]} → {wrong}"
        words[i] = wrong
        return Query("latin_typo", " ".join(words), spec, p.id, note=note)

    def make_cyrillic_typo(self) -> Query | None:
        p = self.person()
        order = self.rng.choices(
            (("surname", "given"), ("surname", "given", "patronymic"), ("given", "surname")),
            weights=(4, 4, 2),
        )[0]
        if "patronymic" in order and not p.patronymic:
            return None
        role = self.rng.choices(("surname", "given", "patronymic"), weights=(7, 2, 1))[0]
        if role not in order:
            role = "surname"
        value = p.part(role)
        edits = 2 if len(value) >= 6 and self.rng.random() < 0.4 else 1
        wrong = value
        for _ in range(edits):
            wrong = typo(wrong, self.rng, latin=False)
        distance = OSA.distance(wrong.lower(), value.lower())
        if distance == 0 or _e(wrong.lower()) in self.roster.all_values:
            return None
        others = process.extract(
            wrong,
            self.roster.values[role],
            scorer=OSA.distance,
            processor=str.lower,
            score_cutoff=distance,
            limit=None,
        )
        if any(name != value for name, _d, _i in others):
            return None
        words = [wrong if r == role else p.part(r) for r in order]
        return Query(
            "cyrillic_typo", " ".join(words), _spec(p, order), p.id, note=f"{value} → {wrong}"
        )

    def make_partial(self) -> Query | None:
        p = self.person()
        form = self.rng.choice(("given", "year", "initials"))
        if form == "given":
            text = f"{p.surname} {p.given}"
            return Query("partial", text, _spec(p, ("surname", "given")), p.id, note=form)
        if form == "year":
            if not p.birth_year:
                return None
            text = f"{p.surname} {_year_text(p.birth_year, self.rng)}"
            spec = _spec(p, ("surname",), birth_year=p.birth_year)
            return Query("partial", text, spec, p.id, note=form)
        if not p.patronymic:
            return None
        g, pa = p.given[0], p.patronymic[0]
        text = self.rng.choice(
            (f"{p.surname} {g}.{pa}.", f"{p.surname} {g}. {pa}.", f"{g}.{pa}. {p.surname}")
        )
        spec = _spec(p, ("surname",), initials=(g, pa))
        return Query("partial", text, spec, p.id, note=form)

    def make_transposed(self) -> Query | None:
        """Two neighbouring letters swapped (once, or twice in a longer name), the
        commonest slip of fast typing: it breaks the trigrams of both letters."""
        p = self.person()
        order = self.rng.choices(
            (("surname", "given"), ("surname", "given", "patronymic"), ("given", "surname")),
            weights=(4, 4, 2),
        )[0]
        if "patronymic" in order and not p.patronymic:
            return None
        role = self.rng.choices(("surname", "given", "patronymic"), weights=(7, 2, 1))[0]
        if role not in order:
            role = "surname"
        value = p.part(role)
        swaps = 2 if len(value) >= 7 and self.rng.random() < 0.4 else 1
        low = value.lower()
        for _ in range(swaps):
            i = self.rng.randrange(1, len(low) - 1)
            low = low[:i] + low[i + 1] + low[i] + low[i + 2 :]
        wrong = low[:1].upper() + low[1:]
        distance = OSA.distance(low, value.lower())
        if distance == 0 or _e(low) in self.roster.all_values:
            return None
        others = process.extract(
            wrong,
            self.roster.values[role],
            scorer=OSA.distance,
            processor=str.lower,
            score_cutoff=distance,
            limit=None,
        )
        if any(name != value for name, _d, _i in others):
            return None
        words = [wrong if r == role else p.part(r) for r in order]
        return Query(
            "transposed", " ".join(words), _spec(p, order), p.id, note=f"{value} → {wrong}"
        )

    def make_namesake(self) -> Query | None:
        """A name several people share, with the year or the patronymic that tells the
        person apart (or not: then every namesake is relevant)."""
        p = self.person()
        shared = [
            o
            for o in self.roster.by_surname[p.surname]
            if o.public and o.given == p.given and o.id != p.id
        ]
        if not shared:
            return None
        if p.birth_year and self.rng.random() < 0.6:
            text = f"{p.surname} {p.given} {p.birth_year}"
            spec = _spec(p, ("surname", "given"), birth_year=p.birth_year)
        elif p.patronymic:
            text = p.full_name
            spec = _spec(p, ROLES)
        else:
            return None
        return Query("namesake", text, spec, p.id, note=f"{len(shared) + 1} namesakes")

    def make_yo(self) -> Query | None:
        if self._yo_people is None:
            has_yo = {v for role in ROLES for v in self.roster.values[role] if with_yo(v) != v}
            self._yo_people = [
                p for p in self.roster.public if {p.surname, p.given, p.patronymic} & has_yo
            ]
        p = self.rng.choice(self._yo_people)
        order = self.rng.choices(
            (("surname", "given", "patronymic"), ("surname", "given"), ("given", "surname")),
            weights=(5, 3, 2),
        )[0]
        words = [with_yo(p.part(r)) for r in order]
        if not any("ё" in w for w in words):
            return None
        return Query("yo", " ".join(words), _spec(p, order), p.id)

    def make_reordered(self) -> Query | None:
        p = self.person()
        order = self.rng.choices(
            (
                ("given", "patronymic", "surname"),
                ("given", "surname"),
                ("given", "surname", "patronymic"),
                ("surname", "patronymic", "given"),
                ("patronymic", "given", "surname"),
                ("patronymic", "surname", "given"),
            ),
            weights=(5, 4, 2, 2, 1, 1),
        )[0]
        if "patronymic" in order and not p.patronymic:
            return None
        text = _letter_case(" ".join(p.part(r) for r in order), self.rng)
        return Query("reordered", text, _spec(p, order), p.id, note="-".join(r[0] for r in order))


# --- Files ---------------------------------------------------------------------------
def write(path: Path, header: dict, queries: Sequence[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for q in queries:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")


def read(path: Path) -> tuple[dict, list[dict]]:
    """The header (roster and seeds) and the queries of a query file."""
    with path.open(encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return lines[0], lines[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000, help="roster size")
    parser.add_argument("--roster-seed", type=int, default=2024, help="demo_data seed")
    parser.add_argument("--seed", type=int, default=7, help="query generator seed")
    parser.add_argument("--per-kind", type=int, default=45)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args()

    people = demo_roster(args.people, args.roster_seed)
    roster = Roster(people)
    queries = Generator(roster, args.seed).generate(args.per_kind)
    header = {
        "roster": {
            "generator": "conscripts.demo_data.people",
            "people": args.people,
            "seed": args.roster_seed,
            "sha256": fingerprint(people),
        },
        "seed": args.seed,
        "per_kind": args.per_kind,
        "kinds": list(KINDS),
        "queries": len(queries),
    }
    write(args.out, header, [q.as_dict(roster) for q in queries])
    sizes = [len(q.relevant) for q in queries]
    print(
        f"{len(queries)} queries over {args.people} people → {args.out}"
        f" (relevant set: median {sorted(sizes)[len(sizes) // 2]}, max {max(sizes)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
