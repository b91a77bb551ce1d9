"""Staff roles and what each may do. One table, read by every permission check (accounts/permissions.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Call-centre agent")
    STAFF = "staff", _("Department staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class Capability(models.TextChoices):
    VIEW_ALL_DEPARTMENTS = "view_all_departments", _("See every department's requests")
    VIEW_DEPARTMENT = "view_department", _("See the own department's requests")
    VIEW_TRIAGE = "view_triage", _("See requests no rule routed (triage)")
    SEE_CONTACT = "see_contact", _("See reporters' contact details")
    SEE_INTERNAL_NOTES = "see_internal_notes", _("See internal notes")
    FILE_FOR_CALLER = "file_for_caller", _("File requests on a caller's behalf")
    ADD_FOLLOWER = "add_follower", _("Add a caller as follower of a request")
    ADD_PUBLIC_NOTE = "add_public_note", _("Add public notes")
    ADD_INTERNAL_NOTE = "add_internal_note", _("Add internal notes")
    CHANGE_STATUS = "change_status", _("Change status")
    SET_PRIORITY = "set_priority", _("Set priority")
    ASSIGN_IN_TEAM = "assign_in_team", _("Assign within the own team")
    REASSIGN = "reassign", _("Reassign to another department, team or person")
    MARK_DUPLICATE = "mark_duplicate", _("Mark duplicates")
    REFER = "refer", _("Refer to an outside body")
    BULK = "bulk", _("Act on many requests at once")
    VIEW_ANALYTICS = "view_analytics", _("See the analytics of the requests in scope")


C = Capability
_STAFF = {
    C.VIEW_DEPARTMENT,
    C.SEE_INTERNAL_NOTES,
    C.ADD_PUBLIC_NOTE,
    C.ADD_INTERNAL_NOTE,
    C.CHANGE_STATUS,
    C.SET_PRIORITY,
    C.ASSIGN_IN_TEAM,
    C.MARK_DUPLICATE,
    C.REFER,
}
CAPABILITIES: dict[str, frozenset[str]] = {
    # Agents answer callers about any request and file new ones; they do not work requests.
    Role.AGENT: frozenset(
        {C.VIEW_ALL_DEPARTMENTS, C.SEE_CONTACT, C.FILE_FOR_CALLER, C.ADD_FOLLOWER, C.ADD_PUBLIC_NOTE}
    ),
    # Staff work their department's queue; reporters' contact details are not theirs to see.
    Role.STAFF: frozenset(_STAFF),
    Role.SUPERVISOR: frozenset(
        _STAFF | {C.SEE_CONTACT, C.REASSIGN, C.BULK, C.VIEW_TRIAGE, C.ADD_FOLLOWER, C.VIEW_ANALYTICS}
    ),
    Role.ADMIN: frozenset(Capability.values),
}
