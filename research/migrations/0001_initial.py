"""The research app takes over SavedFilter, ExportJob and StatisticsSnapshot.

``conscripts`` 0015 renamed their tables to ``research_*`` and dropped them from its
state; here they enter this app's state with no database operation (the tables, rows
and sequences are already there), and their content types are relabelled so that
permissions and admin log entries that point at them keep doing so.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("savedfilter", "exportjob", "statisticssnapshot")


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A content type already created for the new label (post_migrate on a fresh
        # database) wins; the old one then has nothing of value to carry.
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "conscripts", "research")


def backwards(apps, schema_editor):
    _relabel(apps, "research", "conscripts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("conscripts", "0015_research_models_leave"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("format", models.CharField(choices=[("csv", "CSV"), ("json", "JSON")], max_length=4, verbose_name="format")),
                        ("query_string", models.CharField(blank=True, max_length=2000, verbose_name="filter")),
                        ("as_moderator", models.BooleanField(default=False, verbose_name="as moderator")),
                        ("state", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="queued", max_length=8, verbose_name="state")),
                        ("rows", models.PositiveIntegerField(default=0, verbose_name="rows")),
                        ("progress", models.PositiveSmallIntegerField(default=0, verbose_name="progress (%)")),
                        ("file", models.FileField(blank=True, upload_to="exports/", verbose_name="file")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                        ("requested_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="export_jobs", to=settings.AUTH_USER_MODEL, verbose_name="requested by")),
                    ],
                    options={
                        "verbose_name": "export",
                        "verbose_name_plural": "exports",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [models.Index(fields=["requested_by", "-created_at"], name="exportjob_user")],
                    },
                ),
                migrations.CreateModel(
                    name="SavedFilter",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        ("query_string", models.CharField(blank=True, max_length=2000, verbose_name="query string")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                        ("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="saved_filters", to=settings.AUTH_USER_MODEL, verbose_name="owner")),
                    ],
                    options={
                        "verbose_name": "saved filter",
                        "verbose_name_plural": "saved filters",
                        "ordering": ["name", "pk"],
                        "constraints": [models.UniqueConstraint(fields=("owner", "name"), name="savedfilter_owner_name")],
                    },
                ),
                migrations.CreateModel(
                    name="StatisticsSnapshot",
                    fields=[
                        ("key", models.CharField(max_length=100, primary_key=True, serialize=False)),
                        ("data", models.JSONField()),
                        ("computed_at", models.DateTimeField()),
                    ],
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
