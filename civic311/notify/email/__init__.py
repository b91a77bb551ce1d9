"""The email channel: updates to a request's followers (confirmation, status, public note, closure with
the satisfaction survey) and area alerts, through Django's SMTP backend.

    recipients.py  who gets which email for a domain event
    messages.py    the message of a delivery, from the templates of its language
    transport.py   sending, and what a bounce does
    tokens.py      signed links: unsubscribe, survey, alert confirmation

notify.apps registers it (recipients.recipients, transport.send) with the other channels.
"""
