"""The học bạ's result tables as compact grids (issue #18).

Each table is one panel over the InlinePanel's own formset, so what is posted, checked
and saved (the ParentalKey children a revision serialises) is what the InlinePanel
posted, checked and saved. Only the drawing changes: one row per subject or quality
and competence, in the programme's order, one cell per field, and none of the panel
furniture that made the editor heavy. A subject or competence without a row yet gets
an extra form whose code is its initial value: left empty, it stays unsaved.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from django.forms.formsets import DELETION_FIELD_NAME, ORDERING_FIELD_NAME
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import InlinePanel, Panel

from recordpages import programme
from recordpages.grid_rows import GridFormSet, hold_in_memory

LEVEL = "level"
SCORE = "score"
TEXT = "text"
# The four periodic evaluations of Thông tư 27/2020 Điều 6, in the table's order.
PERIODS = (_("Giữa HK I"), _("Cuối HK I"), _("Giữa HK II"), _("Cuối năm"))
LEVEL_FIELDS = ("level_mid1", "level_term1", "level_mid2", "level")
SCORE_FIELDS = ("score_mid1", "score_term1", "score_mid2", "score_year")


@dataclass(frozen=True)
class Column:
    field: str
    heading: str
    group: str
    kind: str


def _periodic(fields: tuple[str, ...], group: str, kind: str) -> tuple[Column, ...]:
    return tuple(
        Column(f, heading, group, kind) for f, heading in zip(fields, PERIODS, strict=True)
    )


@dataclass(frozen=True)
class Grid:
    """One result table: its relation, the field naming a row, the rows a grade has
    (code, name) and whether a row is asked a cell in that grade."""

    relation: str
    key: str  # a short prefix of the table's header ids
    item_field: str
    columns: tuple[Column, ...]
    rows: Callable[[int | None], list[tuple[str, str]]]
    asks: Callable[[str, int | None, str], bool]
    legend: str
    label: str


def _subject_rows(grade: int | None) -> list[tuple[str, str]]:
    if not grade:
        return list(programme.SUBJECT_CHOICES)
    return [(s.code, s.name) for s in programme.subjects_for_grade(grade)]


def subject_asks(code: str, grade: int | None, field: str) -> bool:
    """Scores only where the grade has that test (Thông tư 27/2020 Điều 7)."""
    subject = programme.SUBJECTS_BY_CODE.get(code)
    if field not in SCORE_FIELDS or subject is None or not grade:
        return True
    if field in ("score_mid1", "score_mid2"):
        return subject.has_midterm_test(grade)
    return subject.has_test(grade)


def _competence_rows(grade: int | None) -> list[tuple[str, str]]:
    return list(programme.COMPETENCE_CHOICES)


def _every_cell(code: str, grade: int | None, field: str) -> bool:
    return True


SUBJECT_GRID = Grid(
    relation="subject_results",
    key="mh",
    item_field="subject",
    columns=(
        *_periodic(LEVEL_FIELDS, _("Mức đạt được"), LEVEL),
        *_periodic(SCORE_FIELDS, _("Điểm KTĐK"), SCORE),
        Column("comment", _("Nhận xét"), "", TEXT),
    ),
    rows=_subject_rows,
    asks=subject_asks,
    legend=_("Mức: T – Hoàn thành tốt, H – Hoàn thành, C – Chưa hoàn thành. Điểm từ 1 đến 10."),
    label=_("Môn học và hoạt động giáo dục"),
)
COMPETENCE_GRID = Grid(
    relation="competence_results",
    key="pc",
    item_field="competence",
    columns=(
        *_periodic(LEVEL_FIELDS, _("Mức đạt được"), LEVEL),
        Column("comment", _("Nhận xét"), "", TEXT),
    ),
    rows=_competence_rows,
    asks=_every_cell,
    legend=_("Mức: T – Tốt, Đ – Đạt, C – Cần cố gắng."),
    label=_("Phẩm chất chủ yếu và năng lực cốt lõi"),
)
# The học bạ's other fields, by the editor's sections (StudentRecordPage.content_panels).
ABSENCE_FIELDS = ("days_absent_excused", "days_absent_unexcused")
YEAR_END_FIELDS = ("year_end_result", "commendation", "promotion", "teacher_comment")
GRIDS = (SUBJECT_GRID, COMPETENCE_GRID)


# --- the formsets -------------------------------------------------------------------


def class_grade(form) -> int | None:
    """The grade of the record's class: the page's own, or its parent's on a new page."""
    page = form.instance
    school_class = page.school_class if page.school_class_id else None
    if school_class is None and getattr(form, "parent_page", None) is not None:
        school_class = getattr(form.parent_page.specific, "school_class", None)
    return school_class.grade if school_class else None


def add_missing_rows(form) -> int | None:
    """Give each grid's formset an extra form for every row the grade has and the
    record lacks, with its code and place as initial values: on a post the same extra
    forms compare the same initial values, so a row left empty has not changed and
    is not saved (called from the form's __init__, before any form is built). Returns
    the grade."""
    grade = class_grade(form)
    for grid in GRIDS:
        formset = form.formsets.get(grid.relation)
        if formset is None:
            continue
        rows = hold_in_memory(form.instance, grid.relation, formset.get_queryset())
        present = [getattr(child, grid.item_field) for child in rows]
        wanted = [code for code, _name in grid.rows(grade)]
        missing = [code for code in wanted if code not in present]
        rank = {code: index for index, code in enumerate(wanted)}
        ordered = sorted(dict.fromkeys([*present, *missing]), key=lambda c: rank.get(c, len(rank)))
        formset.grid_positions = {code: place for place, code in enumerate(ordered, start=1)}
        formset.grid_grade = grade
        formset.extra = len(missing)
        formset.initial_extra = [
            {grid.item_field: code, ORDERING_FIELD_NAME: formset.grid_positions[code]}
            for code in missing
        ]
    return grade


# --- drawing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The table's two header rows, each cell with an id the controls are labelled by."""

    top: list[tuple[str, int, bool, str]]  # (label, span, grouped, id)
    sub: list[tuple[str, str, str]]  # (group, heading, id): the group is read, not shown
    labelled_by: dict[str, str]  # field → the header ids naming its column

    @classmethod
    def of(cls, grid: Grid) -> Header:
        top: list[tuple[str, int, bool, str]] = []
        sub: list[tuple[str, str, str]] = []
        labelled_by: dict[str, str] = {}
        for index, column in enumerate(grid.columns):
            column_id = f"{grid.key}c{index}"
            if not column.group:
                top.append((column.heading, 1, False, column_id))
                labelled_by[column.field] = column_id
                continue
            if top and top[-1][2] and top[-1][0] == column.group:
                label, span, grouped, group_id = top[-1]
                top[-1] = (label, span + 1, grouped, group_id)
            else:
                top.append((column.group, 1, True, f"{grid.key}g{index}"))
            sub.append((column.group, column.heading, column_id))
            labelled_by[column.field] = column_id
        return cls(top, sub, labelled_by)


@dataclass
class Cell:
    html: str
    errors: list

    def td(self) -> str:
        if not self.errors:
            return format_html("<td>{}</td>", self.html)
        return format_html(
            '<td class="hoso-grid__invalid">{}{}</td>',
            self.html,
            format_html_join("", '<span class="hoso-grid__error">{}</span>', self.errors),
        )


@dataclass
class Row:
    position: int
    name: str
    row_id: str
    hidden: str
    cells: list[Cell]
    errors: list[tuple[str, str]]  # (column, message), for the summary above the table
    delete: str  # a row the grade's programme does not have may be deleted

    def tr(self, deletable: bool) -> str:
        """The row as one string: drawn by the template, its 26 rows of 13 cells cost
        more than the rest of the editor (issue #18)."""
        return format_html(
            '<tr><th scope="row" id="{}">{}{}</th>{}{}</tr>',
            self.row_id,
            self.hidden,
            self.name,
            mark_safe("".join(cell.td() for cell in self.cells)),  # noqa: S308 - format_html
            format_html("<td>{}</td>", self.delete) if deletable else "",
        )


@dataclass
class _Drawing:
    """What every row of one table shares, worked out once per table."""

    grid: Grid
    grade: int | None
    header: Header
    names: dict
    names_in_grade: dict
    labels: dict
    attrs: dict
    positions: dict


_INVALID = mark_safe(' aria-invalid="true"')  # noqa: S308 - a constant
_KIND_ATTRS = {
    # A level is one letter typed as on paper, offered by the table's <datalist>: a
    # <select> per cell would double the editor's weight (issue #18).
    LEVEL: ' maxlength="1" list="{key}l"',
    SCORE: ' inputmode="numeric" maxlength="2"',
    TEXT: ' maxlength="500"',
}


def _control(name: str, column: Column, value: str, labelled_by: str, attrs, invalid) -> str:
    """One cell's input, named by its row's and its column's header cells (seven
    hundred of them: the value escaped by hand, format_html's cost showed; the name
    and the ids are the formset's prefixes and our keys)."""
    return mark_safe(  # noqa: S308 - see above
        f'<input name="{name}" value="{html.escape(value)}" '
        f'aria-labelledby="{labelled_by}"{_INVALID if invalid else ""}{attrs[column.kind]}>'
    )


def _value(form, field: str) -> str:
    """What the field shows: on a first open its initial value, read without the
    BoundField that every one of seven hundred cells built (issue #18)."""
    if form.is_bound:
        value = form[field].value()
    else:
        value = form.initial.get(field, form.fields[field].initial)
    return "" if value is None else str(value)


def management_form(formset) -> str:
    """The formset's counts as hidden inputs, as Django draws them, without its
    form template."""
    form = formset.management_form
    return format_html_join(
        "",
        '<input type="hidden" name="{}" value="{}" id="{}">',
        (
            (form.add_prefix(name), _value(form, name), form.auto_id % form.add_prefix(name))
            for name in form.fields
        ),
    )


def _row(form, drawing: _Drawing) -> Row:
    grid = drawing.grid
    code = _value(form, grid.item_field)
    name = drawing.names.get(code, code)
    position = drawing.positions.get(code, len(drawing.positions) + 1)
    row_id = f"{grid.key}{form.prefix.rsplit('-', 1)[-1]}"
    errors = form.errors if form.is_bound else {}
    cells, summary = [], []
    for column in grid.columns:
        value = _value(form, column.field)
        messages = list(errors.get(column.field, ()))
        summary += [(drawing.labels[column.field], message) for message in messages]
        control = ""
        if value or messages or grid.asks(code, drawing.grade, column.field):
            control = _control(
                form.add_prefix(column.field),
                column,
                value,
                f"{row_id} {drawing.header.labelled_by[column.field]}",
                drawing.attrs,
                messages,
            )
        cells.append(Cell(control, messages))
    summary += [("", message) for message in errors.get("__all__", ())]
    return Row(
        position,
        name,
        row_id,
        _hidden(form, grid, code, position),
        cells,
        summary,
        _delete(form, name) if code not in drawing.names_in_grade else "",
    )


def _hidden(form, grid: Grid, code: str, position: int) -> str:
    """The row's id (an existing row only), its code and its place in the table."""
    pk_name = form._meta.model._meta.pk.name
    pk = _value(form, pk_name)
    return format_html(
        '{}<input type="hidden" name="{}" value="{}"><input type="hidden" name="{}" value="{}">',
        format_html('<input type="hidden" name="{}" value="{}">', form.add_prefix(pk_name), pk)
        if pk
        else "",
        form.add_prefix(grid.item_field),
        code,
        form.add_prefix(ORDERING_FIELD_NAME),
        position,
    )


def _delete(form, name: str) -> str:
    return format_html(
        '<input type="checkbox" name="{}" aria-label="{}"{}>',
        form.add_prefix(DELETION_FIELD_NAME),
        _("Xóa dòng %(row)s") % {"row": name},
        " checked" if form[DELETION_FIELD_NAME].value() else "",
    )


class ResultGridPanel(InlinePanel):
    """An InlinePanel drawn as one keyboard-friendly table (see the module's doc)."""

    def __init__(self, relation_name=None, *args, grid: Grid, **kwargs):
        kwargs.setdefault("label", grid.label)
        super().__init__(relation_name or grid.relation, *args, **kwargs)
        self.grid = grid

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "grid": self.grid}

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = GridFormSet
        return options

    class BoundPanel(InlinePanel.BoundPanel):
        template_name = "recordpages/grid_panel.html"

        class Media:
            js = ["recordpages/grid.js"]
            css = {"all": ["recordpages/grid.css"]}

        def __init__(self, **kwargs):
            Panel.BoundPanel.__init__(self, **kwargs)
            self.label = self.panel.label
            if self.form is not None:
                self.formset = self.form.formsets[self.panel.relation_name]

        def get_context_data(self, parent_context=None):
            context = Panel.BoundPanel.get_context_data(self, parent_context)
            grid = self.panel.grid
            header = Header.of(grid)
            fields = self.formset.form.base_fields
            rows = self.grid_rows(header, fields)
            level = next(c.field for c in grid.columns if c.kind == LEVEL)
            deletable = any(row.delete for row in rows)
            context.update(
                grid=grid,
                management_form=management_form(self.formset),
                levels=[choice for choice in fields[level].choices if choice[0]],
                header=header,
                body=mark_safe("\n".join(row.tr(deletable) for row in rows)),  # noqa: S308
                deletable=deletable,
                error_summary=[
                    _("Dòng “%(row)s”, cột “%(column)s”: %(message)s")
                    % {"row": row.name, "column": column, "message": message}
                    if column
                    else _("Dòng “%(row)s”: %(message)s") % {"row": row.name, "message": message}
                    for row in rows
                    for column, message in row.errors
                ],
            )
            return context

        def grid_rows(self, header: Header, fields) -> list[Row]:
            grid = self.panel.grid
            formset = self.formset
            grade = getattr(formset, "grid_grade", None)
            in_grade = dict(grid.rows(grade))
            drawing = _Drawing(
                grid=grid,
                grade=grade,
                header=header,
                names={**dict(fields[grid.item_field].choices), **in_grade},
                names_in_grade=in_grade,
                labels={c.field: str(fields[c.field].label) for c in grid.columns},
                attrs={
                    kind: mark_safe(attrs.format(key=grid.key))  # noqa: S308 - our constants
                    for kind, attrs in _KIND_ATTRS.items()
                },
                positions=getattr(formset, "grid_positions", {}),
            )
            rows = [_row(form, drawing) for form in formset.forms]
            rows.sort(key=lambda row: row.position)
            return rows

        def telepath_pack(self, context):
            # Drawn without the InlinePanel's client-side controller (no add, no drag).
            return ("wagtail.panels.Panel", [{"type": "Panel", "prefix": self.prefix}])
