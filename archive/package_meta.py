"""Archival metadata of the year package: per document in manifest.json, per package
in bag-info.txt.

The per-document fields follow the input information of an electronic record in
Thông tư 02/2019/TT-BNV (Phụ lục I), as field names read from published
implementations of it: mã hồ sơ (made of mã phông, năm hình thành hồ sơ and số và ký
hiệu hồ sơ), tiêu đề hồ sơ, thời hạn bảo quản, ngôn ngữ, thời gian bắt đầu/kết thúc,
số lượng trang, mã định danh văn bản, tên loại văn bản, ngày tháng năm văn bản, tên
cơ quan ban hành and trích yếu nội dung. Their keys are ASCII spellings of those
names (README.txt names them in full); signers and format are ours, beside them.

The fonds code (mã phông) is assigned by the archive authority: a school has none in
this system yet, so its code on the CSDL ngành, else its own code, stands for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

from django.utils.translation import gettext as _

from archive.models import ArchivedVersion, DocumentKind
from archive.signing import ValidationData
from recordpages import registry
from recordpages.retention import Retention
from workflow.models import RecordState

# What the package holds beside records, all kept as long as the records they prove.
MINUTES_RETENTION = "minutes"
LANGUAGE_CODE = "vi"  # ISO 639-1
RECORD_FORMAT = "PDF/A"


def fonds_code(school) -> str:
    return school.ministry_code or school.code


def record_retention_terms(rows: list[ArchivedVersion]) -> dict[int, Retention]:
    """How long each archived record is kept, by page: as its rules declare (its
    type's, or its school category's). A record whose state row is gone (a deleted
    page) falls back to its type's declaration."""
    pages = {row.page_ref for row in rows if row.kind == DocumentKind.RECORD}
    kept: dict[int, Retention] = {}
    for state in RecordState.objects.filter(pk__in=pages).select_related("record_category"):
        kept[state.pk] = registry.retention_of(registry.for_record(state))
    for row in rows:
        if row.kind == DocumentKind.RECORD and row.page_ref not in kept:
            try:
                kept[row.page_ref] = registry.retention_of(registry.get(row.record_type))
            except LookupError:
                kept[row.page_ref] = registry.SCHOOL_DECIDES
    return kept


def permanent() -> Retention:
    """Minutes, audit log, checkpoints and data files: kept as long as what they prove,
    the permanent records of the year."""
    return Retention(_("Vĩnh viễn"), None, _("Theo hồ sơ mà tài liệu này chứng minh"))


def retention_fields(retention: Retention) -> dict:
    return {
        "retention": str(retention),
        "retention_years": retention.years,
        "retention_permanent": retention.permanent,
        "retention_source": str(retention.source),
        "retention_confirmed": retention.confirmed,
    }


def type_label(row: ArchivedVersion) -> str:
    if row.kind == DocumentKind.MINUTES:
        return str(DocumentKind.MINUTES.label)
    return registry.label(row.record_type)


def document_fields(
    row: ArchivedVersion,
    *,
    school,
    year,
    identifier: str,
    facts: ValidationData,
    retention: Retention,
) -> dict:
    """The TT 02/2019 fields of one document (ASCII keys, see the module docstring)."""
    fonds = fonds_code(school)
    notation = f"{row.page_ref}" + ("-BB" if row.kind == DocumentKind.MINUTES else "")
    issued = row.signed_at or row.timestamp_at
    return {
        "ma_ho_so": f"{fonds}.{year.first_year}.{notation}",
        "ma_phong": fonds,
        "nam_hinh_thanh_ho_so": year.first_year,
        "so_va_ky_hieu_ho_so": notation,
        "tieu_de_ho_so": row.title,
        "ma_dinh_danh_van_ban": identifier,
        "ten_loai_van_ban": type_label(row),
        "trich_yeu_noi_dung": row.title,
        "ngay_thang_nam_van_ban": issued.date().isoformat() if issued else None,
        "ten_co_quan_ban_hanh": school.name,
        "thoi_han_bao_quan": str(retention),
        "ngon_ngu": _("Tiếng Việt"),
        "ma_ngon_ngu": LANGUAGE_CODE,
        "thoi_gian_bat_dau": year.start_date.isoformat(),
        "thoi_gian_ket_thuc": year.end_date.isoformat(),
        "so_luong_trang": facts.pages,
        "nguoi_ky": list(facts.signers) or ([row.signer] if row.signer else []),
        "dinh_dang": RECORD_FORMAT,
    }


def retention_summary(documents: list[dict]) -> list[str]:
    """One line per type and period: "Học bạ: Vĩnh viễn (12 tài liệu)"."""
    counts = Counter(
        (d["metadata"]["ten_loai_van_ban"], d["retention"], d["retention_source"])
        for d in documents
    )
    return [
        _("%(type)s: %(retention)s (%(count)s tài liệu; %(source)s)")
        % {"type": kind, "retention": kept, "count": count, "source": source}
        for (kind, kept, source), count in sorted(counts.items())
    ]


def bag_info(school, year, documents: list[dict], *, bagged_on: dt.date) -> dict:
    """bag-info.txt: the reserved fields of BagIt 1.0 (RFC 8493 §2.2.2) that fit, and
    the package's own (fonds code, year, retention summary)."""
    info: dict[str, str | list[str]] = {
        "Source-Organization": school.name,
        "External-Identifier": f"{school.code}-{year.name}",
        "External-Description": _("Hồ sơ chuyên môn năm học %(year)s") % {"year": year.name},
        # Every year package of one school is one group.
        "Bag-Group-Identifier": f"{school.code}-year-packages",
        "Bagging-Date": bagged_on.isoformat(),
        "Fonds-Code": fonds_code(school),
        "School-Year": year.name,
        "School-Year-Start": year.start_date.isoformat(),
        "School-Year-End": year.end_date.isoformat(),
        "Language": LANGUAGE_CODE,
        "Record-Format": RECORD_FORMAT,
        "Retention-Summary": retention_summary(documents),
    }
    if school.address:
        info["Organization-Address"] = school.address
    if school.phone:
        info["Contact-Phone"] = school.phone
    if school.email:
        info["Contact-Email"] = school.email
    return info


def beside_entry(
    *, path: str, name: str, files: dict[str, bytes], indexed_sha256: str, key: str, fmt: str
) -> dict[str, object]:
    """What manifest.json says of a file kept beside a document's PDF (a file record's
    original, a register's data file): where it is, its hash and whether the hash is
    still the one the index recorded when it was stored."""
    data = files[path]
    digest = hashlib.sha256(data).hexdigest()
    return {
        "path": f"data/{path}",
        "name": name,
        "size": len(data),
        "sha256": digest,
        "sha256_matches_index": digest == indexed_sha256,
        "storage_key": key,
        "format": fmt,
    }
