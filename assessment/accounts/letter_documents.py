"""The invitation letters as a slow document (:mod:`assessment.documents`): made by the background worker, sealed
and served once.

WeasyPrint takes about a quarter of a second per letter (12 s for 50 accounts on the development machine), so the
click only enqueues the job and shows the progress page. The letters carry working single-use links, so the kind
is ``once``: the PDF is stored encrypted, deleted at its first download or when the links expire, whichever comes
first, and only the person who asked may download it (the rules: "Sealed, once" in
:mod:`assessment.documents.operations`).

Making letters issues no token: each link is an HMAC of its invitation's nonce (:func:`~assessment.accounts.
invitations.token_for`), so a job run again after a worker crash prints the very same links, and no invitation
is revoked or created by it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessment.accounts import importing
from assessment.accounts.letters import letters_pdf
from assessment.documents.operations import DocumentKind, Step, fingerprint, register, request_document
from assessment.jobs import queue
from assessment.models import AccountInvitation, Job, Role, User
from assessment.platform.extensions import db
from assessment.platform.wita import now_utc
from assessment.services.security import has_role

LETTERS = "surat_undangan"
ROLES = (Role.panitia, Role.dpmd, Role.verifikator_kecamatan)


def request_letters(items: list[AccountInvitation], by: User, batch: str | None, base_url: str) -> Job:
    """Ask the worker for the letters of these open invitations (already filtered to those ``by`` may print), in
    this order. The same person asking for the same letters again while the job waits finds the same job."""
    params = {
        "owner": by.id,
        "batch": batch or "",
        "invitations": [item.id for item in items],
        "expires": min(item.expires_at for item in items).isoformat(),
        "base_url": base_url.rstrip("/"),
        "lang": str(get_locale() or "id"),
    }
    # What the letters print besides the links (names, e-mails, roles), so an edit in between gives new letters.
    data = [
        (item.id, item.user.name, item.user.email, sorted((g.role.value, g.region_code) for g in item.user.grants))
        for item in items
    ]
    return request_document(LETTERS, params, fingerprint(LETTERS, params, data))


def _allowed(user: Any, params: dict[str, Any]) -> bool:
    """Only the person who asked, while they still hold a role that prints letters and may still invite every
    account whose letter is in it (:func:`importing.may_invite`, the rule the letters were chosen and made by): a
    DPMD officer moved to another kabupaten, or an account moved out of their region, between the click and the
    download no longer gets links to accounts that are not theirs. Invitations deleted meanwhile are not in the
    way."""
    if getattr(user, "id", None) != params.get("owner") or not has_role(user, ROLES):
        return False
    ids = [int(value) for value in params.get("invitations", [])]
    listed = db.session.scalars(select(AccountInvitation).where(AccountInvitation.id.in_(ids))).all()
    return all(importing.may_invite(user, invitation.user) for invitation in listed)


def _build(params: dict[str, Any], step: Step) -> bytes:
    by = db.session.get(User, int(params["owner"]))
    if by is None:
        raise queue.Permanent("account gone")
    now = now_utc()
    ids = [int(value) for value in params["invitations"]]
    found = {
        item.id: item for item in db.session.scalars(select(AccountInvitation).where(AccountInvitation.id.in_(ids)))
    }
    # Still open and still the asker's to print (an account moved out of scope meanwhile is left out).
    items = [
        found[number]
        for number in ids
        if number in found and found[number].is_open(now) and importing.may_invite(by, found[number].user)
    ]
    if not items:
        raise queue.Permanent("no open invitation left")
    step(1, 2)
    # The request's address and language: the links point where the person asked, the words in their language.
    with current_app.test_request_context(
        base_url=str(params["base_url"]) + "/", environ_base={"HTTP_COOKIE": f"lang={params.get('lang', 'id')}"}
    ):
        pdf = letters_pdf(items)
    step(2, 2)
    return pdf


register(
    DocumentKind(
        name=LETTERS,
        title=_l("Surat undangan akun"),
        roles=ROLES,
        allowed=_allowed,
        filename=lambda params: f"surat-undangan-{params.get('batch') or 'semua'}.pdf",
        build=_build,
        once=True,
    )
)
