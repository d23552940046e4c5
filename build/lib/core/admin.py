from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the services, never edited."""

    list_display = ["at", "action_label", "actor", "report_id", "conscript_id"]
    list_filter = ["action"]
    list_select_related = ["actor"]
    readonly_fields = ["actor", "at", "action", "report_id", "conscript_id", "before", "after"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
