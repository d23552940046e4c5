"""Conscript.evidence_kinds: the kinds of a person's active evidence, one bit each.

The backfill is one UPDATE that both PostgreSQL and SQLite run; at a million people
it takes about two minutes on PostgreSQL (every row of the table is rewritten).
The indexes are built after it, not maintained through it.
"""

from django.db import migrations, models

# conscripts.models.EVIDENCE_KIND_BITS as of this migration (the bits never change).
BITS = {
    "search_post": 1,
    "prisoner_video": 2,
    "exchange_list": 4,
    "death_notice": 8,
    "official": 16,
    "media_report": 32,
    "other": 64,
}


def backfill(apps, schema_editor):
    Conscript = apps.get_model("conscripts", "Conscript")
    Evidence = apps.get_model("conscripts", "Evidence")
    quote = schema_editor.quote_name
    people, evidence = quote(Conscript._meta.db_table), quote(Evidence._meta.db_table)
    cases = " ".join(f"WHEN '{kind}' THEN {bit}" for kind, bit in BITS.items())
    active = f"e.conscript_id = {people}.id AND e.retracted_at IS NULL"
    schema_editor.execute(
        f"UPDATE {people} SET evidence_kinds = ("  # noqa: S608 - constants only
        f"SELECT SUM(DISTINCT CASE e.kind {cases} ELSE 0 END) FROM {evidence} e WHERE {active}"
        f") WHERE EXISTS (SELECT 1 FROM {evidence} e WHERE {active})"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("conscripts", "0007_disputed_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="conscript",
            name="evidence_kinds",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="conscript",
            index=models.Index(fields=["evidence_kinds"], name="conscript_evidence_kinds"),
        ),
        migrations.AddIndex(
            model_name="conscript",
            index=models.Index(
                fields=["home_region", "evidence_kinds"], name="conscript_region_kinds"
            ),
        ),
    ]
