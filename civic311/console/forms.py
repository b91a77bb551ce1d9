"""Console forms: what staff type, checked before the domain functions get it."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from civic311.catalog.choices import Datatype
from civic311.catalog.models import Department, Service
from civic311.routing.models import Team
from civic311.servicerequests.choices import NOTE_MAX_LENGTH, Priority, Status


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError(_("The code is 6 digits."))
        return code


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label=_("New status"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        label=_("Note for the resident"),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTE_MAX_LENGTH, label=_("Note")
    )
    public = forms.BooleanField(required=False, label=_("Residents can read it"))


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, label=_("Priority"))


class RerouteForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("Department"), empty_label=_("— triage —")
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, label=_("Team"))
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, label=_("Person")
    )
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, label=_("Why (internal)"))

    def __init__(self, *args, jurisdiction, **kwargs):
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields  # ModelChoiceFields: their querysets depend on the jurisdiction
        fields["department"].queryset = Department.objects.filter(jurisdiction=jurisdiction)
        fields["team"].queryset = Team.objects.filter(department__jurisdiction=jurisdiction, active=True)
        fields["assignee"].queryset = get_user_model().objects.filter(is_active=True, staff__isnull=False)

    def clean(self):
        data = super().clean() or {}
        team, department = data.get("team"), data.get("department")
        if team is not None and team.department_id != getattr(department, "pk", None):
            self.add_error("team", _("%(team)s is not a team of that department") % {"team": team.name})
        return data


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=_("Assign to"),
        empty_label=_("— nobody —"),
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        members = team.members.filter(is_active=True) if team else get_user_model().objects.none()
        fields: dict[str, Any] = self.fields
        fields["assignee"].queryset = members


class DuplicateForm(forms.Form):
    parent = forms.CharField(max_length=40, label=_("Number of the original request"))
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, label=_("Note for the resident"))


class ReferForm(forms.Form):
    to = forms.CharField(max_length=200, label=_("Referred to"))
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH, label=_("Note for the resident"))


class FollowerForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label=_("Name"))
    phone = forms.CharField(required=False, max_length=40, label=_("Phone"))
    email = forms.EmailField(required=False, label=_("Email"))


# --- the call-centre intake's questions of a service (views/intake.py renders them field by field) ----


@dataclass
class Question:
    """One of the service's questions, as a form field, with what was typed and what was wrong."""

    code: str
    name: str  # attribute[CODE], as in GeoReport (and as the domain names it in its errors)
    id: str
    label: str
    datatype: str
    required: bool
    variable: bool
    hint: str
    values: list[str]
    choices: list[tuple[str, str]]
    errors: list[str]

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def describedby(self) -> str:
        """The ids of the hint and the error shown under the field, for aria-describedby."""
        ids = [self.hint_id] if self.hint or self.datatype == Datatype.DATETIME else []
        return " ".join([*ids, self.error_id] if self.errors else ids)


def service_questions(service: Service | None, typed: dict[str, list[str]], errors: dict[str, list[str]]):
    if service is None:
        return []
    out = []
    for n, attribute in enumerate(service.questions(), start=1):
        name = f"attribute[{attribute.code}]"
        out.append(
            Question(
                code=attribute.code,
                name=name,
                id=f"intake-q{n}",
                label=attribute.description,
                datatype=attribute.datatype,
                required=attribute.required,
                variable=attribute.variable,
                hint=attribute.datatype_description,
                values=typed.get(attribute.code, []),
                choices=[(v.key, v.name) for v in attribute.values.all()],
                errors=errors.get(name, []),
            )
        )
    return out
