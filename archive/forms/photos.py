"""A pupil's photo as the PDF carries it: read from storage (local disk or S3, where no
local path exists), cut to 3×4 and made a small JPEG, handed to the renderer as a data:
URI. In memory, without Wagtail renditions, so a register of a hundred pupils costs no
query and writes no file per pupil."""

from __future__ import annotations

import base64
import io
import logging

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# 15 × 20 mm printed (print.css .photo) at 400 dpi: sharp on paper, ~10 KB a pupil.
SIZE = (240, 320)
QUALITY = 80


def photo_jpeg(data: bytes) -> bytes:
    """The photo cut to 3×4 around its centre, at most SIZE, as a baseline JPEG. A
    JPEG already of that shape and size is kept byte for byte."""
    with PILImage.open(io.BytesIO(data)) as image:
        if image.format == "JPEG" and image.size == SIZE and image.mode == "RGB":
            return data
        image = ImageOps.exif_transpose(image).convert("RGB")
        fitted = ImageOps.fit(image, SIZE, method=PILImage.Resampling.LANCZOS)
    buffer = io.BytesIO()
    fitted.save(buffer, "JPEG", quality=QUALITY, optimize=True)
    return buffer.getvalue()


def photo_data_uri(image) -> str:
    """The wagtail Image as a data: URI, or "" when its file is missing or not an
    image: a lost photo leaves its cell empty, it never stops the register."""
    if image is None:
        return ""
    try:
        with image.file.open("rb") as handle:
            data = handle.read()
    except Exception as exc:  # noqa: BLE001 - any storage's failure: a missing photo
        logger.warning("Photo %s cannot be read: %s", image.pk, exc)
        return ""
    try:
        jpeg = photo_jpeg(data)
    except (OSError, ValueError, UnidentifiedImageError, PILImage.DecompressionBombError) as exc:
        logger.warning("Photo %s is not a printable image: %s", image.pk, exc)
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
