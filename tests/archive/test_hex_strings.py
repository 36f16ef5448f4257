"""archive.signing._hexstring: a PDF hex string (a signature's /Contents) read in one
pass gives what pyHanko's byte-at-a-time reading gives, the stream left after it;
anything unusual is read, and refused, by pyHanko itself."""

from __future__ import annotations

import io
import os

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

import archive.signing  # noqa: F401  (installs the reader)
from archive.signing import _hexstring


def _both(raw: bytes):
    """(value, position after) by the one-pass reader and by pyHanko's own."""
    read = []
    for reader in (_hexstring.read_hex_string, _hexstring._ORIGINAL):
        stream = io.BytesIO(b"xx" + raw + b" /Next")
        stream.seek(2)
        read.append((reader(stream), stream.tell()))
    return read


@pytest.mark.parametrize(
    "raw",
    [
        b"<>",
        b"<48656c6C6f>",
        b"<48656c6>",  # odd: a final 0 is implied
        b"<48 65\n6c\r\t6c\x0c6f\x00>",
        b"<" + os.urandom(40_000).hex().encode() + b"0" * 30_000 + b">",  # a signature
        b"<" + b"FEFF00480065" + b">",  # text with a byte order mark
        b"<41%comment\n42>",  # a comment: pyHanko's reading
    ],
)
def test_a_hex_string_reads_as_pyhanko_reads_it(raw):
    fast, original = _both(raw)
    assert type(fast[0]) is type(original[0])
    assert fast == original
    assert fast[1] == 2 + len(raw)


@pytest.mark.parametrize("raw", [b"<41 4G>", b"<4142", b"<41>"[:2]])
def test_a_bad_or_unterminated_hex_string_is_refused_as_pyhanko_refuses_it(raw):
    for reader in (_hexstring.read_hex_string, _hexstring._ORIGINAL):
        stream = io.BytesIO(raw)
        with pytest.raises(PdfStreamError):
            reader(stream)


def test_pyhankos_object_reader_uses_it():
    value = generic.read_object(io.BytesIO(b"<3031> /Next"), None)
    assert value == "01"  # a text string, as pyHanko makes it
    assert generic.read_hex_string_from_stream is _hexstring.read_hex_string


def test_a_plain_hex_string_is_read_without_pyhankos_byte_reading(monkeypatch):
    def refused(stream):
        raise AssertionError("read a byte at a time")

    monkeypatch.setattr(_hexstring, "_ORIGINAL", refused)
    stream = io.BytesIO(b"<" + b"ab" * 50_000 + b">")
    assert _hexstring.read_hex_string(stream) == generic.pdf_string(b"\xab" * 50_000)
    with pytest.raises(AssertionError):
        _hexstring.read_hex_string(io.BytesIO(b"<41%comment\n42>"))
