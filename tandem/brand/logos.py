"""Checking and normalising an uploaded logo with Pillow.

An upload is trusted for nothing: its name and content type are ignored, the bytes must decode as PNG,
JPEG, WebP or GIF (SVG is refused: it is a document that can carry script), within a size and a pixel
budget checked from the header before anything is decoded (a small file can claim 50,000 × 50,000 pixels
and would take gigabytes once decoded). What is kept is a fresh PNG at most 600 × 200 drawn from the
pixels alone, so no metadata (EXIF with GPS, comments, ICC profiles) survives.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Enough for any real logo (a 6000 × 4000 photo is 24 million); far below what would exhaust memory.
MAX_SOURCE_PIXELS = 40_000_000
MAX_WIDTH, MAX_HEIGHT = 600, 200
ALLOWED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "GIF": "GIF"}


@dataclass(frozen=True)
class Logo:
    png: bytes
    width: int
    height: int
    content_hash: str


def _refuse(message: str) -> ValidationError:
    return ValidationError({"logo": [message]}, code="invalid_logo")


def read_upload(upload, *, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The upload's bytes, refusing one larger than `limit` without reading it all."""
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(
            f"The logo file is {size / 1024 / 1024:.1f} MB; the limit is {limit // 1024 // 1024} MB."
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(f"The logo file is larger than {limit // 1024 // 1024} MB, the limit.")
    if not data:
        raise _refuse("The logo file is empty.")
    return data


def normalise_logo(data: bytes) -> Logo:
    """Decode `data` as a raster logo and return it as a clean PNG (at most 600 × 200, ratio kept).

    Raises ValidationError({"logo": [...]}) with a sentence for: not an image (text, SVG, anything Pillow
    cannot identify), a format other than PNG/JPEG/WebP/GIF, too many pixels (a decompression bomb), or a
    truncated or corrupt file."""
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; a warning is a refusal here too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_large() from error
        except UnidentifiedImageError as error:
            if b"<svg" in data[:4096].lower():
                raise _refuse(
                    "SVG logos are not accepted (an SVG can carry script). Upload a PNG, JPEG, WebP or GIF."
                ) from error
            raise _refuse(
                "This file is not an image Tandem can read. Upload a PNG, JPEG, WebP or GIF."
            ) from error
        except (OSError, SyntaxError, ValueError) as error:
            raise _refuse(
                "This image file is damaged and cannot be read. Export it again and upload it."
            ) from error
        with image:
            if image.format not in ALLOWED_FORMATS:
                raise _refuse(
                    f"{image.format or 'This'} images are not accepted. Upload a PNG, JPEG, WebP or GIF."
                )
            width, height = image.size
            # Checked from the header, before a single pixel is decoded.
            if width <= 0 or height <= 0 or width * height > MAX_SOURCE_PIXELS:
                raise _too_large(width, height)
            try:
                image.seek(0)  # an animated GIF or WebP: its first frame
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = upright.convert("RGBA")
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                raise _too_large(width, height) from error
            except (OSError, SyntaxError, ValueError, EOFError) as error:
                raise _refuse(
                    "This image file is truncated or damaged and cannot be read. Export it again and upload it."
                ) from error
    pixels.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
    # A new image from the raw pixels: nothing of the upload's metadata can ride along.
    clean = Image.frombytes("RGBA", pixels.size, pixels.tobytes())
    if clean.getextrema()[3] == (255, 255):
        clean = clean.convert("RGB")  # fully opaque: a smaller file
    output = io.BytesIO()
    clean.save(output, format="PNG", optimize=True)
    png = output.getvalue()
    return Logo(
        png=png, width=clean.width, height=clean.height, content_hash=hashlib.sha256(png).hexdigest()[:32]
    )


def _too_large(width: int | None = None, height: int | None = None) -> ValidationError:
    size = f" ({width:,} × {height:,} pixels)" if width and height else ""
    return _refuse(
        f"This image is too large to process{size}. Upload a logo of at most {MAX_SOURCE_PIXELS // 1_000_000} "
        "million pixels; it is shown at most 600 × 200."
    )
