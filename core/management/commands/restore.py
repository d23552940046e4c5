"""manage.py restore BACKUP_DIR: into a new database and an empty MEDIA_ROOT, checked."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database DATABASE_URL names "
        "(created if it does not exist; refused if it has tables) and an empty MEDIA_ROOT, "
        "then check every table's rows against the backup's manifest and that every file "
        "a row names is there. Exit status 1 if anything differs."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a directory written by manage.py backup")

    def handle(self, *args, backup: str, **options):
        from core import backup as backups

        try:
            report = backups.backup_restore(backup=Path(backup))
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {report.tables} tables ({report.rows:,} rows) and {report.files} files"
        )
        if report.differences:
            for difference in report.differences:
                self.stderr.write(difference)
            raise CommandError(f"{len(report.differences)} difference(s) from the backup")
        self.stdout.write("every table's rows match the backup; every file is there")
