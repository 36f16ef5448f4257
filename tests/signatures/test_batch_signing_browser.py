"""Issue 13's "Done when": a principal batch-signs a class of 35 học bạ with one PIN,
the signing agent (hoso-sign-agent, a real process on a SoftHSM2 token holding the
principal's personal certificate) driven from the real browser (Debian's Chromium
through Playwright) on /admin/ky-so/.

The browser fixture and its skip (Chromium or Playwright missing) come from
tests/security/test_security_browser.py; SoftHSM2 from devservices (fixture
`softhsm`). Under HOSO_REQUIRE_SERVICES=1 (CI) a skip is a failure.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from tests.security.test_security_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    _browser_or_skip,
)

pytestmark = pytest.mark.django_db(transaction=True)

CLASS_SIZE = 35
TOKEN = "HT-Hoa-Nghia-batch"  # its own token: the agent tests' token has another label
PIN = "864209"
SO_PIN = "97531975"
AGENT = Path(sys.executable).parent / "hoso-sign-agent"
SIGN_TIMEOUT_MS = 240_000

# The PIN prompt the agent runs (`--pin-prompt command:...`): one line per prompt in
# prompts.log, then the PIN on stdout.
PROMPT_HELPER = """\
import pathlib, sys
here = pathlib.Path(sys.argv[1])
with open(here / "prompts.log", "a", encoding="utf-8") as log:
    log.write(sys.argv[2] + "\\n")
sys.stdout.write(%r)
""" % (PIN + "\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Agent:
    url: str
    workdir: Path
    process: subprocess.Popen

    def prompts(self) -> list[str]:
        log = self.workdir / "prompts.log"
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _start_agent(softhsm, workdir: Path, *, origin: str, port: int) -> Agent:
    assert AGENT.exists(), "console script missing: pip install -e . (pyproject [project.scripts])"
    (workdir / "prompt.py").write_text(PROMPT_HELPER, encoding="utf-8")
    helper = shlex.join([sys.executable, str(workdir / "prompt.py"), str(workdir)])
    command = [
        str(AGENT),
        "--module",
        softhsm.module,
        "--token-label",
        TOKEN,
        "--origin",
        origin,
        "--port",
        str(port),
        "--pin-prompt",
        f"command:{helper}",
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **softhsm.env},
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "agent.log", "ab"),  # noqa: SIM115 (the process keeps it)
    )
    agent = Agent(f"http://127.0.0.1:{port}", workdir, process)
    deadline = time.monotonic() + 20
    while True:
        try:
            request = urllib.request.Request(agent.url + "/v1/status", headers={"Origin": origin})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return agent
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("agent did not start: " + (workdir / "agent.log").read_text())
        time.sleep(0.1)


@pytest.fixture(scope="module")
def principal_token(softhsm):
    """An empty token for the principal; the test imports the key it makes."""
    softhsm.init_token(TOKEN, pin=PIN, so_pin=SO_PIN)
    return softhsm


def _class_of_hoc_ba_submitted():
    """Hòa Nghĩa's class 1B: 35 học bạ, complete and submitted by the homeroom teacher
    (no certificate: the step is recorded)."""
    from recordpages.models import StudentRecordPage
    from tests.factories import school_world
    from tests.workflow.conftest import complete_student_record
    from workflow.actions.transitions import TakeStep

    world = school_world(pupils_per_class=CLASS_SIZE)
    pages = list(StudentRecordPage.objects.filter(school_class=world.classes["1B"]))
    assert len(pages) == CLASS_SIZE
    teacher = world.user("hn.giaovien")
    for page in pages:
        complete_student_record(page)
        TakeStep(user=teacher, page_id=page.pk, step="submit").execute()
    return world, pages


def _principal_on_token(world, softhsm) -> bytes:
    """The principal's personal certificate (dev PKI, CN = their full name) in the
    token, bound to them as held on a token. Returns its DER."""
    from archive import devpki, signing
    from signatures import binding

    principal = world.staff["hn.hieutruong"]
    p12 = devpki.ensure_person_cert(
        signing.dev_pki(),
        key=principal.user.username,
        full_name=principal.full_name,
        school_name=world.school.name,
    )
    softhsm.import_pkcs12(
        TOKEN, pin=PIN, pkcs12=p12, passphrase=devpki.DEV_PASSPHRASE, label="hieutruong"
    )
    der = pkcs12.load_pkcs12(p12.read_bytes(), devpki.DEV_PASSPHRASE).cert.certificate
    der_bytes = der.public_bytes(Encoding.DER)
    binding.bind(principal, der_bytes, holder="token")
    return der_bytes


def _point_pages_at(settings, agent_url: str) -> None:
    """The page's adapter and its Content-Security-Policy name the agent's port."""
    settings.SIGNING = {**settings.SIGNING, "AGENT_URL": agent_url}
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "connect-src": ["'self'", agent_url]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}


@contextmanager
def _chromium(sync_playwright) -> Iterator:
    """A page of headless Chromium, as tests/security/test_security_browser.py opens it.
    Opened after the setup and closed before the checks: Playwright's sync API runs an
    event loop in this thread, and signing code (pyHanko) runs its own with asyncio.run."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _login(page, base: str, username: str) -> None:
    from tests.factories.people import PASSWORD

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def _sign_all_on_the_page(page, base: str) -> float:
    page.goto(f"{base}/admin/ky-so/")
    page.check("#select-all")
    started = time.monotonic()
    page.click("#sign-selected")
    page.wait_for_selector("#batch-signing[data-state=done]", timeout=SIGN_TIMEOUT_MS)
    return time.monotonic() - started


def test_a_principal_batch_signs_a_class_of_35_hoc_ba_with_one_pin_through_the_agent(
    live_server, principal_token, settings, monkeypatch, tmp_path
):
    from archive import signing, storage
    from archive.models import Signature, SignatureOutcome
    from workflow.choices import State
    from workflow.models import RecordState

    sync_playwright = _browser_or_skip()
    # The live server's requests run in its thread while the browser's loop runs here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world, pages = _class_of_hoc_ba_submitted()
    _principal_on_token(world, principal_token)
    principal = world.staff["hn.hieutruong"]
    agent = _start_agent(principal_token, tmp_path, origin=live_server.url, port=_free_port())
    try:
        _point_pages_at(settings, agent.url)
        problems: list[str] = []
        with _chromium(sync_playwright) as page:
            page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
            page.on(
                "console",
                lambda msg: (
                    problems.append(msg.text) if "Content Security Policy" in msg.text else None
                ),
            )
            _login(page, live_server.url, "hn.hieutruong")
            seconds = _sign_all_on_the_page(page, live_server.url)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "batch_signing_35_hoc_ba.png"), full_page=True)
            results = page.locator("tr[data-page-id] td.result").all_inner_texts()
        print(f"\n{CLASS_SIZE} học bạ signed from the browser in {seconds:.1f} s")
        assert results == ["Đã ký"] * CLASS_SIZE, results
        assert agent.prompts() == [f"Ký {CLASS_SIZE} hồ sơ: nhập mã PIN của thiết bị ký"]
        assert not problems, "\n".join(problems)
    finally:
        agent.stop()

    ids = [p.pk for p in pages]
    states = RecordState.objects.filter(pk__in=ids).values_list("state", flat=True)
    assert sorted(states) == [State.APPROVED] * CLASS_SIZE
    made = Signature.objects.filter(page_ref__in=ids, field="hieu_truong")
    assert made.count() == CLASS_SIZE
    assert {(s.outcome, s.user_id) for s in made} == {(SignatureOutcome.SIGNED, principal.user_id)}

    sample = made.order_by("page_ref").first()
    found = signing.signatures_in(storage.get_store().get(sample.stage_key))
    assert [s.field for s in found] == ["Ky_hieu_truong"]
    assert all(s.intact and s.valid and s.trusted for s in found)
    assert found[0].signer_name == principal.full_name
