"""factory_boy factories: the few objects a unit test needs, built the way the product
builds them.

Pages are added under their real parent (`parent.add_child`), so the tree fields
(school, year, group, class) are derived by the models, and the record's state row
is created by `workflow.services.record_state_sync` through the post_save signal,
never written here. Staff get their roles and then `staff_access_sync`, as the
admin screens do. `school_world()` builds one school with the demo district's
usernames (hn.hieutruong, hn.giaovien, ...) and one record of each type, for the
tests that used to load the whole district for a handful of objects. `take_to()`
moves a record to a state through the workflow's services, never by writing the row.

By area: `pages` (the tree down to the class), `people` (accounts, staff, pupils),
`records` (one factory per record type), `world` (one school), `states` (a record's
state, reached through the services). Import from `tests.factories`.
"""

from tests.factories.pages import (
    DEFAULT_TODAY,
    AuthorityPageFactory,
    ClassPageFactory,
    ProfessionalGroupFactory,
    ProfessionalGroupPageFactory,
    SchoolClassFactory,
    SchoolFactory,
    SchoolPageFactory,
    SchoolYearFactory,
    SchoolYearPageFactory,
    year_page_of,
)
from tests.factories.people import PASSWORD, PupilFactory, StaffFactory, UserFactory
from tests.factories.records import (
    ClassSummaryFactory,
    EnrollmentRegisterFactory,
    GroupPlanFactory,
    LessonPlanFactory,
    OtherRecordFactory,
    SchoolPlanFactory,
    StudentRecordFactory,
)
from tests.factories.states import path_to, take_to
from tests.factories.world import SchoolWorld, school_world, two_school_worlds

__all__ = [
    "DEFAULT_TODAY",
    "PASSWORD",
    "AuthorityPageFactory",
    "ClassPageFactory",
    "ClassSummaryFactory",
    "EnrollmentRegisterFactory",
    "GroupPlanFactory",
    "LessonPlanFactory",
    "OtherRecordFactory",
    "ProfessionalGroupFactory",
    "ProfessionalGroupPageFactory",
    "PupilFactory",
    "SchoolClassFactory",
    "SchoolFactory",
    "SchoolPageFactory",
    "SchoolPlanFactory",
    "SchoolWorld",
    "SchoolYearFactory",
    "SchoolYearPageFactory",
    "StaffFactory",
    "StudentRecordFactory",
    "UserFactory",
    "path_to",
    "school_world",
    "take_to",
    "two_school_worlds",
    "year_page_of",
]
