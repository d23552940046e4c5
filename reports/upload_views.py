"""Moderators upload a spreadsheet list: check the mapping, queue the rows, read the
problems by row number (reports.uploads)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from conscripts import geo
from conscripts.models import Status
from core import access
from core.request_limits import request_limit

from . import uploads
from .forms import ListMappingForm, ListUploadForm
from .models import ListUpload, UploadState

moderator_required = access.moderator_required
not_stored = access.private_response


@require_http_methods(["GET", "POST"])
@moderator_required
@not_stored
# The file and the form around it (core.request_limits); uploads.py checks the file.
@request_limit(max_bytes=lambda: settings.LIST_UPLOAD_MAX_BYTES + 1024 * 1024)
def upload_new(request):
    form = ListUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = uploads.list_upload_create(
                file_name=file.name,
                data=file.read(),
                uploaded_by=request.user,
                source_name=form.cleaned_data["source_name"],
                language=(get_language() or "ru")[:2],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("reports:upload-detail", pk=upload.pk)
    return render(
        request,
        "reports/upload_new.html",
        {"form": form, "uploads": uploads.uploads_recent()},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@moderator_required
@not_stored
def upload_detail(request, pk: int):
    upload = get_object_or_404(ListUpload.objects.select_related("uploaded_by"), pk=pk)
    if upload.state != UploadState.MAPPING:
        return render(
            request,
            "reports/upload_result.html",
            {
                "upload": upload,
                "problems": uploads.problems_by_row(upload) if upload.state == "done" else [],
                "queue_url": f"{reverse('reports:queue')}?upload={upload.pk}",
            },
        )
    form = ListMappingForm(request.POST or None, header=upload.header, mapping=upload.mapping)
    mapping = upload.mapping
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        try:
            uploads.list_upload_map(upload=upload, mapping=mapping, moderator=request.user)
            if request.POST.get("action") == "queue":
                uploads.list_upload_start(upload=upload, moderator=request.user)
                return redirect("reports:upload-detail", pk=upload.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            return redirect("reports:upload-detail", pk=upload.pk)
    preview = uploads.upload_preview(upload=upload, mapping=mapping)
    columns = [
        (form[f"col_{i}"], preview.samples[i] if i < len(preview.samples) else [])
        for i in range(len(upload.header))
    ]
    return render(
        request,
        "reports/upload_mapping.html",
        {
            "upload": upload,
            "form": form,
            "columns": columns,
            "preview": preview,
            "preview_rows": [
                (
                    row,
                    _region_name(row.region_code),
                    Status(row.status).label if row.status else "",
                    [uploads.problem_text(p.as_dict()) for p in row.problems],
                )
                for row in preview.rows
            ],
            "mapping_problems": [str(uploads.MAPPING_PROBLEMS[p]) for p in preview.problems],
        },
    )


@require_GET
@moderator_required
@not_stored
def upload_status(request, pk: int):
    upload = get_object_or_404(ListUpload.objects.defer("problems"), pk=pk)
    return JsonResponse(
        {"state": upload.state, "progress": upload.progress, "counts": upload.counts}
    )


@require_GET
@moderator_required
@not_stored
def upload_problems(request, pk: int):
    upload = get_object_or_404(ListUpload, pk=pk)
    response = HttpResponse(uploads.problems_csv(upload), content_type="text/csv; charset=utf-8")
    stem = upload.file_name.rsplit(".", 1)[0] or "list"
    response["Content-Disposition"] = (
        f"attachment; filename=\"problems-{upload.pk}.csv\"; filename*=UTF-8''"
        f"{_quote(_('problems') + '-' + stem)}.csv"
    )
    return response


def _region_name(code: str | None) -> str:
    region = geo.region_by_code(code) if code else None
    if region is None:
        return ""
    return region.name_en if (get_language() or "ru").startswith("en") else region.name_ru


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
