"""Automatic assignment as a pure plan: which assessor goes to which desa (no database, no clock)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    """New (desa code, assessor id) pairs, and the desa that still lack assessors with how many are missing."""

    pairs: tuple[tuple[str, int], ...]
    short: tuple[tuple[str, int], ...]


def plan_assignments(
    desa_codes: Sequence[str],
    assessor_ids: Sequence[int],
    existing: Mapping[str, set[int]],
    per_desa: int,
    is_conflicted: Callable[[int, str], bool],
    load: Mapping[int, int] | None = None,
) -> AssignmentPlan:
    """Assign assessors so that each desa has at least ``per_desa`` independent assessors, with a balanced load.

    The rule:

    - Desa are served in code order. A desa that already has ``per_desa`` or more active assignments gets none.
    - For each place still open, the candidate is an assessor not yet assigned to the desa and without a conflict
      of interest with it (:func:`assessment.services.security.conflict_reason`); among candidates the one with the
      fewest
      assignments in the competition so far (``load`` plus this plan) is chosen, then the lowest account id. Never
      by chance: the same input gives the same plan.
    - A desa for which no candidate is left is reported in ``short`` with the number of places still open; the
      committee assigns those by hand or adds assessors.
    """
    current = dict(load or {})
    for assessor in assessor_ids:
        current.setdefault(assessor, 0)
    pairs: list[tuple[str, int]] = []
    short: list[tuple[str, int]] = []
    for desa in sorted(desa_codes):
        assigned = set(existing.get(desa, set()))
        missing = per_desa - len(assigned)
        while missing > 0:
            candidates = [a for a in assessor_ids if a not in assigned and not is_conflicted(a, desa)]
            if not candidates:
                short.append((desa, missing))
                break
            chosen = min(candidates, key=lambda a: (current[a], a))
            assigned.add(chosen)
            current[chosen] += 1
            pairs.append((desa, chosen))
            missing -= 1
    return AssignmentPlan(tuple(pairs), tuple(short))
