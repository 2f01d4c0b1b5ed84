"""Captures of link evidence: what a linked page showed when the worker fetched it (see assessment/links/)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model


class CaptureOutcome(StrEnum):
    """What became of one fetch of a link (the operator and the assessor read it in words)."""

    archived = "archived"
    """A web page (HTML) answered 2xx: its text and an archived copy are kept."""
    not_html = "not_html"
    """Answered 2xx with something else than a web page (a PDF, an image, a feed): hash and body kept."""
    not_found = "not_found"
    """404 or 410."""
    http_error = "http_error"
    """Another 4xx or 5xx status."""
    unreachable = "unreachable"
    """No answer: the name does not resolve, no connection, a broken response."""
    timeout = "timeout"
    """No complete answer within 15 seconds."""
    too_large = "too_large"
    """More than 5 MB (after decompression)."""
    refused = "refused"
    """An address we never fetch: not http/https, or inside a private network (loopback, metadata ...)."""


class CaptureTrigger(StrEnum):
    """Why the link was fetched."""

    added = "added"
    sweep = "sweep"
    recheck = "recheck"


class LinkCapture(Model):
    """One fetch of one link evidence. Rows are never updated or deleted: a recheck adds a row, so the capture
    made when the link was given stays beside every later one (what the page showed, proven by ``body_sha256``).

    ``body_sha256`` names the body as received (after decompression) in the evidence store; ``archive_sha256`` the
    archived copy of an HTML page (scripts, event handlers and outgoing references removed); ``screenshot_sha256``
    a PNG of that copy."""

    __tablename__ = "link_capture"
    __table_args__ = (Index("ix_link_capture_evidence_time", "evidence_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))
    trigger: Mapped[CaptureTrigger] = mapped_column(str_enum(CaptureTrigger, "capture_trigger"))
    outcome: Mapped[CaptureOutcome] = mapped_column(str_enum(CaptureOutcome, "capture_outcome"))
    requested_url: Mapped[str] = mapped_column(String(2048))
    final_url: Mapped[str | None] = mapped_column(String(2048))
    http_status: Mapped[int | None]
    media_type: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(500))
    body_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    body_size: Mapped[int | None]
    archive_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    """A PNG of the archived copy drawn by Chromium without scripts or network (:mod:`assessment.links.screenshot`),
    when screenshots are on."""
    screenshot_detail: Mapped[str | None] = mapped_column(String(500))
    """Why an archived page has no screenshot (Chromium failed or timed out); None when it has one or when
    screenshots are off."""
    text: Mapped[str | None] = mapped_column(Text)
    """The readable text of the page (at most 200 000 characters)."""
    detail: Mapped[str | None] = mapped_column(String(500))
    """Why it was refused or failed, for the committee (never shown to a desa as is)."""
    feed_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Activity from the page's RSS/Atom feed: its address, item counts for 30/90/365 days, the latest date."""
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
