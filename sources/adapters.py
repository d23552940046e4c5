"""Turn a source's raw bytes into posts. Plain Python (no Django).

Each ``parse_<kind>(data)`` returns a ``ParseResult``: the posts it could read
(``items``), the ones it could not (``bad``, each with a reason a moderator can act
on) and the newest position seen (``cursor``). One malformed post never stops the
rest; a document that is not the format at all raises ``SourceFormatError``.

Formats:

* ``telegram`` — Telegram Desktop's JSON export (``result.json``): ``messages[]`` with
  ``id``, ``type``, ``date``, ``date_unixtime``, ``from``, ``text`` (a string, or a list
  of strings and entity objects ``{"type", "text", "href"}``) and ``text_entities``.
  Pass ``base_url`` (e.g. ``https://t.me/channel``) to get post links.
* ``vk`` — the JSON answer of VK's ``wall.get``: ``response.items[]`` with ``id``,
  ``owner_id``, ``from_id``, ``date`` (unix), ``text``, ``attachments[]`` (``video``,
  ``link``) and ``copy_history`` (reposts, whose text is kept).
* ``rss`` — RSS 2.0 or Atom, read by feedparser; HTML in entries is reduced to text.
* ``csv`` — CSV with the columns ``external_id,published_at,author,url,text`` in any
  order, also named in Russian or otherwise (``POST_COLUMNS``: «№», «Дата», «Автор»,
  «Ссылка», «Текст», …); any common encoding and delimiter (``core.tables``).
  ``published_at`` is ISO 8601 (UTC when it has no offset). ``ParseResult.columns``
  says which column was read as which field.
* ``webhook`` — JSON ``{"items": [{"external_id", "published_at", "url", "author",
  "text"}]}``, the same fields as CSV.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core import tables

__all__ = [
    "CSV_HEADER",
    "MAX_TEXT_CHARS",
    "POST_COLUMNS",
    "BadItem",
    "ParseResult",
    "ParsedItem",
    "SourceFormatError",
    "parse",
]

CSV_HEADER = ("external_id", "published_at", "author", "url", "text")
#: The names a CSV export may give each field (compared as ``core.tables.normal_header``).
POST_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "post id", "message id", "№", "номер", "ид", "код"),
    "published_at": (
        "published_at",
        "published",
        "date",
        "datetime",
        "timestamp",
        "time",
        "дата",
        "дата публикации",
        "время",
        "опубликовано",
    ),
    "author": ("author", "from", "channel", "автор", "от кого", "канал", "источник"),
    "url": ("url", "link", "href", "ссылка", "ссылка на пост", "адрес"),
    "text": ("text", "body", "message", "post", "content", "текст", "сообщение", "пост"),
}
_POST_INDEX = tables.synonym_index(POST_COLUMNS)
#: Longer posts are refused: no relatives' post is that long, and extraction time grows with it.
MAX_TEXT_CHARS = 20_000
_MAX_ID_CHARS = 200
_MAX_URL_CHARS = 500
_MAX_AUTHOR_CHARS = 200


class SourceFormatError(ValueError):
    """The document as a whole is not in the source's format (nothing could be read)."""


@dataclass
class ParsedItem:
    external_id: str
    text: str
    url: str = ""
    author: str = ""
    published_at: datetime | None = None
    links: list[str] = field(default_factory=list)  # attachments: videos, links
    raw: Any = None


@dataclass
class BadItem:
    """A post that could not be read. ``external_id`` is synthetic when the post had none."""

    external_id: str
    reason: str
    raw: Any = None
    index: int = -1  # position in the document (for webhook error lists)


@dataclass
class ParseResult:
    items: list[ParsedItem] = field(default_factory=list)
    bad: list[BadItem] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    #: CSV: the header each field was read from, and the headers not used.
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        return len(self.items) + len(self.bad)


class _Bad(Exception):
    """Raised inside an item parser; becomes a ``BadItem``."""


# --- cleaning ---------------------------------------------------------------------------


def clean_str(value: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogates."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def clean_json(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON PostgreSQL's jsonb accepts (strings cleaned, depth bounded)."""
    if depth > 20:
        return None
    if isinstance(value, str):
        return clean_str(value)
    if isinstance(value, dict):
        return {clean_str(str(k)): clean_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v, depth + 1) for v in value]
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return None
    if value is None or isinstance(value, bool | int | float):
        return value
    return clean_str(str(value))


def synthetic_id(raw: Any) -> str:
    """A stable id for a post that has none, so storing it twice is still a no-op."""
    try:
        blob = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        blob = repr(raw)
    digest = hashlib.sha256(clean_str(blob).encode("utf-8")).hexdigest()[:24]
    return f"invalid:{digest}"


def _external_id(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise _Bad("missing id")
    if isinstance(value, int | str):
        text = clean_str(str(value)).strip()
        if text and len(text) <= _MAX_ID_CHARS:
            return text
    raise _Bad(f"invalid id {str(value)[:40]!r}")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("text is not a string")
    text = clean_str(value).strip()
    if not text:
        raise _Bad("empty text")
    if len(text) > MAX_TEXT_CHARS:
        raise _Bad(f"text longer than {MAX_TEXT_CHARS} characters")
    return text


def _optional_str(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _Bad("not a string")
    return clean_str(str(value)).strip()[:limit]


def _url(value: Any) -> str:
    url = _optional_str(value, 10_000)
    if url and (not re.match(r"^https?://[^\s/]+", url, re.I) or len(url) > _MAX_URL_CHARS):
        raise _Bad(f"invalid URL {url[:60]!r}")
    return url


def _unix(value: Any) -> datetime:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("invalid date")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise _Bad("invalid date") from None


def _iso(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _Bad("invalid published_at")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"invalid published_at {value[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _collect(
    result: ParseResult,
    records: Iterable[Any],
    one: Callable[[Any], ParsedItem | None],
    id_of: Callable[[Any], Any],
) -> None:
    for index, record in enumerate(records):
        try:
            item = one(record)
        except _Bad as exc:
            raw = clean_json(record)
            try:
                ext = _external_id(id_of(record))
            except _Bad:
                ext = synthetic_id(raw)
            result.bad.append(BadItem(external_id=ext, reason=str(exc), raw=raw, index=index))
            continue
        if item is not None:
            result.items.append(item)


def _newest(result: ParseResult) -> None:
    dates = [i.published_at for i in result.items if i.published_at]
    if dates:
        result.cursor["last_published_at"] = max(dates).isoformat()


def _load_json(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise SourceFormatError(f"not JSON: {exc}") from None


# --- Telegram Desktop export ----------------------------------------------------------------


def _telegram_text(value: Any) -> tuple[str, list[str]]:
    """Flatten ``text`` (string, or list of strings and entities); hrefs come back apart."""
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        raise _Bad("text is neither a string nor a list")
    parts, links = [], []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text", ""), str):
            parts.append(part.get("text", ""))
            href = part.get("href")
            if isinstance(href, str) and href.startswith(("http://", "https://")):
                links.append(href)
        else:
            raise _Bad("malformed text entity")
    return "".join(parts), links


def parse_telegram(data: bytes | str, *, base_url: str = "") -> ParseResult:
    doc = _load_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        raise SourceFormatError("not a Telegram export: no messages list")
    base = base_url.rstrip("/")
    result = ParseResult()

    def one(msg: Any) -> ParsedItem | None:
        if not isinstance(msg, dict):
            raise _Bad("message is not an object")
        ext = _external_id(msg.get("id"))
        if msg.get("type", "message") != "message":
            return None  # service messages (pinned, joined, …) are not posts
        text, links = _telegram_text(msg.get("text", ""))
        if not text.strip() and isinstance(msg.get("caption"), str):
            text = msg["caption"]
        published = _unix(msg["date_unixtime"]) if "date_unixtime" in msg else _iso(msg.get("date"))
        if not text.strip() and not links:
            return None  # a photo or file without a caption: nothing to read
        # Links hidden behind words («видео») are not in the visible text; extraction
        # reads the text, so they are appended to it.
        full = text + "".join(f"\n{href}" for href in links if href not in text)
        return ParsedItem(
            external_id=ext,
            text=_text(full),
            url=f"{base}/{ext}" if base and ext.isdigit() else "",
            author=_optional_str(msg.get("from") or msg.get("author"), _MAX_AUTHOR_CHARS),
            published_at=published,
            links=[u for u in links if len(u) <= _MAX_URL_CHARS],
            raw=clean_json(msg),
        )

    _collect(result, doc["messages"], one, lambda m: m.get("id") if isinstance(m, dict) else None)
    ids = [int(i.external_id) for i in result.items if i.external_id.isdigit()]
    if ids:
        result.cursor["last_id"] = max(ids)
    _newest(result)
    return result


# --- VK wall.get ----------------------------------------------------------------------------


def _vk_attachment_links(attachments: Any) -> list[str]:
    links: list[str] = []
    if not isinstance(attachments, list):
        return links
    for att in attachments:
        if not isinstance(att, dict):
            continue
        kind, body = att.get("type"), att.get(att.get("type") or "")
        if not isinstance(body, dict):
            continue
        if kind == "video" and isinstance(body.get("id"), int):
            owner = body.get("owner_id")
            if isinstance(owner, int):
                links.append(f"https://vk.com/video{owner}_{body['id']}")
        elif kind == "link" and isinstance(body.get("url"), str):
            url = body["url"]
            if url.startswith(("http://", "https://")) and len(url) <= _MAX_URL_CHARS:
                links.append(url)
    return links


def parse_vk(data: bytes | str) -> ParseResult:
    doc = _load_json(data)
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        msg = doc["error"].get("error_msg", "unknown error")
        raise SourceFormatError(f"VK API error: {str(msg)[:200]}")
    response = doc.get("response") if isinstance(doc, dict) else None
    if not isinstance(response, dict) or not isinstance(response.get("items"), list):
        raise SourceFormatError("not a wall.get answer: no response.items list")
    result = ParseResult()

    def id_of(post: Any) -> Any:
        if isinstance(post, dict) and isinstance(post.get("id"), int):
            owner = post.get("owner_id")
            return f"{owner}_{post['id']}" if isinstance(owner, int) else None
        return None

    def one(post: Any) -> ParsedItem:
        if not isinstance(post, dict):
            raise _Bad("post is not an object")
        ext = _external_id(id_of(post))
        texts = [post.get("text") or ""]
        links = _vk_attachment_links(post.get("attachments"))
        history = post.get("copy_history") or []
        if isinstance(history, list):
            for repost in history:
                if isinstance(repost, dict):
                    texts.append(repost.get("text") or "")
                    links += _vk_attachment_links(repost.get("attachments"))
        if not all(isinstance(t, str) for t in texts):
            raise _Bad("text is not a string")
        text = "\n\n".join(t for t in texts if t.strip())
        from_id = post.get("from_id")
        author = ""
        if isinstance(from_id, int) and not isinstance(from_id, bool):
            author = f"club{-from_id}" if from_id < 0 else f"id{from_id}"
        return ParsedItem(
            external_id=ext,
            text=_text(text + "".join(f"\n{u}" for u in links if u not in text)),
            url=f"https://vk.com/wall{ext}",
            author=author,
            published_at=_unix(post.get("date")),
            links=list(dict.fromkeys(links)),
            raw=clean_json(post),
        )

    _collect(result, response["items"], one, id_of)
    ids = [int(i.external_id.rsplit("_", 1)[1]) for i in result.items]
    if ids:
        result.cursor["last_id"] = max(ids)
    _newest(result)
    return result


# --- RSS / Atom -----------------------------------------------------------------------------


def _html_to_text(value: str) -> str:
    import nh3

    value = re.sub(r"(?i)<br\s*/?>|</p>", "\n", value)
    return html.unescape(nh3.clean(value, tags=set())).strip()


def parse_rss(data: bytes | str) -> ParseResult:
    import feedparser

    feed = feedparser.parse(data if isinstance(data, bytes) else data.encode("utf-8"))
    if not feed.entries and (feed.bozo or not feed.feed):
        reason = getattr(feed, "bozo_exception", "no entries")
        raise SourceFormatError(f"not an RSS or Atom feed: {str(reason)[:200]}")
    result = ParseResult()

    def id_of(entry: Any) -> Any:
        return entry.get("id") or entry.get("link")

    def one(entry: Any) -> ParsedItem:
        ext = _external_id(id_of(entry))
        body = ""
        if entry.get("content"):
            body = "\n".join(c.get("value", "") for c in entry["content"])
        body = body or entry.get("summary", "")
        title = entry.get("title", "")
        text = _html_to_text(body)
        if title and not text.startswith(title):
            text = f"{title}\n{text}" if text else title
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        published = None
        if parsed:
            try:
                published = datetime(*parsed[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                published = None
        links = [
            link["href"]
            for link in entry.get("links", [])
            if link.get("rel") == "enclosure" and str(link.get("href", "")).startswith("http")
        ]
        try:
            url = _url(entry.get("link"))
        except _Bad:
            url = ""
        return ParsedItem(
            external_id=ext,
            text=_text(text + "".join(f"\n{u}" for u in links if u not in text)),
            url=url,
            author=_optional_str(entry.get("author"), _MAX_AUTHOR_CHARS),
            published_at=published,
            links=[u for u in links if len(u) <= _MAX_URL_CHARS],
            raw=clean_json({k: entry.get(k) for k in ("id", "link", "title", "published")}),
        )

    _collect(result, feed.entries, one, id_of)
    _newest(result)
    return result


# --- CSV and webhook (same fields) ----------------------------------------------------------


def _from_fields(record: Any) -> ParsedItem:
    if not isinstance(record, dict):
        raise _Bad("item is not an object")
    return ParsedItem(
        external_id=_external_id(record.get("external_id")),
        text=_text(record.get("text")),
        url=_url(record.get("url")),
        author=_optional_str(record.get("author"), _MAX_AUTHOR_CHARS),
        published_at=_iso(record.get("published_at")),
        raw=clean_json(record),
    )


def _id_field(record: Any) -> Any:
    return record.get("external_id") if isinstance(record, dict) else None


def _csv_header(text: str) -> tuple[str, list[str], list[str | None]]:
    """(delimiter, header cells, field of each): the delimiter under which the first line
    names the most fields (a comma when none does better)."""
    first = text.split("\n", 1)[0]
    best = (",", [], [])
    best_hits = -1
    for delimiter in (",", ";", "\t", "|"):
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:
            continue
        mapping = tables.match_header(cells, _POST_INDEX)
        hits = sum(1 for m in mapping if m)
        if hits > best_hits:
            best, best_hits = (delimiter, cells, mapping), hits
    return best


def parse_csv(data: bytes | str) -> ParseResult:
    if isinstance(data, bytes):
        try:
            data, _encoding = tables.decode(data)
        except tables.TableError as exc:
            raise SourceFormatError(f"unreadable CSV: {exc}") from None
    text = clean_str(data).removeprefix("\ufeff")
    delimiter, _first, _mapping = _csv_header(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise SourceFormatError(f"unreadable CSV header: {exc}") from None
    mapping = tables.match_header(header, _POST_INDEX)
    missing = [h for h in ("external_id", "text") if h not in mapping]
    if missing:
        raise SourceFormatError(
            f"CSV header must be {','.join(CSV_HEADER)} (or their Russian names: №, Дата, "
            f"Автор, Ссылка, Текст); missing {', '.join(missing)} in "
            f"{', '.join(repr(h) for h in header) or 'an empty header'}"
        )
    result = ParseResult(
        columns={name: header[i] for i, name in enumerate(mapping) if name},
        ignored=[h for h, name in zip(header, mapping, strict=True) if not name],
    )
    fields = list(enumerate(mapping))

    def rows() -> Iterable[Any]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # Keep going: the next line is usually readable again.
                yield {"external_id": None, "_error": str(exc), "_line": reader.line_num}
                continue
            if not cells:  # a blank line is no post
                continue
            row = {name: cells[i] if i < len(cells) else None for i, name in fields if name}
            if len(cells) > len(header):
                row["_extra"] = cells[len(header) :]
            yield row

    def one(row: dict) -> ParsedItem:
        if "_error" in row:
            raise _Bad(f"line {row['_line']}: {row['_error']}")
        if "_extra" in row:
            raise _Bad(f"line {reader.line_num}: more cells than header columns")
        return _from_fields(row)

    _collect(result, rows(), one, _id_field)
    _newest(result)
    return result


def parse_webhook(data: bytes | str) -> ParseResult:
    doc = _load_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise SourceFormatError('expected {"items": [...]}')
    result = ParseResult()
    _collect(result, doc["items"], _from_fields, _id_field)
    _newest(result)
    return result


_PARSERS: dict[str, Callable[..., ParseResult]] = {
    "telegram": parse_telegram,
    "vk": parse_vk,
    "rss": parse_rss,
    "csv": parse_csv,
    "webhook": parse_webhook,
}


def parse(kind: str, data: bytes | str, **options: Any) -> ParseResult:
    """Parse ``data`` as ``kind``; options (``base_url``) go to the parsers that take them."""
    parser = _PARSERS[kind]
    if kind == "telegram":
        return parser(data, base_url=options.get("base_url", ""))
    return parser(data)
