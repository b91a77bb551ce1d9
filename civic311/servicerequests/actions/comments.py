"""Residents' comments on a request, and their moderation (comments are not events: see decisions.md)."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from civic311.servicerequests.choices import CommentStatus
from civic311.servicerequests.intake import (
    FieldError,
    RequestRejected,
    clean_text,
)
from civic311.servicerequests.models import Comment, ServiceRequest

if TYPE_CHECKING:
    pass


# A resident's comment: a few paragraphs at most.
COMMENT_MAX_LENGTH = 2000


def add_comment(
    request: ServiceRequest,
    text: str,
    *,
    name: str = "",
    email: str = "",
    ip_hash: str = "",
    held_because: str = "",
    at: datetime | None = None,
) -> Comment:
    """A resident's public comment on a request: visible at once, or held for moderation when the
    channel's spam checks gave a reason (`held_because`). Plain text; pages escape it. Raises
    RequestRejected, storing nothing, for an empty or oversized comment or a request nobody may see."""
    errors: list[FieldError] = []
    text, name, email = clean_text(text), clean_text(name), clean_text(email)
    if not request.public:
        errors.append(FieldError("request", "comments are not taken on this request"))
    if not text:
        errors.append(FieldError("text", "a comment needs some text"))
    elif len(text) > COMMENT_MAX_LENGTH:
        errors.append(
            FieldError("text", f"is {len(text)} characters long; at most {COMMENT_MAX_LENGTH} are allowed")
        )
    if len(name) > 100:
        errors.append(FieldError("name", "is longer than 100 characters"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(FieldError("email", f"'{email[:80]}' is not an email address"))
    if errors:
        raise RequestRejected(errors)
    return Comment.objects.create(
        request=request,
        text=text,
        name=name,
        email=email,
        ip_hash=ip_hash[:64],
        status=CommentStatus.HELD if held_because else CommentStatus.VISIBLE,
        held_because=held_because[:200],
        created_at=at or timezone.now(),
    )


def moderate_comment(comment: Comment, user, *, approve: bool) -> Comment:
    """A moderator shows a held comment (approve) or hides any comment (reject)."""
    comment.status = CommentStatus.VISIBLE if approve else CommentStatus.REJECTED
    comment.moderated_at = timezone.now()
    comment.moderated_by = user if user is not None and user.is_authenticated else None
    comment.save(update_fields=["status", "moderated_at", "moderated_by"])
    return comment
