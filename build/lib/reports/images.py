"""Re-encode an uploaded photo or screenshot so that only its pixels are kept.

Plain module (Pillow, no Django): relatives' phone photos carry GPS positions
and device names in EXIF; a re-encoded copy carries neither. The size in
pixels is checked from the header before any pixel is decoded, so a small
file that would expand to gigabytes (a decompression bomb) is refused cheaply.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 20_000_000
#: What Pillow calls the formats we accept, whatever the file's name says.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


class ImageRejected(ValueError):
    """The upload is not an image we accept; ``code`` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str  # "jpg" or "png"
    content_type: str
    width: int
    height: int


def reencode(
    stream: BinaryIO, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> CleanImage:
    """Read at most ``max_bytes`` from ``stream`` and return a metadata-free copy.

    Photos become JPEG; images with transparency (screenshots) become PNG.
    The orientation from EXIF is applied to the pixels before EXIF is dropped.
    Raises ``ImageRejected`` (codes: too_big, not_image, bad_format, too_many_pixels).
    """
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ImageRejected("too_big", "The file is larger than allowed.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRejected("bad_format", "Only JPEG, PNG and WebP images are accepted.")
            width, height = image.size
            # Only the first frame of an animation is decoded and kept.
            if width * height > max_pixels:
                raise ImageRejected("too_many_pixels", "The image has too many pixels.")
            image.load()
            image = ImageOps.exif_transpose(image)
    except ImageRejected:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as error:
        raise ImageRejected("not_image", "The file is not a readable image.") from error

    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        clean = image.convert("RGBA")
        fmt, extension, content_type = "PNG", "png", "image/png"
    else:
        clean = image.convert("RGB")
        fmt, extension, content_type = "JPEG", "jpg", "image/jpeg"
    # convert() copies .info (ICC profile, EXIF, PNG text chunks); start from nothing.
    clean.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, fmt, quality=85, optimize=True)
    else:
        clean.save(out, fmt, optimize=True)
    return CleanImage(
        data=out.getvalue(),
        extension=extension,
        content_type=content_type,
        width=clean.width,
        height=clean.height,
    )
