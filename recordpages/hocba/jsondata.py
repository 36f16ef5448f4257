"""The học bạ's data file as JSON: the same tree as the XML (recordpages.hocba.xml),
the same keys. An element becomes an object whose attributes and child elements are
keys; an element with a value becomes that value (numbers as numbers, dates as ISO
strings); an element that repeats (LIST_ELEMENTS) becomes a list even when alone.
Documented with the XML in docs/forms/hoc-ba-du-lieu.md."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from recordpages.hocba.book import Book, SchoolIdentity
from recordpages.hocba.xml import LIST_ELEMENTS, Node, book_tree, many_tree, text

MIME_TYPE = "application/json"


def _value(value: Any) -> Any:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        # One decimal place at most (the schema's CanNang), so a float prints as the XML.
        return float(value)
    if isinstance(value, dt.date | str):
        return text(value)
    return value


def _object(node: Node) -> Any:
    if node.value is not None:
        return _value(node.value)
    result: dict[str, Any] = {key: _value(value) for key, value in node.attrs.items()}
    for child in node.children:
        converted = _object(child)
        if child.name in LIST_ELEMENTS:
            result.setdefault(child.name, []).append(converted)
        else:
            result[child.name] = converted
    return result


def _dumps(node: Node) -> bytes:
    document = {node.name: _object(node)}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def to_json(book: Book) -> bytes:
    """One pupil's học bạ: {"HocBa": {…}}, UTF-8, deterministic."""
    return _dumps(book_tree(book))


def to_json_many(books: Iterable[Book], *, school: SchoolIdentity, school_year: str) -> bytes:
    """A class's or a school's học bạ: {"DanhSachHocBa": {…, "HocBa": […]}}."""
    return _dumps(many_tree(books, school=school, school_year=school_year))
