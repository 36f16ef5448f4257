"""The year-end package of one school and year: a BagIt bag, zipped.

Contents (data/): every signed PDF and correction minutes as stored, the data
exports (sổ đăng bộ and class results, XLSX and CSV), the CSDL ngành data files
applied that year (imports.selectors.data_files_for, under their package_path),
the year's audit log with its chain verification (workflow.audit.export_year),
every signed checkpoint of the school's audit chain (archive.checkpoints; the
package job makes one first), manifest.json with archival metadata per document
and file, and signature-report.json.

Reproducible: files are sorted, every timestamp inside comes from the data
(never the clock), so rebuilding from the same data gives the same manifest.
Signature validation, the slow part, runs on every core.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import bagit
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from archive import signing, storage
from archive.codes import new_verification_code
from archive.models import ArchivedVersion, ArchiveJob, DocumentKind
from imports.selectors import data_files_for
from recordpages import registry
from recordpages.xlsx import csv_safe, safe_row
from workflow.audit import export_year
from workflow.models import RecordState

logger = logging.getLogger(__name__)

# Retention of what the package holds beside records (each record type declares its
# own: `retention` in recordpages.registry). Check against Thông tư 27/2016/TT-BGDĐT.
# Lazy, and written with str() in the job, which runs in the project language
# (archive.services.run_job), so the manifest reads the same on every rebuild.
MINUTES_RETENTION = gettext_lazy("Vĩnh viễn")
CSDL_DATA_FILE_RETENTION = gettext_lazy("Vĩnh viễn")  # the source of the sổ đăng bộ
AUDIT_LOG_RETENTION = gettext_lazy("Vĩnh viễn")
UNKNOWN_RETENTION = gettext_lazy("Theo quy định")


def record_retention(rows: list[ArchivedVersion]) -> dict[int, str]:
    """How long each archived record is kept, by page: as its rules declare (its
    type's, or its school category's). A record whose state row is gone (a deleted
    page) falls back to its type's declaration."""
    pages = {row.page_ref for row in rows if row.kind == DocumentKind.RECORD}
    kept: dict[int, str] = {}
    for state in RecordState.objects.filter(pk__in=pages):
        kept[state.pk] = str(registry.for_record(state).retention)
    for row in rows:
        if row.kind == DocumentKind.RECORD and row.page_ref not in kept:
            try:
                kept[row.page_ref] = str(registry.get(row.record_type).retention)
            except LookupError:
                kept[row.page_ref] = str(UNKNOWN_RETENTION)
    return kept


Progress = Callable[[int, int], None]


def _fixed_time(year) -> tuple[int, int, int, int, int, int]:
    end = year.end_date
    return (end.year, end.month, end.day, 0, 0, 0)


def deterministic_zip(files: dict[str, bytes], when: tuple) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _xlsx(header: list[str], rows: list[list], when: tuple) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    # Pupils' and parents' names are typed by users: none may become a live formula.
    sheet.append(safe_row(sheet, header))
    for row in rows:
        sheet.append(safe_row(sheet, ["" if v is None else v for v in row]))
    stamp = dt.datetime(*when)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    raw = io.BytesIO()
    workbook.save(raw)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source:
        members = {name: source.read(name) for name in source.namelist()}
    # openpyxl stamps "modified" with the clock on save: pin it to the data's date.
    core = members.get("docProps/core.xml", b"").decode()
    members["docProps/core.xml"] = re.sub(
        r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rf"\g<1>{stamp.strftime('%Y-%m-%dT%H:%M:%SZ')}\g<2>",
        core,
    ).encode()
    return deterministic_zip(members, when)


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(v) for v in header])
    writer.writerows([[csv_safe("" if v is None else v) for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8


def register_rows(school, year) -> tuple[list[str], list[list]]:
    from recordpages.models import RegisterEntry

    header = [
        _("Số đăng bộ"), _("Mã định danh"), _("Họ và tên"), _("Ngày sinh"), _("Giới tính"),
        _("Dân tộc"), _("Nơi sinh"), _("Nơi ở"), _("Họ tên cha"), _("Họ tên mẹ"),
        _("Ngày vào trường"), _("Vào lớp"), _("Ngày rời trường"), _("Lí do"),
        _("Hoàn thành CTTH"), _("Khóa"),
    ]  # fmt: skip
    entries = (
        RegisterEntry.objects.filter(page__school=school, page__school_year=year)
        .select_related("pupil", "page")
        .order_by("page__cohort", "register_number", "pk")
    )
    rows = [
        [
            e.register_number,
            e.pupil.ministry_id or "",
            e.pupil.full_name,
            e.pupil.date_of_birth.strftime("%d/%m/%Y"),
            e.pupil.get_sex_display(),
            e.pupil.ethnicity,
            e.pupil.place_of_birth,
            e.pupil.address,
            e.pupil.father_name,
            e.pupil.mother_name,
            e.entry_date.strftime("%d/%m/%Y"),
            e.entry_class,
            e.left_on.strftime("%d/%m/%Y") if e.left_on else "",
            e.left_reason,
            e.completed_on.strftime("%d/%m/%Y") if e.completed_on else "",
            e.page.cohort,
        ]  # fmt: skip
        for e in entries
    ]
    return header, rows


def class_result_rows(school, year) -> tuple[list[str], list[list]]:
    from recordpages import programme
    from recordpages.models import StudentRecordPage

    subjects = [s for s in programme.SUBJECTS]
    competences = programme.COMPETENCE_CHOICES
    header = [
        _("Lớp"), _("Mã định danh"), _("Họ và tên"),
        *[_("%(subject)s – mức") % {"subject": s.name} for s in subjects],
        *[_("%(subject)s – điểm") % {"subject": s.name} for s in subjects],
        *[name for _code, name in competences],
        _("Kết quả giáo dục"), _("Khen thưởng"), _("Lên lớp"),
    ]  # fmt: skip
    rows = []
    records = (
        StudentRecordPage.objects.filter(school=school, school_year=year)
        .select_related("pupil", "school_class")
        .prefetch_related("subject_results", "competence_results")
        .order_by("school_class__name", "pupil__full_name", "pk")
    )
    for record in records:
        by_subject = {r.subject: r for r in record.subject_results.all()}
        by_comp = {r.competence: r for r in record.competence_results.all()}
        rows.append(
            [
                record.school_class.name,
                record.pupil.ministry_id or "",
                record.pupil.full_name,
                *[by_subject[s.code].level if s.code in by_subject else "" for s in subjects],
                *[by_subject[s.code].score_year if s.code in by_subject else "" for s in subjects],
                *[by_comp[c].level if c in by_comp else "" for c, _name in competences],
                record.get_year_end_result_display(),
                record.commendation,
                record.get_promotion_display(),
            ]  # fmt: skip
        )
    return header, rows


AUDIT_LOG = "audit/audit-log.jsonl"
AUDIT_VERIFICATION = "audit/chain-verification.json"


def _audit_files(school, year) -> tuple[dict[str, bytes], dict | None]:
    """The school's audit entries of the year and its chain verification
    (workflow.audit.export_year), and what the manifest says of them."""
    entries, verification = export_year(school=school, school_year=year)
    files = {
        AUDIT_LOG: "".join(
            json.dumps(e, ensure_ascii=False, sort_keys=True, default=str) + "\n" for e in entries
        ).encode(),
        AUDIT_VERIFICATION: json.dumps(
            verification, ensure_ascii=False, sort_keys=True, indent=2, default=str
        ).encode(),
    }
    listed = {
        "path": f"data/{AUDIT_LOG}",
        "verification_path": f"data/{AUDIT_VERIFICATION}",
        "entries": len(entries),
        "chain": verification.get("chain"),
        "chain_intact": verification.get("intact"),
        "sha256": storage.sha256(files[AUDIT_LOG]),
        "retention": str(AUDIT_LOG_RETENTION),
        "format": "application/x-ndjson; UTF-8",
    }
    return files, listed


def _checkpoint_files(school) -> tuple[dict[str, bytes], list[dict]]:
    """Every signed checkpoint of the school's audit chain in the store, so the package
    proves on its own how far the chain stood, and when (archive.checkpoints)."""
    from archive import checkpoints

    return checkpoints.package_files(school)


def _data_files(school, year) -> tuple[dict[str, bytes], list[dict]]:
    """The CSDL ngành files applied for the school and year, as imported (DESIGN.md)."""
    files: dict[str, bytes] = {}
    listed = []
    for data_file in data_files_for(school=school, school_year=year):
        path = data_file.package_path
        files[path] = data_file.content
        sha = storage.sha256(data_file.content)
        listed.append(
            {
                "identifier": f"{school.code}-{year.name}-csdl-{data_file.sha256[:12]}",
                "path": f"data/{path}",
                "title": _("Tệp dữ liệu CSDL ngành: %(filename)s")
                % {"filename": data_file.filename},
                "filename": data_file.filename,
                "applied_at": _iso(data_file.applied_at),
                "size": len(data_file.content),
                "sha256": sha,
                "sha256_matches_import": sha == data_file.sha256,
                "retention": str(CSDL_DATA_FILE_RETENTION),
                "format": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
    return files, listed


def _validate(data: bytes) -> dict:
    return signing.validate_pdf(data).as_dict()


def _processes() -> int:
    configured = int(settings.ARCHIVE.get("PROCESSES") or 0)
    return configured or os.cpu_count() or 1


def validate_many(documents: list[bytes], progress: Progress | None = None) -> list[dict]:
    """Validate signatures on every core (fork keeps Django's settings)."""
    results: list[dict] = []
    processes = min(_processes(), max(1, len(documents)))
    if processes == 1 or len(documents) < 8:
        for data in documents:
            results.append(_validate(data))
            if progress:
                progress(len(results), len(documents))
        return results
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        for report in pool.imap(_validate, documents, chunksize=8):
            results.append(report)
            if progress:
                progress(len(results), len(documents))
    return results


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def build_year_package(school, year, *, progress: Progress | None = None) -> tuple[bytes, dict]:
    """Returns (zip bytes, manifest). Raises StorageUnavailable to retry later."""
    store = storage.get_store()
    rows = list(
        ArchivedVersion.objects.filter(
            school=school, school_year=year, kind__in=[DocumentKind.RECORD, DocumentKind.MINUTES]
        ).order_by("key")
    )
    total = len(rows) * 2 + 1
    step = 0

    def tick(n: int = 1) -> None:
        nonlocal step
        step += n
        if progress:
            progress(step, total)

    prefix = f"schools/{school.code}/{year.name}/"
    files: dict[str, bytes] = {}
    documents = []
    for row in rows:
        data = store.get(row.key)
        folder = "minutes" if row.kind == DocumentKind.MINUTES else "documents"
        path = f"{folder}/{row.key.removeprefix(prefix)}"
        files[path] = data
        documents.append((row, path, data))
        tick()
    reports = validate_many([d for _row, _path, d in documents], lambda done, _n: tick())
    manifest_docs = []
    report_docs = []
    retention = record_retention(rows)
    for (row, path, data), report in zip(documents, reports, strict=True):
        sha = storage.sha256(data)
        manifest_docs.append(
            {
                "identifier": f"{school.code}-{row.page_ref}-v{row.version}"
                + ("-BB" if row.kind == DocumentKind.MINUTES else ""),
                "path": f"data/{path}",
                "title": row.title,
                "type": row.record_type,
                "kind": row.kind,
                "record_id": row.page_ref,
                "version": row.version,
                "signed_at": _iso(row.signed_at),
                "timestamp_at": _iso(row.timestamp_at),
                "signer": row.signer,
                "sha256": sha,
                "sha256_matches_index": sha == row.sha256,
                "content_sha256": row.content_sha256,
                "storage_key": row.key,
                "retention": (
                    str(MINUTES_RETENTION)
                    if row.kind == DocumentKind.MINUTES
                    else retention[row.page_ref]
                ),
                "format": "application/pdf; PDF/A-2u; PAdES",
            }
        )
        report_docs.append({"path": f"data/{path}", **report})
    when = _fixed_time(year)
    header, register = register_rows(school, year)
    files["exports/so-dang-bo.csv"] = _csv(header, register)
    files["exports/so-dang-bo.xlsx"] = _xlsx(header, register, when)
    header, results = class_result_rows(school, year)
    files["exports/ket-qua-giao-duc-cac-lop.csv"] = _csv(header, results)
    files["exports/ket-qua-giao-duc-cac-lop.xlsx"] = _xlsx(header, results, when)
    data_files, data_listed = _data_files(school, year)
    files.update(data_files)
    audit_files, audit_listed = _audit_files(school, year)
    files.update(audit_files)
    checkpoint_files, checkpoints_listed = _checkpoint_files(school)
    files.update(checkpoint_files)
    manifest = {
        "school": {"code": school.code, "name": school.name},
        "school_year": year.name,
        "period": {"start": year.start_date.isoformat(), "end": year.end_date.isoformat()},
        "documents": manifest_docs,
        "data_files": data_listed,
        "exports": sorted(p for p in files if p.startswith("exports/")),
        "audit": audit_listed,
        "audit_included": audit_listed is not None,
        "audit_checkpoints": checkpoints_listed,
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    files["signature-report.json"] = json.dumps(
        {
            "trust_roots": [c.subject.human_friendly for c in signing.trust_roots()],
            "all_valid": all(r["ok"] for r in report_docs),
            "documents": report_docs,
        },
        ensure_ascii=False,
        indent=2,
    ).encode()
    zipped = _bag_zip(files, school, year, when)
    tick()
    return zipped, manifest


def _bag_zip(files: dict[str, bytes], school, year, when: tuple) -> bytes:
    workdir = Path(tempfile.mkdtemp(prefix="hoso-bag-"))
    try:
        root = workdir / f"{school.code}-{year.name}"
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        bagit.make_bag(
            str(root),
            bag_info={
                "Source-Organization": school.name,
                "External-Identifier": f"{school.code}-{year.name}",
                "External-Description": _("Hồ sơ chuyên môn năm học %(year)s")
                % {"year": year.name},
                "Bagging-Date": year.end_date.isoformat(),
            },
            checksums=["sha256"],
        )
        members = {
            f"{root.name}/{p.relative_to(root).as_posix()}": p.read_bytes()
            for p in root.rglob("*")
            if p.is_file()
        }
        return deterministic_zip(members, when)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def package_enqueue(*, school, school_year, actor_id: int | None = None) -> ArchiveJob:
    from django.utils import timezone

    return ArchiveJob.objects.create(
        kind="package",
        school=school,
        school_year=school_year,
        record_type="package",
        actor_id=actor_id,
        verification_code=new_verification_code(),
        next_attempt_at=timezone.now(),
    )


def build_and_store_package(job: ArchiveJob, progress: Progress | None = None) -> ArchivedVersion:
    def report(done: int, total: int) -> None:
        ArchiveJob.objects.filter(pk=job.pk).update(progress=done, progress_total=total)
        if progress:
            progress(done, total)

    from archive import checkpoints

    # Anchor the chain as it stands at the year end; the package carries this checkpoint.
    checkpoints.checkpoint_for_package(
        school=job.school, school_year=job.school_year, job_id=job.pk
    )
    zipped, manifest = build_year_package(job.school, job.school_year, progress=report)
    key = f"schools/{job.school.code}/{job.school_year.name}/package/bag-{job.pk}.zip"
    put = storage.get_store().put(key, zipped, content_type="application/zip")
    with transaction.atomic():
        return ArchivedVersion.objects.create(
            kind=DocumentKind.PACKAGE,
            page_ref=0,
            school=job.school,
            school_year=job.school_year,
            record_type="package",
            title=(
                _("Gói hồ sơ năm học %(year)s – %(school)s")
                % {"year": job.school_year.name, "school": job.school.name}
            )[:500],
            version=ArchivedVersion.objects.filter(
                kind=DocumentKind.PACKAGE, school=job.school, school_year=job.school_year
            ).count()
            + 1,
            key=key,
            storage_version_id=put.version_id,
            retain_until=put.retain_until,
            sha256=storage.sha256(zipped),
            size=len(zipped),
            verification_code=job.verification_code,
            related={"documents": len(manifest["documents"])},
        )
