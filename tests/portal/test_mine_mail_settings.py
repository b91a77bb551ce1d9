"""Mail for sign-in links: EMAIL_URL in the environment becomes Django's default mailer (MAILERS)."""

import pytest

from civic311.settings import _mailer


def test_without_email_url_mail_goes_to_the_console():
    assert _mailer("") == {"BACKEND": "django.core.mail.backends.console.EmailBackend"}


def test_a_plain_smtp_url_gives_host_port_and_credentials():
    mailer = _mailer("smtp://mailer%40city.example:s3cr%2Ft@127.0.0.1:2525")
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] == {
        "host": "127.0.0.1",
        "port": 2525,
        "username": "mailer@city.example",
        "password": "s3cr/t",
        "use_tls": False,
        "use_ssl": False,
        "timeout": 10,
    }


def test_smtp_tls_starts_tls_and_smtps_speaks_tls_from_the_start():
    assert _mailer("smtp+tls://mail.example.org:587")["OPTIONS"]["use_tls"] is True
    smtps = _mailer("smtps://mail.example.org")["OPTIONS"]
    assert smtps["use_ssl"] is True and smtps["port"] == 465
    assert _mailer("smtp://mail.example.org")["OPTIONS"]["port"] == 25


def test_another_scheme_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="the scheme must be smtp, smtp\\+tls or smtps"):
        _mailer("http://mail.example.org")
