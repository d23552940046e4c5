"""The extraction scorer, the bench and ``manage.py extract_post --batch`` agree.

No database. The bench runs here at a tiny size so that it keeps working in CI.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from sources import extraction
from sources.extraction_eval import evaluate, load_corpus, score

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests/data/posts.jsonl"


@pytest.fixture(scope="module")
def few_posts(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "few.jsonl"
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:6]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_extract_post_batch_gives_the_figures_of_the_in_process_run(few_posts):
    corpus = load_corpus(few_posts)
    out = io.StringIO()
    call_command("extract_post", batch=str(few_posts), stdout=out)
    printed = {str(o["id"]): o for o in map(json.loads, out.getvalue().splitlines())}
    assert set(printed) == {p["id"] for p in corpus}

    extraction.load_models()
    in_process = evaluate(corpus, extraction.extract).as_dict()
    from_command = score(corpus, printed).as_dict()
    for volatile in ("seconds", "posts_per_second"):
        in_process.pop(volatile)
        from_command.pop(volatile)
    assert from_command == in_process
    assert from_command["people"]["tp"] > 0


def test_the_scorer_counts_region_and_birth_date_only_where_the_label_gives_them():
    want = {"surname": "Тестов", "given_name": "Пётр", "patronymic": None}
    corpus = [
        {
            "id": "a",
            "kind": "search_post",
            "lang": "uk",
            "text": "",
            "expected": {
                "people": [
                    {**want, "region": None, "birth_date": None, "birth_year": 2005,
                     "unit_number": None, "status_claim": "missing"},
                    {"surname": "Пропущенов", "given_name": "Иван", "region": "Курская область",
                     "birth_date": "2005-01-02", "birth_year": 2005, "unit_number": None,
                     "patronymic": None, "status_claim": "missing"},
                ],
                "phones": [],
                "video_urls": [],
            },
        }
    ]  # fmt: skip
    got = {
        "a": {
            "id": "a",
            "people": [
                {"surname": "ТЕСТОВ", "given_name": "Петр", "patronymic": None,
                 "region": "Курская область", "birth_date": None, "birth_year": 2005,
                 "unit_number": None, "status_claim": "captured"},
            ],
            "phones": [],
            "video_urls": [],
        }
    }  # fmt: skip
    report = score(corpus, got)
    figures = report.as_dict()
    assert figures["people"] == {"precision": 1.0, "recall": 0.5, "tp": 1, "fp": 0, "fn": 1}
    assert figures["by_kind"]["search_post"]["recall"] == 0.5
    assert figures["by_lang"]["uk"]["fn"] == 1
    assert figures["field_counts"]["region"] == 0  # his label gives none
    assert figures["region_unasked"] == 1
    assert figures["field_counts"]["birth_date"] == 0
    assert figures["field_accuracy"]["birth_year"] == 1.0
    assert figures["field_accuracy"]["status_claim"] == 0.0


def test_the_bench_runs_on_a_few_posts_and_scores_command_output(few_posts, tmp_path):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    bench = [sys.executable, str(ROOT / "bench/extraction.py"), "--corpus", str(few_posts)]
    run = subprocess.run(
        [*bench, "--json", "--repeat", "1"], capture_output=True, text=True, env=env, check=True
    )
    figures = json.loads(run.stdout)["corpora"]["few.jsonl"]
    assert figures["posts"] == 6
    assert figures["posts_per_second"] > 0
    assert set(figures["by_kind"]) >= {"search_post"}

    out = io.StringIO()
    call_command("extract_post", batch=str(few_posts), stdout=out)
    outputs = tmp_path / "out.jsonl"
    outputs.write_text(out.getvalue(), encoding="utf-8")
    again = subprocess.run(
        [*bench, "--json", "--outputs", str(outputs)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    scored = json.loads(again.stdout)["corpora"]["few.jsonl"]
    for key in ("people", "field_accuracy", "by_kind", "by_lang", "region_unasked"):
        assert scored[key] == figures[key], key
