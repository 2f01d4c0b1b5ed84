"""Invitation letters: one printed page per account, with its name, its roles and regions, the link and its QR
code, for handing out at a kecamatan meeting (rendered by WeasyPrint like every report)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from assessment.accounts.invitations import invitation_url, token_for
from assessment.models import AccountInvitation, Region, User
from assessment.platform.extensions import db
from assessment.platform.wita import format_wita
from assessment.presentation.navigation import ROLE_LABELS
from assessment.presentation.pdf import qr_svg_data_uri, render_template_pdf


def grant_lines(user: User, regions: dict[str, Region]) -> list[str]:
    """Each role of the account with the name and code of its region ("Operator desa — Bukit Raya (64.09…)")."""
    lines = []
    for grant in user.grants:
        region = regions.get(grant.region_code)
        place = f"{region.name} ({grant.region_code})" if region else grant.region_code
        lines.append(f"{ROLE_LABELS[grant.role]} — {place}")
    return lines


def letters_pdf(invitations: Sequence[AccountInvitation]) -> bytes:
    """The PDF of the letters of these (open) invitations, one page each, in the order given."""
    codes = {grant.region_code for item in invitations for grant in item.user.grants}
    regions = {region.code: region for region in db.session.scalars(select(Region).where(Region.code.in_(codes)))}
    pages: list[dict[str, Any]] = []
    for item in invitations:
        url = invitation_url(token_for(item))
        pages.append(
            {
                "user": item.user,
                "grants": grant_lines(item.user, regions),
                "url": url,
                "qr": qr_svg_data_uri(url),
                "expires": format_wita(item.expires_at),
            }
        )
    return render_template_pdf("reports/undangan.html", pages=pages)
