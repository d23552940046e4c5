"""Recount the statistics' running tallies from scratch (``conscripts.tallies``).

The services keep the tallies as they change people; run this after loading data around
them (a restore from an old dump, rows edited by hand in SQL). ``--check`` only compares
and exits with status 1 when they differ.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from conscripts.tallies import tallies_differences, tallies_rebuild


class Command(BaseCommand):
    help = "Recount the statistics' tallies from the people and status changes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Compare with a recount, change nothing."
        )

    def handle(self, *args, check: bool = False, **options):
        started = time.monotonic()
        if check:
            differences = tallies_differences()
            for key, (kept, true) in sorted(differences.items())[:50]:
                self.stdout.write(f"{key}: kept {kept}, recounted {true}")
            if differences:
                raise CommandError(f"{len(differences)} tallies differ from a recount.")
            self.stdout.write(f"The tallies match a recount ({time.monotonic() - started:.1f} s).")
            return
        rows = tallies_rebuild()
        self.stdout.write(f"{rows} tallies recounted in {time.monotonic() - started:.1f} s.")
