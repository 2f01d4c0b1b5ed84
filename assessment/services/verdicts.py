"""The words people read for an assessor's judgement of a piece of evidence, shared by every page that shows one
(desk scoring, the field visit, reconciliation) so that they say the same thing everywhere."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from assessment.models import EvidenceVerdict

VERDICT_LABELS = {
    EvidenceVerdict.valid: _l("Valid"),
    EvidenceVerdict.tidak_valid: _l("Tidak valid"),
    EvidenceVerdict.tidak_cukup: _l("Tidak cukup"),
}
