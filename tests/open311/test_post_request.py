import io
from datetime import timedelta

from PIL import Image

from civic311.servicerequests.models import Event, Media, ServiceRequest
from tests.factories import INSIDE_WARD_2
from tests.open311.conftest import API, pothole_form
from tests.open311.contract import parse_xml, validate_json, xml_to_records


def test_it_files_a_request_and_answers_with_its_number(post, city):
    response = post()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    validate_json("post_request_response", body)
    number = body[0]["service_request_id"]
    assert number.startswith("SR26-") or number.startswith("SR")
    request = ServiceRequest.objects.get(service_request_id=number)
    assert request.service == city.pothole
    assert request.status == "open" and request.status_code == "new"
    assert request.channel == "api"
    assert request.api_client == city.api_key
    assert request.description == "A deep pothole in the right lane"
    assert request.attributes == {"WHERE": "LANE"}


def test_it_answers_in_xml(post):
    response = post("xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    records = xml_to_records(parse_xml(response.content, "service_requests"), "request")
    assert ServiceRequest.objects.filter(service_request_id=records[0]["service_request_id"]).exists()


def test_it_keeps_the_reporters_contact_details(post):
    number = post().json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(service_request_id=number)
    assert request.reporter_email == "alice@example.org"
    assert (request.reporter_first_name, request.reporter_last_name) == ("Alice", "Resident")
    assert request.reporter_phone == "+13125550100"  # E.164, however it was written


def test_it_records_the_ward_the_address_and_the_department(post, city):
    number = post(lat=str(INSIDE_WARD_2[0]), long=str(INSIDE_WARD_2[1])).json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(service_request_id=number)
    assert [d.code for d in request.districts.all()] == ["2"]
    assert request.address == "300 E Main St"  # nearest address in the index
    assert request.zipcode == "60601"
    assert request.department == city.streets
    assert request.expected_datetime - request.requested_datetime == timedelta(days=7)


def test_it_finds_the_place_of_an_address_string(post):
    number = post(lat=None, long=None, address_string="200 West Main Street").json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(service_request_id=number)
    assert (request.lat, request.long) == (41.880, -87.634)
    assert [d.code for d in request.districts.all()] == ["1"]


def test_it_accepts_an_address_the_index_does_not_know_without_coordinates(post):
    number = post(lat=None, long=None, address_string="Behind the library").json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(service_request_id=number)
    assert request.address == "Behind the library"
    assert request.lat is None and not request.districts.exists()


def test_it_finds_the_place_of_an_address_id(post):
    number = post(lat=None, long=None, address_id="A300").json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(service_request_id=number)
    assert request.address == "300 E Main St"
    assert [d.code for d in request.districts.all()] == ["2"]


def test_it_types_number_and_datetime_answers(post):
    number = post(**{"attribute[SIZE]": "14", "attribute[SEEN]": "2026-11-20T08:00:00-06:00"}).json()[0][
        "service_request_id"
    ]
    answers = ServiceRequest.objects.get(service_request_id=number).attributes
    assert answers == {"WHERE": "LANE", "SIZE": 14, "SEEN": "2026-11-20T08:00:00-06:00"}


def test_it_takes_several_values_for_a_multivaluelist(client, city):
    form = pothole_form(city, service_code="SCC", **{"attribute[WHERE]": None})
    form["attribute[CARTS][]"] = ["BLACK", "BLUE", "BLACK"]
    response = client.post(f"{API}/requests.json", form)
    assert response.status_code == 200, response.content
    request = ServiceRequest.objects.get(service_request_id=response.json()[0]["service_request_id"])
    assert request.attributes == {"CARTS": ["BLACK", "BLUE"]}


def test_it_keeps_attributes_that_are_no_question_as_the_clients_extras(post):
    """FixMyStreet sends its own attributes (fixmystreet_id, title …) with every report."""
    number = post(**{"attribute[fixmystreet_id]": "1234", "attribute[title]": "Pothole"}).json()[0][
        "service_request_id"
    ]
    request = ServiceRequest.objects.get(service_request_id=number)
    assert request.attributes == {"WHERE": "LANE"}
    created = request.events.get(kind="created")
    assert created.data["client_attributes"] == {"fixmystreet_id": "1234", "title": "Pothole"}


def test_it_writes_the_history_of_the_new_request(post):
    number = post().json()[0]["service_request_id"]
    kinds = list(Event.objects.filter(request__service_request_id=number).values_list("kind", flat=True))
    assert kinds == ["created", "routed"]


def test_a_batch_service_answers_with_a_token_that_later_gives_the_number(client, post, city):
    city.graffiti.type = "batch"
    city.graffiti.save()
    body = post(service_code="GRAF", **{"attribute[WHERE]": None}).json()
    validate_json("post_request_response", body)
    assert "service_request_id" not in body[0]
    token = body[0]["token"]
    answer = client.get(f"{API}/tokens/{token}.json").json()
    validate_json("tokens", answer)
    assert answer[0]["token"] == token
    assert ServiceRequest.objects.filter(service_request_id=answer[0]["service_request_id"]).exists()


def test_a_blackbox_service_answers_with_neither_number_nor_token(post, city):
    city.graffiti.type = "blackbox"
    city.graffiti.save()
    body = post(service_code="GRAF", **{"attribute[WHERE]": None}).json()
    validate_json("post_request_response", body)
    assert "service_request_id" not in body[0] and "token" not in body[0]
    assert ServiceRequest.objects.filter(service=city.graffiti).count() == 1


def test_it_gives_the_services_notice(post, city):
    city.pothole.service_notice = "Crews fill potholes within 7 days."
    city.pothole.save()
    assert post().json()[0]["service_notice"] == "Crews fill potholes within 7 days."


def test_it_takes_a_media_url(post):
    number = post(media_url="https://photos.example.org/hole.jpg").json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(service_request_id=number)
    assert request.media_url == "https://photos.example.org/hole.jpg"
    assert request.media.get().url == "https://photos.example.org/hole.jpg"


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 800), (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (41.0, 52.0, 48.0), 3: "W", 4: (87.0, 38.0, 6.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_it_takes_an_uploaded_photo_and_strips_its_metadata(client, city):
    photo = io.BytesIO(_jpeg_with_gps())
    photo.name = "pothole.jpg"
    response = client.post(f"{API}/requests.json", {**pothole_form(city), "media": photo})
    assert response.status_code == 200, response.content
    request = ServiceRequest.objects.get(service_request_id=response.json()[0]["service_request_id"])
    media = Media.objects.get(request=request)
    stored = Image.open(media.file.path)
    assert stored.format == "JPEG"
    assert not stored.getexif()  # no Make, no GPS
    assert media.thumbnail and Image.open(media.thumbnail.path).width <= 400
    assert request.media_url.startswith("/media/requests/")
    listed = client.get(f"{API}/requests/{request.service_request_id}.json").json()[0]
    assert listed["media_url"].startswith("http://testserver/media/requests/")
