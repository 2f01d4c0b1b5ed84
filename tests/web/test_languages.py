"""Every page of every role speaks one language: walk the demo as each role, in Indonesian and in English, and fail
on a sentence of the other language's catalogue (names, codes and the desa's own texts are data, not catalogue)."""

from __future__ import annotations

import ast
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskCliRunner

from assessment.models import ReviewDecision, User
from assessment.platform.extensions import db
from assessment.trail.labels import ACTION_LABELS
from tests.conftest import Login

CATALOGUE = Path(__file__).resolve().parents[2] / "assessment" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# Long enough that a match is a sentence of the interface, not a coincidence of a few words.
MIN_FRAGMENT = 24
PAGES_PER_ROLE = 60
PER_PATTERN = 2  # pages of one shape (the same route with other ids) read per role and language
# Files, switches and actions are not pages to read.
SKIPPED = re.compile(
    r"/(keluar|bahasa/|grafik/|static/)|\.(xlsx|pdf|csv|json|geojson|png|jpg|zip)$|/(unduh|gambar|pdf)"
    r"(/|$)|/unduh\b"
)
DEMO_ACCOUNTS = (
    "panitia",
    "ketua-tim",
    "asesor3",
    "dpmd-ppu",
    "verifikator-sepaku",
    "operator-6409042002",
    "operator-6409012020",
)


class _Page(HTMLParser):
    """The text a visitor reads (not scripts or styles) and the same-site links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.nodes: set[str] = set()
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("//"):
            self.links.append(urldefrag(href)[0])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)
            self.nodes.add(" ".join(data.split()))


def _fragments(texts: list[str], elsewhere: list[str]) -> set[str]:
    """The placeholder-free pieces of ``texts`` long enough to be sentences and absent from the other language."""
    other = "\n".join(elsewhere)
    found = set()
    for text in texts:
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}", text):
            piece = " ".join(piece.split())
            if len(piece) >= MIN_FRAGMENT and piece not in other:
                found.add(piece)
    return found


def _labels(texts: list[str], elsewhere: list[str]) -> set[str]:
    """Whole short texts (a status, a stage name, a button) of one language that the other never uses."""
    other = {" ".join(text.split()) for text in elsewhere}
    return {
        " ".join(text.split())
        for text in texts
        if "%" not in text and len(text) >= 4 and " ".join(text.split()) not in other
    }


@pytest.fixture(scope="module")
def catalogue() -> dict[str, set[str]]:
    indonesian: list[str] = []
    english: list[str] = []
    with CATALOGUE.open("rb") as handle:
        for message in read_po(handle):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not message.id or list(ids) == list(strings):
                continue
            indonesian.extend(ids)
            english.extend(s for s in strings if s)
    return {
        "id": _fragments(indonesian, english),
        "en": _fragments(english, indonesian),
        "id-labels": _labels(indonesian, english),
        "en-labels": _labels(english, indonesian),
    }


def _walk(client: object, start: list[str]) -> dict[str, tuple[str, set[str]]]:
    """GET pages breadth-first from ``start`` following same-site links; the visible text of each page and its
    separate text nodes."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    texts: dict[str, tuple[str, set[str]]] = {}
    queue = deque(start)
    while queue and len(texts) < PAGES_PER_ROLE:
        url = queue.popleft()
        path = urlsplit(url).path
        shape = re.sub(r"\d+", "N", re.sub(r"/[A-Z]\d+\b", "/X", url))
        if url in seen or SKIPPED.search(path) or shapes.get(shape, 0) >= PER_PATTERN:
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)  # type: ignore[attr-defined]
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = _Page()
        parser.feed(response.get_data(as_text=True))
        texts[url] = (" ".join(" ".join(parser.text).split()), parser.nodes)
        queue.extend(link for link in parser.links if link not in seen)
    return texts


@pytest.mark.slow
def test_every_page_of_every_role_speaks_one_language(
    app: Flask, runner: FlaskCliRunner, login: Login, catalogue: dict[str, set[str]]
) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    problems: list[str] = []
    walked = 0
    for account in (None, *DEMO_ACCOUNTS):
        for language, foreign in (("id", "en"), ("en", "id")):
            client = app.test_client()
            client.set_cookie("lang", language)
            if account is not None:
                user = db.session.scalar(db.select(User).where(User.email == f"{account}@demo.example"))
                assert user is not None, account
                login(client, user)
            pages = _walk(client, ["/", "/beranda" if account else "/hasil/"])
            assert pages, (account, language)
            walked += len(pages)
            for url, (text, nodes) in pages.items():
                problems += [
                    f"{account or 'anonim'} [{language}] {url}: {piece!r}"
                    for piece in sorted(catalogue[foreign])
                    if piece in text
                ]
                problems += [
                    f"{account or 'anonim'} [{language}] {url}: label {label!r}"
                    for label in sorted(nodes & catalogue[f"{foreign}-labels"])
                ]
    assert walked > 200  # the walk really reached the pages (not just the landing page)
    assert problems == [], "\n".join(problems[:400])


def _recorded_actions() -> set[str]:
    """Every audit action code the application records: the string literals given to ``record_event``."""
    package = Path(__file__).resolve().parents[2] / "assessment"
    found: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_event" and node.args:
                found.update(
                    constant.value
                    for constant in ast.walk(node.args[0])
                    if isinstance(constant, ast.Constant)
                    and isinstance(constant.value, str)
                    and re.fullmatch(r"[a-z_]+\.[a-z_]+", constant.value)
                )
    return found


def test_every_audit_action_has_words() -> None:
    """The audit trail shows actions in words; review decisions (review.<decision>) are listed by their values."""
    actions = _recorded_actions() | {f"review.{decision.value}" for decision in ReviewDecision}
    assert {"desk_assessment.submit", "user.disable"} <= actions  # the walk finds real calls
    assert sorted(actions - set(ACTION_LABELS)) == []
