"""Data built in code for tests: a small city (Springfield), requests, and helpers to post them.

Springfield's two wards are squares side by side around (41.88, -87.63):
ward 1 covers longitudes -87.64..-87.63, ward 2 -87.63..-87.62, latitudes 41.87..41.89.
"""

from dataclasses import dataclass, field

from civic311.accounts.models import ApiKey
from civic311.catalog.models import AttributeValue, Department, Jurisdiction, Service, ServiceAttribute
from civic311.geo import addresses
from civic311.geo.models import Address, District
from civic311.routing.models import RoutingRule
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.intake import Contact, Location

INSIDE_WARD_1 = (41.88, -87.635)
INSIDE_WARD_2 = (41.88, -87.625)
OUTSIDE_CITY = (48.8566, 2.3522)  # Paris


def square(min_long: float, min_lat: float, max_long: float, max_lat: float) -> dict:
    ring = [
        [min_long, min_lat],
        [max_long, min_lat],
        [max_long, max_lat],
        [min_long, max_lat],
        [min_long, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class City:
    jurisdiction: Jurisdiction
    streets: Department
    water: Department
    pothole: Service
    streetlight: Service
    garbage: Service
    graffiti: Service
    wellness: Service  # private
    api_key: ApiKey
    raw_key: str
    wards: list[District] = field(default_factory=list)


class CityFactory:
    def build(self) -> City:
        j = Jurisdiction.objects.create(
            jurisdiction_id="springfield.example",
            name="Springfield",
            time_zone="America/Chicago",
            contact="Springfield 311",
            request_id_prefix="SR",
            is_default=True,
        )
        streets = Department.objects.create(jurisdiction=j, code="streets", name="Streets and Sanitation")
        water = Department.objects.create(jurisdiction=j, code="water", name="Water Management")
        pothole = Service.objects.create(
            jurisdiction=j,
            service_code="PHF",
            service_name="Pothole in Street",
            group="Streets",
            keywords="pothole, hole, road damage",
            department=streets,
            sla_days=7,
            description="A hole in the road surface.",
        )
        where = ServiceAttribute.objects.create(
            service=pothole,
            code="WHERE",
            datatype="singlevaluelist",
            required=True,
            order=1,
            description="Where in the street is it?",
        )
        for n, (key, name) in enumerate(
            [("LANE", "Traffic lane"), ("CROSSWALK", "Crosswalk"), ("BIKE", "Bike lane")]
        ):
            AttributeValue.objects.create(attribute=where, key=key, name=name, order=n)
        ServiceAttribute.objects.create(
            service=pothole,
            code="SIZE",
            datatype="number",
            required=False,
            order=2,
            description="About how wide is it, in inches?",
        )
        ServiceAttribute.objects.create(
            service=pothole,
            code="SEEN",
            datatype="datetime",
            required=False,
            order=3,
            description="When did you first see it?",
        )
        streetlight = Service.objects.create(
            jurisdiction=j,
            service_code="SFD",
            service_name="Street Light Out",
            group="Street Lights",
            keywords="streetlight, dark street, lamp",
            department=streets,
            sla_days=10,
        )
        state = ServiceAttribute.objects.create(
            service=streetlight,
            code="LIGHTOUT",
            datatype="singlevaluelist",
            required=True,
            order=1,
            description="Is the light out or flickering?",
        )
        AttributeValue.objects.create(attribute=state, key="OUT", name="Completely out", order=0)
        AttributeValue.objects.create(attribute=state, key="FLICKER", name="Flickering", order=1)
        ServiceAttribute.objects.create(
            service=streetlight,
            code="POLE",
            datatype="string",
            order=2,
            description="Pole number, if you see one",
        )
        garbage = Service.objects.create(
            jurisdiction=j,
            service_code="SCC",
            service_name="Missed Garbage Pick-Up",
            group="Garbage",
            department=streets,
            anonymous_allowed=False,
        )
        carts = ServiceAttribute.objects.create(
            service=garbage,
            code="CARTS",
            datatype="multivaluelist",
            required=True,
            order=1,
            description="Which carts were missed?",
        )
        for n, (key, name) in enumerate(
            [("BLACK", "Garbage"), ("BLUE", "Recycling"), ("YARD", "Yard waste")]
        ):
            AttributeValue.objects.create(attribute=carts, key=key, name=name, order=n)
        ServiceAttribute.objects.create(
            service=garbage,
            code="NOTES",
            datatype="text",
            order=2,
            description="Anything else?",
        )
        graffiti = Service.objects.create(
            jurisdiction=j,
            service_code="GRAF",
            service_name="Graffiti Removal",
            group="Streets",
            department=streets,
        )
        wellness = Service.objects.create(
            jurisdiction=j,
            service_code="WELL",
            service_name="Wellness Check",
            group="Health",
            private=True,
            department=water,
        )
        wards = [
            District.objects.create(
                jurisdiction=j,
                kind="ward",
                code="1",
                name="Ward 1",
                geometry=square(-87.64, 41.87, -87.63, 41.89),
            ),
            District.objects.create(
                jurisdiction=j,
                kind="ward",
                code="2",
                name="Ward 2",
                geometry=square(-87.63, 41.87, -87.62, 41.89),
            ),
        ]
        for text, lat, long in [
            ("100 W Main St", 41.880, -87.636),
            ("200 W Main St", 41.880, -87.634),
            ("300 E Main St", 41.880, -87.626),
        ]:
            parsed = addresses.parse(text)
            Address.objects.create(
                jurisdiction=j,
                address=addresses.display(text),
                normalized=addresses.normalize(text),
                street=parsed.street,
                number=parsed.number,
                zipcode="60601",
                address_id=f"A{parsed.number}",
                lat=lat,
                long=long,
            )
        RoutingRule.objects.create(
            jurisdiction=j,
            name="Every request to its service's department",
            order=1000,
            use_service_department=True,
        )
        key, raw = ApiKey.create("Test client")
        return City(j, streets, water, pothole, streetlight, garbage, graffiti, wellness, key, raw, wards)


def file_request(
    service: Service,
    *,
    lat: float = INSIDE_WARD_1[0],
    long: float = INSIDE_WARD_1[1],
    description: str = "",
    answers: dict | None = None,
    contact: Contact | None = None,
    channel: str = Channel.WEB,
    at=None,
    **kwargs,
):
    """File a request through the domain, as a resident on the web would (`at`: when, default now)."""
    if answers is None:
        answers = {"WHERE": "LANE"} if service.service_code == "PHF" else {}
        if service.service_code == "SFD":
            answers = {"LIGHTOUT": "OUT"}
        if service.service_code == "SCC":
            answers = {"CARTS": ["BLACK"]}
    if contact is None:
        contact = Contact(
            email="alice@example.org", phone="+1 312 555 0100", first_name="Alice", last_name="Resident"
        )
    new = actions.NewRequest(
        service=service,
        location=Location(lat=lat, long=long),
        description=description,
        answers=answers,
        contact=contact,
        **kwargs,
    )
    return actions.submit_request(new, actions.Actor(channel=channel), at=at)


def add_address(jurisdiction: Jurisdiction, text: str, lat: float, long: float, zipcode: str = "") -> Address:
    """One address in the geocoder's index, normalised as the importer would."""
    parsed = addresses.parse(text)
    return Address.objects.create(
        jurisdiction=jurisdiction,
        address=addresses.display(text),
        normalized=addresses.normalize(text),
        street=parsed.street,
        number=parsed.number,
        zipcode=zipcode,
        lat=lat,
        long=long,
    )
