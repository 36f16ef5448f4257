"""The original file of a record handed in as a file (a teacher's Word document, a
scan), kept in the archive beside the signed PDF made from it (issue 15).

The signed PDF is the record; the original is its source, kept so that a reader can
open what the teacher wrote and check that the converted pages say the same. It is
stored once per archived version under the PDF's key with ".goc.<ext>" for ".pdf"
(schools/…/v1.pdf → schools/…/v1.goc.docx), never overwritten, and its SHA-256 is
the one taken at upload (intake.RecordFile): bytes that no longer hash to it are
refused, not archived.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import PurePosixPath

from archive import register_data, storage
from archive.documents import ready_source
from archive.package_meta import beside_entry

logger = logging.getLogger(__name__)

_EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")


class OriginalChanged(Exception):
    """The stored original no longer hashes to what was uploaded."""


def extension_of(name: str) -> str:
    """ ".docx" from "Tuần 12 – KHBD.DOCX"; ".bin" for a name without a usable one."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if _EXTENSION.match(suffix) else ".bin"


def original_key(pdf_key: str, name: str) -> str:
    return f"{pdf_key.removesuffix('.pdf')}.goc{extension_of(name)}"


def store_beside(pdf_key: str, frozen) -> dict[str, object]:
    """Store the frozen record's original file beside its PDF; the ArchivedVersion
    fields that say where it is. A form record has no original; a register made in
    the form keeps its data file there instead (archive.register_data)."""
    source = ready_source(frozen)
    if source is None:
        return register_data.store_beside(pdf_key, frozen)
    with source.original.open("rb") as handle:
        data = handle.read()
    digest = storage.sha256(data)
    if digest != source.original_sha256:
        raise OriginalChanged(f"{source.original.name} does not hash to {source.original_sha256}")
    key = original_key(pdf_key, source.original_name)
    store = storage.get_store()
    content_type = mimetypes.guess_type(source.original_name)[0] or "application/octet-stream"
    try:
        store.put(key, data, content_type=content_type)
    except storage.ObjectExists:
        # An earlier attempt of this freeze stored it: the same bytes are adopted.
        if storage.sha256(store.get(key)) != digest:
            raise
        logger.warning("Adopting original %s stored by an earlier attempt", key)
    return {
        "original_key": key,
        "original_name": source.original_name[:255],
        "original_sha256": digest,
        "original_size": len(data),
    }


# --- in the year package ----------------------------------------------------------


def package_path(pdf_path: str, row) -> str:
    """Beside the PDF in the year package, named after it: "… – phiên bản 1.pdf" →
    "… – phiên bản 1.goc.docx" (the PDF's name is already unique and safe)."""
    return f"{pdf_path.removesuffix('.pdf')}.goc{extension_of(row.original_name)}"


def manifest_entry(row, pdf_path: str, files: dict[str, bytes]) -> dict[str, object]:
    """What manifest.json says of a document's original file."""
    return beside_entry(
        path=package_path(pdf_path, row),
        name=row.original_name,
        files=files,
        indexed_sha256=row.original_sha256,
        key=row.original_key,
        fmt=mimetypes.guess_type(row.original_name)[0] or "application/octet-stream",
    )
