"""The report as an XLSX workbook that LibreOffice and Excel open with the
Vietnamese text intact (openpyxl writes UTF-8 shared strings), with a frozen
header row and column widths set, one sheet per table."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from recordpages.xlsx import safe_row
from reports.selectors import STATUS_LABELS, STATUSES
from reports.tables import Report, ReportRow

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def _sheet(ws: Worksheet, title: str, header: list[str], rows: list[list]) -> None:
    # Every cell through safe_row: school, group and teacher names are typed by users.
    ws.append(safe_row(ws, [title]))
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(safe_row(ws, header))
    for cell in ws[2]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(safe_row(ws, row))
    ws.freeze_panes = "B3"
    for index, name in enumerate(header, start=1):
        longest = max([len(str(name))] + [len(str(r[index - 1])) for r in rows if len(r) >= index])
        ws.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 60)


def _deadline_rows(report: Report, rows: list[ReportRow]) -> tuple[list[str], list[list]]:
    header = [_("Đơn vị")]
    for _type, label in report.types:
        header += [f"{label} – {STATUS_LABELS[s]}" for s in STATUSES]
    header += [_("Tổng – %(status)s") % {"status": STATUS_LABELS[s]} for s in STATUSES]
    header += [_("Tổng số"), _("Tỉ lệ đúng hạn (%)")]
    body = []
    for row in rows:
        line: list = [row.label]
        for record_type, _label in report.types:
            counts = row.by_type.get(record_type)
            line += [counts.counts[s] if counts else 0 for s in STATUSES]
        totals = row.totals
        line += [totals.counts[s] for s in STATUSES] + [totals.total, totals.on_time_rate]
        body.append(line)
    return header, body


def _completeness_rows(report: Report, rows: list[ReportRow]) -> tuple[list[str], list[list]]:
    header = [_("Đơn vị")]
    for _key, label in report.completeness_keys:
        header += [
            _("%(label)s – cần có") % {"label": label},
            _("%(label)s – đã có") % {"label": label},
            f"{label} – %",
        ]
    header += [_("Tổng cần có"), _("Tổng đã có"), _("Tỉ lệ đầy đủ (%)")]
    body = []
    for row in rows:
        line: list = [row.label]
        for key, _label in report.completeness_keys:
            item = row.completeness.get(key)
            line += [item.expected, item.present, item.percent] if item else ["", "", ""]
        total = row.completeness_total
        line += [total.expected, total.present, total.percent]
        body.append(line)
    return header, body


def report_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    year = report.school_year.name
    ws = workbook.active
    ws.title = _("Hạn nộp")
    header, body = _deadline_rows(report, report.rows)
    _sheet(
        ws,
        _("Thực hiện thời hạn hồ sơ (Điều 12) – năm học %(year)s – tính đến %(today)s")
        % {"year": year, "today": f"{report.today:%d/%m/%Y}"},
        header,
        body,
    )
    header, body = _completeness_rows(report, report.rows)
    _sheet(
        workbook.create_sheet(_("Đầy đủ")),
        _("Mức độ đầy đủ hồ sơ bắt buộc – năm học %(year)s") % {"year": year},
        header,
        body,
    )
    for title, rows in ((_("Theo tổ"), report.groups), (_("Theo giáo viên"), report.teachers)):
        if rows:
            header, body = _deadline_rows(report, rows)
            _sheet(
                workbook.create_sheet(title),
                _("Thời hạn hồ sơ %(by)s – năm học %(year)s") % {"by": title.lower(), "year": year},
                header,
                body,
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
