"""Photos residents send: checked to be real images of sane size, re-encoded without metadata.

Re-encoding drops EXIF (a phone's photo carries where the reporter lives and the device's serial);
the GPS position is read first, because the report may want it as its location.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
# Decoded size limit: 40 megapixels is more than any phone camera and far less than a bomb.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
THUMBNAIL_SIDE = 400
GPS_IFD = 0x8825


class PhotoRejected(ValueError):
    pass


@dataclass
class ProcessedPhoto:
    name: str
    content: ContentFile
    thumbnail_name: str
    thumbnail: ContentFile
    content_type: str
    width: int
    height: int
    gps: tuple[float, float] | None


def _open(upload: UploadedFile) -> Image.Image:
    size = upload.size or 0
    limit = settings.CIVIC311_MAX_UPLOAD_BYTES
    if size > limit:
        raise PhotoRejected(
            _("%(name)s is %(size).1f MB; photos may be at most %(limit).0f MB")
            % {"name": upload.name, "size": size / 1e6, "limit": limit / 1e6}
        )
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises above; treat both as refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoRejected(
                    _("%(name)s is a %(format)s file; send a JPEG, PNG, WebP or GIF photo")
                    % {"name": upload.name, "format": image.format}
                )
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected(
                    _("%(name)s is %(width)d x %(height)d pixels; at most %(max)d megapixels are accepted")
                    % {
                        "name": upload.name,
                        "width": image.width,
                        "height": image.height,
                        "max": MAX_PIXELS // 1_000_000,
                    }
                )
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(
                _("%(name)s decodes to an image too large to accept") % {"name": upload.name}
            ) from None
        except UnidentifiedImageError:
            raise PhotoRejected(
                _("%(name)s is not an image (its content is no JPEG, PNG, WebP or GIF)")
                % {"name": upload.name}
            ) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise PhotoRejected(
                _("%(name)s is a damaged image (%(error)s)") % {"name": upload.name, "error": exc}
            ) from None
    return image


def check_upload(upload: UploadedFile) -> None:
    """Raises PhotoRejected unless the upload is an acceptable photo."""
    _open(upload)
    upload.seek(0)


def _gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:
        return None
    try:
        lat = sum(float(v) / 60**i for i, v in enumerate(gps[2])) * (-1 if gps[1] == "S" else 1)
        long = sum(float(v) / 60**i for i, v in enumerate(gps[4])) * (-1 if gps[3] == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if -90 <= lat <= 90 and -180 <= long <= 180 and (lat, long) != (0.0, 0.0):
        return lat, long
    return None


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def process(upload: UploadedFile) -> ProcessedPhoto:
    """Check, orient, shrink, strip metadata; a JPEG and a thumbnail."""
    image = _open(upload)
    gps = _gps(image)
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGB")  # also drops transparency and palettes; photos are opaque
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new("RGB", image.size)
    clean.paste(image)  # a fresh image carries no info/EXIF from the original
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return ProcessedPhoto(
        name="photo.jpg",
        content=ContentFile(_encode(clean)),
        thumbnail_name="photo-thumb.jpg",
        thumbnail=ContentFile(_encode(thumb)),
        content_type="image/jpeg",
        width=clean.width,
        height=clean.height,
        gps=gps,
    )
