"""Find people by any spelling of their name, or by unit.

Two stages:

1. Candidates from indexes. Every person stores phonetic keys of their
   surname, given name and patronymic (``names.skeleton``: «Иванов»,
   «Ivanov», «Iwanow» and «Ivanoff» share one key). The distinct keys form a
   small vocabulary (``NameKey``) with a trigram GIN index: each query word is
   matched there, tolerating typos, declension and transliteration, and the
   people whose (surname key, given-name key) pair matches are read through a
   btree index. On SQLite the vocabulary is matched in Python instead.
   The first look takes a word that matches a key exactly for that key alone;
   when nobody then fits well, a second look adds the similar keys and, for
   the words without an exact key, a wider vocabulary lookup (two typos).
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

from django.db import connection, models
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from . import names
from .models import Conscript, NameKey

#: How many candidates the database hands to the re-ranker, at most (and so the most
#: matches a search returns). The database orders them by stated year, initials and
#: exact keys first, so that the best fit is among them; at a million people, 400
#: instead of 200 costs a fifth more time at p95 and found no one more.
CANDIDATE_LIMIT = 200
#: Vocabulary keys kept per query word and role.
KEYS_PER_WORD = 12
#: Trigram similarity for the vocabulary lookup. The vocabulary holds distinct
#: keys (tens of thousands, not millions of rows), so a low threshold is cheap.
VOCAB_TRIGRAM_THRESHOLD = 0.3
#: Key similarity (``_similarity``, 0-100) a vocabulary key needs to count as a match.
VOCAB_MIN_RATIO = 66
#: When the best person found scores below this, the vocabulary is searched again
#: more widely: two typos in a short name («Цвткв», «Храиенок») share too few
#: trigrams with it for the first lookup.
WIDEN_BELOW = 0.92
WIDE_TRIGRAM_THRESHOLD = 0.1
WIDE_MIN_RATIO = 55
WIDE_KEYS_PER_WORD = 24

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
        if connection.vendor == "postgresql":
            # A bulk insert leaves the new keys in the GIN index's pending list, which
            # every lookup then scans in full (10x slower) until autovacuum gets to it.
            cursor.execute(
                "SELECT gin_clean_pending_list(c.oid) FROM pg_class c "
                "WHERE c.relname = 'namekey_key_trgm' AND c.relkind = 'i'"
            )
    return NameKey.objects.count()


# --- Query interpretation --------------------------------------------------------------
@dataclass
class Word:
    """One word of the query with the keys it may stand for."""

    text: str
    keys: set[str] = field(default_factory=set)
    given_keys: set[str] = field(default_factory=set)  # keys of the passport forms
    #: a word the dictionary knows as typed (names.is_dictionary_word): as a surname, a
    #: person's other surname one letter away is someone else, not a typo of it
    known: bool = False


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


def interpretation_as_json(interp: Interpretation) -> dict:
    """An interpretation kept with a saved query (a relative's watch), so that scoring it
    later needs no morphology."""
    return {
        "words": [
            {
                "text": w.text,
                "keys": sorted(w.keys),
                "given_keys": sorted(w.given_keys),
                "known": w.known,
            }
            for w in interp.words
        ],
        "initials": interp.initials,
        "birth_year": interp.birth_year,
        "birth_date": interp.birth_date.isoformat() if interp.birth_date else None,
        "unit_number": interp.unit_number,
    }


def interpretation_from_json(data: dict) -> Interpretation:
    return Interpretation(
        words=[
            Word(
                text=w["text"],
                keys=set(w["keys"]),
                given_keys=set(w["given_keys"]),
                known=w.get("known", False),
            )
            for w in data.get("words", [])
        ],
        initials=list(data.get("initials", [])),
        birth_year=data.get("birth_year"),
        birth_date=date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None,
        unit_number=data.get("unit_number"),
    )


def interpret(query: str) -> Interpretation:
    parsed = names.parse_query(query)
    tokens = list(parsed.name_tokens)
    words = [Word(text=t, known=names.is_dictionary_word(t)) for t in tokens]
    for word in words:
        word.keys |= names.skeletons(word.text)
        for candidate in names.given_name_candidates(word.text):
            word.given_keys.add(names.skeleton(candidate))
    # Declined names («Петрова Алексея Сергеевича», «об Илье Страхове») come back to
    # the nominative as a whole, so that the parts agree. Each nominative part was
    # restored from one of the words: add its keys to the word it resembles most
    # («Илье» and «Илья» share too little for a fixed threshold).
    cyrillic = [w for w in words if names.script_of(w.text) == "cyrillic"]
    parts = None
    if parsed.name is not None and len(cyrillic) == len(words):
        parts = parsed.name
    elif 1 < len(cyrillic) <= 4:
        parts = names.to_nominative([w.text for w in cyrillic])
    if parts is not None:
        for role, form in (
            ("surname", parts.surname),
            ("given", parts.given_name),
            ("patronymic", parts.patronymic),
        ):
            if not form:
                continue
            key = names.skeleton(form)
            word = max(cyrillic, key=lambda w: fuzz.ratio(key, names.skeleton(w.text)))
            word.keys.add(key)
            if role == "given":
                word.given_keys |= {names.skeleton(c) for c in names.given_name_candidates(form)}
    return Interpretation(
        words=words,
        initials=[i.upper() for i in parsed.initials],
        birth_year=parsed.birth_year,
        birth_date=parsed.birth_date,
        unit_number=parsed.unit_number,
    )


# --- Stage 1: candidates ---------------------------------------------------------------
def _vocabulary_matches(
    words: list[Word], *, wide: bool = False, vocabulary: type[models.Model] = NameKey
) -> list[dict[str, dict[str, float]]]:
    """Per word and role: matching vocabulary keys with their similarity (0-1).

    ``vocabulary``: a model of distinct (kind, key) rows with a trigram index on ``key``
    (``NameKey``, the people's; ``reports.WatchKey``, the relatives' watches').
    """
    threshold, min_ratio, keep = (
        (WIDE_TRIGRAM_THRESHOLD, WIDE_MIN_RATIO, WIDE_KEYS_PER_WORD)
        if wide
        else (VOCAB_TRIGRAM_THRESHOLD, VOCAB_MIN_RATIO, KEYS_PER_WORD)
    )
    probes = sorted({k for w in words for k in (w.keys | w.given_keys) if k})
    hits: dict[str, list[tuple[str, str]]] = {}  # probe -> [(kind, key)]
    if probes and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_limit(%s)", [threshold])
            cursor.execute(
                "SELECT q, v.kind, v.key FROM unnest(%s::text[]) AS q "  # noqa: S608 - a model's table
                f"JOIN {vocabulary._meta.db_table} v ON v.key %% q",
                [probes],
            )
            for probe, kind, key in cursor.fetchall():
                hits.setdefault(probe, []).append((kind, key))
    elif probes:
        known = list(vocabulary.objects.values_list("kind", "key"))
        for probe in probes:
            hits[probe] = [(k, v) for k, v in known if _similarity(probe, v) * 100 >= min_ratio]

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
                    if similarity * 100 >= min_ratio:
                        per_role[role][key] = max(per_role[role].get(key, 0.0), similarity)
            best = sorted(per_role[role].items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
            per_role[role] = dict(best)
        matches.append(per_role)
    return matches


def _similarity(a: str, b: str) -> float:
    """Similarity of two keys in 0-1: one minus the edits (a transposition is one)
    per letter of the longer key. Unlike an InDel ratio or a partial ratio, it does
    not rate a longer name containing the key («Бобыкин» for «Bykin») above the one
    letter typo (Букин)."""
    if a == b:
        return 1.0
    return OSA.normalized_similarity(a, b)


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


def _focused(matches: list[dict[str, dict[str, float]]]) -> list[dict[str, dict[str, float]]]:
    """The first look: a word that matches some key exactly stands for that key only.

    «Шатилов» then brings the few thousand Шатиловы of a million people, not also every
    Шаталов and Шилов; those come in the second look when nobody fits well
    («Петров А. И.» for Петраков Алексей Игоревич).
    """
    out = []
    for per_role in matches:
        if any(v == 1.0 for keys in per_role.values() for v in keys.values()):
            per_role = {
                role: {k: v for k, v in keys.items() if v == 1.0} for role, keys in per_role.items()
            }
        out.append(per_role)
    return out


def _widened(
    words: list[Word],
    matches: list[dict[str, dict[str, float]]],
    *,
    every_word: bool,
    vocabulary: type[models.Model] = NameKey,
) -> list[dict[str, dict[str, float]]]:
    """The second look: all of ``matches``, plus a wider vocabulary lookup for the words
    no key matched exactly (with ``every_word``, for all words: «Иан» is exactly the
    key of Ян, but nobody is called Ян Долгов)."""
    weak = [
        i
        for i, per_role in enumerate(matches)
        if every_word
        or max((v for keys in per_role.values() for v in keys.values()), default=0.0) < 1.0
    ]
    if not weak:
        return matches
    wide = _vocabulary_matches([words[i] for i in weak], wide=True, vocabulary=vocabulary)
    out = list(matches)
    for i, extra in zip(weak, wide, strict=True):
        out[i] = {
            role: dict(
                sorted({**matches[i][role], **extra[role]}.items(), key=lambda kv: (-kv[1], kv[0]))[
                    :WIDE_KEYS_PER_WORD
                ]
            )
            for role in ROLES
        }
    return out


def _name_ordering(matches: list[dict[str, dict[str, float]]]) -> list[Case]:
    """Within the limit, prefer the closest keys: a common full name has more namesakes
    than the limit at a few million people."""
    best = {
        role: sorted({k for m in matches for k, v in m[role].items() if v == 1.0}) for role in ROLES
    }
    if best["surname"]:
        exact = Q(surname_key__in=best["surname"])
        priority = [When(exact, then=3)]
        if best["given"]:
            exact &= Q(given_key__in=best["given"])
            priority.insert(0, When(exact, then=2))
            if best["patronymic"]:
                exact &= Q(patronymic_key__in=best["patronymic"])
                priority.insert(0, When(exact, then=1))
        return [Case(*priority, default=Value(4), output_field=IntegerField())]
    # The wider look: no exact key, so the most similar surnames first. (Left to ``ORDER
    # BY pk``, PostgreSQL walks the primary key past ~100,000 rows of a million looking
    # for 200 Кузнецовы, and the 200 are not the closest.)
    closeness: dict[str, float] = {}
    for m in matches:
        for key, similarity in m["surname"].items():
            closeness[key] = max(closeness.get(key, 0.0), similarity)
    if not closeness:
        return []
    ranked = sorted(closeness, key=lambda k: (-closeness[k], k))
    return [
        Case(
            *[When(surname_key=key, then=i) for i, key in enumerate(ranked)],
            default=Value(len(ranked)),
            output_field=IntegerField(),
        )
    ]


def _initials_fit(initials: list[str]) -> Q:
    """«Дубов Н. Е.»: the given name and patronymic start with the initials."""
    fits = Q()
    readings_per_initial = [_initial_readings(i) for i in initials]
    for readings, field_name in zip(
        readings_per_initial, ("given_name", "patronymic"), strict=False
    ):
        either = Q()
        for letter in readings:
            either |= Q(**{f"{field_name}__startswith": letter})
        fits &= either
    return fits


def candidates(
    interp: Interpretation,
    base: QuerySet,
    matches: list[dict[str, dict[str, float]]],
    *,
    exclude: Iterable[int] = (),
) -> list[Conscript]:
    """Up to CANDIDATE_LIMIT people fitting the vocabulary ``matches`` of the words."""
    qs = base
    if interp.unit_number:
        qs = qs.filter(unit__number=interp.unit_number)
    if exclude:
        qs = qs.exclude(pk__in=list(exclude))
    ordering = []
    if interp.words:
        condition = _candidate_filter(interp, matches)
        if condition is None:
            return []
        qs = qs.filter(condition)
        ordering = _name_ordering(matches)
    if interp.initials:
        # «Дубов Н. Е.»: the few Дубовы with those initials first.
        fits = _initials_fit(interp.initials)
        ordering.insert(0, Case(When(fits, then=0), default=Value(1), output_field=IntegerField()))
    if interp.birth_year:
        # The stated birth year first.
        ordering.insert(
            0,
            Case(
                When(birth_year=interp.birth_year, then=0),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    # Choose the ids first and join regions and units to the chosen few only: a
    # common surname matches thousands of rows at a million people. The order is
    # the re-ranker's business.
    # (Ordering a values() subquery by bare expressions makes Django write ORDER BY
    # positions outside its select list: order by annotations.)
    order = {f"_order{i}": expression for i, expression in enumerate(ordering)}
    chosen = qs.annotate(**order).order_by(*order, "pk").values("pk")[:CANDIDATE_LIMIT]
    model = base.model
    chosen_rows = model.objects.filter(pk__in=chosen).order_by()
    if model is Conscript:
        chosen_rows = chosen_rows.select_related("home_region", "unit")
    return list(chosen_rows)


def candidates_for(
    interp: Interpretation,
    base: QuerySet,
    *,
    vocabulary: type[models.Model],
    wide: bool = False,
    exclude: Iterable[int] = (),
) -> list:
    """Stage 1 for another set of named rows than people (``base``: a queryset of a
    model with the name parts, their keys and ``birth_year``, whose keys are in
    ``vocabulary``): the first look, or with ``wide``
    the second. The caller scores them (``rank``)."""
    if not interp.words:
        return []
    matches = _vocabulary_matches(interp.words, vocabulary=vocabulary)
    if wide:
        look = _widened(interp.words, matches, every_word=True, vocabulary=vocabulary)
    else:
        look = _focused(matches)
    return candidates(interp, base, look, exclude=exclude)


# --- Stage 2: re-ranking ---------------------------------------------------------------
#: The score from which a result is called a match («совпадение») rather than a similar
#: name («похожее имя»), provided nothing the query says contradicts the person.
#: Calibrated by ``bench/match_threshold.py`` on labelled queries for people who are and
#: who are not on record (see the README for the figures).
MATCH_THRESHOLD = 0.89
#: A name part the query gives that agrees less than this with the person's is a
#: contradiction («Пётр» for Иван), not another spelling of it. Patronymics share their
#: endings (-евич, -ович), so two fathers' names agree more: Валерьевич and Андреевич
#: are 0.67 alike.
CONTRADICTS_BELOW = {"surname": 0.66, "given": 0.66, "patronymic": 0.8}
MATCH, SIMILAR = "match", "similar"
#: The similarity of two spellings of one name (the same key); below it, another name.
SAME_KEY = 0.999


@dataclass
class Match:
    conscript: Conscript
    score: float
    #: why it matched: {"surname": "exact"|"spelling"|"similar", "birth_year": "match", …}
    reasons: dict[str, str]
    #: what the query says that the person contradicts: a name part, the birth year or
    #: date, the initials. A contradicted result is never a match, however it scores.
    contradicts: tuple[str, ...] = ()
    #: how well the name alone fits (0-1), before a birth year, date or initials count:
    #: an agreeing year ranks a namesake first, but does not make a similar name a match.
    name_score: float = 1.0

    @property
    def kind(self) -> str:
        """``"match"`` or ``"similar"``: the one decision every caller shows."""
        return match_kind(name_score=self.name_score, contradicts=self.contradicts)

    @property
    def is_match(self) -> bool:
        return self.kind == MATCH

    @property
    def explained(self) -> list[tuple[str, str]]:
        """The reasons in the reader's words: [(«surname», «other spelling or form»), …]."""
        return explain(self.reasons)


def explain(reasons: dict[str, str]) -> list[tuple[str, str]]:
    """Why something matched, in the reader's words (a ``Match``'s or a stored lead's)."""
    return [
        (str(REASON_FIELDS.get(what, what)), str(REASON_HOW.get(how, REASON_HOW["similar"])))
        for what, how in reasons.items()
    ]


REASON_FIELDS = {
    "surname": _("surname"),
    "given": _("given name"),
    "patronymic": _("patronymic"),
    "initials": _("initials"),
    "birth_year": _("birth year"),
    "birth_date": _("birth date"),
    "unit": _("unit"),
}


def match_kind(*, name_score: float, contradicts: Iterable[str] = ()) -> str:
    """A match when the name fits well enough and nothing the query says contradicts it;
    otherwise a similar name (which pages show without its status)."""
    return MATCH if name_score >= MATCH_THRESHOLD and not tuple(contradicts) else SIMILAR


REASON_HOW = {
    "exact": _("matches"),
    "match": _("matches"),
    "spelling": _("other spelling or form"),
    "similar": _("similar"),
}


#: A given name matched only through its passport form («Данила» for a stored Даниил,
#: «Дима» for Дмитрий) counts slightly less than the very name.
VARIANT_DISCOUNT = 0.97


def _field_agreement(word: Word, stored_key: str, stored_text: str, role: str) -> float:
    if not stored_key:
        return 0.0
    direct = max((_similarity(p, stored_key) for p in word.keys), default=0.0)
    if role != "given":
        return direct
    # The stored given key is that of the passport form (Данила and Даниил share it);
    # the spelling itself tells them apart.
    if stored_text:
        direct = max((_similarity(p, names.skeleton(stored_text)) for p in word.keys), default=0.0)
    probes = word.keys | word.given_keys
    variant = max((_similarity(p, stored_key) for p in probes), default=0.0)
    return max(direct, VARIANT_DISCOUNT * variant)


def _how(word: Word, stored_text: str, similarity: float) -> str:
    if names.clean(word.text).lower() == stored_text.lower():
        return "exact"
    return "spelling" if similarity >= 0.999 else "similar"


def rank(interp: Interpretation, people: list[Conscript]) -> list[Match]:
    return _ordered(_scored(interp, people))


def _ordered(scored: list[tuple[float, Match]]) -> list[Match]:
    # Matches first, then similar names; each on the raw score: clipping to 0-1 for
    # display must not make an exact name with a matching year tie with a near one that
    # also has the year. (A namesake whose year contradicts the query's may score above
    # a match on its name alone; it is still not the person asked for.)
    scored = sorted(
        scored,
        key=lambda r: (
            not r[1].is_match,
            -r[0],
            r[1].conscript.surname,
            r[1].conscript.given_name,
            r[1].conscript.pk,
        ),
    )
    return [match for _raw, match in scored]


def _scored(interp: Interpretation, people: list[Conscript]) -> list[tuple[float, Match]]:
    """Each person's raw score and ``Match``; people are scored independently.

    ``people`` may be anything with a person's name, key and birth attributes (a watch's
    description is scored the same way, ``reports.watching``).
    """
    results = []
    # Many candidates share a name (all the Ивановы Иваны): score each name once.
    name_scores: dict[tuple[str, ...], tuple[float, float, dict[str, str], tuple[str, ...]]] = {}
    agreements: dict[tuple[int, str, str, str], float] = {}
    initials = [_initial_readings(i) for i in interp.initials]
    for person in people:
        name = (
            person.surname_key,
            person.surname,
            person.given_key,
            person.given_name,
            person.patronymic_key,
            person.patronymic,
        )
        if name not in name_scores:
            name_scores[name] = _name_score(interp.words, name, agreements)
        score, name_score, reasons, contradicts = name_scores[name]
        reasons = dict(reasons)
        contradicted = list(contradicts)
        if initials:
            bonus = _initials_bonus(initials, person, reasons)
            score += bonus
            if bonus < 0:
                contradicted.append("initials")
        if interp.birth_date and person.birth_date:
            if person.birth_date == interp.birth_date:
                score += 0.1
                reasons["birth_date"] = "match"
            else:
                score -= 0.1
                contradicted.append("birth_date")
        elif interp.birth_year and person.birth_year:
            if person.birth_year == interp.birth_year:
                score += 0.1
                reasons["birth_year"] = "match"
            else:
                score -= 0.15
                contradicted.append("birth_year")
        if interp.unit_number and person.unit_id and person.unit.number == interp.unit_number:
            reasons["unit"] = "match"
        match = Match(
            conscript=person,
            score=max(0.0, min(1.0, score)),
            reasons=reasons,
            contradicts=tuple(contradicted),
            name_score=max(0.0, min(1.0, name_score)),
        )
        results.append((score, match))
    return results


def _name_score(
    words: list[Word], name: tuple[str, ...], agreements: dict[tuple[int, str, str, str], float]
) -> tuple[float, float, dict[str, str], tuple[str, ...]]:
    """How well the query words read as this name, in their best assignment to roles:
    the ranking score, the score the match decision reads, the reasons, and the name
    parts the query gives that the name contradicts.

    A patronymic the person has none of is unknown, not wrong: it contradicts nothing
    and the decision leaves it out (a post naming «Тимофей Горлицын» may be the
    «Горлицын Тимофей Андреевич» a relative looks for), while the ranking still puts a
    person whose patronymic agrees first.
    """
    n = len(words)
    if not n:
        return 1.0, 1.0, {}, ()
    stored = {"surname": name[0:2], "given": name[2:4], "patronymic": name[4:6]}
    roles_used = ROLES[: min(n, 3)]
    weight = sum(WEIGHTS[role] for role in roles_used)
    best = (-1.0, -1.0, {}, ())
    for assignment in itertools.permutations(range(n), len(roles_used)):
        total, known, known_weight, why, against = 0.0, 0.0, 0.0, {}, []
        for role, index in zip(roles_used, assignment, strict=True):
            key, text = stored[role]
            cache_key = (index, role, key, text)
            sim = agreements.get(cache_key)
            if sim is None:
                sim = agreements[cache_key] = _field_agreement(words[index], key, text, role)
            total += WEIGHTS[role] * sim
            if key or role != "patronymic":
                known += WEIGHTS[role] * sim
                known_weight += WEIGHTS[role]
            if sim >= 0.66:
                why[role] = _how(words[index], text, sim)
            if key and sim < CONTRADICTS_BELOW[role]:
                against.append(role)
            elif (
                role == "surname"
                and key
                and sim < SAME_KEY
                and words[index].known
                and names.is_dictionary_word(text)
            ):
                # Two surnames the dictionary knows, a letter apart, are two surnames:
                # «Иванов» is not a mistyped Иванцов. (An unknown spelling on either side
                # may be a typo of the other: «Иваов», «Кузнецев».)
                against.append(role)
        total /= weight
        if total > best[0]:
            best = (total, known / known_weight, why, tuple(against))
    return best


def _initial_readings(initial: str) -> set[str]:
    """Cyrillic letters an initial may stand for («J» is Ж or Й)."""
    return {initial} | {c[:1].upper() for c in names.to_cyrillic_candidates(initial)}


def _initials_bonus(initials: list[set[str]], person: Conscript, reasons: dict[str, str]) -> float:
    stored = [person.given_name[:1].upper(), person.patronymic[:1].upper()]
    agree = 0
    for readings, theirs in zip(initials, stored, strict=False):
        if not theirs:
            continue
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

    @property
    def is_empty(self) -> bool:
        return not (self.status or self.region_id or self.unit_number or self.birth_year)

    def apply(self, people: QuerySet) -> QuerySet:
        if self.status:
            people = people.filter(status=self.status)
        if self.region_id:
            people = people.filter(home_region_id=self.region_id)
        if self.unit_number:
            people = people.filter(unit__number=self.unit_number)
        if self.birth_year:
            people = people.filter(birth_year=self.birth_year)
        return people


def browse(filters: Filters) -> QuerySet:
    """Public people the filters alone select (no name), newest first: region, unit,
    status or birth year list people without a name to search for.

    Newest first rather than by name: at a million people, sorting the 600,000 missing
    by name costs over half a second, while the primary key is read in order.
    """
    return (
        filters.apply(Conscript.objects.public())
        .select_related("home_region", "unit")
        .order_by("-pk")
    )


@dataclass
class SearchResult:
    query: str
    matches: list[Match]
    interpretation: Interpretation | None


def search(
    query: str,
    *,
    filters: Filters | None = None,
    limit: int | None = None,
    people: QuerySet | None = None,
    widen: bool = True,
) -> SearchResult:
    """Public people matching ``query``, best first.

    ``query`` is free text: a name in any spelling and order, initials, a
    birth year or date, a unit number. Hidden people never appear, unless the
    caller passes ``people``: the set to search instead (the researchers'
    filter passes what it has left, which for moderators includes hidden records).
    ``widen=False`` skips the second, wider look for a badly mistyped name (the
    researchers' filter: a list narrowed by name, not a guess; it halves the cost of
    a name that fits nobody).
    """
    filters = filters or Filters()
    base = filters.apply(Conscript.objects.public() if people is None else people)
    interp = interpret(query) if query.strip() else None
    if interp is None or interp.is_empty:
        return SearchResult(query=query, matches=[], interpretation=interp)
    matches = _vocabulary_matches(interp.words) if interp.words else []
    focused = _focused(matches)
    people = candidates(interp, base, focused)
    scored = _scored(interp, people)
    ranked = _ordered(scored)
    if widen and interp.words and max((m.score for m in ranked), default=0.0) < WIDEN_BELOW:
        # Nobody fits well: a similar name, or a badly mistyped one. Look again, wider.
        wider = _widened(interp.words, matches, every_word=not people)
        if wider != focused:
            more = candidates(interp, base, wider, exclude=[p.pk for p in people])
            ranked = _ordered(scored + _scored(interp, more))
    if limit is not None:
        ranked = ranked[:limit]
    return SearchResult(query=query, matches=ranked, interpretation=interp)
