"""The admin site: no query-string lookup may read personal data.

Django's admin filters a change list by any field named in the query string
(``?email__startswith=a``), one character at a time if need be: an address masked on
the page, a contact, a token or a TOTP key could be recovered that way. Every
ModelAdmin registered here — ours and those of installed packages — gets
``PersonalDataLookupsMixin``, which refuses (400) any lookup that names a field of
``PERSONAL_FIELDS``, directly or across a relation, and keeps those fields out of the
search box (a superuser may still look up one exact address: an erasure request).

Installed as the default site by ``AdminConfig`` below (INSTALLED_APPS). Plain strings, no imports
of the apps above core.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

#: Model label → fields holding personal data or secrets. Nothing in the admin may
#: filter or search on them (tests/test_admin_lookups.py tries every one).
PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "conscripts.follower": frozenset({"email"}),
    "conscripts.evidence": frozenset({"archived_text"}),
    "reports.report": frozenset(
        {
            "submitter_name",
            "submitter_contact",
            "submitter_email",
            "submitted_ip",
            "receipt_token",
            "submission_key",
            "details",
        }
    ),
    "reports.reportreply": frozenset({"text"}),
    "reports.watch": frozenset(
        {"email", "surname", "given_name", "patronymic", "birth_date", "birth_year", "query"}
    ),
    "reports.watchhit": frozenset({"message"}),
    "reports.listupload": frozenset({"file", "header", "mapping", "problems"}),
    "sources.sourceitem": frozenset({"raw", "text", "author", "phones", "links", "extraction"}),
    "core.auditentry": frozenset({"before", "after"}),
    "auth.user": frozenset({"password", "email", "first_name", "last_name"}),
    "otp_totp.totpdevice": frozenset({"key"}),
    "knox.authtoken": frozenset({"digest", "token_key"}),
    # django-axes: who tried to sign in from where (find a locked-out user by username).
    "axes.accessattempt": frozenset({"ip_address", "user_agent", "get_data", "post_data"}),
    "axes.accesslog": frozenset({"ip_address", "user_agent", "session_hash"}),
    "axes.accessfailurelog": frozenset({"ip_address", "user_agent"}),
}


def personal_fields(model) -> frozenset[str]:
    return PERSONAL_FIELDS.get(model._meta.label_lower, frozenset())


def lookup_reads_personal_data(model, lookup: str) -> bool:
    """Whether ``lookup`` ("followers__email__startswith") names a personal field of
    ``model`` or of a model it reaches through relations."""
    for part in lookup.lstrip("=^@").split("__"):
        if part in personal_fields(model):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class PersonalDataLookupsMixin:
    """Refuses change-list lookups and searches on ``PERSONAL_FIELDS``."""

    def lookup_allowed(self, lookup, value, request=None):
        if lookup_reads_personal_data(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        superuser = request is not None and request.user.is_superuser
        return [
            f
            for f in fields
            if not lookup_reads_personal_data(self.model, f) or (superuser and f.startswith("="))
        ]

    def get_sortable_by(self, request):
        # Sorting by an address orders the rows by it: a slower way to the same leak.
        return [
            f
            for f in super().get_sortable_by(request)
            if not isinstance(f, str) or not lookup_reads_personal_data(self.model, f)
        ]


class AdminSite(admin.AdminSite):
    """The default admin site, every ModelAdmin with ``PersonalDataLookupsMixin``.

    Its own login form is not used: signing in is the site's (rate-limited, locked out
    after failures, then the second step), which brings the user back here."""

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index", current_app=self.name)
        )

    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, PersonalDataLookupsMixin):
            base = type(
                base.__name__, (PersonalDataLookupsMixin, base), {"__module__": base.__module__}
            )
        return super().register(model_or_iterable, base, **options)


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with this module's site (INSTALLED_APPS names it)."""

    default_site = "core.admin_site.AdminSite"
