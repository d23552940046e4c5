"""Dates as precise as what is known: «20 января 2025 г.», «январь 2025 г.», «2025»,
«около 20 января 2025 г.», and the «since …» of a status in both languages."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import partial_dates

register = template.Library()


def format_partial_date(value: date | None, precision: str = partial_dates.DAY) -> str:
    if value is None:
        return ""
    if precision == partial_dates.YEAR:
        return str(value.year)
    if precision == partial_dates.MONTH:
        return date_format(value, "YEAR_MONTH_FORMAT")
    text = date_format(value, "DATE_FORMAT")
    if precision == partial_dates.ABOUT:
        return _("around %(date)s") % {"date": text}
    return text


def format_since(value: date | None, precision: str = partial_dates.DAY) -> str:
    """«since 20 January 2025» / «с 20 января 2025 г.», «since January 2025» / «с января
    2025»; "" when the date is unknown."""
    if value is None:
        return ""
    if precision == partial_dates.YEAR:
        return _("since %(date)s") % {"date": value.year}
    if precision == partial_dates.MONTH:
        # "E" is the month as it reads after «с» (genitive) in Russian, the name in English.
        return _("since %(date)s") % {"date": date_format(value, "E Y")}
    text = date_format(value, "DATE_FORMAT")
    if precision == partial_dates.ABOUT:
        return _("since around %(date)s") % {"date": text}
    return _("since %(date)s") % {"date": text}


@register.simple_tag
def partial_date(value, precision=partial_dates.DAY) -> str:
    return format_partial_date(value, precision)


@register.simple_tag
def since_date(value, precision=partial_dates.DAY) -> str:
    return format_since(value, precision)
