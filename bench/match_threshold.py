"""Calibrate ``conscripts.search.MATCH_THRESHOLD``: when is a result a match, when only a
similar name?

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/match_threshold.py [--people 20000] [--roster-seed 2024]
        [--per-kind 80] [--calibration-seed 31] [--holdout-seed 32] [--absent-seed 7077]
        [--database conscripts_bench_match] [--keep] [--json] [--examples]

The roster is ``conscripts.demo_data.people(people, seed=roster_seed)`` loaded into a
scratch database (as ``bench/search.py --quality`` does). Two kinds of labelled queries
are written with ``bench/search_queries.py``'s generator, one set per seed:

- **present**: about a public person of the roster, in every kind of that generator
  (exact, declined, Latin, Latin with a typo, Cyrillic typos, partial, ё, reordered)
  and ``namesake`` (the name of someone who shares surname and given name with others,
  with his birth year or patronymic). A query's relevant set is every public person
  consistent with what it says.
- **absent**: about people drawn from ``demo_data`` with another seed (the same name
  frequencies, so the same surnames and given names) whom nobody on record fits: the
  query's relevant set in the roster is empty. Kinds: exact (with or without the year),
  declined, Latin, Cyrillic typos, reordered, partial.

``search()`` runs once per query. Rates, at the threshold in the code:

- *true matches labelled «match»*: present queries whose best-ranked relevant result is
  labelled ``match``;
- *absent people labelled «match»*: absent queries with any result labelled ``match``;
- *strangers labelled «match»*: present queries with a result labelled ``match`` that is
  not relevant (someone else called a match).

The calibration set's sweep shows each rate per threshold; the threshold in the code is
the lowest at which no more than 1 % of absent people get a match on the calibration set,
and the held-out set (another seed) reports the rates that threshold gives.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from bench import scratch  # noqa: E402
from bench import search as search_bench  # noqa: E402 - sets up Django
from bench import search_queries as sq  # noqa: E402
from conscripts import demo_data  # noqa: E402
from conscripts import search as search_module  # noqa: E402

ABSENT_KINDS = ("exact", "declined", "latin", "cyrillic_typo", "reordered", "partial")
#: The absent people's ids start here (the roster's are its indexes).
ABSENT_ID_BASE = 10_000_000
#: The calibration rule: at most this share of absent people may be told «match».
ABSENT_TARGET = 0.01


class AbsentGenerator(sq.Generator):
    """Queries about people not on record. The labelling sees every name of both sets
    (a typo must not land on a roster name, a Latin spelling names every name spelled so);
    only absent people are drawn."""

    def __init__(self, union: sq.Roster, absent: Sequence[sq.Person], seed: int):
        super().__init__(union, seed)
        self.absent = [p for p in absent if p.public]

    def person(self) -> sq.Person:
        return self.rng.choice(self.absent)


def _without_yo(people: Sequence[sq.Person]) -> sq.Roster:
    return sq.Roster(
        [
            sq.Person(
                p.id, sq._e(p.surname), sq._e(p.given), sq._e(p.patronymic), p.birth_year, p.public
            )
            for p in people
        ]
    )


def _spec_without_yo(spec: sq.Spec) -> sq.Spec:
    def e(values):
        return None if values is None else frozenset(sq._e(v) for v in values)

    return sq.Spec(
        surnames=e(spec.surnames),
        givens=e(spec.givens),
        patronymics=e(spec.patronymics),
        birth_year=spec.birth_year,
        initials=spec.initials,
    )


def present_queries(roster: sq.Roster, seed: int, per_kind: int) -> list[dict]:
    generator = sq.Generator(roster, seed)
    queries = generator.generate(per_kind, (*sq.KINDS, "namesake"))
    return [{**q.as_dict(roster), "present": True} for q in queries]


def absent_queries(
    roster: sq.Roster, absent_people: list[sq.Person], seed: int, per_kind: int
) -> list[dict]:
    union = sq.Roster([*roster.people.values(), *absent_people])
    # Артём and Артем are one name: nobody on record may fit either way of writing it.
    plain = _without_yo(list(roster.people.values()))
    generator = AbsentGenerator(union, absent_people, seed)
    out: list[dict] = []
    for kind in ABSENT_KINDS:
        kept, seen, attempts = 0, set(), 0
        while kept < per_kind:
            attempts += 1
            if attempts > per_kind * 400:
                raise RuntimeError(f"could not write {per_kind} absent {kind} queries")
            q = getattr(generator, f"make_{kind}")()
            if q is None or q.query in seen:
                continue
            seen.add(q.query)
            if plain.relevant(_spec_without_yo(q.spec)):  # someone on record fits it
                continue
            out.append(
                {
                    "kind": kind,
                    "query": q.query,
                    "relevant": [],
                    "target": None,
                    "name": union.people[q.target].full_name,
                    "birth_year": union.people[q.target].birth_year,
                    "note": q.note,
                    "present": False,
                }
            )
            kept += 1
    return out


def run_queries(queries: list[dict]) -> list[dict]:
    """Each query with its results: (roster id, score, contradictions), best first."""
    out = []
    for q in queries:
        matches = search_module.search(q["query"]).matches
        out.append(
            {
                **q,
                "results": [
                    (m.conscript.pk - 1, m.name_score, list(m.contradicts)) for m in matches[:50]
                ],
            }
        )
    return out


def decide(score: float, contradicts: list[str], threshold: float) -> bool:
    return score >= threshold and not contradicts


def rates(answered: list[dict], threshold: float) -> dict:
    present = [q for q in answered if q["present"]]
    absent = [q for q in answered if not q["present"]]
    true_match = stranger = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for q in present:
        relevant = set(q["relevant"])
        first = next((r for r in q["results"] if r[0] in relevant), None)
        hit = first is not None and decide(first[1], first[2], threshold)
        true_match += hit
        by_kind[q["kind"]][0] += hit
        by_kind[q["kind"]][1] += 1
        stranger += any(
            r[0] not in relevant and decide(r[1], r[2], threshold) for r in q["results"]
        )
    false_match = 0
    absent_by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for q in absent:
        hit = any(decide(r[1], r[2], threshold) for r in q["results"])
        false_match += hit
        absent_by_kind[q["kind"]][0] += hit
        absent_by_kind[q["kind"]][1] += 1
    return {
        "threshold": threshold,
        "present": len(present),
        "absent": len(absent),
        "true_matches_labelled_match": round(true_match / len(present), 4) if present else None,
        "absent_labelled_match": round(false_match / len(absent), 4) if absent else None,
        "strangers_labelled_match": round(stranger / len(present), 4) if present else None,
        "present_by_kind": {k: round(h / n, 3) for k, (h, n) in sorted(by_kind.items())},
        "absent_by_kind": {k: round(h / n, 3) for k, (h, n) in sorted(absent_by_kind.items())},
    }


def calibrate(answered: list[dict]) -> tuple[float, list[dict]]:
    """The sweep, and the lowest threshold keeping absent matches within the target."""
    sweep = [rates(answered, t / 100) for t in range(60, 101)]
    chosen = next(
        (r["threshold"] for r in sweep if r["absent_labelled_match"] <= ABSENT_TARGET), 1.0
    )
    return chosen, sweep


def examples(answered: list[dict], threshold: float, n: int = 8) -> dict:
    """A few of each kind of mistake, for reading."""
    rng = random.Random(0)
    missed, false = [], []
    for q in answered:
        if q["present"]:
            relevant = set(q["relevant"])
            first = next((r for r in q["results"] if r[0] in relevant), None)
            if first is None or not decide(first[1], first[2], threshold):
                missed.append((q["kind"], q["query"], q["name"], first and first[1:]))
        else:
            top = next((r for r in q["results"] if decide(r[1], r[2], threshold)), None)
            if top is not None:
                false.append((q["kind"], q["query"], q["name"], top))
    return {
        "missed": rng.sample(missed, min(n, len(missed))),
        "absent_matched": rng.sample(false, min(n, len(false))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--roster-seed", type=int, default=2024)
    parser.add_argument("--per-kind", type=int, default=80)
    parser.add_argument("--calibration-seed", type=int, default=31)
    parser.add_argument("--holdout-seed", type=int, default=32)
    parser.add_argument("--absent-seed", type=int, default=7077)
    parser.add_argument("--database", default="conscripts_bench_match")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--examples", action="store_true", help="print missed and false ones")
    args = parser.parse_args()

    records = list(demo_data.people(args.people, seed=args.roster_seed))
    people = [
        sq.Person(r.index, r.surname, r.given_name, r.patronymic, r.birth_year, r.is_public)
        for r in records
    ]
    roster = sq.Roster(people)
    absent_people = [
        sq.Person(
            ABSENT_ID_BASE + r.index, r.surname, r.given_name, r.patronymic, r.birth_year, True
        )
        for r in demo_data.people(args.people, seed=args.absent_seed)
    ]
    start = time.perf_counter()
    sets = {}
    for name, seed in (("calibration", args.calibration_seed), ("holdout", args.holdout_seed)):
        sets[name] = present_queries(roster, seed, args.per_kind) + absent_queries(
            roster, absent_people, seed, args.per_kind
        )
    generate_seconds = time.perf_counter() - start

    start = time.perf_counter()
    scratch.create_database(args.database)
    search_bench.migrate(args.database)
    search_bench.load_roster(records)
    load_seconds = time.perf_counter() - start
    try:
        search_module.search("Иванов Иван 2005")  # pymorphy3 and caches outside the count
        answered = {name: run_queries(queries) for name, queries in sets.items()}
    finally:
        if not args.keep:
            search_bench.drop_database(args.database)

    chosen, sweep = calibrate(answered["calibration"])
    in_code = search_module.MATCH_THRESHOLD
    figures = {
        "command": " ".join(["bench/match_threshold.py", *sys.argv[1:]]),
        "people": args.people,
        "roster_seed": args.roster_seed,
        "per_kind": args.per_kind,
        "seeds": {
            "calibration": args.calibration_seed,
            "holdout": args.holdout_seed,
            "absent": args.absent_seed,
        },
        "generate_seconds": round(generate_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "calibrated_threshold": chosen,
        "threshold_in_code": in_code,
        "calibration": rates(answered["calibration"], in_code),
        "holdout": rates(answered["holdout"], in_code),
        "sweep": [
            {
                k: r[k]
                for k in (
                    "threshold",
                    "true_matches_labelled_match",
                    "absent_labelled_match",
                    "strangers_labelled_match",
                )
            }
            for r in sweep
        ],
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    if args.examples:
        figures["examples"] = examples(answered["holdout"], in_code)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        report(figures)
    return 0


def report(f: dict) -> None:
    print(f"== Match threshold: {f['people']} people (demo_data seed {f['roster_seed']}) ==")
    print(f"command: .venv/bin/python {f['command']}")
    print(f"load average: {' '.join(f['loadavg'])}")
    print("\nsweep on the calibration set (threshold: true matches / absent / strangers)")
    for r in f["sweep"]:
        if r["threshold"] >= 0.8 or round(r["threshold"] * 100) % 5 == 0:
            print(
                f"  {r['threshold']:.2f}: {r['true_matches_labelled_match']:.3f}"
                f"  {r['absent_labelled_match']:.3f}  {r['strangers_labelled_match']:.3f}"
            )
    print(
        f"\ncalibrated (absent ≤ {ABSENT_TARGET:.0%}): {f['calibrated_threshold']:.2f};"
        f" in the code (conscripts.search.MATCH_THRESHOLD): {f['threshold_in_code']:.2f}"
    )
    for name in ("calibration", "holdout"):
        r = f[name]
        print(
            f"\n{name} (seed {f['seeds'][name]}): {r['present']} present, {r['absent']} absent"
            f"\n  true matches labelled «match»:  {r['true_matches_labelled_match']:.3f}"
            f"\n  absent people labelled «match»: {r['absent_labelled_match']:.3f}"
            f"\n  strangers labelled «match»:     {r['strangers_labelled_match']:.3f}"
        )
        print(
            "  present by kind: "
            + ", ".join(f"{k} {v:.2f}" for k, v in r["present_by_kind"].items())
        )
        print(
            "  absent by kind:  "
            + ", ".join(f"{k} {v:.2f}" for k, v in r["absent_by_kind"].items())
        )
    for what, rows in f.get("examples", {}).items():
        print(f"\n-- {what} --")
        for row in rows:
            print("  ", row)


if __name__ == "__main__":
    raise SystemExit(main())
