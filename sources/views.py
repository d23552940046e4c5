"""Moderators' pages per source, and the JSON webhook sources push posts to."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
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
    return render(
        request,
        "sources/detail.html",
        {"source": source, "counts": services.source_counts(source), "failures": failures},
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


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if hmac.compare_digest(scheme.lower(), "bearer") else ""


@csrf_exempt
@require_POST
def webhook_ingest(request: HttpRequest) -> HttpResponse:
    """``POST {"items": [...]}`` with ``Authorization: Bearer <token>`` of one source.

    The answer says what became of every item (``items``: ``stored``, ``duplicate``,
    ``conflict`` - same id, different text - or ``failed``, with a reason) and how many
    stored posts were queued for extraction (``queued``; ``waiting`` of them not yet
    handed to the broker, which the outbox does once it answers). 201 when every item
    was stored or was there already; 400 when some failed or conflicted (the others are
    stored all the same) or the body is not the format; 401 on a missing or unknown
    token; 413 when the body is over ``SOURCES_WEBHOOK_MAX_BYTES``; 503 when the database
    stopped answering, with what was stored before (resend: stored items answer
    ``duplicate``).
    """
    source = services.source_by_webhook_token(_bearer(request))
    if source is None:
        return JsonResponse({"error": "invalid token"}, status=401)
    limit = settings.SOURCES_WEBHOOK_MAX_BYTES
    declared = request.headers.get("Content-Length", "0")
    if not declared.isdigit() or int(declared) > limit:
        return JsonResponse({"error": f"body larger than {limit} bytes"}, status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return JsonResponse({"error": f"body larger than {limit} bytes"}, status=413)
    try:
        result = services.source_ingest(source=source, data=body, results="all")
    except adapters.SourceFormatError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except services.IngestInterrupted as exc:
        return _ingest_answer(exc.result, status=503)
    problems = result.stats.interrupted or result.bad
    return _ingest_answer(result, status=400 if problems else 201)


def _ingest_answer(result: services.StoreResult, *, status: int) -> JsonResponse:
    errors = [
        {"index": r.index, "external_id": r.external_id, "result": r.result, "error": r.reason}
        for r in result.bad
    ]
    payload = {
        **result.stats.as_dict(),
        "items": [r.as_dict() for r in result.items],
        "errors": errors,
    }
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
