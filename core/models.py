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
    LIST_UPLOAD = "list_upload", _("List uploaded into the queue")
    # People and evidence
    CONSCRIPTS_MERGE = "conscripts_merge", _("Two records merged")
    RETRACT_EVIDENCE = "retract_evidence", _("Evidence retracted")
    CONSCRIPT_UPDATE = "conscript_update", _("Record corrected")
    LIST_EVIDENCE = "list_evidence", _("Evidence added from a list")


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
