"""The kabupaten PDF report through the worker in a real browser (issue 15): the report link leads to a progress
page that refreshes itself without JavaScript, and, once the worker has made the file, offers its download; both
states pass axe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue
from assessment.models import StageCode
from tests.e2e.conftest import OpenSession, axe_violations
from tests.e2e.test_publication_journey import World, _seed
from tests.e2e.test_verification_journey import sign_in

pytestmark = pytest.mark.e2e


def test_report_progress_page_turns_into_the_download(open_session: OpenSession, live_app: Flask, axe_js: Path) -> None:
    with live_app.app_context():
        world = _seed(StageCode.masa_sanggah, publish=True)
    committee = sign_in(open_session, World.committee, bypass_csp=True).page
    committee.goto(f"/hasil/{world.competition}/peringkat/64.09")
    committee.get_by_role("link", name="Unduh laporan (PDF)").click()
    expect(committee.get_by_text("Menunggu giliran di pekerja latar…")).to_be_visible()
    assert committee.locator('meta[http-equiv="refresh"]').count() == 1
    # axe counts any self-refreshing page against WCAG 2.2.1 (timing); the page lets the person stop it, first
    # thing after its title, and is clean once stopped.
    assert [violation["id"] for violation in axe_violations(committee, axe_js)] == ["meta-refresh"]
    committee.get_by_role("link", name="Berhenti memperbarui halaman ini sendiri").click()
    assert committee.locator('meta[http-equiv="refresh"]').count() == 0
    assert axe_violations(committee, axe_js) == []
    committee.go_back()
    with live_app.app_context():
        assert [outcome.status.value for outcome in queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])] == [
            "done"
        ]
    # The page refreshes itself: no reload by the test.
    expect(committee.get_by_text("Dokumen siap.")).to_be_visible(timeout=15000)
    assert axe_violations(committee, axe_js) == []
    with committee.expect_download() as info:
        committee.get_by_role("link", name=re.compile("Unduh laporan-")).click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
