"""Benchmark ``sources.extraction.extract`` on the labelled corpus.

Usage (from the repository root):

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/extraction.py [--json] [--errors]
        [--corpus tests/data/posts.jsonl] [--corpus tests/data/posts_holdout.jsonl]

Prints, per corpus: people precision/recall (a person counts when surname and given name
match after ё→е, case-insensitive), field accuracy over matched people, phone and video
precision/recall, and throughput on one process excluding the model load, which is timed
separately. Set OPENBLAS_NUM_THREADS=1: without it natasha is ~20x slower on small machines.

Then two speed figures that used to be wall-clock asserts in the tests (they failed under
load): one ~180,000-character post (target under 10 s) and a warm place lookup,
``geo.resolve_region`` on short strings (target under 1 ms a call).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conscripts import geo  # noqa: E402
from sources import extraction  # noqa: E402
from sources.extraction_eval import FIELDS, evaluate, load_corpus  # noqa: E402

DEFAULT_CORPORA = [ROOT / "tests/data/posts.jsonl", ROOT / "tests/data/posts_holdout.jsonl"]
TARGETS = {
    "precision": 0.95,
    "recall": 0.95,
    "field": 0.9,
    "posts_per_second": 100,
    "long_post_seconds": 10,
    "place_lookup_ms": 1,
}
# One name in the middle of 3,000 sentences of appeals (tests/test_extraction.py has it too).
_FILLER = "Мамы, не теряйте надежду, пишите в группу, делайте репосты. " * 1500
LONG_POST = _FILLER + "\nРазыскивается Захаров Максим Денисович, 2005 г.р., в/ч 11235.\n" + _FILLER
PLACES = ["Курск", "из Рыльска", "Курской обл.", "Питер", "из Старого Оскола", "Атлантида"]


def long_post_seconds(repeat: int) -> float:
    """Best of ``repeat`` extractions of LONG_POST; it must still find its one person."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        people = extraction.extract(LONG_POST).people
        best = min(best, time.perf_counter() - start)
        assert [(p.surname, p.given_name) for p in people] == [("Захаров", "Максим")]
    return best


def place_lookup_ms(rounds: int = 200) -> float:
    """Mean milliseconds a call of ``resolve_region`` on short strings, once warm."""
    for text in PLACES:
        geo.resolve_region(text)
    start = time.perf_counter()
    for _ in range(rounds):
        for text in PLACES:
            geo.resolve_region(text)
    return (time.perf_counter() - start) / (rounds * len(PLACES)) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="JSONL corpus (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="list every mismatch")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (best is kept)")
    args = parser.parse_args()
    corpora = args.corpus or [p for p in DEFAULT_CORPORA if p.exists()]

    start = time.perf_counter()
    extraction.load_models()
    # The first call also loads pymorphy's dictionaries and geo.py's place index.
    extraction.extract("Иванов Иван Иванович, 2005 г.р., родом из Курска, пропал.")
    load_seconds = time.perf_counter() - start

    results = {
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "model_load_seconds": round(load_seconds, 3),
        "corpora": {},
    }
    for path in corpora:
        corpus = load_corpus(path)
        report = evaluate(corpus, extraction.extract, keep_errors=True)
        # Throughput: best of several runs, so one slow run (a cold cache) does not count.
        for _ in range(max(0, args.repeat - 1)):
            again = evaluate(corpus, extraction.extract)
            report.seconds = min(report.seconds, again.seconds)
        figures = report.as_dict()
        if args.errors:
            figures["errors"] = report.errors
        results["corpora"][path.name] = figures
    results["long_post_seconds"] = round(long_post_seconds(args.repeat), 3)
    results["place_lookup_ms"] = round(place_lookup_ms(), 4)

    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0

    print(f"OPENBLAS_NUM_THREADS={results['openblas_num_threads']}")
    print(f"model load (natasha + first call): {load_seconds:.2f} s")
    for name, f in results["corpora"].items():
        people = f["people"]
        print(f"\n== {name}: {f['posts']} posts, {people['tp'] + people['fn']} people ==")
        print(
            f"people     precision {people['precision']:.3f}  recall {people['recall']:.3f}"
            f"  (tp {people['tp']}, fp {people['fp']}, fn {people['fn']})"
        )
        print(f"fields over {f['matched_people']} matched people:")
        for field_name in FIELDS:
            print(f"  {field_name:<13} {f['field_accuracy'][field_name]:.3f}")
        print(
            f"phones     precision {f['phones']['precision']:.3f}  "
            f"recall {f['phones']['recall']:.3f}"
        )
        print(
            f"videos     precision {f['videos']['precision']:.3f}  "
            f"recall {f['videos']['recall']:.3f}"
        )
        print(f"throughput {f['posts_per_second']} posts/s ({f['seconds']:.3f} s, best run)")
        for line in f.get("errors", []):
            print("  ", line)
    print(
        f"\nlong post ({len(LONG_POST):,} characters): {results['long_post_seconds']:.2f} s"
        f" (target under {TARGETS['long_post_seconds']} s, best run)"
    )
    print(
        f"place lookup, warm: {results['place_lookup_ms']:.4f} ms a call"
        f" (target under {TARGETS['place_lookup_ms']} ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
