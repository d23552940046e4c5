"""Relatives' private watches: «tell me when someone reports him».

A relative describes the person they are looking for (name, birth date or year, unit,
region) and gives an address, without an account and even when no record exists yet.
Like following a case: double opt-in (nothing is matched or mailed before the link in the
confirmation mail is opened), then managed through a signed link in every mail.

Every new report (the form's and each ingested post's, ``reports.services.report_submit``)
and every approved change (``report_approve_new``, ``report_merge``, a correction) is
matched against the active watches with the search's own name matching
(``conscripts.search``): the report's name finds watches through their keys, and each
watch is then scored as the query it is, so that «Иванов Иван» watches «Иванова Ивана
Петровича» exactly as a search for «Иванов Иван» would find him. A watch that would call
him a match becomes a ``WatchHit``: a lead for moderators on the report. The relative is
told only after a moderator confirms the lead (``watch_hit_confirm``).

Watches and hits are shown to nobody but moderators; tasks take ids only, so addresses
stay out of the broker and its logs.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from conscripts import names, search
from conscripts.models import Conscript, Region
from core import access
from core.audit import audit_record
from core.models import AuditAction
from core.outbox import outbox_enqueue

from .models import HitState, Report, ReportKind, Watch, WatchHit, WatchKey

WATCH_CONFIRM_SALT = "reports.watch.confirm"
WATCH_MANAGE_SALT = "reports.watch.manage"
#: A new watch is matched against the records already published; the best few at most.
EXISTING_RECORDS_LIMIT = 10


class WatchHitError(ValueError):
    """The lead was already decided."""


# --- the person a watch is matched against ------------------------------------------------
@dataclass
class Subject:
    """A named person to match watches against: a report's or a record's. Has the
    attributes ``conscripts.search`` scores a person by."""

    surname: str
    given_name: str
    patronymic: str
    birth_date: date | None = None
    birth_year: int | None = None
    surname_key: str = ""
    given_key: str = ""
    patronymic_key: str = ""
    unit_id: None = None
    pk: int | None = None

    @classmethod
    def of(cls, *, surname: str, given_name: str, patronymic: str, **extra) -> Subject:
        """The nominative name (a report may carry a declined one) and its keys."""
        surname, given_name, patronymic = nominative(surname, given_name, patronymic)
        keys = search.name_keys(surname=surname, given_name=given_name, patronymic=patronymic)
        return cls(surname, given_name, patronymic, **extra, **keys)

    @property
    def query(self) -> str:
        """The name as a search query, with the birth date or year."""
        words = [self.surname, self.given_name, self.patronymic]
        if self.birth_date:
            words.append(self.birth_date.strftime("%d.%m.%Y"))
        elif self.birth_year:
            words.append(str(self.birth_year))
        return " ".join(w for w in words if w)


def nominative(surname: str, given_name: str, patronymic: str) -> tuple[str, str, str]:
    """Cleaned name parts, brought back to the nominative when all are Cyrillic
    («Иванова Ивана» → Иванов Иван); Latin spellings are kept (their keys match anyway)."""
    parts = [names.clean(p) for p in (surname, given_name, patronymic)]
    present = [p for p in parts if p]
    if len(present) >= 2 and all(names.script_of(p) == "cyrillic" for p in present):
        restored = names.to_nominative(present)
        if restored is not None and restored.surname:
            return restored.surname, restored.given_name, restored.patronymic
    return parts[0], parts[1], parts[2]


def report_subject(report: Report) -> Subject:
    return Subject.of(
        surname=report.surname or report.surname_raw,
        given_name=report.given_name,
        patronymic=report.patronymic,
        birth_date=report.birth_date,
        birth_year=report.birth_year,
    )


def record_subject(conscript: Conscript) -> Subject:
    return Subject(
        conscript.surname,
        conscript.given_name,
        conscript.patronymic,
        birth_date=conscript.birth_date,
        birth_year=conscript.birth_year,
        surname_key=conscript.surname_key,
        given_key=conscript.given_key,
        patronymic_key=conscript.patronymic_key,
        pk=conscript.pk,
    )


# --- registering, confirming, ending ----------------------------------------------------
def watch_request(
    *,
    email: str,
    surname: str,
    given_name: str,
    patronymic: str = "",
    birth_date: date | None = None,
    birth_year: int | None = None,
    unit_number: str = "",
    home_region: Region | None = None,
    language: str = "ru",
) -> Watch:
    """Register a watch, waiting for its confirmation; a link is mailed after commit.

    The same work whatever the address's state (new, watching already, over its hourly
    allowance of mails): one row written and one task queued. Whether a mail goes out is
    the task's decision (``watch_confirmation_send``), so the answer's timing tells no
    one anything about the address.
    """
    email = email.strip().lower()
    validate_email(email)
    language = language[:2] if language[:2] in Watch.Language.values else "ru"
    described = watch_description_fields(
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        birth_date=birth_date,
        birth_year=birth_year,
    )
    with transaction.atomic():
        watch = Watch.objects.create(
            email=email,
            language=language,
            unit_number=unit_number,
            home_region=home_region,
            **described,
        )
        watch_id = watch.pk
        outbox_enqueue(
            task="reports.watch_confirmation",
            args=[watch_id],
            dedup_key=f"watch-confirm:{watch_id}",
        )
    return watch


def watch_description_fields(
    *,
    surname: str,
    given_name: str,
    patronymic: str = "",
    birth_date: date | None = None,
    birth_year: int | None = None,
) -> dict:
    """A watch's name (nominative), birth, search keys and stored interpretation."""
    if birth_date is not None:
        birth_year = birth_date.year
    subject = Subject.of(
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        birth_date=birth_date,
        birth_year=birth_year,
    )
    if not subject.surname:
        raise ValueError("a watch needs a surname")
    return {
        "surname": subject.surname,
        "given_name": subject.given_name,
        "patronymic": subject.patronymic,
        "birth_date": birth_date,
        "birth_year": birth_year,
        "surname_key": subject.surname_key,
        "given_key": subject.given_key,
        "patronymic_key": subject.patronymic_key,
        "query": search.interpretation_as_json(search.interpret(subject.query)),
    }


def watch_confirmation_send(*, watch_id: int) -> bool:
    """Mail the confirmation link once; True if a mail was sent.

    Not sent to an address that was mailed ``WATCH_MAILS_PER_ADDRESS_HOUR`` links in the
    last hour (no mail bombing through the form). Idempotent.
    """
    with transaction.atomic():
        watch = Watch.objects.select_for_update().filter(pk=watch_id).first()
        if (
            watch is None
            or watch.confirmed_at is not None
            or watch.ended_at is not None
            or watch.confirmation_mailed_at is not None
        ):
            return False
        hour_ago = timezone.now() - timedelta(hours=1)
        mailed = Watch.objects.filter(
            email=watch.email, confirmation_mailed_at__gte=hour_ago
        ).count()
        if mailed >= settings.WATCH_MAILS_PER_ADDRESS_HOUR:
            return False
        confirm_path = reverse("watch:confirm", args=[watch_token(watch, "confirm")])
        message = _watch_email(
            watch=watch,
            template="watch_confirm",
            context={
                "confirm_url": settings.SITE_URL + confirm_path,
                "expires": timezone.now() + timedelta(seconds=settings.WATCH_CONFIRM_MAX_AGE),
            },
        )
        # Sent inside the transaction: if sending fails nothing is marked, and the
        # task's retry tries again.
        message.send()
        watch.confirmation_mailed_at = timezone.now()
        watch.save(update_fields=["confirmation_mailed_at"])
    return True


def watch_token(watch: Watch, purpose: str) -> str:
    """The signed token of a confirmation ("confirm", expires) or management ("manage")
    link. Only the id is signed: nothing secret is stored."""
    if purpose == "confirm":
        return signing.TimestampSigner(salt=WATCH_CONFIRM_SALT).sign(str(watch.pk))
    if purpose == "manage":
        return signing.Signer(salt=WATCH_MANAGE_SALT).sign(str(watch.pk))
    raise ValueError(f"unknown purpose {purpose!r}")


def watch_for_token(*, token: str, purpose: str) -> Watch | None:
    """The watch a link was mailed for, or None if the token is forged or expired."""
    try:
        if purpose == "confirm":
            value = signing.TimestampSigner(salt=WATCH_CONFIRM_SALT).unsign(
                token, max_age=settings.WATCH_CONFIRM_MAX_AGE
            )
        elif purpose == "manage":
            value = signing.Signer(salt=WATCH_MANAGE_SALT).unsign(token)
        else:
            raise ValueError(f"unknown purpose {purpose!r}")
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return Watch.objects.select_related("home_region").filter(pk=int(value)).first()


def watch_confirm(*, token: str) -> Watch | None:
    """Start the watch a confirmation link was mailed for; None if the link is forged,
    expired or its watch is gone. The same address watching the same person already
    keeps that watch (this one is dropped): one e-mail per lead, not two."""
    found = watch_for_token(token=token, purpose="confirm")
    if found is None:
        return None
    with transaction.atomic():
        watch = Watch.objects.select_for_update().filter(pk=found.pk).first()
        if watch is None:
            return None
        if watch.confirmed_at is not None or watch.ended_at is not None:
            return watch
        twin = (
            Watch.objects.active()
            .filter(
                email=watch.email,
                surname_key=watch.surname_key,
                given_key=watch.given_key,
                patronymic_key=watch.patronymic_key,
                birth_year=watch.birth_year,
            )
            .exclude(pk=watch.pk)
            .first()
        )
        if twin is not None:
            watch.delete()
            return twin
        watch.confirmed_at = timezone.now()
        watch.save(update_fields=["confirmed_at"])
        WatchKey.objects.bulk_create(
            [
                WatchKey(kind=kind, key=key)
                for kind, key in (
                    ("surname", watch.surname_key),
                    ("given", watch.given_key),
                    ("patronymic", watch.patronymic_key),
                )
                if key
            ],
            ignore_conflicts=True,
        )
        watch_id = watch.pk
        outbox_enqueue(task="reports.watch_match_existing", args=[watch_id])
    return watch


def watch_end(*, token: str) -> Watch | None:
    """Stop a watch (the management link); idempotent. None if the link is forged.
    Its description and address are deleted ``RETENTION_WATCH_DAYS`` later."""
    found = watch_for_token(token=token, purpose="manage")
    if found is None:
        return None
    Watch.objects.filter(pk=found.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    found.refresh_from_db(fields=["ended_at"])
    return found


def watches_purge_unconfirmed() -> int:
    """Delete watches never confirmed once their link has expired: nobody consented to
    keeping them. Returns how many."""
    expired = timezone.now() - timedelta(seconds=settings.WATCH_CONFIRM_MAX_AGE)
    _total, per_model = Watch.objects.filter(
        confirmed_at__isnull=True, created_at__lt=expired
    ).delete()
    return per_model.get(Watch._meta.label, 0)


# --- matching -------------------------------------------------------------------------------
def watches_matching(subject: Subject) -> list[tuple[Watch, search.Match]]:
    """Active watches that would call ``subject`` a match, best first.

    Stage 1 is the search's, on the watches' keys: the subject's name words find watch
    keys by trigram similarity, then watches through the index on their keys (a second,
    wider look when the first finds no match). Stage 2 scores each watch *as the query*
    (its stored interpretation) against the subject, with the search's decision.
    """
    interp = search.interpret(subject.query)
    if not interp.words:
        return []
    base = Watch.objects.active()
    found = search.candidates_for(interp, base, vocabulary=WatchKey)
    scored = _score_watches(found, subject)
    if not any(match.is_match for _watch, match in scored):
        more = search.candidates_for(
            interp, base, vocabulary=WatchKey, wide=True, exclude=[w.pk for w in found]
        )
        scored += _score_watches(more, subject)
    hits = [(watch, match) for watch, match in scored if match.is_match]
    hits.sort(key=lambda pair: (-pair[1].score, pair[0].pk))
    return hits


def _score_watches(watches: list[Watch], subject: Subject) -> list[tuple[Watch, search.Match]]:
    out = []
    for watch in watches:
        interp = search.interpretation_from_json(watch.query)
        match = search.rank(interp, [subject])[0]
        out.append((watch, match))
    return out


def watch_hits_for_report(*, report_id: int) -> int:
    """Leads from a new report (a form's or an ingested post's); returns how many were
    new. Idempotent: a lead exists once per watch and report."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None or report.kind != ReportKind.REPORT or not report.is_open:
        return 0
    pairs = watches_matching(report_subject(report))
    return _hits_create(
        [
            WatchHit(watch=watch, report=report, score=match.score, reasons=match.reasons)
            for watch, match in pairs
        ]
    )


def watch_hits_for_approved(*, report_id: int) -> int:
    """Leads from an approved change: the record a report was approved as or merged
    into, with its name as it now stands. A lead the report had already gains the
    record (the relative's mail can then link the case); returns how many were new."""
    report = Report.objects.select_related("conscript").filter(pk=report_id).first()
    if report is None or report.conscript is None or not report.conscript.is_public:
        return 0
    conscript = report.conscript
    pairs = watches_matching(record_subject(conscript))
    if not pairs:
        return 0
    WatchHit.objects.filter(
        report=report, watch__in=[w for w, _m in pairs], conscript__isnull=True
    ).update(conscript=conscript)
    return _hits_create(
        [
            WatchHit(
                watch=watch,
                report=report,
                conscript=conscript,
                score=match.score,
                reasons=match.reasons,
            )
            for watch, match in pairs
        ]
    )


def watch_hits_for_watch(*, watch_id: int) -> int:
    """Leads from a newly confirmed watch: the published records it would find as a
    match, as a search of its description would. Returns how many were new."""
    watch = Watch.objects.active().filter(pk=watch_id).first()
    if watch is None:
        return 0
    interp = search.interpretation_from_json(watch.query)
    words = [w.text for w in interp.words]
    if interp.birth_date:
        words.append(interp.birth_date.strftime("%d.%m.%Y"))
    elif interp.birth_year:
        words.append(str(interp.birth_year))
    result = search.search(" ".join(words))
    matches = [m for m in result.matches if m.is_match][:EXISTING_RECORDS_LIMIT]
    return _hits_create(
        [
            WatchHit(watch=watch, conscript=m.conscript, score=m.score, reasons=m.reasons)
            for m in matches
        ]
    )


def _hits_create(hits: list[WatchHit]) -> int:
    """Store the leads not stored yet (one per watch and report, or per watch and record
    found without a report); returns how many were new. A few per report at most."""
    created = 0
    for hit in hits:
        _hit, new = WatchHit.objects.get_or_create(
            watch=hit.watch,
            report=hit.report,
            **({} if hit.report is not None else {"conscript": hit.conscript}),
            defaults={"conscript": hit.conscript, "score": hit.score, "reasons": hit.reasons},
        )
        created += new
    return created


_watches_seen: ContextVar[dict | None] = ContextVar("watches_seen", default=None)


@contextmanager
def watches_checked_once():
    """Within the block, ask the database once whether any watch is active, not once per
    report (bulk ingestion writes a batch of reports in one transaction: the answer
    would not change within it for the reports to see)."""
    token = _watches_seen.set({})
    try:
        yield
    finally:
        _watches_seen.reset(token)


def _any_watch_active() -> bool:
    seen = _watches_seen.get()
    if seen is None:
        return Watch.objects.active().exists()
    if "active" not in seen:
        seen["active"] = Watch.objects.active().exists()
    return seen["active"]


def watch_hits_after_commit(*, report: Report, approved: bool = False) -> None:
    """Queue the matching of a report (new, or just approved: a record created, merged
    into or corrected) once committed, when any watch is active (most installations
    have none most of the time)."""
    if not approved and report.kind != ReportKind.REPORT:
        return
    if not _any_watch_active():
        return
    task = "reports.watch_match_approved" if approved else "reports.watch_match_report"
    # Queued with the report (core.outbox): a broker outage neither fails the report nor
    # loses the matching.
    outbox_enqueue(task=task, args=[report.pk])


# --- moderators' decisions on a lead ---------------------------------------------------------
def _hit_decide(
    *, hit: WatchHit, moderator: AbstractBaseUser, state: str, action: str, message: str = ""
) -> WatchHit:
    access.role_require(moderator, access.MODERATORS)
    with transaction.atomic():
        locked = (
            WatchHit.objects.select_for_update(of=("self",)).select_related("report").get(pk=hit.pk)
        )
        if locked.state != HitState.OPEN:
            raise WatchHitError(f"Lead #{locked.pk} was already decided.")
        locked.state = state
        locked.decided_by = moderator
        locked.decided_at = timezone.now()
        locked.message = message.strip()
        locked.save(update_fields=["state", "decided_by", "decided_at", "message"])
        conscript_id = locked.conscript_id or (
            locked.report.conscript_id if locked.report else None
        )
        audit_record(
            action=action,
            actor=moderator,
            report_id=locked.report_id,
            conscript_id=conscript_id,
            before={"hit": locked.pk, "state": HitState.OPEN},
            # Ids only: the relative's address and words stay on the watch.
            after={"hit": locked.pk, "watch": locked.watch_id, "state": state},
        )
    return locked


def watch_hit_confirm(*, hit: WatchHit, moderator: AbstractBaseUser, message: str = "") -> WatchHit:
    """Confirm a lead: the relative is told, once, after commit (``message`` as written)."""
    decided = _hit_decide(
        hit=hit,
        moderator=moderator,
        state=HitState.CONFIRMED,
        action=AuditAction.WATCH_HIT_CONFIRM,
        message=message,
    )
    outbox_enqueue(
        task="reports.watch_hit_notify", args=[decided.pk], dedup_key=f"hit-notify:{decided.pk}"
    )
    return decided


def watch_hit_dismiss(*, hit: WatchHit, moderator: AbstractBaseUser) -> WatchHit:
    """Dismiss a lead (someone else): the relative hears nothing."""
    return _hit_decide(
        hit=hit, moderator=moderator, state=HitState.DISMISSED, action=AuditAction.WATCH_HIT_DISMISS
    )


def hit_record(hit: WatchHit) -> Conscript | None:
    """The published record a lead points the relative to, if any."""
    record = hit.conscript or (hit.report.conscript if hit.report_id else None)
    if record is None or not record.is_public or record.merged_into_id is not None:
        return None
    return record


def watch_hit_notify(*, hit_id: int) -> bool:
    """Tell the relative of a confirmed lead, once; True if a mail was sent."""
    with transaction.atomic():
        hit = (
            WatchHit.objects.select_for_update(of=("self",))
            .select_related("watch", "conscript", "report__conscript")
            .filter(pk=hit_id)
            .first()
        )
        if (
            hit is None
            or hit.state != HitState.CONFIRMED
            or hit.notified_at is not None
            or not hit.watch.is_active
        ):
            return False
        record = hit_record(hit)
        message = _watch_email(
            watch=hit.watch,
            template="watch_hit",
            context={
                "case_url": settings.SITE_URL + record.get_absolute_url() if record else "",
                "message": hit.message,
            },
        )
        message.send()  # inside the transaction, as in watch_confirmation_send
        hit.notified_at = timezone.now()
        hit.save(update_fields=["notified_at"])
    return True


def _watch_email(*, watch: Watch, template: str, context: dict) -> EmailMessage:
    """A mail to the relative in their language, with the management link in it."""
    manage_url = settings.SITE_URL + reverse("watch:manage", args=[watch_token(watch, "manage")])
    with translation.override(watch.language):
        context = {
            **context,
            "description": watch_description(watch),
            "manage_url": manage_url,
        }
        subject = render_to_string(f"reports/email/{template}_subject.txt", context)
        body = render_to_string(f"reports/email/{template}_body.txt", context)
    return EmailMessage(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [watch.email],
        headers={"List-Unsubscribe": f"<{manage_url}>"},
    )


def watch_description(watch: Watch) -> str:
    """«Иванов Иван Петрович, 2004, в/ч 12345, Курская область», in the active language."""
    parts = [watch.full_name]
    if watch.birth_date:
        parts.append(watch.birth_date.strftime("%d.%m.%Y"))
    elif watch.birth_year:
        parts.append(str(watch.birth_year))
    if watch.unit_number:
        parts.append(f"в/ч {watch.unit_number}")
    if watch.home_region_id:
        parts.append(watch.home_region.name)
    return ", ".join(parts)
