"""Small files that decode into a great deal (issue 9, finding 5), made with Pillow."""

import io
from functools import cache

from PIL import Image, ImageDraw


@cache
def wide_png(width: int = 7000, height: int = 7000) -> bytes:
    """About 160 KB on disk for 7000 × 7000: 147 MB once decoded as RGB."""
    image = Image.new("RGB", (width, height))
    ImageDraw.Draw(image).line((0, 0, width, height), fill="white")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@cache
def long_gif(frames: int = 500, size: int = 440) -> bytes:
    """About 14 KB for 500 frames of 440 × 440: each frame differs from the last by one pixel,
    so the encoder cannot merge them."""
    images = []
    for index in range(frames):
        image = Image.new("P", (size, size), 0)
        image.putpalette([0, 0, 0, 255, 255, 255])
        image.putpixel((index % size, (index // size) % size), 1)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=40, loop=0)
    return out.getvalue()
