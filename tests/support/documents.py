"""Fetching a slow document (assessment/documents) as a person does: the click leads to the progress page, the
worker makes the file, and the same link then serves it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue


def fetch_document(client: FlaskClient, url: str) -> Any:
    """GET ``url``; when it answers with the progress page of a document, let a worker run the job and GET it
    again (what the progress page's download link leads to). Any other answer (403, 404) is returned as is."""
    first = client.get(url)
    if first.status_code != 303 or "/dokumen/" not in first.location:
        return first
    outcomes = queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])
    assert outcomes and all(outcome.status.value == "done" for outcome in outcomes), outcomes
    return client.get(url)


def follow_document(response: Any) -> Any:
    """After a request that answered with a document's progress page (a berita acara pleno asked for), let a
    worker make it, as the person waiting on that page would; returns the response."""
    if response.status_code == 303 and "/dokumen/" in response.location:
        outcomes = queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])
        assert outcomes and all(outcome.status.value == "done" for outcome in outcomes), outcomes
    return response
