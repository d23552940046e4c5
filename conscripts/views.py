from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import access, ratelimit
from core.forms import form_key_claim, form_key_used

from . import selectors, services
from .forms import ConscriptsMergeForm, EvidenceRetractForm, FollowForm, SearchForm
from .models import Conscript, Evidence, Follower, Status
from .search import browse, matches_load, search

PAGE_SIZE = 20
#: Listing without a name stops counting here ("more than 10,000").
COUNT_CAP = 10_000


@require_GET
def home(request):
    totals = [(s, Status(s).label, n) for s, n in selectors.status_totals().items()]
    return render(request, "conscripts/home.html", {"totals": totals, "form": SearchForm()})


class CappedPaginator(Paginator):
    """Counts up to ``COUNT_CAP + 1`` rows; ``capped`` says the true count is larger (an
    exact count of the 600,000 missing of a million people costs half a second)."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


@require_GET
def search_page(request):
    """Search by name (matches, then similar names), list by filters alone, or, with
    neither, say how to search."""
    form = SearchForm(request.GET or None)
    context: dict = {"form": form, "mode": "help"}
    if form.is_bound and form.is_valid():
        query = (form.cleaned_data["q"] or "").strip()
        filters = form.filters()
        result = search(query, filters=filters) if query else None
        if result is not None and result.interpretation and not result.interpretation.is_empty:
            page = Paginator(result.matches, PAGE_SIZE).get_page(request.GET.get("page"))
            matches_load(page.object_list)
            context.update(
                mode="search",
                result=result,
                page=page,
                match_count=sum(1 for m in result.matches if m.is_match),
                similar_count=sum(1 for m in result.matches if not m.is_match),
                page_matches=[m for m in page.object_list if m.is_match],
                page_similar=[m for m in page.object_list if not m.is_match],
            )
        elif not filters.is_empty:
            page = CappedPaginator(browse(filters), PAGE_SIZE).get_page(request.GET.get("page"))
            context.update(mode="browse", page=page, count_cap=COUNT_CAP)
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context["query_string"] = query_without_page.urlencode()
    return render(request, "conscripts/search.html", context)


@require_GET
def conscript_detail(request, pk: int):
    conscript, merged = selectors.public_conscript_or_successor_get(
        pk=pk, with_hidden=access.is_moderator(request.user)
    )
    if merged:  # an old link to a record merged into another
        return redirect(conscript, permanent=True)
    response = _case_page(request, conscript)
    if not conscript.is_public:  # a moderator's view of a hidden record: keep it nowhere
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _case_page(request, conscript: Conscript, *, follow_form=None, status: int = 200, **extra):
    moderator = access.is_moderator(request.user)
    return render(
        request,
        "conscripts/detail.html",
        {
            "conscript": conscript,
            "evidence": selectors.public_evidence_list(conscript=conscript),
            "timeline": selectors.status_timeline(conscript=conscript, with_retracted=moderator),
            "retracted_evidence": (
                selectors.retracted_evidence_list(conscript=conscript) if moderator else []
            ),
            "follow_form": follow_form or FollowForm(),
            **extra,
        },
        status=status,
    )


# --- Following a case ---------------------------------------------------------------------
FOLLOW_RATE_SCOPE = "follow"


@require_POST
def conscript_follow(request, pk: int):
    """The "Follow this case" form. Answers alike whatever the address's state."""
    # A merged record is followed through the record it was merged into.
    conscript, _merged = selectors.public_conscript_or_successor_get(pk=pk)
    form = FollowForm(request.POST)
    key = form.posted_key()
    if form_key_used(scope=FOLLOW_RATE_SCOPE, key=key):
        # The same form posted again (a double click): answered as the first one was,
        # without asking again or counting against the limit.
        return _follow_done(request, conscript)
    if not ratelimit.hit(
        scope=FOLLOW_RATE_SCOPE, ident=ratelimit.client_ip(request), rate=ratelimit.follow_rate()
    ):
        return _case_page(request, conscript, follow_form=form, follow_limited=True, status=429)
    if not form.is_valid():
        return _case_page(request, conscript, follow_form=form, status=400)
    # Claimed only once valid: a corrected address is posted with the same key. Two
    # posts at once: the database lets one of them through.
    if not form_key_claim(scope=FOLLOW_RATE_SCOPE, key=key):
        return _follow_done(request, conscript)
    if not form.is_robot:
        try:
            services.follow_request(
                conscript=conscript,
                email=form.cleaned_data["email"],
                language=translation.get_language() or "ru",
            )
        except services.FollowError:  # hidden meanwhile
            raise Http404 from None
    return _follow_done(request, conscript)


def _follow_done(request, conscript: Conscript):
    messages.success(
        request,
        _(
            "If the address is valid, we have sent it a link to confirm. E-mails about "
            "this case start only once the link is opened."
        ),
    )
    return redirect(f"{conscript.get_absolute_url()}#follow")


def _token_page(request, template: str, *, follower: Follower | None, state: str):
    """A page reached from a link in a follower's mail (the link is its key)."""
    case = None
    if follower is not None:
        record = follower.conscript
        if record.is_public and record.merged_into_id is None:
            case = record
        elif record.merged_into_id is not None:
            case = selectors.merged_successor_get(pk=record.pk)
    response = render(
        request,
        template,
        {"state": state, "case": case},
        status=400 if state == "invalid" else 200,
    )
    # Keep the link out of Referer headers to other sites (same-origin still sends
    # Origin, which the page's own CSRF-protected form needs), and out of indexes.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# A GET only shows a button: mail scanners open links, and must neither confirm an
# address nobody asked for nor unsubscribe a relative who wants the news.
def _token_link(request, *, token: str, purpose: str, act, template: str):
    """GET asks (the follower, or "invalid"); POST does ``act`` and says it is done."""
    if request.method == "POST":
        follower, state = act(token=token), "done"
    else:
        follower, state = services.follower_for_token(token=token, purpose=purpose), "ask"
    state = state if follower is not None else "invalid"
    return _token_page(request, template, follower=follower, state=state)


@require_http_methods(["GET", "POST"])
@never_cache
def follow_confirm(request, token: str):
    return _token_link(
        request,
        token=token,
        purpose="confirm",
        act=services.follow_confirm,
        template="conscripts/follow_confirm.html",
    )


@require_http_methods(["GET", "POST"])
@never_cache
def unfollow(request, token: str):
    return _token_link(
        request,
        token=token,
        purpose="unfollow",
        act=services.unfollow,
        template="conscripts/unfollow.html",
    )


# --- Moderators: merging records, retracting evidence ----------------------------------------
def _form_errors(form) -> str:
    return " ".join(m for ms in form.errors.values() for m in ms)


@require_POST
@access.moderator_required
def conscripts_merge(request):
    """Fold one record of a person into another; back to the page the form was on."""
    form = ConscriptsMergeForm(request.POST)
    back = request.POST.get("back") or ""
    safe = back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    )
    target = back if safe else "home"
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(target)
    keep = Conscript.objects.filter(pk=form.cleaned_data["keep"]).first()
    remove = Conscript.objects.filter(pk=form.cleaned_data["remove"]).first()
    if keep is None or remove is None:
        messages.error(request, _("There is no person record with this number."))
        return redirect(target)
    try:
        kept = services.conscripts_merge(keep=keep, remove=remove, moderator=request.user)
    except services.ConscriptError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Record #%(remove)s merged into #%(keep)s.") % {"remove": remove.pk, "keep": kept.pk},
        )
        if not safe:
            return redirect(kept)
    return redirect(target)


@require_POST
@access.moderator_required
def evidence_retract(request, pk: int):
    """Retract one item from the person's case page, then go back there."""
    evidence = get_object_or_404(Evidence.objects.only("pk", "conscript_id"), pk=pk)
    form = EvidenceRetractForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("conscripts:detail", pk=evidence.conscript_id)
    try:
        change = services.evidence_retract(
            evidence=evidence, moderator=request.user, reason=form.cleaned_data["reason"]
        )
    except services.EvidenceAlreadyRetracted:
        messages.error(request, _("This evidence was already retracted."))
    except (ValidationError, services.EvidenceRetractError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        if change is None:
            messages.success(request, _("Evidence retracted. The status did not change."))
        else:
            messages.success(
                request,
                _("Evidence retracted. The status is now: %(status)s.")
                % {"status": change.get_to_status_display()},
            )
    # Should a merge have moved the evidence meanwhile, the old page redirects onward.
    return redirect("conscripts:detail", pk=evidence.conscript_id)
