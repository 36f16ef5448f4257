"""Reading a signature's hex string in one pass, not one byte at a time.

pyHanko reads a PDF hex string `<…>` a byte per call, skipping whitespace and
comments between each. A signature's /Contents is one: the CMS container, padded to
the space reserved for it, tens of thousands of hex digits. Every signature a PDF
holds is read again by each later signing, each timestamp and each validation:
about 4 ms per signature read, an eighth of the demo's signing work (issue 18).

`install` reads up to the closing `>` in chunks. Only that happy path changes: a
string holding anything but hex digits and whitespace (a comment, a bad byte) or a
stream that ends before `>` is read again by pyHanko's own function, so every error
stays pyHanko's.
"""

from __future__ import annotations

import binascii

from pyhanko.pdf_utils import generic, misc

_ORIGINAL = generic.read_hex_string_from_stream
_CHUNK = 1 << 16


def read_hex_string(stream):
    """pyHanko's read_hex_string_from_stream, the stream positioned at `<`."""
    start = stream.tell()
    stream.read(1)
    body = bytearray()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return _read_by_pyhanko(stream, start)
        end = chunk.find(b">")
        if end >= 0:
            body += chunk[:end]
            break
        body += chunk
    digits = bytes(body).translate(None, misc.PDF_WHITESPACE)
    if digits.translate(None, generic.HEX_DIGITS):
        return _read_by_pyhanko(stream, start)
    stream.seek(start + 1 + len(body) + 1)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def _read_by_pyhanko(stream, start: int):
    stream.seek(start)
    return _ORIGINAL(stream)


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string
