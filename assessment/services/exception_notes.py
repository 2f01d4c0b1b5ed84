"""The committee's stage exceptions of a desa, for every page that shows that desa's data or results.

Pages include ``desa_exception_notes(participant)`` from ``templates/verification/_exceptions.html``; the template
globals registered here load what it shows, so no blueprint has to pass them along.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from assessment.models import Participant, StageException
from assessment.platform.extensions import db
from assessment.platform.wita import visitor_wita
from assessment.services.stages import STAGE_NAMES


def desa_exceptions(participant: Participant) -> list[StageException]:
    """Every exception the committee ever opened for the desa, oldest first: ended and revoked ones too, because
    they explain a change made outside a stage's dates (the partial marks revoked ones)."""
    return list(
        db.session.scalars(
            select(StageException)
            .where(StageException.participant_id == participant.id)
            .order_by(StageException.created_at, StageException.id)
        )
    )


def init_app(app: Flask) -> None:
    """Register the template globals of the exception partial."""
    app.jinja_env.globals.update(
        desa_exceptions=desa_exceptions, exception_stage_names=STAGE_NAMES, exception_wita=visitor_wita
    )
