"""The field-stage rules a desa (or an assessor) could contest, each written once here. Pure: no app, no database."""

from __future__ import annotations

from collections.abc import Iterable

from assessment.criteria.model import Rubric
from assessment.scoring import Ranking

NOTE_MAX = 2000
SCOPES = ("provinsi", "kabupaten")


def select_finalists(ranking: Ranking, scope: str, count: int) -> tuple[str, ...]:
    """The desa the field team visits (klarifikasi lapangan), in the published order.

    The rule:

    - The ranking is the scoring engine's (:func:`assessment.scoring.score`, rules 2-6: exact index, then the
      rubric's tie-break cascade, standard competition ranking) over the desk result: the counted desk levels,
      with the ketua tim's agreed level where an item was reconciled, and no field level
      (:func:`assessment.repo.verified_records` with ``field_levels=False``), of the desa the one rule of who is
      ranked admits (:func:`assessment.core.standing.who_is_ranked`; :func:`assessment.repo.desk_ranking`). So
      recording field levels never changes who is a finalist, and a desa still waiting for an assessor or a
      reconciliation is not one.
    - ``scope`` ``provinsi``: the desa whose rank in the whole competition is at most ``count``; ``kabupaten``: in
      each kabupaten/kota, the desa whose rank within that kabupaten is at most ``count``.
    - Ties at the cut: every desa tied with the ``count``-th place is a finalist too, so there may be more than
      ``count`` (with ranks 1, 2, 3, 3 and ``count`` 3, four desa are visited). Never cut by code or chance.
    - A desa without an index (no applicable indicator) is never a finalist; a desa that is not eligible under
      the rubric is not in the ranking at all.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown finalist scope {scope!r}")
    if count < 1:
        raise ValueError("at least one finalist")
    ranks = ranking.rank if scope == "provinsi" else ranking.rank_kabupaten
    return tuple(
        ranking.desa_codes[int(j)]
        for j in ranking.order
        if int(ranks[int(j)]) <= count and int(ranking.index_weight[int(j)]) > 0
    )


def field_level_problems(rubric: Rubric, level: int | None, note: str) -> list[str]:
    """Why a field level cannot be saved (empty when it can).

    - ``level``: a field level must be on the rubric's scale; an empty level saves the note only (the desk or
      agreed level keeps counting).
    - ``note``: a field level needs a note saying what the team saw (a level changes the score); at most 2,000
      characters.
    """
    problems: list[str] = []
    if level is not None and level not in rubric.scale.levels:
        problems.append("level")
    if level is not None and not note.strip():
        problems.append("note")
    if len(note) > NOTE_MAX:
        problems.append("note_length")
    return problems


def checklist_order(indicator_codes: Iterable[str], doubted: Iterable[str]) -> list[str]:
    """The order of the field checklist: the indicators with evidence an assessor marked invalid or insufficient
    come first, then the rest; each group in rubric order."""
    codes = list(indicator_codes)
    flagged = set(doubted)
    return [c for c in codes if c in flagged] + [c for c in codes if c not in flagged]
