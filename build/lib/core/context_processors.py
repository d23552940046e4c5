from django.utils.functional import SimpleLazyObject

from . import access


def staff_roles(request):
    """``user_is_moderator`` and ``user_is_researcher`` for the navigation.

    Lazy: the group query runs only when a template asks.
    """
    user = getattr(request, "user", None)
    return {
        "user_is_moderator": SimpleLazyObject(
            lambda: bool(user is not None and access.is_moderator(user))
        ),
        "user_is_researcher": SimpleLazyObject(
            lambda: bool(user is not None and access.is_researcher(user))
        ),
    }
