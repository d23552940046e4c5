"""Conscript.in_kursk_window, a stored column the database computes, and an index on it.

On PostgreSQL adding a stored generated column rewrites the table: about 20 s at a
million people (measured on conscripts_bench_research). SQLite rebuilds the table.
"""

import datetime
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conscripts', '0010_case_followers'),
    ]

    operations = [
        migrations.AddField(
            model_name='conscript',
            name='in_kursk_window',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Coalesce(models.ExpressionWrapper(models.Q(('last_contact_date__gte', datetime.date(2024, 8, 6))), output_field=models.BooleanField()), models.ExpressionWrapper(models.Q(('status_since__gte', datetime.date(2024, 8, 6))), output_field=models.BooleanField()), models.Value(False)), output_field=models.BooleanField()),
        ),
        migrations.AddIndex(
            model_name='conscript',
            index=models.Index(condition=models.Q(('in_kursk_window', True), ('is_public', True), ('merged_into__isnull', True)), fields=['status'], name='conscript_kursk_status'),
        ),
    ]
