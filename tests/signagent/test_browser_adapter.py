"""static/js/hoso-signing.js in headless Chromium (Debian's, through Playwright) against
the real agent: the page of an allowed site detects the agent, reads the token's
certificates and signs a batch with one PIN prompt, through the browser's own CORS
preflight; a page of another site cannot."""

from __future__ import annotations

import base64
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from signagent import messages

from .pki import document_digest, signed_attributes

CHROMIUM = "/usr/bin/chromium"
STATIC = Path(__file__).resolve().parents[2] / "static"
PAGE = """<!doctype html><meta charset="utf-8"><title>Ký hồ sơ</title>
<script src="/js/hoso-signing.js" data-agent-url="http://127.0.0.1:{agent_port}"></script>
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site_page(live_agent, tmp_path):
    """A page of the allowed site http://localhost:<page_port>, loading the adapter."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    (tmp_path / "js").mkdir()
    shutil.copy(STATIC / "js" / "hoso-signing.js", tmp_path / "js")
    (tmp_path / "index.html").write_text(PAGE.format(agent_port=live_agent.port), encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", live_agent.page_port), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.set_default_timeout(30_000)
            try:
                yield page
            finally:
                browser.close()
    finally:
        site.shutdown()
        site.server_close()


def test_the_sites_page_detects_the_agent_and_signs_a_batch_with_one_pin(live_agent, site_page):
    site_page.goto(f"http://localhost:{live_agent.page_port}/index.html")
    der = live_agent.personal.der
    items = [
        {
            "id": f"hb-{n}",
            "title": f"Học bạ học sinh {n}",
            "documentSha256": document_digest(n).hex(),
            "signedAttributes": base64.b64encode(
                signed_attributes(der, document_digest(n))
            ).decode(),
        }
        for n in range(3)
    ]

    outcome = site_page.evaluate(
        """async (items) => {
            const adapter = await window.HosoSigning.detect();
            const certificates = await adapter.certificates();
            const progress = [];
            const results = await adapter.signBatch({
                certificateId: certificates[0].id, items,
                onProgress: (p) => progress.push([p.done, p.total]),
            });
            return {adapter: adapter.id, certificates, results, progress};
        }""",
        items,
    )

    assert outcome["adapter"] == "hoso-sign-agent"
    [certificate] = outcome["certificates"]
    assert base64.b64decode(certificate["certificate"]) == der
    assert [r["id"] for r in outcome["results"]] == ["hb-0", "hb-1", "hb-2"]
    assert all(r.get("cms") for r in outcome["results"])
    assert outcome["progress"] == [[0, 3], [3, 3]]
    assert live_agent.prompts() == ["Ký 3 hồ sơ: nhập mã PIN của thiết bị ký"]


def test_an_item_the_agent_refuses_comes_back_with_its_vietnamese_reason(live_agent, site_page):
    site_page.goto(f"http://localhost:{live_agent.page_port}/index.html")
    item = {
        "id": "hb-x",
        "title": "Học bạ",
        "documentSha256": "00" * 32,
        "signedAttributes": base64.b64encode(
            signed_attributes(live_agent.personal.der, document_digest(1))
        ).decode(),
    }

    results = site_page.evaluate(
        """async (item) => {
            const adapter = await window.HosoSigning.detect();
            const [certificate] = await adapter.certificates();
            return adapter.signBatch({certificateId: certificate.id, items: [item]});
        }""",
        item,
    )

    assert results == [{"id": "hb-x", "error": messages.ITEM_DIGEST_MISMATCH}]
    assert live_agent.prompts() == []


def test_a_page_of_another_site_does_not_find_the_agent(live_agent, site_page):
    # Same page, served under 127.0.0.1 instead of localhost: another origin.
    site_page.goto(f"http://127.0.0.1:{live_agent.page_port}/index.html")

    found = site_page.evaluate(
        """async () => {
            const adapter = await window.HosoSigning.detect();
            let error = null;
            try { await window.HosoSigning.adapters[0].certificates(); }
            catch (e) { error = e.message; }
            return {found: adapter !== null, error};
        }"""
    )

    assert found["found"] is False
    assert found["error"].startswith("Không kết nối được phần mềm ký số")
    assert live_agent.prompts() == []
    log = (live_agent.workdir / "agent.log").read_text(encoding="utf-8")
    assert f"refused: Origin 'http://127.0.0.1:{live_agent.page_port}'" in log
