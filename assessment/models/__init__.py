"""The database models, one module per aggregate; import them from here."""

from assessment.models.assignment import (
    DEFAULT_ASSESSORS_PER_DESA,
    DEFAULT_FINALISTS,
    Assignment,
    AssignmentMethod,
    ConflictDeclaration,
    FinalistScope,
    VerificationSettings,
)
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
from assessment.models.exception import StageException
from assessment.models.field import FieldLevel, FieldPhoto
from assessment.models.invitation import AccountInvitation
from assessment.models.job import Job, JobStatus
from assessment.models.link import CaptureOutcome, CaptureTrigger, LinkCapture
from assessment.models.notification import Notification
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
from assessment.models.publication import (
    BeritaAcara,
    BeritaAcaraKind,
    FinalSnapshot,
    LateChange,
    Objection,
    ProvisionalResult,
    RankingWithdrawal,
)
from assessment.models.region import CODE_DEPTH, Region, RegionBoundary, RegionKind
from assessment.models.registration import RegistrationAction, RegistrationChannel, RegistrationEvent
from assessment.models.retention import EvidencePurge
from assessment.models.schedule import ScheduleChange, ScheduleChangeStage
from assessment.models.score import (
    AccessTest,
    DeskScore,
    EvidenceJudgement,
    EvidenceVerdict,
    Reconciliation,
    ReconciliationCorrection,
)
from assessment.models.throttle import LoginFailure, PublicCheck
from assessment.models.types import UTCDateTime, utcnow
from assessment.models.user import ROLE_SCOPE_KIND, RecoveryCode, Role, RoleGrant, User, normalise_email

__all__ = [
    "CODE_DEPTH",
    "DEFAULT_ASSESSORS_PER_DESA",
    "DEFAULT_FINALISTS",
    "GENESIS_HASH",
    "ROLE_SCOPE_KIND",
    "STAGE_ORDER",
    "AccessTest",
    "AccountInvitation",
    "Assignment",
    "AssignmentMethod",
    "AuditChainHead",
    "AuditEvent",
    "BeritaAcara",
    "BeritaAcaraKind",
    "CaptureOutcome",
    "CaptureTrigger",
    "Competition",
    "ConflictDeclaration",
    "DeskScore",
    "Evidence",
    "EvidenceJudgement",
    "EvidenceKind",
    "EvidencePurge",
    "EvidenceStatus",
    "EvidenceVerdict",
    "FieldLevel",
    "FieldPhoto",
    "FinalSnapshot",
    "FinalistScope",
    "ImmutableRowError",
    "Job",
    "JobStatus",
    "KabupatenQuota",
    "LateChange",
    "LinkCapture",
    "LoginFailure",
    "Notification",
    "Objection",
    "Participant",
    "ProvisionalResult",
    "PublicCheck",
    "RankingWithdrawal",
    "Reconciliation",
    "ReconciliationCorrection",
    "RecoveryCode",
    "Region",
    "RegionBoundary",
    "RegionKind",
    "RegistrationAction",
    "RegistrationChannel",
    "RegistrationEvent",
    "ReviewDecision",
    "Role",
    "RoleGrant",
    "RubricFormat",
    "ScheduleChange",
    "ScheduleChangeStage",
    "SelfAssessment",
    "Stage",
    "StageCode",
    "StageException",
    "StoredRubric",
    "SubmissionReview",
    "SubmissionStatus",
    "UTCDateTime",
    "User",
    "VerificationSettings",
    "normalise_email",
    "utcnow",
]
