from recordpages import registry
from recordpages.models.base import HosoPage, RecordPage
from recordpages.models.classes import (
    ClassPage,
    ClassResultSummaryPage,
    CompetenceLevel,
    CompetenceResult,
    Promotion,
    StudentRecordPage,
    SubjectLevel,
    SubjectResult,
    SummaryPeriod,
    YearEndResult,
)
from recordpages.models.groups import (
    GroupTeachingPlanPage,
    LessonPlanPage,
    ProfessionalGroupPage,
)
from recordpages.models.people import (
    AUTHORITY_ROLES,
    READ_ONLY_ROLES,
    ClassEnrollment,
    ManagedGroup,
    ProfessionalGroup,
    Pupil,
    Role,
    RoleCode,
    School,
    SchoolClass,
    SchoolYear,
    Sex,
    StaffProfile,
)
from recordpages.models.school import (
    AuthorityKind,
    AuthorityPage,
    EnrollmentRegisterPage,
    OtherRecordPage,
    RegisterEntry,
    SchoolPage,
    SchoolPlanPage,
    SchoolYearPage,
)

# Derived from the declarations (recordpages.registry): a new record page type is
# listed here by declaring its rules, nothing else.
RECORD_PAGE_MODELS = registry.page_models()
RECORD_TYPE_CHOICES = registry.choices()
RECORD_MODEL_BY_TYPE = {m.record_type: m for m in RECORD_PAGE_MODELS}

__all__ = [
    "AUTHORITY_ROLES",
    "READ_ONLY_ROLES",
    "RECORD_MODEL_BY_TYPE",
    "RECORD_PAGE_MODELS",
    "RECORD_TYPE_CHOICES",
    "AuthorityKind",
    "AuthorityPage",
    "ClassEnrollment",
    "ClassPage",
    "ClassResultSummaryPage",
    "CompetenceLevel",
    "CompetenceResult",
    "EnrollmentRegisterPage",
    "GroupTeachingPlanPage",
    "HosoPage",
    "LessonPlanPage",
    "ManagedGroup",
    "OtherRecordPage",
    "ProfessionalGroup",
    "ProfessionalGroupPage",
    "Promotion",
    "Pupil",
    "RecordPage",
    "RegisterEntry",
    "Role",
    "RoleCode",
    "School",
    "SchoolClass",
    "SchoolPage",
    "SchoolPlanPage",
    "SchoolYear",
    "SchoolYearPage",
    "Sex",
    "StaffProfile",
    "StudentRecordPage",
    "SubjectLevel",
    "SubjectResult",
    "SummaryPeriod",
    "YearEndResult",
]
