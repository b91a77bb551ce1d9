"""The one door into the domain: every channel creates and changes requests through these functions, and
imports them from here (`from civic311.servicerequests import actions`; `actions.submit_request(…)`).

Each function validates, writes the request and an Event in one transaction, and announces the event
after commit (signals.event_recorded) for the side effects. By feature:

    core.py       Actor, recording and announcing an event, the row lock
    filing.py     submit_request, validate_new_request, attach_media
    workflow.py   change_status, add_note, mark_duplicate, refer, reroute, assign, set_priority, escalate
    followers.py  add_follower, stop_following, stop_following_address
    comments.py   add_comment, moderate_comment
    history.py    import_or_update_requests, import_requests, link_imported_duplicates (open data)
"""

from civic311.servicerequests.actions.comments import COMMENT_MAX_LENGTH, add_comment, moderate_comment
from civic311.servicerequests.actions.core import Actor
from civic311.servicerequests.actions.filing import (
    NewRequest,
    attach_media,
    submit_request,
    validate_new_request,
)
from civic311.servicerequests.actions.followers import add_follower, stop_following, stop_following_address
from civic311.servicerequests.actions.history import (
    ImportedBatch,
    ImportedRequest,
    import_or_update_requests,
    import_requests,
    link_imported_duplicate,
    link_imported_duplicates,
)
from civic311.servicerequests.actions.workflow import (
    add_note,
    assign,
    change_status,
    check_status_change,
    escalate,
    mark_duplicate,
    refer,
    reroute,
    set_priority,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "Actor",
    "ImportedBatch",
    "ImportedRequest",
    "NewRequest",
    "add_comment",
    "add_follower",
    "add_note",
    "assign",
    "attach_media",
    "change_status",
    "check_status_change",
    "escalate",
    "import_or_update_requests",
    "import_requests",
    "link_imported_duplicate",
    "link_imported_duplicates",
    "mark_duplicate",
    "moderate_comment",
    "refer",
    "reroute",
    "set_priority",
    "stop_following",
    "stop_following_address",
    "submit_request",
    "validate_new_request",
]
