"""The public pages of a relative's watch: register, confirm, see or stop.

Like following a case, a GET on a mailed link only shows a button (mail scanners open
links); the POST acts. The answer to the form is the same whatever the address's state.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core import ratelimit

from . import watches
from .forms import WatchForm
from .models import Watch

WATCH_RATE_SCOPE = "watch"


@require_http_methods(["GET", "POST"])
def watch_new(request):
    """«Tell me when he is reported»."""
    if request.method != "POST":
        form = WatchForm(initial=WatchForm.initial_from_query(request.GET.get("q", "")))
        return render(request, "reports/watch_new.html", {"form": form})
    form = WatchForm(request.POST)
    if not ratelimit.hit(
        scope=WATCH_RATE_SCOPE, ident=ratelimit.client_ip(request), rate=ratelimit.watch_rate()
    ):
        return render(
            request, "reports/watch_new.html", {"form": form, "limited": True}, status=429
        )
    if not form.is_valid():
        return render(request, "reports/watch_new.html", {"form": form}, status=400)
    if not form.is_robot:
        watches.watch_request(**form.watch_kwargs(), language=translation.get_language() or "ru")
    messages.success(
        request,
        _(
            "If the address is valid, we have sent it a link to confirm. Nothing is matched "
            "and nothing more is sent until the link is opened."
        ),
    )
    return redirect("watch:new")


def _token_page(request, *, watch: Watch | None, state: str, template: str):
    response = render(
        request,
        template,
        {
            "state": state,
            "watch": watch,
            "description": watches.watch_description(watch) if watch else "",
            "manage_token": watches.watch_token(watch, "manage") if watch else "",
        },
        status=400 if state == "invalid" else 200,
    )
    # The link is the key: kept out of Referer headers to other sites and out of indexes.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def watch_confirm(request, token: str):
    if request.method == "POST":
        watch, state = watches.watch_confirm(token=token), "done"
    else:
        watch, state = watches.watch_for_token(token=token, purpose="confirm"), "ask"
    if watch is None:
        state = "invalid"
    return _token_page(request, watch=watch, state=state, template="reports/watch_confirm.html")


@require_http_methods(["GET", "POST"])
@never_cache
def watch_manage(request, token: str):
    if request.method == "POST":
        watch, state = watches.watch_end(token=token), "ended"
    else:
        watch = watches.watch_for_token(token=token, purpose="manage")
        state = "ask"
    if watch is None:
        state = "invalid"
    return _token_page(request, watch=watch, state=state, template="reports/watch_manage.html")
