"""A stacked bar chart as inline SVG: no JavaScript, no CDN, readable when printed.

Each bar is one school (or group, or teacher); its four segments are the
shares of on-time, late, missing and not-yet-due records. The table beside it
carries the same numbers for screen readers; the SVG says so in its title.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.formatting import vn_number, vn_percent
from reports.selectors import STATUS_LABELS, STATUSES
from reports.tables import ReportRow

COLOURS = {  # colour-blind-safe (Okabe–Ito)
    "on_time": "#009E73",
    "late": "#E69F00",
    "missing": "#D55E00",
    "pending": "#BBBBBB",
}
BAR_HEIGHT = 22
GAP = 10
LABEL_WIDTH = 260
BAR_WIDTH = 420


def status_chart(rows: list[ReportRow], title: str) -> SafeString:
    height = len(rows) * (BAR_HEIGHT + GAP) + 40
    width = LABEL_WIDTH + BAR_WIDTH + 60
    caption = _("%(title)s (số liệu chi tiết trong bảng bên dưới)") % {"title": title}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(caption)}</title>',
        '<g font-family="Noto Sans, Arial, sans-serif" font-size="13">',
    ]
    for index, row in enumerate(rows):
        y = index * (BAR_HEIGHT + GAP)
        totals = row.totals
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 6}" text-anchor="end">'
            f"{escape(row.label)}</text>"
        )
        x = float(LABEL_WIDTH)
        for status in STATUSES:
            share = totals.percent(status)
            if not share:
                continue
            w = BAR_WIDTH * share / 100
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{COLOURS[status]}"><title>{escape(STATUS_LABELS[status])}: '
                f"{vn_number(totals.counts[status])} ({vn_percent(share)})</title></rect>"
            )
            x += w
        if not totals.total:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{y + BAR_HEIGHT - 6}" fill="#555">'
                f"{escape(_('chưa có hồ sơ'))}</text>"
            )
        else:
            parts.append(
                f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + BAR_HEIGHT - 6}">'
                f"{vn_percent(totals.on_time_rate)}</text>"
            )
    legend_y = len(rows) * (BAR_HEIGHT + GAP) + 12
    x = LABEL_WIDTH
    for status in STATUSES:
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{COLOURS[status]}"/>'
            f'<text x="{x + 16}" y="{legend_y + 11}">{escape(STATUS_LABELS[status])}</text>'
        )
        x += 115
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
