"""The Permissions-Policy header: browser features the site never uses, turned off.

``PERMISSIONS_POLICY`` maps a feature to the origins allowed it; an empty list is
``feature=()``, off for the site and for anything it might frame.
"""

from __future__ import annotations

from django.conf import settings


def permissions_policy(policy: dict[str, list[str]]) -> str:
    parts = []
    for feature, origins in policy.items():
        allowed = " ".join("self" if o == "self" else f'"{o}"' for o in origins)
        parts.append(f"{feature}=({allowed})")
    return ", ".join(parts)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        header = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))
        if header:
            response.headers.setdefault("Permissions-Policy", header)
        return response
