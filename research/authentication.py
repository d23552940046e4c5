"""How API callers authenticate: a researcher's token (``research.services.api_token_issue``).

Its own module, importing no DRF view: DRF reads DEFAULT_AUTHENTICATION_CLASSES when
its views are first imported.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from core import access


class ResearcherTokenAuthentication(TokenAuthentication):
    """django-rest-knox's hashed, expiring tokens, and only while the user is still a
    researcher (or a moderator): a token of someone who left the group is revoked on
    sight and refused, whatever else changed their roles (the admin, a script)."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if not access.is_researcher(user):
            from .services import api_token_revoke

            api_token_revoke(user=user, reason="role")
            raise AuthenticationFailed("Token revoked: its user is no researcher any more.")
        return user, token


class ResearcherTokenScheme(OpenApiAuthenticationExtension):
    target_class = "research.authentication.ResearcherTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <token>`: issued once on the researcher's profile page, stored only "
                "as a hash, valid for API_TOKEN_DAYS (90) days and only while its user is a "
                "researcher."
            ),
        }
