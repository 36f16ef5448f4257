"""The rich-text editor widget under gunicorn's threads (issue 18, found by
benchmarks/peak.py): StreamField block definitions, and so their widgets, are one per
process, and Wagtail's converter keeps one HTML parser per widget (wagtail#14573).
Two requests opening editors at once fed the same parser and one of them answered 500
("unexpected call to parse_endtag"). Each thread now parses with its own parser."""

from __future__ import annotations

import json
import threading

from django.conf import settings
from django.utils.module_loading import import_string

THREADS = 6
ROUNDS = 40


def _text(n: int) -> str:
    paragraphs = "".join(
        f"<p>Tuần {n}, tiết {k}: <b>Tiếng Việt</b> bài đọc “Cây bàng” – <i>luyện đọc</i></p>"
        for k in range(60)
    )
    return f"<h2>Kế hoạch bài dạy {n}</h2>{paragraphs}<ul><li>Ghi chú {n}</li></ul>"


def _content(widget, html: str) -> list:
    """The editor's blocks without their keys (random on every conversion)."""
    blocks = json.loads(widget.format_value(html))["blocks"]
    return [{k: v for k, v in block.items() if k != "key"} for block in blocks]


def test_one_widget_converts_the_same_in_many_threads_as_in_one():
    widget = import_string(settings.WAGTAILADMIN_RICH_TEXT_EDITORS["default"]["WIDGET"])()
    texts = [_text(n) for n in range(THREADS)]
    expected = [_content(widget, text) for text in texts]
    start = threading.Barrier(THREADS)
    failures: list[str] = []

    def convert(n: int) -> None:
        start.wait()
        for _round in range(ROUNDS):
            try:
                got = _content(widget, texts[n])
            except Exception as error:  # noqa: BLE001 - what the race raises is the finding
                failures.append(f"thread {n}: {type(error).__name__}: {error}")
                return
            if got != expected[n]:
                failures.append(f"thread {n}: another thread's text")
                return

    workers = [threading.Thread(target=convert, args=(n,)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
