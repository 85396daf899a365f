"""Small real images for upload tests, made with Pillow."""

from __future__ import annotations

import base64
import io

from PIL import Image


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (800, 600)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (200, 60, 20)).save(output, format=image_format)
    return output.getvalue()


def signature_png_base64() -> str:
    return base64.b64encode(image_bytes("PNG", (300, 100))).decode()


# The start of an iPhone photo: an ISO-BMFF `ftyp` box with the `heic` brand.
HEIC_BYTES = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
