"""One calendar: every day derived from a timestamp is the local day in
``settings.TIME_ZONE`` (Moscow), whatever the server's clock zone or the hour.

Between 21:00 and 24:00 UTC the UTC day is a day behind Moscow's: taking
``timestamp.date()`` there dated a claim a day early. Use these helpers instead.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def local_day(moment: datetime) -> date:
    """The calendar day ``moment`` falls on in ``settings.TIME_ZONE``.

    ``moment`` must be aware. Not the active time zone of a request: the site
    has one calendar.
    """
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def today() -> date:
    """Today in ``settings.TIME_ZONE``."""
    return local_day(timezone.now())
