"""Plain dicts of search results for ``manage.py search_conscripts`` (the API's search
endpoint has its DRF serializer, ``research.serializers.SearchResultSerializer``)."""

from __future__ import annotations

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
