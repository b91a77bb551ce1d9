"""Read settings from the environment, with typed defaults (after healthchecks' envbool/envint)."""

import os

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{name}={raw!r} is not a yes/no value (use one of {sorted(TRUE_WORDS | FALSE_WORDS)})")


def _number[N: (int, float)](name: str, default: N, kind: type[N], what: str) -> N:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not {what}") from None


def envint(name: str, default: int) -> int:
    return _number(name, default, int, "a whole number")


def envfloat(name: str, default: float) -> float:
    return _number(name, default, float, "a number")


def envlist(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]
