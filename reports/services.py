"""Moderators' writes on reports, and merging two records of one person.

Every service runs in one transaction, locks the rows it changes, checks their
state first, and writes an ``AuditEntry`` (before/after) in that transaction.
Only moderators may act (``core.access``). E-mails to the
submitter are queued in the decision's transaction (``core.outbox``) and leave after
commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from conscripts import names
from conscripts import services as conscript_services
from conscripts.models import (
    Conscript,
    DatePrecision,
    Evidence,
    EvidenceKind,
    EvidenceSource,
    Region,
    Status,
)
from core import access
from core.audit import audit_record
from core.models import AuditAction
from core.outbox import outbox_enqueue

from .images import CleanImage
from .models import (
    OPEN_STATES,
    REQUEST_KINDS,
    Origin,
    Report,
    ReportKind,
    ReportReply,
    ReportState,
    links_have_video,
)
from .watches import watch_hits_after_commit


class ReportError(Exception):
    """A moderator action that the report's current state does not allow."""


class ReportStateError(ReportError):
    """The report is no longer in a state that allows this action."""


class ReportClaimedError(ReportError):
    """Another moderator holds an unexpired claim on the report."""


# --- helpers -----------------------------------------------------------------------------
_SNAPSHOT_FIELDS = (
    "kind",
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


def _snapshot(report: Report) -> dict[str, Any]:
    return {name: getattr(report, name) for name in _SNAPSHOT_FIELDS}


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


def _check_report_kind(report: Report, *kinds: str) -> None:
    if report.kind not in kinds:
        raise ReportStateError(
            f"Report #{report.pk} is a {report.get_kind_display().lower()}; "
            "this decision is not for it."
        )


def _check_open(report: Report, moderator: AbstractBaseUser, now) -> None:
    """The report awaits a decision and no other moderator holds a live claim."""
    if report.state not in OPEN_STATES:
        raise ReportStateError(
            f"Report #{report.pk} is already {report.get_state_display()}; nothing to do."
        )
    if report.claimed_by_id not in (None, moderator.pk) and report.claim_is_active(now):
        raise ReportClaimedError(f"Report #{report.pk} is being reviewed by another moderator.")


def _notify_after_commit(report: Report) -> None:
    """Queue the submitter's decision e-mail in the decision's own transaction: it is
    sent once the decision commits, even if the broker is down at that moment."""
    if report.submitter_email:
        outbox_enqueue(
            task="reports.notify_submitter",
            args=[report.pk],
            dedup_key=f"reports.notify_submitter:{report.pk}:{report.state}",
        )


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
    evidence_kind: str = "",
    event_date: date | None = None,
    event_precision: str = DatePrecision.DAY,
    published_at: datetime | None = None,
    source_kind: str = "",
    source_name: str = "",
    source_url: str = "",
    source_private: bool = True,
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
    photo: CleanImage | None = None,
    submission_key: str = "",
    kind: str = ReportKind.REPORT,
    about: Conscript | None = None,
) -> Report:
    """Record a new pending report. Needs no account.

    ``submission_key``: the form's one-time key (``core.forms``). A second post with the
    same key (a double click, a resubmitted page) returns the report the first created,
    even when both arrive at once: the database's unique key decides.

    ``kind``: a report about a person, or a correction or removal request about the
    published record ``about`` (sent from its case page; ``details`` says what is wrong).
    ``about`` on a report: the case page it was sent from («I know something»).
    A submitter who gave an e-mail address is mailed the receipt link; a report about a
    person is matched against the relatives' watches (``reports.watches``); both are
    queued with the report (``core.outbox``).

    A report from the public form needs the submitter's consent to store
    their contact details; invalid links or a birth year that contradicts the
    birth date raise ``ValidationError``.

    ``evidence_kind``, ``event_date`` (with its precision) say what the submitter knows
    and when it happened; ``published_at``, ``source_*`` where it comes from (for the
    form: a relative's report; for an ingested post: its channel, link and date).
    ``source_private``: the source is someone's own post, whose link must never be
    public (relatives' posts carry their phone numbers); true unless the caller knows
    the source publishes.
    """
    if submission_key:
        existing = Report.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    if origin == Origin.FORM and not consent:
        raise ValidationError("Consent is required to store a report from the form.")
    if kind not in ReportKind.values:
        raise ValidationError(f"Unknown kind {kind!r}.")
    if kind in REQUEST_KINDS and (about is None or not details.strip()):
        raise ValidationError("A request needs the record it is about and what is wrong.")
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
        kind=kind,
        about=about,
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
        evidence_kind=evidence_kind,
        event_date=event_date,
        event_precision=event_precision if event_date else DatePrecision.DAY,
        published_at=published_at,
        source_kind=source_kind or (EvidenceSource.RELATIVE if origin == Origin.FORM else ""),
        source_name=source_name.strip(),
        source_url=source_url.strip(),
        source_private=source_private,
        evidence_urls=urls,
        # The post's own link is no video, even on Telegram.
        has_video=links_have_video(u for u in urls if u != source_url.strip()),
        details=details.strip(),
        submitter_name=submitter_name.strip(),
        submitter_contact=submitter_contact.strip(),
        submitter_email=email,
        submitter_language=submitter_language if submitter_language in ("ru", "en") else "ru",
        submitted_ip=ip,
        consent_at=now if consent else None,
        submission_key=submission_key,
    )
    # Field validation only: the database enforces uniqueness (the random receipt
    # token, origin_ref), and home_region is a Region instance the caller holds.
    # Skipping those lookups saves three queries per report on bulk ingestion.
    report.full_clean(exclude=["home_region"], validate_unique=False, validate_constraints=False)
    try:
        # A savepoint only where a lost race is recovered from (the form's one-time key):
        # two round trips per report that bulk ingestion does without.
        with transaction.atomic(savepoint=bool(submission_key)):
            _report_store(report, photo=photo)
    except IntegrityError:
        # The same key posted twice at once: the other post created the report.
        existing = submission_key and Report.objects.filter(submission_key=submission_key).first()
        if not existing:
            raise
        return existing
    return report


def _report_store(report: Report, *, photo: CleanImage | None) -> None:
    report.save()
    if photo is not None:
        # Already re-encoded without metadata (reports.images); stored under a random
        # name and served only through the moderators' view.
        report.photo.save(f"photo.{photo.extension}", ContentFile(photo.data), save=False)
        Report.objects.filter(pk=report.pk).update(photo=report.photo.name)
    _audit(action=AuditAction.SUBMIT, actor=None, report=report, after=_snapshot(report))
    if report.submitter_email and report.origin == Origin.FORM:
        outbox_enqueue(
            task="reports.receipt_mail", args=[report.pk], dedup_key=f"receipt:{report.pk}"
        )
    watch_hits_after_commit(report=report)


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
@dataclass
class EvidenceChoice:
    """What a moderator approves a report as: the kind, the claim, when it happened and
    was published, and the one link the case page may show. Prefilled from the report
    (``evidence_choice_default``); the moderator corrects it on the report page."""

    kind: str
    claimed_status: str
    event_date: date | None = None
    event_precision: str = DatePrecision.DAY
    published_at: datetime | None = None
    url: str = ""
    link_public: bool = False
    summary: str = ""


#: The claim each kind of evidence makes unless the report says otherwise.
KIND_CLAIM = {
    EvidenceKind.SEARCH_POST: Status.MISSING,
    EvidenceKind.PRISONER_VIDEO: Status.CAPTURED,
    EvidenceKind.EXCHANGE_LIST: Status.RETURNED,
    EvidenceKind.DEATH_NOTICE: Status.DEAD,
}
#: The kind a claim suggests when the report does not say what it is.
CLAIM_KIND = {
    Status.MISSING: EvidenceKind.SEARCH_POST,
    Status.CAPTURED: EvidenceKind.PRISONER_VIDEO,
    Status.RETURNED: EvidenceKind.EXCHANGE_LIST,
    Status.DEAD: EvidenceKind.DEATH_NOTICE,
}


def link_may_be_public(report: Report, url: str) -> bool:
    """Whether a link of ``report`` may ever be shown to the public: never the source
    post of a private source (a relative's own post), never a relative's search post."""
    if not url:
        return False
    return not (report.source_private and url == report.source_url)


def evidence_choice_default(report: Report) -> EvidenceChoice:
    """The evidence a report most likely is, for the moderator to confirm or correct."""
    claim = report.claimed_status
    if report.evidence_kind:
        kind = report.evidence_kind
    elif claim == Status.CAPTURED and not report.has_video:
        kind = EvidenceKind.OTHER  # «in captivity», but no video to show for it
    else:
        kind = CLAIM_KIND.get(claim, EvidenceKind.SEARCH_POST)
    claim = claim or KIND_CLAIM.get(kind, Status.MISSING)
    if report.event_date:
        event_date, precision = report.event_date, report.event_precision
    elif kind == EvidenceKind.SEARCH_POST and report.last_contact_date:
        event_date, precision = report.last_contact_date, DatePrecision.DAY
    else:
        event_date, precision = None, DatePrecision.DAY
    links = list(report.evidence_urls or [])
    videos = [u for u in links if links_have_video([u]) and u != report.source_url]
    if kind == EvidenceKind.PRISONER_VIDEO and videos:
        url = videos[0]
    elif report.source_url:
        url = report.source_url
    else:
        url = links[0] if links else ""
    public = (
        kind != EvidenceKind.SEARCH_POST
        and link_may_be_public(report, url)
        # What a relative typed in is shown only once a moderator has looked at it.
        and (report.origin == Origin.SOURCE or url in videos)
    )
    return EvidenceChoice(
        kind=kind,
        claimed_status=claim,
        event_date=event_date,
        event_precision=precision,
        published_at=report.published_at or report.created_at,
        url=url,
        link_public=public,
    )


def _evidence_from_report(
    *,
    report: Report,
    conscript: Conscript,
    moderator: AbstractBaseUser,
    choice: EvidenceChoice | None,
) -> Evidence:
    """The one piece of evidence a report becomes.

    The report's free text may hold relatives' contacts, so it goes to
    ``archived_text`` (moderators only), never to the public summary; its other links
    stay on the report, which moderators can open from the evidence.
    """
    choice = choice or evidence_choice_default(report)
    if choice.url and choice.url not in (report.evidence_urls or []) + [report.source_url]:
        raise ValidationError("The link must be one of the report's links.")
    return conscript_services.evidence_add(
        conscript=conscript,
        kind=choice.kind,
        claimed_status=choice.claimed_status,
        event_date=choice.event_date,
        event_precision=choice.event_precision,
        published_at=choice.published_at,
        url=choice.url,
        link_public=choice.link_public and link_may_be_public(report, choice.url),
        source_kind=report.source_kind,
        source_name=report.source_name,
        summary=choice.summary.strip(),
        archived_text=report.details,
        report_id=report.pk,
        added_by=moderator,
    )


def _evidence_audit(evidence: Evidence) -> dict[str, Any]:
    return {
        "evidence_ids": [evidence.pk],
        "evidence": {
            "kind": evidence.kind,
            "claimed_status": evidence.claimed_status,
            "event_date": evidence.event_date,
            "event_precision": evidence.event_precision,
            "published_at": evidence.published_at,
            "link_public": evidence.link_public,
        },
    }


def report_values(report: Report) -> dict[str, Any]:
    """What a report says about the person, keyed as ``conscripts.services.MERGE_FIELDS``."""
    values: dict[str, Any] = {
        name: getattr(report, name)
        for name in conscript_services.MERGE_FIELDS
        if name not in ("home_region", "unit")
    }
    values["home_region"] = report.home_region
    values["unit"] = report.unit_number or None
    return values


# --- decisions -----------------------------------------------------------------------------
def report_approve_new(
    *, report: Report, moderator: AbstractBaseUser, evidence: EvidenceChoice | None = None
) -> Conscript:
    """Create a new person from the report; their status follows from its evidence.

    ``evidence`` is what the moderator approved the report as (default: the report's
    own account, ``evidence_choice_default``). Raises ``ReportStateError`` if someone
    else already decided the report (two moderators approving at once: one wins).
    """
    _require_moderator(moderator)
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        _check_open(report, moderator, now)
        _check_report_kind(report, ReportKind.REPORT)
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
        added = _evidence_from_report(
            report=report, conscript=conscript, moderator=moderator, choice=evidence
        )
        conscript.refresh_from_db()
        _decide(report, state=ReportState.APPROVED, moderator=moderator, now=now)
        report.conscript = conscript
        report.save()
        _audit(
            action=AuditAction.APPROVE_NEW,
            actor=moderator,
            report=report,
            conscript_id=conscript.pk,
            before=before,
            after=_snapshot(report) | _evidence_audit(added),
        )
        _notify_after_commit(report)
        watch_hits_after_commit(report=report, approved=True)
    return conscript


def report_merge_plan(
    *, report: Report, conscript: Conscript, field_choices: dict[str, str] | None = None
) -> conscript_services.MergePlan:
    """What merging ``report`` into ``conscript`` would change, and its conflicts.
    Writes nothing: the merge page shows it before the moderator decides."""
    return conscript_services.merge_plan(
        conscript=conscript, values=report_values(report), field_choices=field_choices
    )


def report_merge(
    *,
    report: Report,
    conscript: Conscript,
    moderator: AbstractBaseUser,
    field_choices: dict[str, str] | None = None,
    evidence: EvidenceChoice | None = None,
) -> conscript_services.MergePlan:
    """Attach the report to an existing person.

    Empty fields of the person are filled from the report; differing values are
    returned in the plan's ``conflicts`` and left alone unless ``field_choices`` maps
    the field to ``"report"``. The report's evidence (``evidence``, as in
    ``report_approve_new``) is attached and the status recomputed.
    """
    _require_moderator(moderator)
    with transaction.atomic():
        report = _lock(report)
        now = timezone.now()
        _check_open(report, moderator, now)
        _check_report_kind(report, ReportKind.REPORT)
        conscript = Conscript.objects.select_for_update().get(pk=conscript.pk)
        if conscript.merged_into_id is not None:
            raise ReportStateError(
                f"Record #{conscript.pk} was merged into #{conscript.merged_into_id}; "
                "merge the report there."
            )
        before = _snapshot(report) | {"conscript": conscript_services.conscript_snapshot(conscript)}
        plan = report_merge_plan(report=report, conscript=conscript, field_choices=field_choices)
        conscript_services.merge_plan_execute(plan=plan)
        added = _evidence_from_report(
            report=report, conscript=conscript, moderator=moderator, choice=evidence
        )
        conscript.refresh_from_db()
        plan.conscript = conscript
        _decide(report, state=ReportState.MERGED, moderator=moderator, now=now)
        report.conscript = conscript
        report.save()
        after = _snapshot(report) | {"conscript": conscript_services.conscript_snapshot(conscript)}
        _audit(
            action=AuditAction.MERGE,
            actor=moderator,
            report=report,
            conscript_id=conscript.pk,
            before=before,
            after=after | plan.as_audit() | _evidence_audit(added),
        )
        _notify_after_commit(report)
        watch_hits_after_commit(report=report, approved=True)
    return plan


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


# --- the submitter answers -------------------------------------------------------------
MAX_REPLY_LENGTH = 5000


def report_reply(*, report: Report, text: str) -> ReportReply:
    """The submitter's answer to «more information needed», from the receipt page: it
    joins the report and puts it back in the queue (pending). Only while the report
    waits for information; the receipt link is the submitter's key."""
    text = text.strip()
    if not text:
        raise ValidationError("Write your answer.")
    if len(text) > MAX_REPLY_LENGTH:
        raise ValidationError("The answer is too long.")
    with transaction.atomic():
        report = _lock(report)
        if report.state != ReportState.NEEDS_INFO:
            raise ReportStateError(f"Report #{report.pk} is not waiting for an answer.")
        before = _snapshot(report)
        reply = ReportReply.objects.create(report=report, text=text)
        report.state = ReportState.PENDING
        report.save(update_fields=["state", "updated_at"])
        # The answer itself stays on the report (it may hold contacts): ids in the log.
        _audit(
            action=AuditAction.REPLY,
            actor=None,
            report=report,
            before=before,
            after=_snapshot(report) | {"reply_id": reply.pk},
        )
    return reply


# --- correction and removal requests -----------------------------------------------------
def _request_lock(report: Report, moderator: AbstractBaseUser, *kinds: str):
    """The request locked and checked open, with its record locked too."""
    report = _lock(report)
    _check_open(report, moderator, timezone.now())
    _check_report_kind(report, *kinds)
    if report.about_id is None:
        raise ReportStateError(f"Request #{report.pk} names no record.")
    return report


def report_correct(
    *, report: Report, moderator: AbstractBaseUser, changes: dict[str, Any], note: str = ""
) -> Report:
    """Correct the record a request is about through ``conscripts.services.
    conscript_update`` (audited there too), and close the request as done. ``note`` is
    sent to the requester as written. Nothing to change is an error: decline instead."""
    _require_moderator(moderator)
    with transaction.atomic():
        report = _request_lock(report, moderator, ReportKind.CORRECTION, ReportKind.TAKEDOWN)
        record = Conscript.objects.get(pk=report.about_id)
        before_record = conscript_services.conscript_snapshot(record)
        updated = conscript_services.conscript_update(
            conscript=record,
            changes=changes,
            acting_user=moderator,
            reason=f"request #{report.pk}",
        )
        after_record = conscript_services.conscript_snapshot(updated)
        moved = sorted(k for k in after_record if after_record[k] != before_record[k])
        if not moved:
            raise ValidationError("Nothing was changed: decline the request instead.")
        before = _snapshot(report)
        _decide(report, state=ReportState.APPROVED, moderator=moderator, now=timezone.now())
        report.decision_reason = note.strip()
        report.conscript = updated
        report.save()
        _audit(
            action=AuditAction.REQUEST_CORRECT,
            actor=moderator,
            report=report,
            conscript_id=updated.pk,
            before=before | {"record": {k: before_record[k] for k in moved}},
            after=_snapshot(report) | {"record": {k: after_record[k] for k in moved}},
        )
        _notify_after_commit(report)
        watch_hits_after_commit(report=report, approved=True)
    return report


def report_hide(
    *, report: Report, moderator: AbstractBaseUser, reason: str, note: str = ""
) -> Report:
    """Hide the record a request is about (``conscripts.services.conscript_set_public``):
    it leaves public pages, search, the API, exports and statistics, and stays for
    moderators and in the audit. ``reason`` is internal; ``note`` goes to the requester."""
    _require_moderator(moderator)
    if not reason.strip():
        raise ValidationError("Say why the record is hidden.")
    with transaction.atomic():
        report = _request_lock(report, moderator, ReportKind.CORRECTION, ReportKind.TAKEDOWN)
        record = Conscript.objects.get(pk=report.about_id)
        was_public = record.is_public
        hidden = conscript_services.conscript_set_public(
            conscript=record,
            is_public=False,
            acting_user=moderator,
            reason=f"request #{report.pk}: {reason.strip()}",
        )
        before = _snapshot(report)
        # A takedown from here on, whatever the requester ticked: the receipt and the
        # e-mail then say the record was removed.
        report.kind = ReportKind.TAKEDOWN
        _decide(report, state=ReportState.APPROVED, moderator=moderator, now=timezone.now())
        report.decision_reason = note.strip()
        report.conscript = hidden
        report.save()
        _audit(
            action=AuditAction.REQUEST_HIDE,
            actor=moderator,
            report=report,
            conscript_id=hidden.pk,
            before=before | {"record": {"is_public": was_public}},
            after=_snapshot(report) | {"record": {"is_public": False}, "reason": reason.strip()},
        )
        _notify_after_commit(report)
    return report


def report_decline(*, report: Report, moderator: AbstractBaseUser, reason: str) -> Report:
    """Decline a correction or removal request; the ``reason`` is sent to the requester
    (unlike a rejected report's, which stays internal)."""
    _require_moderator(moderator)
    if not reason.strip():
        raise ValidationError("Say why the request is declined.")
    with transaction.atomic():
        report = _request_lock(report, moderator, ReportKind.CORRECTION, ReportKind.TAKEDOWN)
        _reject_locked(
            report=report, moderator=moderator, reason=reason.strip(), now=timezone.now()
        )
    return report
