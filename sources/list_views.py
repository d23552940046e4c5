"""Paste a list of names (researchers and moderators), see each line's matches, download
them; moderators turn confirmed lines into evidence (sources.lists)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conscripts.models import Conscript, EvidenceKind, Status
from core import access

from . import lists
from .forms import ListEvidenceForm, PasteForm

not_stored = access.private_response


def _get(request, pk: int):
    pasted = lists.pasted_list_get(pk=pk, user=request.user)
    if pasted is None:
        raise Http404
    return pasted


@require_http_methods(["GET", "POST"])
@access.researcher_required
@not_stored
def list_paste(request):
    form = PasteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pasted = lists.pasted_list_create(text=form.cleaned_data["text"], user=request.user)
        except ValidationError as error:
            form.add_error("text", error)
        else:
            return redirect("sources:list-detail", pk=pasted.pk)
    return render(
        request,
        "sources/list_paste.html",
        {"form": form, "pasted_lists": lists.pasted_lists_of(request.user)},
        status=400 if form.errors else 200,
    )


def _lines(pasted) -> list[tuple[int, dict]]:
    statuses = dict(Status.choices)
    rows = []
    for index, line in enumerate(pasted.lines):
        if line.get("skip"):
            continue
        candidates = [
            {**c, "status_label": statuses.get(c["status"], c["status"])}
            for c in line.get("candidates") or []
        ]
        rows.append(
            (
                index,
                {
                    **line,
                    "candidates": candidates,
                    "confidence_label": lists.CONFIDENCE_LABELS.get(line.get("confidence"), ""),
                },
            )
        )
    return rows


@require_GET
@access.researcher_required
@not_stored
def list_detail(request, pk: int):
    pasted = _get(request, pk)
    is_moderator = access.is_moderator(request.user)
    lines = _lines(pasted)
    return render(
        request,
        "sources/list_detail.html",
        {
            "pasted": pasted,
            "lines": lines,
            "found": sum(1 for _i, line in lines if line["candidates"]),
            "evidence_form": ListEvidenceForm() if is_moderator else None,
            "can_confirm": is_moderator and pasted.state == "done",
        },
    )


@require_GET
@access.researcher_required
@not_stored
def list_status(request, pk: int):
    pasted = _get(request, pk)
    return JsonResponse({"state": pasted.state, "progress": pasted.progress})


@require_GET
@access.researcher_required
@not_stored
def list_csv(request, pk: int):
    pasted = _get(request, pk)
    response = HttpResponse(lists.pasted_list_csv(pasted), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="matches-{pasted.pk}.csv"'
    return response


def _picks(post) -> list[tuple[int, int]]:
    picks = []
    for value in post.getlist("line"):
        try:
            index = int(value)
            picks.append((index, int(post.get(f"pick_{index}", ""))))
        except ValueError:
            continue
    return picks


@require_POST
@access.moderator_required
@not_stored
def list_confirm(request, pk: int):
    """Step 1 (``action=review``): every chosen line with the person it will be written
    to, for a last look. Step 2 (``action=write``): the evidence, in one service call."""
    pasted = _get(request, pk)
    form = ListEvidenceForm(request.POST)
    picks = _picks(request.POST)
    if not picks:
        messages.error(request, _("Tick the lines to confirm."))
        return redirect("sources:list-detail", pk=pasted.pk)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("sources:list-detail", pk=pasted.pk)
    try:
        chosen = lists.pasted_list_picks(pasted, picks)
        if request.POST.get("action") == "write":
            added = lists.pasted_list_confirm(
                pasted=pasted, moderator=request.user, picks=picks, evidence=form.evidence()
            )
            messages.success(
                request,
                _("Evidence added for %(n)s people; their statuses follow from it.")
                % {"n": len(added)},
            )
            return redirect("sources:list-detail", pk=pasted.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("sources:list-detail", pk=pasted.pk)
    people = Conscript.objects.in_bulk([c["id"] for _line, c in chosen])
    return render(
        request,
        "sources/list_confirm.html",
        {
            "pasted": pasted,
            "form": form,
            "evidence": form.evidence(),
            "kind_label": dict(EvidenceKind.choices)[form.cleaned_data["kind"]],
            "status_label": dict(Status.choices)[form.cleaned_data["claimed_status"]],
            "rows": [
                (index, line, candidate, people.get(candidate["id"]))
                for (index, _id), (line, candidate) in zip(picks, chosen, strict=True)
            ],
        },
    )
