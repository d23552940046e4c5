from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConscriptsConfig(AppConfig):
    name = "conscripts"
    verbose_name = _("Conscripts")
