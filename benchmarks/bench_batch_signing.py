"""Batch signing with the signer's own token: 1,000 học bạ signed by one principal
through hoso-sign-agent and SoftHSM2 (issue 13's target: under 5 minutes).

    python benchmarks/bench_batch_signing.py --count 1000

Builds a throwaway SQLite database, object store and dev PKI under a temp directory;
a school whose class 1B has `--count` học bạ, each complete and submitted by its
homeroom teacher. By default the teacher signs too (a certificate the server holds), so
each học bạ's PDF is rendered at the teacher's step, before the principal's batch, as
in a school where teachers sign; that setup is timed on its own line ("render"). With
`--teacher-recorded` the teacher has no certificate and each PDF is rendered inside the
principal's prepare instead.

The principal's batch is measured as the batch page (static/js/batch_signing.js)
drives it, on the server side: prepare in slices of 50 (signatures.batch.prepare_many),
ONE /v1/sign request over HTTP to the agent (a real process, one PIN prompt, keys on
a SoftHSM2 token), then finish in slices of 50 (signatures.batch.finish_many). Search
index and other tasks go to a dummy queue, as the server hands them to its workers.
Prints per-phase totals, ms per record and the total against the target.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5 * 60
SLICE = 50  # records per prepare/finish call, as the batch page sends them
ORIGIN = "http://hoso.bench.local"
TOKEN = "HT-bench"
PIN = "135246"
SO_PIN = "24681357"
AGENT = Path(sys.executable).parent / "hoso-sign-agent"
PROMPT_HELPER = """\
import pathlib, sys
here = pathlib.Path(sys.argv[1])
with open(here / "prompts.log", "a", encoding="utf-8") as log:
    log.write(sys.argv[2] + "\\n")
sys.stdout.write(%r)
""" % (PIN + "\n")


def _setup(tmp: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.OBJECT_STORE = {**settings.OBJECT_STORE, "LOCAL_ROOT": f"{tmp}/objects"}
    settings.SIGNING = {**settings.SIGNING, "DEV_PKI_DIR": f"{tmp}/pki"}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def _line(label: str, seconds: float, count: int) -> None:
    print(f"{label:34s} {seconds:8.1f} s  {1000 * seconds / count:7.1f} ms/record")


def _school(count: int, *, teacher_signs: bool):
    """Class 1B with `count` học bạ, complete (the first made by school_world)."""
    from django.test.utils import override_settings

    from recordpages.models import StudentRecordPage
    from signatures import binding
    from tests.factories import school_world
    from tests.factories.records import StudentRecordFactory
    from tests.workflow.conftest import complete_student_record

    world = school_world(pupils_per_class=1)
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        for _n in range(count - 1):
            StudentRecordFactory(school_class=world.classes["1B"])
    pages = list(StudentRecordPage.objects.filter(school_class=world.classes["1B"]))
    for page in pages:
        complete_student_record(page)
    if teacher_signs:
        binding.bind_dev_certificate(world.staff["hn.giaovien"])
    return world, pages


def _submit(world, pages) -> float:
    from workflow.actions.transitions import TakeStep

    teacher = world.user("hn.giaovien")
    started = time.perf_counter()
    for page in pages:
        TakeStep(user=teacher, page_id=page.pk, step="submit").execute()
    return time.perf_counter() - started


def _token(softhsm, world) -> None:
    """The principal's personal certificate in the token, bound as held on a token."""
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    from archive import devpki, signing
    from signatures import binding

    principal = world.staff["hn.hieutruong"]
    p12 = devpki.ensure_person_cert(
        signing.dev_pki(),
        key=principal.user.username,
        full_name=principal.full_name,
        school_name=world.school.name,
    )
    softhsm.init_token(TOKEN, pin=PIN, so_pin=SO_PIN)
    softhsm.import_pkcs12(
        TOKEN, pin=PIN, pkcs12=p12, passphrase=devpki.DEV_PASSPHRASE, label="hieutruong"
    )
    cert = pkcs12.load_pkcs12(p12.read_bytes(), devpki.DEV_PASSPHRASE).cert.certificate
    binding.bind(principal, cert.public_bytes(Encoding.DER), holder="token")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(port: int, method: str, path: str, body=None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Origin": ORIGIN}
    if data is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    conn.close()
    if response.status != 200:
        raise SystemExit(f"agent answered {response.status} to {path}: {payload}")
    return payload


def _start_agent(softhsm, workdir: Path) -> tuple[subprocess.Popen, int]:
    (workdir / "prompt.py").write_text(PROMPT_HELPER, encoding="utf-8")
    helper = shlex.join([sys.executable, str(workdir / "prompt.py"), str(workdir)])
    port = _free_port()
    process = subprocess.Popen(
        [str(AGENT), "--module", softhsm.module, "--token-label", TOKEN, "--origin", ORIGIN]
        + ["--port", str(port), "--pin-prompt", f"command:{helper}"],
        env={**os.environ, **softhsm.env},
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "agent.log", "wb"),  # noqa: SIM115 (the process keeps it)
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            _call(port, "GET", "/v1/status")
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (workdir / "agent.log").read_text()
                raise SystemExit("agent did not start: " + log) from None
            time.sleep(0.1)


def _sign_batch(world, pages, port: int) -> dict[str, float]:
    """The batch page's three phases, timed; returns seconds per phase."""
    from signatures import batch

    user = world.user("hn.hieutruong")
    items = [(page.pk, "approve") for page in pages]
    timings: dict[str, float] = {}

    started = time.perf_counter()
    prepared = []
    for i in range(0, len(items), SLICE):
        for result in batch.prepare_many(user, items[i : i + SLICE]):
            if not result.ok:
                raise SystemExit(f"prepare refused {result.page_id}: {result.message}")
            prepared.append(result.as_dict())
    timings["prepare"] = time.perf_counter() - started

    started = time.perf_counter()
    [certificate] = _call(port, "GET", "/v1/certificates")["certificates"]
    signed = _call(
        port,
        "POST",
        "/v1/sign",
        {
            "certificate_id": certificate["id"],
            "digest_algorithm": "sha256",
            "items": [
                {
                    "id": str(p["pending_id"]),
                    "title": p["title"],
                    "document_sha256": p["document_sha256"],
                    "signed_attributes": p["signed_attributes"],
                }
                for p in prepared
            ],
        },
    )
    timings["agent"] = time.perf_counter() - started

    cms = {str(r["id"]): r.get("cms") for r in signed["results"]}
    answers = [
        {"page_id": p["page_id"], "step": "approve", "pending_id": p["pending_id"]}
        | {"cms": cms[str(p["pending_id"])]}
        for p in prepared
    ]
    started = time.perf_counter()
    for i in range(0, len(answers), SLICE):
        for result in batch.finish_many(user, answers[i : i + SLICE]):
            if not result.ok:
                raise SystemExit(f"finish refused {result.page_id}: {result.message}")
    timings["finish"] = time.perf_counter() - started
    return timings


def _check(world, pages, workdir: Path) -> None:
    from archive import signing, storage
    from archive.models import Signature, SignatureOutcome
    from workflow.choices import State
    from workflow.models import RecordState

    ids = [p.pk for p in pages]
    approved = RecordState.objects.filter(pk__in=ids, state=State.APPROVED).count()
    made = Signature.objects.filter(
        page_ref__in=ids, field="hieu_truong", outcome=SignatureOutcome.SIGNED
    )
    prompts = (workdir / "prompts.log").read_text(encoding="utf-8").splitlines()
    sample = made.order_by("page_ref").last()
    found = signing.signatures_in(storage.get_store().get(sample.stage_key))
    valid = all(s.intact and s.valid and s.trusted for s in found)
    print(
        f"checked: {approved}/{len(ids)} approved, {made.count()} principal signatures, "
        f"{len(prompts)} PIN prompt(s); last file: {len(found)} signature(s), "
        f"{'all valid and trusted' if valid else 'NOT VALID'}"
    )
    if approved != len(ids) or made.count() != len(ids) or len(prompts) != 1 or not valid:
        raise SystemExit("batch signing did not sign every record with one PIN")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000, help="học bạ in the batch")
    parser.add_argument(
        "--teacher-recorded",
        action="store_true",
        help="the teacher has no certificate: PDFs are rendered in the principal's prepare",
    )
    args = parser.parse_args()
    teacher_signs = not args.teacher_recorded

    with tempfile.TemporaryDirectory(prefix="hoso-bench-sign-") as tmp:
        _setup(tmp)
        from devservices.softhsm import SoftHsm

        with SoftHsm(Path(tmp) / "softhsm") as softhsm:
            started = time.perf_counter()
            world, pages = _school(args.count, teacher_signs=teacher_signs)
            print(f"{args.count} học bạ built in {time.perf_counter() - started:.1f} s ({_load()})")
            submit = _submit(world, pages)
            label = (
                "render + teacher's signature" if teacher_signs else "teacher's submit (recorded)"
            )
            _line(f"setup: {label}", submit, args.count)
            print(
                "PDFs rendered at the teacher's step (before the batch)"
                if teacher_signs
                else "PDFs rendered inside the principal's prepare (teacher recorded)"
            )
            _token(softhsm, world)
            workdir = Path(tmp) / "agent"
            workdir.mkdir()
            process, port = _start_agent(softhsm, workdir)
            try:
                timings = _sign_batch(world, pages, port)
            finally:
                process.terminate()
                process.wait(10)
            for phase, label in (
                ("prepare", f"prepare ({SLICE} per call)"),
                ("agent", "agent: one /v1/sign (SoftHSM2)"),
                ("finish", f"finish ({SLICE} per call)"),
            ):
                _line(label, timings[phase], args.count)
            total = sum(timings.values())
            _line("total (principal's batch)", total, args.count)
            scaled = total * 1000 / args.count
            verdict = "within" if scaled < TARGET_SECONDS else "OVER"
            print(
                f"target: 1,000 in {TARGET_SECONDS} s; measured {total:.1f} s for {args.count} "
                f"(≈ {scaled:.0f} s per 1,000: {verdict} the target; {_load()})"
            )
            _check(world, pages, workdir)


if __name__ == "__main__":
    main()
