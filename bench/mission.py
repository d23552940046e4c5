"""The mission figure: a stream of posts naming people goes through ingestion and a careful
moderator's use of the review queue; how many people come out, with which status?

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres):

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/mission.py [--stream bench/data/mission]
        [--moderator trusting|reading] [--database bench_mission] [--keep] [--json]
        [--limit N]

The stream (``posts.jsonl`` in time order, ``truth.json`` with every person and what each
post says of them) was written blind, from a brief, by someone who never saw the code:
119 fictional conscripts, 81 still missing and 38 seen as prisoners at the end, in 316
posts from relatives' groups and Ukrainian channels (declined and Ukrainian spellings,
typos, namesakes, lists, officials and mothers named beside them).

1. A scratch database (``bench.scratch``), migrated. Each channel becomes a source of
   its kind; its posts are written as that kind's export (Telegram Desktop JSON, VK
   ``wall.get``) and ingested one by one in time order through ``source_ingest``:
   the real adapters, ``item_extract`` and ``report_submit`` (tasks run in-process).
2. After each post, a moderator works the open queue, oldest first, with what the
   report page offers: the extracted fields, the prefilled evidence choice and the five
   candidates (``reports.selectors.report_candidates``). The moderator:
   - rejects a report about someone the post does not name as a conscript (reading the
     post tells a careful moderator that; it is the only use of the truth here),
   - merges it into a candidate that no identity field contradicts (birth date, birth
     year, patronymic, unit) and whose name matches (the same, another spelling or a
     typo), preferring the one with most fields in agreement; if two candidates fit
     equally and nothing tells them apart, leaves the report in the queue (asking for
     more information rather than guessing);
   - otherwise approves it as a new person.
   ``--moderator trusting`` (the default) keeps the prefilled kind and claim;
   ``--moderator reading`` corrects the claim to what the post says (an upper bound:
   what a moderator who reads every post closely achieves).
3. The public records are read back: each record is attributed to the true person most
   of its reports were about. Printed: the records by status against the truth, people
   found, split across records, conflated, missed; statuses right.
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
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from datetime import datetime  # noqa: E402

from bench import scratch  # noqa: E402

DEFAULT_STREAM = ROOT / "bench" / "data" / "mission"
IDENTITY = ("birth_date", "birth_year", "patronymic", "unit_number")


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = f"{scratch.PG_URL}/{database}"
    os.environ["REDIS_URL"] = ""  # tasks run in-process
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def fold(text: str | None) -> str:
    return (text or "").replace("ё", "е").replace("Ё", "Е").casefold().strip()


def export_document(kind: str, channel: str, posts: list[dict]) -> str:
    """The posts of one channel as that kind's export, as a monitor would save it."""
    if kind == "vk":
        owner = -(abs(hash(channel)) % 10_000_000 + 1)
        items = [
            {
                "id": int(p["id"][1:]),
                "owner_id": owner,
                "from_id": owner,
                "date": int(datetime.fromisoformat(p["published_at"]).timestamp()),
                "text": p["text"],
            }
            for p in posts
        ]
        return json.dumps({"response": {"count": len(items), "items": items}}, ensure_ascii=False)
    messages = [
        {
            "id": int(p["id"][1:]),
            "type": "message",
            "date_unixtime": str(int(datetime.fromisoformat(p["published_at"]).timestamp())),
            "text": p["text"],
        }
        for p in posts
    ]
    return json.dumps({"name": channel, "type": "public_channel", "messages": messages})


class Moderator:
    """The decisions described in the module docstring."""

    def __init__(self, *, user, truth: dict, posts: dict, style: str) -> None:
        self.user = user
        self.people = {p["id"]: p for p in truth["people"]}
        self.mentions = truth["mentions"]
        self.posts = posts
        self.style = style
        self.tally: Counter = Counter()
        self.report_person: dict[int, str] = {}  # report id → true person id

    def _true_mention(self, report, post_id: str):
        """The person of this post the report is about, by name (typos allowed)."""
        from rapidfuzz import fuzz

        best, best_score = None, 0.0
        for mention in self.mentions.get(post_id, []):
            person = self.people[mention["person"]]
            if fold(person["given_name"]) != fold(report.given_name):
                continue
            score = fuzz.ratio(fold(person["surname"]), fold(report.surname))
            if score > best_score:
                best, best_score = mention, score
        return best if best_score >= 80 else None

    def _fits(self, candidate) -> bool:
        if any(name in candidate.differ for name in IDENTITY):
            return False
        how = {candidate.reasons.get("surname"), candidate.reasons.get("given")}
        return "given" in candidate.reasons and "surname" in candidate.reasons and bool(how)

    def decide(self, report, post_id: str) -> None:
        from reports import selectors, services

        mention = self._true_mention(report, post_id)
        if mention is None:
            services.report_reject(report=report, moderator=self.user, reason="not a conscript")
            self.tally["rejected: not a conscript named in the post"] += 1
            return
        self.report_person[report.pk] = mention["person"]
        choice = services.evidence_choice_default(report)
        if self.style == "reading" and choice.claimed_status != mention["claim"]:
            choice.claimed_status = mention["claim"]
            choice.kind = services.CLAIM_KIND.get(mention["claim"], choice.kind)
            self.tally["claim corrected by reading"] += 1
        fitting = [c for c in selectors.report_candidates(report=report) if self._fits(c)]
        if fitting:
            fitting.sort(key=lambda c: (len(c.agree), c.score), reverse=True)
            top = fitting[0]
            tied = [c for c in fitting[1:] if len(c.agree) == len(top.agree)]
            if tied and not set(top.agree) & set(IDENTITY):
                self.tally["left in the queue: namesakes nothing tells apart"] += 1
                return
            services.report_merge(
                report=report, conscript=top.conscript, moderator=self.user, evidence=choice
            )
            self.tally["merged"] += 1
            return
        services.report_approve_new(report=report, moderator=self.user, evidence=choice)
        self.tally["approved as a new person"] += 1


def run(args) -> dict:
    stream = Path(args.stream)
    lines = (stream / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    posts = [json.loads(line) for line in lines if line.strip()]
    truth = json.loads((stream / "truth.json").read_text(encoding="utf-8"))
    if args.limit:
        posts = posts[: args.limit]
    scratch.create_database(args.database)
    setup_django(args.database)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from conscripts.models import Conscript
    from core import access
    from reports.models import OPEN_STATES, Report
    from sources import services as source_services
    from sources.models import Source

    user = get_user_model().objects.create_user("mission-moderator")
    user.groups.add(Group.objects.get(name=access.MODERATORS))
    moderator = Moderator(
        user=user, truth=truth, posts={p["id"]: p for p in posts}, style=args.moderator
    )
    sources = {}
    for p in posts:
        if p["channel"] not in sources:
            kind = "vk" if p["channel_kind"] == "vk" else "telegram"
            sources[p["channel"]] = Source.objects.create(
                kind=kind, name=p["channel"], base_url=f"https://t.me/{p['channel']}"
            )
    started = time.perf_counter()
    post_of_ref: dict[str, str] = {}
    for p in posts:
        source = sources[p["channel"]]
        doc = export_document(source.kind, p["channel"], [p])
        source_services.source_ingest(source=source, data=doc)
        external = str(int(p["id"][1:]))
        if source.kind == "vk":
            external = f"{json.loads(doc)['response']['items'][0]['owner_id']}_{external}"
        post_of_ref[f"{source.kind}:{source.name}:{external}"] = p["id"]
        for report in Report.objects.filter(state__in=OPEN_STATES).order_by("created_at", "pk"):
            if report.pk in moderator.report_person or report.state != "pending":
                continue
            ref = report.origin_ref.rpartition("#")[0]
            moderator.decide(report, post_of_ref[ref])
    seconds = time.perf_counter() - started

    # Read the records back and attribute each to a true person.
    records = list(Conscript.objects.public())
    by_record: dict[int, Counter] = defaultdict(Counter)
    for report in Report.objects.filter(conscript__isnull=False):
        person = moderator.report_person.get(report.pk)
        if person:
            by_record[report.conscript_id][person] += 1
    final = {p["id"]: p["final_status"] for p in truth["people"]}
    records_of: dict[str, list] = defaultdict(list)
    conflated = 0
    for record in records:
        owners = by_record.get(record.pk)
        if not owners:
            continue
        conflated += len(owners) > 1
        records_of[owners.most_common(1)[0][0]].append(record)
    right = sum(
        1 for person, recs in records_of.items() if any(r.status == final[person] for r in recs)
    )
    statuses = Counter(r.status for r in records)
    result = {
        "posts": len(posts),
        "truth": {"people": len(final), **Counter(final.values())},
        "records": {"total": len(records), **statuses},
        "people_found": len(records_of),
        "people_missed": len(final) - len(records_of),
        "people_split_over_records": sum(1 for recs in records_of.values() if len(recs) > 1),
        "records_conflating_people": conflated,
        "people_with_the_right_status": right,
        "moderator": args.moderator,
        "decisions": dict(moderator.tally),
        "seconds": round(seconds, 1),
    }
    if not args.keep:
        from django.db import connections

        connections.close_all()
        scratch.drop_database(args.database)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream", default=str(DEFAULT_STREAM))
    parser.add_argument("--moderator", choices=["trusting", "reading"], default="trusting")
    parser.add_argument("--database", default="bench_mission")
    parser.add_argument("--limit", type=int, default=0, help="only the first N posts")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    t, r = result["truth"], result["records"]
    print(
        f"truth: {t['people']} people — {t.get('missing', 0)} missing, "
        f"{t.get('captured', 0)} captured; {result['posts']} posts"
    )
    print(
        f"records: {r['total']} — "
        + ", ".join(f"{n} {s}" for s, n in sorted(r.items()) if s != "total")
    )
    print(
        f"people found {result['people_found']}, missed {result['people_missed']}, "
        f"split over records {result['people_split_over_records']}, records conflating "
        f"people {result['records_conflating_people']}; right status "
        f"{result['people_with_the_right_status']}/{t['people']}"
    )
    print("moderator:", result["moderator"], result["decisions"])
    print(f"{result['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
