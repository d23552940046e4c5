from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    """Browse, saved filters, exports, the read-only API and the statistics: reads of
    public case data for researchers. Depends on ``conscripts`` and ``core`` only."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "research"
    verbose_name = _("Research")
