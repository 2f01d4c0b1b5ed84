"""Version-checked saves (compare-and-set in the database), shared by desk scores and self-assessments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from sqlalchemy import update

from assessment.platform.extensions import db

RowT = TypeVar("RowT")


class SaveConflict(Exception, Generic[RowT]):
    """Someone saved the same row after this form was loaded (the version check of :func:`compare_and_set`);
    ``current`` is the row as saved now (None when there is none), so the page can show both versions."""

    def __init__(self, current: RowT | None = None) -> None:
        super().__init__("conflict")
        self.current = current


def compare_and_set(model: Any, row_id: int, expected_version: int, values: Mapping[str, Any]) -> bool:
    """``UPDATE model SET version = version + 1, values WHERE id = row_id AND version = expected_version``.

    True when this save wrote the row; False when someone saved in between (the version moved on), and then nothing
    changed. The check is in the database, not read-then-check, so two app servers can never both win.
    """
    written = db.session.execute(
        update(model)
        .where(model.id == row_id, model.version == expected_version)
        .values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(written.rowcount == 1)  # type: ignore[attr-defined]
