"""Logo checking: only real raster images within limits; what is stored is a clean, resized PNG."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tandem.brand import logos
from tandem.brand.tests.images import SVG_WITH_SCRIPT, image_bytes, jpeg_with_gps_exif, png_claiming


def refusal(data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        logos.normalise_logo(data)
    return caught.value.message_dict["logo"][0]


@pytest.mark.parametrize(
    ("format", "size", "expected_size"),
    [
        ("PNG", (1200, 300), (600, 150)),
        ("JPEG", (400, 400), (200, 200)),
        ("WEBP", (300, 100), (300, 100)),
        ("GIF", (900, 50), (600, 33)),
    ],
)
def test_each_allowed_format_becomes_a_png_within_600_by_200_keeping_the_ratio(format, size, expected_size):
    given_upload = image_bytes(format, size=size)

    logo = logos.normalise_logo(given_upload)

    stored = Image.open(io.BytesIO(logo.png))
    assert (stored.format, stored.size, (logo.width, logo.height)) == ("PNG", expected_size, expected_size)
    assert len(logo.content_hash) == 32


def test_metadata_of_the_upload_is_not_kept():
    given_upload = jpeg_with_gps_exif()
    assert Image.open(io.BytesIO(given_upload)).getexif()  # the upload has EXIF with GPS

    logo = logos.normalise_logo(given_upload)

    stored = Image.open(io.BytesIO(logo.png))
    assert dict(stored.getexif()) == {}
    assert set(stored.info) <= {"dpi"} and b"SecretCamera" not in logo.png and b"private" not in logo.png


def test_a_transparent_png_keeps_its_alpha_and_an_opaque_one_is_stored_without():
    transparent = logos.normalise_logo(image_bytes("PNG", size=(100, 100), colour=(0, 0, 0, 0)))
    opaque = logos.normalise_logo(image_bytes("JPEG", size=(100, 100)))

    assert Image.open(io.BytesIO(transparent.png)).mode == "RGBA"
    assert Image.open(io.BytesIO(opaque.png)).mode == "RGB"


def test_the_same_picture_gives_the_same_hash():
    given_upload = image_bytes("PNG")

    assert logos.normalise_logo(given_upload).content_hash == logos.normalise_logo(given_upload).content_hash


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    given_bomb = png_claiming(50_000, 50_000)
    assert len(given_bomb) < 2_000

    assert refusal(given_bomb) == (
        "This image is too large to process. Upload a logo of at most 40 million pixels; it is shown at most "
        "600 × 200."
    )


def test_an_image_over_our_own_pixel_budget_but_under_pillows_is_refused_with_its_size():
    given_large = png_claiming(8_000, 6_000)  # 48 million: under Pillow's bomb limit, over ours

    assert refusal(given_large) == (
        "This image is too large to process (8,000 × 6,000 pixels). Upload a logo of at most 40 million "
        "pixels; it is shown at most 600 × 200."
    )


def test_an_svg_with_script_named_png_is_refused_as_svg():
    assert refusal(SVG_WITH_SCRIPT) == (
        "SVG logos are not accepted (an SVG can carry script). Upload a PNG, JPEG, WebP or GIF."
    )


def test_a_text_file_named_png_is_refused():
    assert refusal(b"Just some notes, not a picture.\n") == (
        "This file is not an image Tandem can read. Upload a PNG, JPEG, WebP or GIF."
    )


def test_a_truncated_jpeg_is_refused_with_a_clear_message():
    given_truncated = image_bytes("JPEG", size=(800, 600))[:1500]

    assert refusal(given_truncated) == (
        "This image file is truncated or damaged and cannot be read. Export it again and upload it."
    )


def test_a_format_pillow_reads_but_we_do_not_accept_is_refused():
    given_bmp = image_bytes("BMP", size=(10, 10))

    assert refusal(given_bmp) == "BMP images are not accepted. Upload a PNG, JPEG, WebP or GIF."


def test_an_upload_over_5_mb_is_refused_without_reading_it():
    given_upload = SimpleUploadedFile("logo.png", b"\x00" * (5 * 1024 * 1024 + 1), content_type="image/png")

    with pytest.raises(ValidationError) as caught:
        logos.read_upload(given_upload)

    assert caught.value.message_dict == {"logo": ["The logo file is 5.0 MB; the limit is 5 MB."]}


def test_an_empty_upload_is_refused():
    with pytest.raises(ValidationError) as caught:
        logos.read_upload(SimpleUploadedFile("logo.png", b""))

    assert caught.value.message_dict == {"logo": ["The logo file is empty."]}
