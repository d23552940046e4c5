"""Writes to the conscripts app. Each runs in a transaction and locks what it changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import search, status_rules
from .models import (
    Conscript,
    DraftSeason,
    Evidence,
    Follower,
    MilitaryUnit,
    Region,
    Status,
    StatusChange,
    evidence_kinds_mask,
)


def conscript_create(
    *,
    surname: str,
    given_name: str,
    patronymic: str = "",
    birth_date: date | None = None,
    birth_year: int | None = None,
    home_region: Region | None = None,
    unit: MilitaryUnit | None = None,
    draft_season: str = "",
    draft_year: int | None = None,
    last_contact_date: date | None = None,
    last_known_place: str = "",
    is_public: bool = True,
) -> Conscript:
    """Create a person with no evidence yet (status: missing).

    Names must already be nominative and cleaned. ``birth_year`` is derived
    from ``birth_date`` when the date is known; a conflicting year is an error.
    """
    if birth_date is not None:
        if birth_year is not None and birth_year != birth_date.year:
            raise ValueError("birth_year does not match birth_date")
        birth_year = birth_date.year
    if draft_season and draft_season not in DraftSeason.values:
        raise ValueError(f"unknown draft season {draft_season!r}")
    conscript = Conscript(
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        birth_date=birth_date,
        birth_year=birth_year,
        home_region=home_region,
        unit=unit,
        draft_season=draft_season,
        draft_year=draft_year,
        last_contact_date=last_contact_date,
        last_known_place=last_known_place,
        is_public=is_public,
    )
    keys = search.name_keys(surname=surname, given_name=given_name, patronymic=patronymic)
    for name, value in keys.items():
        setattr(conscript, name, value)
    conscript.full_clean(exclude=["status"])
    with transaction.atomic():
        conscript.save()
        search.vocabulary_add([keys])
    return conscript


def unit_get_or_create(*, number: str = "", name: str = "") -> MilitaryUnit:
    """The unit with this number (or, without a number, this name)."""
    number = number.strip()
    name = name.strip()
    if number:
        unit, created = MilitaryUnit.objects.get_or_create(number=number, defaults={"name": name})
        if not created and name and not unit.name:
            unit.name = name
            unit.save(update_fields=["name"])
        return unit
    if not name:
        raise ValueError("a unit needs a number or a name")
    unit = MilitaryUnit.objects.filter(number__isnull=True, name__iexact=name).first()
    return unit or MilitaryUnit.objects.create(name=name)


def evidence_add(
    *,
    conscript: Conscript,
    kind: str,
    claimed_status: str = "",
    event_date: date | None = None,
    url: str = "",
    source_name: str = "",
    published_at: datetime | None = None,
    summary: str = "",
    archived_text: str = "",
    added_by: AbstractBaseUser | None = None,
) -> Evidence:
    """Attach approved evidence to a person and recompute their status."""
    with transaction.atomic():
        conscript = Conscript.objects.select_for_update().get(pk=conscript.pk)
        evidence = Evidence(
            conscript=conscript,
            kind=kind,
            claimed_status=claimed_status,
            event_date=event_date,
            url=url,
            source_name=source_name,
            published_at=published_at,
            summary=summary,
            archived_text=archived_text,
            archived_sha256=Evidence.sha256_of(archived_text),
            added_by=added_by,
        )
        evidence.full_clean()
        evidence.save()
        conscript_recompute_status(conscript=conscript, acting_user=added_by)
    return evidence


class EvidenceRetractError(ValueError):
    """Evidence that cannot be retracted as asked (no reason given, or moved meanwhile)."""


class EvidenceAlreadyRetracted(EvidenceRetractError):
    """The evidence was retracted before; a second retraction would rewrite history."""


def evidence_lock(*, evidence_id: int) -> tuple[Conscript, Evidence]:
    """Lock a piece of evidence and the person it belongs to, inside a transaction.

    The person first, as ``evidence_add`` and merges lock them, then the evidence
    row. The owner is read afresh: a merge may have moved the evidence meanwhile
    (``EvidenceRetractError``: the caller may try again).
    """
    owner_id = Evidence.objects.values_list("conscript_id", flat=True).get(pk=evidence_id)
    conscript = Conscript.objects.select_for_update().get(pk=owner_id)
    evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
    if evidence.conscript_id != conscript.pk:
        raise EvidenceRetractError(
            f"Evidence #{evidence.pk} moved to another record meanwhile; try again."
        )
    return conscript, evidence


def evidence_retract(
    *, evidence: Evidence, reason: str, retracted_by: AbstractBaseUser | None = None
) -> StatusChange | None:
    """Take evidence out of the count and recompute the person's status.

    The evidence stays (it is never deleted); ``retracted_at`` and
    ``retraction_reason`` say when and why. ``reason`` must not be blank and the
    evidence must still be active, else ``EvidenceRetractError`` and nothing
    changes. Returns the ``StatusChange`` if the status moved. Whoever called
    is responsible for checking that ``retracted_by`` may do this and for the
    audit (``reports.services.evidence_retract`` does both).
    """
    reason = reason.strip()
    if not reason:
        raise EvidenceRetractError("A retraction needs a reason.")
    with transaction.atomic():
        conscript, locked = evidence_lock(evidence_id=evidence.pk)
        if locked.retracted_at is not None:
            raise EvidenceAlreadyRetracted(
                f"Evidence #{locked.pk} was already retracted on {locked.retracted_at:%Y-%m-%d}."
            )
        locked.retracted_at = timezone.now()
        locked.retraction_reason = reason
        locked.save(update_fields=["retracted_at", "retraction_reason"])
        change = conscript_recompute_status(conscript=conscript, acting_user=retracted_by)
    # The caller's instance would otherwise still read as active.
    evidence.retracted_at, evidence.retraction_reason = locked.retracted_at, reason
    return change


def conscript_recompute_status(
    *, conscript: Conscript, acting_user: AbstractBaseUser | None = None
) -> StatusChange | None:
    """Derive the status from all active evidence; record a change if it moved.

    Must run inside a transaction that holds a lock on ``conscript``'s row
    (it is called by the services that add or retract evidence).
    """
    facts = [
        status_rules.Fact(
            key=e.pk,
            claimed_status=e.claimed_status,
            event_date=e.event_date,
            recorded_at=e.published_at or e.added_at,
            kind=e.kind,
        )
        for e in conscript.evidence.active().only(
            "pk", "kind", "claimed_status", "event_date", "published_at", "added_at"
        )
    ]
    outcome = status_rules.derive_status(facts)
    kinds = evidence_kinds_mask(f.kind for f in facts)
    current = (conscript.status, conscript.status_since, conscript.is_disputed)
    current += (conscript.disputed_reason,)
    if status_rules.state_of(outcome) == current and kinds == conscript.evidence_kinds:
        return None
    change = None
    # A new kind of evidence alone (a second search post…) is no change of status.
    step = status_rules.transition(current, outcome, recorded=conscript.status_changes.exists())
    if step is not None:
        change = StatusChange.objects.create(
            conscript=conscript, **_change_fields(step), changed_by=acting_user
        )
        _followers_notify_after_commit(changes=[change])
    conscript.status = outcome.status
    conscript.status_since = outcome.since
    conscript.is_disputed = outcome.disputed
    conscript.disputed_reason = outcome.reason
    conscript.evidence_kinds = kinds
    conscript.save(update_fields=[*DERIVED_FIELDS, "updated_at"])
    return change


#: What a person row stores that follows from their active evidence.
DERIVED_FIELDS = ["status", "status_since", "is_disputed", "disputed_reason", "evidence_kinds"]


def _change_fields(step: status_rules.Transition) -> dict:
    """``StatusChange`` fields of a transition whose ``because_of`` is an evidence id."""
    return {
        "from_status": step.from_status,
        "to_status": step.to_status,
        "effective_date": step.since,
        "evidence_id": step.because_of,
    }


def reference_data_load() -> None:
    """Ensure the regions and staff groups exist (what migrations 0002/0003 load).

    Idempotent. Tests call it after a transactional test has flushed the
    database; an operator may call it after adding regions to ``geo``.
    """
    from django.contrib.auth.models import Group

    from core import access

    from . import geo

    Region.objects.bulk_create(
        [Region(code=r.code, name_ru=r.name_ru, name_en=r.name_en) for r in geo.REGIONS],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name_ru", "name_en"],
    )
    for name in (access.MODERATORS, access.RESEARCHERS):
        Group.objects.get_or_create(name=name)


def units_by_number(*, numbers: Iterable[str]) -> dict[str, int]:
    """Primary keys of the units with these five-digit numbers, creating missing ones."""
    numbers = set(numbers)
    if not numbers:
        return {}
    with transaction.atomic():
        MilitaryUnit.objects.bulk_create(
            [MilitaryUnit(number=n) for n in sorted(numbers)], ignore_conflicts=True
        )
        return dict(MilitaryUnit.objects.filter(number__in=numbers).values_list("number", "pk"))


def conscripts_bulk_add(
    *,
    people: Sequence[Conscript],
    evidence: Sequence[Evidence],
    acting_user: AbstractBaseUser | None = None,
) -> None:
    """Create many people and attach approved evidence in one transaction.

    For loaders (``import_conscripts``) that would otherwise call
    ``conscript_create`` and ``evidence_add`` once per row. ``people`` are
    unsaved, with cleaned nominative names and no status; each unsaved item of
    ``evidence`` belongs to one of ``people`` or to a person already saved.
    Everyone touched gets their status derived as ``conscript_recompute_status``
    derives it, with a ``StatusChange`` when it moves; a new person's evidence
    counts as added together (one change at most). All or nothing.
    """
    with transaction.atomic():
        own: dict[int, list[int]] = {id(person): [] for person in people}
        owners = [item.conscript for item in evidence]
        for i, (item, owner) in enumerate(zip(evidence, owners, strict=True)):
            item.archived_sha256 = Evidence.sha256_of(item.archived_text)
            item.added_by = acting_user
            if id(owner) in own:
                own[id(owner)].append(i)
        keys, outcomes = [], []
        for person in people:
            if person.birth_date is not None:
                person.birth_year = person.birth_date.year
            person_keys = search.name_keys(
                surname=person.surname, given_name=person.given_name, patronymic=person.patronymic
            )
            for name, value in person_keys.items():
                setattr(person, name, value)
            keys.append(person_keys)
            # New people's statuses are known before they are written: no update after.
            outcome = status_rules.derive_status(_fact(evidence[i], key=i) for i in own[id(person)])
            person.status, person.status_since = outcome.status, outcome.since
            person.is_disputed, person.disputed_reason = outcome.disputed, outcome.reason
            person.evidence_kinds = evidence_kinds_mask(evidence[i].kind for i in own[id(person)])
            outcomes.append(outcome)
        Conscript.objects.bulk_create(people)
        search.vocabulary_add(keys)
        for item, owner in zip(evidence, owners, strict=True):
            item.conscript = owner  # now saved: sets conscript_id
        known = sorted({owner.pk for owner in owners if id(owner) not in own})
        # Lock the people already saved, in key order, as evidence_add locks one.
        list(Conscript.objects.select_for_update().filter(pk__in=known).values_list("pk"))
        Evidence.objects.bulk_create(evidence)
        first_steps = [
            (person, status_rules.transition(status_rules.INITIAL, outcome, recorded=False))
            for person, outcome in zip(people, outcomes, strict=True)
        ]
        StatusChange.objects.bulk_create(
            StatusChange(
                conscript_id=person.pk,
                **_change_fields(step) | {"evidence_id": evidence[step.because_of].pk},
                changed_by=acting_user,
            )
            for person, step in first_steps
            if step is not None  # no claim: still the initial «missing»
        )
        _statuses_recompute(conscript_ids=known, acting_user=acting_user)


def _fact(evidence: Evidence, *, key: object) -> status_rules.Fact:
    return status_rules.Fact(
        key=key,
        claimed_status=evidence.claimed_status,
        event_date=evidence.event_date,
        recorded_at=evidence.published_at or evidence.added_at,
        kind=evidence.kind,
    )


def _statuses_recompute(
    *, conscript_ids: Sequence[int], acting_user: AbstractBaseUser | None
) -> None:
    """``conscript_recompute_status`` for many locked people, in a few queries."""
    current = {
        pk: (status, since, disputed, reason, kinds)
        for pk, status, since, disputed, reason, kinds in Conscript.objects.filter(
            pk__in=conscript_ids
        ).values_list("pk", *DERIVED_FIELDS)
    }
    recorded = set(
        StatusChange.objects.filter(conscript_id__in=conscript_ids)
        .values_list("conscript_id", flat=True)
        .distinct()
    )
    facts: dict[int, list[status_rules.Fact]] = {pk: [] for pk in conscript_ids}
    for pk, conscript_id, kind, claimed, event_date, published_at, added_at in (
        Evidence.objects.active()
        .filter(conscript_id__in=conscript_ids)
        .values_list(
            "pk", "conscript_id", "kind", "claimed_status", "event_date", "published_at", "added_at"
        )
    ):
        facts[conscript_id].append(
            status_rules.Fact(
                key=pk,
                claimed_status=claimed,
                event_date=event_date,
                recorded_at=published_at or added_at,
                kind=kind,
            )
        )
    now = timezone.now()
    changes, moved = [], []
    for pk in conscript_ids:
        outcome = status_rules.derive_status(facts[pk])
        kinds = evidence_kinds_mask(f.kind for f in facts[pk])
        *state, stored_kinds = current[pk]
        if status_rules.state_of(outcome) == tuple(state) and kinds == stored_kinds:
            continue
        step = status_rules.transition(tuple(state), outcome, recorded=pk in recorded)
        if step is not None:
            changes.append(
                StatusChange(conscript_id=pk, **_change_fields(step), changed_by=acting_user)
            )
        moved.append(
            Conscript(
                pk=pk,
                status=outcome.status,
                status_since=outcome.since,
                is_disputed=outcome.disputed,
                disputed_reason=outcome.reason,
                evidence_kinds=kinds,
                updated_at=now,
            )
        )
    StatusChange.objects.bulk_create(changes)
    _followers_notify_after_commit(changes=changes)
    Conscript.objects.bulk_update(moved, [*DERIVED_FIELDS, "updated_at"], batch_size=1000)


# --- Relatives following a case ----------------------------------------------------------
# Double opt-in: an address gets status mail only after opening the link mailed to it, so
# nobody can subscribe someone else. Links carry the follower's id signed with SECRET_KEY
# (nothing secret is stored); the confirmation link expires, the unsubscribe link does not.
# Tasks get ids only: addresses stay out of the broker and its logs.
FOLLOW_CONFIRM_SALT = "conscripts.follow.confirm"
FOLLOW_UNFOLLOW_SALT = "conscripts.follow.unfollow"


class FollowError(ValueError):
    """The record cannot be followed (hidden at the family's request, or gone)."""


def follow_request(*, conscript: Conscript, email: str, language: str) -> Follower:
    """Ask to follow ``conscript``; the address is mailed a confirmation link.

    Whatever the address's state (new, waiting, confirmed, unsubscribed) this returns
    normally, so a caller cannot tell anyone what it is. A link is mailed (after
    commit) only if the address is not following already, none was requested for this
    case within ``FOLLOW_RESEND_SECONDS`` and the address has asked for fewer than
    ``FOLLOW_MAILS_PER_ADDRESS_HOUR`` links in the last hour. A merged record is
    followed through the record it was merged into; a hidden one raises ``FollowError``.
    """
    from .selectors import merged_successor_get
    from .tasks import follow_confirmation_task

    email = email.strip().lower()
    validate_email(email)
    language = language[:2] if language[:2] in Follower.Language.values else "ru"
    target = (
        Conscript.objects.only("pk", "is_public", "merged_into").filter(pk=conscript.pk).first()
    )
    if target is not None and target.merged_into_id is not None:
        target = merged_successor_get(pk=target.pk)
    if target is None or not target.is_public:
        raise FollowError(f"Record #{conscript.pk} cannot be followed.")
    now = timezone.now()
    with transaction.atomic():
        follower, _created = Follower.objects.select_for_update().get_or_create(
            conscript_id=target.pk, email=email, defaults={"language": language}
        )
        if follower.is_following:
            return follower
        last = follower.confirmation_requested_at
        if last is not None and now - last < timedelta(seconds=settings.FOLLOW_RESEND_SECONDS):
            return follower
        asked = Follower.objects.filter(
            email=email, confirmation_requested_at__gte=now - timedelta(hours=1)
        ).count()
        if asked >= settings.FOLLOW_MAILS_PER_ADDRESS_HOUR:
            return follower
        follower.language = language
        follower.confirmation_requested_at = now
        follower.save(update_fields=["language", "confirmation_requested_at"])
        follower_id = follower.pk
        transaction.on_commit(lambda: follow_confirmation_task.delay(follower_id), robust=True)
    return follower


def follow_confirmation_send(*, follower_id: int) -> bool:
    """Mail the confirmation link once per request; True if a mail was sent.

    Idempotent: a redelivered task finds the request already mailed and sends nothing.
    """
    with transaction.atomic():
        follower = (
            Follower.objects.select_for_update(of=("self",))
            .select_related("conscript")
            .filter(pk=follower_id)
            .first()
        )
        if (
            follower is None
            or follower.is_following
            or follower.confirmation_requested_at is None
            or (
                follower.confirmation_mailed_at is not None
                and follower.confirmation_mailed_at >= follower.confirmation_requested_at
            )
            or not follower.conscript.is_public
        ):
            return False
        conscript = follower.conscript
        confirm_path = reverse(
            "conscripts:follow-confirm", args=[follow_token(follower, "confirm")]
        )
        message = _follow_email(
            follower=follower,
            template="follow_confirm",
            context={
                "name": conscript.full_name,
                "case_url": settings.SITE_URL + conscript.get_absolute_url(),
                "confirm_url": settings.SITE_URL + confirm_path,
                "expires": timezone.now() + timedelta(seconds=settings.FOLLOW_CONFIRM_MAX_AGE),
            },
        )
        # Sent inside the transaction: if sending fails nothing is marked, and the
        # task's retry tries again.
        message.send()
        follower.confirmation_mailed_at = timezone.now()
        follower.save(update_fields=["confirmation_mailed_at"])
    return True


def follow_token(follower: Follower, purpose: str) -> str:
    """The signed token of a confirmation ("confirm") or unsubscribe ("unfollow") link."""
    if purpose == "confirm":
        return signing.TimestampSigner(salt=FOLLOW_CONFIRM_SALT).sign(str(follower.pk))
    if purpose == "unfollow":
        return signing.Signer(salt=FOLLOW_UNFOLLOW_SALT).sign(str(follower.pk))
    raise ValueError(f"unknown purpose {purpose!r}")


def follower_for_token(*, token: str, purpose: str) -> Follower | None:
    """The follower a link was mailed to, or None if the token is forged or expired."""
    try:
        if purpose == "confirm":
            value = signing.TimestampSigner(salt=FOLLOW_CONFIRM_SALT).unsign(
                token, max_age=settings.FOLLOW_CONFIRM_MAX_AGE
            )
        elif purpose == "unfollow":
            value = signing.Signer(salt=FOLLOW_UNFOLLOW_SALT).unsign(token)
        else:
            raise ValueError(f"unknown purpose {purpose!r}")
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not value.isdigit():
        return None
    return Follower.objects.select_related("conscript").filter(pk=int(value)).first()


def follow_confirm(*, token: str) -> Follower | None:
    """Start status mail to the address a confirmation link went to.

    Returns the follower, or None (nothing changes) if the token is forged, expired or
    its follower is gone. Confirming again, or after unsubscribing, follows again.
    """
    found = follower_for_token(token=token, purpose="confirm")
    if found is None:
        return None
    with transaction.atomic():
        follower = Follower.objects.select_for_update().filter(pk=found.pk).first()
        if follower is None:
            return None
        if not follower.is_following:
            follower.confirmed_at = timezone.now()
            follower.unsubscribed_at = None
            follower.save(update_fields=["confirmed_at", "unsubscribed_at"])
    follower.conscript = found.conscript
    return follower


def unfollow(*, token: str) -> Follower | None:
    """Stop status mail to the address an unsubscribe link went to; None if forged.

    Also stops it for the same address on the other records of this person (records
    merged into one another), which would otherwise keep mailing. Idempotent.
    """
    found = follower_for_token(token=token, purpose="unfollow")
    if found is None:
        return None
    family = _merge_families([_merge_root(found.conscript_id)])
    Follower.objects.filter(
        email=found.email, conscript_id__in=family, unsubscribed_at__isnull=True
    ).update(unsubscribed_at=timezone.now())
    found.refresh_from_db(fields=["unsubscribed_at"])
    return found


def followers_purge_unconfirmed() -> int:
    """Delete the addresses that asked to follow and never confirmed, once the link
    mailed to them has expired: nobody consented to keeping them. Returns how many."""
    max_age = settings.FOLLOW_CONFIRM_MAX_AGE
    expired = timezone.now() - timedelta(seconds=max_age)
    deleted, _ = Follower.objects.filter(
        confirmed_at__isnull=True, confirmation_requested_at__lt=expired
    ).delete()
    return deleted


def followers_notify(*, change_id: int) -> int:
    """E-mail a status change to everyone following the person; returns the mails sent.

    Followers of records merged into the person (at any depth) follow them too, one
    mail per address. Each follower keeps the newest change it was told of, so a
    redelivered task, or a late task for an older change, sends nothing. Nobody hears
    of a hidden record.
    """
    change = StatusChange.objects.select_related("conscript").filter(pk=change_id).first()
    if change is None:
        return 0
    conscript = change.conscript
    if not conscript.is_public or conscript.merged_into_id is not None:
        return 0
    family = list(_merge_families([conscript.pk]))
    pending = Follower.objects.following().filter(
        Q(last_notified_change__isnull=True) | Q(last_notified_change__lt=change.pk),
        conscript_id__in=family,
    )
    sent = 0
    for email in sorted(set(pending.values_list("email", flat=True))):
        with transaction.atomic():
            rows = list(pending.filter(email=email).select_for_update().order_by("created_at"))
            if not rows:  # told meanwhile by another run
                continue
            message = _follow_email(
                follower=rows[-1],  # the latest request's language
                template="follow_status",
                context={
                    "name": conscript.full_name,
                    "case_url": settings.SITE_URL + conscript.get_absolute_url(),
                    "status": Status(change.to_status).label,
                    "effective_date": change.effective_date,
                },
            )
            message.send()  # inside the transaction, as in follow_confirmation_send
            Follower.objects.filter(pk__in=[r.pk for r in rows]).update(
                last_notified_change=change, last_notified_at=timezone.now()
            )
        sent += 1
    return sent


def _follow_email(*, follower: Follower, template: str, context: dict) -> EmailMessage:
    """A mail to one follower in their language, with the unsubscribe link in it."""
    unsubscribe_url = settings.SITE_URL + reverse(
        "conscripts:unfollow", args=[follow_token(follower, "unfollow")]
    )
    context = {**context, "unsubscribe_url": unsubscribe_url}
    with translation.override(follower.language):
        subject = render_to_string(f"conscripts/email/{template}_subject.txt", context)
        body = render_to_string(f"conscripts/email/{template}_body.txt", context)
    return EmailMessage(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [follower.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
    )


def _merge_root(pk: int) -> int:
    """The record that ``pk`` was merged into, following merge chains (``pk`` if none)."""
    seen = set()
    while pk not in seen:
        seen.add(pk)
        parent = Conscript.objects.filter(pk=pk).values_list("merged_into", flat=True).first()
        if parent is None:
            break
        pk = parent
    return pk


def _merge_families(conscript_ids: Iterable[int]) -> dict[int, int]:
    """Each of ``conscript_ids`` and every record merged into one of them (at any
    depth), mapped to the one of ``conscript_ids`` it now lives in."""
    root = {pk: pk for pk in conscript_ids}
    frontier = set(root)
    while frontier:
        merged = Conscript.objects.filter(merged_into__in=frontier).values_list("pk", "merged_into")
        frontier = set()
        for pk, parent in merged:
            if pk not in root:
                root[pk] = root[parent]
                frontier.add(pk)
    return root


def _followers_notify_after_commit(*, changes: Sequence[StatusChange]) -> None:
    """Once committed, queue the status mail of the changes whose person has followers.

    Asked inside the transaction: most people have no followers, and then nothing is
    registered at all (a large import queues no task per changed person).
    """
    owners = {change.pk: change.conscript_id for change in changes if change.pk is not None}
    if not owners:
        return
    family = _merge_families(set(owners.values()))
    followed = {
        family[pk]
        for pk in Follower.objects.following()
        .filter(conscript_id__in=family)
        .values_list("conscript_id", flat=True)
        .distinct()
    }
    change_ids = sorted(pk for pk, conscript_id in owners.items() if conscript_id in followed)
    if change_ids:
        from .tasks import notify_followers_task

        def enqueue() -> None:
            for pk in change_ids:
                notify_followers_task.delay(pk)

        # robust: a broker outage is logged and must not fail a write already committed.
        transaction.on_commit(enqueue, robust=True)
