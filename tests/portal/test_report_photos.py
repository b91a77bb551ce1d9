"""Photos on a report: several per request, checked by photos.py; hostile uploads store nothing; a
photo's GPS position is offered as the place when the reporter gave none."""

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civic311.servicerequests.models import Media, ServiceRequest
from tests.factories import INSIDE_WARD_1

JSON = {"Accept": "application/json"}


def jpeg(size=(640, 480), exif=None, name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(buffer, format="JPEG", **({"exif": exif} if exif else {}))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def gps_jpeg() -> SimpleUploadedFile:
    """A photo taken at (41.88, -87.635): inside Springfield's ward 1."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (41.0, 52.0, 48.0), 3: "W", 4: (87.0, 38.0, 6.0)}
    return jpeg(exif=exif)


def pothole(photos, *, located=True, **fields):
    data = {"draft_key": str(uuid.uuid4()), "service": "PHF", "q_WHERE": "LANE", "photos": photos, **fields}
    if located:
        data["lat"], data["long"] = str(INSIDE_WARD_1[0]), str(INSIDE_WARD_1[1])
    return data


def test_several_photos_are_stored_stripped_with_thumbnails(client, city):
    response = client.post("/report/", pothole([jpeg(), gps_jpeg(), jpeg((3000, 2000))]))
    assert response.status_code == 302
    sr = ServiceRequest.objects.get()
    media = list(Media.objects.filter(request=sr))
    assert len(media) == 3
    for item in media:
        assert item.content_type == "image/jpeg" and item.thumbnail
        assert not Image.open(item.file.path).getexif()
    assert max(m.width for m in media) == 2048


def test_a_report_without_a_place_but_a_photo_with_gps_is_offered_that_place(client, city):
    response = client.post("/report/", pothole([gps_jpeg()], located=False))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your photo was taken at 41.88000, -87.63500" in page
    assert 'value="41.880000"' in page and 'value="-87.635000"' in page
    assert not ServiceRequest.objects.exists()  # the reporter confirms first


def test_the_photo_location_endpoint_reads_the_gps_for_the_page(client, city):
    answer = client.post("/report/photo-location", {"photo": gps_jpeg()}).json()
    assert answer["position"]["lat"] == 41.88 and answer["position"]["address"] == "100 W Main St"
    assert client.post("/report/photo-location", {"photo": jpeg()}).json() == {"position": None}
    assert client.post("/report/photo-location", {}).status_code == 400


def test_a_photo_with_gps_outside_the_city_is_not_offered(client, city):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}  # Paris
    response = client.post("/report/", pothole([jpeg(exif=exif)], located=False))
    assert response.status_code == 400
    assert "Tell us where the problem is" in response.content.decode()


def hostile_uploads():
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, format="PNG")  # 144 megapixels in a few kB
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
    return [
        (
            "not a jpeg",
            SimpleUploadedFile("cat.jpg", b"MZ\x90\x00 this is no image", content_type="image/jpeg"),
        ),
        ("a decompression bomb", SimpleUploadedFile("bomb.png", bomb.getvalue(), content_type="image/png")),
        (
            "50 MB",
            SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff" + b"\0" * 50_000_000, content_type="image/jpeg"),
        ),
        ("an SVG with a script", SimpleUploadedFile("x.svg", svg, content_type="image/svg+xml")),
    ]


def test_hostile_uploads_are_refused_clearly_and_nothing_is_stored(client, city, settings):
    for what, upload in hostile_uploads():
        response = client.post("/report/", pothole([jpeg(), upload]))
        page = response.content.decode()
        assert response.status_code == 400, what
        assert "This photo cannot be accepted" in page, what
        assert "<script>alert" not in page
        assert not ServiceRequest.objects.exists() and not Media.objects.exists(), what
    media_root = settings.MEDIA_ROOT
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_hostile_uploads_in_json_mode_answer_400_on_photos(client, city):
    _, upload = hostile_uploads()[0]
    response = client.post("/report/", pothole([upload]), headers=JSON)
    assert response.status_code == 400
    assert "is not an image" in response.json()["errors"]["photos"][0]


def test_at_most_five_photos(client, city):
    response = client.post("/report/", pothole([jpeg() for _ in range(6)]))
    assert response.status_code == 400 and "Send at most 5 photos." in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_the_photo_location_endpoint_refuses_hostile_uploads(client, city):
    for what, upload in hostile_uploads():
        response = client.post("/report/photo-location", {"photo": upload})
        assert response.status_code == 400, what
        assert "This photo cannot be accepted" in response.json()["error"], what
