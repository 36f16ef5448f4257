"""Re-checking every object the archive stored, whatever its kind (archive_verify).

Each object is fetched once and its SHA-256 compared with its index row; then its
content is checked by the checker of its kind: the signature of a record or of
correction minutes (archive.verification), the BagIt bag inside a year package
(payload and tag manifests), the signature and scope of an audit checkpoint
(archive.checkpoints). A kind without a checker is reported, never passed: an
object nobody can read is not known to be intact.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import bagit
from django.db.models import QuerySet

from archive import checkpoints, signing, storage, verification
from archive.models import ArchivedVersion, ArchiveExtension, AuditCheckpoint, DocumentKind
from recordpages.models import SchoolYear

logger = logging.getLogger(__name__)

INTACT = verification.INTACT
TAMPERED = verification.TAMPERED
MISSING = verification.MISSING
UNAVAILABLE = verification.UNAVAILABLE
INVALID = "invalid"  # the bytes are the archived ones, their content does not hold
UNCHECKED = "unchecked"  # no checker for the kind: deny by default

CHECKPOINT = "checkpoint"
# A file the archive replaced as a row's current object when it extended its
# signatures (archive.extension): kept in storage, the newer file begins with it.
EARLIER = "earlier"
# The original file (a teacher's Word document, a scan) of a record handed in as a
# file, stored beside its signed PDF (archive.originals): checked by its hash.
ORIGINAL = "original"
# The data file of a register (sổ đăng bộ) stored beside its signed PDF
# (archive.register_data): checked by its hash, as an original.
DATA_FILE = "data_file"

# A year package is mostly PDFs, which hardly compress; its CSV, XLSX and JSON files
# compress some tenfold. A zip that unpacks to far more than this is a bomb, not a bag.
MAX_EXPANSION = 100
EXPANSION_SLACK = 64 * 1024 * 1024


@dataclass(frozen=True)
class StoredObject:
    """One object in the store as its index row describes it."""

    kind: str
    key: str
    sha256: str
    label: str  # title, or school and year: what the archivist looks for
    row: ArchivedVersion | AuditCheckpoint | ArchiveExtension


@dataclass(frozen=True)
class Finding:
    object: StoredObject
    status: str
    detail: str = ""

    @property
    def intact(self) -> bool:
        return self.status == INTACT


Checker = Callable[[StoredObject, bytes], Finding]


def _archived_label(row: ArchivedVersion) -> str:
    return f"{row.title} ({row.school.code} {row.school_year.name}, v{row.version})"


def _checkpoint_label(row: AuditCheckpoint) -> str:
    owner = row.school.code if row.school else "all chains"
    return f"{row.reason} checkpoint of {owner}, {row.made_on.isoformat()}"


def _earlier_label(row: ArchiveExtension) -> str:
    return f"before {row.made_at.date().isoformat()}: {_archived_label(row.archived)}"


@dataclass(frozen=True)
class Selection:
    """The objects to check: index rows of every kind, filtered alike."""

    archived: QuerySet[ArchivedVersion]
    checkpoints: QuerySet[AuditCheckpoint]
    earlier: QuerySet[ArchiveExtension]
    originals: QuerySet[ArchivedVersion]
    data_files: QuerySet[ArchivedVersion]

    def count(self) -> int:
        counts = (self.archived, self.checkpoints, self.earlier, self.originals, self.data_files)
        return sum(rows.count() for rows in counts)

    def __iter__(self) -> Iterator[StoredObject]:
        for row in self.archived.iterator():
            yield StoredObject(row.kind, row.key, row.sha256, _archived_label(row), row)
        for row in self.originals.iterator():
            label = f"{row.original_name}, original of {_archived_label(row)}"
            yield StoredObject(ORIGINAL, row.original_key, row.original_sha256, label, row)
        for row in self.data_files.iterator():
            label = f"{row.data_file_name}, data file of {_archived_label(row)}"
            yield StoredObject(DATA_FILE, row.data_file_key, row.data_file_sha256, label, row)
        for row in self.checkpoints.iterator():
            yield StoredObject(CHECKPOINT, row.key, row.sha256, _checkpoint_label(row), row)
        for row in self.earlier.iterator():
            label = _earlier_label(row)
            yield StoredObject(EARLIER, row.previous_key, row.previous_sha256, label, row)


def _year_window(
    checkpoint_rows: QuerySet[AuditCheckpoint], year_name: str
) -> QuerySet[AuditCheckpoint]:
    """A checkpoint belongs to the school year in which it was made: from the year's
    start to the next year's start (the year-end package's checkpoint is made after
    the last school day, and still anchors that year)."""
    year = SchoolYear.objects.filter(name=year_name).first()
    if year is None:
        return checkpoint_rows.none()
    rows = checkpoint_rows.filter(made_on__gte=year.start_date)
    following = (
        SchoolYear.objects.filter(start_date__gt=year.start_date).order_by("start_date").first()
    )
    return rows.filter(made_on__lt=following.start_date) if following else rows


def stored_objects(
    *,
    school: str | None = None,
    year: str | None = None,
    kinds: Collection[str] | None = None,
) -> Selection:
    """Every indexed object, of the school (code) and year (name) when given, of the
    given kinds (all when None). The checkpoint of all chains belongs to no school."""
    archived = ArchivedVersion.objects.select_related("school", "school_year").order_by(
        "kind", "key"
    )
    made = AuditCheckpoint.objects.select_related("school").order_by("key")
    earlier = ArchiveExtension.objects.select_related(
        "archived__school", "archived__school_year"
    ).order_by("previous_key")
    if school:
        archived = archived.filter(school__code=school.upper())
        made = made.filter(school__code=school.upper())
        earlier = earlier.filter(archived__school__code=school.upper())
    if year:
        archived = archived.filter(school_year__name=year)
        made = _year_window(made, year)
        earlier = earlier.filter(archived__school_year__name=year)
    originals = archived.exclude(original_key="")
    data_files = archived.exclude(data_file_key="")
    if kinds is not None:
        others = (CHECKPOINT, EARLIER, ORIGINAL, DATA_FILE)
        archived = archived.filter(kind__in=[k for k in kinds if k not in others])
        made = made if CHECKPOINT in kinds else made.none()
        earlier = earlier if EARLIER in kinds else earlier.none()
        originals = originals if ORIGINAL in kinds else originals.none()
        data_files = data_files if DATA_FILE in kinds else data_files.none()
    return Selection(archived, made, earlier, originals, data_files)


def check_object(obj: StoredObject) -> Finding:
    """Fetch, compare the SHA-256 with the row, then check the content by kind."""
    try:
        data = storage.get_store().get(obj.key)
    except FileNotFoundError:
        return Finding(obj, MISSING, "the object is missing from the store")
    except storage.StorageUnavailable as exc:
        return Finding(obj, UNAVAILABLE, f"the store cannot be read: {exc}")
    except ValueError as exc:  # a key that would leave the store (FileSystemStore)
        return Finding(obj, INVALID, str(exc))
    computed = storage.sha256(data)
    if computed != obj.sha256:
        logger.warning("Archived %s %s: hash mismatch", obj.kind, obj.key)
        return Finding(obj, TAMPERED, f"stored hash {obj.sha256}, computed {computed}")
    checker = CHECKERS.get(obj.kind)
    if checker is None:
        return Finding(
            obj, UNCHECKED, f"no checker for kind {obj.kind!r}: its content was not verified"
        )
    return checker(obj, data)


def _check_pdf(obj: StoredObject, data: bytes) -> Finding:
    """Records and correction minutes: the signature against the trust roots, and the
    signer against the school the row names."""
    verdict = verification.verify_data(data, obj.row)
    if verdict.status == TAMPERED:  # the hash matched: the signature is what fails
        return Finding(obj, TAMPERED, _signature_problem(verdict.signature))
    return Finding(obj, verdict.status, verdict.detail)


def _signature_problem(report: signing.SignatureReport) -> str:
    """Why a signature fails, in the archivist's words first, then pyHanko's."""
    checks = [
        (report.signed, "no signature"),
        (report.intact, "the signed content was changed after signing"),
        (report.valid, "the signature does not verify"),
        (report.trusted, "the signer's certificate is not trusted"),
        (report.whole_file, "content was added after the last signature"),
        (report.timestamp_trusted is not False, "the timestamp does not verify"),
    ]
    reasons = [reason for holds, reason in checks if not holds][:1] or ["the signature fails"]
    if report.errors:
        reasons.append(f"({'; '.join(report.errors)})")
    return " ".join(reasons)


def _check_package(obj: StoredObject, data: bytes) -> Finding:
    problems = bag_problems(data)
    if problems:
        return Finding(obj, INVALID, "the bag does not validate: " + "; ".join(problems))
    return Finding(obj, INTACT)


def _check_checkpoint(obj: StoredObject, data: bytes) -> Finding:
    """The signature, timestamp, signer and scope, as audit_verify reads them; and the
    index row agrees with what was signed. Whether the audit chains still reach these
    heads is audit_verify's question, not this one."""
    payload, problem = checkpoints.read_checkpoint(data, obj.key)
    if problem is not None:
        return Finding(obj, INVALID, problem)
    if payload["heads"] != obj.row.heads:
        return Finding(obj, INVALID, "the index row's chain heads differ from the signed ones")
    return Finding(obj, INTACT)


def _check_earlier(obj: StoredObject, data: bytes) -> Finding:
    """An extension only appends (an incremental update): the file that replaced this
    one begins with every byte of it. Its signatures are judged on the newest file,
    whose validation data covers them after their certificates expire."""
    try:
        newer = storage.get_store().get(obj.row.key)
    except FileNotFoundError:
        return Finding(obj, INVALID, f"the file that extended it, {obj.row.key}, is missing")
    except storage.StorageUnavailable as exc:
        return Finding(obj, UNAVAILABLE, f"the store cannot be read: {exc}")
    if not newer.startswith(data):
        return Finding(obj, INVALID, f"the file that extended it, {obj.row.key}, rewrote it")
    return Finding(obj, INTACT)


def _check_original(obj: StoredObject, data: bytes) -> Finding:
    """A teacher's original file is not signed: the SHA-256 taken at upload, which the
    signed PDF's confirmation page prints and check_object compared, is its check."""
    return Finding(obj, INTACT)


# One checker per kind. A kind added later (DocumentKind or another stored object)
# is reported as unchecked until it gets its line here.
CHECKERS: dict[str, Checker] = {
    DocumentKind.RECORD.value: _check_pdf,
    DocumentKind.MINUTES.value: _check_pdf,
    DocumentKind.PACKAGE.value: _check_package,
    CHECKPOINT: _check_checkpoint,
    EARLIER: _check_earlier,
    ORIGINAL: _check_original,
    DATA_FILE: _check_original,  # unsigned too: its hash on the row is its check
}
KINDS = tuple(CHECKERS)

_DRIVE = re.compile(r"^[A-Za-z]:")


def _member_problem(info: zipfile.ZipInfo, seen: set[str]) -> str | None:
    """Why a zip member may not be unpacked: a path that leaves the folder it is
    unpacked into (absolute, a drive, `..`, backslashes a Windows reader would
    follow), a symbolic link, or a name given twice (two readers, two contents)."""
    name = info.filename
    if name.startswith("/") or _DRIVE.match(name):
        return f"{name!r}: absolute path"
    if "\\" in name:
        return f"{name!r}: backslash in the path"
    if ".." in PurePosixPath(name).parts:
        return f"{name!r}: '..' in the path"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"{name!r}: symbolic link"
    if name.rstrip("/") in seen:
        return f"{name!r}: stored twice"
    seen.add(name.rstrip("/"))
    return None


def _unsafe(members: list[zipfile.ZipInfo], size: int) -> list[str]:
    seen: set[str] = set()
    problems = [p for info in members if (p := _member_problem(info, seen))]
    unpacked = sum(info.file_size for info in members)
    if unpacked > MAX_EXPANSION * size + EXPANSION_SLACK:
        problems.append(f"unpacks to {unpacked} bytes from {size}: refused")
    return problems


def _extract(archive: zipfile.ZipFile, root: Path) -> None:
    """Unpack members already judged safe, each to a new file under `root` (a member
    reads at most its declared size, which _unsafe bounded)."""
    base = root.resolve()
    for info in archive.infolist():
        target = root.joinpath(*PurePosixPath(info.filename).parts)
        if base not in target.resolve().parents:
            raise OSError(f"{info.filename!r} leaves the unpacking folder")
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, open(target, "xb") as sink:
            shutil.copyfileobj(source, sink)


def _bag_root(root: Path) -> Path | None:
    """The bag is the zip's top folder (our packages: one `<school>-<year>/`) or the
    zip itself."""
    if (root / "bagit.txt").is_file():
        return root
    entries = list(root.iterdir())
    if len(entries) == 1 and (entries[0] / "bagit.txt").is_file():
        return entries[0]
    return None


@contextlib.contextmanager
def _quiet_bagit() -> Iterator[None]:
    """bagit logs a line per file checked (INFO) and each error again (WARNING);
    the finding says what failed, once."""
    bagit_logger = logging.getLogger("bagit")
    level = bagit_logger.level
    bagit_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        bagit_logger.setLevel(level)


def _validate_bag(path: Path) -> list[str]:
    try:
        with _quiet_bagit():
            bag = bagit.Bag(str(path))
            problems = [] if list(bag.tagmanifest_files()) else ["the bag has no tag manifest"]
            bag.validate(processes=1)  # payload and tag manifests, completeness, Payload-Oxum
    except bagit.BagError as exc:
        return [str(exc)]
    return problems


def bag_problems(data: bytes) -> list[str]:
    """What is wrong with the zipped BagIt bag `data` (empty: it validates). Unpacked
    in a temporary folder, removed afterwards; no path inside the zip is trusted."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [f"not a zip file ({exc})"]
    with archive, tempfile.TemporaryDirectory(prefix="hoso-verify-") as workdir:
        problems = _unsafe(archive.infolist(), len(data))
        if problems:
            return problems
        root = Path(workdir)
        try:
            _extract(archive, root)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            return [f"the zip cannot be unpacked ({exc})"]
        bag = _bag_root(root)
        if bag is None:
            return ["no bag (bagit.txt) at the top of the zip"]
        return _validate_bag(bag)
