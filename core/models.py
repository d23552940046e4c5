"""The audit log every app writes to (``core.audit.audit_record``)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Reports (the review queue)
    SUBMIT = "submit", _("Submitted")
    CLAIM = "claim", _("Claimed")
    RELEASE = "release", _("Released")
    APPROVE_NEW = "approve_new", _("Approved as a new person")
    MERGE = "merge", _("Merged into a person")
    REJECT = "reject", _("Rejected")
    MARK_DUPLICATE = "mark_duplicate", _("Marked duplicate")
    REQUEST_INFO = "request_info", _("Information requested")
    NOTIFY = "notify", _("Submitter notified")
    REPLY = "reply", _("Submitter answered")
    # Correction and removal requests from a case page
    REQUEST_CORRECT = "request_correct", _("Record corrected at a request")
    REQUEST_HIDE = "request_hide", _("Record hidden at a request")
    # Relatives' watches (the leads moderators decide)
    WATCH_HIT_CONFIRM = "watch_hit_confirm", _("Lead confirmed: the relative is told")
    WATCH_HIT_DISMISS = "watch_hit_dismiss", _("Lead dismissed")
    # Retention: what was deleted (counts only)
    RETENTION_PURGE = "retention_purge", _("Personal data deleted after the retention period")
    LIST_UPLOAD = "list_upload", _("List uploaded into the queue")
    # People and evidence
    CONSCRIPTS_MERGE = "conscripts_merge", _("Two records merged")
    RETRACT_EVIDENCE = "retract_evidence", _("Evidence retracted")
    CONSCRIPT_UPDATE = "conscript_update", _("Record corrected")
    # Research (API access)
    API_TOKEN_ISSUE = "api_token_issue", _("API token issued")
    API_TOKEN_REVOKE = "api_token_revoke", _("API token revoked")
    # Signing in (core.second_factor)
    SECOND_FACTOR_ENROL = "second_factor_enrol", _("Authenticator app enrolled")
    LIST_EVIDENCE = "list_evidence", _("Evidence added from a list")
    # Research: the published figures (research.services.figures_snapshot_*)
    FIGURES_PUBLISH = "figures_publish", _("Figures published")


class AuditEntry(models.Model):
    """Who did what, with the values before and after; written in the same transaction
    as the change it records.

    ``report_id`` and ``conscript_id`` are plain integers, not foreign keys: the log sits
    below the apps it records, and an entry must keep naming a record even after that
    record was merged into another.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    # An AuditAction value. Not declared as the field's choices, so that a new action
    # needs no migration of the log; ``action_label`` reads the enum.
    action = models.CharField(_("action"), max_length=32)
    report_id = models.PositiveBigIntegerField(_("report id"), null=True, blank=True)
    conscript_id = models.PositiveBigIntegerField(_("conscript id"), null=True, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["report_id", "at"], name="core_audit_report"),
            models.Index(fields=["conscript_id", "at"], name="core_audit_conscript"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action


class OutboxMessage(models.Model):
    """A task that must run, written in the same transaction as the change that needs
    it (the transactional outbox, ``core.outbox``).

    If the change commits, the row commits with it, whatever the broker is doing; a
    relay sends it to Celery after commit and marks it sent, and a beat task sends
    whatever is still unsent. Consumers are idempotent, so a row sent twice (the relay
    died between sending and marking) changes nothing.
    """

    task = models.CharField(_("task"), max_length=200)
    # Primary keys only (as every task takes): no personal data in the outbox or broker.
    args = models.JSONField(_("arguments"), default=list, blank=True)
    # While a row with this key is unsent, the same work is not queued again.
    dedup_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay reads the unsent rows oldest first; sent rows are most rows.
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="core_outbox_unsent"
            ),
            models.Index(fields=["sent_at"], name="core_outbox_sent_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=models.Q(sent_at__isnull=True) & ~models.Q(dedup_key=""),
                name="core_outbox_unsent_dedup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{self.args}"


class Heartbeat(models.Model):
    """When a periodic job last ran (``/healthz`` reads beat's freshness from here)."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"


class RateLimitHit(models.Model):
    """One client's uses of a public form in one window (``core.ratelimit``).

    Counted in PostgreSQL rather than Redis: the forms write to the database anyway,
    so their limiter needs nothing more than they do, and a broker outage neither
    500s the form nor lifts the limit.
    """

    scope = models.CharField(_("scope"), max_length=40)
    # A hash of the client's address: the table need not hold who submitted.
    client = models.CharField(_("client"), max_length=64)
    window_start = models.DateTimeField(_("window start"))
    expires_at = models.DateTimeField(_("expires"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "client", "window_start"], name="core_ratelimit_window"
            )
        ]
        indexes = [models.Index(fields=["expires_at"], name="core_ratelimit_expires")]

    def __str__(self) -> str:
        return f"{self.scope} {self.window_start:%Y-%m-%d %H:%M} {self.count}"


class UsedFormKey(models.Model):
    """A public form's one-time key, once used (``core.forms.form_key_claim``)."""

    scope = models.CharField(_("scope"), max_length=40)
    key = models.CharField(_("key"), max_length=64)
    used_at = models.DateTimeField(_("used"), db_index=True)

    class Meta:
        verbose_name = _("used form key")
        verbose_name_plural = _("used form keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="core_form_key_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.used_at:%Y-%m-%d %H:%M}"
