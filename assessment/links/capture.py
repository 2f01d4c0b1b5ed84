"""Capturing link evidence: the worker fetches every link a desa gives and keeps what it showed.

The rules, written once (tests in ``tests/links/test_capture.py``):

- **When.** Adding a link enqueues its capture in the same transaction (:func:`enqueue_capture`, key
  ``link.capture:<evidence>:first``): a rolled-back addition leaves no job. A periodic sweep (every 15 minutes,
  :func:`sweep_uncaptured`) gives the same job to every active link without a capture (links given before
  capturing existed, a job that was parked); the shared key makes the two one job. A link whose latest capture
  found it unreachable or too slow is tried again by the sweep once an hour, up to 3 more times, since a desa
  server that is down for an hour is common and not the desa's final answer.
- **What is kept.** Every fetch adds one :class:`~assessment.models.LinkCapture` row, never changed afterwards:
  the address asked for and the final one, status, content type, title, time, the SHA-256 and size of the body
  (the body itself goes to the content-addressed evidence store), the readable text, and for an HTML page an
  archived copy (:mod:`assessment.links.page`) stored the same way, with a screenshot of that copy where Chromium
  is installed (:mod:`assessment.links.screenshot`: drawn without scripts or network). A fetch that fails is a
  capture too, with its outcome (not found, unreachable, too slow, too large, refused address), so the operator
  sees why.
- **Activity.** When the page is a feed, or an HTML page that announces one (``<link rel="alternate">``), the
  feed's items are counted (:mod:`assessment.links.feeds`); the feed is fetched under the same safe rules, so a
  capture job takes at most two fetches of 15 seconds each.
- **Rot and change.** Every active link of a complete desa is captured again once its competition's penilaian
  dokumen stage is open (:func:`recheck_when_desk_scoring_opens`, run by the sweep) and whenever an assessor
  asks (:func:`recheck_participant`); :func:`link_state` compares the latest capture with the first.
- **Bounded.** Fetch failures are outcomes, not job failures: a hostile link costs one job of at most 30 seconds
  of fetching (and 45 more for a screenshot) and is never retried by the queue's backoff.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from assessment.jobs import queue
from assessment.links.feeds import NotAFeed, feed_activity, looks_like_feed
from assessment.links.fetch import TOTAL_SECONDS, Allow, Fetched, FetchRefused, Refusal, fetch
from assessment.links.page import is_html, read_page
from assessment.links.screenshot import ScreenshotFailed, resolve, take_screenshot
from assessment.models import (
    CaptureOutcome,
    CaptureTrigger,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    LinkCapture,
    Participant,
    Stage,
    StageCode,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore, get_store

log = logging.getLogger(__name__)

CAPTURE_JOB = "link.capture"
SWEEP_JOB = "links.sweep"
RETRY_EVERY = timedelta(hours=1)
CAPTURE_SECONDS = TOTAL_SECONDS
"""The time limit of each fetch (the tests shorten it; production keeps fetch's 15 seconds)."""
MAX_RETRIES = 3
RETRIED_OUTCOMES = (CaptureOutcome.unreachable, CaptureOutcome.timeout)
REFUSAL_OUTCOME = {
    Refusal.scheme: CaptureOutcome.refused,
    Refusal.address: CaptureOutcome.refused,
    Refusal.unresolvable: CaptureOutcome.unreachable,
    Refusal.unreachable: CaptureOutcome.unreachable,
    Refusal.bad_response: CaptureOutcome.unreachable,
    Refusal.timeout: CaptureOutcome.timeout,
    Refusal.redirects: CaptureOutcome.unreachable,
    Refusal.too_large: CaptureOutcome.too_large,
}


def capture_key(evidence_id: int) -> str:
    return f"{CAPTURE_JOB}:{evidence_id}:first"


def enqueue_capture(
    evidence_id: int, trigger: CaptureTrigger = CaptureTrigger.added, *, key: str | None = None
) -> bool:
    """Enqueue the capture of link evidence ``evidence_id`` in the caller's transaction (not committed here)."""
    return queue.enqueue(
        CAPTURE_JOB,
        key or capture_key(evidence_id),
        {"evidence": evidence_id, "trigger": trigger.value},
        max_attempts=3,
    )


def allow_list() -> Allow:
    return Allow.parse(current_app.config.get("LINK_CAPTURE_ALLOW") or "")


def _outcome(fetched: Fetched) -> CaptureOutcome:
    if fetched.status in (404, 410):
        return CaptureOutcome.not_found
    if fetched.status >= 400 or fetched.status < 200:
        return CaptureOutcome.http_error
    return CaptureOutcome.archived if is_html(fetched.media_type, fetched.body) else CaptureOutcome.not_html


def _feed(url: str, body: bytes | None, now: datetime, allow: Allow) -> dict[str, Any] | None:
    """Count the feed at ``url`` (``body`` when already fetched); None when it is not a readable feed."""
    try:
        if body is None:
            fetched = fetch(url, allow=allow, seconds=CAPTURE_SECONDS)
            if fetched.status != 200:
                return None
            body = fetched.body
        return feed_activity(body, now).as_json(url, now)
    except (FetchRefused, NotAFeed):
        return None


def _screenshot(row: LinkCapture, archive: bytes, store: EvidenceStore) -> None:
    """Add a screenshot of the archived copy when screenshots are on, else (when asked for) why there is none
    (rules in :mod:`assessment.links.screenshot`)."""
    setting = resolve(
        current_app.config.get("LINK_SCREENSHOTS") or "auto", current_app.config.get("CHROMIUM_PATH") or ""
    )
    if setting.chromium is None:
        row.screenshot_detail = setting.reason[:500] or None
        return
    # The screenshot is a picture of the copy alone: a recheck that found the same copy reuses the earlier one.
    drawn = db.session.scalar(
        select(LinkCapture.screenshot_sha256)
        .where(LinkCapture.archive_sha256 == row.archive_sha256, LinkCapture.screenshot_sha256.is_not(None))
        .limit(1)
    )
    if drawn is not None and store.exists(drawn):
        row.screenshot_sha256 = drawn
        return
    try:
        png = take_screenshot(archive, setting.chromium)
    except ScreenshotFailed as failed:
        log.warning("No screenshot of %s: %s", row.requested_url, failed)
        row.screenshot_detail = str(failed)[:500]
        return
    row.screenshot_sha256 = store.put(png).sha256


def capture_link(evidence: Evidence, trigger: CaptureTrigger, now: datetime) -> LinkCapture:
    """Fetch ``evidence``'s link and record one capture (rules in the module docstring); commits."""
    url = evidence.url or ""
    allow = allow_list()
    row = LinkCapture(evidence_id=evidence.id, trigger=trigger, requested_url=url[:2048], fetched_at=now)
    try:
        fetched = fetch(url, allow=allow, seconds=CAPTURE_SECONDS)
    except FetchRefused as refused:
        row.outcome = REFUSAL_OUTCOME[refused.reason]
        row.final_url = refused.url[:2048]
        row.detail = f"{refused.reason.value}: {refused.detail}"[:500]
    else:
        store = get_store()
        row.outcome = _outcome(fetched)
        row.final_url = fetched.final_url[:2048]
        row.http_status = fetched.status
        row.media_type = fetched.media_type[:100] or None
        row.body_sha256 = hashlib.sha256(fetched.body).hexdigest()
        row.body_size = len(fetched.body)
        if fetched.body:
            store.put(fetched.body)
        if row.outcome is CaptureOutcome.archived:
            page = read_page(fetched.body, fetched.charset, fetched.final_url)
            row.title = page.title or None
            row.text = page.text
            archive = page.archive_html.encode("utf-8")
            row.archive_sha256 = store.put(archive).sha256
            _screenshot(row, archive, store)
            if page.feed_urls:
                row.feed_json = _feed(page.feed_urls[0], None, now, allow)
        elif row.outcome is CaptureOutcome.not_html and looks_like_feed(fetched.media_type, fetched.body):
            row.feed_json = _feed(fetched.final_url, fetched.body, now, allow)
        if fetched.redirects:
            row.detail = f"{len(fetched.redirects)} pengalihan"
    db.session.add(row)
    db.session.commit()
    return row


@queue.handler(CAPTURE_JOB, queue_name=queue.LINKS_QUEUE)
def run_capture(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Capture one link (a first capture is made once however often its job runs: at-least-once delivery)."""
    evidence = db.session.get(Evidence, int(payload.get("evidence", 0)))
    if evidence is None or evidence.kind != EvidenceKind.url or not evidence.url:
        return "bukan tautan"
    trigger = CaptureTrigger(payload.get("trigger", CaptureTrigger.added.value))
    if trigger is not CaptureTrigger.recheck and context.key == capture_key(evidence.id):
        existing = db.session.scalar(select(LinkCapture.id).where(LinkCapture.evidence_id == evidence.id).limit(1))
        if existing is not None:
            return "sudah diarsipkan"
    row = capture_link(evidence, trigger, context.now)
    return f"{row.outcome.value} {row.http_status or ''}".strip()


def latest_captures(evidence_ids: list[int]) -> dict[int, LinkCapture]:
    """The newest capture of each of ``evidence_ids`` (links without one are absent)."""
    if not evidence_ids:
        return {}
    newest = (
        select(LinkCapture.evidence_id, func.max(LinkCapture.id).label("id"))
        .where(LinkCapture.evidence_id.in_(evidence_ids))
        .group_by(LinkCapture.evidence_id)
        .subquery()
    )
    rows = db.session.scalars(select(LinkCapture).join(newest, LinkCapture.id == newest.c.id))
    return {row.evidence_id: row for row in rows}


def first_captures(evidence_ids: list[int]) -> dict[int, LinkCapture]:
    """The oldest capture of each of ``evidence_ids``: what the link showed when it was given."""
    if not evidence_ids:
        return {}
    oldest = (
        select(LinkCapture.evidence_id, func.min(LinkCapture.id).label("id"))
        .where(LinkCapture.evidence_id.in_(evidence_ids))
        .group_by(LinkCapture.evidence_id)
        .subquery()
    )
    rows = db.session.scalars(select(LinkCapture).join(oldest, LinkCapture.id == oldest.c.id))
    return {row.evidence_id: row for row in rows}


def sweep_uncaptured(now: datetime) -> int:
    """Enqueue captures for active links without one, and retries for links last found unreachable (see the
    module docstring); commits, returns how many jobs were added."""
    # One query, however many links the province has (no list of ids sent back to the database).
    newest = (
        select(LinkCapture.evidence_id, func.max(LinkCapture.id).label("capture_id"))
        .group_by(LinkCapture.evidence_id)
        .subquery()
    )
    sweeps = (
        select(LinkCapture.evidence_id, func.count(LinkCapture.id).label("tries"))
        .where(LinkCapture.trigger == CaptureTrigger.sweep)
        .group_by(LinkCapture.evidence_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Evidence.id, LinkCapture.outcome, LinkCapture.fetched_at, sweeps.c.tries)
        .outerjoin(newest, newest.c.evidence_id == Evidence.id)
        .outerjoin(LinkCapture, LinkCapture.id == newest.c.capture_id)
        .outerjoin(sweeps, sweeps.c.evidence_id == Evidence.id)
        .where(Evidence.kind == EvidenceKind.url, Evidence.status == EvidenceStatus.aktif)
        .order_by(Evidence.id)
    ).all()
    added = 0
    slot = int(now.timestamp()) // int(RETRY_EVERY.total_seconds())
    for evidence_id, outcome, fetched_at, tries in rows:
        if outcome is None:
            added += enqueue_capture(evidence_id, CaptureTrigger.sweep)
        elif outcome in RETRIED_OUTCOMES and (tries or 0) < MAX_RETRIES and now - fetched_at >= RETRY_EVERY:
            added += enqueue_capture(evidence_id, CaptureTrigger.sweep, key=f"{CAPTURE_JOB}:{evidence_id}:retry:{slot}")
    added += recheck_when_desk_scoring_opens(now)
    db.session.commit()
    return added


@queue.handler(SWEEP_JOB)
def run_sweep(payload: dict[str, Any], context: queue.RunContext) -> str:
    """The periodic sweep of links without a capture."""
    return f"{sweep_uncaptured(context.now)} tautan diantrekan"


class LinkState(StrEnum):
    """What an assessor reads about a link now, against what it showed when it was given."""

    pending = "pending"
    same = "same"
    changed = "changed"
    dead = "dead"
    unreachable = "unreachable"
    other = "other"


def link_state(first: LinkCapture | None, latest: LinkCapture | None) -> LinkState:
    """The state of a link from its first and latest capture.

    - No capture yet: ``pending``.
    - The latest found it gone (404/410): ``dead``; unreachable or too slow: ``unreachable``; refused, too large
      or another error status: ``other`` (the outcome's words are shown).
    - It answered: ``same`` when its content equals the first capture's, else ``changed``. A web page is compared
      by its readable text (a page that only changes its hidden tokens, scripts or styles has not changed for a
      reader), anything else by the SHA-256 of its body. A link whose first capture failed and that now answers
      is ``changed``.
    """
    if first is None or latest is None:
        return LinkState.pending
    if latest.outcome is CaptureOutcome.not_found:
        return LinkState.dead
    if latest.outcome in (CaptureOutcome.unreachable, CaptureOutcome.timeout):
        return LinkState.unreachable
    if latest.outcome not in (CaptureOutcome.archived, CaptureOutcome.not_html):
        return LinkState.other
    if first.outcome is not latest.outcome:
        return LinkState.changed
    if latest.outcome is CaptureOutcome.archived:
        return LinkState.same if (first.text or "") == (latest.text or "") else LinkState.changed
    return LinkState.same if first.body_sha256 == latest.body_sha256 else LinkState.changed


def recheck_participant(participant_id: int, reason: str) -> int:
    """Enqueue a recheck of every active link of a desa (in the caller's transaction; not committed); ``reason``
    makes the key, so one reason (an assessor's request in one minute, one stage opening) rechecks once."""
    links = db.session.scalars(
        select(Evidence.id).where(
            Evidence.participant_id == participant_id,
            Evidence.kind == EvidenceKind.url,
            Evidence.status == EvidenceStatus.aktif,
        )
    )
    return sum(
        enqueue_capture(evidence_id, CaptureTrigger.recheck, key=f"{CAPTURE_JOB}:{evidence_id}:recheck:{reason}")
        for evidence_id in links
    )


def recheck_when_desk_scoring_opens(now: datetime) -> int:
    """Recheck the links of every complete desa of a competition whose penilaian dokumen stage is open (once per
    stage: the key names it); returns how many jobs were added. Run by the sweep, so within 15 minutes of the
    opening."""
    stages = db.session.execute(
        select(Stage.id, Stage.competition_id).where(
            Stage.code == StageCode.penilaian_dokumen, Stage.starts_at <= now, Stage.ends_at > now
        )
    )
    added = 0
    for stage_id, competition_id in stages:
        participants = db.session.scalars(
            select(Participant.id).where(
                Participant.competition_id == competition_id, Participant.status == SubmissionStatus.lengkap
            )
        )
        for participant_id in list(participants):
            added += recheck_participant(participant_id, f"stage{stage_id}")
    return added


def captures_for_record(participant_ids: list[int]) -> list[dict[str, Any]]:
    """Every capture of the links of ``participant_ids`` (active or removed: the record keeps both), oldest first
    per link, as plain values for the evidence sheet of the results workbook and the final snapshot (which refers
    to each capture by the SHA-256 of its body and of its archived copy)."""
    if not participant_ids:
        return []
    rows = db.session.execute(
        select(Evidence.participant_id, Evidence.indicator_code, Evidence.status, LinkCapture)
        .join(LinkCapture, LinkCapture.evidence_id == Evidence.id)
        .where(Evidence.participant_id.in_(participant_ids))
        .order_by(Evidence.participant_id, Evidence.indicator_code, Evidence.id, LinkCapture.fetched_at, LinkCapture.id)
    )
    return [
        {
            "participant_id": participant_id,
            "indicator_code": indicator_code,
            "evidence_id": row.evidence_id,
            "evidence_status": str(status),
            "capture_id": row.id,
            "trigger": row.trigger.value,
            "url": row.requested_url,
            "final_url": row.final_url,
            "outcome": row.outcome.value,
            "http_status": row.http_status,
            "media_type": row.media_type,
            "title": row.title,
            "fetched_at": row.fetched_at.isoformat(),
            "body_sha256": row.body_sha256,
            "body_size": row.body_size,
            "archive_sha256": row.archive_sha256,
            "screenshot_sha256": row.screenshot_sha256,
            "feed": row.feed_json,
        }
        for participant_id, indicator_code, status, row in rows
    ]
