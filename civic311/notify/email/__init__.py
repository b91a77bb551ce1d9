"""The email channel: updates to a request's followers (confirmation, status, public note, closure with
the satisfaction survey) and area alerts, through Django's SMTP backend.

    recipients.py  who gets which email for a domain event
    messages.py    the message of a delivery, from the templates of its language
    transport.py   sending, and what a bounce does
    tokens.py      signed links: unsubscribe, survey, alert confirmation

Importing this package registers the "email" channel (notify.registry) and the daily "alert-digest" job
(notify.schedule). The functions load their modules on first use, so importing it early (while the
notify models load) pulls nothing else in.
"""

from civic311.notify import registry

DIGEST_JOB = "alert-digest"
# The digest job runs every 24 hours, counted from the worker's first tick (PeriodicJob keeps the time).
DIGEST_EVERY_SECONDS = 24 * 3600


def recipients(event):
    from civic311.notify.email.recipients import recipients as email_recipients

    return email_recipients(event)


def send(delivery) -> None:
    from civic311.notify.email.transport import send as send_email

    send_email(delivery)


def send_digests() -> int:
    from civic311.notify.alerts import send_digests as enqueue_digests

    return enqueue_digests()


def register() -> None:
    from civic311.notify import schedule

    registry.register_channel("email", recipients, send)
    schedule.every(DIGEST_JOB, DIGEST_EVERY_SECONDS, send_digests)


register()
