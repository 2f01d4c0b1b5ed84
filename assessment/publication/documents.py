"""The berita acara pleno as a slow document (:mod:`assessment.documents`): made by the worker.

It lists every ranked and unranked desa of the final snapshot, so it grows with the competition: measured on the
development machine (2 cores, shared) 3.8 s for 60 desa and 10.8 s for 300 (about 39 s for the province's 841).
The desk and field berita acara of one desa (one or two pages, about 1 s) stay in their request.

A berita acara is a registered document: every one made gets its own public code and carries the audit trail's
anchor of its moment, so one is never reused for another request (the rule of
:func:`~assessment.publication.operations.generate_berita_acara`). The code is chosen when the committee asks,
so the job is idempotent: run again after a crash, it finds the document registered under that code and serves
it instead of registering a second one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assessment.documents.operations import DocumentKind, Step, register, request_document
from assessment.jobs import queue
from assessment.models import BeritaAcara, BeritaAcaraKind, Competition, Job, Role, User
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.platform.wita import now_utc
from assessment.publication.operations import PublicationRefused, generate_berita_acara, new_kode
from assessment.services.published import final_snapshot_of
from assessment.services.security import user_can_access_region

PLENO = "berita_acara_pleno"


def request_pleno(competition: Competition, by: User, base_url: str) -> Job:
    """Ask the worker for a new berita acara pleno (refused with ``not_final`` before the final snapshot); its QR
    code leads to ``base_url`` + ``/verifikasi/<kode>``."""
    if final_snapshot_of(competition) is None:
        raise PublicationRefused("not_final")
    kode = new_kode()
    params = {
        "competition": competition.id,
        "by": by.id,
        "kode": kode,
        "base_url": base_url.rstrip("/"),
        "lang": str(get_locale() or "id"),
    }
    return request_document(PLENO, params, kode)


def _allowed(user: Any, params: dict[str, Any]) -> bool:
    competition = db.session.get(Competition, int(params["competition"]))
    return competition is not None and user_can_access_region(user, competition.scope_region_code, (Role.panitia,))


def _build(params: dict[str, Any], step: Step) -> bytes:
    kode = str(params["kode"])
    document = db.session.scalar(select(BeritaAcara).where(BeritaAcara.kode == kode))
    if document is None:
        competition = db.session.get(Competition, int(params["competition"]))
        by = db.session.get(User, int(params["by"]))
        if competition is None or by is None:
            raise queue.Permanent("competition or account gone")
        step(1, 2)
        base = str(params["base_url"])
        # The committee member's language: the berita acara's words are translated while rendering.
        with current_app.test_request_context(environ_base={"HTTP_COOKIE": f"lang={params.get('lang', 'id')}"}):
            try:
                document = generate_berita_acara(
                    BeritaAcaraKind.pleno,
                    competition,
                    None,
                    by,
                    now_utc(),
                    lambda code: f"{base}/verifikasi/{code}",
                    get_store(),
                    kode=kode,
                )
            except PublicationRefused as refused:
                raise queue.Permanent(f"refused: {refused.code}") from refused
    step(2, 2)
    with get_store().open(document.sha256) as handle:
        return handle.read()


register(
    DocumentKind(
        name=PLENO,
        title=_l("Berita acara pleno penetapan"),
        roles=(Role.panitia,),
        allowed=_allowed,
        filename=lambda params: f"berita-acara-pleno-{params['kode']}.pdf",
        build=_build,
    )
)
