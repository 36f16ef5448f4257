"""The year-end package of one school and year: a BagIt 1.0 bag, zipped, that an
archivist can read and check without the software (issue #14).

Contents (data/): every signed PDF and correction minutes under a human name (type,
title, version: archive.package_names), the data exports (sổ đăng bộ and class
results, XLSX and CSV: archive.package_exports), the CSDL ngành data files applied
that year, the audit entries of the year's records and of the school's year with
their chain verification (workflow.audit.export_year), every signed checkpoint of the
school's audit chain (archive.checkpoints; the package job makes one first), the trust
roots and each PDF's validation data (archive.package_trust), manifest.json with the
Thông tư 02/2019 metadata, retention and source per document (archive.package_meta)
and signature-report.json. At the top, README.txt explains it in Vietnamese
(archive.package_readme); manifests and tag manifests in SHA-512 and SHA-256.

Reproducible, with one exception: files are sorted and every timestamp inside comes
from the data (never the clock), so rebuilding from the same data gives the same
manifest.json; but bag-info.txt's Bagging-Date is the day the package is built (RFC
8493 §2.2.2: "the date … that the content was put in the bag"), and with it README.txt,
the tag manifests and the zip differ between builds on different days. Signature
validation, the slow part, runs on every core.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import bagit
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import (
    originals,
    package_meta,
    package_readme,
    package_trust,
    register_data,
    signing,
    storage,
)
from archive.codes import new_verification_code
from archive.models import ArchivedVersion, ArchiveJob, DocumentKind
from archive.package_exports import (
    class_result_rows,
    deterministic_zip,
    write_csv,
    write_xlsx,
)
from archive.package_names import document_stem, safe_name, unique_paths
from archive.rendering import declared_pdfa
from imports.selectors import data_files_for
from workflow.audit import export_year

logger = logging.getLogger(__name__)

BAGIT_VERSION = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
CHECKSUMS = ["sha512", "sha256"]


def record_retention(rows: list[ArchivedVersion]) -> dict[int, str]:
    """How long each archived record is kept, by page, in words (package_meta)."""
    return {page: str(kept) for page, kept in package_meta.record_retention_terms(rows).items()}


Progress = Callable[[int, int], None]


def _fixed_time(year) -> tuple[int, int, int, int, int, int]:
    end = year.end_date
    return (end.year, end.month, end.day, 0, 0, 0)


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
        **package_meta.retention_fields(package_meta.permanent()),
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
                **package_meta.retention_fields(package_meta.permanent()),
                "format": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
    return files, listed


def _examine(data: bytes) -> tuple[dict, signing.ValidationData]:
    """One PDF's signature report and what it carries for its validation."""
    return signing.validate_pdf(data).as_dict(), signing.read_validation_data(data)


def _processes() -> int:
    configured = int(settings.ARCHIVE.get("PROCESSES") or 0)
    return configured or os.cpu_count() or 1


Examined = tuple[dict, signing.ValidationData]


def examine_many(documents: list[bytes], progress: Progress | None = None) -> list[Examined]:
    """Validate signatures and read validation data on every core (fork keeps Django's
    settings)."""
    results: list[Examined] = []
    processes = min(_processes(), max(1, len(documents)))
    if processes == 1 or len(documents) < 8:
        for data in documents:
            results.append(_examine(data))
            if progress:
                progress(len(results), len(documents))
        return results
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        for examined in pool.imap(_examine, documents, chunksize=8):
            results.append(examined)
            if progress:
                progress(len(results), len(documents))
    return results


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _document_paths(rows: list[ArchivedVersion]) -> dict[str, str]:
    """Human paths under data/, by storage key: documents/<type>/<title – version>.pdf,
    minutes/<title – version>.pdf."""
    wanted = {}
    for row in rows:
        label = package_meta.type_label(row)
        folder = "minutes" if row.kind == DocumentKind.MINUTES else f"documents/{label}"
        stem = document_stem(type_label=label, title=row.title, version=row.version)
        wanted[row.key] = (folder, stem, ".pdf")
    paths = unique_paths(wanted)
    # The type's folder is a path component too: made safe like the names.
    return {key: _safe_folders(path) for key, path in paths.items()}


def _safe_folders(path: str) -> str:
    *folders, name = path.split("/")
    return "/".join([*(safe_name(f) for f in folders), name])


def _document_entry(row, path, data, report, facts, *, school, year, retention) -> dict:
    identifier = f"{school.code}-{row.page_ref}-v{row.version}" + (
        "-BB" if row.kind == DocumentKind.MINUTES else ""
    )
    sha = storage.sha256(data)
    return {
        "identifier": identifier,
        "path": f"data/{path}",
        "title": row.title,
        "type": row.record_type,
        "kind": row.kind,
        "record_id": row.page_ref,
        "version": row.version,
        "signed_at": _iso(row.signed_at),
        "timestamp_at": _iso(row.timestamp_at),
        "signer": row.signer,
        "signers": list(facts.signers),
        "pages": facts.pages,
        "sha256": sha,
        "sha512": hashlib.sha512(data).hexdigest(),
        "sha256_matches_index": sha == row.sha256,
        "content_sha256": row.content_sha256,
        "storage_key": row.key,
        **package_meta.retention_fields(retention),
        "format": f"application/pdf; {declared_pdfa(data) or 'PDF'}; PAdES {signing.level(data)}",
        "signature_valid_when_packaged": report["ok"],
        "metadata": package_meta.document_fields(
            row, school=school, year=year, identifier=identifier, facts=facts, retention=retention
        ),
    }


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

    paths = _document_paths(rows)
    files: dict[str, bytes] = {}
    documents = []
    for row in rows:
        data = store.get(row.key)
        files[paths[row.key]] = data
        if row.original_key:  # the teacher's file, beside the PDF signed from it
            files[originals.package_path(paths[row.key], row)] = store.get(row.original_key)
        if row.data_file_key:  # a register's data file, beside its print (R8)
            files[register_data.package_path(paths[row.key])] = store.get(row.data_file_key)
        documents.append((row, paths[row.key], data))
        tick()
    examined = examine_many([d for _row, _path, d in documents], lambda done, _n: tick())
    validation, used = package_trust.validation_files(
        {path: facts for (_row, path, _d), (_r, facts) in zip(documents, examined, strict=True)}
    )
    files.update(validation)
    retention = package_meta.record_retention_terms(rows)
    manifest_docs, report_docs = [], []
    for (row, path, data), (report, facts) in zip(documents, examined, strict=True):
        kept = (
            package_meta.permanent()
            if row.kind == DocumentKind.MINUTES
            else retention[row.page_ref]
        )
        entry = _document_entry(
            row, path, data, report, facts, school=school, year=year, retention=kept
        )
        if row.original_key:
            entry["original"] = originals.manifest_entry(row, path, files)
        if row.data_file_key:
            entry["data_file"] = register_data.manifest_entry(row, path, files)
        manifest_docs.append({**entry, "validation_data": used[path]})
        report_docs.append({"path": f"data/{path}", **report})
    when = _fixed_time(year)
    header, register = register_data.year_rows(school, year)
    files["exports/so-dang-bo.csv"] = write_csv(header, register)
    files["exports/so-dang-bo.xlsx"] = write_xlsx(header, register, when)
    header, results = class_result_rows(school, year)
    files["exports/ket-qua-giao-duc-cac-lop.csv"] = write_csv(header, results)
    files["exports/ket-qua-giao-duc-cac-lop.xlsx"] = write_xlsx(header, results, when)
    data_files, data_listed = _data_files(school, year)
    files.update(data_files)
    audit_files, audit_listed = _audit_files(school, year)
    files.update(audit_files)
    checkpoint_files, checkpoints_listed = _checkpoint_files(school)
    files.update(checkpoint_files)
    trust_files, trust_listed = package_trust.trust_root_files()
    files.update(trust_files)
    manifest = {
        "school": {"code": school.code, "name": school.name},
        "fonds_code": package_meta.fonds_code(school),
        "school_year": year.name,
        "period": {"start": year.start_date.isoformat(), "end": year.end_date.isoformat()},
        "documents": manifest_docs,
        "data_files": data_listed,
        "exports": sorted(p for p in files if p.startswith("exports/")),
        "audit": audit_listed,
        "audit_included": audit_listed is not None,
        "audit_checkpoints": checkpoints_listed,
        "trust_roots": trust_listed,
        "validation_data": sorted(f"data/{p}" for p in validation),
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
    zipped = _bag_zip(files, school, year, when, manifest_docs)
    tick()
    return zipped, manifest


def _bag_zip(files: dict[str, bytes], school, year, when: tuple, documents: list[dict]) -> bytes:
    """Bag the files (BagIt 1.0, SHA-512 and SHA-256), add README.txt as a tag file,
    and zip the bag with the data's date on every entry."""
    bagged_on = timezone.localdate()
    workdir = Path(tempfile.mkdtemp(prefix="hoso-bag-"))
    try:
        root = workdir / f"{school.code}-{year.name}"
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        info = package_meta.bag_info(school, year, documents, bagged_on=bagged_on)
        bagit.make_bag(str(root), bag_info=info, checksums=CHECKSUMS)
        # bagit.py writes 0.97; the bag is 1.0 (RFC 8493), which it reads and validates.
        (root / "bagit.txt").write_text(BAGIT_VERSION, encoding="utf-8")
        (root / "README.txt").write_bytes(
            package_readme.readme_text(
                school=school,
                year=year,
                fonds=package_meta.fonds_code(school),
                bagged_on=bagged_on,
                retention_lines=info["Retention-Summary"],
            )
        )
        bagit.Bag(str(root)).save()  # the tag manifests, now over README.txt too
        for alg in CHECKSUMS:
            _sort_lines(root / f"tagmanifest-{alg}.txt")
        members = {
            f"{root.name}/{p.relative_to(root).as_posix()}": p.read_bytes()
            for p in root.rglob("*")
            if p.is_file()
        }
        return deterministic_zip(members, when)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _sort_lines(path: Path) -> None:
    """bagit.py lists tag files in directory order; sorted, a rebuild writes the same."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("".join(f"{line}\n" for line in sorted(lines)), encoding="utf-8")


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
