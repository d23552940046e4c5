"""python manage.py extract_post FILE|-   or   --batch FILE.jsonl

Prints what ``sources.extraction.extract`` finds, in the shape of ``Extraction.to_json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sources.extraction import extract, load_models


class Command(BaseCommand):
    help = "Print the people, phones and video links extracted from a post (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a text file, or - for stdin")
        parser.add_argument(
            "--batch", metavar="FILE.jsonl", help='lines of {"id", "text"}; one JSON line out each'
        )
        parser.add_argument("--id", default=None, help="post id to print (single post)")

    def handle(self, *args, file, batch, id, **options):
        if bool(file) == bool(batch):
            raise CommandError("Give either FILE (or -) or --batch FILE.jsonl.")
        load_models()
        if batch:
            self._batch(batch)
            return
        if file == "-":
            text, post_id = sys.stdin.read(), id or "stdin"
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            text, post_id = path.read_text(encoding="utf-8"), id or path.stem
        result = extract(text).to_json(post_id)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _batch(self, batch: str) -> None:
        stream = sys.stdin if batch == "-" else open(batch, encoding="utf-8")  # noqa: SIM115
        with stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    post = json.loads(line)
                    post_id, text = str(post["id"]), post["text"]
                    if not isinstance(text, str):
                        raise TypeError("text is not a string")
                except (ValueError, KeyError, TypeError) as exc:
                    raise CommandError(f"{batch}:{number}: {exc}") from None
                out = extract(text).to_json(post_id)
                self.stdout.write(json.dumps(out, ensure_ascii=False))
