"""The audit log moves to ``core`` (it records every app's work, not only reports').

Rows are copied with their ids, so links to an audit entry stay valid, then the old
table goes. Re-runnable: rows already copied are skipped. Reversible: the reverse
copies them back before the old table's rows are needed again.
"""

from django.db import migrations

FIELDS = ("id", "actor_id", "at", "action", "conscript_id", "before", "after")
BATCH = 2000


def _reset_sequence(schema_editor, model) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite continues after the largest id by itself
    table = model._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def forwards(apps, schema_editor):
    Old = apps.get_model("reports", "AuditEntry")
    New = apps.get_model("core", "AuditEntry")
    done = set(New.objects.values_list("id", flat=True))
    batch = []
    for row in Old.objects.order_by("id").values(*FIELDS, "report_id").iterator(chunk_size=BATCH):
        if row["id"] in done:
            continue
        batch.append(New(**row))
        if len(batch) >= BATCH:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)
    _reset_sequence(schema_editor, New)


def backwards(apps, schema_editor):
    Old = apps.get_model("reports", "AuditEntry")
    New = apps.get_model("core", "AuditEntry")
    Report = apps.get_model("reports", "Report")
    reports = set(Report.objects.values_list("id", flat=True))
    done = set(Old.objects.values_list("id", flat=True))
    Old.objects.bulk_create(
        [
            Old(**{k: row[k] for k in FIELDS}, report_id=row["report_id"] if row["report_id"] in reports else None)
            for row in New.objects.order_by("id").values(*FIELDS, "report_id")
            if row["id"] not in done
        ],
        batch_size=BATCH,
    )
    _reset_sequence(schema_editor, Old)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_audit_retract_evidence"),
        ("core", "0001_audit_log"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="AuditEntry"),
    ]
