"""SavedFilter, ExportJob and StatisticsSnapshot move to the ``research`` app.

Nothing is copied: each table is renamed in place (``conscripts_savedfilter`` →
``research_savedfilter``, …; a rename is a catalogue change, instant at any size, and
keeps every row, id, index, constraint and sequence), then the models leave this app's
state. ``research`` 0001 takes the same tables into its state, with no database
operation, and moves their content types (so permissions granted on them follow).

The tables are renamed rather than kept under their old names with ``db_table``: a
reader of the database then finds each table under the app that owns it.
Reversible: backwards, the tables get their old names and the models come back here.
"""

from django.db import migrations

MOVED = ("savedfilter", "exportjob", "statisticssnapshot")


class Migration(migrations.Migration):
    dependencies = [("conscripts", "0014_evidence_what_and_when")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name=name, table=f"research_{name}") for name in MOVED
            ],
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
        )
    ]
