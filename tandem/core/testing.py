"""Checks shared by the tests of every app (imported by tests only)."""

from html.parser import HTMLParser

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Elements whose text cannot hold markup: a browser shows their text on its own (a tab title, an option).
_TEXT_ONLY = {"title", "option", "textarea", "script", "style"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _BidiFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.unisolated: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        has_control = any(control in data for control in BIDI_CONTROLS)
        if has_control and "bdi" not in self.stack and not _TEXT_ONLY.intersection(self.stack):
            self.unisolated.append(f"<{'><'.join(self.stack[-3:])}> {data.strip()[:60]!r}")


def unisolated_bidi_text(html: str) -> list[str]:
    """Text nodes holding a bidi control character (U+202E …) outside any `<bdi>`: each is user text shown
    unisolated. An empty list means the page is safe."""
    finder = _BidiFinder()
    finder.feed(html)
    return finder.unisolated
