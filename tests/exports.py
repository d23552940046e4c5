"""Big fictional Telegram Desktop exports (``result.json``), written as a stream.

The posts are tests/data/posts.jsonl (fictional relatives' posts), each with an id of
its own, a date, a text in Telegram's list form with a bold name and a link, and the
``text_entities`` a real export repeats it in. All people in them are fictional.
"""

from __future__ import annotations

import json
from pathlib import Path

POSTS = Path(__file__).parent / "data" / "posts.jsonl"


def _message(n: int, text: str) -> dict:
    head, _, tail = text.partition(" ")
    parts = [
        {"type": "bold", "text": head},
        f" {tail} #{n}",
        {"type": "text_link", "text": " видео", "href": f"https://t.me/fictional_captives/{n}"},
    ]
    entities = [
        {"type": "bold", "text": head},
        {"type": "plain", "text": f" {tail} #{n}"},
        {"type": "text_link", "text": " видео", "href": f"https://t.me/fictional_captives/{n}"},
    ]
    moment = 1723000000 + n * 37
    return {
        "id": n,
        "type": "message",
        "date": "2024-08-10T12:00:00",
        "date_unixtime": str(moment),
        "from": "Поиск срочников (вымышленный канал)",
        "from_id": "channel1987654321",
        "text": parts,
        "text_entities": entities,
    }


def write_telegram_export(path: Path, *, target_bytes: int) -> int:
    """Write an export of about ``target_bytes`` to ``path``; returns how many messages.
    Written message by message, so writing a big one takes little memory."""
    texts = [json.loads(line)["text"] for line in POSTS.open(encoding="utf-8")]
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{\n "name": "Поиск срочников (вымышленный канал)",\n')
        out.write(' "type": "public_channel",\n "id": 1987654321,\n "messages": [\n')
        written = out.tell()
        while written < target_bytes:
            count += 1
            if count > 1:
                out.write(",\n")
            out.write(json.dumps(_message(count, texts[count % len(texts)]), ensure_ascii=False))
            written = out.tell()
        out.write("\n ]\n}\n")
    return count
