"""Sổ đăng bộ: what its PDF prints."""

from __future__ import annotations

from archive.specs import A3_LANDSCAPE, DocumentSpec
from recordpages.models import EnrollmentRegisterPage


def enrollment_register(page: EnrollmentRegisterPage) -> DocumentSpec:
    entries = []
    for entry in page.entries.all():
        pupil = entry.pupil
        photo = None
        if pupil.photo_id:
            try:
                photo = pupil.photo.get_rendition("fill-240x320|format-jpeg").file.path
            except Exception:  # a missing image file must not stop the register
                photo = None
        progress = [
            {
                "year": e.school_class.school_year.name,
                "class": e.school_class.name,
                "promoted": e.promoted,
            }
            for e in pupil.enrollments.select_related("school_class__school_year").order_by(
                "school_class__school_year__start_date"
            )
        ]
        entries.append({"entry": entry, "pupil": pupil, "photo": photo, "progress": progress})
    return DocumentSpec(
        template="pdf/enrollment_register.html",
        page_size=A3_LANDSCAPE,
        title=page.title,
        context={"entries": entries},
    )
