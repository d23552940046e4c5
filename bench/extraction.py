"""Benchmark ``sources.extraction.extract`` on labelled corpora.

Usage (from the repository root):

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/extraction.py [--json] [--errors]
        [--corpus tests/data/posts.jsonl] [--corpus bench/data/blind_dev.jsonl]
        [--outputs OUT.jsonl] [--limit N]

Prints, per corpus: people precision/recall (a person counts when surname and given name
match after ё→е, case-insensitive), overall and per post kind and per language (the
``lang`` field); field accuracy over matched people (region and full birth date only where
the label gives one; status claim, birth year, patronymic, unit over all); phone and video
precision/recall; and throughput on one process excluding the model load, which is timed
separately. Set OPENBLAS_NUM_THREADS=1: without it natasha is ~20x slower on small machines.

``--outputs OUT.jsonl`` scores lines already printed by ``manage.py extract_post --batch``
instead of running the extractor (one corpus only), with the same scorer.
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

from sources.extraction_eval import (  # noqa: E402
    CONDITIONAL_FIELDS,
    FIELDS,
    evaluate,
    load_corpus,
    load_outputs,
    score,
)

DEFAULT_CORPORA = [
    ROOT / "tests/data/posts.jsonl",
    ROOT / "tests/data/posts_holdout.jsonl",
    ROOT / "bench/data/blind_dev.jsonl",
    ROOT / "bench/data/blind_dev3.jsonl",
]
TARGETS = {
    "precision": 0.95,
    "recall": 0.95,
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
    from sources import extraction

    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        people = extraction.extract(LONG_POST).people
        best = min(best, time.perf_counter() - start)
        assert [(p.surname, p.given_name) for p in people] == [("Захаров", "Максим")]
    return best


def place_lookup_ms(rounds: int = 200) -> float:
    """Mean milliseconds a call of ``resolve_region`` on short strings, once warm."""
    from conscripts import geo

    for text in PLACES:
        geo.resolve_region(text)
    start = time.perf_counter()
    for _ in range(rounds):
        for text in PLACES:
            geo.resolve_region(text)
    return (time.perf_counter() - start) / (rounds * len(PLACES)) * 1000


def run(args: argparse.Namespace) -> dict:
    corpora = args.corpus or [p for p in DEFAULT_CORPORA if p.exists()]
    results: dict = {"openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"), "corpora": {}}
    if args.outputs:
        if len(corpora) != 1:
            raise SystemExit("--outputs scores one corpus: give exactly one --corpus")
        corpus = load_corpus(corpora[0])[: args.limit or None]
        report = score(corpus, load_outputs(args.outputs), keep_errors=True)
        figures = report.as_dict()
        if args.errors:
            figures["errors"] = report.errors
        results["corpora"][corpora[0].name] = figures
        return results

    from sources import extraction

    start = time.perf_counter()
    extraction.load_models()
    # The first call also loads pymorphy's dictionaries and geo.py's place index.
    extraction.extract("Иванов Иван Иванович, 2005 г.р., родом из Курска, пропал.")
    results["model_load_seconds"] = round(time.perf_counter() - start, 3)
    for path in corpora:
        corpus = load_corpus(path)[: args.limit or None]
        report = evaluate(corpus, extraction.extract, keep_errors=True)
        # Throughput: best of several runs, so one slow run (a cold cache) does not count.
        for _ in range(max(0, args.repeat - 1)):
            again = evaluate(corpus, extraction.extract)
            report.seconds = min(report.seconds, again.seconds)
        figures = report.as_dict()
        if args.errors:
            figures["errors"] = report.errors
        results["corpora"][path.name] = figures
    if not args.limit:
        results["long_post_seconds"] = round(long_post_seconds(args.repeat), 3)
        results["place_lookup_ms"] = round(place_lookup_ms(), 4)
    return results


def _pr(name: str, pr: dict) -> str:
    return (
        f"{name:<22} precision {pr['precision']:.3f}  recall {pr['recall']:.3f}"
        f"  (tp {pr['tp']}, fp {pr['fp']}, fn {pr['fn']})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="JSONL corpus (repeatable)")
    parser.add_argument("--outputs", type=Path, help="score `extract_post --batch` output")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="list every mismatch")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (best is kept)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N posts")
    args = parser.parse_args()
    results = run(args)

    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0

    print(f"OPENBLAS_NUM_THREADS={results['openblas_num_threads']}")
    if "model_load_seconds" in results:
        print(f"model load (natasha + first call): {results['model_load_seconds']:.2f} s")
    for name, f in results["corpora"].items():
        people = f["people"]
        print(f"\n== {name}: {f['posts']} posts, {people['tp'] + people['fn']} people ==")
        print(_pr("people", people))
        for kind, pr in f["by_kind"].items():
            print(_pr(f"  kind {kind}", pr))
        for lang, pr in f["by_lang"].items():
            print(_pr(f"  lang {lang}", pr))
        print(f"fields over {f['matched_people']} matched people:")
        for field_name in FIELDS:
            over = f["field_counts"][field_name]
            note = " (where the label gives one)" if field_name in CONDITIONAL_FIELDS else ""
            print(f"  {field_name:<13} {f['field_accuracy'][field_name]:.3f}  of {over}{note}")
        print(f"  region given where the label has none: {f['region_unasked']}")
        print(
            f"phones     precision {f['phones']['precision']:.3f}  "
            f"recall {f['phones']['recall']:.3f}"
        )
        print(
            f"videos     precision {f['videos']['precision']:.3f}  "
            f"recall {f['videos']['recall']:.3f}"
        )
        if f["posts_per_second"] is not None and "model_load_seconds" in results:
            print(f"throughput {f['posts_per_second']} posts/s ({f['seconds']:.3f} s, best run)")
        for line in f.get("errors", []):
            print("  ", line)
    if "long_post_seconds" not in results:
        return 0
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
