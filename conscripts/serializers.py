"""Plain dicts of search results: the one public shape shared by API and command."""

from __future__ import annotations

from .models import Conscript
from .search import Match


def match_as_dict(match: Match) -> dict:
    """Public fields of a matched person, their score and whether they are a match
    (``"match"``) or only a similar name (``"similar"``, ``conscripts.search.match_kind``).
    Nothing private."""
    person = match.conscript
    return {
        "id": person.pk,
        "surname": person.surname,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "birth_year": person.birth_year,
        "score": round(match.score, 4),
        "match": match.kind,
    }


def match_as_api_dict(match: Match, *, url: str) -> dict:
    return {
        **match_as_dict(match),
        **_public_api_fields(match.conscript),
        "matched": match.reasons,
        "url": url,
    }


def person_as_api_dict(person: Conscript, *, url: str) -> dict:
    """A person listed by filters alone: no name was searched, so no score or match."""
    return {
        "id": person.pk,
        "surname": person.surname,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "birth_year": person.birth_year,
        "score": None,
        "match": None,
        **_public_api_fields(person),
        "matched": {},
        "url": url,
    }


def _public_api_fields(person: Conscript) -> dict:
    return {
        "status": person.status,
        "status_since": person.status_since.isoformat() if person.status_since else None,
        "region": person.home_region.name_ru if person.home_region_id else None,
        "unit_number": person.unit.number if person.unit_id else None,
    }
