from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import roles, selectors
from .forms import SearchForm
from .models import Status
from .search import search
from .serializers import match_as_api_dict

PAGE_SIZE = 20
API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100


@require_GET
def home(request):
    totals = [(s, Status(s).label, n) for s, n in selectors.status_totals().items()]
    return render(request, "conscripts/home.html", {"totals": totals, "form": SearchForm()})


@require_GET
def search_page(request):
    form = SearchForm(request.GET or None)
    page = None
    result = None
    if form.is_bound and form.is_valid():
        result = search(form.cleaned_data["q"] or "", filters=form.filters())
        page = Paginator(result.matches, PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "conscripts/search.html",
        {
            "form": form,
            "result": result,
            "page": page,
            "query_string": query_without_page.urlencode(),
        },
    )


@require_GET
def api_conscripts(request):
    """GET /api/v1/conscripts/?q=…&status=&region=&unit=&birth_year=&page=&page_size="""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        page_size = min(int(request.GET.get("page_size", API_PAGE_SIZE)), API_MAX_PAGE_SIZE)
        page_number = int(request.GET.get("page", 1))
    except ValueError:
        return JsonResponse({"errors": {"page": [{"message": "not a number"}]}}, status=400)
    if page_size < 1 or page_number < 1:
        return JsonResponse({"errors": {"page": [{"message": "must be positive"}]}}, status=400)
    result = search(form.cleaned_data["q"] or "", filters=form.filters())
    start = (page_number - 1) * page_size
    window = result.matches[start : start + page_size]
    return JsonResponse(
        {
            "q": result.query,
            "count": len(result.matches),
            "page": page_number,
            "page_size": page_size,
            "results": [
                match_as_api_dict(m, url=request.build_absolute_uri(m.conscript.get_absolute_url()))
                for m in window
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def conscript_detail(request, pk: int):
    try:
        conscript = selectors.public_conscript_get(pk=pk)
    except Http404:
        # Old links to a record merged into another keep working.
        successor = selectors.merged_successor_get(pk=pk)
        if successor is None:
            raise
        return redirect(successor, permanent=True)
    return render(
        request,
        "conscripts/detail.html",
        {
            "conscript": conscript,
            "evidence": selectors.public_evidence_list(conscript=conscript),
            "timeline": selectors.status_timeline(conscript=conscript),
            "retracted_evidence": (
                selectors.retracted_evidence_list(conscript=conscript)
                if roles.is_moderator(request.user)
                else []
            ),
        },
    )
