"""How long each record type is kept, and the rule that says so (DESIGN.md, "Record-type
registry": "its retention period (with the rule it comes from)").

A declaration (`RecordType.retention`) is a Retention: the words a reader sees ("Vĩnh
viễn", "5 năm"), a period a machine reads (years, or permanently) and its source. The
year package writes all three per document (archive.package_meta). A category a school
defines in the admin keeps its period as words; `read_retention` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from recordpages.text import collapse_spaces, fold

# Where the periods come from. Thông tư 27/2016/TT-BGDĐT (30/12/2016) sets how long the
# education sector keeps its professional records, in the table of its Phụ lục, whose
# groups include "tài liệu về giáo dục mầm non, phổ thông, thường xuyên". Only the
# circular's title, date, scope and groups could be read when these were declared, not
# the table's rows: each period names that group and keeps `confirmed=False` until
# someone checks its row in the published table (README, "Retention").
TT27_2016_SCHOOLING = _(
    "Thông tư 27/2016/TT-BGDĐT, Phụ lục, nhóm tài liệu về giáo dục mầm non, phổ thông, thường xuyên"
)


@dataclass(frozen=True)
class Retention:
    """How long a record is kept, with the rule it comes from: its words for people, a
    period for machines (`years`; None: permanently, or with `known` False: the school
    decides) and its source."""

    label: Promise | str
    years: int | None = None
    source: Promise | str = ""
    known: bool = True
    confirmed: bool = False  # the period was checked against the rule's published table

    def __str__(self) -> str:
        return str(self.label)

    @property
    def permanent(self) -> bool:
        return self.known and self.years is None


def kept_permanently(*, source: Promise | str, confirmed: bool = False) -> Retention:
    return Retention(_("Vĩnh viễn"), None, source, True, confirmed)


def kept_for(years: int, *, source: Promise | str, confirmed: bool = False) -> Retention:
    return Retention(format_lazy(_("{years} năm"), years=years), years, source, True, confirmed)


SCHOOL_DECIDES = Retention(
    _("Theo quy định của nhà trường"),
    None,
    _("Nhà trường quy định (loại hồ sơ do trường định nghĩa)"),
    known=False,
)
_YEARS = re.compile(r"^(\d{1,3}) nam$")  # "10 năm", folded


def read_retention(declared: Retention | Promise | str, *, school_defined: bool) -> Retention:
    """A Retention as declared, or the words a school typed for its own category
    ("10 năm", "Vĩnh viễn") read into a period, the school being its source."""
    if isinstance(declared, Retention):
        return declared
    words = str(declared)
    source = SCHOOL_DECIDES.source if school_defined else ""
    folded = collapse_spaces(fold(words))
    found = _YEARS.match(folded)
    if found:
        return Retention(words, int(found.group(1)), source)
    if folded == fold(str(_("Vĩnh viễn"))):
        return Retention(words, None, source)
    return Retention(words, None, source or SCHOOL_DECIDES.source, known=False)
