"""Pages for researchers and moderators: browse, saved filters, exports, API tokens;
and the public statistics page.

Each view: access decorators → form → one service call → redirect or response.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conscripts.models import KURSK_WINDOW_START, MilitaryUnit, Region, Status
from core.access import researcher_required

from . import exports, selectors, services
from .filters import filter_query
from .forms import ApiTokenForm, ExportForm, SavedFilterForm
from .models import ExportJob, SavedFilter
from .statistics import statistics as statistics_data

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


def _without(params: QueryDict, *keys: str) -> QueryDict:
    params = params.copy()
    for key in keys:
        params.pop(key, None)
    return params


def _sort_links(params: QueryDict) -> dict[str, dict]:
    """Each sortable column's link (its order, or the reverse when it is the current
    one) and its ``aria-sort`` state."""
    current = params.get("sort", "")
    links = {}
    for column in SORTABLE:
        query = _without(params, "page", "sort")
        query["sort"] = f"-{column}" if current == column else column
        state = {column: "ascending", f"-{column}": "descending"}.get(current, "none")
        links[column] = {"query": query.urlencode(), "state": state}
    return links


# --- Browse ------------------------------------------------------------------------------
@require_GET
@researcher_required
def cases(request):
    as_moderator = selectors.sees_hidden_people(request.user)
    filterset, people = selectors.filtered_people(params=request.GET, as_moderator=as_moderator)
    people = selectors.person_rows(people, as_moderator=as_moderator)
    page = CappedPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    query = filter_query(request.GET)
    return render(
        request,
        "research/cases.html",
        {
            "filter": filterset,
            "page": page,
            "as_moderator": as_moderator,
            "filter_query": query,
            "sort_links": _sort_links(request.GET),
            "kursk_query": "window=kursk",
            "saved_filters": selectors.saved_filter_list(owner=request.user),
            "save_form": SavedFilterForm(initial={"query_string": query}),
            "sync_limit": settings.EXPORT_SYNC_LIMIT,
            "count_cap": COUNT_CAP,
        },
    )


# --- Saved filters -----------------------------------------------------------------------
@require_POST
@researcher_required
def saved_filter_create(request):
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the filter a name."))
        return redirect("research:cases")
    saved = services.saved_filter_create(
        owner=request.user,
        name=form.cleaned_data["name"],
        query_string=form.cleaned_data["query_string"],
    )
    messages.success(request, _("Filter saved."))
    query = saved.query_string
    return redirect(reverse("research:cases") + (f"?{query}" if query else ""))


@require_POST
@researcher_required
def saved_filter_delete(request, pk: int):
    try:
        services.saved_filter_delete(owner=request.user, saved_filter_id=pk)
    except SavedFilter.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Filter deleted."))
    return redirect("research:cases")


# --- Exports -----------------------------------------------------------------------------
class _ResponseText:
    """A text stream over an HttpResponse (it takes str and encodes as UTF-8)."""

    def __init__(self, response: HttpResponse):
        self.response = response

    def write(self, text: str) -> int:
        self.response.write(text)
        return len(text)


@require_POST
@researcher_required
def export_create(request):
    """Small exports download at once; large ones are written by a worker while the
    page shows progress. Every export is logged."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    try:
        started = services.export_start(
            user=request.user,
            fmt=form.cleaned_data["format"],
            query_string=form.cleaned_data["query_string"],
        )
    except services.ExportError:
        return HttpResponseBadRequest()
    job = started.job
    if started.in_background:
        return redirect("research:export-detail", pk=job.pk)
    response = HttpResponse(content_type=exports.CONTENT_TYPES[job.format])
    services.export_run(job_id=job.pk, out=_ResponseText(response))
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


def _visible_job(request, pk: int) -> ExportJob:
    job = selectors.export_job_get(pk=pk, user=request.user)
    if job is None:
        raise Http404
    return job


@require_GET
@researcher_required
def export_list(request):
    jobs = selectors.export_job_list(user=request.user)
    return render(request, "research/exports.html", {"jobs": jobs})


@require_GET
@researcher_required
def export_detail(request, pk: int):
    return render(request, "research/export_detail.html", {"job": _visible_job(request, pk)})


@require_GET
@researcher_required
def export_status(request, pk: int):
    job = _visible_job(request, pk)
    return JsonResponse(
        {
            "id": job.pk,
            "state": job.state,
            "progress": job.progress,
            "rows": job.rows,
            "download_url": (
                reverse("research:export-download", args=[job.pk]) if job.is_downloadable else None
            ),
        }
    )


@require_GET
@researcher_required
def export_download(request, pk: int):
    job = _visible_job(request, pk)
    path = Path(settings.MEDIA_ROOT) / job.file.name if job.is_downloadable else None
    if path is None or not path.is_file():
        raise Http404
    return FileResponse(
        open(path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=job.filename,
        content_type=exports.CONTENT_TYPES[job.format],
    )


# --- API tokens --------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@researcher_required
def profile(request):
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid() and form.cleaned_data["action"] == "issue":
            services.api_token_issue(user=request.user)
            messages.success(request, _("A new API token was issued; the old one no longer works."))
        elif form.is_valid():
            services.api_token_revoke(user=request.user)
            messages.success(request, _("Your API token was revoked."))
        return redirect("research:profile")
    token = selectors.api_token_get(user=request.user)
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
    data = statistics_data(kursk=kursk)
    by_status = [{**row, "label": Status(row["status"]).label} for row in data["by_status"]]
    top_region = max((r["n"] for r in data["by_region"]), default=0)
    regions = [
        {
            **r,
            # The models' own label rules: a region's name in the active language, a
            # unit as «в/ч 12345 (name)».
            "name": Region(name_ru=r["name_ru"], name_en=r["name_en"]).name or _("Unknown region"),
            "percent": round(r["n"] * 100 / top_region, 1) if top_region else 0,
            "y": i * BAR_HEIGHT,
        }
        for i, r in enumerate(data["by_region"])
    ]
    units = [
        {**u, "label": str(MilitaryUnit(number=u["number"] or None, name=u["name"]))}
        for u in data["top_units"]
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
            "top_units": units,
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
