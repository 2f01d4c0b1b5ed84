"""A whole province in a database for benchmarks: 841 desa, 20 indicators, 3 assessors with submitted scores.

Built with bulk inserts into a fresh SQLite file (or ``DATABASE_URL``); used by bench_reports.py to time
``repo.results_report`` and the pages and exports that read it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from assessment import create_app
from assessment.criteria.fingerprint import canonical_form, fingerprint
from assessment.criteria.model import Rubric
from assessment.models import (
    Assignment,
    Competition,
    DeskScore,
    Participant,
    Region,
    RegionKind,
    Role,
    RoleGrant,
    SelfAssessment,
    StoredRubric,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db


def rubric_yaml(n_indicators: int = 20, n_aspects: int = 5) -> str:
    """A 20-indicator rubric (5 aspects of weight 20, decimal weights, levels 0-4, N/A on each aspect's last)."""
    per = n_indicators // n_aspects
    lines = [
        "id: bench-provinsi",
        "title: Rubrik benchmark",
        'version: "1"',
        "scale: {min: 0, max: 4}",
        "bands:",
        "  - {min: 0, label: Kurang}",
        "  - {min: 40, label: Cukup}",
        "  - {min: 60, label: Baik}",
        "  - {min: 80, label: Sangat Baik}",
        "aspects:",
    ]
    for a in range(n_aspects):
        lines += [f"  - code: A{a + 1}", f"    name: Aspek {a + 1}", "    indicators:"]
        for k in range(per):
            number = a * per + k + 1
            lines += [
                f"      - code: I{number:02d}",
                f"        name: Indikator {number}",
                f"        weight: {(3.5, 4.5, 5.5, 6.5)[(a + k) % 4]}",
                "        levels:",
            ]
            lines += [f"          {v}: level {v}" for v in range(5)]
            if k == per - 1:
                lines.append("        allow_na: true")
    return "\n".join(lines) + "\n"


def build(desa: Sequence[tuple[str, str, str, str]], seed: int = 0) -> tuple[Any, int]:
    """An app on a fresh database holding the province; returns (app, competition id)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-provinsi-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "EVIDENCE_DIR": str(folder / "evidence"),
        }
    )
    from assessment.criteria.files import load_rubric_bytes

    source = rubric_yaml()
    rubric: Rubric = load_rubric_bytes(source.encode(), "rubrik.yaml")
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC) - timedelta(days=1)
    with app.app_context():
        db.create_all()
        regions: dict[str, tuple[str, RegionKind]] = {"64": ("Kalimantan Timur", RegionKind.provinsi)}
        for code, name, kecamatan_code, kecamatan in desa:
            regions.setdefault(code[:5], (f"Kabupaten {code[:5]}", RegionKind.kabupaten))
            regions.setdefault(kecamatan_code, (kecamatan, RegionKind.kecamatan))
            regions[code] = (name, RegionKind.desa)
        for depth in (1, 2, 3, 4):
            rows = [
                {"code": c, "name": n, "kind": k, "parent_code": ".".join(c.split(".")[:-1]) or None}
                for c, (n, k) in regions.items()
                if len(c.split(".")) == depth
            ]
            db.session.execute(insert(Region), rows)
        stored = StoredRubric(
            fingerprint=fingerprint(rubric),
            source_format="yaml",
            source_text=source,
            original_name="rubrik.yaml",
            rubric_json=canonical_form(rubric).decode(),
            title=rubric.title,
        )
        db.session.add(stored)
        db.session.flush()
        competition = Competition(
            name="Lomba Desa Digital (benchmark)", year=2026, scope_region_code="64", rubric_id=stored.id
        )
        db.session.add(competition)
        no_password = "!"  # noqa: S105 -- these accounts never sign in
        assessors = [
            User(name=f"Asesor {i}", email=f"asesor{i}@bench.id", password_hash=no_password) for i in range(12)
        ]
        db.session.add_all(assessors)
        db.session.flush()
        db.session.add_all(RoleGrant(user_id=a.id, role=Role.asesor, region_code="64") for a in assessors)
        db.session.execute(
            insert(Participant),
            [
                {
                    "competition_id": competition.id,
                    "desa_code": code,
                    "status": SubmissionStatus.lengkap,
                    "submitted_at": now,
                }
                for code, _n, _k, _kn in desa
            ],
        )
        participants = dict(db.session.execute(db.select(Participant.desa_code, Participant.id)).all())
        assignment_rows = []
        for index, (code, _n, _k, _kn) in enumerate(desa):
            for slot in range(3):
                assignment_rows.append(
                    {
                        "participant_id": participants[code],
                        "assessor_id": assessors[(index + 4 * slot) % 12].id,
                        "method": "manual",
                        "created_at": now,
                        "submitted_at": now,
                    }
                )
        db.session.execute(insert(Assignment), assignment_rows)
        assignments = db.session.execute(db.select(Assignment.id, Assignment.participant_id)).all()
        quality = {pid: int(rng.integers(0, 5)) for pid in participants.values()}
        indicators = [ind.code for ind in rubric.indicators]
        scores = []
        for assignment_id, participant_id in assignments:
            for code in indicators:
                # Within one level of each other: every desa is ranked (assessment.core.standing.who_is_ranked).
                level = int(np.clip(quality[participant_id] + rng.integers(0, 2), 0, 4))
                scores.append(
                    {
                        "assignment_id": assignment_id,
                        "indicator_code": code,
                        "level": level,
                        "note": "catatan",
                        "updated_at": now,
                    }
                )
        db.session.execute(insert(DeskScore), scores)
        own = [
            {
                "participant_id": pid,
                "indicator_code": code,
                "level": min(4, quality[pid] + 1),
                "explanation": "x",
                "updated_at": now,
            }
            for pid in participants.values()
            for code in indicators
        ]
        db.session.execute(insert(SelfAssessment), own)
        db.session.commit()
        return app, competition.id
