from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Browsing only: decisions go through reports.services so they are audited."""

    list_display = ["pk", "surname", "given_name", "state", "origin", "created_at", "claimed_by"]
    list_filter = ["state", "origin"]
    search_fields = ["surname", "given_name", "origin_ref"]
    exclude = ["receipt_token"]
    list_select_related = ["claimed_by"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "receipt_token"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
