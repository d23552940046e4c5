"""Load Russia's federal subjects from conscripts.geo (re-runnable, reversible)."""

from django.db import migrations


def load_regions(apps, schema_editor):
    from conscripts.geo import REGIONS

    Region = apps.get_model("conscripts", "Region")
    for region in REGIONS:
        Region.objects.update_or_create(
            code=region.code, defaults={"name_ru": region.name_ru, "name_en": region.name_en}
        )


def unload_regions(apps, schema_editor):
    from conscripts.geo import REGIONS

    Region = apps.get_model("conscripts", "Region")
    # Regions still referenced by people are PROTECTed and stay.
    Region.objects.filter(code__in=[r.code for r in REGIONS], conscripts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("conscripts", "0001_initial")]

    operations = [migrations.RunPython(load_regions, unload_regions)]
