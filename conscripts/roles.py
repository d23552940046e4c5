"""Names of the staff groups. Relatives need no account; staff belong to one of these."""

MODERATORS = "moderators"
RESEARCHERS = "researchers"


def is_moderator(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.groups.filter(name=MODERATORS).exists())
    )


def is_researcher(user) -> bool:
    """Researchers and moderators may browse and export public case data."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.groups.filter(name__in=[MODERATORS, RESEARCHERS]).exists())
    )
