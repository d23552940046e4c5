"""Search the record from the command line, one query or a batch of them.

    manage.py search_conscripts "Иванов Иван 2005" [--limit N] [--json]
    manage.py search_conscripts --batch names.txt      # or --batch - for stdin

Batch mode reads one query per line and writes one JSON line per query:
{"q": "...", "results": [{"id", "surname", "given_name", "patronymic",
"birth_date", "birth_year", "score", "match"}, ...]}, where "match" is "match" or
"similar" (a similar name, not a match: conscripts.search.match_kind). The ranking
and the decision are the same as the search page's and the API's.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from conscripts.search import search
from conscripts.serializers import match_as_dict


class Command(BaseCommand):
    help = "Search people by name in any spelling, or by unit (see module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", help="free-text query")
        parser.add_argument("--limit", type=int, default=10, help="results per query (10)")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON, not a table"
        )
        parser.add_argument("--batch", metavar="FILE", help="one query per line; - for stdin")

    def handle(self, *args, query=None, limit=10, as_json=False, batch=None, **options):
        if (query is None) == (batch is None):
            raise CommandError("give either a QUERY or --batch FILE")
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        if batch is not None:
            self._batch(batch, limit)
            return
        matches = search(query, limit=limit).matches
        if as_json:
            self._write_json(query, matches)
            return
        if not matches:
            self.stdout.write("no match")
        for match in matches:
            person = match.conscript
            born = person.birth_date or person.birth_year or "?"
            self.stdout.write(
                f"{match.score:.3f} {match.kind:<7}  #{person.pk:<8} {person.full_name} "
                f"({born})  {person.get_status_display()}"
            )

    def _batch(self, path: str, limit: int) -> None:
        stream = sys.stdin if path == "-" else self._open(path)
        try:
            for line in stream:
                q = line.strip()
                if q:
                    self._write_json(q, search(q, limit=limit).matches)
        finally:
            if stream is not sys.stdin:
                stream.close()

    def _open(self, path: str):
        try:
            return open(path, encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc

    def _write_json(self, q: str, matches) -> None:
        payload = {"q": q, "results": [match_as_dict(m) for m in matches]}
        self.stdout.write(json.dumps(payload, ensure_ascii=False))
