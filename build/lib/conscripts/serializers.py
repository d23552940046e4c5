"""Plain dicts of search results: the one public shape shared by API and command."""

from __future__ import annotations

from .search import Match


def match_as_dict(match: Match) -> dict:
    """Public fields of a matched person and their score. Nothing private."""
    person = match.conscript
    return {
        "id": person.pk,
        "surname": person.surname,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "birth_year": person.birth_year,
        "score": round(match.score, 4),
    }


def match_as_api_dict(match: Match, *, url: str) -> dict:
    person = match.conscript
    return {
        **match_as_dict(match),
        "status": person.status,
        "status_since": person.status_since.isoformat() if person.status_since else None,
        "region": person.home_region.name_ru if person.home_region_id else None,
        "unit_number": person.unit.number if person.unit_id else None,
        "matched": match.reasons,
        "url": url,
    }
