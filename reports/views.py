"""The public report form and receipt; the moderators' queue and report pages.

Each view: decorators → access check → form → one service call → redirect.
"""

from __future__ import annotations

import mimetypes
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conscripts import selectors as conscript_selectors
from conscripts import services as conscript_services
from conscripts.forms import ConscriptsMergeForm
from conscripts.models import Conscript
from core import access, ratelimit
from core.models import AuditEntry
from core.request_limits import request_limit

from . import selectors, services, watches
from .forms import (
    FIELD_LABELS,
    BulkRejectForm,
    CorrectionForm,
    DeclineForm,
    DuplicateForm,
    EvidenceChoiceForm,
    HideForm,
    HitConfirmForm,
    InfoRequestForm,
    MergeForm,
    QueueFilterForm,
    ReasonForm,
    ReplyForm,
    ReportForm,
    RequestForm,
)
from .models import Report, WatchHit

QUEUE_PAGE_SIZE = 50
RATE_SCOPE = "report-submit"


# --- access (core.access: one policy) ---------------------------------------------------
moderator_required = access.moderator_required
not_stored = access.private_response


def private_page(view):
    """A page whose address is its key (the receipt): never sent as a referrer to
    another site. ``same-origin``, not ``no-referrer``: with that, Chromium sends
    ``Origin: null`` on the page's own POST forms (the answer box), which CSRF checks
    refuse; our own site knows the address already."""

    @wraps(view)
    @not_stored
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _error_message(request, error: Exception) -> None:
    if isinstance(error, ValidationError):
        text = " ".join(error.messages)
    elif isinstance(error, services.ReportClaimedError):
        text = _("Another moderator is reviewing this report.")
    elif isinstance(error, services.ReportStateError):
        text = _("This cannot be done any more: %(why)s") % {"why": error}
    else:
        text = str(error)
    messages.error(request, text)


ACTION_ERRORS = (services.ReportError, conscript_services.ConscriptError, ValidationError)


# --- public -----------------------------------------------------------------------------
def _report_submit(request, form: ReportForm) -> Report:
    return services.report_submit(
        **form.submission(),
        ip=ratelimit.client_ip(request) or None,
        submitter_language=(get_language() or "ru")[:2],
    )


def _about(request) -> Conscript | None:
    """The public record «I know something about this person» was clicked on."""
    pk = request.GET.get("about", "")
    if not pk.isdigit():
        return None
    return Conscript.objects.public().select_related("unit").filter(pk=int(pk)).first()


def _count_refused_post(request) -> None:
    """A post refused before it was read (its body over the cap) still counts."""
    ratelimit.hit(
        scope=RATE_SCOPE, ident=ratelimit.client_ip(request), rate=ratelimit.report_rate()
    )


@require_http_methods(["GET", "POST"])
@request_limit(on_too_large=_count_refused_post)
def report_new(request):
    rate = ratelimit.report_rate()
    ident = ratelimit.client_ip(request)
    if request.method != "POST":
        about = _about(request)
        form = ReportForm(initial=ReportForm.initial_about(about) if about else None)
        return render(request, "reports/new.html", {"form": form, "about": about})
    form = ReportForm(request.POST, request.FILES)
    # A second post of the same form (a double click, a resubmitted page) gets the
    # first one's receipt, and is not counted against the limit.
    done = selectors.report_for_submission_key(key=form.posted_key())
    if done is not None:
        return redirect("reports:receipt", token=done.receipt_token)
    # Every other post counts, valid or not: invalid posts (a 6 MB «photo», junk) cost
    # the server as much as good ones. What was typed is kept on the 429 page.
    if not ratelimit.hit(scope=RATE_SCOPE, ident=ident, rate=rate):
        return render(request, "reports/new.html", {"form": form, "limited": True}, status=429)
    if form.is_valid():
        try:
            report = _report_submit(request, form)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reports:receipt", token=report.receipt_token)
    return render(request, "reports/new.html", {"form": form}, status=400)


def _receipt_page(request, report: Report, *, reply_form=None, status: int = 200):
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = get_language()
    with translation.override(language):
        response = render(
            request,
            "reports/receipt.html",
            {
                "report": report,
                "reply_form": reply_form or ReplyForm(),
                "replies": list(report.replies.all()),
            },
            status=status,
        )
    response["Content-Language"] = language
    return response


@require_GET
@private_page
def receipt(request, token: str):
    report = get_object_or_404(Report.objects.select_related("home_region"), receipt_token=token)
    return _receipt_page(request, report)


@require_POST
@private_page
def receipt_reply(request, token: str):
    """The answer box on the receipt page, while more information is requested."""
    report = get_object_or_404(Report.objects.select_related("home_region"), receipt_token=token)
    form = ReplyForm(request.POST)
    ident = ratelimit.client_ip(request)
    if not ratelimit.hit(scope=RATE_SCOPE, ident=ident, rate=ratelimit.report_rate()):
        messages.error(request, _("Too many messages from your connection. Try again later."))
        return _receipt_page(request, report, reply_form=form, status=429)
    if not form.is_valid():
        return _receipt_page(request, report, reply_form=form, status=400)
    try:
        services.report_reply(report=report, text=form.cleaned_data["text"])
    except ACTION_ERRORS as error:
        form.add_error(None, str(error) if not isinstance(error, ValidationError) else error)
        return _receipt_page(request, report, reply_form=form, status=409)
    messages.success(
        request, _("Thank you. Your answer was added to the report, and moderators will review it.")
    )
    return redirect("reports:receipt", token=report.receipt_token)


@require_http_methods(["GET", "POST"])
def request_new(request, pk: int):
    """«This is wrong / remove this» on a case page: a request in the queue."""
    conscript, merged = conscript_selectors.public_conscript_or_successor_get(pk=pk)
    if merged:
        return redirect("reports:request", pk=conscript.pk)
    if request.method != "POST":
        return render(request, "reports/request.html", {"form": RequestForm(), "case": conscript})
    form = RequestForm(request.POST)
    rate = ratelimit.report_rate()
    ident = ratelimit.client_ip(request)
    if not form.is_valid():
        return render(
            request, "reports/request.html", {"form": form, "case": conscript}, status=400
        )
    if not ratelimit.hit(scope=RATE_SCOPE, ident=ident, rate=rate):
        return render(
            request,
            "reports/request.html",
            {"form": form, "case": conscript, "limited": True},
            status=429,
        )
    if form.is_robot:  # answered as if all went well; nothing is stored
        return render(request, "reports/request.html", {"form": RequestForm(), "case": conscript})
    data = form.cleaned_data
    report = services.report_submit(
        kind=data["kind"],
        about=conscript,
        surname=conscript.surname,
        given_name=conscript.given_name,
        patronymic=conscript.patronymic,
        birth_date=conscript.birth_date,
        birth_year=conscript.birth_year,
        details=form.details_text(),
        submitter_name=data["submitter_name"],
        submitter_contact=data["submitter_contact"],
        consent=data["consent"],
        ip=ident or None,
        submitter_language=(get_language() or "ru")[:2],
    )
    return redirect("reports:receipt", token=report.receipt_token)


# --- moderators: lists --------------------------------------------------------------------
class QueuePaginator(Paginator):
    """Django's, with a page's reports read by ``selectors.queue_slice``."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(selectors.queue_slice(self.object_list, bottom, top), number, self)


@require_GET
@moderator_required
def queue(request):
    form = QueueFilterForm(request.GET or None)
    reports = Report.objects.none()
    if not form.is_bound:
        reports = selectors.review_queue()
    elif form.is_valid():
        reports = form.narrow(
            selectors.review_queue(**form.selector_kwargs(request.user)), request.user
        )
    page = QueuePaginator(reports, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "reports/queue.html",
        {
            "form": form,
            "page": page,
            "with_leads": selectors.reports_with_open_leads(
                report_ids=[r.pk for r in page.object_list]
            ),
            "open_leads": selectors.open_leads_count(),
            "query_string": params.urlencode(),
            "bulk_form": BulkRejectForm(),
            "merge_people_form": ConscriptsMergeForm(),
            "disputed_count": conscript_selectors.disputed_count(),
        },
    )


@require_POST
@moderator_required
def bulk_reject(request):
    form = BulkRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose reports and give a reason."))
        return redirect("reports:queue")
    try:
        rejected = services.reports_bulk_reject(
            reports=form.cleaned_data["reports"],
            moderator=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ACTION_ERRORS as error:
        _error_message(request, error)
    else:
        messages.success(request, _("%(n)s reports rejected.") % {"n": len(rejected)})
    return redirect("reports:queue")


# --- moderators: one report ---------------------------------------------------------------
def _report_get(pk: int) -> Report:
    return get_object_or_404(
        Report.objects.select_related(
            "home_region",
            "claimed_by",
            "decided_by",
            "conscript",
            "duplicate_of",
            "about__home_region",
            "about__unit",
        ),
        pk=pk,
    )


def _detail_context(request, report: Report, **extra) -> dict:
    return {
        "report": report,
        "claimed_by_me": report.claimed_by_id == request.user.pk and report.claim_is_active(),
        "candidates": [
            (
                candidate,
                [FIELD_LABELS.get(name, name) for name in candidate.agree],
                [(FIELD_LABELS.get(name, name), pair) for name, pair in candidate.differ.items()],
            )
            for candidate in (selectors.report_candidates(report=report) if report.is_open else [])
        ],
        "audit": AuditEntry.objects.filter(report_id=report.pk)
        .select_related("actor")
        .order_by("at", "pk"),
        "reject_form": ReasonForm(),
        "duplicate_form": DuplicateForm(),
        "info_form": InfoRequestForm(),
        "merge_form": MergeForm(),
        "evidence_form": (
            EvidenceChoiceForm(report=report) if report.is_open and not report.is_request else None
        ),
        "merge_people_form": ConscriptsMergeForm(),
        "replies": list(report.replies.all()),
        "leads": selectors.report_leads(report=report),
        "hit_form": HitConfirmForm(),
        **_request_forms(report),
        **extra,
    }


def _request_forms(report: Report) -> dict:
    """A correction or removal request: the record it is about and the three decisions."""
    if not report.is_request or report.about is None:
        return {}
    return {
        "correction_form": CorrectionForm.for_record(report.about),
        "hide_form": HideForm(),
        "decline_form": DeclineForm(),
    }


@require_GET
@moderator_required
@not_stored
def report_detail(request, pk: int):
    report = _report_get(pk)
    return render(request, "reports/detail.html", _detail_context(request, report))


@require_GET
@moderator_required
@not_stored
def report_photo(request, pk: int):
    report = _report_get(pk)
    if not report.photo:
        raise Http404
    content_type = mimetypes.guess_type(report.photo.name)[0] or "application/octet-stream"
    response = FileResponse(report.photo.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _action(service_call, success_message: str):
    """A POST that makes one service call on a report, then goes back to its page."""

    @require_POST
    @moderator_required
    def view(request, pk: int):
        report = _report_get(pk)
        try:
            service_call(request, report)
        except ACTION_ERRORS as error:
            _error_message(request, error)
        else:
            messages.success(request, success_message)
        return redirect("reports:detail", pk=report.pk)

    return view


def _valid(form_class, request):
    form = form_class(request.POST)
    if not form.is_valid():
        raise ValidationError([m for ms in form.errors.values() for m in ms])
    return form.cleaned_data


report_claim = _action(
    lambda request, report: services.report_claim(report=report, moderator=request.user),
    gettext_lazy("You are reviewing this report now."),
)
report_release = _action(
    lambda request, report: services.report_release(report=report, moderator=request.user),
    gettext_lazy("Report released; another moderator can take it."),
)


def _evidence_choice(request, report: Report) -> services.EvidenceChoice | None:
    """The moderator's account of the evidence, or None to take the report's own (a
    post with no evidence fields, as scripts send). Invalid: ``ValidationError``."""
    if not any(key.startswith(f"{EvidenceChoiceForm.prefix}-") for key in request.POST):
        return None
    form = EvidenceChoiceForm(request.POST, report=report)
    if not form.is_valid():
        raise ValidationError(
            [f"{form.fields[name].label}: {m}" for name, ms in form.errors.items() for m in ms]
        )
    return form.choice()


report_approve = _action(
    lambda request, report: services.report_approve_new(
        report=report, moderator=request.user, evidence=_evidence_choice(request, report)
    ),
    gettext_lazy("Report approved: a new person record was created."),
)
report_reject = _action(
    lambda request, report: services.report_reject(
        report=report, moderator=request.user, reason=_valid(ReasonForm, request)["reason"]
    ),
    gettext_lazy("Report rejected."),
)
report_duplicate = _action(
    lambda request, report: services.report_mark_duplicate(
        report=report, of=_valid(DuplicateForm, request)["of"], moderator=request.user
    ),
    gettext_lazy("Report marked as a duplicate."),
)
report_request_info = _action(
    lambda request, report: services.report_request_info(
        report=report, moderator=request.user, message=_valid(InfoRequestForm, request)["message"]
    ),
    gettext_lazy("The submitter is asked for more information."),
)


@require_POST
@moderator_required
def report_merge(request, pk: int):
    report = _report_get(pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person record to merge into."))
        return redirect("reports:detail", pk=report.pk)
    conscript = Conscript.objects.filter(pk=form.cleaned_data["conscript"]).first()
    if conscript is None:
        messages.error(request, _("There is no person record with this number."))
        return redirect("reports:detail", pk=report.pk)
    try:
        evidence = _evidence_choice(request, report)
        if not form.cleaned_data["resolved"]:
            plan = services.report_merge_plan(report=report, conscript=conscript)
            if plan.conflicts:
                conflict_form = MergeForm(
                    initial={"conscript": conscript.pk, "resolved": True},
                    conflicts=plan.conflicts,
                )
                return render(
                    request,
                    "reports/merge_conflicts.html",
                    {
                        "report": report,
                        "conscript": conscript,
                        "form": conflict_form,
                        # The moderator's evidence choice rides along to the second step.
                        "evidence_fields": [
                            (key, value)
                            for key in request.POST
                            if key.startswith(f"{EvidenceChoiceForm.prefix}-")
                            for value in request.POST.getlist(key)
                        ],
                    },
                )
        result = services.report_merge(
            report=report,
            conscript=conscript,
            moderator=request.user,
            field_choices=form.field_choices(),
            evidence=evidence,
        )
    except ACTION_ERRORS as error:
        _error_message(request, error)
        return redirect("reports:detail", pk=report.pk)
    messages.success(
        request,
        _("Report merged into %(name)s (#%(pk)s).")
        % {"name": result.conscript.full_name, "pk": result.conscript.pk},
    )
    return redirect("reports:detail", pk=report.pk)


# --- moderators: correction and removal requests ----------------------------------------
def _correct(request, report: Report) -> None:
    if report.about is None:
        raise ValidationError(_("This request names no record."))
    form = CorrectionForm.for_record(report.about, data=request.POST)
    if not form.is_valid():
        raise ValidationError(
            [f"{form.fields[name].label}: {m}" for name, ms in form.errors.items() for m in ms]
        )
    services.report_correct(
        report=report,
        moderator=request.user,
        changes=form.changes(report.about),
        note=form.cleaned_data.get("note", ""),
    )


report_correct = _action(_correct, gettext_lazy("The record was corrected; the requester is told."))


def _hide(request, report: Report) -> None:
    data = _valid(HideForm, request)
    services.report_hide(
        report=report, moderator=request.user, reason=data["reason"], note=data["note"]
    )


report_hide = _action(
    _hide, gettext_lazy("The record is hidden from the public; the requester is told.")
)
report_decline = _action(
    lambda request, report: services.report_decline(
        report=report, moderator=request.user, reason=_valid(DeclineForm, request)["reason"]
    ),
    gettext_lazy("Request declined; the requester is told why."),
)


# --- moderators: leads from relatives' watches ---------------------------------------------
LEADS_PAGE_SIZE = 50


@require_GET
@moderator_required
@not_stored
def leads(request):
    """Open leads: new reports or records that fit a relative's watch."""
    page = Paginator(selectors.open_leads(), LEADS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/leads.html", {"page": page, "hit_form": HitConfirmForm()})


def _hit_action(decide, success_message):
    @require_POST
    @moderator_required
    def view(request, pk: int):
        hit = get_object_or_404(WatchHit.objects.select_related("report"), pk=pk)
        try:
            decide(request, hit)
        except (watches.WatchHitError, ValidationError) as error:
            _error_message(request, error)
        else:
            messages.success(request, success_message)
        back = request.POST.get("back", "")
        if back == "leads" or hit.report_id is None:
            return redirect("reports:leads")
        return redirect("reports:detail", pk=hit.report_id)

    return view


hit_confirm = _hit_action(
    lambda request, hit: watches.watch_hit_confirm(
        hit=hit, moderator=request.user, message=_valid(HitConfirmForm, request)["message"]
    ),
    gettext_lazy("Lead confirmed: the relative will get one e-mail."),
)
hit_dismiss = _hit_action(
    lambda request, hit: watches.watch_hit_dismiss(hit=hit, moderator=request.user),
    gettext_lazy("Lead dismissed: the relative hears nothing."),
)
