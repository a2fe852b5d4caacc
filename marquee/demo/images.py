"""Poster-style product images for the demo, drawn with Pillow.

The demo must run offline and ship no binary assets, so each product gets
generated artwork: the film's colours, the product's English name and a
simple geometric motif. Files go through Django's default storage, so the
same code writes to the local media folder or to S3.
"""

from __future__ import annotations

import io
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

IMAGE_SIZE = (800, 1000)
MARGIN = 64
STORAGE_DIR = "products/demo"


def product_image_name(product_slug: str, index: int) -> str:
    return f"{STORAGE_DIR}/{product_slug}-{index + 1}.png"


def save_product_image(
    product_slug: str,
    index: int,
    *,
    title: str,
    film_title: str,
    background: str,
    accent: str,
) -> str:
    """Store the product's `index`-th image and return its storage name.

    An image already stored under the same name (an earlier load into a
    database since reset) is reused rather than written again.
    """
    name = product_image_name(product_slug, index)
    if default_storage.exists(name):
        return name
    content = render_poster(title, film_title, background, accent, alternate=index % 2 == 1)
    return default_storage.save(name, ContentFile(content))


def render_poster(
    title: str, film_title: str, background: str, accent: str, *, alternate: bool = False
) -> bytes:
    """Return an 800x1000 PNG; `alternate` swaps the colours for a second view."""
    if alternate:
        background, accent = accent, background
    image = Image.new("RGB", IMAGE_SIZE, background)
    draw = ImageDraw.Draw(image)
    width, height = IMAGE_SIZE

    title_font = _font(64)
    lines = _wrap(title, title_font, width - 2 * MARGIN)
    title_top = height - 200 - 72 * len(lines)

    # Frame and motif: a sun setting behind the title (or, on the alternate
    # view, stacked bands), kept clear of the text.
    draw.rectangle(
        (MARGIN / 2, MARGIN / 2, width - MARGIN / 2, height - MARGIN / 2), outline=accent, width=6
    )
    if alternate:
        for band in range(5):
            top = 180 + band * 70
            if top + 36 > title_top - 24:
                break
            draw.rectangle((MARGIN, top, width - MARGIN, top + 36), fill=accent)
    else:
        radius = 220
        centre = (width // 2, 400)
        draw.ellipse(
            (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
            fill=accent,
        )
        draw.rectangle((MARGIN, min(560, title_top - 24), width - MARGIN, 620), fill=background)

    draw.text((MARGIN, MARGIN), film_title.upper(), font=_font(34), fill=accent)
    y = title_top
    for line in lines:
        draw.text((MARGIN, y), line, font=title_font, fill=accent)
        y += 72
    draw.line((MARGIN, height - 150, width - MARGIN, height - 150), fill=accent, width=3)
    draw.text(
        (MARGIN, height - 130), "OFFICIALLY LICENSED  ·  MARQUEE", font=_font(26), fill=accent
    )

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font: no font files to ship or find on the host."""
    return ImageFont.load_default(size=size)


def _wrap(text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
