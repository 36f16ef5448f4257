"""PostgreSQL restarts while the application serves: a request in flight answers the
Vietnamese 503 page, nothing it began is kept, and the next request works without
anyone touching the application (README, "Faults and recovery").

The application is a real gunicorn on a PostgreSQL of this module's own, with
persistent connections as in production. A write is held "in flight" by locking the
audit chain head of its school from another connection (every record write appends
to the chain last, inside its transaction), then the server is restarted under it.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from tests.faults.conftest import csrf_token, login

pytestmark = pytest.mark.postgres

UNAVAILABLE = "Cơ sở dữ liệu tạm thời không hoạt động"
NOTHING_SAVED = "thao tác vừa rồi chưa được lưu"


def snapshot(url: str, page_id: int, chain: str) -> dict:
    """What a write of this record touches, read straight from PostgreSQL."""
    with psycopg.connect(url) as conn:
        one = lambda sql, *args: conn.execute(sql, args).fetchone()  # noqa: E731
        return {
            "state": one(
                "SELECT state, version, approved_revision_id FROM workflow_recordstate "
                "WHERE page_id = %s",
                page_id,
            ),
            "history": one(
                "SELECT count(*) FROM workflow_transitionlog WHERE record_id = %s", page_id
            )[0],
            "versions": one(
                "SELECT count(*) FROM workflow_recordversion WHERE record_id = %s", page_id
            )[0],
            "revisions": one(
                "SELECT count(*) FROM wagtailcore_revision WHERE object_id = %s", str(page_id)
            )[0],
            "page": one(
                "SELECT draft_title, latest_revision_id FROM wagtailcore_page WHERE id = %s",
                page_id,
            ),
            "audit": one("SELECT count(*) FROM workflow_auditentry WHERE chain = %s", chain)[0],
            "head": one("SELECT seq FROM workflow_auditchainhead WHERE chain = %s", chain)[0],
        }


class HeldWrite:
    """Lock the audit chain head, send the request from a thread, wait until it waits."""

    def __init__(self, url: str, chain: str):
        self.url, self.chain = url, chain
        self.response = None
        self.error: BaseException | None = None

    def send(self, call) -> None:
        self.locker = psycopg.connect(self.url)
        self.locker.execute(
            "SELECT seq FROM workflow_auditchainhead WHERE chain = %s FOR UPDATE", [self.chain]
        )

        def run():
            try:
                self.response = call()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        with psycopg.connect(self.url, autocommit=True) as watcher:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND pid <> %s",
                    [self.locker.info.backend_pid],
                ).fetchone()[0]
                if waiting:
                    return
                assert self.thread.is_alive(), (self.response, self.error)
                time.sleep(0.05)
        raise AssertionError("the request never reached the locked audit chain")

    def result(self):
        self.thread.join(60)
        self.locker.close()
        assert self.error is None, self.error
        return self.response


def assert_fault_page(response) -> None:
    assert response.status_code == 503, response.text[:3000]
    assert response.headers["Retry-After"]
    assert UNAVAILABLE in response.text and NOTHING_SAVED in response.text
    assert "Server Error" not in response.text and "Traceback" not in response.text


def test_a_transition_in_flight_during_a_restart_keeps_nothing_and_succeeds_when_retried(
    app_on_postgres, private_postgres
):
    app, pg = app_on_postgres, private_postgres
    page_id, chain = app.data["lesson_plan"], app.data["chain"]
    session = login(app, app.data["approver"])
    url = f"{app.url}/admin/ho-so/{page_id}/chuyen/approve/"
    form = session.get(url, timeout=30)
    assert form.status_code == 200
    data = {"csrfmiddlewaretoken": csrf_token(form.text), "seen_state": "checked", "reason": ""}
    before = snapshot(pg.url, page_id, chain)
    assert before["state"][0] == "checked"

    held = HeldWrite(pg.url, chain)
    held.send(
        lambda: session.post(
            url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=60
        )
    )
    began = time.monotonic()
    pg.restart()
    restart_seconds = time.monotonic() - began
    response = held.result()

    assert_fault_page(response)
    assert snapshot(pg.url, page_id, chain) == before  # no state, history, version or audit
    log = app.log()
    assert "Database unavailable while serving POST /admin/ho-so/" in log
    assert restart_seconds < 20

    # The same step again, right away: it goes through once.
    form = session.get(url, timeout=30)
    assert form.status_code == 200
    retried = session.post(
        url,
        data={**data, "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=30,
    )
    assert retried.status_code == 302, retried.text[:2000]
    after = snapshot(pg.url, page_id, chain)
    assert after["state"][0:2] == ("approved", before["state"][1] + 1)
    assert (after["history"], after["versions"]) == (before["history"] + 1, before["versions"] + 1)
    assert after["audit"] == before["audit"] + 1 and after["head"] == before["head"] + 1
    # Pressing it once more (the user cannot know the retry went through) does nothing twice.
    again = session.post(url, data=data, headers={"Referer": url}, timeout=30)
    assert "vừa được người khác cập nhật" in again.text
    final = snapshot(pg.url, page_id, chain)
    assert (final["state"], final["history"], final["versions"]) == (
        after["state"],
        after["history"],
        after["versions"],
    )
    assert app.manage("audit_verify").returncode == 0


def test_an_editor_save_in_flight_during_a_restart_keeps_no_revision_without_its_audit_entry(
    app_on_postgres, private_postgres
):
    """Wagtail commits the revision before its after_edit_page hook writes the state row
    and the audit entry; the save must still be all or nothing."""
    app, pg = app_on_postgres, private_postgres
    page_id, chain = app.data["other_record"], app.data["chain"]
    session = login(app, app.data["editor"])
    url = f"{app.url}/admin/pages/{page_id}/edit/"
    editor = session.get(url, timeout=30)
    assert editor.status_code == 200, editor.text[:1000]
    data = nested_form_data(
        {
            "title": "Biên bản họp tổ – bản sửa khi máy chủ khởi động lại",
            "slug": f"bien-ban-{page_id}",
            "category": app.data["other_record_category"],
            "deadline": app.data["other_record_deadline"],
            "author": app.data["other_record_author"],
            "body": streamfield(
                [("section", {"heading": "Nội dung", "body": rich_text("<p>Đã sửa</p>")})]
            ),
        }
    )
    data["csrfmiddlewaretoken"] = csrf_token(editor.text)
    before = snapshot(pg.url, page_id, chain)

    held = HeldWrite(pg.url, chain)
    held.send(
        lambda: session.post(
            url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=60
        )
    )
    pg.restart()
    response = held.result()

    assert_fault_page(response)
    assert snapshot(pg.url, page_id, chain) == before  # no revision kept without its audit

    editor = session.get(url, timeout=30)
    data["csrfmiddlewaretoken"] = csrf_token(editor.text)
    saved = session.post(url, data=data, headers={"Referer": url}, allow_redirects=False)
    assert saved.status_code == 302, saved.text[:3000]
    after = snapshot(pg.url, page_id, chain)
    assert after["revisions"] == before["revisions"] + 1
    assert after["page"][0] == "Biên bản họp tổ – bản sửa khi máy chủ khởi động lại"
    assert after["audit"] == before["audit"] + 1
    assert app.manage("audit_verify").returncode == 0


def test_after_a_restart_the_next_request_reuses_nothing_dead(app_on_postgres, private_postgres):
    """The worker keeps its connection between requests (CONN_MAX_AGE); the health check
    replaces the one a restart cut, so the first request afterwards already works."""
    app, pg = app_on_postgres, private_postgres
    session = login(app, app.data["approver"])
    assert session.get(f"{app.url}/admin/", timeout=30).status_code == 200
    pg.restart()
    response = session.get(f"{app.url}/admin/", timeout=30)
    assert response.status_code == 200, response.text[:2000]
    assert session.get(f"{app.url}/admin/ho-so/{app.data['lesson_plan']}/").status_code == 200


def test_while_the_database_is_down_every_page_says_so_and_the_session_survives(
    app_on_postgres, private_postgres
):
    app, pg = app_on_postgres, private_postgres
    session = login(app, app.data["approver"])
    pg.halt()
    try:
        for path in ("/admin/", f"/admin/ho-so/{app.data['lesson_plan']}/", "/"):
            assert_fault_page(session.get(f"{app.url}{path}", timeout=30))
        anonymous = session.__class__()
        assert_fault_page(anonymous.get(f"{app.url}/admin/login/", timeout=30))
        json_answer = session.get(f"{app.url}/admin/tim-kiem/json/?q=ke+hoach", timeout=30)
        assert json_answer.status_code == 503
        assert UNAVAILABLE in json_answer.json()["error"]
    finally:
        pg.resume()
    assert session.get(f"{app.url}/admin/", timeout=30).status_code == 200  # still logged in
    assert "Database unavailable while serving GET /admin/" in app.log()
