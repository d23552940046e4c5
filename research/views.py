"""Pages for researchers and moderators: browse, saved filters, exports, API tokens;
and the public figures: statistics, the map, unit pages, the method, published snapshots.

Each view: access decorators → form → one service call → redirect or response.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conscripts.models import KURSK_WINDOW_START, MilitaryUnit, Region, Status
from core import access
from core.access import moderator_required, researcher_required

from . import charts, exports, maps, selectors, services, snapshots, units
from .filters import filter_query
from .forms import ApiTokenForm, ExportForm, SavedFilterForm, SnapshotForm
from .models import ExportJob, SavedFilter
from .snapshots import RecordFilter
from .statistics import statistics as statistics_data
from .units import unit_figures

PAGE_SIZE = 50
#: Counting stops here: an exact count of a million rows costs ~0.4 s, and beyond ten
#: thousand a researcher narrows the filter or exports (the export log has the total).
COUNT_CAP = 10_000
#: Columns of the browse table that can be sorted, with their sort key.
SORTABLE = ["name", "birth_year", "region", "unit", "status", "status_since", "last_contact"]


class CappedPaginator(selectors.PeoplePaginator):
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
    return render(
        request,
        "research/export_detail.html",
        {"job": _visible_job(request, pk), "keep_days": settings.EXPORT_KEEP_DAYS},
    )


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
    """The file as the caller may see it now: the role is checked again
    (``_visible_job``), an expired file is gone, and people hidden at a family's request
    since it was written are left out — unless it is a moderator's export, fetched by a
    moderator, which lists hidden people by design."""
    job = _visible_job(request, pk)
    path = Path(settings.MEDIA_ROOT) / job.file.name if job.is_downloadable else None
    if path is None or not path.is_file():
        raise Http404
    if job.as_moderator:
        return FileResponse(
            open(path, "rb"),  # FileResponse closes it
            as_attachment=True,
            filename=job.filename,
            content_type=exports.CONTENT_TYPES[job.format],
        )
    response = StreamingHttpResponse(
        exports.served_lines(path, fmt=job.format, withdrawn=selectors.withdrawn_people()),
        content_type=exports.CONTENT_TYPES[job.format],
    )
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


# --- API tokens --------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@researcher_required
@access.private_response
def profile(request):
    """The researcher's API token: issued here and shown in this one answer only (only a
    hash is kept); later visits show its first characters and when it expires."""
    issued = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid() and form.cleaned_data["action"] == "issue":
            issued = services.api_token_issue(user=request.user)
        elif form.is_valid():
            services.api_token_revoke(user=request.user)
            messages.success(request, _("Your API token was revoked."))
            return redirect("research:profile")
        else:
            return redirect("research:profile")
    token = issued.record if issued else selectors.api_token_get(user=request.user)
    return render(
        request,
        "research/profile.html",
        {"token": token, "issued_key": issued.key if issued else None},
    )


# --- Statistics (public) -----------------------------------------------------------------
#: Regions drawn as bars; the table under the chart (folded) has them all.
CHART_REGIONS = 15
UNIT_PAGE_SIZE = 50


def _kursk(request) -> bool:
    return request.GET.get("window") == "kursk"


def _region_name(row: dict) -> str:
    # The models' own label rule: a region's name in the active language.
    return Region(name_ru=row["name_ru"], name_en=row.get("name_en", "")).name or str(
        _("Unknown region")
    )


def _unit_label(row: dict) -> str:
    return str(MilitaryUnit(number=row["number"] or None, name=row["name"])) or str(_("No unit"))


def _regions(data: dict) -> list[dict]:
    return [
        {
            **r,
            "name": _region_name(r),
            "status_counts": [(r.get("by_status") or {}).get(s, 0) for s in Status.values],
        }
        for r in data["by_region"]
    ]


def _weekly_chart(weekly: list[dict]) -> dict:
    """The weekly chart's scales: y ticks (viewBox units), x date ticks (percent)."""
    weeks = [date.fromisoformat(w["week"]) for w in weekly]
    top_value = max((max(w["new_people"], w["status_changes"]) for w in weekly), default=0)
    top, ticks = charts.value_axis(top_value, target=4)
    return {
        "top": top,
        "y_ticks": [
            {"label": t.label, "y": charts.PLOT_HEIGHT - t.position * charts.PLOT_HEIGHT / 100}
            for t in ticks
        ],
        "x_ticks": [
            {"x": charts.x_percent(i, len(weeks)), "week": week, "first": i == 0}
            for i, week in charts.week_ticks(weeks)
        ],
        "people_points": charts.line_points([w["new_people"] for w in weekly], top),
        "change_points": charts.line_points([w["status_changes"] for w in weekly], top),
        "first": weeks[0] if weeks else None,
        "last": weeks[-1] if weeks else None,
    }


def _bars(rows: list[dict], *, label) -> dict:
    """A horizontal bar chart: bars in percent of the axis top, and the axis's ticks."""
    top, ticks = charts.value_axis(max((r["n"] for r in rows), default=0))
    return {
        "rows": [
            {**r, "label": label(r), "percent": charts.percent(r["n"], top), "y": i * 26}
            for i, r in enumerate(rows)
        ],
        "ticks": ticks,
        "height": 26 * len(rows),
    }


def _figures_context(data: dict, kursk: bool) -> dict:
    regions = _regions(data)
    weekly = data["weekly"]
    return {
        "window_query": "window=kursk" if kursk else "",
        "total": data["total"],
        "by_status": [{**row, "label": Status(row["status"]).label} for row in data["by_status"]],
        "regions": regions,
        "region_chart": _bars(regions[:CHART_REGIONS], label=lambda r: r["name"]),
        "regions_left_out": max(0, len(regions) - CHART_REGIONS),
        "top_units": [{**u, "label": _unit_label(u)} for u in data["top_units"]],
        "weekly": weekly,
        "weekly_chart": _weekly_chart(weekly),
    }


def statistics_html_key(*, kursk: bool, language: str) -> str:
    return f"research:statistics-html:v1:{'kursk' if kursk else 'all'}:{language}"


def _figures_html(data: dict, kursk: bool) -> str:
    """The tables and SVG charts of the statistics page, rendered once per computation of
    the figures and language, and cached as long as the figures are (rendering the
    charts on every visit cost more than the rest of the page)."""
    lifetime = 3 * settings.STATISTICS_CACHE_SECONDS
    key = statistics_html_key(kursk=kursk, language=translation.get_language())
    computed_at = data.get("computed_at") or ""
    cached = cache.get(key) if lifetime else None
    if cached is not None and cached[0] == computed_at:
        return mark_safe(cached[1])  # noqa: S308 (our own template's output)
    html = render_to_string("research/_statistics_figures.html", _figures_context(data, kursk))
    if lifetime:
        cache.set(key, (computed_at, html), lifetime)
    return mark_safe(html)  # noqa: S308


@require_GET
def statistics(request):
    kursk = _kursk(request)
    data = statistics_data(kursk=kursk)
    return render(
        request,
        "research/statistics.html",
        {
            "kursk": kursk,
            "total": data["total"],
            "figures_html": _figures_html(data, kursk),
            "kursk_start": KURSK_WINDOW_START,
            "computed_at": parse_datetime(data.get("computed_at") or ""),
        },
    )


def _csv_response(filename: str, columns: list[str], rows) -> HttpResponse:
    """A small CSV (a chart's data): UTF-8 with a BOM, cells escaped as in every export."""
    response = HttpResponse(content_type=exports.CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    for _written in exports.write_csv(rows, _ResponseText(response), columns=columns):
        pass
    return response


#: The data behind each chart and table of the statistics page, as CSV.
CHART_DATA = ("status", "regions", "units", "weekly")


@require_GET
def statistics_csv(request, chart: str):
    if chart not in CHART_DATA:
        raise Http404
    kursk = _kursk(request)
    data = statistics_data(kursk=kursk)
    name = f"statistics-{chart}{'-kursk' if kursk else ''}.csv"
    if chart == "status":
        return _csv_response(name, ["status", "people"], [
            {"status": r["status"], "people": r["n"]} for r in data["by_status"]
        ])  # fmt: skip
    if chart == "regions":
        columns = ["region_code", "region_ru", "region_en", "people", *Status.values]
        return _csv_response(name, columns, [
            {"region_code": r["code"], "region_ru": r["name_ru"], "region_en": r["name_en"],
             "people": r["n"], **(r.get("by_status") or {})}
            for r in data["by_region"]
        ])  # fmt: skip
    if chart == "units":
        return _csv_response(name, ["unit_number", "unit_name", "people"], [
            {"unit_number": u["number"], "unit_name": u["name"], "people": u["n"]}
            for u in data["top_units"]
        ])  # fmt: skip
    return _csv_response(name, ["week_from", "people_added", "status_changes"], [
        {"week_from": w["week"], "people_added": w["new_people"],
         "status_changes": w["status_changes"]}
        for w in data["weekly"]
    ])  # fmt: skip


# --- The map ---------------------------------------------------------------------------------
@require_GET
def region_map(request):
    kursk = _kursk(request)
    mode = request.GET.get("colour", "count")
    if mode not in maps.MODES:
        mode = "count"
    data = statistics_data(kursk=kursk)
    regions = _regions(data)
    by_code = {r["code"]: r for r in regions}
    drawn, legend, not_drawn = maps.colour(by_code, mode=mode)
    outlines = maps.outlines()
    names = {code: Region(name_ru=n_ru, name_en=n_en).name for code, n_ru, n_en in
             Region.objects.values_list("code", "name_ru", "name_en")}  # fmt: skip
    shapes = []
    for region in drawn:
        statuses = [(Status(s).label, region.by_status.get(s, 0)) for s in Status.values]
        shapes.append({"region": region, "name": names.get(region.code, region.code),
                       "statuses": statuses})  # fmt: skip
    query = {"window": "kursk"} if kursk else {}
    modes = [
        {
            "mode": m,
            "label": _("Number of people") if m == "count" else Status(m).label,
            "query": urlencode({**query, "colour": m}),
            "current": m == mode,
        }
        for m in maps.MODES
    ]
    return render(
        request,
        "research/map.html",
        {
            "kursk": kursk,
            "kursk_start": KURSK_WINDOW_START,
            "mode": mode,
            "mode_label": _("Number of people") if mode == "count" else Status(mode).label,
            "modes": modes,
            "shapes": shapes,
            "legend": legend,
            "width": outlines["width"],
            "height": outlines["height"],
            "dot_radius": outlines["dot_radius"],
            "not_drawn": [by_code[c] for c in not_drawn],
            "regions": regions,
            "statuses": [(s, Status(s).label) for s in Status.values],
            "total": data["total"],
            "window_query": "window=kursk" if kursk else "",
            "computed_at": parse_datetime(data.get("computed_at") or ""),
            "min_people": charts.MIN_PEOPLE_FOR_SHARE,
        },
    )


# --- Units -----------------------------------------------------------------------------------
@require_GET
def unit_list(request):
    return render(request, "research/units.html", {"units": selectors.public_unit_list()})


def _unit_timeline(changes: dict, weeks: list[date]) -> dict:
    """Stacked weekly bars of status changes by the new status, with axes."""
    totals = [sum(changes.get((w, s), 0) for s in Status.values) for w in weeks]
    labels = [Status(s).label for s in Status.values]
    top, ticks = charts.value_axis(max(totals, default=0), target=4)
    slot = charts.PLOT_WIDTH / len(weeks) if weeks else 0
    bars = []
    for i, week in enumerate(weeks):
        y = float(charts.PLOT_HEIGHT)
        parts = []
        for status in Status.values:
            n = changes.get((week, status), 0)
            if n:
                height = n / top * charts.PLOT_HEIGHT
                y -= height
                parts.append({"status": status, "y": round(y, 2), "height": round(height, 2)})
        counts = [changes.get((week, s), 0) for s in Status.values]
        # The hover text is made here, not in the template: a year of weeks is hundreds
        # of template nodes per bar otherwise (a third of the page's time).
        title = ngettext(
            "Week of %(week)s: %(n)s change", "Week of %(week)s: %(n)s changes", totals[i]
        ) % {"week": date_format(week, "DATE_FORMAT"), "n": totals[i]}
        title += "".join(f" · {label} {n}" for label, n in zip(labels, counts, strict=True) if n)
        bars.append({"week": week, "x": round(i * slot + slot * 0.1, 2),
                     "width": round(slot * 0.8, 2), "parts": parts, "counts": counts,
                     "title": title})  # fmt: skip
    return {
        "bars": bars,
        "y_ticks": [
            {"label": t.label, "y": charts.PLOT_HEIGHT - t.position * charts.PLOT_HEIGHT / 100}
            for t in ticks
        ],
        "x_ticks": [
            {"x": charts.slot_percent(i, len(weeks)), "week": w}
            for i, w in charts.week_ticks(weeks)
        ],
        "first": weeks[0] if weeks else None,
        "last": weeks[-1] if weeks else None,
    }


def _week_range(weeks: set[date]) -> list[date]:
    """Every week from the first to the last, empty ones included (a timeline's gaps are
    information)."""
    if not weeks:
        return []
    first, last = min(weeks), max(weeks)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


@require_GET
def unit_detail(request, pk: int):
    unit = selectors.public_unit_get(pk=pk)
    if unit is None:
        raise Http404
    data = unit_figures()
    figures = units.figures_of(data, unit.pk)
    counts = figures["by_status"]
    changes = {
        (date.fromisoformat(week), status): n
        for week, row in figures["weekly"].items()
        for status, n in zip(Status.values, row, strict=True)
    }
    weeks = _week_range({week for week, _status in changes})
    people = CappedPaginator(selectors.unit_people(unit=unit), UNIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if request.GET.get("format") == "csv":
        return _csv_response(
            f"unit-{unit.number or unit.pk}-weekly.csv",
            ["week_from", *Status.values],
            [{"week_from": w, **{s: changes.get((w, s), 0) for s in Status.values}}
             for w in weeks],
        )  # fmt: skip
    return render(
        request,
        "research/unit.html",
        {
            "unit": unit,
            "by_status": [(s, Status(s).label, counts.get(s, 0)) for s in Status.values],
            "total": sum(counts.values()),
            "timeline": _unit_timeline(changes, weeks),
            "weeks": weeks,
            "undated": figures["undated"],
            "computed_at": parse_datetime(data.get("computed_at") or ""),
            "page": people,
            "count_cap": COUNT_CAP,
            "statuses": [(s, Status(s).label) for s in Status.values],
        },
    )


# --- Method ----------------------------------------------------------------------------------
@require_GET
def method(request):
    return render(request, "research/method.html", {"kursk_start": KURSK_WINDOW_START})


# --- Published figures -------------------------------------------------------------------------
@require_GET
def snapshot_list(request):
    moderator = access.is_moderator(request.user)
    return render(
        request,
        "research/snapshots.html",
        {
            "snapshots": selectors.published_snapshot_list(),
            "unpublished": selectors.unpublished_snapshot_list() if moderator else [],
            "form": SnapshotForm() if moderator else None,
        },
    )


@require_POST
@moderator_required
def snapshot_publish(request):
    form = SnapshotForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    services.figures_snapshot_request(user=request.user, note=form.cleaned_data["note"])
    messages.success(
        request, _("The figures are being written. They appear here, with their link, once done.")
    )
    return redirect("research:snapshots")


def _snapshot_deltas(snapshot, previous) -> dict:
    """Count by count, the difference from the previous snapshot."""
    if previous is None:
        return {}
    old = previous.data
    return {
        "total": snapshot.data["total"] - old["total"],
        "status": {r["status"]: r["n"] for r in old["by_status"]},
        "region": {r["code"]: r["n"] for r in old["by_region"]},
        "unit": {str(u["id"]): u["n"] for u in old["by_unit"]},
    }


@require_GET
def snapshot_detail(request, pk: int):
    snapshot = selectors.published_snapshot_get(pk=pk)
    if snapshot is None:
        raise Http404
    data = snapshot.data
    previous = snapshot.previous
    old = _snapshot_deltas(snapshot, previous)
    by_status = [
        {**r, "label": Status(r["status"]).label,
         "delta": r["n"] - old["status"].get(r["status"], 0) if old else None}
        for r in data["by_status"]
    ]  # fmt: skip
    regions = [
        {**r, "name": _region_name(r), "param": r["code"] or RecordFilter.NO_REGION_PARAM,
         "delta": r["n"] - old["region"].get(r["code"], 0) if old else None}
        for r in data["by_region"]
    ]  # fmt: skip
    units = [
        {**u, "label": _unit_label(u),
         "param": u["number"] or u["name"] or RecordFilter.NO_UNIT_PARAM,
         "delta": u["n"] - old["unit"].get(str(u["id"]), 0) if old else None}
        for u in data["by_unit"]
    ]  # fmt: skip
    changes = data.get("changes")
    if changes:
        named = [e["id"] for kind in changes["examples"].values() for e in kind]
        public = selectors.public_people_among(named)
        examples = {
            kind: [
                {**e, **({"was_label": Status(e["was"]).label, "now_label": Status(e["now"]).label}
                         if "was" in e else {})}
                for e in items if e["id"] in public
            ]
            for kind, items in changes["examples"].items()
        }  # fmt: skip
        changes = {**changes, "examples": examples}
    english = (translation.get_language() or "ru").startswith("en")
    return render(
        request,
        "research/snapshot.html",
        {
            "snapshot": snapshot,
            "previous": previous,
            "total_delta": old.get("total") if old else None,
            "by_status": by_status,
            "regions": regions,
            "units": units,
            "changes": changes,
            "method": snapshot.method_en if english else snapshot.method_ru,
            "citation_url": request.build_absolute_uri(
                reverse("research:snapshot", args=[snapshot.pk])
            ),
        },
    )


@require_GET
def snapshot_records(request, pk: int):
    """The public records behind the snapshot's counts, as published (all of them, or the
    ones behind one count: ``status``, ``region``, ``unit``), without records hidden at a
    family's request since."""
    snapshot = selectors.published_snapshot_get(pk=pk)
    path = Path(settings.MEDIA_ROOT) / snapshot.file if snapshot and snapshot.file else None
    if path is None or not path.is_file():
        raise Http404
    keep = RecordFilter(
        status=request.GET.get("status", "")[:10],
        region=request.GET.get("region", "")[:8],
        unit=request.GET.get("unit", "")[:200],
    )
    response = StreamingHttpResponse(
        snapshots.filtered_lines(path, keep=keep, withdrawn=selectors.withdrawn_people()),
        content_type=exports.CONTENT_TYPES["csv"],
    )
    filename = snapshot.filename.removesuffix(".csv") + keep.suffix() + ".csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
