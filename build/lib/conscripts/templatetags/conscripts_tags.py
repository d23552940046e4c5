"""Small pieces of markup used in long lists, written in Python: an ``{% include %}``
per row costs a template render each (50 rows a page, several lists a page)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    """``<span class="badge badge-captured">Captured</span>``; ``label`` is escaped."""
    return format_html('<span class="badge badge-{}">{}</span>', status, label)
