from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ConscriptsConfig(AppConfig):
    name = "conscripts"
    verbose_name = _("Conscripts")

    def ready(self) -> None:
        from .models import MilitaryUnit, Region
        from .search import places_cache_clear

        # Search results take regions and units from a short-lived cache: a renamed
        # one shows at once in this process (other processes within a minute).
        for model in (Region, MilitaryUnit):
            post_save.connect(places_cache_clear, sender=model, dispatch_uid=f"places-{model}")
            post_delete.connect(places_cache_clear, sender=model, dispatch_uid=f"places-d-{model}")
