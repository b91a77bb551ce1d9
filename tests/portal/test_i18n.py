"""The resident app in English, Spanish and Polish: the language switcher, pages in each language, and
catalogs that translate every string of civic311/portal and of the other files residents read
(RESIDENT_FILES: labels, refusals, the notify pages), none missing, none fuzzy, none out of date.

The pages need the compiled catalogs (`make messages`, which `make test` runs first)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
PORTAL = Path(settings.BASE_DIR) / "portal"
TRANSLATED = ["es", "pl"]
# A phrase of the shared layout (the nav) in each language, and the offline page's heading.
REPORT_A_PROBLEM = {"en": "Report a problem", "es": "Informar de un problema", "pl": "Zgłoś problem"}
YOU_ARE_OFFLINE = {"en": "You are offline", "es": "No tiene conexión", "pl": "Jesteś offline"}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    for language in TRANSLATED:
        po = LOCALE / language / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pytest.fail(f"{mo} is missing or older than its .po: run `make messages`")


# --- the switcher ------------------------------------------------------------------------------------


def test_every_page_offers_the_three_languages_in_a_labelled_form(client, city):
    page = client.get(reverse("portal:offline")).content.decode()
    form = re.search(r'<form class="language" action="/i18n/setlang/" method="post">.*?</form>', page, re.S)
    assert form, "the language switcher"
    assert '<label for="language-select">Language</label>' in form.group(0)
    assert re.findall(r'<option value="(\w+)" lang="\1"', form.group(0)) == ["en", "es", "pl"]
    assert 'name="next" value="/offline/"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form.group(0)


def test_the_switcher_sets_the_language_and_returns_to_the_page(client, city):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/offline/"})
    assert response.status_code == 302 and response["Location"] == "/offline/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/offline/").content.decode()
    assert '<html lang="es">' in page
    assert "<h1>No tiene conexión</h1>" in page


def test_the_language_stays_for_the_next_pages(client, city):
    client.post("/i18n/setlang/", {"language": "pl", "next": "/"})
    assert "Zgłoś problem" in client.get(reverse("portal:home")).content.decode()
    assert '<html lang="pl">' in client.get(reverse("portal:report_start")).content.decode()


def test_an_unknown_language_changes_nothing(client, city):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/offline/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="en">' in client.get("/offline/").content.decode()


def test_a_next_to_another_site_goes_home_instead(client, city):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "https://evil.example/phish"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_oversized_language_is_refused_quietly(client, city):
    response = client.post("/i18n/setlang/", {"language": "e" * 10_000, "next": "/offline/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- pages in each language ---------------------------------------------------------------------------


PAGES = [
    "portal:home",
    "portal:report_start",
    "portal:offline",
    "portal:track_lookup",
    "portal:around",
    "portal:mine",
]


@pytest.mark.parametrize("language", ["en", "es", "pl"])
@pytest.mark.parametrize("name", PAGES)
def test_the_page_speaks_the_chosen_language(client, city, name, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse(name)).content.decode()
    assert f'<html lang="{language}">' in page
    assert REPORT_A_PROBLEM[language] in page
    if language != "en":
        assert "Skip to content" not in page


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_browser_language_is_used_without_the_switcher(client, city, language):
    page = client.get("/offline/", headers={"accept-language": f"{language},en;q=0.5"}).content.decode()
    assert f"<h1>{YOU_ARE_OFFLINE[language]}</h1>" in page


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_offline_drafts_messages_are_translated_for_the_script(client, city, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/offline/").content.decode()
    status = re.search(r'<div id="draft-status".*?></div>', page, re.S).group(0)
    assert "Saved on this device" not in status
    assert "{number}" in status and "{count}" in status  # placeholders the script fills in


# --- the catalogs -------------------------------------------------------------------------------------


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """A quoted .po string: its escapes (\\n, \\t, \\", \\\\) undone."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def entries(po: Path) -> list[dict]:
    """Entries of a .po file: flags, msgid (+ plural), msgstr(s); the header left out."""
    found, current, field = [], None, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current and current.get("msgid"):
                found.append(current)
            current, field = None, None
            continue
        current = current or {"flags": "", "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] += line[2:]
        elif line.startswith("#"):
            continue
        elif m := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d)\])?) (".*")$', line):
            if m.group(1).startswith("msgstr"):
                field = ("msgstr", m.group(2) or "")
                current["msgstr"][field[1]] = _unquote(m.group(3))
            else:
                field = (m.group(1), None)
                current[m.group(1)] = _unquote(m.group(3))
        elif line.startswith('"'):
            if field[0] == "msgstr":
                current["msgstr"][field[1]] += _unquote(line)
            else:
                current[field[0]] += _unquote(line)
    return found


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|\{\w+\}|__count__", text))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    found = entries(po)
    assert len(found) > 100
    assert [e["msgid"] for e in found if "fuzzy" in e["flags"]] == []
    assert [e["msgid"] for e in found if not all(e["msgstr"].values())] == []
    for entry in found:
        wanted = placeholders(entry["msgid"])
        for text in entry["msgstr"].values():
            # A plural's singular may spell out its number ("1 problem"); the plural keeps every one.
            allowed = wanted | placeholders(entry.get("msgid_plural", ""))
            assert placeholders(text) <= allowed, (entry["msgid"], text)
            if "msgid_plural" not in entry:
                assert placeholders(text) == wanted, (entry["msgid"], text)
    if shutil.which("msgfmt"):
        check = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr


# What residents read outside civic311/portal: labels (statuses, channels, follower reasons, datatypes),
# the domain's refusals they can trigger, and the notify pages (emails have their own templates per language).
# Staff-only apps (console, accounts, routing, admin) and the GeoReport API stay English.
RESIDENT_FILES = [
    "servicerequests/choices.py",
    "servicerequests/models.py",
    "servicerequests/intake.py",
    "servicerequests/actions/*.py",
    "servicerequests/photos.py",
    "catalog/choices.py",
    "accounts/throttle.py",
    "geo/addresses.py",
    "geo/districts.py",
    "geo/geocoder.py",
    "notify/views.py",
    "notify/alerts.py",
    "notify/email/tokens.py",
    "notify/templates/notify/*.html",
    "server/templates/server/*.html",
    "analytics/figures.py",
    "analytics/selection.py",
    "analytics/templatetags/figures.py",
    "analytics/templates/analytics/*.html",
    "opendata/templates/opendata/*.html",
]


def test_the_catalogs_hold_every_string_residents_read(tmp_path, settings, monkeypatch):
    """makemessages over today's civic311/portal and the other files residents read (RESIDENT_FILES)
    finds no string the catalogs lack: a new string in a template or view needs its translations before
    it is committed."""
    if not shutil.which("xgettext"):
        pytest.skip("xgettext is missing: run `make system-packages` (gettext)")
    copy = tmp_path / "civic311"
    shutil.copytree(
        PORTAL, copy / "portal", ignore=shutil.ignore_patterns("static", "__pycache__", "migrations")
    )
    base = Path(settings.BASE_DIR)
    for pattern in RESIDENT_FILES:
        files = sorted(base.glob(pattern))
        assert files, f"{pattern} matches no file"
        for source in files:
            target = copy / source.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = []  # makemessages writes into ./locale of the copy, not into the repository
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["es"], verbosity=0)
    current = {
        (e.get("msgctxt"), e["msgid"]) for e in entries(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    }
    assert len(current) > 200, "makemessages found the portal's strings and the others residents read"
    assert (None, "In progress") in current and (None, "How did we do?") in current
    for language in TRANSLATED:
        catalog = {
            (e.get("msgctxt"), e["msgid"]) for e in entries(LOCALE / language / "LC_MESSAGES" / "django.po")
        }
        missing = sorted(msgid for _, msgid in current - catalog)
        assert missing == [], f"not in the {language} catalog (run makemessages and translate): {missing}"
