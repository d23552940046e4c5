"""Roles and the one access policy every view and service follows.

Relatives need no account. Staff belong to a group:

- ``moderators`` review reports, decide, see personal data and hidden records;
- ``researchers`` browse, count and export public case data (moderators may too).

The policy, the same everywhere:

1. A page for a role, asked for anonymously: to the login page.
2. Asked for by someone signed in without the role: 403, in the site's design.
3. An object the caller may not see (a hidden record, another researcher's export,
   a report's photo…): 404, whoever asks, so its existence is not confirmed.

Services check the role again (``role_require``): a view is not the only way in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

MODERATORS = "moderators"
RESEARCHERS = "researchers"
ROLES = (MODERATORS, RESEARCHERS)

# Which groups hold a role (moderators may do what researchers do).
_GROUPS = {MODERATORS: (MODERATORS,), RESEARCHERS: (MODERATORS, RESEARCHERS)}


def has_role(user, role: str) -> bool:
    """Whether ``user`` holds ``role``; superusers hold every role. Asked afresh each
    time: a role taken away counts at once."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.groups.filter(name__in=_GROUPS[role]).exists())


def is_moderator(user) -> bool:
    return has_role(user, MODERATORS)


def is_researcher(user) -> bool:
    """Researchers and moderators may browse and export public case data."""
    return has_role(user, RESEARCHERS)


def needs_second_factor(user) -> bool:
    """Moderators and admins (staff, superusers) sign in with a TOTP code as well as
    their password (``core.second_factor``); researchers with their password alone."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or is_moderator(user))


def second_factor_missing(user) -> bool:
    """A signed-in session that still owes its TOTP code. Only a request's user can say
    (django-otp's middleware gives it ``is_verified``); services called directly are
    not a way in from outside."""
    verified = getattr(user, "is_verified", None)
    return verified is not None and not verified() and needs_second_factor(user)


def role_require(user, role: str) -> None:
    """For services: raise ``PermissionDenied`` unless ``user`` holds ``role``."""
    if not has_role(user, role):
        raise PermissionDenied(f"Only {role} may do this.")


def role_required(role: str) -> Callable:
    """View decorator: rules 1 and 2 of the policy."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


moderator_required = role_required(MODERATORS)
researcher_required = role_required(RESEARCHERS)


def private_response(view):
    """Personal or role-dependent data: kept out of shared caches, the browser's
    history cache and search indexes."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper
