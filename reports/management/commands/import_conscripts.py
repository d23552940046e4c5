"""``manage.py import_conscripts FILE``: a spreadsheet list into the review queue."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from conscripts import lists
from core import tables
from core.dates import today
from reports import uploads

HELP = """\
Put the people of a spreadsheet list (CSV or XLSX) into the review queue: one
pending report per person, with the list as its origin (the file name and row).
Nobody's status changes until a moderator approves a report. The same reader as
the moderators' upload page (/reports/upload/):

  CSV in any common encoding (UTF-8 with or without a BOM, cp1251, KOI8-R, cp866)
  and delimiter (";" from a Russian Excel, ",", tab, "|"), or XLSX (first sheet).
  The header may sit below a title row and names the columns in Russian or
  English, in any order: ФИО or Фамилия/Имя/Отчество, Дата (год) рождения,
  Регион/Откуда, В/ч/Часть, Статус, Последняя связь, Контакт, Ссылка на видео,
  Примечание (or surname, given_name, patronymic, birth_date, region,
  unit_number, status, …). Fix a column with --map "HEADER=FIELD".
  Cells are read as people type them: «07.05.2004», «19.11.05», «2005 г.р.»,
  «янв.04»; «в/ч 12345»; «Брянская обл., Клинцы»; statuses such as «пропал»,
  «БВП», «в плену», «плен (по видео)», «погиб», «вернулся (обмен 24.08)».

Rows about the same person become one report; blank and summary rows are
skipped; a row without a name is an error and is not queued. Every problem is
printed with its row number (as the spreadsheet numbers rows). Reading the same
file again adds nothing. The exit status is 1 if a row could not be queued.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or XLSX file.")
        parser.add_argument(
            "--source-name", default="", help="Where the list comes from (default: the file name)."
        )
        parser.add_argument(
            "--map",
            dest="overrides",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help=f"Read column HEADER as FIELD ({', '.join(lists.FIELDS)}) or as nothing "
            "(HEADER=). Repeatable.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check every row; queue nothing."
        )

    def handle(
        self, *args, file: Path, source_name: str, overrides: list[str], dry_run: bool, **opts
    ):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            table = tables.read_table(data)
        except tables.TableError as exc:
            raise CommandError(f"{file.name}: {exc}") from None
        guess = lists.find_header(table)
        if not guess.found:
            raise CommandError(
                f"{file.name}: no header names the list's columns (ФИО, Фамилия, …); "
                "see --help for the names understood"
            )
        header = list(table.rows[guess.index].cells)
        mapping = _overridden(list(guess.mapping), header, overrides)
        self._describe(file.name, header, mapping)
        problems = lists.mapping_problems(mapping)
        if problems:
            raise CommandError(f"{file.name}: {'; '.join(problems)}; fix it with --map")
        if dry_run:
            rows = list(
                lists.read_rows(
                    table.rows[guess.index + 1 :], mapping, header=header, today=today()
                )
            )
            people = lists.fold_duplicates(rows)
            self._problems(file.name, [(r.number, p.as_dict()) for r in rows for p in r.problems])
            errors = sum(1 for r in rows if r.is_error)
            self.stdout.write(
                f"Dry run, nothing queued: {file.name}: rows read {len(rows)}, "
                f"people {len(people)}, errors {errors}"
            )
            if errors:
                raise CommandError(f"{errors} row(s) could not be queued")
            return
        try:
            with transaction.atomic():
                upload = uploads.list_upload_create(
                    file_name=file.name, data=data, uploaded_by=None, source_name=source_name
                )
                uploads.list_upload_map(upload=upload, mapping=mapping, moderator=None)
            upload = uploads.list_upload_start(upload=upload, moderator=None, in_process=True)
        except ValidationError as exc:
            raise CommandError(f"{file.name}: {' '.join(exc.messages)}") from None
        self._problems(file.name, [(p["row"], p) for p in upload.problems])
        c = upload.counts
        self.stdout.write(
            f"{file.name}: rows read {c['rows']}, reports queued {c['queued']} "
            f"(people {c['people']}), already queued {c['present']}, "
            f"duplicates folded {c['duplicates']}, skipped {c['skipped']}, "
            f"errors {c['errors']} (upload #{upload.pk})"
        )
        if c["errors"]:
            raise CommandError(f"{c['errors']} row(s) could not be queued; the others were")

    def _describe(self, name: str, header: list[str], mapping: list[str | None]) -> None:
        used = [f"«{h.strip()}» → {m}" for h, m in zip(header, mapping, strict=False) if m]
        unused = [f"«{h.strip()}»" for h, m in zip(header, mapping, strict=False) if not m]
        self.stdout.write(f"{name}: columns: {', '.join(used) or 'none'}")
        if unused:
            self.stdout.write(
                f"{name}: not used (kept in the report's details): {', '.join(unused)}"
            )

    def _problems(self, name: str, problems: list[tuple[int, dict]]) -> None:
        for number, problem in problems:
            level = "error" if problem["level"] == lists.ERROR else "warning"
            text = lists.Problem(
                problem["code"], problem["field"], problem["value"], problem["extra"]
            ).text
            self.stderr.write(f"{name}: row {number}: {level}: {text}")


def _overridden(mapping: list[str | None], header: list[str], pairs: list[str]) -> list:
    normal = [tables.normal_header(h) for h in header]
    for pair in pairs:
        column, sep, field = pair.partition("=")
        field = field.strip()
        if not sep or (field and field not in lists.FIELDS):
            raise CommandError(
                f"--map {pair!r}: expected HEADER=FIELD, FIELD one of {', '.join(lists.FIELDS)}"
            )
        key = tables.normal_header(column)
        if key not in normal:
            raise CommandError(f"--map {pair!r}: no column «{column}» in the header")
        position = normal.index(key)
        if field:
            mapping = [None if m == field else m for m in mapping]
        mapping[position] = field or None
    return mapping
