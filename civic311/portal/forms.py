"""The report form: location, category, the service's questions, photos, contact.

The form checks shape and what a resident needs to hear in their language (gettext); the domain
(actions.submit_request) checks everything again and its FieldErrors come back as field errors here.
"""

import math
from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civic311.catalog.choices import Datatype
from civic311.catalog.models import Service, ServiceAttribute
from civic311.geo.geocoder import Place
from civic311.servicerequests.choices import DESCRIPTION_MAX_LENGTH
from civic311.servicerequests.intake import PHONE_PATTERN, STRING_MAX_LENGTH, TEXT_MAX_LENGTH

MAX_PHOTOS = 5
TEXT_FIELD_MAX = 300  # any one-line field (address, name) of the track, around and me pages, at most


def question_field_name(code: str) -> str:
    return f"q_{code}"


# The domain's field names (intake.FieldError.field) -> this form's fields.
DOMAIN_FIELDS = {
    "lat/long": "lat",
    "lat": "lat",
    "long": "lat",
    "location": "address",
    "address_id": "address",
    "address_string": "address",
    "service_code": "service",
    "description": "description",
    "media": "photos",
    "media_url": "photos",
    "email": "email",
    "phone": "phone",
    "first_name": "name",
    "last_name": "name",
}


def form_field_for(domain_field: str) -> str:
    if domain_field.startswith("attribute[") and domain_field.endswith("]"):
        return question_field_name(domain_field[len("attribute[") : -1])
    return DOMAIN_FIELDS.get(domain_field, "__all__")


def _coordinate(value: str, low: float, high: float) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise forms.ValidationError(gettext("“%(value)s” is not a number.") % {"value": value[:40]}) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise forms.ValidationError(
            gettext("%(value)s is not a coordinate (it must be between %(low)s and %(high)s).")
            % {"value": value[:40], "low": low, "high": high}
        )
    return number


class ReportForm(forms.Form):
    found_place: Place | None = None  # the typed address, once geocoded (shown back)
    draft_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Address, intersection or landmark"),
        required=False,
        max_length=300,
        help_text=_("For example: 100 W Main St, or Main St and 1st Ave."),
        widget=forms.TextInput(attrs={"list": "place-suggestions", "autocomplete": "off"}),
    )
    lat = forms.CharField(required=False, max_length=40, label=_("Latitude"))
    long = forms.CharField(required=False, max_length=40, label=_("Longitude"))
    service = forms.CharField(required=False, max_length=40, label=_("What is the problem?"))
    description = forms.CharField(
        label=_("Describe the problem"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Files come from request.FILES (checked by photos.py); the field carries their errors.
    photos = forms.Field(label=_("Photos"), required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Your name"), required=False, max_length=100)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    updates = forms.BooleanField(label=_("Send me updates about this request"), required=False, initial=True)

    def __init__(self, *args, service: Service | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_obj = service
        self.questions: list[tuple[ServiceAttribute, str]] = []
        if service is not None:
            for attribute in service.questions():
                if not attribute.variable:
                    continue
                name = question_field_name(attribute.code)
                self.fields[name] = self._question_field(attribute)
                self.questions.append((attribute, name))

    @staticmethod
    def _question_field(attribute: ServiceAttribute) -> forms.Field:
        label = attribute.translated("description") or attribute.code
        common: dict[str, Any] = {"label": label, "required": False}
        choices = [(v.key, v.translated("name")) for v in attribute.values.all()]
        datatype = attribute.datatype
        if datatype == Datatype.NUMBER:
            return forms.CharField(
                max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common
            )
        if datatype == Datatype.DATETIME:
            return forms.CharField(
                max_length=40, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
            )
        if datatype == Datatype.TEXT:
            return forms.CharField(
                max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), **common
            )
        if datatype == Datatype.SINGLEVALUELIST:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        if datatype == Datatype.MULTIVALUELIST:
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        return forms.CharField(max_length=STRING_MAX_LENGTH, **common)

    def clean_lat(self):
        return _coordinate(self.cleaned_data.get("lat") or "", -90, 90)

    def clean_long(self):
        return _coordinate(self.cleaned_data.get("long") or "", -180, 180)

    def clean(self):
        data = super().clean() or {}
        if self.errors.get("lat") or self.errors.get("long"):
            return data
        self._check_typed_answers(data)
        lat, long = data.get("lat"), data.get("long")
        if (lat is None) != (long is None):
            self.add_error("lat", gettext("Give both latitude and longitude, or pick the place on the map."))
        return data

    def _check_typed_answers(self, data) -> None:
        for attribute, name in self.questions:
            value = (
                (data.get(name) or "") if attribute.datatype in (Datatype.NUMBER, Datatype.DATETIME) else ""
            )
            if not value.strip():
                continue
            if attribute.datatype == Datatype.NUMBER:
                try:
                    ok = math.isfinite(float(value))
                except ValueError:
                    ok = False
                if not ok:
                    self.add_error(name, gettext("“%(value)s” is not a number.") % {"value": value[:40]})
            else:
                try:
                    datetime.fromisoformat(value.strip())
                except ValueError:
                    self.add_error(
                        name,
                        gettext("“%(value)s” is not a date and time such as 2026-11-20 08:30.")
                        % {"value": value[:40]},
                    )

    def check_complete(self) -> None:
        """The checks of a report being sent (not of a step being continued): in the resident's language."""
        data = self.cleaned_data
        if data.get("lat") is None and not data.get("address") and "lat" not in self.errors:
            self.add_error(
                "address",
                gettext("Tell us where the problem is: type an address or pick the place on the map."),
            )
        service = self.service_obj
        if service is None:
            if "service" not in self.errors:
                self.add_error("service", gettext("Choose what kind of problem it is."))
            return
        for attribute, name in self.questions:
            value = data.get(name)
            if attribute.required and not value and name not in self.errors:
                self.add_error(name, gettext("Please answer this question."))
        needs_contact = not service.anonymous_allowed and not (data.get("email") or data.get("phone"))
        if needs_contact and "email" not in self.errors:
            self.add_error(
                "email", gettext("To report this, give an email or a phone number so the city can reach you.")
            )
        phone = data.get("phone")
        if phone and "phone" not in self.errors and not PHONE_PATTERN.match(phone.strip()):
            self.add_error("phone", gettext("“%(value)s” is not a phone number.") % {"value": phone[:40]})

    def answers(self) -> dict:
        """The answers as the domain takes them: attribute code -> text or list of texts."""
        answers = {}
        for attribute, name in self.questions:
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            if attribute.datatype == Datatype.DATETIME and isinstance(value, str):
                value = self._with_zone(value)
            answers[attribute.code] = value
        return answers

    def _with_zone(self, value: str) -> str:
        """A datetime-local field sends no zone: it is the city's local time."""
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # the domain words the error
        if parsed.tzinfo is None and self.service_obj is not None:
            parsed = parsed.replace(tzinfo=self.service_obj.jurisdiction.tz)
        return parsed.isoformat()

    def add_domain_errors(self, errors) -> None:
        for error in errors:
            name = form_field_for(error.field)
            if name != "__all__" and name not in self.fields:
                name = "__all__"
            self.add_error(None if name == "__all__" else name, error.message)

    @property
    def question_fields(self) -> list[tuple[ServiceAttribute, forms.BoundField]]:
        return [(attribute, self[name]) for attribute, name in self.questions]

    def first_id(self, name: str) -> str:
        """The id of the control an error about `name` links to (the first choice of a list)."""
        if name == "service":
            code = self.service_obj.service_code if self.service_obj else ""
            return f"service-{code}" if code else "category-search"
        if name == "photos":
            return "id_photos"
        if name in self.fields:
            field = self[name]
            if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                return f"{field.auto_id}_0"
            return field.auto_id
        return "report-form"

    def annotate(self) -> list[dict]:
        """Ties hints and errors to their controls (aria-describedby, aria-invalid); returns the error
        summary: [{"id", "label", "message"}] in the order of the page."""
        for name, field in self.fields.items():
            described = []
            if field.help_text:
                described.append(f"id_{name}_helptext")
            if name in self.errors:
                described.append(f"id_{name}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described and not isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["aria-describedby"] = " ".join(described)
        order = list(self.fields)
        summary = []
        for name, errors in sorted(
            self.errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else -1
        ):
            label = str(self.fields[name].label) if name in self.fields else ""
            for message in errors:
                summary.append({"id": self.first_id(name), "label": label, "message": message})
        return summary
