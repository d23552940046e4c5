"""The Russian catalogue is complete and its compiled .mo is up to date."""

import gettext
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@pytest.fixture(scope="module")
def russian():
    return polib.pofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.po"))


def test_every_russian_message_is_translated_and_none_is_fuzzy(russian):
    assert russian.untranslated_entries() == []
    assert russian.fuzzy_entries() == []


def test_compiled_russian_catalogue_matches_the_po_file(russian):
    with open(LOCALE / "ru" / "LC_MESSAGES" / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        e.msgid
        for e in russian.translated_entries()
        if not e.msgid_plural and compiled.pgettext(e.msgctxt, e.msgid) != e.msgstr
        if e.msgctxt
    ] + [
        e.msgid
        for e in russian.translated_entries()
        if not e.msgid_plural and not e.msgctxt and compiled.gettext(e.msgid) != e.msgstr
    ]
    assert stale == [], "run `make messages` (or compilemessages) to rebuild django.mo"
