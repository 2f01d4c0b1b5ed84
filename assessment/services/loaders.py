"""What every route loads before it acts, written once: a rubric's indicator, a competition or a participant in the
user's scope, the user's own assignment, and the competitions a user may see.

Each loader stops the request the way every page does (404 for what does not exist, 403 for what lies outside the
user's roles or region scope, through :func:`assessment.services.security.require_region_access`), so a new page calls
these instead of copying a neighbour's.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from assessment.criteria.model import Indicator, Rubric
from assessment.models import Assignment, Competition, Participant, Role
from assessment.platform.extensions import db
from assessment.services.security import require_region_access, user_can_access_region


def indicator_or_404(rubric: Rubric, code: str) -> Indicator:
    """The rubric's indicator ``code``; 404 when the rubric has none."""
    try:
        return rubric.indicator(code)
    except KeyError:
        abort(404)


def competition_in_scope(competition_id: int, roles: Iterable[Role]) -> Competition:
    """The competition; 404 when it does not exist, 403 unless the user holds ``roles`` over its scope."""
    competition = db.get_or_404(Competition, competition_id)
    require_region_access(competition.scope_region_code, roles)
    return competition


def competitions_in_scope(roles: Iterable[Role]) -> list[Competition]:
    """The competitions whose scope the user reaches in ``roles``, newest year first (then in creation order)."""
    wanted = tuple(roles)
    return [
        competition
        for competition in db.session.scalars(select(Competition).order_by(Competition.year.desc(), Competition.id))
        if user_can_access_region(current_user, competition.scope_region_code, wanted)
    ]


def participant_in_scope(participant_id: int, roles: Iterable[Role]) -> Participant:
    """The participant; 404 when it does not exist, 403 unless the user holds ``roles`` over its desa."""
    participant = db.get_or_404(Participant, participant_id)
    require_region_access(participant.desa_code, roles)
    return participant


def own_assignment(assignment_id: int, roles: Iterable[Role]) -> Assignment:
    """The signed-in assessor's own, active assignment; 403 for anyone else's, a withdrawn one, or a conflict of
    interest (the region rule of ``roles``)."""
    assignment = db.get_or_404(Assignment, assignment_id)
    require_region_access(assignment.participant.desa_code, roles)
    if assignment.assessor_id != current_user.id or assignment.withdrawn_at is not None:
        abort(403)
    return assignment
