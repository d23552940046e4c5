"""The second step of signing in, enforced for every page (``core.second_factor``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from . import access

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
