"""The City of Boston's 311 open data in its pre-2019 schema (data.cityofboston.gov awu8-dc52), as CSV or
gzip CSV: one row per case, CASE_ENQUIRY_ID .. Geocoded_Location, times as Boston local time written
'MM/DD/YYYY hh:mm:ss AM/PM'.

What maps to what:
    CASE_ENQUIRY_ID          the request number, kept as it is (the number Boston gave residents)
    TYPE / REASON / SUBJECT  the service (code: TYPE slugified; group: REASON) and its department
    SUBJECT                  the department: SUBJECT is its name in full ("Public Works Department");
                             Department is a short queue code (PWDx) that disagrees with SUBJECT on 7% of
                             rows, kept in the created event's record with QUEUE
    OPEN_DT, TARGET_DT       requested, expected (the SLA target); CLOSED_DT: closed, when CASE_STATUS is
                             Closed (a closing a few seconds before the opening, two clocks' skew, is moved
                             to the opening)
    CLOSURE_REASON           the closing note; its outcome (the words after "Case Closed") gives the status:
                             "Duplicate of Existing Case" a duplicate (linked to the case it names, when it
                             names exactly one), "Case Referred to External Agency" or "ROA: Refer to Other
                             Agency/Division" referred, anything else closed. Words further on ("…resolved,
                             duplicate case") change nothing: only the outcome staff chose counts.
    Source                   the channel
    LATITUDE/LONGITUDE       the point, except Boston's placeholder (42.3594, -71.0587, City Hall; its
                             Geocoded_Location is "(0, 0)") that 14% of rows carry when not geocoded
    Location, ZIP            the address (spaces collapsed); LOCATION_ZIPCODE (written as a float, 2115.0)
                             as five digits, else the ZIP at the end of Location
    ward, city_council_district  the request's districts, by code (see Catalog.district)
"""

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.utils.text import slugify

from civic311.catalog.models import Jurisdiction
from civic311.opendata.importers.base import (
    Catalog,
    CsvFile,
    ImportReport,
    RowSkipped,
    aware,
    import_records,
    location,
)
from civic311.servicerequests.actions import ImportedRequest
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import Location

SOURCE = "boston"
# The jurisdiction `civic311 import boston` creates when none is named (--jurisdiction).
JURISDICTION_ID = "boston.example"
JURISDICTION_NAME = "City of Boston"
TIME_ZONE = "America/New_York"

TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"
# Where Boston's export puts a case it could not geocode: 17,070 of 2015's 121,145 rows, all with
# Geocoded_Location "(0, 0)"; the next most common point has 387.
PLACEHOLDER_POINT = (42.3594, -71.0587)
CHANNELS = {
    "constituent call": Channel.PHONE,
    "citizens connect app": Channel.APP,
    "self service": Channel.WEB,
    "employee generated": Channel.STAFF,
    "city worker app": Channel.STAFF,
    # Work orders of the city's asset system (street lights, mostly), opened by its crews.
    "maximo integration": Channel.STAFF,
    # A tweet is none of our channels (social media is planned, not built): counted as imported rather
    # than passed off as a web form or a text message.
    "twitter": Channel.IMPORT,
}
CLOSURE = re.compile(
    r"^\s*case closed\.?(?:\s*closed date\s*:\s*[\d-]+\s+[\d:.]+)?\s*(?P<rest>.*)$", re.I | re.S
)
DUPLICATE_OUTCOMES = ("duplicate of existing case",)
REFERRED_OUTCOMES = ("case referred to external agency", "roa: refer to other agency")
CASE_NUMBER = re.compile(r"(?<!\d)\d{12}(?!\d)")
ZIP_AT_END = re.compile(r"\b(\d{5})\s*$")
DISTRICT_KINDS = (
    # (column, District.kind, name of one)
    ("ward", "ward", "Ward {code}"),
    ("city_council_district", "council_district", "City Council District {code}"),
)
# Columns kept with the created event, as the record of where the request came from.
KEPT_COLUMNS = (
    "CASE_ENQUIRY_ID",
    "CASE_STATUS",
    "OnTime_Status",
    "Source",
    "SUBJECT",
    "REASON",
    "TYPE",
    "QUEUE",
    "Department",
    "OPEN_DT",
    "TARGET_DT",
    "CLOSED_DT",
    "ward",
    "precinct",
    "city_council_district",
    "neighborhood",
    "police_district",
)


def parse_time(text: str | None, column: str) -> datetime | None:
    """'01/05/2015 12:40:41 PM' (naive, Boston time); None when empty; RowSkipped when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 22 and text[2] == "/" and text[5] == "/" and text[13] == ":" and text[16] == ":":
            # The file's one format, read by slicing: strptime costs several times more per row.
            hour, half = int(text[11:13]), text[20:22].upper()
            if not 1 <= hour <= 12 or half not in ("AM", "PM"):
                raise ValueError(text)
            hour = hour % 12 + (12 if half == "PM" else 0)
            return datetime(
                int(text[6:10]), int(text[0:2]), int(text[3:5]), hour, int(text[14:16]), int(text[17:19])
            )
        return datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise RowSkipped(f"unreadable {column} {text[:30]!r}") from None


@lru_cache(maxsize=1024)
def service_code(kind: str) -> str:
    return slugify(kind)


def channel(source: str) -> str:
    return CHANNELS.get(source.strip().lower(), Channel.IMPORT)


def closure(reason: str, number: str = "") -> tuple[str, str]:
    """The status a closed case's CLOSURE_REASON gives, and the number of the case it duplicates (when it
    is a duplicate naming exactly one other case), from the outcome staff chose, never from free words."""
    match = CLOSURE.match(reason or "")
    rest = match.group("rest").strip() if match else ""
    outcome = rest.lower()
    if outcome.startswith(DUPLICATE_OUTCOMES):
        named = set(CASE_NUMBER.findall(rest)) - {number}
        return Status.DUPLICATE, named.pop() if len(named) == 1 else ""
    if outcome.startswith(REFERRED_OUTCOMES):
        return Status.REFERRED, ""
    return Status.CLOSED, ""


@lru_cache(maxsize=4096)  # a few hundred distinct values in a year's file
def district_code(text: str | None) -> str:
    """'Ward 3', '03', '3' and '3.0' -> '3'; '' for no district ('', '0.0': Boston has no district 0)."""
    text = (text or "").strip()
    text = re.sub(r"^(ward|district)\s*", "", text, flags=re.I)
    try:
        number = float(text)
    except ValueError:
        return ""
    return str(int(number)) if number.is_integer() and number > 0 else ""


def zipcode(row: dict) -> str:
    text = (row.get("LOCATION_ZIPCODE") or "").strip().removesuffix(".0")
    if text.isdigit() and len(text) <= 5:
        return text.zfill(5)  # 2115.0: a float lost Boston's leading zero
    found = ZIP_AT_END.search(row.get("Location") or "")
    return found.group(1) if found else ""


def _location(row: dict, catalog: Catalog) -> Location:
    lat, long = (row.get("LATITUDE") or "").strip(), (row.get("LONGITUDE") or "").strip()
    place = location(lat, long, " ".join((row.get("Location") or "").split()), zipcode(row))
    if place.lat is not None and place.long is not None:
        if abs(place.lat - PLACEHOLDER_POINT[0]) < 1e-9 and abs(place.long - PLACEHOLDER_POINT[1]) < 1e-9:
            place.lat = place.long = None
    elif lat or long:
        catalog.report.noted["unreadable LATITUDE/LONGITUDE: without a point"] += 1
    return place


def map_row(row: dict, catalog: Catalog) -> ImportedRequest:
    tz = catalog.jurisdiction.tz
    number = (row.get("CASE_ENQUIRY_ID") or "").strip()
    if not number:
        raise RowSkipped("no CASE_ENQUIRY_ID")
    opened = parse_time(row.get("OPEN_DT"), "OPEN_DT")
    if opened is None:
        raise RowSkipped("no OPEN_DT")
    target = parse_time(row.get("TARGET_DT"), "TARGET_DT")
    closed = parse_time(row.get("CLOSED_DT"), "CLOSED_DT")
    case_status = (row.get("CASE_STATUS") or "").strip().lower()
    reason = (row.get("CLOSURE_REASON") or "").strip()
    parent = ""
    if case_status == "closed":
        if closed is None:
            raise RowSkipped("CASE_STATUS Closed without a CLOSED_DT")
        status, parent = closure(reason, number)
        closed = max(closed, opened)
    elif case_status == "open":
        # An open case's CLOSURE_REASON is an earlier closing's, reopened since: not its state now.
        status, closed, reason = Status.NEW, None, ""
    else:
        raise RowSkipped(f"unknown CASE_STATUS {row.get('CASE_STATUS', '')[:30]!r}")
    kind = (row.get("TYPE") or "").strip()
    subject = (row.get("SUBJECT") or "").strip()
    service = catalog.service(service_code(kind), kind, subject, group=row.get("REASON") or "")
    title = " ".join((row.get("CASE_TITLE") or "").split())
    photo = (row.get("SubmittedPhoto") or "").strip()
    district_ids = []
    for column, district_kind, name in DISTRICT_KINDS:
        code = district_code(row.get(column))
        if code:
            district_ids.append(catalog.district(district_kind, code, name.format(code=code)))
    return ImportedRequest(
        service=service,
        service_request_id=number[:40],
        requested_datetime=aware(opened, tz),
        status_code=status,
        closed_datetime=aware(closed, tz) if closed else None,
        expected_datetime=aware(target, tz) if target else None,
        location=_location(row, catalog),
        # CASE_TITLE is mostly the type's name again; when staff typed more, it says what the case is.
        description=title[:4000] if title.lower() != kind.lower() else "",
        status_notes=reason[:4000],
        channel=channel(row.get("Source") or ""),
        department=catalog.department(subject) or service.department,
        district_ids=district_ids,
        media_url=photo[:500] if photo.startswith(("http://", "https://")) else "",
        parent_service_request_id=parent,
        source=SOURCE,
        source_data={k: row.get(k, "") for k in KEPT_COLUMNS},
    )


def rows(path: Path) -> CsvFile:
    return CsvFile(path)


def import_file(
    path: Path,
    jurisdiction: Jurisdiction,
    *,
    limit: int | None = None,
    progress: bool = False,
    rejects: Path | None = None,
) -> ImportReport:
    return import_records(jurisdiction, rows(path), map_row, limit=limit, progress=progress, rejects=rejects)
