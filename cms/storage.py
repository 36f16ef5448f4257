"""The media storage (uploaded documents and images): Django's filesystem storage,
except that a file is complete or absent."""

from __future__ import annotations

import contextlib
import os
import secrets

from django.core.files.storage import FileSystemStorage


class _WrittenFile:
    """A file already on disk beside its destination: Django moves it into place."""

    def __init__(self, path: str) -> None:
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


class MediaStorage(FileSystemStorage):
    """Writes each upload to a hidden temporary name in the destination directory first,
    then renames it into place (Django's move of a temporary upload, so the same name
    rules and permissions apply). A full disk fails the write before any file exists
    under the document's name: no truncated upload is left behind, and the caller (the
    Wagtail document form) saves no row for it."""

    def _save(self, name, content):
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        temp = os.path.join(directory, f".upload-{secrets.token_hex(8)}.part")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk.encode() if isinstance(chunk, str) else chunk)
                handle.flush()
                os.fsync(handle.fileno())
            return super()._save(name, _WrittenFile(temp))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
