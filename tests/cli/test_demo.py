"""``desa-digital demo`` seeds what it says, once."""

from __future__ import annotations

import hashlib
import stat
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from assessment.auth.operations import authenticate
from assessment.commands.demo import accounts_file_for
from assessment.demo.regions_ppu import PPU_REGIONS
from assessment.models import (
    Competition,
    Evidence,
    EvidenceKind,
    Participant,
    Region,
    RegionKind,
    Role,
    SelfAssessment,
    StageCode,
    SubmissionStatus,
    User,
    utcnow,
)
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.publication.recompute import read_snapshot, verify_snapshot
from assessment.repo import rubric_of


def _current() -> Competition:
    """This year's demo competition (the other one is last year's, finished)."""
    return db.session.scalars(db.select(Competition).order_by(Competition.year.desc())).first()  # type: ignore[return-value]


def _count(kind: RegionKind) -> int:
    return len(db.session.scalars(db.select(Region).where(Region.kind == kind, Region.code.startswith("64.09"))).all())


def test_demo_seeds_ppu_competition_accounts_and_self_assessments(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    assert (_count(RegionKind.kecamatan), _count(RegionKind.desa), _count(RegionKind.kelurahan)) == (4, 30, 24)
    bukit_raya = db.session.scalars(db.select(Region).where(Region.code == "64.09.04.2002")).one()
    assert (bukit_raya.name, bukit_raya.parent_code) == ("Bukit Raya", "64.09.04")

    competition = _current()
    assert "[DEMO]" in competition.name
    assert rubric_of(competition.rubric).id == "desa-digital-kaltim-2026"
    stage = competition.stage(StageCode.penilaian_mandiri)
    assert stage is not None and stage.is_open(utcnow())

    users = db.session.scalars(db.select(User)).all()
    assert {grant.role for user in users for grant in user.grants} == set(Role)
    accounts_file = accounts_file_for(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    assert stat.S_IMODE(accounts_file.stat().st_mode) == 0o600
    lines = [line.split("\t") for line in accounts_file.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == len(users)
    for role, _region, email, password in lines:
        assert f"{email}" in result.output and password in result.output
        assert authenticate(email, password) is not None, role

    participants = db.session.scalars(db.select(Participant).where(Participant.competition_id == competition.id)).all()
    assert 18 <= len(participants) <= 22
    assert all(p.is_demo for p in participants)
    assert {p.desa_code.rsplit(".", 1)[0] for p in participants} == {"64.09.01", "64.09.02", "64.09.03", "64.09.04"}
    assert all(db.session.get(Region, p.region.id).kind is RegionKind.desa for p in participants)
    operators = {g.region_code for u in users for g in u.grants if g.role is Role.operator_desa}
    assert operators == {p.desa_code for p in participants}
    assessments = db.session.scalars(db.select(SelfAssessment)).all()
    assert assessments and all(a.explanation.startswith("[DEMO]") for a in assessments)
    submitted = [p for p in participants if p.status is not SubmissionStatus.draf]
    indicator_count = len(rubric_of(competition.rubric).indicators)
    assert submitted and all(len(p.self_assessments) == indicator_count for p in submitted)
    returned = [p for p in participants if p.status is SubmissionStatus.dikembalikan]
    assert returned and returned[0].reviews[-1].reason


def test_demo_evidence_is_stored_and_covers_every_level_above_the_lowest(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    store = get_store()
    files = db.session.scalars(db.select(Evidence).where(Evidence.kind == EvidenceKind.file)).all()
    assert {evidence.media_type for evidence in files} == {"image/png", "application/pdf"}
    for evidence in files:
        assert evidence.sha256 and store.exists(evidence.sha256)
        with store.open(evidence.sha256) as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == evidence.sha256
        assert not evidence.duplicate_of_other_desa
    links = db.session.scalars(db.select(Evidence).where(Evidence.kind == EvidenceKind.url)).all()
    assert links and all(".desa.example/demo/" in (evidence.url or "") for evidence in links)
    competition = _current()
    lowest = rubric_of(competition.rubric).scale.min
    for participant in db.session.scalars(
        db.select(Participant).where(Participant.competition_id == competition.id)
    ).all():
        with_evidence = {evidence.indicator_code for evidence in participant.evidence}
        needing = {a.indicator_code for a in participant.self_assessments if a.level is not None and a.level > lowest}
        assert needing <= with_evidence, participant.desa_code


def test_demo_if_empty_skips_a_database_with_data(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    skipped = runner.invoke(args=["demo", "--if-empty"])
    assert skipped.exit_code == 0
    assert "demo tidak dijalankan" in skipped.output
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0
    assert len(db.session.scalars(db.select(Competition)).all()) == 3  # this year's and two finished editions


def test_demo_region_data_matches_the_documented_counts() -> None:
    kinds = [kind for _, _, kind in PPU_REGIONS]
    assert (kinds.count("kecamatan"), kinds.count("desa"), kinds.count("kelurahan")) == (4, 30, 24)


def test_demo_assigns_two_independent_assessors_to_each_complete_desa(app: Flask, runner: FlaskCliRunner) -> None:
    from assessment.models import Assignment
    from assessment.services.security import conflict_of_interest

    assert runner.invoke(args=["demo"]).exit_code == 0
    complete = db.session.scalars(
        db.select(Participant).where(
            Participant.status == SubmissionStatus.lengkap, Participant.competition_id == _current().id
        )
    ).all()
    assert complete
    for participant in complete:
        assignments = (
            db.session.scalars(db.select(Assignment).where(Assignment.participant_id == participant.id)).unique().all()
        )
        assert len({a.assessor_id for a in assignments}) == 2
        assert all(conflict_of_interest(a.assessor, participant.desa_code) is None for a in assignments)
    others = (
        db.session.scalars(
            db.select(Assignment).join(Participant).where(Participant.status != SubmissionStatus.lengkap)
        )
        .unique()
        .all()
    )
    assert others == []


def test_demo_last_years_edition_is_finished_and_public(app: Flask, runner: FlaskCliRunner) -> None:
    """The two previous editions show what the later stages produce: the same desa ranked from two assessors' desk
    scores, provisional results published, a final snapshot on its public page; result pages open without
    sign-in, and DPMD's dashboard draws the trend across the two."""
    from assessment.models import Assignment, DeskScore, FinalSnapshot

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    current = _current()
    editions = db.session.scalars(
        db.select(Competition).where(Competition.id != current.id).order_by(Competition.year)
    ).all()
    assert [e.year for e in editions] == [current.year - 2, current.year - 1]
    previous = editions[-1]
    assert "[DEMO]" in previous.name and all(e.results_published_at is not None for e in editions)
    assert previous.results_published_at is not None
    for code in (StageCode.penilaian_mandiri, StageCode.penetapan):
        stage = previous.stage(code)
        assert stage is not None and stage.ends_at < utcnow()
    participants = db.session.scalars(db.select(Participant).where(Participant.competition_id == previous.id)).all()
    assert {p.desa_code for p in participants} == {
        p.desa_code for p in db.session.scalars(db.select(Participant).where(Participant.competition_id == current.id))
    }
    assert all(p.status is SubmissionStatus.lengkap for p in participants)
    scores = db.session.scalars(
        db.select(DeskScore).join(Assignment).join(Participant).where(Participant.competition_id == previous.id)
    ).all()
    assert len(scores) == 2 * len(participants) * len(rubric_of(previous.rubric).indicators)
    snapshot = db.session.scalars(db.select(FinalSnapshot).where(FinalSnapshot.competition_id == previous.id)).one()
    public = app.test_client()
    assert public.get(f"/verifikasi/{snapshot.kode}").status_code == 200
    # Its public JSON recomputes to what it states (20 desa, the default rubric, two assessors each).
    download = public.get(f"/verifikasi/{snapshot.kode}/cuplikan.json").data
    verdict = verify_snapshot(read_snapshot(download))
    assert verdict.matches, verdict.differences
    ranking = public.get(f"/hasil/{previous.id}/peringkat/64.09")
    assert ranking.status_code == 200
    html = ranking.get_data(as_text=True)
    assert all(p.region.name in html for p in participants)
    dpmd = next(line.split() for line in result.output.splitlines() if "dpmd-ppu@" in line)
    viewer = app.test_client()
    assert viewer.post("/masuk", data={"email": dpmd[-2], "password": dpmd[-1]}).status_code == 302
    dashboard = viewer.get(f"/dasbor/{previous.id}/64.09").get_data(as_text=True)
    assert f"Edisi: {current.year - 2}, {current.year - 1}." in dashboard


def test_demo_account_list_lies_beside_the_database_it_describes(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert accounts_file_for(f"sqlite:///{instance / 'desa-digital.sqlite3'}", instance) == instance / "demo-akun.txt"
    other = tmp_path / "latihan" / "pelatihan.sqlite3"
    assert accounts_file_for(f"sqlite:///{other}", instance) == tmp_path / "latihan" / "pelatihan-demo-akun.txt"
    server = accounts_file_for("postgresql+psycopg://u:rahasia@db.contoh.id:5433/lomba", instance)
    assert server == instance / "demo-akun-db.contoh.id-5433-lomba.txt"
    assert "rahasia" not in str(server)


def test_demo_into_another_database_keeps_the_instance_account_list(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    instance_list = tmp_path / "demo-akun.txt"
    instance_list.write_text("akun instans yang sudah ada\n")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert instance_list.read_text() == "akun instans yang sudah ada\n"
    assert str(accounts_file_for(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)) in result.output


def test_demo_notices_about_past_editions_carry_their_own_dates(app: Flask, runner: FlaskCliRunner) -> None:
    """The notices the previous editions' publication and finalisation sent are dated when those happened, not on
    the day the demo was seeded (issue 12, point 7)."""
    from assessment.models import Notification

    assert runner.invoke(args=["demo"]).exit_code == 0
    current = _current()
    past = db.session.scalars(db.select(Competition).where(Competition.id != current.id)).all()
    moments = set()
    for edition in past:
        for code in (StageCode.pengumuman_sementara, StageCode.penetapan):
            stage = edition.stage(code)
            assert stage is not None
            moments.add(stage.starts_at + timedelta(hours=1))  # the demo acts an hour into a stage
    notices = db.session.scalars(db.select(Notification)).all()
    assert notices, "the previous editions' publications notify the operators"
    assert {notice.created_at for notice in notices} <= moments
    assert all(notice.created_at < current.stages[0].starts_at for notice in notices)
