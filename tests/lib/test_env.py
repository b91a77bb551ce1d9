"""Settings read from the environment: typed, with defaults, and loud about values that make no sense."""

import pytest

from civic311.lib.env import envbool, envfloat, envint, envlist, envstr


def test_it_reads_a_string_or_gives_the_default(monkeypatch):
    monkeypatch.setenv("CIVIC311_TEST_VALUE", "hello")
    assert envstr("CIVIC311_TEST_VALUE") == "hello"
    monkeypatch.delenv("CIVIC311_TEST_VALUE")
    assert envstr("CIVIC311_TEST_VALUE", "fallback") == "fallback"


@pytest.mark.parametrize("raw", ["1", "true", "Yes", " ON "])
def test_it_reads_the_words_for_yes(monkeypatch, raw):
    monkeypatch.setenv("CIVIC311_TEST_FLAG", raw)
    assert envbool("CIVIC311_TEST_FLAG") is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_it_reads_the_words_for_no(monkeypatch, raw):
    monkeypatch.setenv("CIVIC311_TEST_FLAG", raw)
    assert envbool("CIVIC311_TEST_FLAG", default=True) is False


def test_it_gives_the_default_flag_when_unset(monkeypatch):
    monkeypatch.delenv("CIVIC311_TEST_FLAG", raising=False)
    assert envbool("CIVIC311_TEST_FLAG", default=True) is True


def test_it_refuses_a_flag_that_is_neither_yes_nor_no(monkeypatch):
    monkeypatch.setenv("CIVIC311_TEST_FLAG", "maybe")
    with pytest.raises(ValueError, match="CIVIC311_TEST_FLAG='maybe' is not a yes/no value"):
        envbool("CIVIC311_TEST_FLAG")


def test_it_reads_a_whole_number_and_takes_blank_as_the_default(monkeypatch):
    monkeypatch.setenv("CIVIC311_TEST_NUMBER", "42")
    assert envint("CIVIC311_TEST_NUMBER", 7) == 42
    monkeypatch.setenv("CIVIC311_TEST_NUMBER", "  ")
    assert envint("CIVIC311_TEST_NUMBER", 7) == 7


def test_it_refuses_a_number_that_is_not_whole(monkeypatch):
    monkeypatch.setenv("CIVIC311_TEST_NUMBER", "1.5")
    with pytest.raises(ValueError, match="is not a whole number"):
        envint("CIVIC311_TEST_NUMBER", 7)


def test_it_reads_a_number_with_decimals_or_gives_the_default(monkeypatch):
    monkeypatch.setenv("CIVIC311_TEST_NUMBER", "2.5")
    assert envfloat("CIVIC311_TEST_NUMBER", 5.0) == 2.5
    monkeypatch.setenv("CIVIC311_TEST_NUMBER", "")
    assert envfloat("CIVIC311_TEST_NUMBER", 5.0) == 5.0
    monkeypatch.setenv("CIVIC311_TEST_NUMBER", "soon")
    with pytest.raises(ValueError, match="is not a number"):
        envfloat("CIVIC311_TEST_NUMBER", 5.0)


def test_it_reads_a_comma_separated_list_without_blanks(monkeypatch):
    monkeypatch.setenv("CIVIC311_TEST_LIST", " example.org, ,www.example.org ,")
    assert envlist("CIVIC311_TEST_LIST") == ["example.org", "www.example.org"]
    monkeypatch.delenv("CIVIC311_TEST_LIST")
    assert envlist("CIVIC311_TEST_LIST", "a,b") == ["a", "b"]
