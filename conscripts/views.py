from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .models import Status


@require_GET
def home(request):
    totals = [(s, Status(s).label, n) for s, n in selectors.status_totals().items()]
    return render(request, "conscripts/home.html", {"totals": totals})


@require_GET
def conscript_detail(request, pk: int):
    conscript = selectors.public_conscript_get(pk=pk)
    return render(
        request,
        "conscripts/detail.html",
        {
            "conscript": conscript,
            "evidence": selectors.public_evidence_list(conscript=conscript),
            "timeline": selectors.status_timeline(conscript=conscript),
        },
    )
