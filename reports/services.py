"""Moderators' writes on reports, and merging two records of one person.

Every service runs in one transaction, locks the rows it changes, checks their
state first, and writes an ``AuditEntry`` (before/after) in that transaction.
Only moderators may act (``core.access``). E-mails to the
submitter leave only after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from conscripts import names, search
from conscripts import services as conscript_services
from conscripts.models import Conscript, Evidence, EvidenceKind, Region, StatusChange
from core import access
from core.audit import audit_record
from core.models import AuditAction

from .models import (
    OPEN_STATES,
    Origin,
    Report,
    ReportState,
    links_have_video,
)


class ReportError(Exception):
    """A moderator action that the report's current state does not allow."""


class ReportStateError(ReportError):
    """The report is no longer in a state that allows this action."""


class ReportClaimedError(ReportError):
    """Another moderator holds an unexpired claim on the report."""


# --- helpers -----------------------------------------------------------------------------
_SNAPSHOT_FIELDS = (
    "state",
    "claimed_by_id",
    "claimed_at",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "info_request",
    "conscript_id",
    "duplicate_of_id",
)
#: Conscript fields a report may fill, in the order they are compared.
MERGE_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "home_region",
    "unit",
    "last_contact_date",
    "last_known_place",
)
_NAME_FIELDS = {"surname", "given_name", "patronymic"}


def _snapshot(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in _SNAPSHOT_FIELDS}


def _conscript_snapshot(conscript: Conscript) -> dict[str, Any]:
    data = {}
    for name in MERGE_FIELDS:
        value = getattr(conscript, f"{name}_id" if name in ("home_region", "unit") else name)
        data[name] = value
    data.update(
        status=conscript.status,
        status_since=conscript.status_since,
        is_disputed=conscript.is_disputed,
        merged_into_id=conscript.merged_into_id,
    )
    return data


def _audit(
    *,
    action: str,
    actor: AbstractBaseUser | None,
    report: Report | None = None,
    conscript_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    audit_record(
        action=action,
        actor=actor,
        report_id=report.pk if report is not None else None,
        conscript_id=conscript_id,
        before=before,
        after=after,
    )


def _require_moderator(user: AbstractBaseUser | None) -> None:
    access.role_require(user, access.MODERATORS)


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


def _check_open(report: Report, moderator: AbstractBaseUser, now) -> None:
    """The report awaits a decision and no other moderator holds a live claim."""
    if report.state not in OPEN_STATES:
        raise ReportStateError(
            f"Report #{report.pk} is already {report.get_state_display()}; nothing to do."
        )
    if report.claimed_by_id not in (None, moderator.pk) and report.claim_is_active(now):
        raise ReportClaimedError(f"Report #{report.pk} is being reviewed by another moderator.")


def _notify_after_commit(report: Report) -> None:
    if report.submitter_email:
        from .tasks import notify_submitter_task

        report_id = report.pk
        transaction.on_commit(lambda: notify_submitter_task.delay(report_id))


def _decide(report: Report, *, state: str, moderator: AbstractBaseUser, now, reason: str = ""):
    report.state = state
    report.decided_by = moderator
    report.decided_at = now
    report.decision_reason = reason
    report.claimed_by = None
    report.claimed_at = None


def email_from_contact(contact: str) -> str:
    """The normalised e-mail in ``contact``, or "" (phones and @telegram names are not)."""
    candidate = contact.strip().lower()
    if "@" not in candidate[1:] or " " in candidate:
        return ""
    try:
        validate_email(candidate)
    except ValidationError:
        return ""
    return candidate


# --- submit --------------------------------------------------------------------------------
def report_submit(
    *,
    surname: str,
    given_name: str = "",
    patronymic: str = "",
    birth_date: date | None = None,
    birth_year: int | None = None,
    unit_number: str = "",
    home_region: Region | None = None,
    last_contact_date: date | None = None,
    last_known_place: str = "",
    claimed_status: str = "",
    evidence_urls: Sequence[str] = (),
    details: str = "",
    submitter_name: str = "",
    submitter_contact: str = "",
    submitter_email: str = "",
    submitter_language: str = "ru",
    consent: bool = False,
    origin: str = Origin.FORM,
    origin_ref: str = "",
    ip: str | None = None,
) -> Report:
    """Record a new pending report. Needs no account.

    A report from the public form needs the submitter's consent to store
    their contact details; invalid links or a birth year that contradicts the
    birth date raise ``ValidationError``.
    """
    if origin == Origin.FORM and not consent:
        raise ValidationError("Consent is required to store a report from the form.")
    if not names.clean(surname):
        raise ValidationError("A report needs a surname.")
    if birth_date is not None:
        if birth_year is not None and birth_year != birth_date.year:
            raise ValidationError("The birth year does not match the birth date.")
        birth_year = birth_date.year
    urls = [u.strip() for u in evidence_urls if u and u.strip()]
    validate_url = URLValidator(schemes=["http", "https"])
    for url in urls:
        validate_url(url)
    email = email_from_contact(submitter_email) or email_from_contact(submitter_contact)
    now = timezone.now()
    report = Report(
        origin=origin,
        origin_ref=origin_ref,
        surname_raw=surname.strip(),
        given_name_raw=given_name.strip(),
        patronymic_raw=patronymic.strip(),
        surname=names.clean(surname),
        given_name=names.clean(given_name),
        patronymic=names.clean(patronymic),
        birth_date=birth_date,
        birth_year=birth_year,
        unit_number=unit_number.strip(),
        home_region=home_region,
        last_contact_date=last_contact_date,
        last_known_place=last_known_place.strip(),
        claimed_status=claimed_status,
        evidence_urls=urls,
        has_video=links_have_video(urls),
        details=details.strip(),
        submitter_name=submitter_name.strip(),
        submitter_contact=submitter_contact.strip(),
        submitter_email=email,
        submitter_language=submitter_language if submitter_language in ("ru", "en") else "ru",
        submitted_ip=ip,
        consent_at=now if consent else None,
    )
    # Field validation only: the database enforces uniqueness (the random receipt
    # token, origin_ref), and home_region is a Region instance the caller holds.
    # Skipping those lookups saves three queries per report on bulk ingestion.
    report.full_clean(exclude=["home_region"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        report.save()
        _audit(action=AuditAction.SUBMIT, actor=None, report=report, after=_snapshot(report))
    return report


# --- claims --------------------------------------------------------------------------------
def report_claim(*, report: Report, moderator: AbstractBaseUser) -> Report:
    """Take a report for review. Refused while another moderator's claim is live."""
    return _claim_set(report=report, moderator=moderator, claim=True)


def report_release(*, report: Report, moderator: AbstractBaseUser) -> Report:
    """Give up one's claim (or clear someone else's expired one)."""
    return _claim_set(report=report, moderator=moderator, claim=False)


def _claim_set(*, report: Report, moderator: AbstractBaseUser, claim: bool) -> Report:
    """Claim the report for ``moderator`` or release it, audited, under the report's lock."""
    _require_moderator(moderator)
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        if not claim and report.claimed_by_id is None:
            raise ReportStateError(f"Report #{report.pk} is not claimed.")
        _check_open(report, moderator, now)
        before = _snapshot(report)
        report.claimed_by = moderator if claim else None
        report.claimed_at = now if claim else None
        report.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
        _audit(
            action=AuditAction.CLAIM if claim else AuditAction.RELEASE,
            actor=moderator,
            report=report,
            before=before,
            after=_snapshot(report),
        )
    return report


# --- evidence from a report --------------------------------------------------------------
def _evidence_from_report(
    *, report: Report, conscript: Conscript, moderator: AbstractBaseUser
) -> list[Evidence]:
    """One Evidence per link, or one for the report itself when it has none.

    The report's free text may hold relatives' contacts, so it goes to
    ``archived_text`` (moderators only), never to the public summary.
    """
    claimed = report.claimed_status or "missing"
    event_date = report.last_contact_date if claimed == "missing" else None
    kind = EvidenceKind.SEARCH_POST if claimed == "missing" else EvidenceKind.OTHER
    return [
        conscript_services.evidence_add(
            conscript=conscript,
            kind=kind,
            claimed_status=claimed,
            event_date=event_date,
            url=url,
            source_name=f"Report #{report.pk}",
            summary=f"From report #{report.pk}" + (": link" if url else ""),
            archived_text=report.details,
            added_by=moderator,
        )
        for url in (report.evidence_urls or [""])
    ]


# --- decisions -----------------------------------------------------------------------------
def report_approve_new(*, report: Report, moderator: AbstractBaseUser) -> Conscript:
    """Create a new person from the report; their status follows from its evidence.

    Raises ``ReportStateError`` if someone else already decided the report
    (two moderators approving at once: exactly one wins).
    """
    _require_moderator(moderator)
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        _check_open(report, moderator, now)
        before = _snapshot(report)
        unit = (
            conscript_services.unit_get_or_create(number=report.unit_number)
            if report.unit_number
            else None
        )
        conscript = conscript_services.conscript_create(
            surname=report.surname,
            given_name=report.given_name,
            patronymic=report.patronymic,
            birth_date=report.birth_date,
            birth_year=report.birth_year,
            home_region=report.home_region,
            unit=unit,
            last_contact_date=report.last_contact_date,
            last_known_place=report.last_known_place,
        )
        evidence = _evidence_from_report(report=report, conscript=conscript, moderator=moderator)
        conscript.refresh_from_db()
        _decide(report, state=ReportState.APPROVED, moderator=moderator, now=now)
        report.conscript = conscript
        report.save()
        after = _snapshot(report) | {"evidence_ids": [e.pk for e in evidence]}
        _audit(
            action=AuditAction.APPROVE_NEW,
            actor=moderator,
            report=report,
            conscript_id=conscript.pk,
            before=before,
            after=after,
        )
        _notify_after_commit(report)
    return conscript


@dataclass
class MergeResult:
    conscript: Conscript
    filled: list[str] = field(default_factory=list)
    #: field → (value on the record, value in the report); left unchanged
    conflicts: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    overwritten: list[str] = field(default_factory=list)


def _report_values(report: Report) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(report, name)
        for name in MERGE_FIELDS
        if name not in ("home_region", "unit", "birth_year")
    }
    values["birth_year"] = report.birth_year
    values["home_region"] = report.home_region
    values["unit"] = report.unit_number or None
    return values


def _comparable(name: str, value: Any) -> Any:
    """A value as compared and as written to the audit log (JSON-friendly)."""
    if value in (None, ""):
        return None
    if name == "unit":
        # A report names a unit by number; a record holds a MilitaryUnit.
        return value if isinstance(value, str) else (value.number or value.name)
    if name == "home_region":
        return value.code
    if name in _NAME_FIELDS:
        return value.lower()
    return value


def _conscript_fill(
    *,
    conscript: Conscript,
    values: dict[str, Any],
    field_choices: dict[str, str] | None = None,
) -> MergeResult:
    """Fill empty fields of a locked ``conscript`` from ``values``; report conflicts.

    ``field_choices[name] == "report"`` overwrites a conflicting value; anything
    else keeps the record's value. Saves the conscript if anything changed.
    """
    field_choices = field_choices or {}
    result = MergeResult(conscript=conscript)
    for name in MERGE_FIELDS:
        new = values.get(name)
        current = getattr(conscript, name)
        mine, theirs = _comparable(name, current), _comparable(name, new)
        if theirs is None or mine == theirs:
            continue
        if mine is not None and field_choices.get(name) != "report":
            shown = current if name in _NAME_FIELDS else mine
            result.conflicts[name] = (shown, new if name in _NAME_FIELDS else theirs)
            continue
        if name == "unit" and isinstance(new, str):
            new = conscript_services.unit_get_or_create(number=new)
        setattr(conscript, name, new)
        (result.filled if mine is None else result.overwritten).append(name)
    # A birth date settles the year; a conflicting year is reported, not guessed.
    if conscript.birth_date is not None and conscript.birth_year != conscript.birth_date.year:
        if "birth_date" in result.filled + result.overwritten:
            if conscript.birth_year is not None and "birth_year" not in result.overwritten:
                result.conflicts["birth_year"] = (conscript.birth_year, conscript.birth_date.year)
            conscript.birth_year = conscript.birth_date.year
        else:
            conscript.birth_year = conscript.birth_date.year
    changed = result.filled + result.overwritten
    if changed:
        if _NAME_FIELDS & set(changed):
            keys = search.name_keys(
                surname=conscript.surname,
                given_name=conscript.given_name,
                patronymic=conscript.patronymic,
            )
            for key_name, value in keys.items():
                setattr(conscript, key_name, value)
            search.vocabulary_add([keys])
        conscript.full_clean(exclude=["status", "merged_into"])
        conscript.save()
    return result


def report_merge(
    *,
    report: Report,
    conscript: Conscript,
    moderator: AbstractBaseUser,
    field_choices: dict[str, str] | None = None,
) -> MergeResult:
    """Attach the report to an existing person.

    Empty fields of the person are filled from the report; differing values
    are returned in ``MergeResult.conflicts`` and left alone unless
    ``field_choices`` maps the field to ``"report"``. The report's evidence is
    attached and the status recomputed.
    """
    _require_moderator(moderator)
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        _check_open(report, moderator, now)
        conscript = Conscript.objects.select_for_update().get(pk=conscript.pk)
        if conscript.merged_into_id is not None:
            raise ReportStateError(
                f"Record #{conscript.pk} was merged into #{conscript.merged_into_id}; "
                "merge the report there."
            )
        before = _snapshot(report) | {"conscript": _conscript_snapshot(conscript)}
        result = _conscript_fill(
            conscript=conscript, values=_report_values(report), field_choices=field_choices
        )
        evidence = _evidence_from_report(report=report, conscript=conscript, moderator=moderator)
        conscript.refresh_from_db()
        result.conscript = conscript
        _decide(report, state=ReportState.MERGED, moderator=moderator, now=now)
        report.conscript = conscript
        report.save()
        after = _snapshot(report) | {
            "conscript": _conscript_snapshot(conscript),
            "filled": result.filled,
            "overwritten": result.overwritten,
            "conflicts": {k: list(v) for k, v in result.conflicts.items()},
            "evidence_ids": [e.pk for e in evidence],
        }
        _audit(
            action=AuditAction.MERGE,
            actor=moderator,
            report=report,
            conscript_id=conscript.pk,
            before=before,
            after=after,
        )
        _notify_after_commit(report)
    return result


def report_reject(*, report: Report, moderator: AbstractBaseUser, reason: str) -> Report:
    """Reject a report; the reason is required and stays internal."""
    _require_moderator(moderator)
    if not reason.strip():
        raise ValidationError("A rejection needs a reason.")
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        _check_open(report, moderator, now)
        _reject_locked(report=report, moderator=moderator, reason=reason.strip(), now=now)
    return report


def _reject_locked(*, report: Report, moderator: AbstractBaseUser, reason: str, now) -> None:
    before = _snapshot(report)
    _decide(report, state=ReportState.REJECTED, moderator=moderator, now=now, reason=reason)
    report.save()
    _audit(
        action=AuditAction.REJECT,
        actor=moderator,
        report=report,
        before=before,
        after=_snapshot(report),
    )
    _notify_after_commit(report)


def reports_bulk_reject(
    *, reports: Iterable[Report], moderator: AbstractBaseUser, reason: str
) -> list[Report]:
    """Reject many reports (spam waves) at once: all of them, or none if any is not open."""
    _require_moderator(moderator)
    if not reason.strip():
        raise ValidationError("A rejection needs a reason.")
    ids = sorted({r.pk for r in reports})
    with transaction.atomic():
        # Locked in key order, so two bulk actions cannot deadlock.
        locked = list(Report.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        now = timezone.now()
        for report in locked:
            _check_open(report, moderator, now)
        for report in locked:
            _reject_locked(report=report, moderator=moderator, reason=reason.strip(), now=now)
    return locked


def report_mark_duplicate(*, report: Report, of: Report, moderator: AbstractBaseUser) -> Report:
    """Close a report as a repeat of another (e.g. a relative who submitted twice)."""
    _require_moderator(moderator)
    if report.pk == of.pk:
        raise ReportStateError("A report cannot be a duplicate of itself.")
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        _check_open(report, moderator, now)
        original = Report.objects.get(pk=of.pk)
        if original.duplicate_of_id == report.pk:
            raise ReportStateError(f"Report #{of.pk} is already a duplicate of #{report.pk}.")
        before = _snapshot(report)
        _decide(report, state=ReportState.DUPLICATE, moderator=moderator, now=now)
        report.duplicate_of = original
        report.save()
        _audit(
            action=AuditAction.MARK_DUPLICATE,
            actor=moderator,
            report=report,
            conscript_id=original.conscript_id,
            before=before,
            after=_snapshot(report),
        )
        _notify_after_commit(report)
    return report


def report_request_info(*, report: Report, moderator: AbstractBaseUser, message: str) -> Report:
    """Ask the submitter for more; ``message`` is sent to them as written."""
    _require_moderator(moderator)
    if not message.strip():
        raise ValidationError("Say what information is needed.")
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        _check_open(report, moderator, now)
        before = _snapshot(report)
        report.state = ReportState.NEEDS_INFO
        report.info_request = message.strip()
        report.claimed_by = None
        report.claimed_at = None
        report.save()
        _audit(
            action=AuditAction.REQUEST_INFO,
            actor=moderator,
            report=report,
            before=before,
            after=_snapshot(report),
        )
        _notify_after_commit(report)
    return report


# --- two records, one person ---------------------------------------------------------------
def conscripts_merge(
    *, keep: Conscript, remove: Conscript, moderator: AbstractBaseUser
) -> Conscript:
    """Fold ``remove`` into ``keep``: evidence and timeline move, nothing is deleted.

    ``remove`` keeps its row and points at ``keep`` (``merged_into``), so it
    drops out of public lists and search; empty fields of ``keep`` are filled
    from it. Both ids get an audit entry listing what moved.
    """
    _require_moderator(moderator)
    if keep.pk == remove.pk:
        raise ReportStateError("A record cannot be merged into itself.")
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Conscript.objects.select_for_update()
            .filter(pk__in=[keep.pk, remove.pk])
            # Key order, so two merges of the same pair cannot deadlock.
            .order_by("pk")
        }
        keep, remove = locked[keep.pk], locked[remove.pk]
        for record in (keep, remove):
            if record.merged_into_id is not None:
                raise ReportStateError(
                    f"Record #{record.pk} was already merged into #{record.merged_into_id}."
                )
        before_keep, before_remove = _conscript_snapshot(keep), _conscript_snapshot(remove)
        evidence_ids = list(remove.evidence.values_list("pk", flat=True))
        change_ids = list(remove.status_changes.values_list("pk", flat=True))
        Evidence.objects.filter(pk__in=evidence_ids).update(conscript=keep)
        StatusChange.objects.filter(pk__in=change_ids).update(conscript=keep)
        fill = _conscript_fill(
            conscript=keep, values={name: getattr(remove, name) for name in MERGE_FIELDS}
        )
        remove.merged_into = keep
        remove.save(update_fields=["merged_into", "updated_at"])
        conscript_services.conscript_recompute_status(conscript=keep, acting_user=moderator)
        keep.refresh_from_db()
        moved = {
            "moved_evidence_ids": evidence_ids,
            "moved_status_change_ids": change_ids,
            "kept_id": keep.pk,
            "removed_id": remove.pk,
            "filled": fill.filled,
            "conflicts": {k: list(v) for k, v in fill.conflicts.items()},
        }
        _audit(
            action=AuditAction.CONSCRIPTS_MERGE,
            actor=moderator,
            conscript_id=keep.pk,
            before=before_keep,
            after=_conscript_snapshot(keep) | moved,
        )
        _audit(
            action=AuditAction.CONSCRIPTS_MERGE,
            actor=moderator,
            conscript_id=remove.pk,
            before=before_remove,
            after=_conscript_snapshot(remove) | moved,
        )
    return keep


# --- evidence at fault ---------------------------------------------------------------------
def _retraction_snapshot(conscript: Conscript, evidence: Evidence) -> dict[str, Any]:
    return {
        "status": conscript.status,
        "status_since": conscript.status_since,
        "is_disputed": conscript.is_disputed,
        "disputed_reason": conscript.disputed_reason,
        "evidence_kinds": conscript.evidence_kinds,
        "evidence": {
            "id": evidence.pk,
            "kind": evidence.kind,
            "claimed_status": evidence.claimed_status,
            "event_date": evidence.event_date,
            "retracted_at": evidence.retracted_at,
            "retraction_reason": evidence.retraction_reason,
        },
    }


def evidence_retract(
    *, evidence: Evidence, moderator: AbstractBaseUser, reason: str
) -> StatusChange | None:
    """Retract evidence at fault; the person's status and disputed flag follow.

    ``reason`` is required (``ValidationError``); evidence already retracted
    raises ``conscripts.services.EvidenceAlreadyRetracted`` and changes nothing.
    Returns the ``StatusChange`` if the status moved.
    """
    _require_moderator(moderator)
    if not reason.strip():
        raise ValidationError("A retraction needs a reason.")
    with transaction.atomic():
        # Locked here too (conscripts' service locks the same rows again, a no-op),
        # so that "before" is what the retraction changes.
        conscript, current = conscript_services.evidence_lock(evidence_id=evidence.pk)
        before = _retraction_snapshot(conscript, current)
        change = conscript_services.evidence_retract(
            evidence=current, reason=reason, retracted_by=moderator
        )
        conscript.refresh_from_db(fields=conscript_services.DERIVED_FIELDS)
        after = _retraction_snapshot(conscript, current) | {
            "status_change_id": change.pk if change else None
        }
        _audit(
            action=AuditAction.RETRACT_EVIDENCE,
            actor=moderator,
            conscript_id=conscript.pk,
            before=before,
            after=after,
        )
    evidence.retracted_at = current.retracted_at
    evidence.retraction_reason = current.retraction_reason
    return change
