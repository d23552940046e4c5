from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Source, SourceItem
from .redaction import redact


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "enabled", "schedule_minutes", "last_run_at", "last_error")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "location")
    readonly_fields = ("cursor", "last_run_at", "last_run_stats", "last_error", "created_at")


@admin.register(SourceItem)
class SourceItemAdmin(admin.ModelAdmin):
    list_display = ("external_id", "source", "state", "reports_created", "preview", "created_at")
    list_filter = ("state", "source")
    search_fields = ("external_id", "url")
    list_select_related = ("source",)
    readonly_fields = [f.name for f in SourceItem._meta.fields]
    raw_id_fields = ("source",)

    @admin.display(description=_("text (contacts hidden)"))
    def preview(self, obj: SourceItem) -> str:
        return redact(obj.text[:120])

    def has_add_permission(self, request) -> bool:
        return False
