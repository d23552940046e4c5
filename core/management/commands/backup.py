"""manage.py backup [--dest DIR]: the database (pg_dump custom format) and MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump --format=custom) and the uploaded files under "
        "MEDIA_ROOT into a new directory DEST/conscripts-<UTC time>/ with a manifest of "
        "every table's rows and both files' SHA-256. Restore with `manage.py restore`."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--dest", default="var/backups", help="where (default var/backups)")

    def handle(self, *args, dest: str, **options):
        destination = Path(dest).resolve()
        media_root = Path(settings.MEDIA_ROOT).resolve()
        if destination == media_root or media_root in destination.parents:
            raise CommandError("put backups outside MEDIA_ROOT (they would back up themselves)")
        try:
            target = backup.backup_create(destination=destination)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        sizes = ", ".join(
            f"{name} {(target / name).stat().st_size / 1024 / 1024:.1f} MB"
            for name in (backup.DUMP, backup.MEDIA)
        )
        self.stdout.write(f"backup written to {target} ({sizes})")
