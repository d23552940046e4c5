"""Content-Security-Policy without inline script or style, Permissions-Policy, and
templates and scripts that need nothing inline (tests/test_browser_csp.py loads the
pages in Chromium)."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

#: What a Content-Security-Policy without 'unsafe-inline' refuses in a template.
INLINE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an on* handler": re.compile(r"\son[a-z]+\s*=\s*[\"'{]", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize("path", ["/", "/statistics/", "/api/v1/regions/", "/no-such-page/"])
def test_every_response_carries_the_policies(client, path, generous_api_rates):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


def test_no_template_needs_anything_inline():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_no_script_of_ours_writes_inline_style_or_markup():
    found = []
    for script in sorted((ROOT / "static" / "js").glob("*.js")):
        text = script.read_text()
        for pattern in (
            r"setAttribute\(\s*[\"']style",
            r"\.innerHTML\s*=",
            r"\beval\(",
            r"new Function",
        ):
            if re.search(pattern, text):
                found.append(f"{script.name}: {pattern}")
    assert not found
