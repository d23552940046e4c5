"""Find people by any spelling of their name, or by unit.

Two stages:

1. Candidates from indexes. Every person stores phonetic keys of their
   surname, given name and patronymic (``names.skeleton``: «Иванов»,
   «Ivanov», «Iwanow» and «Ivanoff» share one key). The distinct keys form a
   small vocabulary (``NameKey``) with a trigram GIN index: each query word is
   matched there, tolerating typos, declension and transliteration, and the
   people whose (surname key, given-name key) pair matches are read through a
   btree index. On SQLite the vocabulary is matched in Python instead.
2. Re-ranking in Python with rapidfuzz, with the patronymic, initials, birth
   date or year and unit as confirming signals, so that two people with the
   same name are told apart by year.

The page, the JSON API and ``manage.py search_conscripts`` all call
``search()`` and so return the same ranking.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from rapidfuzz import fuzz

from . import names
from .models import Conscript, NameKey

#: How many candidates the database hands to the re-ranker, at most.
CANDIDATE_LIMIT = 400
#: Vocabulary keys kept per query word and role.
KEYS_PER_WORD = 12
#: Trigram similarity for the vocabulary lookup. The vocabulary holds distinct
#: keys (tens of thousands, not millions of rows), so a low threshold is cheap.
VOCAB_TRIGRAM_THRESHOLD = 0.3
#: rapidfuzz ratio (0-100) a vocabulary key needs to count as a match.
VOCAB_MIN_RATIO = 66

ROLES = ("surname", "given", "patronymic")
KEY_FIELD = {"surname": "surname_key", "given": "given_key", "patronymic": "patronymic_key"}
WEIGHTS = {"surname": 0.5, "given": 0.35, "patronymic": 0.15}


# --- Keys ------------------------------------------------------------------------------
def name_keys(*, surname: str, given_name: str, patronymic: str = "") -> dict[str, str]:
    """The stored search keys of a nominative Cyrillic name."""
    return {
        "surname_key": names.skeleton(surname) if surname else "",
        "given_key": names.skeleton(names.canonical_given_name(given_name)) if given_name else "",
        "patronymic_key": names.skeleton(patronymic) if patronymic else "",
    }


def vocabulary_add(keys: Iterable[dict[str, str]]) -> None:
    """Add the keys of new or renamed people to the vocabulary (idempotent)."""
    rows = {
        (role, key[KEY_FIELD[role]]) for key in keys for role in ROLES if key.get(KEY_FIELD[role])
    }
    NameKey.objects.bulk_create(
        [NameKey(kind=role, key=value) for role, value in rows],
        ignore_conflicts=True,
        batch_size=5000,
    )


def vocabulary_rebuild() -> int:
    """Add every key present on people to the vocabulary; returns the vocabulary size.

    For bulk loads (seed, import) that write people without the service.
    """
    with connection.cursor() as cursor:
        for role in ROLES:
            column = KEY_FIELD[role]
            cursor.execute(
                f"INSERT INTO conscripts_namekey (kind, key) "  # noqa: S608 - fixed names
                f"SELECT DISTINCT %s, {column} FROM conscripts_conscript "
                f"WHERE {column} <> '' ON CONFLICT DO NOTHING",
                [role],
            )
    return NameKey.objects.count()


# --- Query interpretation --------------------------------------------------------------
@dataclass
class Word:
    """One word of the query with the keys it may stand for."""

    text: str
    keys: set[str] = field(default_factory=set)
    given_keys: set[str] = field(default_factory=set)  # keys of the passport forms


@dataclass
class Interpretation:
    words: list[Word]
    initials: list[str]
    birth_year: int | None
    birth_date: date | None
    unit_number: str | None

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.unit_number


def interpret(query: str) -> Interpretation:
    parsed = names.parse_query(query)
    tokens = list(parsed.name_tokens)
    words = [Word(text=t) for t in tokens]
    for word in words:
        word.keys |= names.skeletons(word.text)
        for candidate in names.given_name_candidates(word.text):
            word.given_keys.add(names.skeleton(candidate))
    # Declined names («Петрова Алексея Сергеевича») come back to the nominative
    # as a whole, so that the parts agree; add those keys to each word.
    cyrillic = [t for t in tokens if names.script_of(t) == "cyrillic"]
    if 1 < len(cyrillic) <= 4:
        parts = names.to_nominative(cyrillic)
        if parts is not None:
            nominative = [p for p in (parts.surname, parts.given_name, parts.patronymic) if p]
            for word in words:
                for form in nominative:
                    if fuzz.ratio(names.skeleton(form), names.skeleton(word.text)) >= 60:
                        word.keys.add(names.skeleton(form))
    return Interpretation(
        words=words,
        initials=[i.upper() for i in parsed.initials],
        birth_year=parsed.birth_year,
        birth_date=parsed.birth_date,
        unit_number=parsed.unit_number,
    )


# --- Stage 1: candidates ---------------------------------------------------------------
def _vocabulary_matches(words: list[Word]) -> list[dict[str, dict[str, float]]]:
    """Per word and role: matching vocabulary keys with their similarity (0-1)."""
    probes = sorted({k for w in words for k in (w.keys | w.given_keys) if k})
    hits: dict[str, list[tuple[str, str]]] = {}  # probe -> [(kind, key)]
    if probes and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_limit(%s)", [VOCAB_TRIGRAM_THRESHOLD])
            cursor.execute(
                "SELECT q, v.kind, v.key FROM unnest(%s::text[]) AS q "
                "JOIN conscripts_namekey v ON v.key %% q",
                [probes],
            )
            for probe, kind, key in cursor.fetchall():
                hits.setdefault(probe, []).append((kind, key))
    elif probes:
        vocabulary = list(NameKey.objects.values_list("kind", "key"))
        for probe in probes:
            hits[probe] = [(k, v) for k, v in vocabulary if fuzz.ratio(probe, v) >= VOCAB_MIN_RATIO]

    matches = []
    for word in words:
        per_role: dict[str, dict[str, float]] = {role: {} for role in ROLES}
        for role in ROLES:
            probes_for_role = word.keys | (word.given_keys if role == "given" else set())
            for probe in probes_for_role:
                for kind, key in hits.get(probe, ()):
                    if kind != role:
                        continue
                    similarity = _similarity(probe, key)
                    if similarity * 100 >= VOCAB_MIN_RATIO:
                        per_role[role][key] = max(per_role[role].get(key, 0.0), similarity)
            best = sorted(per_role[role].items(), key=lambda kv: -kv[1])[:KEYS_PER_WORD]
            per_role[role] = dict(best)
        matches.append(per_role)
    return matches


def _similarity(a: str, b: str) -> float:
    """Similarity of two keys in 0-1; forgiving of one typo in short keys."""
    if a == b:
        return 1.0
    return max(fuzz.ratio(a, b), fuzz.partial_ratio(a, b) - 8) / 100


def _candidate_filter(interp: Interpretation, matches) -> Q | None:
    """People whose keys fit some reading of the query's words."""
    words = range(len(interp.words))
    condition = Q()
    any_condition = False
    if len(interp.words) == 1:
        surnames = matches[0]["surname"]
        if surnames:
            condition |= Q(surname_key__in=list(surnames))
            any_condition = True
    for s, g in itertools.permutations(words, 2):
        surnames, givens = matches[s]["surname"], matches[g]["given"]
        if surnames and givens:
            condition |= Q(surname_key__in=list(surnames), given_key__in=list(givens))
            any_condition = True
    if len(interp.words) >= 2 and not any_condition:
        # A given name we do not know (or mistyped beyond recognition): fall
        # back to the surname alone and let the re-ranker judge.
        for s in words:
            if matches[s]["surname"]:
                condition |= Q(surname_key__in=list(matches[s]["surname"]))
                any_condition = True
    return condition if any_condition else None


def candidates(interp: Interpretation, base: QuerySet) -> list[Conscript]:
    qs = base
    if interp.unit_number:
        qs = qs.filter(unit__number=interp.unit_number)
    if interp.words:
        matches = _vocabulary_matches(interp.words)
        condition = _candidate_filter(interp, matches)
        if condition is None:
            return []
        qs = qs.filter(condition)
        # Within the limit, prefer the closest keys and the stated birth year.
        best_surnames = {k for m in matches for k, v in m["surname"].items() if v == 1.0}
        best_givens = {k for m in matches for k, v in m["given"].items() if v == 1.0}
        priority = [
            When(surname_key__in=list(best_surnames), given_key__in=list(best_givens), then=0),
            When(surname_key__in=list(best_surnames), then=1),
        ]
        ordering = [Case(*priority, default=Value(2), output_field=IntegerField())]
    else:
        ordering = []
    if interp.birth_year:
        ordering.insert(
            0,
            Case(
                When(birth_year=interp.birth_year, then=0),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    qs = qs.select_related("home_region", "unit").order_by(*ordering, "pk")
    return list(qs[:CANDIDATE_LIMIT])


# --- Stage 2: re-ranking ---------------------------------------------------------------
@dataclass
class Match:
    conscript: Conscript
    score: float
    #: why it matched: {"surname": "exact"|"spelling"|"similar", "birth_year": "match", …}
    reasons: dict[str, str]


def _field_agreement(word: Word, stored_key: str, stored_text: str, role: str) -> float:
    probes = word.keys | (word.given_keys if role == "given" else set())
    if not stored_key or not probes:
        return 0.0
    return max(_similarity(p, stored_key) for p in probes)


def _how(word: Word, stored_text: str, similarity: float) -> str:
    if names.clean(word.text).lower() == stored_text.lower():
        return "exact"
    return "spelling" if similarity >= 0.999 else "similar"


def rank(interp: Interpretation, people: list[Conscript]) -> list[Match]:
    results = []
    n = len(interp.words)
    for person in people:
        stored = {
            "surname": (person.surname_key, person.surname),
            "given": (person.given_key, person.given_name),
            "patronymic": (person.patronymic_key, person.patronymic),
        }
        reasons: dict[str, str] = {}
        score = 0.0
        if n:
            best_total, best_reasons = -1.0, {}
            roles_used = ROLES[: min(n, 3)]
            for assignment in itertools.permutations(range(n), len(roles_used)):
                total, why = 0.0, {}
                weight = 0.0
                for role, index in zip(roles_used, assignment, strict=False):
                    key, text = stored[role]
                    sim = _field_agreement(interp.words[index], key, text, role)
                    total += WEIGHTS[role] * sim
                    weight += WEIGHTS[role]
                    if sim >= 0.66:
                        why[role] = _how(interp.words[index], text, sim)
                total = total / weight if weight else 0.0
                if total > best_total:
                    best_total, best_reasons = total, why
            score, reasons = best_total, best_reasons
        else:
            score = 1.0
        if interp.initials:
            score += _initials_bonus(interp.initials, person, reasons)
        if interp.birth_date and person.birth_date:
            if person.birth_date == interp.birth_date:
                score += 0.1
                reasons["birth_date"] = "match"
            else:
                score -= 0.1
        elif interp.birth_year and person.birth_year:
            if person.birth_year == interp.birth_year:
                score += 0.1
                reasons["birth_year"] = "match"
            else:
                score -= 0.15
        if interp.unit_number and person.unit_id and person.unit.number == interp.unit_number:
            reasons["unit"] = "match"
        results.append(Match(conscript=person, score=max(0.0, min(1.0, score)), reasons=reasons))
    results.sort(
        key=lambda m: (-m.score, m.conscript.surname, m.conscript.given_name, m.conscript.pk)
    )
    return results


def _initials_bonus(initials: list[str], person: Conscript, reasons: dict[str, str]) -> float:
    stored = [person.given_name[:1].upper(), person.patronymic[:1].upper()]
    agree = 0
    for mine, theirs in zip(initials, stored, strict=False):
        if not theirs:
            continue
        readings = {mine} | {c[:1].upper() for c in names.to_cyrillic_candidates(mine)}
        if theirs in readings:
            agree += 1
        else:
            return -0.2
    if agree:
        reasons["initials"] = "match"
    return 0.05 * agree


# --- Entry point -----------------------------------------------------------------------
@dataclass
class Filters:
    status: str = ""
    region_id: int | None = None
    unit_number: str = ""
    birth_year: int | None = None


@dataclass
class SearchResult:
    query: str
    matches: list[Match]
    interpretation: Interpretation | None


def search(query: str, *, filters: Filters | None = None, limit: int | None = None) -> SearchResult:
    """Public people matching ``query``, best first.

    ``query`` is free text: a name in any spelling and order, initials, a
    birth year or date, a unit number. Hidden people never appear.
    """
    filters = filters or Filters()
    base = Conscript.objects.public()
    if filters.status:
        base = base.filter(status=filters.status)
    if filters.region_id:
        base = base.filter(home_region_id=filters.region_id)
    if filters.unit_number:
        base = base.filter(unit__number=filters.unit_number)
    if filters.birth_year:
        base = base.filter(birth_year=filters.birth_year)
    interp = interpret(query) if query.strip() else None
    if interp is None or interp.is_empty:
        return SearchResult(query=query, matches=[], interpretation=interp)
    ranked = rank(interp, candidates(interp, base))
    if limit is not None:
        ranked = ranked[:limit]
    return SearchResult(query=query, matches=ranked, interpretation=interp)
