"""Project-level views: the health report and the page served when the database is down."""

from __future__ import annotations

import logging
import sys

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health
from core.tasks import DATABASE_ERRORS

log = logging.getLogger(__name__)

#: Seconds a browser or client is told to wait before trying again.
RETRY_AFTER = 30


@require_GET
@never_cache
def healthz(request):
    """Each dependency as JSON: 200 while the database answers (``"status":
    "degraded"`` when something else does not), 503 when it does not."""
    report, database_up = health()
    return JsonResponse(report, status=200 if database_up else 503)


def _database_error(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from or while handling, is the
    database being unreachable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable(request) -> HttpResponse:
    """503 in the site's design, in the visitor's language, rendered without touching
    the database: no context processors (they read the session and the user). API
    clients get JSON."""
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": "database unavailable", "retry_after": RETRY_AFTER}, status=503
        )
    else:
        body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """``handler500``: a database that does not answer gets the 503 page; anything
    else Django's 500 (``500.html``)."""
    if _database_error(sys.exc_info()[1]):
        return database_unavailable(request)
    return defaults.server_error(request)
