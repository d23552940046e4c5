from django.contrib import admin

from .models import Conscript, Evidence, MilitaryUnit, Region, StatusChange


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "name_en", "code"]
    search_fields = ["name_ru", "name_en", "code"]


@admin.register(MilitaryUnit)
class MilitaryUnitAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["number", "name"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["kind", "claimed_status", "event_date", "source_name", "url", "retracted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Evidence goes through evidence_add so that the status is recomputed.
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["from_status", "to_status", "effective_date", "changed_at", "evidence", "changed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conscript)
class ConscriptAdmin(admin.ModelAdmin):
    list_display = [
        "surname",
        "given_name",
        "patronymic",
        "birth_year",
        "home_region",
        "unit",
        "status",
        "status_since",
        "is_public",
    ]
    list_filter = ["status", "is_disputed", "is_public", "draft_season", "home_region"]
    search_fields = ["surname", "given_name", "patronymic", "unit__number", "unit__name"]
    list_select_related = ["home_region", "unit"]
    autocomplete_fields = ["home_region", "unit"]
    readonly_fields = [
        "status",
        "status_since",
        "is_disputed",
        "disputed_reason",
        "merged_into",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [EvidenceInline, StatusChangeInline]
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = [
        "conscript",
        "kind",
        "claimed_status",
        "event_date",
        "source_name",
        "added_at",
        "retracted_at",
    ]
    list_filter = ["kind", "claimed_status"]
    search_fields = ["conscript__surname", "source_name", "url", "summary"]
    list_select_related = ["conscript"]
    raw_id_fields = ["conscript"]
    readonly_fields = ["archived_sha256", "added_by", "added_at"]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = [
        "conscript",
        "from_status",
        "to_status",
        "effective_date",
        "changed_at",
        "changed_by",
    ]
    list_filter = ["to_status"]
    search_fields = ["conscript__surname"]
    list_select_related = ["conscript", "changed_by"]
    raw_id_fields = ["conscript", "evidence"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
