"""Evidence for many people at once, from a list a moderator checked line by line
(an exchange list: «returned in the exchange of 24 August 2024»)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from core import access
from core.audit import audit_record
from core.models import AuditAction

from ..models import Conscript, DatePrecision, Evidence, EvidenceKind, EvidenceSource, Status
from .evidence import evidence_add


@dataclass(frozen=True)
class ListEvidence:
    """What a whole list says, given once for all its lines."""

    kind: str = EvidenceKind.EXCHANGE_LIST
    claimed_status: str = Status.RETURNED
    event_date: date | None = None
    event_precision: str = DatePrecision.DAY
    url: str = ""
    source_name: str = ""
    source_kind: str = EvidenceSource.MODERATOR
    link_public: bool = False
    published_at: datetime | None = None
    summary: str = ""


@dataclass(frozen=True)
class ListLine:
    """One confirmed line: the person it names and the line as written."""

    conscript_id: int
    text: str = ""
    number: int = 0


def _validate(evidence: ListEvidence) -> None:
    if evidence.kind not in EvidenceKind.values:
        raise ValidationError(f"Unknown kind of evidence: {evidence.kind!r}.")
    if evidence.claimed_status and evidence.claimed_status not in Status.values:
        raise ValidationError(f"Unknown status: {evidence.claimed_status!r}.")
    if evidence.event_precision not in DatePrecision.values:
        raise ValidationError(f"Unknown precision: {evidence.event_precision!r}.")
    if evidence.url:
        URLValidator(schemes=["http", "https"])(evidence.url)


def list_evidence_add(
    *,
    moderator: AbstractBaseUser,
    lines: Sequence[ListLine],
    evidence: ListEvidence,
    list_ref: str = "",
) -> list[Evidence]:
    """Add the same evidence to each confirmed line's person, all or nothing; each
    person's status follows as usual (``evidence_add``). Moderators only.

    A person named by two lines gets it once; a record merged into another gives it to
    the record kept; a person who already has this very evidence (same kind, claim, date
    and link, not retracted) is left alone, so confirming a list twice adds nothing. One
    audit entry per person names the list (``list_ref``) and the line.
    """
    access.role_require(moderator, access.MODERATORS)
    _validate(evidence)
    if not lines:
        raise ValidationError("Confirm at least one line.")
    added: list[Evidence] = []
    with transaction.atomic():
        done: set[int] = set()
        # People in key order, as every service locks them: no deadlock with another list.
        for line in sorted(lines, key=lambda line: line.conscript_id):
            person = Conscript.objects.get(pk=line.conscript_id)
            while person.merged_into_id is not None:
                person = Conscript.objects.get(pk=person.merged_into_id)
            if person.pk in done:
                continue
            done.add(person.pk)
            already = person.evidence.active().filter(
                kind=evidence.kind,
                claimed_status=evidence.claimed_status,
                event_date=evidence.event_date,
                url=evidence.url,
            )
            if already.exists():
                continue
            before = person.status
            item = evidence_add(
                conscript=person,
                kind=evidence.kind,
                claimed_status=evidence.claimed_status,
                event_date=evidence.event_date,
                event_precision=evidence.event_precision,
                url=evidence.url,
                link_public=evidence.link_public,
                source_kind=evidence.source_kind,
                source_name=evidence.source_name,
                published_at=evidence.published_at,
                summary=evidence.summary,
                archived_text=line.text,
                added_by=moderator,
            )
            person.refresh_from_db(fields=["status"])
            audit_record(
                action=AuditAction.LIST_EVIDENCE,
                actor=moderator,
                conscript_id=person.pk,
                before={"status": before},
                after={
                    "status": person.status,
                    "evidence_id": item.pk,
                    "kind": item.kind,
                    "claimed_status": item.claimed_status,
                    "event_date": item.event_date,
                    "event_precision": item.event_precision,
                    "list": list_ref,
                    "line": line.number,
                },
            )
            added.append(item)
    return added
