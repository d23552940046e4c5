"""Published figures (``FiguresSnapshot``), and the trigger that keeps them as published.

On PostgreSQL a published row can be neither updated nor deleted, whatever the code
path (ORM, admin, raw SQL): a correction is a new snapshot. Other databases (the
SQLite of ``make run`` without configuration) rely on the services having no update
path.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


TRIGGER_SQL = """
CREATE FUNCTION research_figures_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'published' THEN
        RAISE EXCEPTION 'published figures never change (snapshot %): publish a new one',
            OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER research_figures_immutable
    BEFORE UPDATE OR DELETE ON research_figuressnapshot
    FOR EACH ROW EXECUTE FUNCTION research_figures_immutable();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS research_figures_immutable ON research_figuressnapshot;
DROP FUNCTION IF EXISTS research_figures_immutable();
"""


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # A plain cursor: no parameters, so «%» reaches PL/pgSQL's RAISE as written.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FiguresSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Being written"),
                            ("published", "Published"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=9,
                        verbose_name="state",
                    ),
                ),
                (
                    "requested_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="requested"
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "published_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="figures as of"),
                ),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="figures")),
                ("method_ru", models.TextField(blank=True, verbose_name="method (Russian)")),
                ("method_en", models.TextField(blank=True, verbose_name="method (English)")),
                ("file", models.CharField(blank=True, max_length=200, verbose_name="file")),
                (
                    "sha256",
                    models.CharField(blank=True, max_length=64, verbose_name="SHA-256 of the file"),
                ),
                ("rows", models.PositiveIntegerField(default=0, verbose_name="records")),
                ("error", models.TextField(blank=True, verbose_name="error")),
                (
                    "previous",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="research.figuressnapshot",
                        verbose_name="previous snapshot",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requested by",
                    ),
                ),
            ],
            options={
                "verbose_name": "published figures",
                "verbose_name_plural": "published figures",
                "ordering": ["-published_at", "-pk"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("state", "published")),
                        fields=["-published_at"],
                        name="figures_published",
                    )
                ],
            },
        ),
        migrations.RunPython(_run(TRIGGER_SQL), _run(DROP_SQL)),
    ]
