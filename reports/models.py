"""What relatives submit (or the ingester extracts), and the moderators' audit trail."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conscripts.models import (
    Conscript,
    DatePrecision,
    EvidenceKind,
    EvidenceSource,
    Region,
    Status,
)

#: Links to these hosts count as video evidence (prisoner videos are posted there).
VIDEO_HOSTS = ("youtube.com", "youtu.be", "t.me/", "vk.com/video", "rutube.ru/video")


def links_have_video(urls) -> bool:
    return any(host in url.lower() for url in urls for host in VIDEO_HOSTS)


class Knowledge(models.TextChoices):
    """What a relative knows, as the report form asks it; each value is an
    ``EvidenceKind`` (a test keeps them in step)."""

    SEARCHING = "search_post", _("We are searching: no news since the last contact")
    VIDEO = "prisoner_video", _("Seen on a video of prisoners")
    EXCHANGE = "exchange_list", _("Named in an exchange list")
    DEATH = "death_notice", _("A death notice")
    OFFICIAL = "official", _("An official answer")
    OTHER = "other", _("Something else")


def new_receipt_token() -> str:
    """An unguessable token: the submitter's only key to their report."""
    return secrets.token_urlsafe(32)


def report_photo_path(instance, filename: str) -> str:
    """A random name under reports/: photos are served only through a moderators' view."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"reports/photos/{secrets.token_urlsafe(24)}.{extension}"


class ReportKind(models.TextChoices):
    """What a submission asks for: a report about a person (what the form and the
    ingested posts send), or a request about a published record from its case page."""

    REPORT = "report", _("Report about a person")
    CORRECTION = "correction", _("Correction request")
    TAKEDOWN = "takedown", _("Removal request")


#: The kinds that ask to change a published record rather than report a person.
REQUEST_KINDS = (ReportKind.CORRECTION, ReportKind.TAKEDOWN)


class Origin(models.TextChoices):
    FORM = "form", _("Public form")
    SOURCE = "source", _("Ingested source")
    UPLOAD = "upload", _("Uploaded list")


class ReportState(models.TextChoices):
    PENDING = "pending", _("Pending")
    NEEDS_INFO = "needs_info", _("Needs information")
    APPROVED = "approved", _("Approved")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


#: States in which a moderator may still act on a report.
OPEN_STATES = (ReportState.PENDING, ReportState.NEEDS_INFO)

#: What the submitter reads about their report's state (receipt page).
STATE_FOR_SUBMITTER = {
    ReportState.PENDING: _("Received. A moderator has not reviewed it yet."),
    ReportState.NEEDS_INFO: _("A moderator needs more information from you."),
    ReportState.APPROVED: _("Accepted: the person has been added to the record."),
    ReportState.MERGED: _("Accepted: what you wrote has been added to an existing record."),
    ReportState.REJECTED: _("Not accepted."),
    ReportState.DUPLICATE: _("We had already received this report."),
}
#: What a requester reads about a correction or removal request, where it differs.
STATE_FOR_REQUESTER = {
    (ReportKind.CORRECTION, ReportState.APPROVED): _("Done: moderators corrected the record."),
    (ReportKind.TAKEDOWN, ReportState.APPROVED): _(
        "Done: the record is no longer shown to the public."
    ),
    (ReportKind.CORRECTION, ReportState.REJECTED): _("Moderators did not change the record."),
    (ReportKind.TAKEDOWN, ReportState.REJECTED): _("Moderators did not remove the record."),
}
#: A request's decision as the e-mail names it, where it differs from a report's.
DECISION_FOR_REQUESTER = {
    (ReportKind.CORRECTION, ReportState.APPROVED): _("done: the record was corrected"),
    (ReportKind.TAKEDOWN, ReportState.APPROVED): _(
        "done: the record is no longer shown to the public"
    ),
    (ReportKind.CORRECTION, ReportState.REJECTED): _("declined"),
    (ReportKind.TAKEDOWN, ReportState.REJECTED): _("declined"),
}
#: The decision as the e-mail to the submitter names it.
DECISION_FOR_SUBMITTER = {
    ReportState.APPROVED: _("accepted and published"),
    ReportState.MERGED: _("accepted and added to an existing record"),
    ReportState.REJECTED: _("not accepted"),
    ReportState.DUPLICATE: _("already received earlier"),
    ReportState.NEEDS_INFO: _("more information needed"),
}


class Report(models.Model):
    """One submission about one person, waiting for (or past) a moderator's decision.

    Names are kept as typed and cleaned (``conscripts.names.clean``); only the
    cleaned form ever reaches a ``Conscript``.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=ReportKind.choices, default=ReportKind.REPORT
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    # e.g. "telegram:channel/123"; a string because reports must not import sources.
    origin_ref = models.CharField(_("origin reference"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.PENDING
    )

    surname_raw = models.CharField(_("surname as typed"), max_length=200)
    given_name_raw = models.CharField(_("given name as typed"), max_length=200, blank=True)
    patronymic_raw = models.CharField(_("patronymic as typed"), max_length=200, blank=True)
    surname = models.CharField(_("surname"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    unit_number = models.CharField(_("unit number"), max_length=5, blank=True)
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_contact_date = models.DateField(_("last contact"), null=True, blank=True)
    last_known_place = models.CharField(_("last known place"), max_length=200, blank=True)
    claimed_status = models.CharField(
        _("claimed status"), max_length=10, choices=Status.choices, blank=True
    )
    # What it is evidence of and when, as the submitter (or the extraction) says; the
    # moderator confirms or corrects both when approving (services.EvidenceChoice).
    evidence_kind = models.CharField(
        _("what is known"), max_length=20, choices=EvidenceKind.choices, blank=True
    )
    event_date = models.DateField(_("when it happened"), null=True, blank=True)
    event_precision = models.CharField(
        _("when: precision"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    # Where it comes from: a relative's report, or a post with its channel, link and date.
    source_kind = models.CharField(
        _("source kind"), max_length=10, choices=EvidenceSource.choices, blank=True
    )
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    source_url = models.CharField(_("source link"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # An uploaded list's row (reports.uploads): the upload and the row number in its file.
    upload = models.ForeignKey(
        "ListUpload",
        verbose_name=_("uploaded list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    upload_row = models.PositiveIntegerField(_("row in the list"), null=True, blank=True)
    # Someone's own post (a relative's, with their phone number): its link is never
    # shown to the public, whatever the moderator chooses.
    source_private = models.BooleanField(_("source is private"), default=True)
    evidence_urls = models.JSONField(_("evidence links"), default=list, blank=True)
    # Derived from evidence_urls by report_submit, so the queue's "has video"
    # filter is an indexed boolean rather than a scan of JSON text.
    has_video = models.BooleanField(_("has a video link"), default=False, editable=False)
    details = models.TextField(_("details"), blank=True)
    # Re-encoded on upload (reports.images); private like the submitter's contact.
    photo = models.FileField(_("photo or screenshot"), upload_to=report_photo_path, blank=True)

    # Private: moderators only, never copied to a Conscript or to another person's e-mail.
    submitter_name = models.CharField(_("submitter name"), max_length=200, blank=True)
    submitter_contact = models.CharField(
        _("submitter contact"),
        max_length=200,
        blank=True,
        help_text=_("Phone, e-mail or Telegram, as typed."),
    )
    submitter_email = models.EmailField(_("submitter e-mail (normalised)"), blank=True)
    submitter_language = models.CharField(
        _("submitter language"), max_length=8, choices=settings.LANGUAGES, default="ru"
    )
    submitted_ip = models.GenericIPAddressField(_("submitted from"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    # The public form's one-time key (core.forms): a double click or a resubmitted page
    # finds the report the first post created, rather than creating a second.
    submission_key = models.CharField(
        _("submission key"), max_length=64, blank=True, default="", editable=False
    )
    receipt_token = models.CharField(
        _("receipt token"),
        max_length=64,
        unique=True,
        default=new_receipt_token,
        editable=False,
    )

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    info_request = models.TextField(_("information requested"), blank=True)
    conscript = models.ForeignKey(
        Conscript,
        verbose_name=_("resulting record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # The case page the submission was sent from («I know something about this person»,
    # «this is wrong / remove this»): for a request, the record it asks to change.
    about = models.ForeignKey(
        Conscript,
        verbose_name=_("sent from the case of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt_mailed_at = models.DateTimeField(_("receipt link mailed"), null=True, blank=True)
    notified_at = models.DateTimeField(_("submitter notified"), null=True, blank=True)
    notified_state = models.CharField(
        _("state notified"), max_length=12, choices=ReportState.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["state", "created_at"], name="report_queue"),
            # The unfiltered queue (pending or needs-info, oldest first): with only
            # report_queue, PostgreSQL sorts every open report for each page
            # (bench/moderation.py: 88 ms at 100,000 pending; 7 ms with this index).
            # Every filter of the queue reads this index only (no table): a page's ids
            # walked in order, however deep, and the count (bench/moderation.py at
            # 100,000 pending; reports.selectors.queue_slice reads the page's rows after).
            models.Index(
                fields=["created_at", "id"],
                include=["state", "origin", "claimed_by", "has_video", "kind", "upload"],
                condition=models.Q(state__in=OPEN_STATES),
                name="report_open_queue_cover",
            ),
            models.Index(
                fields=["origin", "created_at", "id"],
                include=["state", "claimed_by", "has_video", "kind", "upload"],
                condition=models.Q(state__in=OPEN_STATES),
                name="report_open_origin_queue",
            ),
            # «Claimed by me»: a few percent of the queue, walked in order.
            models.Index(
                fields=["claimed_by", "created_at", "id"],
                condition=models.Q(state__in=OPEN_STATES, claimed_by__isnull=False),
                name="report_open_claimed_queue",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(state__in=OPEN_STATES, has_video=True),
                name="report_open_video_queue",
            ),
            models.Index(fields=["claimed_by", "state"], name="report_claimed"),
        ]
        constraints = [
            # An ingested post yields one report per person in it; re-running the
            # ingestion must not add a second (sources.services.item_extract).
            models.UniqueConstraint(
                fields=["origin_ref"],
                condition=~models.Q(origin_ref=""),
                name="report_unique_origin_ref",
            ),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~models.Q(submission_key=""),
                name="report_unique_submission_key",
            ),
        ]

    def __str__(self) -> str:
        name = " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)
        return f"#{self.pk} {name or self.surname_raw}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_request(self) -> bool:
        """A correction or removal request about a published record."""
        return self.kind in REQUEST_KINDS

    @property
    def state_for_submitter(self) -> str:
        return str(
            STATE_FOR_REQUESTER.get((self.kind, self.state)) or STATE_FOR_SUBMITTER[self.state]
        )

    def claim_is_active(self, now=None) -> bool:
        """True while a moderator's claim has not expired (settings.REPORT_CLAIM_MINUTES)."""
        if self.claimed_by_id is None or self.claimed_at is None:
            return False
        now = now or timezone.now()
        return now - self.claimed_at < claim_duration()


def claim_duration() -> timedelta:
    return timedelta(minutes=settings.REPORT_CLAIM_MINUTES)


class ReportReply(models.Model):
    """The submitter's answer to «more information needed», from the receipt page. It
    joins the report (moderators only) and puts it back in the queue."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="replies", verbose_name=_("report")
    )
    text = models.TextField(_("answer"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"reply #{self.pk} to report #{self.report_id}"


# --- Relatives' private watches (reports.watches) -------------------------------------------
class WatchQuerySet(models.QuerySet):
    def active(self) -> "WatchQuerySet":
        """Confirmed by the relative and not ended: what new reports are matched against."""
        return self.filter(confirmed_at__isnull=False, ended_at__isnull=True)


class Watch(models.Model):
    """A relative's private description of someone they are looking for, and the address
    to tell once a moderator confirms that a new report or record may be him.

    Double opt-in like following a case: nothing is matched and nothing mailed until the
    link in the confirmation mail is opened. The address and the description are shown to
    nobody but moderators (and the relative, through the signed link).
    """

    class Language(models.TextChoices):
        RUSSIAN = "ru", "Русский"
        ENGLISH = "en", "English"

    email = models.EmailField(_("e-mail"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.RUSSIAN
    )
    surname = models.CharField(_("surname"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    unit_number = models.CharField(_("unit number"), max_length=5, blank=True)
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The search keys of the nominative name (conscripts.search.name_keys), and the
    # description read as a search query once (conscripts.search.interpretation_as_json):
    # a new report is matched by keys, then scored with the watch as the query.
    surname_key = models.CharField(max_length=100, blank=True, editable=False)
    given_key = models.CharField(max_length=100, blank=True, editable=False)
    patronymic_key = models.CharField(max_length=100, blank=True, editable=False)
    query = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    confirmation_mailed_at = models.DateTimeField(_("confirmation mailed"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = WatchQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        indexes = [
            models.Index(
                fields=["surname_key", "given_key"],
                condition=models.Q(confirmed_at__isnull=False, ended_at__isnull=True),
                name="watch_active_keys",
            ),
            models.Index(fields=["email", "confirmation_mailed_at"], name="watch_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="watch_email_lower",
            ),
        ]

    def __str__(self) -> str:
        # No address and no name: __str__ ends up in logs and error reports.
        return f"watch #{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.ended_at is None


class WatchKey(models.Model):
    """The vocabulary of the watches' name keys, matched by trigram similarity like
    ``conscripts.NameKey`` (a table of its own: the search never sees the watches)."""

    kind = models.CharField(max_length=10)
    key = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="watchkey_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class HitState(models.TextChoices):
    OPEN = "open", _("To check")
    CONFIRMED = "confirmed", _("Confirmed: the relative was told")
    DISMISSED = "dismissed", _("Dismissed: someone else")


class WatchHit(models.Model):
    """A lead for moderators: a new report (or an approved record) whose person fits a
    relative's watch. The relative hears of it only once a moderator confirms it."""

    watch = models.ForeignKey(
        Watch, on_delete=models.CASCADE, related_name="hits", verbose_name=_("watch")
    )
    report = models.ForeignKey(
        Report,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watch_hits",
    )
    conscript = models.ForeignKey(
        Conscript,
        verbose_name=_("record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("why"), default=dict)
    state = models.CharField(
        _("state"), max_length=10, choices=HitState.choices, default=HitState.OPEN
    )
    created_at = models.DateTimeField(_("found"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Sent to the relative as written, with the confirmation.
    message = models.TextField(_("message to the relative"), blank=True)
    notified_at = models.DateTimeField(_("relative told"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("watch hit")
        verbose_name_plural = _("watch hits")
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(state="open"),
                name="watchhit_open",
            ),
            models.Index(fields=["report", "state"], name="watchhit_report"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["watch", "report"],
                condition=models.Q(report__isnull=False),
                name="watchhit_watch_report",
            ),
            models.UniqueConstraint(
                fields=["watch", "conscript"],
                condition=models.Q(report__isnull=True),
                name="watchhit_watch_record",
            ),
        ]

    def __str__(self) -> str:
        return f"hit #{self.pk} of watch #{self.watch_id}"

    @property
    def explained(self) -> list[tuple[str, str]]:
        from conscripts.search import explain

        return explain(self.reasons or {})


# --- Uploaded lists (reports.uploads) ------------------------------------------------------
class UploadState(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    READING = "reading", _("Reading")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def upload_file_path(instance, filename: str) -> str:
    """A random name under uploads/: lists hold relatives' contacts; never served."""
    extension = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"uploads/lists/{secrets.token_urlsafe(24)}.{extension}"


class ListUpload(models.Model):
    """A spreadsheet list a moderator uploaded (or ``import_conscripts`` read): its file,
    the column mapping, how far reading got, and each row's problems.

    Every row becomes a report in the review queue (``Report.upload``); the file's
    SHA-256 and the person a row is about make the report's ``origin_ref``, so the same
    file read twice adds nothing. The file and the problems (which quote cells) are for
    moderators only.
    """

    file = models.FileField(_("file"), upload_to=upload_file_path)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    kind = models.CharField(_("format"), max_length=4)  # csv or xlsx
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=2, blank=True)
    header_index = models.PositiveIntegerField(_("header row index"), default=0)
    header = models.JSONField(_("header"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=list, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="ru"
    )
    state = models.CharField(
        _("state"), max_length=8, choices=UploadState.choices, default=UploadState.MAPPING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    #: queued, present (queued by an earlier reading), duplicates, skipped, errors, warnings
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    #: [{"row", "code", "field", "value", "extra", "level"}], by row number
    problems = models.JSONField(_("row problems"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("uploaded list")
        verbose_name_plural = _("uploaded lists")

    def __str__(self) -> str:
        return f"{self.file_name} (#{self.pk})"

    @property
    def is_running(self) -> bool:
        return self.state in (UploadState.QUEUED, UploadState.READING)
