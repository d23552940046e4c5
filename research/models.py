"""Researchers' own records: saved filters, the export log, the statistics snapshot.

Moved from ``conscripts`` with their rows (``conscripts`` 0015 renames the tables,
``research`` 0001 takes over the model state).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """A researcher's named filter: the GET query string of the browse page."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_filters",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    query_string = models.CharField(_("query string"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedfilter_owner_name")
        ]

    def __str__(self) -> str:
        return self.name


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """The export log: who exported which filter, when, and how many rows.

    Every export goes through ``research.services.export_start`` and ``export_run``:
    small ones are written into the response and keep no file; large ones are written
    by ``research.tasks.export_task`` into ``file``.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="export_jobs",
        verbose_name=_("requested by"),
    )
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    query_string = models.CharField(_("filter"), max_length=2000, blank=True)
    # The role at request time decides the columns (moderators also get hidden people).
    as_moderator = models.BooleanField(_("as moderator"), default=False)
    state = models.CharField(
        _("state"), max_length=8, choices=ExportState.choices, default=ExportState.QUEUED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exportjob_user")]

    def __str__(self) -> str:
        return f"{self.get_format_display()} #{self.pk} ({self.state})"

    @property
    def is_pending(self) -> bool:
        """Still to be written: the page polls for progress."""
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)

    @property
    def has_failed(self) -> bool:
        return self.state == ExportState.FAILED

    @property
    def expires_at(self) -> datetime:
        """After this its file is no longer served, and beat deletes it
        (``EXPORT_KEEP_DAYS``)."""
        return self.created_at + timedelta(days=settings.EXPORT_KEEP_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_downloadable(self) -> bool:
        """Written by a worker into a file that can still be downloaded (small exports
        were sent with the response and keep no file; files expire)."""
        return self.state == ExportState.DONE and bool(self.file) and not self.is_expired

    @property
    def filename(self) -> str:
        """The name the researcher's browser saves the file under."""
        return f"conscripts-{self.created_at:%Y%m%d-%H%M}-{self.pk}.{self.format}"


class StatisticsSnapshot(models.Model):
    """The public statistics as last computed (``research.statistics.statistics``).

    The cache serves them; this row outlives the cache, so a restarted Redis is not
    a cold start that makes a visitor wait seconds for the aggregation.
    """

    key = models.CharField(max_length=100, primary_key=True)
    data = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} @ {self.computed_at:%Y-%m-%d %H:%M}"


class FiguresSnapshotState(models.TextChoices):
    PENDING = "pending", _("Being written")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class FiguresSnapshot(models.Model):
    """«The figures as of <date>»: counts a journalist can cite, published by a moderator.

    Written once by ``research.services.figures_snapshot_write`` (requested by
    ``figures_snapshot_request``): the counts by status, region and unit, the method text
    in force (both languages), what changed since the previous snapshot, and a CSV file of
    the public records counted, with its SHA-256. Once published a row never changes: no
    service, view or admin page updates it, and on PostgreSQL a trigger (migration 0002)
    rejects any UPDATE or DELETE of a published row. A correction is a new snapshot.
    """

    state = models.CharField(
        _("state"),
        max_length=9,
        choices=FiguresSnapshotState.choices,
        default=FiguresSnapshotState.PENDING,
    )
    # PROTECT, not SET_NULL: deleting the user must not rewrite a published row.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    #: The moment the records were read: «the figures as of».
    published_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous snapshot"),
    )
    data = models.JSONField(_("figures"), default=dict, blank=True)
    method_ru = models.TextField(_("method (Russian)"), blank=True)
    method_en = models.TextField(_("method (English)"), blank=True)
    file = models.CharField(_("file"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    rows = models.PositiveIntegerField(_("records"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("published figures")
        verbose_name_plural = _("published figures")
        indexes = [
            models.Index(
                fields=["-published_at"],
                condition=models.Q(state="published"),
                name="figures_published",
            )
        ]

    def __str__(self) -> str:
        return f"figures #{self.pk} ({self.state})"

    @property
    def is_published(self) -> bool:
        return self.state == FiguresSnapshotState.PUBLISHED

    @property
    def filename(self) -> str:
        when = self.published_at or self.requested_at
        return f"figures-{self.pk}-{timezone.localtime(when):%Y%m%d-%H%M}.csv"
