"""TwiML answers: <Response> with <Message>, <Say>, <Gather>, <Dial>, built as XML (never by pasting
strings, so a resident's text cannot break the document)."""

from xml.etree import ElementTree as ET

from django.http import HttpResponse

# Twilio's <Say> voices take a language tag; ours are en/es/pl.
SAY_LANGUAGES = {"en": "en-US", "es": "es-US", "pl": "pl-PL"}


def _xml(response: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(response, encoding="unicode")


def message(text: str | None) -> str:
    """A reply text (None: answer nothing)."""
    response = ET.Element("Response")
    if text:
        ET.SubElement(response, "Message").text = text
    return _xml(response)


class Voice:
    """A voice answer built verb by verb."""

    def __init__(self, language: str = "en"):
        self.response = ET.Element("Response")
        self.language = SAY_LANGUAGES.get(language, "en-US")

    def say(self, text: str, parent: ET.Element | None = None) -> "Voice":
        ET.SubElement(
            parent if parent is not None else self.response, "Say", language=self.language
        ).text = text
        return self

    def gather(self, action: str, prompt: str, num_digits: int | None = None, timeout: int = 8) -> "Voice":
        attrs = {"input": "dtmf", "action": action, "method": "POST", "timeout": str(timeout)}
        attrs["finishOnKey"] = "#"
        if num_digits:
            attrs["numDigits"] = str(num_digits)
        gather = ET.SubElement(self.response, "Gather", attrs)
        self.say(prompt, gather)
        return self

    def redirect(self, url: str) -> "Voice":
        ET.SubElement(self.response, "Redirect", method="POST").text = url
        return self

    def dial(self, number: str) -> "Voice":
        ET.SubElement(self.response, "Dial").text = number
        return self

    def hangup(self) -> "Voice":
        ET.SubElement(self.response, "Hangup")
        return self

    def xml(self) -> str:
        return _xml(self.response)


def response(xml: str, status: int = 200) -> HttpResponse:
    return HttpResponse(xml, content_type="text/xml; charset=utf-8", status=status)
