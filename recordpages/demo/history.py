"""The demo pupils' past: the school years before the current one, as imported from
their paper học bạ (PriorYearResult), and a placeholder portrait for the grade-1 photo
of the học bạ and the sổ đăng bộ (issue 16).

The years are consistent with Thông tư 27/2020 and the programme (recordpages.programme):
the subjects of each grade, scores only for tested subjects, subject levels T/H/C,
qualities and competences T/Đ/C, and a year-end result computed from them by the rules
of Điều 9. Every earlier year ended in promotion: a pupil kept back would have entered
grade 1 a year before the register's entry date, which the demo's register fixes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import random
from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.utils.file import hash_filelike

from recordpages import programme
from recordpages.demo import content
from recordpages.demo.names import full_name
from recordpages.models import (
    Promotion,
    Pupil,
    RoleCode,
    School,
    SchoolYear,
    StaffProfile,
    SubjectLevel,
    YearEndResult,
)
from recordpages.models.classes import CompetenceLevel, PriorYearResult, PriorYearSource
from recordpages.services import school_collection

logger = logging.getLogger(__name__)

PORTRAIT_COLLECTION = "Ảnh học sinh"
PORTRAIT_SIZE = (240, 320)  # 3×4, the size the sổ đăng bộ prints (archive.forms.register)

# TT27 Điều 15: the titles a school may award at the end of the year.
COMMENDATIONS = {
    YearEndResult.EXCELLENT: "Học sinh Xuất sắc",
    YearEndResult.GOOD: "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
}
TEACHER_COMMENTS = {
    YearEndResult.EXCELLENT: "Em học tốt, chăm chỉ, gương mẫu, được bạn bè yêu quý.",
    YearEndResult.GOOD: "Em ngoan, chăm học, tích cực tham gia các hoạt động của lớp.",
    YearEndResult.COMPLETED: "Em hoàn thành nhiệm vụ học tập; cần mạnh dạn, tự tin hơn.",
}
COMPETENCE_COMMENTS = {
    CompetenceLevel.GOOD: "Mạnh dạn, tự tin.",
    CompetenceLevel.PASS: "Cần mạnh dạn hơn.",
}

PupilsByGrade = dict[int, list[tuple[Pupil, str]]]


# --- prior years -------------------------------------------------------------------


def year_name(first_year: int) -> str:
    return f"{first_year}-{first_year + 1}"


def year_end_result(subjects: list[dict], competences: list[dict]) -> str:
    """Thông tư 27/2020 Điều 9, from the year's levels and end-of-year scores."""
    levels = {s["level"] for s in subjects}
    scores = [s["score"] for s in subjects if s["score"] is not None]
    qualities = {c["level"] for c in competences}
    if SubjectLevel.NOT_COMPLETED in levels or CompetenceLevel.NEEDS_EFFORT in qualities:
        return YearEndResult.NOT_COMPLETED
    if levels == {SubjectLevel.GOOD} and qualities == {CompetenceLevel.GOOD}:
        if all(score >= 9 for score in scores):
            return YearEndResult.EXCELLENT
        if all(score >= 7 for score in scores):
            return YearEndResult.GOOD
    return YearEndResult.COMPLETED


def _subjects(grade: int, strength: float, rng: random.Random) -> list[dict]:
    """A pupil who was promoted: every subject at least H, tests at least 5."""
    rows = []
    for subject in programme.subjects_for_grade(grade, include_electives=False):
        level = SubjectLevel.GOOD if rng.random() < strength else SubjectLevel.COMPLETED
        score = None
        if subject.has_test(grade):
            low, high = (8, 10) if level == SubjectLevel.GOOD else (5, 8)
            score = rng.randint(low, high)
        comment = rng.choice(content.SUBJECT_COMMENTS[str(level)])
        rows.append(
            {"subject": subject.code, "level": str(level), "score": score, "comment": comment}
        )
    return rows


def _competences(strength: float, rng: random.Random) -> list[dict]:
    rows = []
    for code, _label in programme.COMPETENCE_CHOICES:
        level = CompetenceLevel.GOOD if rng.random() < strength + 0.1 else CompetenceLevel.PASS
        rows.append(
            {"competence": code, "level": str(level), "comment": COMPETENCE_COMMENTS[level]}
        )
    return rows


def _signing_day(first_year: int, rng: random.Random) -> dt.date:
    """Around 25 May of the year's end, on a weekday: học bạ are signed before 31/5."""
    day = dt.date(first_year + 1, 5, 25) - dt.timedelta(days=rng.randint(0, 3))
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


@cache
def _teacher_name(school_code: str, year: str, class_name: str) -> str:
    """One homeroom teacher per class and year, the same for all its pupils."""
    rng = random.Random(f"{school_code}/{year}/{class_name}/gvcn")
    return full_name(rng, rng.choice(["nu", "nu", "nu", "nam"]))


def _principal_name(school: School) -> str:
    principal = (
        StaffProfile.objects.filter(school=school, roles__code=RoleCode.PRINCIPAL)
        .order_by("pk")
        .first()
    )
    return principal.full_name if principal else ""


def _prior_year(
    *,
    school: School,
    pupil: Pupil,
    first_year: int,
    grade: int,
    class_name: str,
    strength: float,
    principal: str,
    rng: random.Random,
) -> PriorYearResult:
    name = year_name(first_year)
    subjects = _subjects(grade, strength, rng)
    competences = _competences(strength, rng)
    result = year_end_result(subjects, competences)
    return PriorYearResult(
        pupil=pupil,
        school_year=name,
        grade=grade,
        class_name=class_name,
        school_name=school.name,
        entered_on=(pupil.entry_date or dt.date(first_year, 9, 5)) if grade == 1 else None,
        height_cm=105 + grade * 6 + rng.randint(-5, 5),
        weight_kg=Decimal(17 + grade * 2 + rng.randint(-3, 4)),
        days_absent_excused=rng.choice([0, 0, 0, 1, 2, 3]),
        days_absent_unexcused=rng.choice([0] * 9 + [1]),
        subjects=subjects,
        competences=competences,
        year_end_result=result,
        commendation=COMMENDATIONS.get(result, ""),
        promotion=Promotion.PROMOTED,
        teacher_comment=TEACHER_COMMENTS[result],
        homeroom_teacher=_teacher_name(school.code, name, class_name),
        principal=principal,
        signed_on=_signing_day(first_year, rng),
        source=PriorYearSource.PAPER,
    )


def add_prior_years(
    school: School, year: SchoolYear, pupils_by_grade: PupilsByGrade, rng: random.Random
) -> int:
    """Give each pupil of the current year (grade → [(pupil, class name)]) a
    PriorYearResult for every earlier grade at this school: a grade-5 pupil of
    2026-2027 gets 2022-2023 grade 1 … 2025-2026 grade 4, in the class of the same
    letter. Pupils who have any already are left alone (the loader runs twice).
    Returns how many rows were made."""
    pupil_ids = [pupil.pk for entries in pupils_by_grade.values() for pupil, _name in entries]
    done = set(
        PriorYearResult.objects.filter(pupil_id__in=pupil_ids).values_list("pupil_id", flat=True)
    )
    principal = _principal_name(school)
    rows: list[PriorYearResult] = []
    for grade in sorted(pupils_by_grade):
        for pupil, class_name in pupils_by_grade[grade]:
            if pupil.pk in done or grade == 1:
                continue
            letter = class_name[1:]
            strength = rng.uniform(0.35, 0.95)  # how often the pupil reaches T
            for earlier in range(1, grade):
                drift = max(0.2, min(1.0, strength + rng.uniform(-0.1, 0.1)))
                rows.append(
                    _prior_year(
                        school=school,
                        pupil=pupil,
                        first_year=year.first_year - (grade - earlier),
                        grade=earlier,
                        class_name=f"{earlier}{letter}",
                        strength=drift,
                        principal=principal,
                        rng=rng,
                    )
                )
    PriorYearResult.objects.bulk_create(rows, batch_size=500)
    logger.info("Demo: %s prior school years for %s", len(rows), school.code)
    return len(rows)


# --- portraits ---------------------------------------------------------------------

_BACKGROUNDS = [(214, 224, 234), (226, 232, 222), (236, 228, 220), (224, 226, 236)]
_SHIRTS = [(245, 245, 245), (232, 236, 244), (70, 96, 150)]  # school shirts: white, blue
_HAIR = [(40, 32, 28), (28, 24, 22), (58, 44, 36)]
_SKIN = [(238, 205, 178), (226, 190, 160), (214, 178, 148)]


def initials(name: str) -> str:
    """ "NA" for "Nguyễn Thị Ngọc Ánh": family name and given name, as on a name tag."""
    parts = name.split()
    if not parts:
        return "?"
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    ):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # Pillow's own font: still draws Đ, Ư


def portrait_jpeg(name: str, seed: str) -> bytes:
    """A neutral head-and-shoulders silhouette with the pupil's initials: clearly a
    placeholder, never mistaken for a photo. The same name and seed give the same bytes."""
    digest = hashlib.sha256(seed.encode()).digest()
    width, height = PORTRAIT_SIZE
    image = PILImage.new("RGB", PORTRAIT_SIZE, _BACKGROUNDS[digest[0] % len(_BACKGROUNDS)])
    draw = ImageDraw.Draw(image)
    shirt = _SHIRTS[digest[1] % len(_SHIRTS)]
    draw.ellipse((20, 215, width - 20, height + 120), fill=shirt)  # shoulders
    draw.rectangle((100, 185, 140, 225), fill=_SKIN[digest[2] % len(_SKIN)])  # neck
    draw.ellipse((62, 70, 178, 200), fill=_SKIN[digest[2] % len(_SKIN)])  # face
    draw.chord((58, 58, 182, 170), 180, 360, fill=_HAIR[digest[3] % len(_HAIR)])  # hair
    text = initials(name)
    ink = (255, 255, 255) if sum(shirt) < 400 else (60, 72, 90)
    draw.text((width / 2, 268), text, fill=ink, font=_font(44), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=72, optimize=True)
    return buffer.getvalue()


def portrait_collection(school: School) -> Collection:
    """Inside the school's own collection, so the school's staff (and nobody else)
    may read its pupils' photos (recordpages.files)."""
    parent = school_collection(school=school)
    existing = parent.get_children().filter(name=PORTRAIT_COLLECTION).first()
    return existing or parent.add_child(name=PORTRAIT_COLLECTION)


def add_portraits(pupils: Iterable[Pupil]) -> int:
    """Give every pupil without a photo a generated placeholder portrait (a wagtail
    Image in the school's "Ảnh học sinh" collection) as Pupil.photo. Returns how
    many were made."""
    image_model = get_image_model()
    todo = [p for p in pupils if not p.photo_id]
    collections: dict[int, Collection] = {}
    images = []
    for pupil in todo:
        if pupil.school_id not in collections:
            collections[pupil.school_id] = portrait_collection(pupil.school)
        data = portrait_jpeg(pupil.full_name, pupil.ministry_id or str(pupil.pk))
        image = image_model(
            title=f"Ảnh học sinh {pupil.full_name}",
            collection=collections[pupil.school_id],
            file_size=len(data),
            file_hash=hash_filelike(io.BytesIO(data)),  # as wagtail's own upload does
        )
        image.file.save(f"hs-{pupil.ministry_id or pupil.pk}.jpg", ContentFile(data), save=False)
        image.width, image.height = PORTRAIT_SIZE  # saving the file does not read them
        images.append(image)
    # One INSERT for all: a save each costs ten times the drawing. The loader indexes
    # everything in bulk afterwards, so the skipped post_save indexing is not lost.
    image_model.objects.bulk_create(images, batch_size=500)
    for pupil, image in zip(todo, images, strict=True):
        pupil.photo = image
    Pupil.objects.bulk_update(todo, ["photo"], batch_size=500)
    made = len(images)
    logger.info("Demo: %s placeholder portraits", made)
    return made
