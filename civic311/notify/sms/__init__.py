"""The "sms" channel: status updates by text to a request's followers who gave a phone number.

    recipients.py  who gets which text for a domain event (not numbers that said STOP)
    messages.py    the text of a delivery, in plain words, in the follower's language
    transport.py   sending: "console" (the log) or "twilio" (Twilio's REST API, or any provider speaking it)

`register()` adds the channel to notify.registry; the sms app's AppConfig.ready() calls it.
"""


def register() -> None:
    from civic311.notify import registry
    from civic311.notify.sms.recipients import recipients
    from civic311.notify.sms.transport import send

    registry.register_channel("sms", recipients, send)
