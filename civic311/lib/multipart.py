"""A look at the start of a multipart/form-data body, before it is read whole: is a given text field
there, ahead of the files? (So a request can be refused for that field before its photos arrive.)"""

import re

_DISPOSITION = re.compile(rb"^content-disposition:(.*)$", re.IGNORECASE | re.MULTILINE)
_NAME = re.compile(rb';\s*name="([^"]*)"')
_FILENAME = re.compile(rb";\s*filename\*?=")


def boundary_of(content_type: str) -> bytes | None:
    """The boundary of a multipart/form-data Content-Type, or None."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary" and value:
            value = value.strip().strip('"')
            return value.encode("latin-1") if 0 < len(value) <= 70 else None
    return None


def field_before_files(head: bytes, boundary: bytes, name: str) -> tuple[bool, str | None]:
    """(decided, value) from the start of a body: (True, value) when the text field `name` comes before
    any file; (True, None) when a file part, or the end of the body, comes first; (False, None) when
    `head` ends before either is seen (read more)."""
    delimiter = b"--" + boundary
    pieces = head.split(delimiter)
    # pieces[0] is the preamble; each complete part is followed by another delimiter.
    for part in pieces[1:-1]:
        if part.startswith(b"--"):
            return True, None
        headers, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            return True, None  # malformed: let the form parser say so
        disposition = _DISPOSITION.search(headers.strip())
        line = disposition.group(1) if disposition else b""
        if _FILENAME.search(line):
            return True, None
        found = _NAME.search(line)
        if found and found.group(1).decode("latin-1") == name:
            return True, content.removesuffix(b"\r\n").decode("utf-8", "replace")
    last = pieces[-1] if len(pieces) > 1 else b""
    if last.startswith(b"--"):
        return True, None
    # A file part whose content has not all arrived still tells: the files come first.
    if len(pieces) > 1 and b"\r\n\r\n" in last:
        disposition = _DISPOSITION.search(last.partition(b"\r\n\r\n")[0].strip())
        if disposition and _FILENAME.search(disposition.group(1)):
            return True, None
    return False, None
