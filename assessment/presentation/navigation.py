"""The signed-in home page's links, contributed by each blueprint for the roles it serves.

Blueprints do not import each other: each offers its own links (:func:`offer_links`, added to an app when the
blueprint is registered on it), and the home page shows the links of every role the user holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, Flask, current_app
from flask.sansio.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l

from assessment.models import Role
from assessment.services.security import grants_for

# How each role is named to the people who hold it.
ROLE_LABELS: dict[Role, Any] = {
    Role.panitia: _l("Panitia provinsi"),
    Role.asesor: _l("Asesor"),
    Role.ketua_tim: _l("Ketua tim asesor"),
    Role.dpmd: _l("DPMD kabupaten"),
    Role.verifikator_kecamatan: _l("Verifikator kecamatan"),
    Role.operator_desa: _l("Operator desa"),
}


@dataclass(frozen=True)
class NavLink:
    """A link on the home page for holders of ``role``; ``label`` is a lazily translated text."""

    role: Role
    endpoint: str
    label: Any
    description: Any = ""


def add_link(app: Flask, link: NavLink) -> None:
    """Offer ``link`` on the home page of every holder of its role."""
    app.extensions.setdefault("nav_links", []).append(link)


def offer_links(bp: Blueprint, *links: NavLink) -> None:
    """Offer ``links``, in this order, on the home pages of every app ``bp`` is registered on (once per app)."""

    def record(state: BlueprintSetupState) -> None:
        for link in links:
            add_link(cast(Flask, state.app), link)

    bp.record_once(record)


def links_for(user: Any) -> list[NavLink]:
    """The links for the roles ``user`` holds, in registration order, each endpoint once."""
    roles = {grant.role for grant in grants_for(user)}
    seen: set[str] = set()
    links: list[NavLink] = []
    for link in current_app.extensions.get("nav_links", []):
        if link.role in roles and link.endpoint not in seen:
            seen.add(link.endpoint)
            links.append(link)
    return links
