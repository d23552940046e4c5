"""Score ``sources.extraction`` against a labelled corpus (shared by the bench and the tests).

Plain Python. A corpus is JSON Lines: ``{"id", "kind", "text", "expected": {"people",
"phones", "video_urls"}}`` with ``people`` in the shape of ``Extraction.to_json``.

A predicted person matches an expected one when surname and given name are equal after
ё→е and case folding. Field accuracy is measured over matched people only.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIELDS = ("patronymic", "birth", "unit_number", "region", "status_claim")


def load_corpus(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _fold(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("ё", "е").replace("Ё", "Е").casefold().strip()
    return value


def person_key(person: dict[str, Any]) -> tuple[str, str]:
    return _fold(person["surname"]), _fold(person["given_name"])


def field_value(person: dict[str, Any], name: str) -> Any:
    if name == "birth":
        return person.get("birth_date"), person.get("birth_year")
    return _fold(person.get(name))


@dataclass
class _PR:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, predicted: Iterable[Any], expected: Iterable[Any]) -> None:
        p, e = Counter(predicted), Counter(expected)
        both = sum((p & e).values())
        self.tp += both
        self.fp += sum(p.values()) - both
        self.fn += sum(e.values()) - both


@dataclass
class Report:
    posts: int = 0
    people: _PR = field(default_factory=_PR)
    phones: _PR = field(default_factory=_PR)
    videos: _PR = field(default_factory=_PR)
    field_right: Counter = field(default_factory=Counter)
    field_total: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def field_accuracy(self, name: str) -> float:
        total = self.field_total[name]
        return self.field_right[name] / total if total else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "people": {
                "precision": round(self.people.precision, 4),
                "recall": round(self.people.recall, 4),
                "tp": self.people.tp,
                "fp": self.people.fp,
                "fn": self.people.fn,
            },
            "field_accuracy": {name: round(self.field_accuracy(name), 4) for name in FIELDS},
            "matched_people": self.field_total["patronymic"],
            "phones": {
                "precision": round(self.phones.precision, 4),
                "recall": round(self.phones.recall, 4),
            },
            "videos": {
                "precision": round(self.videos.precision, 4),
                "recall": round(self.videos.recall, 4),
            },
            "seconds": round(self.seconds, 4),
            "posts_per_second": round(self.posts / self.seconds, 1) if self.seconds else None,
        }


def evaluate(
    corpus: list[dict[str, Any]], extract: Callable[[str], Any], *, keep_errors: bool = False
) -> Report:
    """Run ``extract`` over every post and score it. Models should already be loaded."""
    report = Report(posts=len(corpus))
    outputs = []
    start = time.perf_counter()
    for post in corpus:
        outputs.append(extract(post["text"]).to_json(post["id"]))
    report.seconds = time.perf_counter() - start

    for post, got in zip(corpus, outputs, strict=True):
        want = post["expected"]
        report.people.add(map(person_key, got["people"]), map(person_key, want["people"]))
        report.phones.add(got["phones"], want["phones"])
        report.videos.add(got["video_urls"], want["video_urls"])
        got_by_key = {person_key(p): p for p in got["people"]}
        want_keys = {person_key(p) for p in want["people"]}
        for key in got_by_key.keys() - want_keys:
            report.errors.append(f"{post['id']}: extra person {' '.join(key)}")
        for person in want["people"]:
            key = person_key(person)
            mine = got_by_key.get(key)
            if mine is None:
                report.errors.append(f"{post['id']}: missed person {' '.join(key)}")
                continue
            for name in FIELDS:
                report.field_total[name] += 1
                if field_value(mine, name) == field_value(person, name):
                    report.field_right[name] += 1
                else:
                    report.errors.append(
                        f"{post['id']}: {' '.join(key)} {name}: got "
                        f"{field_value(mine, name)!r}, want {field_value(person, name)!r}"
                    )
        for what, key in (("phones", "phones"), ("videos", "video_urls")):
            if set(got[key]) != set(want[key]):
                report.errors.append(f"{post['id']}: {what} got {got[key]}, want {want[key]}")
    if not keep_errors:
        report.errors = []
    return report
