"""A cap on request bodies, checked before anything reads them.

Django's own limits (``DATA_UPLOAD_MAX_MEMORY_SIZE``) leave out uploaded files, which
are spooled to disk whatever their size: a 6 MB «photo» on the public report form
was read in full before the form refused it. ``RequestSizeMiddleware`` answers 413
from the declared ``Content-Length`` at once: ``REQUEST_MAX_BYTES`` for any view, or
what a view declares for itself with ``max_request_bytes`` (the webhook, list
uploads). A view may also name ``on_request_too_large(request)``, called before the
413 (the report form counts such posts against its rate limit).

It must come before ``CsrfViewMiddleware`` (whose ``process_view`` reads the form).
A body without a ``Content-Length`` (chunked) is not read by Django at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

REFUSED_STATUS = 413


def request_limit(*, max_bytes: Callable[[], int] | None = None, on_too_large=None):
    """Declare a view's own body cap (a callable, read per request) and what to do
    before a too-large body is refused."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return view(request, *args, **kwargs)

        if max_bytes is not None:
            wrapper.max_request_bytes = max_bytes
        if on_too_large is not None:
            wrapper.on_request_too_large = on_too_large
        return wrapper

    return decorate


def _declared(view_func, name: str):
    """An attribute of the view function, or of the class-based view behind it."""
    value = getattr(view_func, name, None)
    if value is None:
        value = getattr(getattr(view_func, "cls", None), name, None)
    return value


def view_limit(view_func) -> int:
    declared = _declared(view_func, "max_request_bytes")
    return int(declared()) if callable(declared) else settings.REQUEST_MAX_BYTES


def too_large_response(request, limit: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        # The API's error shape, and its words (the webhook's own check says the same).
        response = JsonResponse(
            {"detail": f"body larger than {limit} bytes"}, status=REFUSED_STATUS
        )
    else:
        message = _("The request is too large: at most %(size)s.") % {"size": filesizeformat(limit)}
        body = loader.render_to_string("413.html", {"message": message}, request=request)
        response = HttpResponse(body, status=REFUSED_STATUS)
    return response


class RequestSizeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        limit = view_limit(view_func)
        if 0 <= length <= limit:
            return None
        hook = _declared(view_func, "on_request_too_large")
        if hook is not None:
            hook(request)
        return too_large_response(request, limit)
