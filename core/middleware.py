"""What every response goes through, whichever view made it: the second step of signing
in (``core.second_factor``) and the caching rules."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers

from core.tasks import DATABASE_ERRORS

from . import access


def _is_personal(request) -> bool:
    """Whether the response was made for one person: a signed-in user (by session or
    API token), an API token sent at all, or a flash message shown to this visitor."""
    if request.META.get("HTTP_AUTHORIZATION"):
        return True
    storage = getattr(request, "_messages", None)
    if storage is not None and storage.used and len(storage):
        return True
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    try:
        # The session too: a view that authenticates otherwise (the webhook's source
        # token) replaces ``request.user``, yet the page went to a signed-in browser.
        return bool(user is not None and user.is_authenticated) or bool(
            session is not None and session.get(SESSION_KEY)
        )
    except DATABASE_ERRORS:
        # The session could not be read (the database is down): assume the worst.
        return True


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in request.

    Every page shows what the visitor's role allows (the header's links, hidden records
    for moderators, a researcher's exports), so a response to anyone signed in must be
    kept by no shared cache, nor in the browser's history cache after logging out.
    Every response varies on ``Cookie`` (the session decides the role). Anonymous pages
    are left as their views made them, so public pages stay cacheable.

    Listed after the messages middleware, so that it sees the response before that
    stores what was not shown, and once DRF has set ``request.user`` from a token; and
    before the second step and django-axes, so that their answers get the header too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        if _is_personal(request):
            patch_cache_control(response, private=True, no_store=True)
            # A shared cache must not keep it under any name: no max-age for others.
            for directive in ("public", "s-maxage"):
                _drop_directive(response, directive)
        return response


def _drop_directive(response, name: str) -> None:
    header = response.get("Cache-Control", "")
    parts = [p.strip() for p in header.split(",") if p.strip()]
    kept = [p for p in parts if p.split("=", 1)[0].strip().lower() != name]
    if kept != parts:
        response["Cache-Control"] = ", ".join(kept)


#: Open to a session that still owes its code: the steps themselves, signing out,
#: choosing the language, and what is not a page.
_OPEN_NAMES = ("login", "logout", "second-factor", "second-factor-setup", "set_language")
_OPEN_PREFIXES = ("/static/", "/healthz")


class SecondFactorMiddleware:
    """A moderator's or admin's session is not signed in until its TOTP code is given:
    any page but the steps above sends it to the code (the admin, the queue, the
    researchers' pages and the API included), keeping where it was going."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def _is_open(self, path: str) -> bool:
        if self._open is None:
            self._open = tuple(reverse(n) for n in _OPEN_NAMES) + _OPEN_PREFIXES
        return path.startswith(self._open)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self._is_open(request.path)
            and access.second_factor_missing(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Give the code of your authenticator app first."}, status=403
                )
            target = reverse("second-factor")
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{target}?{query}")
        return self.get_response(request)
