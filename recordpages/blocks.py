"""StreamField blocks shared by the record pages, each mirroring a part of an
official form (Công văn 2345/BGDĐT-GDTH appendices, lịch báo giảng)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from recordpages.programme import SUBJECT_CHOICES

WEEKDAY_CHOICES = [
    (2, _("Thứ Hai")),
    (3, _("Thứ Ba")),
    (4, _("Thứ Tư")),
    (5, _("Thứ Năm")),
    (6, _("Thứ Sáu")),
    (7, _("Thứ Bảy")),
]
SESSION_CHOICES = [("sang", _("Sáng")), ("chieu", _("Chiều"))]
LESSON_STAGE_CHOICES = [
    ("khoi_dong", _("Khởi động")),
    ("kham_pha", _("Khám phá / Hình thành kiến thức mới")),
    ("luyen_tap", _("Luyện tập, thực hành")),
    ("van_dung", _("Vận dụng, trải nghiệm")),
]


class TimeAllocationRowBlock(blocks.StructBlock):
    grade = blocks.IntegerBlock(label=_("Khối"), min_value=1, max_value=5)
    subject = blocks.ChoiceBlock(label=_("Môn học / hoạt động"), choices=SUBJECT_CHOICES)
    periods_per_week = blocks.DecimalBlock(label=_("Số tiết/tuần"), min_value=0, decimal_places=1)
    periods_per_year = blocks.IntegerBlock(label=_("Số tiết/năm"), min_value=0)

    class Meta:
        icon = "table"
        label = _("Dòng phân phối thời lượng")
        template = "blocks/time_allocation_row.html"
        description = _("Số tiết một môn học ở một khối (Phụ lục 1.1).")


class AppendixBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Tên phụ lục"), max_length=200)
    body = blocks.RichTextBlock(label=_("Nội dung"))

    class Meta:
        icon = "doc-full"
        label = _("Phụ lục")
        template = "blocks/appendix.html"
        description = _("Một phụ lục của kế hoạch (1.1, 1.2, …).")


class TeachingPlanRowBlock(blocks.StructBlock):
    week = blocks.IntegerBlock(label=_("Tuần"), min_value=1, max_value=37)
    month = blocks.IntegerBlock(label=_("Tháng"), min_value=1, max_value=12, required=False)
    topic = blocks.CharBlock(label=_("Chủ đề / Mạch nội dung"), max_length=300)
    lesson_title = blocks.CharBlock(label=_("Tên bài học"), max_length=300)
    periods = blocks.IntegerBlock(label=_("Tiết học / thời lượng"), min_value=1, max_value=20)
    adjustments = blocks.TextBlock(label=_("Nội dung điều chỉnh, bổ sung"), required=False)
    notes = blocks.CharBlock(label=_("Ghi chú"), required=False, max_length=300)

    class Meta:
        icon = "list-ul"
        label = _("Dòng kế hoạch dạy học")
        template = "blocks/teaching_plan_row.html"
        description = _("Một bài học trong kế hoạch dạy học của tổ.")


class LessonActivityBlock(blocks.StructBlock):
    stage = blocks.ChoiceBlock(label=_("Hoạt động"), choices=LESSON_STAGE_CHOICES)
    minutes = blocks.IntegerBlock(label=_("Thời gian (phút)"), min_value=1, max_value=90)
    teacher_activity = blocks.TextBlock(label=_("Hoạt động của giáo viên"))
    pupil_activity = blocks.TextBlock(label=_("Hoạt động của học sinh"))

    class Meta:
        icon = "arrow-right"
        label = _("Hoạt động dạy học")
        template = "blocks/lesson_activity.html"
        description = _("Một bước của bài dạy, hai cột GV | HS.")


class LessonBlock(blocks.StructBlock):
    """One kế hoạch bài dạy (Công văn 2345, Phụ lục 3)."""

    subject = blocks.ChoiceBlock(label=_("Môn học"), choices=SUBJECT_CHOICES)
    class_name = blocks.CharBlock(label=_("Lớp"), max_length=10)
    lesson_title = blocks.CharBlock(label=_("Tên bài học"), max_length=300)
    periods = blocks.CharBlock(label=_("Tiết"), max_length=50, help_text=_("Ví dụ: Tiết 1, 2"))
    teaching_date = blocks.DateBlock(label=_("Ngày giảng"), format="%d/%m/%Y")
    objectives = blocks.RichTextBlock(label=_("I. Yêu cầu cần đạt"))
    materials = blocks.TextBlock(label=_("II. Đồ dùng dạy học"))
    activities = blocks.ListBlock(
        LessonActivityBlock(), label=_("III. Các hoạt động dạy học chủ yếu"), min_num=1
    )

    class Meta:
        icon = "doc-full-inverse"
        label = _("Bài dạy")
        template = "blocks/lesson.html"
        description = _("Kế hoạch một bài dạy.")


class TimetableRowBlock(blocks.StructBlock):
    """One line of the lịch báo giảng."""

    weekday = blocks.ChoiceBlock(label=_("Thứ"), choices=WEEKDAY_CHOICES)
    session = blocks.ChoiceBlock(label=_("Buổi"), choices=SESSION_CHOICES)
    period = blocks.IntegerBlock(label=_("Tiết"), min_value=1, max_value=5)
    subject = blocks.ChoiceBlock(label=_("Môn"), choices=SUBJECT_CHOICES)
    lesson_title = blocks.CharBlock(label=_("Tên bài dạy"), max_length=300)
    ppct = blocks.IntegerBlock(label=_("Tiết PPCT"), min_value=1, required=False)
    aids = blocks.CharBlock(label=_("Đồ dùng"), required=False, max_length=200)
    notes = blocks.CharBlock(label=_("Ghi chú"), required=False, max_length=200)

    class Meta:
        icon = "date"
        label = _("Tiết trong lịch báo giảng")
        template = "blocks/timetable_row.html"
        description = _("Một tiết dạy trong tuần.")


class SectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Tiêu đề mục"), max_length=200)
    body = blocks.RichTextBlock(label=_("Nội dung"))

    class Meta:
        icon = "title"
        label = _("Mục")
        template = "blocks/section.html"
        description = _("Một mục có tiêu đề và nội dung.")
