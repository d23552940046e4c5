"""The JSON webhook monitoring feeds push posts to: ``POST /api/v1/ingest/``.

A DRF view, so that it is in the API's OpenAPI schema and answers errors in the API's
one shape (``{"detail": "…"}``; the ``Error`` schema component).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed, Throttled
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.throttles import IngestThrottle, count_refused_caller

from . import adapters, services
from .models import Source

ERROR = {"$ref": "#/components/schemas/Error"}


class SourceTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` of one enabled webhook source (only a hash of
    the token is stored). The request's ``auth`` is that ``Source``; there is no user."""

    def authenticate(self, request):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        source = (
            services.source_by_webhook_token(token.strip()) if scheme.lower() == "bearer" else None
        )
        if source is None:
            # Guessed tokens count against the address's anonymous rate.
            if not count_refused_caller(request):
                raise Throttled()
            raise AuthenticationFailed("invalid token")
        return AnonymousUser(), source

    def authenticate_header(self, request) -> str:
        # Makes a refusal a 401 with this challenge, not a 403.
        return 'Bearer realm="ingest"'


class SourceTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the webhook's authentication."""

    target_class = SourceTokenAuthentication
    name = "sourceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The token of one webhook source (moderators rotate it).",
        }


class IsWebhookSource(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Source)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


_BATCH = inline_serializer(
    "IngestBatch",
    {
        "items": inline_serializer(
            "IngestItem",
            {
                "external_id": serializers.CharField(help_text="Unique within the source."),
                "text": serializers.CharField(),
                "published_at": serializers.DateTimeField(required=False),
                "url": serializers.URLField(required=False),
                "author": serializers.CharField(required=False),
            },
            many=True,
        )
    },
)
_RESULT = inline_serializer(
    "IngestResult",
    {
        "detail": serializers.CharField(
            required=False, help_text="Present when some items were not stored."
        ),
        "read": serializers.IntegerField(),
        "new": serializers.IntegerField(),
        "duplicate": serializers.IntegerField(),
        "failed": serializers.IntegerField(),
        "reports_created": serializers.IntegerField(),
        "not_modified": serializers.BooleanField(),
        "queued": serializers.IntegerField(help_text="Stored posts queued for extraction."),
        "waiting": serializers.IntegerField(
            help_text="Of those, not yet handed to the broker (the outbox sends them)."
        ),
        "items": inline_serializer(
            "IngestItemResult",
            {
                "index": serializers.IntegerField(),
                "external_id": serializers.CharField(allow_null=True),
                "result": serializers.ChoiceField(
                    ["stored", "duplicate", "conflict", "failed"],
                    help_text="conflict: the id was already used by a different text.",
                ),
                "reason": serializers.CharField(required=False),
            },
            many=True,
        ),
        "errors": inline_serializer(
            "IngestItemError",
            {
                "index": serializers.IntegerField(),
                "external_id": serializers.CharField(allow_null=True),
                "result": serializers.CharField(),
                "error": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class WebhookIngestView(APIView):
    """Store a batch of posts from one monitoring feed; extraction follows in the
    background. The answer says what became of every item (``items``: ``stored``,
    ``duplicate``, ``conflict`` — same id, different text — or ``failed``, with a
    reason) and how many stored posts were queued (``queued``; ``waiting`` of them not
    yet handed to the broker, which the outbox does once it answers)."""

    authentication_classes = [SourceTokenAuthentication]
    permission_classes = [IsWebhookSource]
    parser_classes = [JSONParser]  # for the schema: the body is read raw, below
    renderer_classes = [JSONRenderer]
    throttle_classes = [IngestThrottle]  # per source: API_INGEST_RATE
    # core.request_limits: the body cap, checked before anything reads the body.
    max_request_bytes = staticmethod(lambda: settings.SOURCES_WEBHOOK_MAX_BYTES)

    @extend_schema(
        operation_id="ingest_create",
        request=_BATCH,
        responses={
            201: OpenApiResponse(_RESULT, description="Every item was stored."),
            400: OpenApiResponse(
                {"anyOf": [{"$ref": "#/components/schemas/IngestResult"}, ERROR]},
                description="Some items were not stored (the others were; ``errors`` says "
                'which and why), or the body is not ``{"items": [...]}``.',
            ),
            401: OpenApiResponse(ERROR, description="A missing or unknown token."),
            413: OpenApiResponse(
                ERROR, description="A body over SOURCES_WEBHOOK_MAX_BYTES (32 MB by default)."
            ),
            429: OpenApiResponse(
                ERROR, description="Over API_INGEST_RATE for this source (Retry-After says when)."
            ),
            503: OpenApiResponse(
                _RESULT,
                description="The database stopped answering; the body says what was stored "
                "before (a resend answers ``duplicate`` for those).",
            ),
        },
    )
    def post(self, request):
        limit = settings.SOURCES_WEBHOOK_MAX_BYTES
        declared = request.headers.get("Content-Length", "0")
        if not declared.isdigit() or int(declared) > limit:
            raise PayloadTooLarge(f"body larger than {limit} bytes")
        body = request.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(f"body larger than {limit} bytes")
        try:
            result = services.source_ingest(source=request.auth, data=body, results="all")
        except adapters.SourceFormatError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except services.IngestInterrupted as exc:
            payload = _answer(exc.result)
            payload["detail"] = "The database stopped answering; what was stored is listed."
            return Response(payload, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        payload = _answer(result)
        if result.stats.interrupted or result.bad:
            payload = {"detail": "Some items were not stored; see errors.", **payload}
            return Response(payload, status=status.HTTP_400_BAD_REQUEST)
        return Response(payload, status=status.HTTP_201_CREATED)


def _answer(result: services.StoreResult) -> dict:
    errors = [
        {"index": r.index, "external_id": r.external_id, "result": r.result, "error": r.reason}
        for r in result.bad
    ]
    return {
        **result.stats.as_dict(),
        "items": [r.as_dict() for r in result.items],
        "errors": errors,
    }
