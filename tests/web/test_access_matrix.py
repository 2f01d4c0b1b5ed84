"""The access-control matrix: every route of ``app.url_map``, called as every role in and out of scope.

Each endpoint has a rule below (who may use it, and whether the region of the object it shows must lie in the
caller's scope). A route added without a rule fails :func:`test_every_route_has_a_rule`, so access is decided
before the route ships. Outcomes: ``login`` (anonymous sent to the sign-in page), ``forbidden`` (403) or
``allowed`` (anything else below 500 — a form may still refuse bad input with 400/422, a missing object 404).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from flask import Flask
from werkzeug.routing import Rule as UrlRule

from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue
from assessment.models import (
    CaptureOutcome,
    CaptureTrigger,
    Evidence,
    EvidenceKind,
    Job,
    LinkCapture,
    Role,
    StoredRubric,
)
from assessment.platform.extensions import db
from tests.conftest import Login, MakeRegion, MakeUser
from tests.support import files
from tests.support.competition import create_competition

DESA = "64.09.04.2002"
EVIDENCE_VIEWERS = (
    Role.operator_desa,
    Role.verifikator_kecamatan,
    Role.dpmd,
    Role.panitia,
    Role.asesor,
    Role.ketua_tim,
)
REVIEWERS = (Role.verifikator_kecamatan, Role.dpmd)
REVIEW_READERS = (*REVIEWERS, Role.panitia, Role.asesor, Role.ketua_tim)
DASHBOARD_VIEWERS = (Role.panitia, Role.dpmd, Role.verifikator_kecamatan)
# Provincial roles that read a desa's submission only when it is theirs to judge (assessment/services/visibility.py).
ASSIGNED_ONLY = (Role.asesor, Role.ketua_tim)

# role -> (a grant covering the desa under test, a grant of the same role elsewhere)
SCOPES = {
    Role.operator_desa: (DESA, "64.01.01.2001"),
    Role.verifikator_kecamatan: ("64.09.04", "64.01.01"),
    Role.dpmd: ("64.09", "64.01"),
    Role.panitia: ("64", "63"),
    Role.asesor: ("64", "63"),
    Role.ketua_tim: ("64", "63"),
}


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint: ``public``, any signed-in user (``roles=()``), or holders of ``roles``.

    ``to_sign_in``: the route always sends the caller to the sign-in page (the TOTP step without a password step).
    ``need_assignment``: these roles also need the desa assigned (asesor) or in reconciliation (ketua tim); the
    matrix holds neither, so they are refused even in scope (tests/web/test_privacy.py covers the assigned case).
    """

    public: bool = False
    to_sign_in: bool = False
    roles: tuple[Role, ...] = ()
    scoped: bool = False
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    need_assignment: tuple[Role, ...] = ()


PUBLIC = Access(public=True)
SIGNED_IN = Access()

RULES: dict[str, Access] = {
    "static": Access(public=True, params={"filename": "css/app.css"}),
    "main.index": PUBLIC,
    "main.set_language": Access(public=True, params={"code": "id"}),
    "main.home": SIGNED_IN,
    # The front door's document field only redirects to the public verification page.
    "main.check_code": Access(public=True, params={}),
    # The chart library and the labelled example page (made-up regions) carry no competition data.
    "charts.plotly_js": Access(public=True, params={"version": "7.1.0"}),
    "charts.example": PUBLIC,
    "charts.example_geojson": Access(public=True, params={"layer": "desa"}),
    "auth.login": Access(public=True, data={"email": "siapa@contoh.id", "password": "bukan-sandinya-123"}),
    "auth.second_factor": Access(public=True, to_sign_in=True),
    "auth.logout": PUBLIC,
    "auth.enrol_second_factor": SIGNED_IN,
    "auth.password": SIGNED_IN,
    "auth.recovery_codes": SIGNED_IN,
    "competitions.list_competitions": Access(roles=(Role.panitia,)),
    "competitions.upload_rubric": Access(roles=(Role.panitia,)),
    "competitions.show_rubric": Access(roles=(Role.panitia,)),
    # The scope a competition is created over is checked against the form's scope (tests/web/test_competitions).
    "competitions.create": Access(roles=(Role.panitia,), data={"rubric_id": "{rubric_id}", "scope": "64"}),
    "competitions.show_competition": Access(roles=(Role.panitia,), scoped=True),
    # Changing a stage's dates (the rules and the reason are tested in tests/web/test_schedule.py).
    "competitions.edit_stage": Access(
        roles=(Role.panitia,),
        scoped=True,
        params={"code": "penilaian_dokumen"},
        data={"first_day": "2099-01-01", "last_day": "2099-01-10", "reason": "Uji akses."},
    ),
    # Registration (tests/web/test_registration.py): the committee's page checks the competition's region; DPMD and
    # the committee reach a kabupaten's page and a participant's withdrawal only within their scope (DPMD cannot
    # nominate another kabupaten's desa); forms posted empty here change nothing.
    "registration.index": Access(roles=(Role.panitia, Role.dpmd)),
    "registration.competition": Access(roles=(Role.panitia,), scoped=True),
    "registration.upload": Access(roles=(Role.panitia,), scoped=True),
    "registration.set_quota": Access(roles=(Role.panitia,), scoped=True),
    "registration.kabupaten": Access(roles=(Role.panitia, Role.dpmd), scoped=True, params={"kabupaten_code": "64.09"}),
    "registration.nominate": Access(roles=(Role.panitia, Role.dpmd), scoped=True, params={"kabupaten_code": "64.09"}),
    "registration.withdraw": Access(roles=(Role.panitia, Role.dpmd), scoped=True),
    # Accounts in bulk (tests/web/test_accounts_import.py): which roles and regions DPMD may create, and whose
    # letters it may print, is decided per line and per account there; the invitation page is public (an unknown
    # link is a 404 like every unusable one).
    "people.import_accounts": Access(roles=(Role.panitia, Role.dpmd)),
    "people.import_template": Access(roles=(Role.panitia, Role.dpmd)),
    "people.letters": Access(roles=(Role.panitia, Role.dpmd, Role.verifikator_kecamatan)),
    # People management (tests/web/test_people.py): the account under test is the in-scope operator's; the
    # action used here (a new invitation) does not touch its sessions, and grant forms posted empty change nothing.
    # A verifikator kecamatan reaches an operator of its kecamatan only to send a new invitation.
    "people.index": Access(roles=(Role.panitia, Role.dpmd, Role.verifikator_kecamatan)),
    "people.detail": Access(roles=(Role.panitia, Role.dpmd, Role.verifikator_kecamatan), scoped=True),
    "people.act": Access(
        roles=(Role.panitia, Role.dpmd, Role.verifikator_kecamatan), scoped=True, params={"action": "undang"}
    ),
    "people.add_grant": Access(roles=(Role.panitia, Role.dpmd), scoped=True),
    "people.remove_grant": Access(roles=(Role.panitia, Role.dpmd), scoped=True),
    "invitations.accept": Access(public=True, params={"token": "A" * 43}),
    "invitations.forgot_password": Access(public=True, data={"email": "siapa@contoh.id"}),
    "trail.index": Access(roles=(Role.panitia,)),
    "trail.download": Access(roles=(Role.panitia,)),
    "review.index": Access(roles=REVIEW_READERS),
    "review.detail": Access(roles=REVIEW_READERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    "review.complete": Access(roles=REVIEWERS, scoped=True),
    "review.send_back": Access(roles=REVIEWERS, scoped=True, data={"reason": "Lengkapi bukti."}),
    "desa.index": Access(roles=(Role.operator_desa,)),
    "desa.overview": Access(roles=(Role.operator_desa,), scoped=True),
    "desa.indicator": Access(roles=(Role.operator_desa,), scoped=True, data={"level": "2", "explanation": "x"}),
    "desa.upload": Access(roles=(Role.operator_desa,), scoped=True),
    "desa.add_link": Access(roles=(Role.operator_desa,), scoped=True, data={"url": "https://contoh.id"}),
    "desa.remove": Access(roles=(Role.operator_desa,), scoped=True),
    "desa.submit": Access(roles=(Role.operator_desa,), scoped=True),
    "desa.confirm_submit": Access(roles=(Role.operator_desa,), scoped=True),
    "desa.download": Access(roles=EVIDENCE_VIEWERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    "desa.display_copy": Access(roles=EVIDENCE_VIEWERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    "desa.pdf_inline": Access(roles=EVIDENCE_VIEWERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    # A link's captures: whoever may read the desa's evidence (assessment/services/visibility.py; tests/links/).
    "links.show": Access(roles=EVIDENCE_VIEWERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    "links.archived_copy": Access(roles=EVIDENCE_VIEWERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    "links.body": Access(roles=EVIDENCE_VIEWERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    "links.screenshot": Access(roles=EVIDENCE_VIEWERS, scoped=True, need_assignment=ASSIGNED_ONLY),
    # Fetching a desa's links again: those who judge the evidence (tests/links/test_rot.py).
    "links.recheck": Access(
        roles=(Role.asesor, Role.ketua_tim, Role.panitia), scoped=True, need_assignment=ASSIGNED_ONLY
    ),
    # Verification. The committee's pages check the competition's region; assessors' pages load their own
    # assignment first (none exists here: 404 for everyone with the role; ownership, conflicts and scope are
    # tested in tests/web/test_desk_scoring.py); the ketua tim's pages check the competition and the desa.
    "assignments.index": Access(roles=(Role.panitia,)),
    "assignments.competition": Access(roles=(Role.panitia,), scoped=True),
    "assignments.set_per_desa": Access(roles=(Role.panitia,), scoped=True, data={"count": "2"}),
    "assignments.assign": Access(roles=(Role.panitia,), scoped=True),
    "assignments.upload_csv": Access(roles=(Role.panitia,), scoped=True),
    "assignments.assign_auto": Access(roles=(Role.panitia,), scoped=True),
    "assignments.open_exception": Access(roles=(Role.panitia,), scoped=True),
    "assignments.revoke_exception": Access(roles=(Role.panitia,), scoped=True),
    "assignments.withdraw": Access(roles=(Role.panitia,), scoped=True),
    "assignments.confirm_withdraw": Access(roles=(Role.panitia,), scoped=True),
    "assessors.index": Access(roles=(Role.asesor,)),
    "assessors.declare_conflict": Access(roles=(Role.asesor,)),
    "assessors.overview": Access(roles=(Role.asesor,)),
    "assessors.indicator": Access(roles=(Role.asesor,)),
    "assessors.save": Access(roles=(Role.asesor,)),
    "assessors.access_test": Access(roles=(Role.asesor,)),
    "assessors.submit": Access(roles=(Role.asesor,)),
    "assessors.confirm_submit": Access(roles=(Role.asesor,)),
    "assessors.evidence_image": Access(roles=(Role.asesor,)),
    "assessors.evidence_pdf": Access(roles=(Role.asesor,)),
    "reconciliation.index": Access(roles=(Role.ketua_tim,)),
    "reconciliation.competition": Access(roles=(Role.ketua_tim,), scoped=True),
    "reconciliation.reconcile": Access(roles=(Role.ketua_tim,), scoped=True),
    # Results stages (tests/web/test_publication.py, tests/web/test_objections.py). Objection and berita acara
    # ids are loaded first (none exists here: 404 for everyone with the role; their scope is tested there).
    "objections.index": Access(roles=(Role.operator_desa,)),
    "objections.desa": Access(roles=(Role.operator_desa,), scoped=True),
    "objections.file": Access(roles=(Role.operator_desa,), scoped=True, data={"reason": "Nilai A1 keliru."}),
    "objections.evidence": Access(roles=(Role.operator_desa, Role.panitia)),
    "objections.committee_index": Access(roles=(Role.panitia,)),
    "objections.committee": Access(roles=(Role.panitia,), scoped=True),
    "objections.answer": Access(roles=(Role.panitia,), scoped=True, data={"reason": "Sudah sesuai."}),
    "publication.index": Access(roles=(Role.panitia,)),
    "publication.competition": Access(roles=(Role.panitia,), scoped=True),
    "publication.publish": Access(roles=(Role.panitia,), scoped=True),
    "publication.finalise": Access(roles=(Role.panitia,), scoped=True),
    "publication.confirm_publish": Access(roles=(Role.panitia,), scoped=True),
    "publication.confirm_finalise": Access(roles=(Role.panitia,), scoped=True),
    # Withdrawing a desa from the ranking (the participant here is a draft: refused with a message) and taking a
    # withdrawal back (none exists: 404 for the committee in scope); tests/web/test_ranking_rule.py.
    "publication.withdraw": Access(
        roles=(Role.panitia,), scoped=True, data={"reason": "Bukti A1 terbukti bukan milik desa ini."}
    ),
    "publication.restore": Access(
        roles=(Role.panitia,), scoped=True, data={"reason": "Keputusan pleno dibatalkan setelah klarifikasi."}
    ),
    "publication.berita_acara_index": Access(roles=(Role.panitia, Role.ketua_tim)),
    "publication.berita_acara": Access(roles=(Role.panitia, Role.ketua_tim), scoped=True),
    "publication.generate": Access(
        roles=(Role.panitia, Role.ketua_tim),
        scoped=True,
        data={"kind": "penilaian_dokumen", "participant_id": "{participant_id}"},
    ),
    "publication.download": Access(roles=(Role.panitia, Role.ketua_tim)),
    # The public verification page of a final snapshot or berita acara: no sign-in (an unknown code is a 404).
    "publication.verify": Access(public=True, params={"kode": "AAAAAAAAAAAAAAAA"}),
    "publication.snapshot_json": Access(public=True, params={"kode": "AAAAAAAAAAAAAAAA"}),
    "publication.committee_snapshot_json": Access(roles=(Role.panitia,), scoped=True),
    "publication.check": Access(public=True, params={"kode": "AAAAAAAAAAAAAAAA"}),
    "reconciliation.correct": Access(roles=(Role.ketua_tim,), scoped=True),
    # Field verification: the visiting assessor's pages load their own assignment first (none here: 404 for every
    # asesor; ownership, conflicts and finalists are tested in tests/web/test_field.py); the committee's and the
    # ketua tim's pages check the competition's region and the desa's.
    "field.index": Access(roles=(Role.asesor,)),
    "field.visit": Access(roles=(Role.asesor,)),
    "field.indicator": Access(roles=(Role.asesor,)),
    "field.save": Access(roles=(Role.asesor,)),
    "field.upload_photo": Access(roles=(Role.asesor,)),
    "field.photo": Access(roles=(Role.asesor,)),
    "field.remove_photo": Access(roles=(Role.asesor,)),
    "field.competitions": Access(roles=(Role.panitia, Role.ketua_tim)),
    "field.competition": Access(roles=(Role.panitia, Role.ketua_tim), scoped=True),
    "field.set_rule": Access(roles=(Role.panitia,), scoped=True, data={"scope": "kabupaten", "count": "3"}),
    "field.desa": Access(roles=(Role.panitia, Role.ketua_tim), scoped=True),
    "field.competition_photo": Access(roles=(Role.panitia, Role.ketua_tim), scoped=True),
    # Results: before publication (as here) only the committee in scope; the public after publication, DPMD's
    # downloads after publication and the offline import are tested in tests/web/test_results_pages.py.
    "results.index": PUBLIC,
    "results.ranking": Access(roles=(Role.panitia, Role.ketua_tim), scoped=True, params={"region_code": "64.09.04"}),
    "results.why": Access(roles=(Role.panitia, Role.ketua_tim), scoped=True, params={"desa_code": DESA}),
    "results.workbook": Access(roles=(Role.panitia,), scoped=True, params={"region_code": "64.09"}),
    "results.report_pdf": Access(roles=(Role.panitia,), scoped=True, params={"region_code": "64.09"}),
    "results.certificate": Access(roles=(Role.panitia,), scoped=True, params={"desa_code": DESA}),
    # Offline scoring lists only the assessor's own open assignments (none here: 404 for every assessor).
    "assessors_offline.index": Access(roles=(Role.asesor,)),
    "assessors_offline.competition": Access(roles=(Role.asesor,)),
    "assessors_offline.download": Access(roles=(Role.asesor,)),
    "assessors_offline.upload": Access(roles=(Role.asesor,)),
    "inbox.index": SIGNED_IN,
    "inbox.read": SIGNED_IN,
    "inbox.read_all": SIGNED_IN,
    "inbox.channels": SIGNED_IN,
    # Delivery of e-mail and WhatsApp/SMS: the committee only (it shows every recipient's address).
    "delivery.index": Access(roles=(Role.panitia,)),
    "delivery.test_message": Access(roles=(Role.panitia,), params={"channel": "email"}),
    "delivery.retry": Access(roles=(Role.panitia,), params={"job_id": "999999"}),
    # A slow document's progress page, download and retry follow its kind's rule: the PDF report of a kabupaten
    # (the job made in the test below) is the committee's in scope before publication, as results.report_pdf.
    "documents.progress": Access(roles=(Role.panitia,), scoped=True),
    "documents.download": Access(roles=(Role.panitia,), scoped=True),
    "documents.retry": Access(roles=(Role.panitia,), scoped=True),
    # Dashboards: the committee, DPMD and verifikator kecamatan, each within its grant (a kecamatan here, so every
    # in-scope grant covers it); score sections and publication are tested in tests/web/test_dashboard.py.
    "dashboard.index": Access(roles=DASHBOARD_VIEWERS),
    "dashboard.region": Access(roles=DASHBOARD_VIEWERS, scoped=True, params={"region_code": "64.09.04"}),
    "dashboard.geojson": Access(
        roles=DASHBOARD_VIEWERS, scoped=True, params={"region_code": "64.09.04", "layer": "desa"}
    ),
    "dashboard.desa": Access(roles=DASHBOARD_VIEWERS, scoped=True, params={"desa_code": DESA}),
}


def expected(rule: Access, role: Role | None, in_scope: bool) -> str:
    if rule.to_sign_in:
        return "login"
    if rule.public:
        return "allowed"
    if role is None:
        return "login"
    if rule.roles and role not in rule.roles:
        return "forbidden"
    if rule.scoped and not in_scope:
        return "forbidden"
    if role in rule.need_assignment:
        return "forbidden"
    return "allowed"


def outcome(status: int, location: str) -> str:
    if status == 302 and location.split("?")[0] == "/masuk":
        return "login"
    if status == 403:
        return "forbidden"
    return "allowed" if status < 500 else f"error {status}"


def test_every_route_has_a_rule(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - RULES.keys()) == [], "routes without an access rule in RULES"
    assert sorted(RULES.keys() - endpoints) == [], "rules for routes that no longer exist"


def _methods(rule: UrlRule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


@pytest.mark.slow
def test_access_matrix(app: Flask, make_user: MakeUser, make_region: MakeRegion, login: Login) -> None:
    competition, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    rubric_id = db.session.scalar(db.select(StoredRubric.id))
    operator_in = make_user(Role.operator_desa, DESA)
    client = login(app.test_client(), operator_in)
    client.post(
        f"/desa/peserta/{participant.id}/indikator/A1/bukti",
        data={"file": (io.BytesIO(files.png()), "foto.png")},
        content_type="multipart/form-data",
    )
    evidence = db.session.scalar(db.select(Evidence).where(Evidence.kind == EvidenceKind.file))
    assert evidence is not None
    link = Evidence(
        participant_id=participant.id, indicator_code="A1", kind=EvidenceKind.url, url="https://bukitraya.desa.id/"
    )
    db.session.add(link)
    db.session.flush()
    capture = LinkCapture(
        evidence_id=link.id,
        trigger=CaptureTrigger.added,
        outcome=CaptureOutcome.refused,
        requested_url="https://bukitraya.desa.id/",
    )
    db.session.add(capture)
    db.session.commit()
    queue.enqueue(
        DOCUMENT_JOB,
        "document:laporan:matrix",
        {"kind": "laporan", "params": {"competition": competition.id, "region": "64.09", "lang": "id"}},
    )
    db.session.commit()
    document_job = db.session.scalar(db.select(Job.id).where(Job.key == "document:laporan:matrix"))
    values = {
        "participant_id": str(participant.id),
        "competition_id": str(competition.id),
        "rubric_id": str(rubric_id),
        "evidence_id": str(evidence.id),
        "code": "A1",
        "user_id": str(operator_in.id),
        "capture_id": str(capture.id),
        "job_id": str(document_job),
    }
    actors: list[tuple[str, Role | None, bool]] = [("anonim", None, False)]
    users = {}
    for role, (inside, outside) in SCOPES.items():
        make_region(outside)
        users[(f"{role.value} dalam cakupan", role, True)] = make_user(role, inside)
        users[(f"{role.value} luar cakupan", role, False)] = make_user(role, outside)
        actors += [(f"{role.value} dalam cakupan", role, True), (f"{role.value} luar cakupan", role, False)]
    # An assessor of the desa's own province whose home kabupaten holds the desa: a conflict of interest, so
    # out of scope for everything about the desa.
    conflicted = ("asesor berkonflik", Role.asesor, False)
    users[conflicted] = make_user(Role.asesor, "64", home_region_code="64.09")
    actors.append(conflicted)

    mismatches: list[str] = []
    calls = 0
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        access = RULES[url_rule.endpoint]
        params = {name: access.params.get(name, values.get(name, "1")) for name in url_rule.arguments}
        path = url_rule.build(params, append_unknown=False)
        assert path is not None
        url = path[1]
        for method in _methods(url_rule):
            data = {key: value.format(**values) for key, value in access.data.items()}
            for label, role, in_scope in actors:
                client = app.test_client()
                if role is not None:
                    login(client, users[(label, role, in_scope)])
                response = client.open(url, method=method, data=data if method == "POST" else None)
                calls += 1
                got = outcome(response.status_code, response.headers.get("Location", ""))
                response.close()  # a file download holds its file open until closed
                want = expected(access, role, in_scope)
                if got != want:
                    mismatches.append(
                        f"{method} {url} ({url_rule.endpoint}) as {label}: expected {want}, got "
                        f"{got} [{response.status_code}]"
                    )
    assert calls > 300
    assert mismatches == [], "\n".join(mismatches)
