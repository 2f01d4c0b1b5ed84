"""Feed activity counts (assessment/links/feeds.py): exact for known dates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from assessment.criteria.files import load_rubric
from assessment.criteria.model import Indicator, Level
from assessment.links.feeds import NotAFeed, asks_for_activity, count_items, feed_activity, looks_like_feed
from tests.support.link_server import ATOM, RSS

NOW = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def test_rss_items_are_counted_per_window() -> None:
    activity = feed_activity(RSS.encode(), NOW)
    # 6 Dec (08:00 +08:00 = 00:00 UTC) and 20 Nov in 30 days; 1 Sep (97 days) and 2 Mar in 365; 2025 in none.
    assert (activity.items, activity.last_30, activity.last_90, activity.last_365) == (6, 2, 2, 4)
    assert activity.latest == datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
    assert activity.undated == 1 and activity.future == 0


def test_atom_uses_published_else_updated() -> None:
    activity = feed_activity(ATOM.encode(), NOW)
    # ep 3 published 1 Dec 01:00 UTC (its later "updated" is not its date), ep 2 updated 15 Oct, ep 1 in 2025.
    assert (activity.items, activity.last_30, activity.last_90, activity.last_365) == (3, 1, 2, 2)
    assert activity.latest == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_window_edges_and_future_items() -> None:
    edge = datetime(2026, 11, 7, 0, 0, tzinfo=UTC)  # exactly 30 days before NOW: not "within the last 30"
    just_inside = datetime(2026, 11, 7, 0, 1, tzinfo=UTC)
    future = datetime(2026, 12, 8, tzinfo=UTC)
    activity = count_items([edge, just_inside, NOW, future, None], NOW)
    assert activity.last_30 == 2 and activity.last_90 == 3
    assert activity.latest == NOW and activity.future == 1 and activity.undated == 1


def test_entity_declarations_are_not_read() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><rss>&b;</rss>'
    with pytest.raises(NotAFeed):
        feed_activity(bomb, NOW)
    with pytest.raises(NotAFeed):
        feed_activity(b"<html><body>not a feed</body></html>", NOW)
    with pytest.raises(NotAFeed):
        feed_activity(b"<rss><channel>", NOW)


def test_looks_like_feed() -> None:
    assert looks_like_feed("application/rss+xml", b"")
    assert looks_like_feed("text/xml", b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">')
    assert not looks_like_feed("text/html", b"<rss>")


def _indicator(name: str, level_text: str, evidence: tuple[str, ...] = (), verification: str = "") -> Indicator:
    return Indicator(
        code="X1",
        name=name,
        weight=Decimal(1),
        levels=(Level(0, "Belum ada."), Level(1, level_text)),
        evidence=evidence,
        verification=verification,
    )


def test_asks_for_activity() -> None:
    assert asks_for_activity(_indicator("Website resmi desa", "Website tidak diperbarui lebih dari 6 bulan."))
    assert asks_for_activity(_indicator("Media sosial", "Kurang dari 2 Unggahan per bulan."))
    assert asks_for_activity(_indicator("Kanal", "Ada.", evidence=("Daftar episode bertanggal",)))
    assert asks_for_activity(_indicator("Situs", "Ada.", verification="Asesor menghitung artikel per bulan."))
    assert asks_for_activity(_indicator("Situs", "Kontennya minim."))
    assert asks_for_activity(_indicator("Site", "Updated weekly."))
    assert not asks_for_activity(_indicator("Layanan surat", "Aplikasi layanan aktif untuk tiga jenis surat."))
    assert not asks_for_activity(_indicator("Konektivitas", "Kontrak internet kantor desa."))
    rubric = load_rubric(Path(__file__).resolve().parents[2] / "data/rubrics/desa-digital-kaltim-2026.yaml")
    shown = [
        indicator.code for aspect in rubric.aspects for indicator in aspect.indicators if asks_for_activity(indicator)
    ]
    assert shown == ["A4", "A5", "B1", "C1", "C2", "C3", "C4", "E2"]
