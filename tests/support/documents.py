"""Fetching a slow document (assessment/documents) as a person does: the click leads to the progress page, the
worker makes the file, and the same link then serves it."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue


def fetch_document(client: FlaskClient, url: str) -> Any:
    """GET ``url``; when it answers with the progress page of a document, let a worker run the job and GET it
    again (what the progress page's download link leads to, followed when it points there). Any other answer
    (403, 404) is returned as is."""
    first = client.get(url)
    if first.status_code != 303 or "/dokumen/" not in first.location:
        return first
    outcomes = queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])
    assert outcomes and all(outcome.status.value == "done" for outcome in outcomes), outcomes
    again = client.get(url)
    # A document served once (the invitation letters) is not served by the asking link but by its download.
    if again.status_code == 303 and again.location.endswith("/unduh"):
        return client.get(again.location)
    return again


def follow_document(response: Any) -> Any:
    """After a request that answered with a document's progress page (a berita acara pleno asked for), let a
    worker make it, as the person waiting on that page would; returns the response."""
    if response.status_code == 303 and "/dokumen/" in response.location:
        outcomes = queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])
        assert outcomes and all(outcome.status.value == "done" for outcome in outcomes), outcomes
    return response


def print_letters(page: Any, app: Any, link: Any) -> bytes:
    """In a browser: click the invitation letters' link (a Playwright locator), let a worker make them while the
    progress page waits, and download them (once) from that page; returns the PDF's bytes."""
    from playwright.sync_api import expect

    link.click()
    expect(page.get_by_text("Berkas ini hanya dapat diunduh satu kali.")).to_be_visible()
    with app.app_context():
        outcomes = queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])
        assert [outcome.status.value for outcome in outcomes] == ["done"], outcomes
    page.reload()  # the page refreshes itself every few seconds; at once here
    expect(page.get_by_text("Dokumen siap.")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"Unduh surat-undangan-")).click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()
