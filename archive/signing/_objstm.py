"""Reading a tagged PDF/A's objects once, not once per object.

pyHanko's reader decodes a whole object stream and scans its header again for every
object it takes from it. WeasyPrint writes all of a document's small objects into one
object stream, and a tagged PDF/A-2a has thousands (its structure tree). A validation
that analyses a later revision (the archive's document timestamp, an extension) walks
that tree: about 2 s per validation of a 3-page record, quadratic in its size.

`install` gives PdfFileReader an index of each object stream, made once per reader:
the decoded bytes and where each object starts. Only that happy path changes; an
object stream that is malformed, an index out of range, an object not in the stream
or one that does not parse go to pyHanko's own method, so every warning, strict-mode
error and fallback stays pyHanko's.
"""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader

_ORIGINAL = PdfFileReader._get_object_from_stream
_MALFORMED = object()


def _index(reader: PdfFileReader, stmnum: int):
    """(stream, decoded bytes, {object number: (position, offset)}) of one object
    stream, or _MALFORMED when its header does not parse (pyHanko decides then)."""
    cache = reader.__dict__.setdefault("_hoso_object_streams", {})
    if stmnum not in cache:
        stream = generic.Reference(stmnum, 0, reader).get_object()
        entry = _MALFORMED
        if isinstance(stream, generic.StreamObject) and stream.get("/Type") == "/ObjStm":
            data = stream.read_data(DecodePurpose.OBJECT_STREAM)
            header = BytesIO(data)
            offsets: dict[int, tuple[int, int]] = {}
            try:
                for position in range(stream["/N"]):
                    misc.read_non_whitespace(header, seek_back=True)
                    number = generic.NumberObject.read_from_stream(header)
                    misc.read_non_whitespace(header, seek_back=True)
                    offset = generic.NumberObject.read_from_stream(header)
                    offsets.setdefault(int(number), (position, int(offset)))
                entry = (stream, data, offsets)
            except ValueError:
                entry = _MALFORMED
        cache[stmnum] = entry
    return cache[stmnum]


def _get_object_from_stream(self: PdfFileReader, idnum, stmnum, idx):
    entry = _index(self, stmnum)
    if entry is _MALFORMED:
        return _ORIGINAL(self, idnum, stmnum, idx)
    stream, data, offsets = entry
    found = offsets.get(idnum)
    if not (0 <= idx < stream["/N"]) or found is None or (self.strict and found[0] != idx):
        return _ORIGINAL(self, idnum, stmnum, idx)
    reader = BytesIO(data)
    reader.seek(stream["/First"] + found[1])
    try:
        obj = generic.read_object(reader, generic.Reference(idnum, 0, self))
    except (misc.PdfStreamError, misc.PdfReadError):
        return _ORIGINAL(self, idnum, stmnum, idx)
    if isinstance(obj, (generic.StreamObject, generic.IndirectObject)):
        return _ORIGINAL(self, idnum, stmnum, idx)
    return obj


def install() -> None:
    PdfFileReader._get_object_from_stream = _get_object_from_stream
