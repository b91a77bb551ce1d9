import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civic311.servicerequests import photos


def upload(image: Image.Image, fmt: str = "JPEG", **save) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return SimpleUploadedFile(f"photo.{fmt.lower()}", buffer.getvalue())


def test_the_gps_position_is_read_before_the_metadata_is_dropped():
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (41.0, 52.0, 48.0), 3: "W", 4: (87.0, 38.0, 6.0)}
    processed = photos.process(upload(Image.new("RGB", (300, 200)), exif=exif))
    lat, long = processed.gps
    assert lat == pytest.approx(41.88) and long == pytest.approx(-87.635)
    assert not Image.open(io.BytesIO(processed.content.read())).getexif()


def test_a_large_photo_is_shrunk_and_gets_a_thumbnail():
    processed = photos.process(upload(Image.new("RGB", (4000, 3000))))
    assert (processed.width, processed.height) == (2048, 1536)
    assert Image.open(io.BytesIO(processed.thumbnail.read())).size == (400, 300)


def test_a_png_with_transparency_becomes_an_opaque_jpeg():
    processed = photos.process(upload(Image.new("RGBA", (100, 100), (0, 0, 0, 0)), "PNG"))
    assert processed.content_type == "image/jpeg"


def test_the_photo_is_turned_upright_by_its_orientation_tag():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    processed = photos.process(upload(Image.new("RGB", (400, 200)), exif=exif))
    assert (processed.width, processed.height) == (200, 400)


def test_a_bmp_is_refused_by_name():
    with pytest.raises(photos.PhotoRejected, match="BMP"):
        photos.check_upload(upload(Image.new("RGB", (10, 10)), "BMP"))
