"""Uploaded lists: a spreadsheet becomes reports in the review queue, one per person.

1. ``list_upload_create`` stores the file (moderators only), finds its header and guesses
   which column is which (``conscripts.lists.FIELDS``).
2. The moderator checks the first rows as they will be read (``upload_preview``) and
   fixes the mapping (``list_upload_map``).
3. ``list_upload_start`` queues the list: small ones are read at once, big ones by
   ``reports.tasks.list_upload_read_task`` while the page shows progress.
4. ``list_upload_read`` reads every row (``conscripts.lists``), folds rows about the
   same person into one, and writes a pending report per person with its origin (the
   upload, its file name and row number). Rows already queued from the same file (the
   same SHA-256 and person) are skipped: reading a file twice adds nothing. Each row's
   problems are kept, by row number, for the page and the CSV of row problems.

A person's status still follows only from evidence a moderator approves from these
reports. Contact cells go to the report's submitter contact (moderators only); nobody
is e-mailed about a report they did not submit.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conscripts import lists
from conscripts.models import DatePrecision, EvidenceKind, EvidenceSource, Region
from core import access, tables
from core.audit import audit_record
from core.cells import safe_cell
from core.dates import today
from core.models import AuditAction, AuditEntry
from core.tasks import TRANSIENT_ERRORS

from .models import ListUpload, Origin, Report, UploadState, links_have_video

#: Rows written per transaction (and per progress step).
BATCH = 1000
#: Rows shown on the mapping page, as they will be read.
PREVIEW_ROWS = 10

#: How each field is named to moderators (the mapping page, the problems list).
FIELD_LABELS = {
    "number": gettext_lazy("Row number in the list"),
    "full_name": gettext_lazy("Full name"),
    "surname": gettext_lazy("Surname"),
    "given_name": gettext_lazy("Given name"),
    "patronymic": gettext_lazy("Patronymic"),
    "birth": gettext_lazy("Birth date or year"),
    "region": gettext_lazy("Home region"),
    "unit": gettext_lazy("Military unit"),
    "status": gettext_lazy("Status"),
    "last_contact": gettext_lazy("Last contact"),
    "place": gettext_lazy("Last known place"),
    "contact": gettext_lazy("Relatives' contact"),
    "video": gettext_lazy("Video or link"),
    "note": gettext_lazy("Note"),
}
#: What each problem code of ``conscripts.lists`` means, in the reader's language.
PROBLEM_TEXT = {
    "no_name": gettext_lazy("No name: the row is not queued."),
    "name_split": gettext_lazy("The whole name was in one cell; read as %(value)s."),
    "name_latin": gettext_lazy("The name «%(value)s» is in Latin letters."),
    "name_mixed": gettext_lazy("The name «%(value)s» mixes Cyrillic with other letters."),
    "name_chars": gettext_lazy("The name «%(value)s» has characters other than letters."),
    "name_long": gettext_lazy("The name is longer than 100 characters."),
    "mojibake_fixed": gettext_lazy("Garbled text repaired: «%(value)s»."),
    "mojibake": gettext_lazy("Garbled text that could not be repaired: «%(value)s»."),
    "birth_unreadable": gettext_lazy("Birth date «%(value)s» is not a date."),
    "birth_range": gettext_lazy("The birth year in «%(value)s» is outside 1940–2015."),
    "birth_year_only": gettext_lazy("Birth date «%(value)s» gives only the year."),
    "excel_serial": gettext_lazy("«%(value)s» looks like an Excel date number; read as %(extra)s."),
    "region_unknown": gettext_lazy("Unknown region «%(value)s»."),
    "unit_format": gettext_lazy("Unit «%(value)s» is not a five-digit number (like в/ч 12345)."),
    "status_unknown": gettext_lazy("Unknown status «%(value)s»."),
    "status_uncertain": gettext_lazy("The status «%(value)s» is uncertain."),
    "status_several": gettext_lazy("«%(value)s» names several statuses; read as the last one."),
    "date_year_assumed": gettext_lazy("The date in «%(value)s» has no year; read as %(extra)s."),
    "date_unreadable": gettext_lazy("«%(value)s» is not a date."),
    "date_future": gettext_lazy("The date «%(value)s» is in the future."),
    "phone_destroyed": gettext_lazy(
        "The phone number «%(value)s» was destroyed by Excel: its digits are lost."
    ),
    "phone_invalid": gettext_lazy("No valid phone number in «%(value)s»."),
    "link_invalid": gettext_lazy("«%(value)s» is not a link."),
    "shifted": gettext_lazy(
        "The row seems shifted by a missing cell after column %(value)s; read shifted."
    ),
    "duplicate": gettext_lazy("The same person as row %(value)s: one report for both."),
    "duplicate_differs": gettext_lazy("Row %(value)s says otherwise: %(extra)s."),
    "row_long": gettext_lazy("More cells than the header: the extra ones went to the note."),
    "row_unreadable": gettext_lazy("The row cannot be read (%(value)s): it is not queued."),
}
MAPPING_PROBLEMS = {
    "no_name_column": gettext_lazy("Choose the column with the name (full name or surname)."),
    "field_twice": gettext_lazy("Each field may be chosen for one column only."),
}


def problem_text(problem: dict) -> str:
    template = PROBLEM_TEXT.get(problem.get("code", ""))
    if template is None:
        return problem.get("code", "")
    return str(template) % {"value": problem.get("value", ""), "extra": problem.get("extra", "")}


class UploadError(ValidationError):
    """The file cannot be read as a list, or the upload is not in a state for this."""


def _require(user: AbstractBaseUser | None) -> None:
    # None: a management command, run by whoever holds the server.
    if user is not None:
        access.role_require(user, access.MODERATORS)


# --- 1. The file ---------------------------------------------------------------------------
def list_upload_create(
    *,
    file_name: str,
    data: bytes,
    uploaded_by: AbstractBaseUser | None,
    source_name: str = "",
    language: str = "ru",
) -> ListUpload:
    """Store a list and guess its mapping. ``UploadError`` if it is no CSV or XLSX list."""
    _require(uploaded_by)
    if len(data) > settings.LIST_UPLOAD_MAX_BYTES:
        raise UploadError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.LIST_UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    try:
        table = tables.read_table(data)
    except tables.TableError as error:
        raise UploadError(
            _("The file cannot be read as a list: %(why)s.") % {"why": error}
        ) from None
    guess = lists.find_header(table)
    index = guess.index if guess.found else 0
    header = list(table.rows[index].cells) if table.rows else []
    upload = ListUpload(
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        source_name=source_name.strip()[:200],
        kind=table.kind,
        encoding=table.encoding,
        delimiter=table.delimiter,
        header_index=index,
        header=header,
        mapping=guess.mapping if guess.found else [None] * len(header),
        language=language if language in dict(settings.LANGUAGES) else "ru",
        rows_total=max(len(table.rows) - index - 1, 0),
        uploaded_by=uploaded_by,
    )
    upload.file.save(file_name or "list", ContentFile(data), save=False)
    upload.save()
    return upload


def _table(upload: ListUpload, *, max_rows: int | None = None) -> tables.Table:
    with upload.file.open("rb") as f:
        return tables.read_table(f.read(), max_rows=max_rows)


@dataclass
class Preview:
    header: list[str]
    mapping: list[str | None]
    samples: list[list[str]]  # per column, its first few values
    rows: list[lists.ListRow]
    problems: list[str]  # codes of what makes the mapping unusable


def upload_preview(*, upload: ListUpload, mapping: Sequence[str | None] | None = None) -> Preview:
    """The first rows as they will be read under ``mapping`` (default: the upload's)."""
    mapping = list(upload.mapping if mapping is None else mapping)
    table = _table(upload, max_rows=upload.header_index + 1 + PREVIEW_ROWS)
    body = table.rows[upload.header_index + 1 :]
    rows = list(lists.read_rows(body, mapping, header=upload.header, today=today()))
    samples = [
        [row.cells[i].strip() for row in body if i < len(row.cells) and row.cells[i].strip()][:3]
        for i in range(len(upload.header))
    ]
    return Preview(
        header=list(upload.header),
        mapping=mapping,
        samples=samples,
        rows=rows,
        problems=lists.mapping_problems(mapping),
    )


# --- 2. The mapping ------------------------------------------------------------------------
def list_upload_map(
    *, upload: ListUpload, mapping: Sequence[str | None], moderator: AbstractBaseUser | None
) -> ListUpload:
    """Save the moderator's mapping (a field of ``conscripts.lists.FIELDS`` or None per
    column). Only while the upload waits for its mapping."""
    _require(moderator)
    mapping = [m or None for m in mapping]
    if len(mapping) != len(upload.header) or any(
        m is not None and m not in lists.FIELDS for m in mapping
    ):
        raise UploadError(_("The mapping does not fit the file's columns."))
    with transaction.atomic():
        upload = ListUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.state != UploadState.MAPPING:
            raise UploadError(_("This list is already queued; its mapping cannot change."))
        upload.mapping = mapping
        upload.save(update_fields=["mapping"])
    return upload


# --- 3. Queue it ---------------------------------------------------------------------------
def list_upload_start(
    *, upload: ListUpload, moderator: AbstractBaseUser | None, in_process: bool = False
) -> ListUpload:
    """Queue the rows under the saved mapping: at once for a small list (or when
    ``in_process``, as the command asks), else by a worker (after commit). Audited."""
    _require(moderator)
    with transaction.atomic():
        upload = ListUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.state != UploadState.MAPPING:
            raise UploadError(_("This list is already queued."))
        problems = lists.mapping_problems(upload.mapping)
        if problems:
            raise UploadError([str(MAPPING_PROBLEMS[p]) for p in problems])
        upload.state = UploadState.QUEUED
        upload.save(update_fields=["state"])
        audit_record(
            action=AuditAction.LIST_UPLOAD,
            actor=moderator,
            before={},
            after={
                "upload_id": upload.pk,
                "file_name": upload.file_name,
                "sha256": upload.sha256,
                "mapping": upload.mapping,
                "rows": upload.rows_total,
            },
        )
        in_request = in_process or upload.rows_total <= settings.LIST_UPLOAD_SYNC_ROWS
        if not in_request:
            from .tasks import list_upload_read_task

            upload_id = upload.pk
            transaction.on_commit(lambda: list_upload_read_task.delay(upload_id))
    if in_request:
        list_upload_read(upload_id=upload.pk)
        upload.refresh_from_db()
    return upload


# --- 4. Read it ----------------------------------------------------------------------------
def list_upload_read(*, upload_id: int) -> None:
    """Read every row of a queued upload into reports. Runs again safely (a redelivered
    task): rows already queued are skipped, and a finished upload is left alone."""
    with transaction.atomic():
        upload = ListUpload.objects.select_for_update().get(pk=upload_id)
        if upload.state not in (UploadState.QUEUED, UploadState.READING):
            return
        upload.state = UploadState.READING
        upload.started_at = upload.started_at or timezone.now()
        upload.save(update_fields=["state", "started_at"])
    try:
        _read(upload)
    except TRANSIENT_ERRORS:
        raise  # the task retries; the upload stays «reading» and the retry goes on
    except Exception as error:
        # Whatever else went wrong, the page must stop waiting: say so, keep the trace.
        ListUpload.objects.filter(pk=upload.pk).update(
            state=UploadState.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        if not isinstance(error, tables.TableError):
            raise


def _progress(upload: ListUpload, percent: int) -> None:
    ListUpload.objects.filter(pk=upload.pk).update(progress=min(100, max(0, percent)))


def _read(upload: ListUpload) -> None:
    table = _table(upload)
    body = table.rows[upload.header_index + 1 :]
    rows = list(lists.read_rows(body, upload.mapping, header=upload.header, today=today()))
    people = lists.fold_duplicates(rows)
    _progress(upload, 20)
    regions = dict(Region.objects.values_list("code", "pk"))
    prefix = f"upload:{upload.sha256[:24]}:"
    written = present = 0
    with translation.override(upload.language):
        for start in range(0, len(people), BATCH):
            batch = people[start : start + BATCH]
            new, old = _write(upload, batch, prefix=prefix, regions=regions)
            written, present = written + new, present + old
            _progress(upload, 20 + 80 * (start + len(batch)) // max(len(people), 1))
    counts = {
        "rows": len(rows),
        "people": len(people),
        "queued": written,
        "present": present,
        "duplicates": sum(1 for r in rows if r.skip == "duplicate"),
        "skipped": sum(1 for r in rows if r.skip in ("blank", "summary")),
        "errors": sum(1 for r in rows if r.is_error),
        "warnings": sum(1 for r in rows if r.problems and not r.is_error),
    }
    ListUpload.objects.filter(pk=upload.pk).update(
        state=UploadState.DONE,
        progress=100,
        counts=counts,
        problems=[{"row": r.number, **p.as_dict()} for r in rows for p in r.problems],
        finished_at=timezone.now(),
    )


def _write(
    upload: ListUpload, batch: list[lists.ListRow], *, prefix: str, regions: dict[str, int]
) -> tuple[int, int]:
    """Write one batch of people as reports, in one transaction; (written, already there)."""
    refs = {row.key: prefix + row.key_hash() for row in batch}
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                existing = set(
                    Report.objects.filter(origin_ref__in=list(refs.values())).values_list(
                        "origin_ref", flat=True
                    )
                )
                reports = [
                    _report(upload, row, refs[row.key], regions)
                    for row in batch
                    if refs[row.key] not in existing
                ]
                Report.objects.bulk_create(reports, batch_size=BATCH)
                AuditEntry.objects.bulk_create(
                    [
                        AuditEntry(
                            action=AuditAction.SUBMIT,
                            actor=upload.uploaded_by,
                            report_id=report.pk,
                            after={"upload_id": upload.pk, "rows": _rows_of(report)},
                        )
                        for report in reports
                    ],
                    batch_size=BATCH,
                )
                return len(reports), len(existing)
        except IntegrityError:
            # Another reading of the same file wrote some of these meanwhile: look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _rows_of(report: Report) -> list[int]:
    return report._upload_rows  # type: ignore[attr-defined]


def _report(upload: ListUpload, row: lists.ListRow, ref: str, regions: dict[str, int]) -> Report:
    event = row.event
    last_contact = row.last_contact
    report = Report(
        origin=Origin.UPLOAD,
        origin_ref=ref,
        upload=upload,
        upload_row=row.number,
        surname_raw=row.surname,
        given_name_raw=row.given_name,
        patronymic_raw=row.patronymic,
        surname=row.surname,
        given_name=row.given_name,
        patronymic=row.patronymic,
        birth_date=row.birth_date,
        birth_year=row.birth_year,
        unit_number=row.unit_number,
        home_region_id=regions.get(row.region_code) if row.region_code else None,
        last_contact_date=(
            last_contact.value if last_contact and last_contact.precision == "day" else None
        ),
        last_known_place=row.last_known_place[:200],
        claimed_status=row.status,
        # A volunteer's list is a list, whatever it claims; the cell may say more.
        evidence_kind=row.evidence_kind or EvidenceKind.OTHER,
        event_date=event.value if event else None,
        event_precision=event.precision if event else DatePrecision.DAY,
        source_kind=EvidenceSource.UPLOAD,
        # Shown with the evidence on the public case page: only what the moderator named
        # the source, never the file's name (it may name the volunteer who sent it).
        source_name=upload.source_name[:200],
        source_private=True,
        evidence_urls=row.video_urls,
        has_video=links_have_video(row.video_urls),
        details=_details(upload, row),
        submitter_contact=row.contact[:200],
        submitter_language=upload.language,
    )
    report._upload_rows = row.numbers  # type: ignore[attr-defined]
    return report


def _details(upload: ListUpload, row: lists.ListRow) -> str:
    """What a moderator needs beside the fields: where the row is, its note, the other
    columns and what the reader made of it."""
    numbers = ", ".join(str(n) for n in row.numbers)
    lines = [
        _("%(file)s, row %(rows)s") % {"file": upload.file_name, "rows": numbers}
        if len(row.numbers) == 1
        else _("%(file)s, rows %(rows)s") % {"file": upload.file_name, "rows": numbers}
    ]
    if row.note:
        lines.append(row.note)
    for label, value in row.other:
        lines.append(f"{label}: {value}" if label else value)
    if row.last_contact and row.last_contact.precision != "day":
        lines.append(_("Last contact: %(date)s") % {"date": row.last_contact})
    if row.phones:
        lines.append(_("Phones: %(phones)s") % {"phones": ", ".join(row.phones)})
    for problem in row.problems:
        lines.append("⚠ " + problem_text({"row": row.number, **problem.as_dict()}))
    return "\n".join(lines)[:10_000]


# --- Reads ---------------------------------------------------------------------------------
def problems_csv(upload: ListUpload) -> str:
    """The row problems as CSV (UTF-8 with a BOM for Excel), in the reader's language.
    Cells a spreadsheet would run as formulas are escaped."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Row"), _("Column"), _("Level"), _("Problem"), _("Value")])
    for problem in upload.problems:
        writer.writerow(
            _safe(cell)
            for cell in (
                problem["row"],
                str(FIELD_LABELS.get(problem["field"], problem["field"])),
                _("error") if problem["level"] == lists.ERROR else _("warning"),
                problem_text(problem),
                problem["value"],
            )
        )
    return out.getvalue()


def _safe(value) -> str:
    return safe_cell(str(value))


def problems_by_row(upload: ListUpload) -> list[tuple[int, list[dict]]]:
    """(row number, its problems with their text), in row order."""
    grouped: dict[int, list[dict]] = {}
    for problem in upload.problems:
        grouped.setdefault(problem["row"], []).append(
            {
                **problem,
                "text": problem_text(problem),
                "label": FIELD_LABELS.get(problem["field"], ""),
            }
        )
    return sorted(grouped.items())


def uploads_recent(limit: int = 20) -> Iterable[ListUpload]:
    return ListUpload.objects.select_related("uploaded_by").defer("problems")[:limit]
