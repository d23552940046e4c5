"""Where posts come from (``Source``) and the posts read from them (``SourceItem``)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram Desktop export")
    VK = "vk", _("VK wall.get JSON")
    RSS = "rss", _("RSS or Atom feed")
    CSV = "csv", _("CSV file")
    WEBHOOK = "webhook", _("Webhook")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Source(models.Model):
    """A channel, wall, feed, file or webhook that relatives' posts are read from."""

    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    location = models.CharField(
        _("location"),
        max_length=500,
        blank=True,
        help_text=_("URL to poll, or the path of an uploaded file."),
    )
    base_url = models.CharField(
        _("post link base"),
        max_length=200,
        blank=True,
        help_text=_("For Telegram exports: https://t.me/<channel>, to link each post."),
    )
    schedule_minutes = models.PositiveIntegerField(
        _("poll every (minutes)"), default=0, help_text=_("0: only when run by hand.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    publishes = models.BooleanField(
        _("publishes"),
        default=False,
        help_text=_(
            "Tick for a channel or news site that publishes (prisoner videos, exchange "
            "lists, news). Leave unticked for relatives' groups: their posts are their own, "
            "with their phone numbers, and their links are never shown publicly."
        ),
    )
    cursor = models.JSONField(_("cursor"), default=dict, blank=True)
    allowed_hosts = models.JSONField(
        _("allowed hosts"),
        default=list,
        blank=True,
        help_text=_("Host names a poll may fetch from; nothing else is contacted."),
    )
    webhook_token_hash = models.CharField(
        _("webhook token (SHA-256)"), max_length=64, blank=True, db_index=True, editable=False
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_run_stats = models.JSONField(_("last run figures"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name

    def new_webhook_token(self) -> str:
        """Set a fresh token and return it; only its hash is kept, so show it once."""
        token = secrets.token_urlsafe(32)
        self.webhook_token_hash = hash_token(token)
        return token

    def is_due(self, now=None) -> bool:
        if not self.enabled or not self.schedule_minutes or not self.location:
            return False
        if self.last_run_at is None:
            return True
        now = now or timezone.now()
        return (now - self.last_run_at).total_seconds() >= self.schedule_minutes * 60


class ItemState(models.TextChoices):
    NEW = "new", _("New")
    EXTRACTED = "extracted", _("Extracted")
    FAILED = "failed", _("Failed")


class SourceItem(models.Model):
    """One post. ``text`` and ``phones`` are for moderators; show others ``redact(text)``."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="items"
    )
    external_id = models.CharField(_("external id"), max_length=200)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    raw = models.JSONField(_("raw payload"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    text_sha256 = models.CharField(_("SHA-256 of text"), max_length=64, blank=True)
    links = models.JSONField(_("attached links"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ItemState.choices, default=ItemState.NEW
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    extraction = models.JSONField(_("extraction result"), null=True, blank=True)
    phones = models.JSONField(_("phone numbers (moderators only)"), default=list, blank=True)
    reports_created = models.PositiveIntegerField(_("reports created"), default=0)
    # Which store call inserted the row: tells new rows from duplicates under concurrency.
    ingest_batch = models.UUIDField(_("ingest batch"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("source item")
        verbose_name_plural = _("source items")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="sourceitem_unique_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="sourceitem_state"),
            models.Index(fields=["source", "state"], name="sourceitem_source_state"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id}"


# --- Pasted lists (sources.lists) ----------------------------------------------------------
class PasteMode(models.TextChoices):
    NAMES = "names", _("Names, one a line")
    ANNOUNCEMENT = "announcement", _("An announcement (names extracted)")


class PasteState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    MATCHING = "matching", _("Matching")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PastedList(models.Model):
    """A list of names a researcher or moderator pasted (or a whole exchange
    announcement), each line matched against the record.

    ``lines``: [{"n": line number, "text", "query", "skip", "candidates": [{"id", "name",
    "birth", "region", "unit", "status", "score", "public"}], "confidence"}]. Seen by its
    author and by moderators; moderators may turn confirmed lines into evidence
    (``applied`` records each time they did).
    """

    text = models.TextField(_("text as pasted"))
    mode = models.CharField(_("what was pasted"), max_length=12, choices=PasteMode.choices)
    state = models.CharField(
        _("state"), max_length=8, choices=PasteState.choices, default=PasteState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Made by a moderator: records hidden at a family's request are candidates too.
    with_hidden = models.BooleanField(_("hidden records matched too"), default=False)
    lines = models.JSONField(_("lines and their matches"), default=list, blank=True)
    applied = models.JSONField(_("evidence added from it"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pasted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("pasted"), default=timezone.now)
    finished_at = models.DateTimeField(_("matched"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pasted list")
        verbose_name_plural = _("pasted lists")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="pastedlist_author")]

    def __str__(self) -> str:
        return f"pasted list #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.state in (PasteState.QUEUED, PasteState.MATCHING)
