"""Pasted lists: names one a line, or a whole exchange announcement, matched against the
record; a moderator then turns the confirmed lines into evidence in one reviewed step.

1. ``pasted_list_create`` (researchers and moderators) keeps the text and decides what
   it is (``conscripts.lists.looks_like_names``). A short list of names is matched at
   once; a long one, or an announcement (whose names ``sources.extraction.extract``
   finds, on the extraction workers), by a Celery task.
2. ``pasted_list_match`` matches each line with ``conscripts.search`` (through
   ``conscripts.selectors.names_match``): the best candidate with its confidence, the
   others, or not found. ``pasted_list_csv`` writes the result.
3. ``pasted_list_confirm`` (moderators): the lines the moderator confirmed, each with
   the person chosen among its candidates, get the same evidence (say «returned in the
   exchange of 24 August 2024», with the source link and date given once) through
   ``conscripts.services.list_evidence_add``; each person's status follows as usual.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conscripts import lists, selectors
from conscripts import services as conscript_services
from conscripts.models import Conscript, Evidence
from core import access
from core.cells import safe_cell
from core.tasks import TRANSIENT_ERRORS

from .models import PastedList, PasteMode, PasteState

#: Lines matched between two progress updates.
CHUNK = 50
#: A line with more words than this is prose (a heading, a sentence), not a name.
MAX_WORDS = 7
_WORD = re.compile(r"[^\W\d_]+")


def _may_see(user: AbstractBaseUser, pasted: PastedList) -> bool:
    return pasted.created_by_id == user.pk or access.is_moderator(user)


def pasted_list_get(*, pk: int, user: AbstractBaseUser) -> PastedList | None:
    """The list, if ``user`` pasted it or is a moderator (None otherwise: a 404).

    For anyone but a moderator, candidates that are no longer public (hidden at a
    family's request, or merged away, since the list was matched) are left out."""
    pasted = PastedList.objects.filter(pk=pk).first()
    if pasted is None or not access.is_researcher(user) or not _may_see(user, pasted):
        return None
    if not access.is_moderator(user):
        _drop_withdrawn(pasted)
    return pasted


def _drop_withdrawn(pasted: PastedList) -> None:
    """Remove from ``pasted.lines`` (in memory only) the candidates nobody but moderators
    may see now. A line whose best candidate went loses its confidence (low)."""
    ids = {c["id"] for line in pasted.lines for c in line.get("candidates") or []}
    if not ids:
        return
    public = set(Conscript.objects.public().filter(pk__in=ids).values_list("pk", flat=True))
    if public == ids:
        return
    lines = []
    for line in pasted.lines:
        candidates = line.get("candidates") or []
        kept = [c for c in candidates if c["id"] in public]
        if len(kept) != len(candidates):
            best_gone = bool(candidates) and candidates[0]["id"] not in public
            confidence = selectors.NONE if not kept else selectors.LOW
            line = {**line, "candidates": kept}
            if best_gone or not kept:
                line["confidence"] = confidence
        lines.append(line)
    pasted.lines = lines


def pasted_lists_of(user: AbstractBaseUser, limit: int = 20):
    return PastedList.objects.filter(created_by=user).defer("text", "lines")[:limit]


def pasted_list_create(*, text: str, user: AbstractBaseUser) -> PastedList:
    """Keep a pasted list and match it (now, or by a worker after commit)."""
    access.role_require(user, access.RESEARCHERS)
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(_("Paste at least one name."))
    count = len(lists.pasted_lines(text))
    if count > settings.LIST_PASTE_MAX_LINES:
        raise ValidationError(
            _("At most %(n)s lines at a time.") % {"n": settings.LIST_PASTE_MAX_LINES}
        )
    mode = PasteMode.NAMES if lists.looks_like_names(text) else PasteMode.ANNOUNCEMENT
    with transaction.atomic():
        pasted = PastedList.objects.create(
            text=text, mode=mode, created_by=user, with_hidden=access.is_moderator(user)
        )
        now = mode == PasteMode.NAMES and count <= settings.LIST_PASTE_SYNC_LINES
        if not now:
            from .tasks import pasted_list_extract_task, pasted_list_match_task

            task = pasted_list_match_task if mode == PasteMode.NAMES else pasted_list_extract_task
            pk = pasted.pk
            transaction.on_commit(lambda: task.delay(pk))
    if now:
        pasted_list_match(list_id=pasted.pk)
        pasted.refresh_from_db()
    return pasted


def _entries(pasted: PastedList) -> list[dict]:
    """What to look for: each line of a list of names, or each person an announcement
    names (with the line that names him)."""
    if pasted.mode == PasteMode.NAMES:
        entries = []
        for number, line in lists.pasted_lines(pasted.text):
            words = _WORD.findall(line)
            skip = not words or len(words) > MAX_WORDS or line.endswith(":")
            entries.append({"n": number, "text": line, "query": "" if skip else line, "skip": skip})
        return entries
    from .extraction import extract  # natasha: only on the workers that extract

    text_lines = pasted.text.splitlines()
    entries = []
    for person in extract(pasted.text).people:
        born = person.birth_date.strftime("%d.%m.%Y") if person.birth_date else person.birth_year
        query = " ".join(
            str(p) for p in (person.surname, person.given_name, person.patronymic, born) if p
        )
        number = next(
            (i for i, line in enumerate(text_lines, 1) if person.surname.lower() in line.lower()),
            0,
        )
        entries.append(
            {
                "n": number,
                "text": text_lines[number - 1].strip() if number else query,
                "query": query,
                "skip": False,
            }
        )
    return entries


def pasted_list_match(*, list_id: int) -> None:
    """Match every line of a queued list. Safe to run twice (a redelivered task)."""
    with transaction.atomic():
        pasted = PastedList.objects.select_for_update().get(pk=list_id)
        if pasted.state not in (PasteState.QUEUED, PasteState.MATCHING):
            return
        pasted.state = PasteState.MATCHING
        pasted.save(update_fields=["state"])
    try:
        _match(pasted)
    except TRANSIENT_ERRORS:
        raise  # the task retries
    except Exception as error:
        PastedList.objects.filter(pk=pasted.pk).update(
            state=PasteState.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise


def _match(pasted: PastedList) -> None:
    entries = _entries(pasted)
    queries = [e["query"] for e in entries if not e["skip"]]
    found: dict[str, list[dict]] = {}
    distinct = list(dict.fromkeys(queries))
    for start in range(0, len(distinct), CHUNK):
        found |= selectors.names_match(
            queries=distinct[start : start + CHUNK], with_hidden=pasted.with_hidden
        )
        done = min(start + CHUNK, len(distinct))
        PastedList.objects.filter(pk=pasted.pk).update(progress=99 * done // len(distinct))
    for entry in entries:
        candidates = found.get(entry["query"], []) if not entry["skip"] else []
        entry["candidates"] = candidates
        entry["confidence"] = (
            selectors.match_confidence([c["score"] for c in candidates])
            if not entry["skip"]
            else ""
        )
    PastedList.objects.filter(pk=pasted.pk).update(
        state=PasteState.DONE, progress=100, lines=entries, finished_at=timezone.now()
    )


# --- The result as CSV ---------------------------------------------------------------------
CONFIDENCE_LABELS = {
    selectors.HIGH: gettext_lazy("high"),
    selectors.MEDIUM: gettext_lazy("medium"),
    selectors.LOW: gettext_lazy("low"),
    selectors.NONE: gettext_lazy("not found"),
}


def pasted_list_csv(pasted: PastedList) -> str:
    """One row per line: the best match, its confidence and the other candidates. UTF-8
    with a BOM for Excel; cells a spreadsheet would run as formulas are escaped."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Line"),
            _("As written"),
            _("Confidence"),
            _("Record #"),
            _("Name"),
            _("Born"),
            _("Region"),
            _("Status"),
            _("Score"),
            _("Other candidates"),
        ]
    )
    for entry in pasted.lines:
        if entry.get("skip"):
            continue
        candidates = entry.get("candidates") or []
        best = candidates[0] if candidates else {}
        others = "; ".join(
            f"#{c['id']} {c['name']} {c['birth']} ({c['score']})" for c in candidates[1:]
        )
        writer.writerow(
            _safe(cell)
            for cell in (
                entry["n"],
                entry["text"],
                CONFIDENCE_LABELS.get(entry.get("confidence", ""), CONFIDENCE_LABELS["none"]),
                best.get("id", ""),
                best.get("name", ""),
                best.get("birth", ""),
                best.get("region", ""),
                best.get("status", ""),
                best.get("score", ""),
                others,
            )
        )
    return out.getvalue()


def _safe(value) -> str:
    return safe_cell(str(value))


# --- Evidence from confirmed lines ---------------------------------------------------------
def pasted_list_picks(
    pasted: PastedList, picks: Sequence[tuple[int, int]]
) -> list[tuple[dict, dict]]:
    """(line, chosen candidate) for each (line index, record id) a moderator picked;
    ``ValidationError`` if a record is not among that line's candidates."""
    chosen = []
    for index, conscript_id in picks:
        if not 0 <= index < len(pasted.lines):
            raise ValidationError(_("There is no such line."))
        line = pasted.lines[index]
        candidate = next((c for c in line.get("candidates") or [] if c["id"] == conscript_id), None)
        if candidate is None:
            raise ValidationError(_("Line %(n)s: choose one of its candidates.") % {"n": line["n"]})
        chosen.append((line, candidate))
    return chosen


def pasted_list_confirm(
    *,
    pasted: PastedList,
    moderator: AbstractBaseUser,
    picks: Sequence[tuple[int, int]],
    evidence: conscript_services.ListEvidence,
) -> list[Evidence]:
    """Write the same evidence for each confirmed line's chosen person, all or nothing,
    and record it on the list. Moderators only."""
    access.role_require(moderator, access.MODERATORS)
    with transaction.atomic():
        pasted = PastedList.objects.select_for_update().get(pk=pasted.pk)
        if pasted.state != PasteState.DONE:
            raise ValidationError(_("The list is not matched yet."))
        chosen = pasted_list_picks(pasted, picks)
        added = conscript_services.list_evidence_add(
            moderator=moderator,
            lines=[
                conscript_services.ListLine(
                    conscript_id=candidate["id"], text=line["text"], number=line["n"]
                )
                for line, candidate in chosen
            ],
            evidence=evidence,
            list_ref=f"pasted-list:{pasted.pk}",
        )
        pasted.applied = [
            *pasted.applied,
            {
                "at": timezone.now().isoformat(),
                "by": moderator.pk,
                "lines": [line["n"] for line, _c in chosen],
                "evidence_ids": [e.pk for e in added],
                "claimed_status": evidence.claimed_status,
                "kind": evidence.kind,
            },
        ]
        pasted.save(update_fields=["applied"])
    return added
