"""Real image files for the logo tests, generated with Pillow (and one crafted by hand: the bomb)."""

import io
import struct
import zlib

from PIL import Image


def image_bytes(format: str, size=(1200, 300), colour=(61, 79, 209), **save_options) -> bytes:
    mode = "RGBA" if format in ("PNG", "WEBP") else "RGB"
    image = Image.new(mode, size, colour)
    output = io.BytesIO()
    image.save(output, format=format, **save_options)
    return output.getvalue()


def jpeg_with_gps_exif() -> bytes:
    image = Image.new("RGB", (800, 400), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif, comment=b"private comment")
    return output.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> bytes:
    """A small, valid-looking PNG whose header claims width × height pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A few rows of zeros compressed: tiny on disk, enormous once decoded.
    data = zlib.compress(b"\x00" * (width * 3 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">'
    b'<script>alert(document.cookie)</script><rect width="100" height="40" fill="red"/></svg>'
)
