"""Pages for researchers and moderators: browse, saved filters, exports, API tokens;
and the public statistics page."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token

from core import access
from core.outbox import outbox_enqueue

from . import exports, research
from .models import KURSK_WINDOW_START, ExportFormat, ExportJob, ExportState, SavedFilter, Status
from .tasks import export_task, export_write

PAGE_SIZE = 50
#: Counting stops here: an exact count of a million rows costs ~0.4 s, and beyond ten
#: thousand a researcher narrows the filter or exports (the export log has the total).
COUNT_CAP = 10_000
#: Columns of the browse table that can be sorted, with their sort key.
SORTABLE = ["name", "birth_year", "region", "unit", "status", "status_since", "last_contact"]


class CappedPaginator(Paginator):
    """Counts up to ``COUNT_CAP + 1`` rows; ``capped`` says the true count is larger."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


researcher_required = access.researcher_required


def _without(params: QueryDict, *keys: str) -> QueryDict:
    params = params.copy()
    for key in keys:
        params.pop(key, None)
    return params


def _filter_query(params: QueryDict) -> str:
    """The filter part of a query string: no page, no empty values."""
    clean = QueryDict(mutable=True)
    for key, values in params.lists():
        if key in ("page", "csrfmiddlewaretoken"):
            continue
        for value in values:
            if value != "":
                clean.appendlist(key, value)
    return clean.urlencode()


# --- Browse ------------------------------------------------------------------------------
@require_GET
@researcher_required
def cases(request):
    as_moderator = research.sees_hidden_people(request.user)
    filterset, people = research.filtered_people(params=request.GET, as_moderator=as_moderator)
    people = people.select_related("home_region", "unit")
    page = CappedPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    current_sort = request.GET.get("sort", "")
    sort_links = {}
    for column in SORTABLE:
        params = _without(request.GET, "page", "sort")
        params["sort"] = f"-{column}" if current_sort == column else column
        sort_links[column] = {
            "query": params.urlencode(),
            "state": (
                "ascending"
                if current_sort == column
                else "descending"
                if current_sort == f"-{column}"
                else "none"
            ),
        }
    filter_query = _filter_query(request.GET)
    return render(
        request,
        "research/cases.html",
        {
            "filter": filterset,
            "page": page,
            "as_moderator": as_moderator,
            "filter_query": filter_query,
            "sort_links": sort_links,
            "kursk_query": "window=kursk",
            "saved_filters": list(SavedFilter.objects.filter(owner=request.user)),
            "save_form": SavedFilterForm(initial={"query_string": filter_query}),
            "sync_limit": settings.EXPORT_SYNC_LIMIT,
            "count_cap": COUNT_CAP,
        },
    )


# --- Saved filters -----------------------------------------------------------------------
class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of this filter"), max_length=100)
    query_string = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


@require_POST
@researcher_required
def saved_filter_create(request):
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        query = _filter_query(QueryDict(form.cleaned_data["query_string"]))
        SavedFilter.objects.update_or_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            defaults={"query_string": query, "created_at": timezone.now()},
        )
        messages.success(request, _("Filter saved."))
        return redirect(reverse("research:cases") + (f"?{query}" if query else ""))
    messages.error(request, _("Give the filter a name."))
    return redirect("research:cases")


@require_POST
@researcher_required
def saved_filter_delete(request, pk: int):
    get_object_or_404(SavedFilter, pk=pk, owner=request.user).delete()
    messages.success(request, _("Filter deleted."))
    return redirect("research:cases")


# --- Exports -----------------------------------------------------------------------------
@require_POST
@researcher_required
def export_create(request):
    """Write small exports now; hand large ones to a worker. Every export is logged."""
    fmt = request.POST.get("format", "")
    if fmt not in ExportFormat.values:
        return HttpResponse(status=400)
    query = _filter_query(QueryDict(request.POST.get("query_string", "")))
    as_moderator = research.sees_hidden_people(request.user)
    filterset, people = research.filtered_people(params=QueryDict(query), as_moderator=as_moderator)
    if not filterset.is_valid():
        return HttpResponse(status=400)
    total = people.count()
    job = ExportJob(
        requested_by=request.user, format=fmt, query_string=query, as_moderator=as_moderator
    )
    if total > settings.EXPORT_SYNC_LIMIT:
        with transaction.atomic():  # the job and its task commit together (core.outbox)
            job.save()
            outbox_enqueue(task=export_task.name, args=[job.pk])
        return redirect("research:export-detail", pk=job.pk)
    job.state = ExportState.RUNNING
    job.save()
    response = HttpResponse(content_type=exports.CONTENT_TYPES[fmt])
    job.rows = export_write(job=job, out=_TextOut(response))
    job.state, job.progress, job.finished_at = ExportState.DONE, 100, timezone.now()
    job.save(update_fields=["rows", "state", "progress", "finished_at"])
    response["Content-Disposition"] = f'attachment; filename="{_filename(job)}"'
    return response


class _TextOut:
    """A text stream over an HttpResponse (it takes str and encodes as UTF-8)."""

    def __init__(self, response: HttpResponse):
        self.response = response

    def write(self, text: str) -> int:
        self.response.write(text)
        return len(text)


def _filename(job: ExportJob) -> str:
    return f"conscripts-{job.created_at:%Y%m%d-%H%M}-{job.pk}.{job.format}"


def _own_job(request, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob, pk=pk)
    if job.requested_by_id != request.user.pk and not access.is_moderator(request.user):
        raise Http404
    return job


@require_GET
@researcher_required
def export_list(request):
    jobs = ExportJob.objects.filter(requested_by=request.user)[:50]
    return render(request, "research/exports.html", {"jobs": jobs})


@require_GET
@researcher_required
def export_detail(request, pk: int):
    job = _own_job(request, pk)
    return render(request, "research/export_detail.html", {"job": job})


@require_GET
@researcher_required
def export_status(request, pk: int):
    job = _own_job(request, pk)
    done = job.state == ExportState.DONE and bool(job.file)
    return JsonResponse(
        {
            "id": job.pk,
            "state": job.state,
            "progress": job.progress,
            "rows": job.rows,
            "download_url": reverse("research:export-download", args=[job.pk]) if done else None,
        }
    )


@require_GET
@researcher_required
def export_download(request, pk: int):
    job = _own_job(request, pk)
    if job.state != ExportState.DONE or not job.file:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / job.file.name
    if not path.is_file():
        raise Http404
    return FileResponse(
        open(path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=_filename(job),
        content_type=exports.CONTENT_TYPES[job.format],
    )


# --- API tokens --------------------------------------------------------------------------
@researcher_required
def profile(request):
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            with transaction.atomic():
                Token.objects.filter(user=request.user).delete()
                Token.objects.create(user=request.user)
            messages.success(request, _("A new API token was issued; the old one no longer works."))
        elif action == "revoke":
            Token.objects.filter(user=request.user).delete()
            messages.success(request, _("Your API token was revoked."))
        return redirect("research:profile")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "research/profile.html", {"token": token})


# --- Statistics (public) -----------------------------------------------------------------
CHART_WIDTH = 600
CHART_HEIGHT = 200
BAR_HEIGHT = 22


def _line_points(values: list[int], top: int) -> str:
    if not values:
        return ""
    step = CHART_WIDTH / max(1, len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{CHART_HEIGHT - (v / top * CHART_HEIGHT if top else 0):.1f}"
        for i, v in enumerate(values)
    )


@require_GET
def statistics(request):
    kursk = request.GET.get("window") == "kursk"
    data = research.statistics(kursk=kursk)
    english = (get_language() or "ru").startswith("en")
    labels = dict(Status.choices)
    by_status = [{**row, "label": labels[row["status"]]} for row in data["by_status"]]
    top_region = max((r["n"] for r in data["by_region"]), default=0)
    regions = [
        {
            **r,
            "name": (r["name_en"] if english else r["name_ru"]) or _("Unknown region"),
            "percent": round(r["n"] * 100 / top_region, 1) if top_region else 0,
            "y": i * BAR_HEIGHT,
        }
        for i, r in enumerate(data["by_region"])
    ]
    weekly = data["weekly"]
    top_week = max((max(w["new_people"], w["status_changes"]) for w in weekly), default=0)
    return render(
        request,
        "research/statistics.html",
        {
            "kursk": kursk,
            "total": data["total"],
            "by_status": by_status,
            "regions": regions,
            "region_chart_height": BAR_HEIGHT * len(regions),
            "bar_height": BAR_HEIGHT - 4,
            "top_units": data["top_units"],
            "weekly": weekly,
            "week_max": top_week,
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "people_points": _line_points([w["new_people"] for w in weekly], top_week),
            "change_points": _line_points([w["status_changes"] for w in weekly], top_week),
            "kursk_start": KURSK_WINDOW_START,
            "computed_at": parse_datetime(data.get("computed_at") or ""),
        },
    )
