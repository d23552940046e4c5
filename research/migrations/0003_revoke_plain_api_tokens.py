"""Revoke every plain-text API token (rest_framework.authtoken, now removed).

Tokens are hashed and expiring now (django-rest-knox): the old ones, stored readable,
are deleted, and researchers issue a new one on their profile page. The old table is
left empty (rest_framework.authtoken's own migrations made it); nothing reads it.
The reverse does nothing: a revoked token cannot come back.
"""

from django.db import migrations


def revoke_plain_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0002_figures_snapshot"),
    ]

    operations = [migrations.RunPython(revoke_plain_tokens, migrations.RunPython.noop)]
