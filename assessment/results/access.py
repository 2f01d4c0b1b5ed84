"""Who may see which results: the one place the visibility rules of the results pages are written."""

from __future__ import annotations

from typing import Any

from assessment.models import Competition, Role
from assessment.services.security import user_can_access_region

COMMITTEE = (Role.panitia, Role.ketua_tim)
REPORT_READERS = (Role.panitia,)
WORKBOOK_AFTER_PUBLICATION = (Role.dpmd,)


def results_visible(user: Any, competition: Competition, region_code: str) -> bool:
    """Whether ``user`` may see the ranking (and why-this-rank pages) of ``region_code`` in ``competition``.

    The rule: once the committee has published the provisional results (``Competition.results_public``), everyone
    may, signed in or not; before that only the committee (panitia and ketua tim) whose role scope covers the
    region (a ketua tim with a conflict of interest with a desa does not see that desa's page).
    """
    return competition.results_public or user_can_access_region(user, region_code, COMMITTEE)


def details_visible(user: Any, desa_code: str) -> bool:
    """Whether ``user`` sees the names of assessors, their notes and the evidence files of a desa.

    The rule: the committee (panitia, ketua tim) in scope and the desa's own operator; everyone else who may see
    the page sees the levels, the verdicts and the evidence's count and SHA-256, not names, notes or files
    (evidence can show residents: UU PDP).
    """
    return user_can_access_region(user, desa_code, (*COMMITTEE, Role.operator_desa))


def reports_downloadable(user: Any, competition: Competition, region_code: str) -> bool:
    """Whether ``user`` may download the results workbook and the PDF report of ``region_code``.

    The rule: the panitia whose scope covers the region, at any time; DPMD staff for a region within their
    kabupaten once the results are published. Certificates are the committee's only (it hands them over).
    """
    if user_can_access_region(user, region_code, REPORT_READERS):
        return True
    return competition.results_public and user_can_access_region(user, region_code, WORKBOOK_AFTER_PUBLICATION)
