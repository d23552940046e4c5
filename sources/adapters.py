"""Turn a source's raw bytes into posts. Plain Python (no Django).

``read(kind, data)`` returns a ``Document``: the posts in order as they are read
(``ParsedItem``, or ``BadItem`` with a reason a moderator can act on), then the newest
position seen (``cursor``) and any ``warnings``. ``data`` is bytes, text or a binary
file: Telegram and VK exports are streamed with ijson, so a 200 MB export is never
held in memory whole; CSV is read line by line; RSS, which feedparser reads whole, is
bounded by the caller's size cap. One malformed post never stops the rest; a document
that is not the format at all raises ``SourceFormatError`` (also when it breaks off
midway, after the posts before the break). ``parse_<kind>(data)`` and ``parse`` read a
whole document into a ``ParseResult`` (small documents, tests).

Formats:

* ``telegram`` — Telegram Desktop's JSON export (``result.json``): ``messages[]`` with
  ``id``, ``type``, ``date``, ``date_unixtime``, ``from``, ``text`` (a string, or a list
  of strings and entity objects ``{"type", "text", "href"}``) and ``text_entities``.
  Pass ``base_url`` (e.g. ``https://t.me/channel``) to get post links. A message that is
  only a video (``media_type`` ``video_file``/``video_message``/``animation`` or a video
  ``mime_type``) and has no caption becomes an item with empty text and ``video`` set.
* ``vk`` — the JSON answer of VK's ``wall.get``: ``response.items[]`` with ``id``,
  ``owner_id``, ``from_id``, ``date`` (unix), ``text``, ``attachments[]`` (``video``,
  ``link``) and ``copy_history`` (reposts, whose text is kept).
* ``rss`` — RSS 2.0 or Atom, read by feedparser; HTML in entries is reduced to text. A
  feed whose bytes are not in the encoding it declares (a cp1251 feed declared UTF-8)
  is read in the encoding charset-normalizer finds, with a warning.
* ``csv`` — CSV with the columns ``external_id,published_at,author,url,text`` in any
  order, also named in Russian or otherwise (``POST_COLUMNS``: «№», «Дата», «Автор»,
  «Ссылка», «Текст», …), with any common delimiter; UTF-8 (another encoding is
  detected, with a warning); ``published_at`` is ISO 8601 (UTC when it has no offset).
  A cell over ``csv.field_size_limit`` is that row's error. ``columns`` on the result
  says which column was read as which field, ``ignored`` which were not used.
* ``webhook`` — JSON ``{"items": [{"external_id", "published_at", "url", "author",
  "text"}]}``, the same fields as CSV.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import html
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from core import tables

__all__ = [
    "CSV_HEADER",
    "MAX_TEXT_CHARS",
    "BadItem",
    "Document",
    "ParseResult",
    "ParsedItem",
    "SourceFormatError",
    "parse",
    "read",
    "video_description",
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
#: A longer post is stored with its middle cut out and a marker saying so (never refused):
#: its first and last lines, where the names and the contacts usually are, are kept.
MAX_TEXT_CHARS = 200_000
_KEEP_CHARS = MAX_TEXT_CHARS // 2 - 100
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
    index: int = -1  # position in the document (for webhook answers)
    # A message that is only a video (no caption): what the export says of the file. Its
    # text is empty; moderators find it under the source's videos without a caption.
    video: str = ""


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
        cut = len(text) - 2 * _KEEP_CHARS
        text = (
            f"{text[:_KEEP_CHARS]}\n[… {cut} characters cut: the post is longer than "
            f"{MAX_TEXT_CHARS} …]\n{text[-_KEEP_CHARS:]}"
        )
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


_MAX_DB_OFFSET = timedelta(hours=16)


def _iso(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _Bad("invalid published_at")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if not moment.tzinfo:
            return moment.replace(tzinfo=UTC)
        # Raises OverflowError for a moment outside years 1–9999 once in UTC: no date.
        utc = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _Bad(f"invalid published_at {value[:40]!r}") from None
    # Python takes offsets up to ±24 h, PostgreSQL only up to ±15:59 (a "+22:00" was a
    # server error): such a moment is kept in UTC.
    return moment if abs(moment.utcoffset()) < _MAX_DB_OFFSET else utc


class Document:
    """A document read post by post: iterate it once for ``ParsedItem``s and
    ``BadItem``s in document order; ``cursor`` and ``warnings`` are complete after."""

    def __init__(
        self,
        entries: Iterator[ParsedItem | BadItem],
        *,
        last_id: Callable[[ParsedItem], int | None] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self._entries = entries
        self._last_id = last_id
        self.cursor: dict[str, Any] = {}
        self.warnings: list[str] = warnings if warnings is not None else []
        self.read = 0
        #: CSV: the header each field was read from, and the headers not used.
        self.columns: dict[str, str] = {}
        self.ignored: list[str] = []

    def __iter__(self) -> Iterator[ParsedItem | BadItem]:
        newest: datetime | None = None
        last: int | None = None
        for entry in self._entries:
            self.read += 1
            if isinstance(entry, ParsedItem):
                if entry.published_at and (newest is None or entry.published_at > newest):
                    newest = entry.published_at
                    self.cursor["last_published_at"] = newest.isoformat()
                ident = self._last_id(entry) if self._last_id else None
                if ident is not None and (last is None or ident > last):
                    last = self.cursor["last_id"] = ident
            yield entry

    def result(self) -> ParseResult:
        """The whole document at once (small documents)."""
        result = ParseResult()
        for entry in self:
            (result.items if isinstance(entry, ParsedItem) else result.bad).append(entry)
        result.cursor = self.cursor
        result.columns, result.ignored = self.columns, self.ignored
        return result


def _entries(
    records: Iterable[Any],
    one: Callable[[Any], ParsedItem | None],
    id_of: Callable[[Any], Any],
) -> Iterator[ParsedItem | BadItem]:
    for index, record in enumerate(records):
        try:
            item = one(record)
        except _Bad as exc:
            raw = clean_json(record)
            try:
                ext = _external_id(id_of(record))
            except _Bad:
                ext = synthetic_id(raw)
            yield BadItem(external_id=ext, reason=str(exc), raw=raw, index=index)
            continue
        if item is not None:
            item.index = index
            yield item


def _binary(data: bytes | str | IO[bytes]) -> IO[bytes]:
    if isinstance(data, str):
        return io.BytesIO(data.encode("utf-8", "surrogatepass"))
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(data))
    return data


# --- streamed JSON (Telegram, VK, webhook) ---------------------------------------------------


def _json_error(exc: BaseException, count: int) -> SourceFormatError:
    reason = " ".join(str(exc).split())[:300]
    if count == 0:
        return SourceFormatError(f"not JSON: {reason}")
    return SourceFormatError(f"the document breaks off after {count} posts: {reason}")


def _json_array(
    data: bytes | str | IO[bytes], path: str, missing: Callable[[IO[bytes]], str]
) -> Iterator[Any]:
    """The values of the array at ``path`` (dotted, e.g. "response.items"), one at a time.

    Only one value is in memory at once. ``missing(stream)`` is asked when there was no
    value at all, with the stream rewound: "" if the array is there (empty), otherwise
    why the document is not the format.
    """
    import ijson

    stream = _binary(data)
    start = stream.tell() if stream.seekable() else None
    count = 0
    backends = [ijson, ijson.get_backend("python")]
    while backends:
        backend = backends.pop(0)
        skip, seen = count, 0
        try:
            for value in backend.items(stream, f"{path}.item", use_float=True):
                seen += 1
                if seen <= skip:
                    continue  # given out already, before the first reader gave up
                count += 1
                yield value
        except (ijson.JSONError, UnicodeDecodeError, RecursionError) as exc:
            # The fast C reader knows only 64-bit integers; Python's reads any integer
            # JSON holds, more slowly: read the document again with it.
            if "integer overflow" in str(exc) and backends and start is not None:
                stream.seek(start)
                continue
            raise _json_error(exc, count) from None
        break
    if count == 0:
        if start is None:
            raise SourceFormatError(f"no {path} list")
        stream.seek(start)
        try:
            problem = missing(stream)
        except (ijson.JSONError, UnicodeDecodeError, RecursionError) as exc:
            raise _json_error(exc, 0) from None
        if problem:
            raise SourceFormatError(problem)


def _has_array(stream: IO[bytes], path: str) -> bool:
    import ijson

    return any(
        prefix == path and event == "start_array" for prefix, event, _ in ijson.parse(stream)
    )


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


_VIDEO_MEDIA_TYPES = frozenset({"video_file", "video_message", "animation"})


def video_description(raw: Any) -> str:
    """What a stored message says of its video («video_file video_files/clip.mp4, 45 s»)."""
    return _telegram_video(raw) if isinstance(raw, dict) else ""


def _telegram_video(msg: dict) -> str:
    """«video_file video_files/clip.mp4, 45 s» for a message that carries a video, else ""."""
    media = msg.get("media_type")
    mime = msg.get("mime_type")
    if media not in _VIDEO_MEDIA_TYPES and not (
        isinstance(mime, str) and mime.startswith("video/")
    ):
        return ""
    parts = [str(media or mime)]
    if isinstance(msg.get("file"), str):
        parts.append(clean_str(msg["file"])[:200])
    duration = msg.get("duration_seconds")
    described = " ".join(parts)
    if isinstance(duration, int) and not isinstance(duration, bool):
        described += f", {duration} s"
    return described


def read_telegram(data: bytes | str | IO[bytes], *, base_url: str = "") -> Document:
    base = base_url.rstrip("/")

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
            video = _telegram_video(msg)
            if not video:
                return None  # a photo or a file without a caption: nothing to read
            # A prisoner video with no caption names no one in text, but a moderator can
            # watch it: it is kept as a video reference, not dropped and not failed.
            return ParsedItem(
                external_id=ext,
                text="",
                url=f"{base}/{ext}" if base and ext.isdigit() else "",
                author=_optional_str(msg.get("from") or msg.get("author"), _MAX_AUTHOR_CHARS),
                published_at=published,
                raw=clean_json(msg),
                video=video,
            )
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

    def missing(stream: IO[bytes]) -> str:
        return "" if _has_array(stream, "messages") else "not a Telegram export: no messages list"

    messages = _json_array(data, "messages", missing)
    return Document(
        _entries(messages, one, lambda m: m.get("id") if isinstance(m, dict) else None),
        last_id=lambda i: int(i.external_id) if i.external_id.isdigit() else None,
    )


def parse_telegram(data: bytes | str, *, base_url: str = "") -> ParseResult:
    return read_telegram(data, base_url=base_url).result()


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


def _whole(value: Any) -> bool:
    # JSON true/false are ints to Python: «-1_False» is no post id.
    return isinstance(value, int) and not isinstance(value, bool)


def _vk_id(post: Any) -> Any:
    if isinstance(post, dict) and _whole(post.get("id")):
        owner = post.get("owner_id")
        return f"{owner}_{post['id']}" if _whole(owner) else None
    return None


def _vk_texts_and_links(post: dict) -> tuple[str, list[str]]:
    """The post's text with its reposts' texts, and every attached link."""
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
    return "\n\n".join(t for t in texts if t.strip()), links


def _vk_post(post: Any) -> ParsedItem:
    if not isinstance(post, dict):
        raise _Bad("post is not an object")
    ext = _external_id(_vk_id(post))
    text, links = _vk_texts_and_links(post)
    from_id = post.get("from_id")
    author = ""
    if _whole(from_id):
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


def _vk_missing(stream: IO[bytes]) -> str:
    """Why a document is not a wall.get answer ("" when it is one)."""
    import ijson

    found = False
    for prefix, event, value in ijson.parse(stream):
        if prefix == "error.error_msg" and event == "string":
            return f"VK API error: {value[:200]}"
        if prefix == "error" and event == "start_map" and not found:
            found = True  # an error object; its message may follow
        if prefix == "response.items" and event == "start_array":
            return ""
    if found:
        return "VK API error: unknown error"
    return "not a wall.get answer: no response.items list"


def read_vk(data: bytes | str | IO[bytes]) -> Document:
    posts = _json_array(data, "response.items", _vk_missing)
    return Document(
        _entries(posts, _vk_post, _vk_id),
        last_id=lambda i: int(i.external_id.rsplit("_", 1)[1]),
    )


def parse_vk(data: bytes | str) -> ParseResult:
    return read_vk(data).result()


# --- RSS / Atom -----------------------------------------------------------------------------

#: What a feed may really be in when it is not in the encoding it declares: the
#: encodings Russian and English feeds are written in.
FEED_ENCODINGS = ["cp1251", "koi8_r", "cp866", "mac_cyrillic", "iso8859_5", "cp1252", "latin_1"]
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def decode_feed(data: bytes) -> tuple[bytes, str]:
    """The feed as UTF-8 bytes, and a warning if it was not in the encoding it declares
    (XML's default: UTF-8). Such a feed is read in the encoding charset-normalizer finds
    among ``FEED_ENCODINGS``, rather than stored as mojibake."""
    match = _XML_DECLARATION.match(data[:500])
    declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    try:
        codecs.lookup(declared)
        data.decode(declared)
        return data, ""
    except (LookupError, UnicodeDecodeError):
        pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(data, cp_isolation=FEED_ENCODINGS).best()
    if best is None:
        text = data.decode("utf-8", "replace")
        warning = f"the feed is not valid {declared}; unreadable bytes were replaced"
    else:
        text = str(best)
        warning = f"the feed declares {declared} but is {best.encoding}; read as {best.encoding}"
    if match:
        text = re.sub(r"""encoding\s*=\s*["'][^"']+["']""", 'encoding="utf-8"', text, count=1)
    return text.encode("utf-8"), warning


def _html_to_text(value: str) -> str:
    import nh3

    value = re.sub(r"(?i)<br\s*/?>|</p>", "\n", value)
    return html.unescape(nh3.clean(value, tags=set())).strip()


def read_rss(data: bytes | str | IO[bytes]) -> Document:
    """The whole feed is read (feedparser needs it): callers bound its size."""
    import feedparser

    if isinstance(data, str):
        raw = data.encode("utf-8")
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raw = data.read()
    raw, warning = decode_feed(raw)
    feed = feedparser.parse(raw)
    if not feed.entries and (feed.bozo or not feed.feed):
        reason = getattr(feed, "bozo_exception", "no entries")
        raise SourceFormatError(f"not an RSS or Atom feed: {str(reason)[:200]}")

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

    return Document(_entries(feed.entries, one, id_of), warnings=[warning] if warning else [])


def parse_rss(data: bytes | str) -> ParseResult:
    return read_rss(data).result()


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


#: Bytes looked at to tell a CSV file's encoding.
_CSV_SAMPLE = 256 * 1024


def _csv_text(data: bytes | str | IO[bytes]) -> tuple[IO[str], str]:
    """A text stream over the CSV, and a warning if it is not UTF-8."""
    if isinstance(data, str):
        return io.StringIO(clean_str(data), newline=""), ""
    # One read of the sample size, looked at without consuming it.
    stream = io.BufferedReader(_binary(data), buffer_size=_CSV_SAMPLE)
    sample = stream.peek(_CSV_SAMPLE)[:_CSV_SAMPLE]
    encoding, warning = "utf-8-sig", ""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        import charset_normalizer

        best = charset_normalizer.from_bytes(sample, cp_isolation=FEED_ENCODINGS).best()
        if best is None:
            raise SourceFormatError("not UTF-8, and no other encoding fits") from None
        encoding = best.encoding
        warning = f"the file is not UTF-8 but {encoding}; read as {encoding}"
    return io.TextIOWrapper(stream, encoding=encoding, newline=""), warning


def _csv_header(line: str) -> tuple[str, list[str], list[str | None]]:
    """(delimiter, header cells, field of each): the delimiter under which the first line
    names the most fields (a comma when none does better)."""
    best: tuple[str, list[str], list[str | None]] = (",", [], [])
    best_hits = -1
    for delimiter in (",", ";", "\t", "|"):
        try:
            cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])]
        except csv.Error:
            continue
        mapping = tables.match_header(cells, _POST_INDEX)
        hits = sum(1 for m in mapping if m)
        if hits > best_hits:
            best, best_hits = (delimiter, cells, mapping), hits
    return best


def read_csv(data: bytes | str | IO[bytes]) -> Document:
    text, warning = _csv_text(data)
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"not UTF-8: {exc}") from None
    delimiter, header, mapping = _csv_header(first.removeprefix("\ufeff"))
    missing = [h for h in ("external_id", "text") if h not in mapping]
    if missing:
        raise SourceFormatError(
            f"no column names {', '.join(missing)}: the header should name "
            f"{','.join(CSV_HEADER)} (in any order, or as {', '.join(POST_COLUMNS['text'][5:])}…)"
        )
    # The header line was read above; the reader counts lines from the next one.
    reader = csv.reader(itertools.chain([""], text), delimiter=delimiter)
    next(reader)
    fields = list(enumerate(mapping))
    counted = {"rows": 0}

    def rows() -> Iterator[Any]:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # Keep going: the next line is usually readable again (a cell over the
                # size limit is this row's error, not the file's).
                yield {"external_id": None, "_error": str(exc), "_line": line}
                continue
            except UnicodeDecodeError as exc:
                raise SourceFormatError(
                    f"the file breaks off at line {line} after {counted['rows']} rows: "
                    f"not {text.encoding} ({exc.reason})"
                ) from None
            if not any(c.strip() for c in cells):  # a blank line is no post
                continue
            counted["rows"] += 1
            row: dict[str, Any] = {
                name: cells[i] if i < len(cells) else None for i, name in fields if name
            }
            if len(cells) > len(header):  # more cells than header columns
                row["_extra"] = cells[len(header) :]
            yield row

    def one(row: dict) -> ParsedItem:
        if "_error" in row:
            raise _Bad(f"line {row['_line']}: {_csv_reason(row['_error'])}")
        if "_extra" in row:
            raise _Bad(f"line {reader.line_num}: more cells than header columns")
        return _from_fields({k: clean_str(v) if isinstance(v, str) else v for k, v in row.items()})

    document = Document(_entries(rows(), one, _id_field), warnings=[warning] if warning else [])
    document.columns = {name: header[i] for i, name in fields if name}
    document.ignored = [header[i] for i, name in fields if not name]
    return document


def _csv_reason(error: str) -> str:
    if "field larger than field limit" in error:
        return f"a cell is larger than {csv.field_size_limit()} characters"
    return error


def parse_csv(data: bytes | str) -> ParseResult:
    return read_csv(data).result()


def read_webhook(data: bytes | str | IO[bytes]) -> Document:
    def missing(stream: IO[bytes]) -> str:
        return "" if _has_array(stream, "items") else 'expected {"items": [...]}'

    return Document(_entries(_json_array(data, "items", missing), _from_fields, _id_field))


def parse_webhook(data: bytes | str) -> ParseResult:
    return read_webhook(data).result()


_READERS: dict[str, Callable[..., Document]] = {
    "telegram": read_telegram,
    "vk": read_vk,
    "rss": read_rss,
    "csv": read_csv,
    "webhook": read_webhook,
}


def read(kind: str, data: bytes | str | IO[bytes], **options: Any) -> Document:
    """Read ``data`` as ``kind`` post by post; options (``base_url``) go to the readers
    that take them. Format errors are raised while iterating."""
    reader = _READERS[kind]
    if kind == "telegram":
        return reader(data, base_url=options.get("base_url", ""))
    return reader(data)


def parse(kind: str, data: bytes | str, **options: Any) -> ParseResult:
    """Parse a whole (small) document as ``kind``."""
    return read(kind, data, **options).result()
