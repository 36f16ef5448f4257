"""What long-term signatures cost per archived file (issue 14).

    python benchmarks/bench_long_term.py --count 20

Renders a one-page record-like PDF/A-2a, seals it with the TEST-ONLY dev PKI (B-T,
with OCSP in the signed revision), then times per file: archive_timestamp (fresh OCSP
and CRL of every chain, then a document timestamp: B-LTA), extend (a new document
timestamp round, as archive_extend does), long_term_check (validation with revocation
data required, from the file alone) and the size each step adds. The dev PKI answers
in-process, so the figures are the archive's own work, not a CA's network latency.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    os.environ.setdefault("HOSO_VAR_DIR", tempfile.mkdtemp(prefix="hoso-bench-ltv-"))
    import django

    django.setup()


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    _setup()
    from weasyprint import HTML

    from archive import signing
    from archive.rendering import PDF_VARIANT

    school = SimpleNamespace(code="BENCH", name="Trường Tiểu học Đo Đạc")
    html = "<html lang='vi'><h1>Học bạ</h1><p>Nguyễn Thị Ngọc Ánh – lớp 1A</p></html>"
    pdf = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    signing.sign_pdf(pdf, school=school, reason="khởi động")  # keys, fonts, caches

    times: dict[str, list[float]] = {"seal": [], "B-LTA": [], "extend": [], "check": []}
    sizes: dict[str, list[int]] = {"seal": [], "B-LTA": [], "extend": []}
    for _ in range(args.count):
        sealed, ms = _timed(signing.sign_pdf, pdf, school=school, reason="lưu trữ")
        times["seal"].append(ms)
        sizes["seal"].append(len(sealed.pdf))
        lta, ms = _timed(signing.archive_timestamp, sealed.pdf)
        times["B-LTA"].append(ms)
        sizes["B-LTA"].append(len(lta) - len(sealed.pdf))
        extended, ms = _timed(signing.extend, lta)
        times["extend"].append(ms)
        sizes["extend"].append(len(extended) - len(lta))
        report, ms = _timed(signing.long_term_check, extended)
        times["check"].append(ms)
        assert report.valid and signing.level(extended) == signing.B_LTA, report

    print(f"{args.count} files, dev PKI in-process (CRL, OCSP, TSA by Certomancer)")
    for step, values in times.items():
        added = f", +{statistics.median(sizes[step]) / 1024:.1f} KB" if step in sizes else ""
        print(
            f"{step:>7}: median {statistics.median(values):6.1f} ms, "
            f"max {max(values):6.1f} ms{added}"
        )


if __name__ == "__main__":
    main()
