"""The "sms" channel: status updates by text to a request's followers who gave a phone number.

    recipients.py  who gets which text for a domain event (not numbers that said STOP)
    messages.py    the text of a delivery, in plain words, in the follower's language
    transport.py   sending: "console" (the log) or "twilio" (Twilio's REST API, or any provider speaking it)
    optouts.py     the numbers that said STOP (written by the text channel, sms/)

notify.apps registers it with the other channels.
"""
