from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import access

from . import services
from .models import Conscript, Evidence, Follower, MilitaryUnit, Region, StatusChange


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Reference data from ``conscripts.geo`` (loaded by a migration): read only."""

    list_display = ["name_ru", "name_en", "code"]
    search_fields = ["name_ru", "name_en", "code"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MilitaryUnit)
class MilitaryUnitAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["number", "name"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["kind", "claimed_status", "event_date", "source_kind", "source_name", "retracted_at"]
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
    """Facts about a person are corrected here through ``conscript_update`` (audited, search
    keys kept) and hiding through ``conscript_set_public``; everything that follows from
    evidence is read only. People are created from reviewed reports, not here."""

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
    #: What the admin may change: the facts ``conscript_update`` corrects, and visibility.
    editable = [*services.PERSON_FIELDS, "is_public"]
    date_hierarchy = "created_at"
    inlines = [EvidenceInline, StatusChangeInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Conscript._meta.fields if f.name not in self.editable]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Never obj.save(): the services write, audit and recompute the search keys.
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.PERSON_FIELDS
        }
        if changes:
            services.conscript_update(
                conscript=obj, changes=changes, acting_user=request.user, reason="admin"
            )
        if "is_public" in form.changed_data:
            services.conscript_set_public(
                conscript=obj,
                is_public=form.cleaned_data["is_public"],
                acting_user=request.user,
                reason="admin",
            )

    def save_related(self, request, form, formsets, change) -> None:
        # The inlines are read only: nothing to save. commit=False only fills the lists
        # (new, changed, deleted objects) that the admin's history message reads.
        for formset in formsets:
            formset.save(commit=False)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    # Links typed without a scheme are https (Django 6's default; silences its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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
    # What the status is derived from, and the retraction itself, change only through
    # services (evidence_add, evidence_retract) that recompute the status and audit.
    readonly_fields = [
        "conscript",
        "kind",
        "claimed_status",
        "event_date",
        "published_at",
        "retracted_at",
        "retraction_reason",
        "archived_sha256",
        "added_by",
        "added_at",
        "case_page",
    ]
    fieldsets = [
        (
            None,
            {
                "description": _(
                    "What decides the status cannot be changed here. To retract evidence, "
                    "use «Retract» beside it on the person's public page: the status is "
                    "recomputed and the retraction is audited."
                ),
                "fields": [
                    "conscript",
                    "case_page",
                    "kind",
                    "claimed_status",
                    "event_date",
                    "event_precision",
                    "published_at",
                    "url",
                    "link_public",
                    "source_kind",
                    "source_name",
                    "report_id",
                    "summary",
                    "archived_text",
                    "archived_sha256",
                    "added_by",
                    "added_at",
                    "retracted_at",
                    "retraction_reason",
                ],
            },
        )
    ]
    show_full_result_count = False

    @admin.display(description=_("case page"))
    def case_page(self, obj: Evidence) -> str:
        if not obj.conscript.is_public or obj.conscript.merged_into_id:
            return "—"
        url = obj.conscript.get_absolute_url()
        return format_html('<a href="{}#evidence-heading">{}</a>', url, url)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Evidence is added, moved and retracted by services only (see the description).
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


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    """Read-only, for moderators and superusers, with the addresses masked.

    An address is a relative's contact detail: staff see that a case has followers,
    not who they are. A superuser may look up one exact address (an erasure request)
    and delete its rows.
    """

    list_display = [
        "pk",
        "conscript",
        "masked_email",
        "language",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "last_notified_at",
    ]
    list_display_links = None
    list_select_related = ["conscript"]
    list_filter = ["language"]
    fields = [
        "conscript",
        "masked_email",
        "language",
        "created_at",
        "confirmation_requested_at",
        "confirmed_at",
        "unsubscribed_at",
        "last_notified_at",
    ]
    readonly_fields = fields
    raw_id_fields = ["conscript"]
    show_full_result_count = False

    @admin.display(description=_("e-mail"))
    def masked_email(self, obj: Follower) -> str:
        local, _sep, domain = obj.email.partition("@")
        return f"{local[:1]}•••@{domain[:1]}•••"

    def get_search_fields(self, request):
        # Exact addresses only, and only for superusers: a search box that answers
        # "is this address following?" would give the addresses away.
        return ["=email"] if request.user.is_superuser else []

    def has_view_permission(self, request, obj=None) -> bool:
        return access.is_moderator(request.user)

    def has_module_permission(self, request) -> bool:
        return access.is_moderator(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
