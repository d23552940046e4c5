"""Score ``sources.extraction`` against a labelled corpus (shared by the bench and the tests).

Plain Python. A corpus is JSON Lines: ``{"id", "kind", "lang"?, "text", "expected":
{"people", "phones", "video_urls"}}`` with ``people`` in the shape of ``Extraction.to_json``.

A predicted person matches an expected one when surname and given name are equal after
ё→е and case folding. A region is compared by the federal subject it names («Чувашская
Республика — Чувашия» is «Чувашская Республика»), a video link by the video it points to
(«youtu.be/X» is «www.youtube.com/watch?v=X»), however the label writer spelled them.

Field accuracy is measured over matched people only; the region and
the full birth date only over people whose expected value is not null (a post that does not
say where he is from cannot be got right or wrong), the other fields over all of them. A
region given where the label has none is counted apart (``region_unasked``).

``score`` takes outputs already made (``manage.py extract_post --batch`` lines), so the
figures of the management command and of the bench come from one scorer.
"""

from __future__ import annotations

import functools
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# In the order the goals list them.
FIELDS = ("region", "status_claim", "birth_date", "birth_year", "patronymic", "unit_number")
# Scored only where the label gives a value.
CONDITIONAL_FIELDS = frozenset({"region", "birth_date"})


def load_corpus(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _fold(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("ё", "е").replace("Ё", "Е").casefold().strip() or None
    return value


def person_key(person: dict[str, Any]) -> tuple[str, str]:
    return _fold(person["surname"]) or "", _fold(person["given_name"]) or ""


@functools.lru_cache(maxsize=1024)
def _region_name(value: str) -> str:
    from conscripts import geo

    region = geo.resolve_region(value)
    return region.name_ru if region is not None else value


def _video(url: str) -> str:
    from sources.extraction import normalise_video_url

    return normalise_video_url(url)


def field_value(person: dict[str, Any], name: str) -> Any:
    value = person.get(name)
    if name == "birth_year" and value is not None:
        return int(value)
    if name == "unit_number" and value is not None:
        return str(value).strip()
    if name == "region" and isinstance(value, str) and value.strip():
        return _fold(_region_name(value.strip()))
    return _fold(value)


@dataclass
class PR:
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class Report:
    posts: int = 0
    people: PR = field(default_factory=PR)
    phones: PR = field(default_factory=PR)
    videos: PR = field(default_factory=PR)
    by_kind: dict[str, PR] = field(default_factory=lambda: defaultdict(PR))
    by_lang: dict[str, PR] = field(default_factory=lambda: defaultdict(PR))
    field_right: Counter = field(default_factory=Counter)
    field_total: Counter = field(default_factory=Counter)
    region_unasked: int = 0  # a region given where the label has none
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def field_accuracy(self, name: str) -> float:
        total = self.field_total[name]
        return self.field_right[name] / total if total else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "people": self.people.as_dict(),
            "field_accuracy": {name: round(self.field_accuracy(name), 4) for name in FIELDS},
            "field_counts": {name: self.field_total[name] for name in FIELDS},
            "matched_people": self.people.tp,
            "region_unasked": self.region_unasked,
            "by_kind": {k: v.as_dict() for k, v in sorted(self.by_kind.items())},
            "by_lang": {k: v.as_dict() for k, v in sorted(self.by_lang.items())},
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


def score(
    corpus: list[dict[str, Any]],
    outputs: Mapping[str, dict[str, Any]],
    *,
    keep_errors: bool = False,
) -> Report:
    """Score outputs (``Extraction.to_json`` dicts by post id) against the corpus labels.

    A post with no output counts as an extraction that found nothing.
    """
    report = Report(posts=len(corpus))
    for post in corpus:
        got = outputs.get(str(post["id"])) or {"people": [], "phones": [], "video_urls": []}
        want = post["expected"]
        got_keys = [person_key(p) for p in got["people"]]
        want_keys = [person_key(p) for p in want["people"]]
        report.people.add(got_keys, want_keys)
        report.by_kind[post.get("kind") or "?"].add(got_keys, want_keys)
        report.by_lang[post.get("lang") or "?"].add(got_keys, want_keys)
        report.phones.add(got["phones"], want["phones"])
        got_videos = [_video(u) for u in got["video_urls"]]
        want_videos = [_video(u) for u in want["video_urls"]]
        report.videos.add(got_videos, want_videos)
        got_by_key = {person_key(p): p for p in got["people"]}
        for key in set(got_keys) - set(want_keys):
            report.errors.append(f"{post['id']}: extra person {' '.join(key)}")
        for person in want["people"]:
            key = person_key(person)
            mine = got_by_key.get(key)
            if mine is None:
                report.errors.append(f"{post['id']}: missed person {' '.join(key)}")
                continue
            for name in FIELDS:
                expected = field_value(person, name)
                if name in CONDITIONAL_FIELDS and expected is None:
                    if name == "region" and field_value(mine, name) is not None:
                        report.region_unasked += 1
                        report.errors.append(
                            f"{post['id']}: {' '.join(key)} region: got "
                            f"{field_value(mine, name)!r}, label has none"
                        )
                    continue
                report.field_total[name] += 1
                if field_value(mine, name) == expected:
                    report.field_right[name] += 1
                else:
                    report.errors.append(
                        f"{post['id']}: {' '.join(key)} {name}: got "
                        f"{field_value(mine, name)!r}, want {expected!r}"
                    )
        if set(got["phones"]) != set(want["phones"]):
            report.errors.append(f"{post['id']}: phones got {got['phones']}, want {want['phones']}")
        if set(got_videos) != set(want_videos):
            report.errors.append(f"{post['id']}: videos got {got_videos}, want {want_videos}")
    if not keep_errors:
        report.errors = []
    return report


def evaluate(
    corpus: list[dict[str, Any]], extract: Callable[[str], Any], *, keep_errors: bool = False
) -> Report:
    """Run ``extract`` over every post and score it. Models should already be loaded."""
    outputs: dict[str, dict[str, Any]] = {}
    start = time.perf_counter()
    for post in corpus:
        outputs[str(post["id"])] = extract(post["text"]).to_json(str(post["id"]))
    seconds = time.perf_counter() - start
    report = score(corpus, outputs, keep_errors=keep_errors)
    report.seconds = seconds
    return report


def load_outputs(path: str | Path) -> dict[str, dict[str, Any]]:
    """Lines printed by ``manage.py extract_post --batch``, by post id."""
    return {str(o["id"]): o for o in load_corpus(path)}
