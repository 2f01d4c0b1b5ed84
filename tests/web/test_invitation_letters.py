"""The invitation letters made by the background worker (issue 15, point 1): the click leads to the progress
page, the PDF is stored encrypted, served once and only to the person who asked, and deleted when its links
expire (the rules: "Sealed, once" in assessment/documents/operations.py)."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from assessment.accounts.invitations import token_for
from assessment.documents import operations
from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue
from assessment.models import AccountInvitation, Job, JobStatus, Role
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.platform.wita import now_utc
from tests.conftest import Login, MakeRegion, MakeUser


def _invite(app: Flask, make_user: MakeUser, login: Login) -> tuple[FlaskClient, AccountInvitation]:
    operator = make_user(Role.operator_desa, "64.09.04.2002", name="Siti Bukit Raya")
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    assert dpmd.post(f"/pengguna/{operator.id}/undang").status_code == 200
    invitation = db.session.scalars(db.select(AccountInvitation)).one()
    return dpmd, invitation


def _ask(client: FlaskClient, invitation: AccountInvitation) -> str:
    """Click the letters link: the answer is the progress page's address."""
    asked = client.get("/pengguna/undangan.pdf", query_string={"batch": invitation.batch})
    assert asked.status_code == 303 and "/dokumen/" in asked.location
    return str(asked.location)


def _work() -> None:
    outcomes = queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])
    assert outcomes and all(outcome.status is JobStatus.done for outcome in outcomes), outcomes


def _letters_job() -> Job:
    return db.session.scalars(db.select(Job).where(Job.kind == DOCUMENT_JOB)).one()


def test_letters_are_made_by_the_worker_and_downloaded_only_once(app: Flask, make_user: MakeUser, login: Login) -> None:
    dpmd, invitation = _invite(app, make_user, login)
    progress = _ask(dpmd, invitation)
    assert _ask(dpmd, invitation) == progress  # a double click makes one job
    waiting = dpmd.get(progress).get_data(as_text=True)
    assert "Menunggu giliran" in waiting and "hanya dapat diunduh satu kali" in waiting
    _work()
    ready = dpmd.get(progress).get_data(as_text=True)
    assert "Berkas ini hanya dapat diunduh satu kali." in ready
    download = re.search(r'href="(/dokumen/\d+/unduh)"', ready)
    assert download is not None
    first = dpmd.get(download.group(1))
    assert first.status_code == 200 and first.mimetype == "application/pdf" and first.data.startswith(b"%PDF")
    assert first.headers["Cache-Control"] == "no-store"
    second = dpmd.get(download.group(1))
    assert second.status_code == 410 and second.headers["Cache-Control"] == "no-store"
    assert "sudah diunduh sekali" in second.get_data(as_text=True)
    assert "sudah diunduh sekali" in dpmd.get(progress).get_data(as_text=True)
    # Making letters issued no token and revoked nothing: the link printed is the one the invitation had.
    db.session.refresh(invitation)
    assert invitation.revoked_at is None and db.session.query(AccountInvitation).count() == 1
    # Asking again makes new letters (the same job, made again).
    assert _ask(dpmd, invitation) == progress
    _work()
    assert dpmd.get(download.group(1)).status_code == 200


def test_the_stored_letters_are_neither_a_pdf_nor_the_links_in_the_clear(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    dpmd, invitation = _invite(app, make_user, login)
    _ask(dpmd, invitation)
    _work()
    job = _letters_job()
    sha256 = operations.stored_file(job)
    assert sha256 is not None
    with get_store().open(sha256) as handle:
        blob = handle.read()
    token = token_for(invitation)
    assert b"%PDF" not in blob and token.encode() not in blob and b"/undangan/" not in blob
    assert operations.unseal(blob, job.key) is not None and operations.unseal(blob, job.key + "x") is None
    # The file is deleted at its one download.
    dpmd.get(f"/dokumen/{job.id}/unduh")
    assert not get_store().exists(sha256)


def test_letters_not_downloaded_are_purged_when_their_links_expire(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    dpmd, invitation = _invite(app, make_user, login)
    _ask(dpmd, invitation)
    _work()
    job = _letters_job()
    sha256 = operations.stored_file(job)
    assert sha256 is not None
    assert operations.purge_expired(invitation.expires_at - timedelta(seconds=1)) == 0
    assert get_store().exists(sha256)
    assert operations.purge_expired(invitation.expires_at) == 1
    assert not get_store().exists(sha256)
    gone = dpmd.get(f"/dokumen/{job.id}/unduh")
    assert gone.status_code == 410 and "kedaluwarsa" in gone.get_data(as_text=True)


def test_the_periodic_purge_job_deletes_expired_letters(app: Flask, make_user: MakeUser, login: Login) -> None:
    dpmd, invitation = _invite(app, make_user, login)
    _ask(dpmd, invitation)
    _work()
    job = _letters_job()
    sha256 = operations.stored_file(job)
    assert sha256 is not None
    # Letters asked for a while ago, whose links ended a minute ago.
    payload = json.loads(job.payload or "{}")
    payload["params"]["expires"] = (now_utc() - timedelta(minutes=1)).isoformat()
    job.payload = json.dumps(payload)
    queue.enqueue(operations.PURGE_JOB, "purge-test", run_at=now_utc())
    db.session.commit()
    outcomes = queue.run_due(queue.worker_name(), kinds=[operations.PURGE_JOB])
    assert [outcome.detail for outcome in outcomes] == ["1 dokumen dihapus"]
    assert not get_store().exists(sha256)


def test_only_the_person_who_asked_may_download_the_letters(app: Flask, make_user: MakeUser, login: Login) -> None:
    dpmd, invitation = _invite(app, make_user, login)
    progress = _ask(dpmd, invitation)
    _work()
    job = _letters_job()
    colleague = login(app.test_client(), make_user(Role.dpmd, "64.09", email="rekan@contoh.id"))
    committee = login(app.test_client(), make_user(Role.panitia, "64", email="panitia2@contoh.id"))
    for other in (colleague, committee):
        assert other.get(progress).status_code == 403
        assert other.get(f"/dokumen/{job.id}/unduh").status_code == 403
    assert operations.stored_file(job) is not None  # still there for the person who asked
    assert dpmd.get(f"/dokumen/{job.id}/unduh").status_code == 200


def test_letters_made_again_carry_the_same_links_and_revoke_nothing(
    app: Flask, make_user: MakeUser, login: Login
) -> None:
    """A job run again (after a worker crash, or asked again) prints the links the invitations already have."""
    dpmd, invitation = _invite(app, make_user, login)
    printed = []
    for _run in range(2):
        _ask(dpmd, invitation)
        _work()
        pdf = dpmd.get(f"/dokumen/{_letters_job().id}/unduh")
        assert pdf.status_code == 200
        text = "".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf.data)).pages)
        printed.append(re.findall(r"/undangan/[A-Za-z0-9_\-]{43}", text.replace("\n", "")))
    assert printed[0] == printed[1] == [f"/undangan/{token_for(invitation)}"]
    rows = db.session.scalars(db.select(AccountInvitation)).all()
    assert len(rows) == 1 and rows[0].revoked_at is None and rows[0].used_at is None


def test_letters_are_not_served_once_an_account_left_the_askers_region(
    app: Flask, make_user: MakeUser, make_region: MakeRegion, login: Login
) -> None:
    """Access as the letters were made: the person who asked must still be allowed to invite every account in them
    when downloading (here the operator's desa moved to another kabupaten between the click and the download)."""
    dpmd, invitation = _invite(app, make_user, login)
    progress = _ask(dpmd, invitation)
    _work()
    job = _letters_job()
    [grant] = invitation.user.grants
    grant.region_code = make_region("64.72.01.1001").code
    db.session.commit()
    assert dpmd.get(progress).status_code == 403
    assert dpmd.get(f"/dokumen/{job.id}/unduh").status_code == 403
    assert operations.stored_file(job) is not None  # not taken: the letters were not served
    grant.region_code = "64.09.04.2002"
    db.session.commit()
    assert dpmd.get(f"/dokumen/{job.id}/unduh").status_code == 200
