"""Server time of one anonymous upload to /xac-thuc/: a real signed học bạ, and the
hostile files of issue #11 (finding 6): 19 MB, and PDFs whose one signature is
referenced by hundreds of signature fields (each validated on its own).

    python benchmarks/verify_upload.py [--fields 600]

Builds a throwaway SQLite database and object store under a temp directory,
archives one học bạ (render, sign, store), then posts each file through the
Django test client from a fresh address and prints status and wall time.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MB = 1024 * 1024


def _setup(tmp: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    import django

    django.setup()
    from django.conf import settings

    settings.OBJECT_STORE = {**settings.OBJECT_STORE, "LOCAL_ROOT": f"{tmp}/objects"}
    settings.SIGNING = {**settings.SIGNING, "DEV_PKI_DIR": f"{tmp}/pki"}
    settings.ALLOWED_HOSTS = ["*"]


def _many_fields(signed: bytes, fields: int, pad_to: int) -> bytes:
    """`fields` signature fields all pointing at the one real signature, padded with a
    random stream up to `pad_to` bytes: every field makes the validator hash the
    whole byte range and build the certificate path again."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    form_fields = writer.root["/AcroForm"]["/Fields"]
    value = form_fields[0].get_object().raw_get("/V")
    for n in range(fields):
        field = generic.DictionaryObject(
            {
                generic.NameObject("/FT"): generic.NameObject("/Sig"),
                generic.NameObject("/T"): generic.TextStringObject(f"f{n}"),
                generic.NameObject("/V"): value,
            }
        )
        form_fields.append(writer.add_object(field))
    writer.update_container(form_fields)
    writer.update_root()
    if pad_to:
        writer.add_object(generic.StreamObject(stream_data=os.urandom(pad_to)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fields", type=int, default=600)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="hoso-bench-")
    _setup(tmp)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    sys.path.insert(0, str(ROOT / "tests" / "archive"))
    from conftest import build_school
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from archive import services, storage
    from archive.models import ArchivedVersion
    from recordpages.models import StudentRecordPage

    data = build_school(pupils=1)
    services.freeze_enqueue(record_state=data.states[StudentRecordPage.record_type])
    services.run_once()
    record = storage.get_store().get(ArchivedVersion.objects.get().key)
    files = {
        "signed học bạ": record,
        "19 MB padded": _many_fields(record, 0, 19 * MB),
        f"19 MB, {args.fields} fields": _many_fields(record, args.fields, 19 * MB),
        f"9 MB, {args.fields} fields": _many_fields(record, args.fields, 9 * MB),
        "9 MB, 8 fields": _many_fields(record, 7, 9 * MB),
    }
    client = Client()
    for n, (label, body) in enumerate(files.items()):
        upload = SimpleUploadedFile("x.pdf", body, "application/pdf")
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post("/xac-thuc/", {"file": upload}, REMOTE_ADDR=f"192.0.2.{n + 1}")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"{label:24s} {len(body) / MB:6.2f} MB  HTTP {response.status_code}  "
            f"{wall:6.2f} s wall  {cpu:6.2f} s CPU"
        )


if __name__ == "__main__":
    main()
