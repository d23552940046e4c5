"""Relatives following a case: double opt-in, one e-mail per status change.

Double opt-in: an address gets status mail only after opening the link mailed to it, so
nobody can subscribe someone else. Links carry the follower's id signed with SECRET_KEY
(nothing secret is stored); the confirmation link expires, the unsubscribe link does not.
Tasks get ids only: addresses stay out of the broker and its logs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.outbox import outbox_enqueue, outbox_enqueue_many

from ..models import Conscript, Follower, Status, StatusChange

FOLLOW_CONFIRM_SALT = "conscripts.follow.confirm"
FOLLOW_UNFOLLOW_SALT = "conscripts.follow.unfollow"


class FollowError(ValueError):
    """The record cannot be followed (hidden at the family's request, or gone)."""


def follow_request(*, conscript: Conscript, email: str, language: str) -> Follower:
    """Ask to follow ``conscript``; the address is mailed a confirmation link.

    Whatever the address's state (new, waiting, confirmed, unsubscribed) this returns
    normally and does the same work, so a caller cannot tell anyone what it is, not
    even by the time it takes. A link is mailed (by the task queued after commit) only
    if the address is not following already, none was requested for this case within
    ``FOLLOW_RESEND_SECONDS`` and the address has asked for fewer than
    ``FOLLOW_MAILS_PER_ADDRESS_HOUR`` links in the last hour. A merged record is
    followed through the record it was merged into; a hidden one raises ``FollowError``.
    """
    from ..selectors import merged_successor_get

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
        # The same statements whatever the address's state, so that the answer's timing
        # tells nothing: one upsert (new or known address alike), the row locked, the
        # hourly count, one update, and a task queued that decides whether to mail.
        Follower.objects.bulk_create(
            [Follower(conscript_id=target.pk, email=email, language=language)],
            update_conflicts=True,
            unique_fields=["conscript", "email"],
            update_fields=["email"],
        )
        follower = Follower.objects.select_for_update().get(conscript_id=target.pk, email=email)
        asked = Follower.objects.filter(
            email=email, confirmation_requested_at__gte=now - timedelta(hours=1)
        ).count()
        last = follower.confirmation_requested_at
        due = (
            not follower.is_following
            and (last is None or now - last >= timedelta(seconds=settings.FOLLOW_RESEND_SECONDS))
            and asked < settings.FOLLOW_MAILS_PER_ADDRESS_HOUR
        )
        if due:
            follower.language = language
            follower.confirmation_requested_at = now
        # Saved with or without news: the task mails only a request not mailed yet.
        follower.save(update_fields=["language", "confirmation_requested_at"])
        outbox_enqueue(
            task="conscripts.follow_confirmation",
            args=[follower.pk],
            # One per request: the task mails the latest request once.
            dedup_key=f"conscripts.follow_confirmation:{follower.pk}:{now.isoformat()}",
        )
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
    family = merge_families([merge_root(found.conscript_id)])
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


def followers_purge_unsubscribed(*, before: datetime) -> int:
    """Delete the addresses that unsubscribed before ``before`` (the retention period,
    ``reports.retention``): nobody is mailed at them any more. Returns how many."""
    deleted, _ = Follower.objects.filter(unsubscribed_at__lt=before).delete()
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
    family = list(merge_families([conscript.pk]))
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
                    "effective_precision": change.effective_precision,
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


def merge_root(pk: int) -> int:
    """The record that ``pk`` was merged into, following merge chains (``pk`` if none)."""
    seen = set()
    while pk not in seen:
        seen.add(pk)
        parent = Conscript.objects.filter(pk=pk).values_list("merged_into", flat=True).first()
        if parent is None:
            break
        pk = parent
    return pk


def merge_families(conscript_ids: Iterable[int]) -> dict[int, int]:
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


def followers_notify_after_commit(*, changes: Sequence[StatusChange]) -> None:
    """Queue (``core.outbox``, in the change's transaction) the status mail of the
    changes whose person has followers; it goes out once the change commits.

    Most people have no followers, and then nothing is queued at all (a large import
    queues no task per changed person).
    """
    owners = {change.pk: change.conscript_id for change in changes if change.pk is not None}
    if not owners:
        return
    family = merge_families(set(owners.values()))
    followed = {
        family[pk]
        for pk in Follower.objects.following()
        .filter(conscript_id__in=family)
        .values_list("conscript_id", flat=True)
        .distinct()
    }
    change_ids = sorted(pk for pk, conscript_id in owners.items() if conscript_id in followed)
    if change_ids:
        outbox_enqueue_many(
            messages=[
                ("conscripts.notify_followers", [pk], f"conscripts.notify_followers:{pk}")
                for pk in change_ids
            ]
        )
