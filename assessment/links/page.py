"""Reading a fetched web page: its title, its readable text, its feed links, and an archived copy safe to show.

The archived copy's rules, written once (:func:`read_page`; tested in ``tests/links/test_page.py``):

- **Nothing runs.** ``script``, ``noscript``'s wrapper, ``template``, ``iframe``, ``frame``, ``frameset``,
  ``object``, ``embed``, ``applet``, ``portal``, ``base``, ``link``, ``meta`` (one ``<meta charset="utf-8">`` of
  ours replaces them, so no ``http-equiv`` refresh survives) and SVG's animation elements are removed with their
  content (``noscript``'s content is kept: it is what a reader without scripts sees); every ``on*`` attribute is
  removed.
- **Nothing leaves the app.** Every attribute that makes a browser request or navigate (``src``, ``srcset``,
  ``href``, ``action``, ``formaction``, ``data``, ``poster``, ``background``, ``ping``, ``xlink:href`` ...) is
  removed; a link keeps its destination, made absolute, in its ``title`` so the assessor can read where it led.
  Images therefore show their ``alt`` text. Styles stay (inline and ``<style>``), and the page that serves the
  copy sends ``Content-Security-Policy: sandbox; default-src 'none'; style-src 'unsafe-inline'`` so that even a
  ``url()`` in a style cannot fetch anything.
- **Bounded work.** Reading is linear in the size of the page (at most 5 MB): elements nested deeper than 512
  are left out of the copy (their text stays), so a page of endless unclosed tags cannot hold the worker.
- **The text is the page's words**: everything outside ``script``, ``style``, ``template`` and the removed
  elements, with block elements as line breaks and runs of spaces collapsed; at most 200 000 characters kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin

TEXT_LIMIT = 200_000
MAX_DEPTH = 512
"""Elements nested deeper than this are left out of the archived copy (their text stays)."""
TITLE_LIMIT = 500

# Removed with everything inside them.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "portal",
        "title",
        "animate",
        "animatemotion",
        "animatetransform",
        "set",
        "handler",
        "listener",
    }
)
# Removed, their content kept.
DROPPED_TAG_ONLY = frozenset({"noscript", "base", "link", "meta", "html", "head", "body"})
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
REQUESTING_ATTRIBUTES = frozenset(
    {
        "src",
        "srcset",
        "href",
        "action",
        "formaction",
        "data",
        "poster",
        "background",
        "ping",
        "xlink:href",
        "codebase",
        "cite",
        "longdesc",
        "manifest",
        "lowsrc",
        "dynsrc",
        "imagesrcset",
        "imagesizes",
        "srcdoc",
        "http-equiv",
        "content",
    }
)
BLOCK = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "main",
        "aside",
        "ul",
        "ol",
        "table",
        "blockquote",
        "pre",
        "hr",
        "dd",
        "dt",
        "figcaption",
        "address",
        "form",
        "td",
        "th",
    }
)
NO_TEXT = frozenset({"style", "script", "template", "head"})
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """What a web page shows: its title, its text, the feeds it announces, and the archived copy (HTML)."""

    title: str
    text: str
    feed_urls: tuple[str, ...]
    archive_html: str


def decode(body: bytes, charset: str | None) -> str:
    """The body as text: the header's charset, else a ``<meta charset>`` near the top, else UTF-8; undecodable
    bytes replaced."""
    candidates = [charset] if charset else []
    found = CHARSET_META.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii", "replace"))
    for name in [*candidates, "utf-8"]:
        try:
            return body.decode(name, errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")


class _Reader(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.out: list[str] = []
        self.text: list[str] = []
        self.title: list[str] = []
        self.feeds: list[str] = []
        self.skipping: list[str] = []
        self.open: list[str] = []
        # How many of each tag are open: a hostile page's thousands of unclosed tags must not make every end tag
        # a search through the whole stack.
        self.open_counts: dict[str, int] = {}

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        kept: list[str] = []
        destination = None
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on") or not re.fullmatch(r"[a-z_:][a-z0-9_.:-]*", name):
                continue
            if name in REQUESTING_ATTRIBUTES:
                if name == "href" and tag == "a" and value:
                    destination = urljoin(self.base_url, value.strip())
                continue
            if name == "style" and value and re.search(r"expression\s*\(|javascript:", value, re.IGNORECASE):
                continue
            kept.append(f' {name}="{escape(value or "", quote=True)}"')
        if destination and not destination.lower().startswith(("javascript:", "data:", "vbscript:")):
            kept = [item for item in kept if not item.startswith(" title=")]
            kept.append(f' title="{escape(destination, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag == "link":
            values = {name.lower(): (value or "") for name, value in attrs}
            if (
                "alternate" in values.get("rel", "").lower().split()
                and values.get("type", "").lower().split(";")[0].strip() in FEED_TYPES
                and values.get("href")
            ):
                self.feeds.append(urljoin(self.base_url, values["href"].strip()))
        if self.skipping:
            if tag in DROPPED_WITH_CONTENT and tag not in VOID:
                self.skipping.append(tag)
            return
        if tag in DROPPED_WITH_CONTENT:
            if tag == "title":
                self.skipping.append(tag)
                self._in_title = True
                return
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag in BLOCK:
            self.text.append("\n")
        if tag in DROPPED_TAG_ONLY or (len(self.open) >= MAX_DEPTH and tag not in VOID):
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in VOID:
            self.open.append(tag)
            self.open_counts[tag] = self.open_counts.get(tag, 0) + 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        tag = tag.lower()
        if self.open and self.open[-1] == tag and tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
                if tag == "title":
                    self._in_title = False
            return
        if tag in BLOCK:
            self.text.append("\n")
        if tag in DROPPED_TAG_ONLY or tag in DROPPED_WITH_CONTENT or tag in VOID or not self.open_counts.get(tag):
            return
        # Close whatever was left open inside it, so the copy stays well nested.
        while self.open:
            last = self.open.pop()
            self.open_counts[last] -= 1
            self.out.append(f"</{last}>")
            if last == tag:
                break

    _in_title = False

    def handle_data(self, data: str) -> None:
        if self.skipping:
            if self._in_title and self.skipping == ["title"]:
                self.title.append(data)
            return
        current = self.open[-1] if self.open else ""
        if current == "style":
            # Raw CSS: the parser ended it at the first "</style", so it cannot close anything else.
            self.out.append(data.replace("<", "\\3c "))
            return
        self.out.append(escape(data, quote=False))
        if current not in NO_TEXT:
            self.text.append(data)


def _clean_text(parts: list[str]) -> str:
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    text = "\n".join(line for line in lines if line)
    return text[:TEXT_LIMIT]


def read_page(body: bytes, charset: str | None, base_url: str) -> Page:
    """Title, text, feed links and the archived copy of an HTML page (rules in the module docstring)."""
    reader = _Reader(base_url)
    reader.feed(decode(body, charset))
    reader.close()
    while reader.open:
        reader.out.append(f"</{reader.open.pop()}>")
    title = " ".join("".join(reader.title).split())[:TITLE_LIMIT]
    archive = (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title, quote=False)}</title></head><body>{''.join(reader.out)}</body></html>\n"
    )
    feeds = tuple(dict.fromkeys(url for url in reader.feeds if url.lower().startswith(("http://", "https://"))))
    return Page(title=title, text=_clean_text(reader.text), feed_urls=feeds, archive_html=archive)


def is_html(media_type: str, body: bytes) -> bool:
    """A web page: served as HTML/XHTML, or (no content type) starting like one."""
    if media_type in ("text/html", "application/xhtml+xml"):
        return True
    if media_type:
        return False
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))
