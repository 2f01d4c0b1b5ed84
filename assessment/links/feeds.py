"""Activity from a feed: how many items an RSS or Atom feed published lately, and when the latest one was.

The counting rules, written once (:func:`feed_activity`; tests in ``tests/links/test_feeds.py``):

- An item's date is RSS ``pubDate`` (else ``dc:date``), Atom ``published`` (else ``updated``); RSS 1.0 (RDF)
  items use ``dc:date``. A date without a time zone is read as UTC.
- An item counts in "the last N days" when its date is after ``now - N days`` and not after ``now``
  (N = 30, 90, 365). Items dated in the future (scheduled posts, wrong clocks) count in no window and are not the
  latest; items without a readable date count as ``undated``.
- ``latest`` is the newest date not after ``now``.
- A document with a DOCTYPE or entity declaration is not read at all (no entity expansion: a "billion laughs"
  feed cannot hold the worker); neither is anything that is not RSS or Atom.

Where the counts are shown to the assessor: :func:`asks_for_activity`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from assessment.criteria.model import Indicator

WINDOWS = (30, 90, 365)
ATOM = "{http://www.w3.org/2005/Atom}"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
RSS1 = "{http://purl.org/rss/1.0/}"


class NotAFeed(ValueError):
    """The document is not an RSS or Atom feed we read."""


@dataclass(frozen=True)
class FeedActivity:
    """The counts of one feed at ``now``."""

    items: int
    last_30: int
    last_90: int
    last_365: int
    latest: datetime | None
    undated: int
    future: int

    def as_json(self, feed_url: str, counted_at: datetime) -> dict[str, Any]:
        return {
            "url": feed_url,
            "items": self.items,
            "last_30": self.last_30,
            "last_90": self.last_90,
            "last_365": self.last_365,
            "latest": self.latest.isoformat() if self.latest else None,
            "undated": self.undated,
            "future": self.future,
            "counted_at": counted_at.isoformat(),
        }


def _parse_date(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    text = text.strip()
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _text(element: ET.Element, *names: str) -> str | None:
    for name in names:
        child = element.find(name)
        if child is not None and child.text and child.text.strip():
            return child.text
    return None


def item_dates(body: bytes) -> list[datetime | None]:
    """The date of every item of an RSS (0.9x, 1.0, 2.0) or Atom feed, in document order."""
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise NotAFeed("DOCTYPE or entity declarations")
    try:
        # No DOCTYPE, hence no entity to expand or external resource to load (checked just above).
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as error:
        raise NotAFeed(str(error)) from error
    tag = root.tag.lower()
    if root.tag == f"{ATOM}feed":
        return [_parse_date(_text(entry, f"{ATOM}published", f"{ATOM}updated")) for entry in root.iter(f"{ATOM}entry")]
    if tag == "rss":
        return [_parse_date(_text(item, "pubDate", DC_DATE)) for item in root.iter("item")]
    if tag.endswith("}rdf") or tag == "rdf:rdf":
        return [_parse_date(_text(item, DC_DATE)) for item in root.iter(f"{RSS1}item")]
    raise NotAFeed(f"root element {root.tag}")


def count_items(dates: list[datetime | None], now: datetime) -> FeedActivity:
    """The counts of the module docstring over the item ``dates`` at ``now``."""
    dated = [moment for moment in dates if moment is not None]
    past = [moment for moment in dated if moment <= now]

    def within(days: int) -> int:
        start = now - timedelta(days=days)
        return sum(1 for moment in past if moment > start)

    return FeedActivity(
        items=len(dates),
        last_30=within(30),
        last_90=within(90),
        last_365=within(365),
        latest=max(past) if past else None,
        undated=len(dates) - len(dated),
        future=len(dated) - len(past),
    )


def feed_activity(body: bytes, now: datetime) -> FeedActivity:
    """Read a feed and count its items at ``now`` (raises :class:`NotAFeed`)."""
    return count_items(item_dates(body), now)


def looks_like_feed(media_type: str, body: bytes) -> bool:
    """Served as a feed or as XML whose root is ``rss``, ``feed`` or ``rdf:RDF``."""
    if media_type in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        return True
    if media_type not in ("application/xml", "text/xml", ""):
        return False
    head = body[:1024].lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


ACTIVITY_WORDS = (
    "diperbarui",
    "pembaruan",
    "memperbarui",
    "mutakhir",
    "dimutakhirkan",
    "pemutakhiran",
    "update",
    "unggahan",
    "artikel",
    "episode",
    "konten",
    "berkala",
    "rutin",
)
_ACTIVITY = re.compile(r"\b(?:" + "|".join(ACTIVITY_WORDS) + r")", re.IGNORECASE)


def asks_for_activity(indicator: Indicator) -> bool:
    """An indicator asks for activity or updates, and the assessor sees a link's feed counts beside it, when its
    rubric text (its name, a level description, the evidence asked for, or its verification) contains one of
    ``ACTIVITY_WORDS`` at the start of a word, in any case: diperbarui, pembaruan, memperbarui, mutakhir,
    dimutakhirkan, pemutakhiran, update, unggahan, artikel, episode, konten, berkala, rutin ("kontennya" and
    "Updated" count; "aktif" alone does not, since "aplikasi aktif" says a service works, not that it publishes).

    In the default rubric (data/rubrics/desa-digital-kaltim-2026.yaml) these are the website (C1), social media
    (C2), podcast/video (C3) and the indicators whose levels ask for data or catalogues "diperbarui" or for
    information published "berkala" (A4, A5, B1, C4, E2). Elsewhere the counts stay on the capture's own page.
    """
    texts = (
        indicator.name,
        *(level.description for level in indicator.levels),
        *indicator.evidence,
        indicator.verification,
    )
    return any(_ACTIVITY.search(text) for text in texts)
