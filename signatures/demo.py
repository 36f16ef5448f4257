"""TEST-ONLY certificates for the demo district (SIGNING_BACKEND=dev): the principal,
the vice-principals and last year's grade-5 homeroom teachers of the first demo school
get a personal certificate from the dev PKI, its key held by the server. Their steps in
the demo are then signed, so the demo's finished học bạ carry the homeroom teacher's,
the approver's and the school seal's signatures; everyone else's steps are recorded."""

from __future__ import annotations

from django.conf import settings

from recordpages.models import RoleCode, SchoolClass, StaffProfile
from signatures import binding


def bind_demo_certificates(*, school_code: str = "THHN") -> int:
    if settings.SIGNING["BACKEND"] != "dev":
        return 0
    holders = set(
        StaffProfile.objects.filter(
            school__code=school_code,
            roles__code__in=[RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL],
        ).values_list("pk", flat=True)
    )
    holders |= set(
        SchoolClass.objects.filter(school__code=school_code, name__startswith="5")
        .exclude(homeroom_teacher=None)
        .values_list("homeroom_teacher_id", flat=True)
    )
    count = 0
    for staff in StaffProfile.objects.filter(pk__in=holders).select_related("user", "school"):
        if not staff.certificates.exists():
            binding.bind_dev_certificate(staff)
            count += 1
    return count
