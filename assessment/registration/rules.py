"""The rules of registration (pendaftaran), written once: who may put which desa into a competition, and when.

Pure functions over plain values (codes, kinds, counts, instants); the verbs in
:mod:`assessment.registration.operations` load the values and apply these rules. Every rule a desa or a kabupaten
could contest has its docstring here and a test named after it (``tests/web/test_registration_rules.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# The kinds of region that are desa; the rubric's ``eligible`` list says which of them take part.
DESA_KINDS = ("desa", "desa_adat", "kelurahan")


class Refusal(StrEnum):
    """Why a desa cannot be enrolled (or withdrawn) now; each has an Indonesian message in :data:`MESSAGES`."""

    unknown = "unknown"
    not_desa = "not_village"
    not_eligible = "not_eligible"
    outside_scope = "outside_scope"
    outside_kabupaten = "outside_kabupaten"
    already_enrolled = "already_enrolled"
    over_quota = "over_quota"
    no_registration_stage = "no_registration_stage"
    not_open_yet = "not_open_yet"
    closed = "closed"
    has_work = "has_work"


MESSAGES: dict[Refusal, str] = {
    Refusal.unknown: "kode wilayah {code} tidak dikenal",
    Refusal.not_desa: "{code} bukan desa atau kelurahan",
    Refusal.not_eligible: "{code} adalah {kind}; rubrik lomba ini hanya untuk {eligible}",
    Refusal.outside_scope: "desa {code} di luar cakupan lomba ({scope})",
    Refusal.outside_kabupaten: "desa {code} di luar kabupaten {kabupaten}",
    Refusal.already_enrolled: "desa {code} sudah terdaftar",
    Refusal.over_quota: "melebihi kuota kabupaten {kabupaten} ({quota} desa)",
    Refusal.no_registration_stage: "lomba ini tidak punya tahap pendaftaran; desa didaftarkan oleh panitia",
    Refusal.not_open_yet: "tahap pendaftaran belum dibuka",
    Refusal.closed: "tahap pendaftaran sudah berakhir",
    Refusal.has_work: "desa {code} sudah mengisi penilaian mandiri, mengunggah bukti, atau sudah diproses panitia; "
    "tidak dapat dikeluarkan",
}


def kabupaten_of(region_code: str) -> str:
    """The kabupaten/kota a region lies in: the first two parts of its Kemendagri code (``64.09.04.2002`` ->
    ``64.09``)."""
    return ".".join(region_code.split(".")[:2])


def within(region_code: str, scope_code: str) -> bool:
    """Whether ``region_code`` is ``scope_code`` or lies below it (whole dot-separated parts, as in
    :func:`assessment.services.security.region_within`)."""
    return region_code == scope_code or region_code.startswith(scope_code + ".")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A region someone asks to enrol: its code and kind (None when the code is unknown)."""

    code: str
    kind: str | None


def desa_may_take_part(candidate: Candidate, scope_code: str, eligible: Collection[str]) -> Refusal | None:
    """Whether a region may take part in a competition at all (None) or why not.

    - ``unknown``: the code is not in the imported Kemendagri list;
    - ``not_desa``: it is a provinsi, kabupaten/kota or kecamatan, not a desa, desa adat or kelurahan;
    - ``not_eligible``: it is a desa of a kind the rubric does not make eligible (``eligible`` in the rubric,
      by default desa and desa adat: a kelurahan does not take part unless the rubric names it);
    - ``outside_scope``: it lies outside the competition's region (a provinsi or a kabupaten/kota).
    """
    if candidate.kind is None:
        return Refusal.unknown
    if candidate.kind not in DESA_KINDS:
        return Refusal.not_desa
    if candidate.kind not in eligible:
        return Refusal.not_eligible
    if not within(candidate.code, scope_code):
        return Refusal.outside_scope
    return None


def quota_allows(enrolled_in_kabupaten: int, quota: int | None, adding: int = 1) -> bool:
    """Whether ``adding`` more desa of one kabupaten fit its quota.

    The quota counts every desa of the kabupaten in the competition, however it came in (nominated by DPMD,
    enrolled by the committee by hand or from a file): a kabupaten with a quota of 5 never has a sixth desa. A
    kabupaten without a quota set by the committee has no cap (a competition over a single kabupaten usually
    sets none); the committee sets or changes quotas on the registration page.
    """
    return quota is None or enrolled_in_kabupaten + adding <= quota


def quota_may_become(new_quota: int, enrolled_in_kabupaten: int) -> bool:
    """A quota is never set below the number of desa of the kabupaten already enrolled (nobody is pushed out by
    a quota change: withdraw a desa first, with its reason)."""
    return new_quota >= max(0, enrolled_in_kabupaten)


def nomination_window(registration: tuple[datetime, datetime] | None, now: datetime) -> Refusal | None:
    """When DPMD may nominate a desa or withdraw a nomination: while the registration stage is open.

    The stage is open from its start (included) to its end (excluded), in the competition's current schedule (the
    committee may extend it). A competition without a registration stage takes no nominations: the committee
    enrols its desa. After the end, a desa leaves only through the committee.
    """
    if registration is None:
        return Refusal.no_registration_stage
    starts_at, ends_at = registration
    if now < starts_at:
        return Refusal.not_open_yet
    if now >= ends_at:
        return Refusal.closed
    return None


def committee_window(self_assessment_ends_at: datetime | None, now: datetime) -> Refusal | None:
    """When the committee may enrol or remove a desa itself: at any time until the self-assessment stage ends.

    A desa enrolled late still has the rest of the self-assessment stage (or an exception) to fill it in; after
    that stage the field of participants is fixed.
    """
    if self_assessment_ends_at is not None and now >= self_assessment_ends_at:
        return Refusal.closed
    return None


def removal_allowed(has_work: bool) -> Refusal | None:
    """A desa whose operator has already saved a level, an explanation or evidence, or that was submitted, given an
    exception or assigned, is not removed (that work would be lost with it); only a desa with nothing filled in
    leaves the competition. The history of its entry and exit (who, when, why) is kept either way."""
    return Refusal.has_work if has_work else None


def message(refusal: Refusal, **values: object) -> str:
    """The Indonesian text of a refusal, with its values filled in."""
    return MESSAGES[refusal].format_map(_Defaults(values))


class _Defaults(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"
