"""The picture of a school's seal drawn in the seal signature's block.

A round red seal with the school's name around the rim, as Vietnamese seals look, drawn
with Pillow. A school's scanned seal would replace it (left for later: uploading the
scan needs its own media permission)."""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

RED = (200, 16, 46, 255)
SIZE = 240


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(Path(settings.ARCHIVE["FONT_DIR"], "NotoSans-Bold.ttf")), size)


@functools.lru_cache(maxsize=64)
def _draw(name: str, place: str) -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, SIZE - 4, SIZE - 4), outline=RED, width=7)
    draw.ellipse((30, 30, SIZE - 30, SIZE - 30), outline=RED, width=3)
    rim = name.upper()
    font = _font(17)
    radius = SIZE / 2 - 19
    span = min(300.0, 11.0 * len(rim))
    for index, char in enumerate(rim):
        angle = math.radians(-90 - span / 2 + span * (index + 0.5) / max(1, len(rim)))
        x = SIZE / 2 + radius * math.cos(angle)
        y = SIZE / 2 + radius * math.sin(angle)
        glyph = Image.new("RGBA", (26, 26), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((13, 13), char, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        image.alpha_composite(glyph, (int(x - 13), int(y - 13)))
    draw.polygon(_star(SIZE / 2, SIZE / 2 - 10, 24), fill=RED)
    draw.text((SIZE / 2, SIZE / 2 + 34), place.upper()[:18], font=_font(14), fill=RED, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        angle = math.radians(-90 + 36 * i)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def seal_image(school) -> bytes:
    return _draw(school.name, getattr(school, "place_name", "") or "")
