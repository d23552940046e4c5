"""What relatives submit (or the ingester extracts), and the moderators' audit trail."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
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
            models.Index(
                fields=["created_at", "id"],
                condition=models.Q(state__in=OPEN_STATES),
                name="report_open_queue",
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
            )
        ]

    def __str__(self) -> str:
        name = " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)
        return f"#{self.pk} {name or self.surname_raw}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def state_for_submitter(self) -> str:
        return str(STATE_FOR_SUBMITTER[self.state])

    def claim_is_active(self, now=None) -> bool:
        """True while a moderator's claim has not expired (settings.REPORT_CLAIM_MINUTES)."""
        if self.claimed_by_id is None or self.claimed_at is None:
            return False
        now = now or timezone.now()
        return now - self.claimed_at < claim_duration()


def claim_duration() -> timedelta:
    return timedelta(minutes=settings.REPORT_CLAIM_MINUTES)


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
