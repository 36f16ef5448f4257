"""Human file names inside the year package: a reader finds a document by its type,
title and version, in the Vietnamese the school wrote (NFC), on any file system.

Only what a file system refuses is replaced: control characters, the characters
Windows forbids (< > : " / \\ | ? *), trailing dots and spaces, and the device names
Windows reserves (CON, NUL, COM1…). A name is cut to a length every file system and
zip tool keeps (in UTF-8 bytes: a Vietnamese letter takes two or three). Two documents
that would get the same name, compared as Windows and macOS compare (case-insensitive),
are told apart by " (2)", " (3)" in the order of their storage keys, so a rebuild
names them the same.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

# Characters a file system (Windows, the strictest) refuses, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)
# Leaves room under the usual 255-byte limit for a " (n)" suffix and the extension.
MAX_STEM_BYTES = 180


def safe_name(text: str, *, max_bytes: int = MAX_STEM_BYTES) -> str:
    """One path component from free text: readable, and valid everywhere."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split()).rstrip(". ")
    while len(name.encode("utf-8")) > max_bytes:
        name = name[:-1]
    name = name.rstrip(". ")
    if not name or _RESERVED.match(name):
        name = f"_{name}"
    return name


def document_stem(*, type_label: str, title: str, version: int) -> str:
    """ "<type> – <title> – phiên bản <n>", the type left out when the title starts
    with it (a record's title does: "Học bạ – Nguyễn Văn An – Lớp 1A – 2024-2025")."""
    named = title if title.casefold().startswith(type_label.casefold()) else None
    if named is None:
        named = _("%(type)s – %(title)s") % {"type": type_label, "title": title}
    suffix = _(" – phiên bản %(version)s") % {"version": version}
    # A long title is shortened, never the version: two versions must not read alike.
    room = MAX_STEM_BYTES - len(suffix.encode("utf-8"))
    shortened = named
    while len(shortened.encode("utf-8")) > room:
        shortened = shortened[:-1]
    if shortened != named:
        shortened = shortened.rstrip(" –") + "…"
        while len(shortened.encode("utf-8")) > room:
            shortened = shortened[:-2] + "…"
    return shortened + suffix


def unique_paths(wanted: dict[str, tuple[str, str, str]]) -> dict[str, str]:
    """Paths for {key: (folder, stem, extension)}: each stem made safe, and names that
    would collide in a folder numbered in the order of their keys."""
    taken: set[str] = set()
    paths: dict[str, str] = {}
    for key in sorted(wanted):
        folder, stem, extension = wanted[key]
        base = safe_name(stem)
        candidate, number = base, 1
        while f"{folder}/{candidate}{extension}".casefold() in taken:
            number += 1
            candidate = f"{base} ({number})"
        path = f"{folder}/{candidate}{extension}"
        taken.add(path.casefold())
        paths[key] = path
    return paths
