"""Caching rules every response follows, whichever view made it."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.utils.cache import patch_cache_control, patch_vary_headers

from core.tasks import DATABASE_ERRORS


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

    Listed last in ``MIDDLEWARE``: it sees the response first, once DRF has set
    ``request.user`` from a token, and before the messages middleware stores what was
    not shown.
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
