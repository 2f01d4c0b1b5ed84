"""The words people read for an assessor's judgement of a piece of evidence, and for a level or note refused, shared
by every page that shows one (desk scoring, the field visit, reconciliation, objections, the self-assessment) so
that they say the same thing everywhere."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from assessment.models import EvidenceVerdict

VERDICT_LABELS = {
    EvidenceVerdict.valid: _l("Valid"),
    EvidenceVerdict.tidak_valid: _l("Tidak valid"),
    EvidenceVerdict.tidak_cukup: _l("Tidak cukup"),
}

LEVEL_PROBLEM = _l("Level harus salah satu level pada skala rubrik.")
"""A level that is not on the rubric's scale (every form and operation that takes a level)."""

NOTE_LENGTH_PROBLEM = _l("Catatan paling panjang 2000 karakter.")
"""A note longer than the 2,000 characters kept (desk and field notes)."""
