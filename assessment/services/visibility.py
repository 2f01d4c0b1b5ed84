"""Who may read what of a desa's submission: personal data only where it is needed (UU PDP 27/2022).

Region scope (:mod:`assessment.services.security`) says where a role reaches; this module narrows it for the provincial
roles, whose scope is a whole province but whose need is a few desa. Every page and download that shows a desa's
self-assessment or evidence asks these functions, so the rule is written once:

- ``reads_submission``: the desa's operators, its verifikator kecamatan, the DPMD of its kabupaten and the
  provincial committee, each within their region scope; an **asesor** only for a desa they hold an active
  (not withdrawn) assignment of; a **ketua tim** only for a desa with an item in reconciliation (levels apart by
  at least the rubric's threshold). A conflict of interest removes the desa from both, in every list too.
- ``gets_original``: the original bytes of a photo carry its EXIF (GPS position, capture time, the camera). They
  go only to the roles that judge the photo: the committee, the assigned asesor, the ketua tim of a desa in
  reconciliation, and the operator who uploaded it (their own file). Everyone else who may read the submission
  (the verifikator kecamatan, DPMD, the desa's other operators) gets the display copy without EXIF through the
  same download link. A PDF or video has no display copy: the original is all there is (a PDF must stay
  byte-identical for its signature).
- ``sees_duplicate_flag``: "the same file as another desa" tells the reader that another desa, possibly outside
  their scope, holds that file: shown to the committee, assessors and the ketua tim (who judge originality),
  never to operators, verifikator or DPMD.
"""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from assessment.models import Assignment, Competition, Evidence, Participant, Role
from assessment.platform.extensions import db
from assessment.repo import reconciliation_items, rubric_of
from assessment.services.security import grants_for, user_can_access_region

# Readers whose region scope is enough.
REGIONAL_READERS = (Role.operator_desa, Role.verifikator_kecamatan, Role.dpmd, Role.panitia)
READERS = (*REGIONAL_READERS, Role.asesor, Role.ketua_tim)
# Roles that judge a file's originality.
DUPLICATE_FLAG_ROLES = (Role.panitia, Role.asesor, Role.ketua_tim)


def assigned_participant_ids(user: Any) -> set[int]:
    """The participants the user holds an active desk assignment of (none for anyone but an asesor); cached for
    the request, since a list asks once per desa."""
    if not grants_for(user, (Role.asesor,)):
        return set()
    cache: dict[int, set[int]] = g.setdefault("_assigned_participants", {})
    if user.id not in cache:
        cache[user.id] = set(
            db.session.scalars(
                select(Assignment.participant_id).where(
                    Assignment.assessor_id == user.id, Assignment.withdrawn_at.is_(None)
                )
            )
        )
    return cache[user.id]


def reconciliation_desa(competition: Competition) -> set[str]:
    """The desa codes of ``competition`` with at least one item flagged for reconciliation (cached per request)."""
    cache: dict[int, set[str]] = g.setdefault("_reconciliation_desa", {})
    if competition.id not in cache:
        rubric = rubric_of(competition.rubric)
        cache[competition.id] = {code for code, _indicator, _spread in reconciliation_items(competition, rubric)}
    return cache[competition.id]


def reads_submission(user: Any, participant: Participant) -> bool:
    """Whether ``user`` may read the desa's self-assessment and evidence (rules in the module docstring)."""
    code = participant.desa_code
    if user_can_access_region(user, code, REGIONAL_READERS):
        return True
    return _judges(user, participant)


def _judges(user: Any, participant: Participant) -> bool:
    """The assigned asesor, or a ketua tim of a desa in reconciliation (the cheap membership test first: the
    scope test looks up conflict declarations)."""
    code = participant.desa_code
    if participant.id in assigned_participant_ids(user) and user_can_access_region(user, code, (Role.asesor,)):
        return True
    return (
        bool(grants_for(user, (Role.ketua_tim,)))
        and code in reconciliation_desa(participant.competition)
        and user_can_access_region(user, code, (Role.ketua_tim,))
    )


def readable(user: Any, participants: list[Participant]) -> list[Participant]:
    """``participants`` the user may read (a list keeps its order); a conflicted desa never appears."""
    return [participant for participant in participants if reads_submission(user, participant)]


def gets_original(user: Any, evidence: Evidence) -> bool:
    """Whether ``user`` receives the original bytes of ``evidence`` rather than its display copy (docstring above).

    Only asked for a reader of the submission; a file without a display copy is always served as it is.
    """
    if not evidence.display_sha256:
        return True
    participant = evidence.participant
    code = participant.desa_code
    if user_can_access_region(user, code, (Role.panitia,)):
        return True
    if (
        evidence.uploaded_by_id is not None
        and evidence.uploaded_by_id == getattr(user, "id", None)
        and user_can_access_region(user, code, (Role.operator_desa,))
    ):
        return True
    return _judges(user, participant)


def sees_duplicate_flag(user: Any, participant: Participant) -> bool:
    """Whether the "same file as another desa" flag is shown to ``user`` on this desa's evidence."""
    return user_can_access_region(user, participant.desa_code, DUPLICATE_FLAG_ROLES)
