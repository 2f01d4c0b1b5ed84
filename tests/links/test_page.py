"""The archived copy and the readable text of a page (assessment/links/page.py)."""

from __future__ import annotations

import re

from assessment.links.page import is_html, read_page
from tests.support.link_server import PAGE

BASE = "https://sukamaju.desa.id/beranda/"


def test_nothing_runs_in_the_archived_copy() -> None:
    copy = read_page(PAGE.encode(), "utf-8", BASE).archive_html.lower()
    assert "<script" not in copy and "alert(" not in copy
    assert not re.search(r"\son[a-z]+\s*=", copy), "no event handler attribute"
    assert "javascript:" not in copy
    for tag in ("<iframe", "<object", "<embed", "<base", "<link", "<meta http-equiv"):
        assert tag not in copy


def test_nothing_leaves_the_app_from_the_archived_copy() -> None:
    copy = read_page(PAGE.encode(), "utf-8", BASE).archive_html
    assert not re.search(r"\s(src|srcset|href|action|formaction|data|poster|background|ping)\s*=", copy)
    # The destination of a link stays readable, made absolute.
    assert 'title="https://example.org/katalog"' in copy
    assert 'alt="Logo desa"' in copy
    assert "color: #123" in copy, "styles are kept (the serving page's CSP keeps url() from fetching)"


def test_the_text_is_the_page_s_words() -> None:
    page = read_page(PAGE.encode(), "utf-8", BASE)
    assert page.title == "Desa Sukamaju & Inovasi"
    assert "Selamat datang di Desa Sukamaju" in page.text
    assert "Layanan surat online dan katalog produk." in page.text
    assert "alert" not in page.text and "color" not in page.text


def test_feed_links_are_found_and_made_absolute() -> None:
    page = read_page(PAGE.encode(), "utf-8", BASE)
    assert page.feed_urls == ("https://sukamaju.desa.id/feed.rss",)


def test_hostile_markup_stays_inert() -> None:
    hostile = (
        b'<svg><animate attributeName="href" values="javascript:alert(1)"/><a xlink:href="javascript:x">'
        b'a</a></svg><div style="background:url(javascript:alert(1))">b</div>'
        b"<scr<script>ipt>alert(2)</script><img src=x onerror=alert(3)>"
        b'<meta http-equiv="refresh" content="0;url=https://evil.example/"><style>a{}</style></style><p>ok'
    )
    copy = read_page(hostile, None, BASE).archive_html.lower()
    assert "<animate" not in copy and "javascript" not in copy and "onerror" not in copy
    assert "refresh" not in copy and "evil.example" not in copy
    assert "<script" not in copy


def test_charset_from_meta_and_is_html() -> None:
    body = '<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head></html>'.encode("cp1252")
    assert read_page(body, None, BASE).title == "Caf\xe9"
    assert is_html("text/html", b"") and is_html("", b"  <!DOCTYPE html><html>")
    assert not is_html("application/pdf", b"<html>") and not is_html("", b"%PDF-1.7")


def test_deep_and_unbalanced_markup_is_read_in_one_pass() -> None:
    # Half a megabyte of unclosed tags, then as many end tags that close nothing.
    hostile = b"<div><span>" * 25_000 + b"teks" + b"</p></b>" * 25_000
    page = read_page(hostile, "utf-8", BASE)
    assert page.text == "teks"
    assert page.archive_html.count("<div>") <= 512
    assert page.archive_html.count("<div>") == page.archive_html.count("</div>")
