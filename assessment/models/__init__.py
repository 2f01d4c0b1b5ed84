"""The database models, one module per aggregate; import them from here."""

from assessment.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent
from assessment.models.competition import (
    STAGE_ORDER,
    Competition,
    ImmutableRowError,
    KabupatenQuota,
    RubricFormat,
    Stage,
    StageCode,
    StoredRubric,
)
from assessment.models.participant import (
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Participant,
    ReviewDecision,
    SelfAssessment,
    SubmissionReview,
    SubmissionStatus,
)
from assessment.models.region import CODE_DEPTH, Region, RegionBoundary, RegionKind
from assessment.models.retention import EvidencePurge
from assessment.models.throttle import LoginFailure
from assessment.models.types import UTCDateTime, utcnow
from assessment.models.user import ROLE_SCOPE_KIND, Role, RoleGrant, User, normalise_email

__all__ = [
    "CODE_DEPTH",
    "GENESIS_HASH",
    "ROLE_SCOPE_KIND",
    "STAGE_ORDER",
    "AuditChainHead",
    "AuditEvent",
    "Competition",
    "Evidence",
    "EvidenceKind",
    "EvidencePurge",
    "EvidenceStatus",
    "ImmutableRowError",
    "KabupatenQuota",
    "LoginFailure",
    "Participant",
    "Region",
    "RegionBoundary",
    "RegionKind",
    "ReviewDecision",
    "Role",
    "RoleGrant",
    "RubricFormat",
    "SelfAssessment",
    "Stage",
    "StageCode",
    "StoredRubric",
    "SubmissionReview",
    "SubmissionStatus",
    "UTCDateTime",
    "User",
    "normalise_email",
    "utcnow",
]
