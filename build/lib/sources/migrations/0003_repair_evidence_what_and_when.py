"""Repair what is derivable in evidence written before it said what and when.

Until now, approving a report wrote one evidence row per link, named «Report #N», of
kind «search post» (a «missing» claim) or «other» (any other claim), with no
publication date; a status change was dated by the UTC day of the moment it was
recorded. This migration, for rows already there:

1. evidence from a report: links it to the report, sets where it came from (a
   relative's report, or the ingested post's channel), its publication date (the
   post's own, else the day the report came in), its kind from what the post claimed
   (a «captured» with a video link is a prisoner video, «returned» an exchange list,
   «dead» a death notice), the search post's date (the last contact), and empties the
   English placeholder summary; the link is public only if it is not a relative's own
   post (a search post, a post with a phone number, or the post of a relatives' group);
2. evidence entered otherwise (seeded, imported): keeps its link public as the case
   page showed it (not for search posts, which were never linked);
3. reports from ingested posts: their post's channel, link and date, and «has a video»
   without counting the post's own link;
4. every status change: dated by its deciding evidence (the event date, else the local
   day it was published, else added), and each touched person's «since» with it.

It prints how many rows it repaired and how many it left, and why. Re-runnable: a second
run finds nothing to repair. The reverse is a no-op (the old values were wrong).
"""

import re
from collections import Counter
from datetime import UTC

from django.db import migrations

REPORT_NAME = re.compile(r"^Report #(\d+)$")
VIDEO_HOSTS = ("youtube.com", "youtu.be", "t.me/", "vk.com/video", "rutube.ru/video")
KIND_OF_CLAIM = {
    "missing": "search_post",
    "returned": "exchange_list",
    "dead": "death_notice",
}
BATCH = 2000
MOSCOW = "Europe/Moscow"


def _is_video(url: str) -> bool:
    return any(host in url.lower() for host in VIDEO_HOSTS)


def _local_day(moment):
    from zoneinfo import ZoneInfo

    from django.conf import settings

    return moment.astimezone(ZoneInfo(settings.TIME_ZONE or MOSCOW)).date()


def _item_of(report, sources, SourceItem):
    """The ingested post a report came from ("<kind>:<source name>:<external id>#<n>";
    names and ids may hold colons, so the known sources are matched by prefix)."""
    ref, _, _n = report.origin_ref.rpartition("#")
    for source in sources.values():
        prefix = f"{source.kind}:{source.name}:"
        if ref.startswith(prefix):
            item = SourceItem.objects.filter(source=source, external_id=ref[len(prefix) :])
            return source, item.first()
    return None, None


def _repair_reports(apps, counts: Counter) -> None:
    Report = apps.get_model("reports", "Report")
    Source = apps.get_model("sources", "Source")
    SourceItem = apps.get_model("sources", "SourceItem")
    sources = {s.name: s for s in Source.objects.all()}
    for report in Report.objects.filter(origin="source", source_kind="").iterator(BATCH):
        source, item = _item_of(report, sources, SourceItem)
        if item is None:
            counts["reports left: post not found"] += 1
            continue
        phones = bool(item.phones)
        report.source_kind = source.kind
        report.source_name = source.name
        report.source_url = item.url
        report.published_at = item.published_at
        report.source_private = (
            not source.publishes or phones or report.claimed_status == "missing"
        )
        report.has_video = any(_is_video(u) for u in report.evidence_urls if u != item.url)
        report.save(
            update_fields=[
                "source_kind",
                "source_name",
                "source_url",
                "published_at",
                "source_private",
                "has_video",
            ]
        )
        counts["reports repaired"] += 1
    # Reports from the form: their source is a relative's report.
    counts["reports repaired"] += Report.objects.filter(origin="form", source_kind="").update(
        source_kind="relative"
    )


def _repair_evidence(apps, counts: Counter) -> set[int]:
    Evidence = apps.get_model("conscripts", "Evidence")
    Report = apps.get_model("reports", "Report")
    touched: set[int] = set()
    rows = Evidence.objects.filter(report_id__isnull=True, source_name__startswith="Report #")
    for evidence in rows.iterator(BATCH):
        match = REPORT_NAME.match(evidence.source_name)
        report = Report.objects.filter(pk=int(match[1])).first() if match else None
        if report is None:
            counts["evidence left: its report is gone"] += 1
            continue
        claim = evidence.claimed_status
        url = evidence.url
        if claim == "captured" and (
            (url and url != report.source_url and _is_video(url)) or report.has_video
        ):
            kind = "prisoner_video"
        else:
            kind = KIND_OF_CLAIM.get(claim, evidence.kind)
        own_post = bool(url) and url == report.source_url and report.source_private
        evidence.report_id = report.pk
        evidence.source_kind = report.source_kind or (
            "relative" if report.origin == "form" else ""
        )
        evidence.source_name = report.source_name if report.origin == "source" else ""
        evidence.published_at = (
            evidence.published_at or report.published_at or report.created_at
        )
        evidence.kind = kind
        if kind == "search_post" and evidence.event_date is None:
            evidence.event_date = report.last_contact_date
        evidence.link_public = (
            bool(url)
            and kind != "search_post"
            and not own_post
            and (report.origin == "source" or _is_video(url))
        )
        if evidence.summary.startswith("From report #"):
            evidence.summary = ""
        evidence.save()
        touched.add(evidence.conscript_id)
        counts["evidence repaired (from reports)"] += 1
    # Evidence entered otherwise (seed, import): its link was shown unless a search post.
    counts["evidence repaired (links kept public)"] += (
        Evidence.objects.filter(report_id__isnull=True, link_public=False)
        .exclude(url="")
        .exclude(kind="search_post")
        .exclude(source_name__startswith="Report #")
        .update(link_public=True)
    )
    counts["evidence left without a source kind (not from a report: nothing to read it from)"] += (
        Evidence.objects.filter(report_id__isnull=True, source_kind="").count()
    )
    return touched


def _repair_change_dates(apps, schema_editor, counts: Counter) -> set[int]:
    """Date each change by its deciding evidence; returns the people whose dates moved."""
    StatusChange = apps.get_model("conscripts", "StatusChange")
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        from django.conf import settings

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE conscripts_statuschange sc "
                "SET effective_date = d.day, effective_precision = d.precision "
                "FROM (SELECT e.id, COALESCE(e.event_date, "
                "  (COALESCE(e.published_at, e.added_at) AT TIME ZONE %s)::date) AS day, "
                "  CASE WHEN e.event_date IS NULL THEN 'day' ELSE e.event_precision END "
                "  AS precision FROM conscripts_evidence e) d "
                "WHERE sc.evidence_id = d.id AND (sc.effective_date IS DISTINCT FROM d.day "
                "  OR sc.effective_precision <> d.precision) "
                "RETURNING sc.conscript_id",
                [settings.TIME_ZONE or MOSCOW],
            )
            moved = {row[0] for row in cursor.fetchall()}
            counts["status changes re-dated"] += cursor.rowcount
        return moved
    moved = set()
    changes = StatusChange.objects.filter(evidence__isnull=False).select_related("evidence")
    for change in changes.iterator(BATCH):
        evidence = change.evidence
        day = evidence.event_date or _local_day(evidence.published_at or evidence.added_at)
        precision = evidence.event_precision if evidence.event_date else "day"
        if (change.effective_date, change.effective_precision) != (day, precision):
            change.effective_date, change.effective_precision = day, precision
            change.save(update_fields=["effective_date", "effective_precision"])
            moved.add(change.conscript_id)
            counts["status changes re-dated"] += 1
    return moved


def _repair_since(apps, people: set[int], counts: Counter) -> None:
    """The status, its date and dispute of the touched people, derived again."""
    from conscripts import status_rules  # plain Python: the rules as they stand

    Conscript = apps.get_model("conscripts", "Conscript")
    Evidence = apps.get_model("conscripts", "Evidence")
    ids = sorted(people)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        facts: dict[int, list] = {pk: [] for pk in chunk}
        for e in Evidence.objects.filter(conscript_id__in=chunk, retracted_at__isnull=True):
            recorded = e.published_at or e.added_at
            facts[e.conscript_id].append(
                status_rules.Fact(
                    key=e.pk,
                    claimed_status=e.claimed_status,
                    event_date=e.event_date,
                    event_precision=e.event_precision,
                    recorded_at=recorded.astimezone(UTC),
                    recorded_on=_local_day(recorded),
                    kind=e.kind,
                )
            )
        for person in Conscript.objects.filter(pk__in=chunk):
            outcome = status_rules.derive_status(facts[person.pk])
            new = (outcome.status, outcome.since, outcome.since_precision)
            new += (outcome.disputed, outcome.reason)
            old = (person.status, person.status_since, person.status_since_precision)
            old += (person.is_disputed, person.disputed_reason)
            if new != old:
                (
                    person.status,
                    person.status_since,
                    person.status_since_precision,
                    person.is_disputed,
                    person.disputed_reason,
                ) = new
                person.save(
                    update_fields=[
                        "status",
                        "status_since",
                        "status_since_precision",
                        "is_disputed",
                        "disputed_reason",
                    ]
                )
                counts["people: status date repaired"] += 1


def repair(apps, schema_editor):
    counts: Counter = Counter()
    _repair_reports(apps, counts)
    touched = _repair_evidence(apps, counts)
    touched |= _repair_change_dates(apps, schema_editor, counts)
    _repair_since(apps, touched, counts)
    if any(counts.values()):
        print()  # noqa: T201 - the operator reads what was repaired
        for what, n in sorted(counts.items()):
            if n:
                print(f"  repair: {what}: {n}")  # noqa: T201


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_source_publishes"),
        ("reports", "0008_report_what_and_when"),
        ("conscripts", "0014_evidence_what_and_when"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=False)]
