"""Moderators' pages per source. (The JSON webhook is ``sources.api``.)"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import access

from . import adapters, services
from .models import ItemState, Source
from .redaction import redact


@access.moderator_required
def source_list(request: HttpRequest) -> HttpResponse:
    return render(request, "sources/list.html", {"sources": services.sources_with_counts()})


@access.moderator_required
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    failures = [
        (item, redact(item.text[:300]))
        for item in source.items.filter(state=ItemState.FAILED).order_by("-created_at")[:100]
    ]
    # Messages that are only a video: nothing to extract, a moderator has to watch them.
    videos = [
        (item, adapters.video_description(item.raw))
        for item in source.items.filter(text="")
        .exclude(state=ItemState.FAILED)
        .order_by("-created_at")[:100]
    ]
    return render(
        request,
        "sources/detail.html",
        {
            "source": source,
            "counts": services.source_counts(source),
            "failures": failures,
            "videos": videos,
        },
    )


@require_POST
@access.moderator_required
def source_run(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    if source.kind == "webhook" or not source.location.startswith(("http://", "https://")):
        messages.error(request, _("Only sources with a URL can be polled."))
        return redirect("sources:detail", pk=source.pk)
    services.source_poll_request(source=source)
    messages.success(request, _("The source will be read shortly."))
    return redirect("sources:detail", pk=source.pk)
