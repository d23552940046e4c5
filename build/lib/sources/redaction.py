"""Hide relatives' contacts in text shown to anyone but a moderator.

Plain Python (no Django). A phone number keeps its country code and last two digits
(«+7 ••• •• 45») so a moderator can tell two numbers apart without reading them out;
an e-mail keeps only its domain («•••@mail.ru»).
"""

from __future__ import annotations

import re

import phonenumbers

__all__ = ["mask_phone", "redact"]

_DOTS = "•••"
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", re.UNICODE)
# Digit runs PhoneNumberMatcher rejects (odd spacing, missing country code) but that are
# still a phone to a human: 10–11 digits with the usual separators.
_LOOSE_PHONE = re.compile(r"(?<![\w/.])\+?\d(?:[\s()-]{0,2}\d){9,10}(?![\w/]|\.\d)")


def mask_phone(number: str) -> str:
    """«+79123456745» → «+7 ••• •• 45»; anything with fewer than 4 digits → «•••»."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 4:
        return _DOTS
    try:
        parsed = phonenumbers.parse(number, "RU")
        country = str(parsed.country_code)
    except phonenumbers.NumberParseException:
        country = "7" if digits[0] in "78" else digits[0]
    return f"+{country} {_DOTS} •• {digits[-2:]}"


def redact(text: str) -> str:
    """``text`` with every phone number and e-mail address masked."""
    if not text:
        return text
    spans: list[tuple[int, int, str]] = []
    matcher = phonenumbers.PhoneNumberMatcher(text, "RU", leniency=phonenumbers.Leniency.POSSIBLE)
    for match in matcher:
        spans.append((match.start, match.end, mask_phone(match.raw_string)))
    for m in _LOOSE_PHONE.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), mask_phone(m.group())))
    for m in _EMAIL.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), f"{_DOTS}@{m.group(1)}"))
    out, pos = [], 0
    for start, end, replacement in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)
