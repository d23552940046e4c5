"""``manage.py import_conscripts FILE.csv``: people from a spreadsheet list, as evidence."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from tqdm import tqdm

from conscripts import importing, services
from conscripts.importing import Decision, Known, NewPerson, Row, RowError
from conscripts.models import Conscript, Evidence, EvidenceKind, EvidenceSource, Region

HELP = """\
Import people from a CSV list. Each row becomes evidence of kind "other" from
the source (--source-name, by default the file name) claiming the row's status,
so that the status still follows from evidence, with a status change recorded.

The header names the columns, in any order (other columns are ignored):
  surname,given_name,patronymic,birth_date,region,unit_number,status
UTF-8 with or without BOM; "," or ";" (Excel in a Russian locale) or tab.
  birth_date   YYYY-MM-DD, DD.MM.YYYY, a year, or empty
  region       a region, its alias or a known city («Курск», «Питер»), or empty
  unit_number  five digits, also «в/ч 12345», or empty
  status       missing, captured, dead, returned, or пропал (без вести),
               в плену, погиб, вернулся; empty means missing
Names are cleaned (spaces, ё → е, Title case) and must be Cyrillic.

Identity (what makes re-importing safe): a row is a person already in the
record when the cleaned surname, given name and patronymic are equal and so is
the birth year (or both are unknown), unless both have full birth dates that
differ. For such a row nothing is added if this source already claimed the same
status for that person (re-importing a file adds nothing); otherwise the row is
added as new evidence and the person's details are left as they are. Of several
such people, the one with the row's full birth date is meant, else the one this
source already named with the row's status; a row still matching two is an error.

Bad rows are reported with their line in the file (the header is line 1) and
the reason; good rows are imported in batches, each all or nothing, and a
person is never created without their evidence. The exit status is 1 if any
row failed.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument(
            "--source-name", default="", help="Source of the evidence (default: the file name)."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and count what would happen; write nothing.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows per transaction (default 1000)."
        )

    def handle(self, *args, file: Path, source_name: str, dry_run: bool, batch_size: int, **opts):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            csv_file, rows = importing.read_rows(importing.decode(data))
        except importing.ImportFileError as exc:
            raise CommandError(f"{file.name}: {exc}") from None
        importer = _Importer(source=source_name.strip() or file.name, file_label=file.name)
        broken = None
        with (
            # Batches commit one by one; a dry run wraps them all and rolls back.
            transaction.atomic() if dry_run else contextlib.nullcontext(),
            tqdm(
                total=max(csv_file.lines - 1, 0),
                unit=" lines",
                file=sys.stderr,
                disable=None,
                dynamic_ncols=True,
            ) as bar,
        ):
            done_line = 1
            try:
                for batch in _batched(rows, batch_size):
                    for error in importer.run(batch):
                        self.stderr.write(f"{file.name}: {error}")
                    bar.update(batch[-1].line - done_line)
                    done_line = batch[-1].line
            except importing.ImportFileError as exc:
                broken = exc  # rows before it are kept
            if dry_run:
                transaction.set_rollback(True)
        c = importer.counts
        self.stdout.write(
            f"{'Dry run, nothing written: ' if dry_run else ''}{file.name}: "
            f"rows read {c['read']}, imported {c['create'] + c['add']} "
            f"(new people {c['create']}, new evidence for known people {c['add']}), "
            f"already present {c['present']}, failed {c['failed']}"
        )
        if broken is not None:
            kept = (
                f"the rows up to line {done_line} were imported, none after"
                if done_line > 1
                else "no row was imported"
            )
            raise CommandError(f"{file.name}: {broken}; {kept}")
        if c["failed"]:
            raise CommandError(f"{c['failed']} row(s) failed; the other rows were imported")


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _Importer:
    def __init__(self, *, source: str, file_label: str) -> None:
        self.source = source
        self.file_label = file_label
        self.regions = dict(Region.objects.values_list("code", "pk"))
        self.counts = dict.fromkeys(("read", "create", "add", "present", "failed"), 0)

    def run(self, batch: list[Row | RowError]) -> list[RowError]:
        """Import one batch in one transaction; returns the rows that failed."""
        errors = [r for r in batch if isinstance(r, RowError)]
        rows = []
        for r in batch:
            if isinstance(r, Row):
                if r.region_code is not None and r.region_code not in self.regions:
                    errors.append(RowError(r.line, f"region {r.region_code} is not loaded"))
                else:
                    rows.append(r)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # One import at a time, so that two never create the same person.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext('import_conscripts'))")
            decisions = importing.plan(rows, self._known(rows))
            self._write(decisions)
        for d in decisions:
            if d.action == "error":
                errors.append(RowError(d.row.line, d.reason))
            else:
                self.counts[d.action] += 1
        self.counts["read"] += len(batch)
        self.counts["failed"] += len(errors)
        return sorted(errors, key=lambda e: e.line)

    def _known(self, rows: list[Row]) -> dict[tuple, list[Known]]:
        """People in the record with a row's identity, and what this source claimed."""
        wanted = {r.identity for r in rows}
        names = sorted({(r.surname, r.given_name, r.patronymic) for r in rows})
        known: dict[tuple, list[Known]] = {}
        by_pk: dict[int, Known] = {}
        for pk, surname, given, patronymic, year, birth_date in _people_named(names):
            identity = (surname, given, patronymic, year)
            if identity in wanted:
                by_pk[pk] = Known(ref=pk, birth_date=birth_date)
                known.setdefault(identity, []).append(by_pk[pk])
        if by_pk:
            claims = Evidence.objects.filter(
                conscript_id__in=list(by_pk), source_name=self.source
            ).values_list("conscript_id", "claimed_status")
            for conscript_id, status in claims:
                by_pk[conscript_id].claims.add(status)
        return known

    def _write(self, decisions: list[Decision]) -> None:
        new = [d for d in decisions if d.action == "create"]
        units = services.units_by_number(numbers={d.row.unit_number for d in new} - {None})
        people: dict[int, Conscript] = {}
        for d in new:
            r = d.row
            people[id(d.person)] = Conscript(
                surname=r.surname,
                given_name=r.given_name,
                patronymic=r.patronymic,
                birth_date=r.birth_date,
                birth_year=r.birth_year,
                home_region_id=self.regions[r.region_code] if r.region_code else None,
                unit_id=units[r.unit_number] if r.unit_number else None,
            )
        evidence = [
            Evidence(
                conscript=(
                    people[id(d.person)]
                    if isinstance(d.person, NewPerson)
                    else Conscript(pk=d.person)
                ),
                kind=EvidenceKind.OTHER,
                claimed_status=d.row.status,
                source_kind=EvidenceSource.IMPORT,
                source_name=self.source,
                # Moderators only: where in which file the row came from.
                archived_text=f"{self.file_label}:{d.row.line}",
            )
            for d in decisions
            if d.action in ("create", "add")
        ]
        services.conscripts_bulk_add(people=list(people.values()), evidence=evidence)


def _people_named(names: list[tuple[str, str, str]]) -> Iterable[tuple]:
    """(pk, surname, given_name, patronymic, birth_year, birth_date) of people with these names.

    Records merged into another are left out: the record they live in is the match.
    """
    if not names:
        return []
    if connection.vendor == "postgresql":
        # One query per batch; the join probes the (UPPER(surname), given_name) index.
        surnames, givens, patronymics = (list(column) for column in zip(*names, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.id, c.surname, c.given_name, c.patronymic, c.birth_year, c.birth_date "
                "FROM unnest(%s::text[], %s::text[], %s::text[]) AS q(surname, given, patronymic) "
                "JOIN conscripts_conscript c ON UPPER(c.surname) = UPPER(q.surname) "
                "AND c.given_name = q.given AND c.surname = q.surname "
                "AND c.patronymic = q.patronymic AND c.merged_into_id IS NULL",
                [surnames, givens, patronymics],
            )
            return cursor.fetchall()
    # Elsewhere (SQLite, small demos): OR-ed conditions, in chunks that stay
    # under SQLite's expression depth limit.
    found = []
    for chunk in _batched(names, 200):
        condition = Q()
        for surname, given, patronymic in chunk:
            condition |= Q(surname=surname, given_name=given, patronymic=patronymic)
        found += Conscript.objects.filter(condition, merged_into__isnull=True).values_list(
            "pk", "surname", "given_name", "patronymic", "birth_year", "birth_date"
        )
    return found
