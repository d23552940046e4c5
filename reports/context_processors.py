from django.utils.functional import SimpleLazyObject

from conscripts import roles


def moderation(request):
    """``user_is_moderator`` for the navigation; asked only when a template uses it."""
    user = getattr(request, "user", None)
    return {
        "user_is_moderator": SimpleLazyObject(
            lambda: bool(user is not None and roles.is_moderator(user))
        )
    }
