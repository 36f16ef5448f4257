"""What a rendered document is made of: its header, its template and context, its
paper size, and what it carries inside (issue 16: the học bạ's data file). Shared by
the builders of each paper form (archive.documents, archive.forms)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

A4_PORTRAIT = "A4 portrait"
A4_LANDSCAPE = "A4 landscape"
A3_LANDSCAPE = "A3 landscape"


@dataclass(frozen=True)
class Header:
    """The two-column header of a Vietnamese administrative document (FORMS.md)."""

    issuing_body: str
    school_name: str
    number: str
    place: str
    date: dt.date

    @property
    def date_line(self) -> str:
        day, month, year = self.date.day, self.date.month, self.date.year
        return f"{self.place}, ngày {day:02d} tháng {month:02d} năm {year}"


@dataclass
class DocumentSpec:
    template: str
    page_size: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    # A record handed in as a file (intake.RecordFile, converted): its PDF/A comes
    # first, the rendered template (a confirmation page) is appended to it.
    source: Any = None
    # Files carried inside the PDF as associated files (PDF/A-3, ISO 19005-3): the
    # học bạ's data file (AFRelationship /Data, the ZUGFeRD/Factur-X pattern).
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the rendered PDF and tied to it by /AF."""

    name: str
    data: bytes
    mime_type: str
    description: str = ""
    relationship: str = "Data"
