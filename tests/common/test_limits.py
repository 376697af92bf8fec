"""The one table of limits: text and number checks every edge uses."""

from __future__ import annotations

from common.limits import TEXT_MAX, has_control_characters, parse_ascii_int, text_problem


def test_text_with_a_nul_or_control_character_is_refused():
    assert text_problem("caf\x00e") is not None
    assert text_problem("tab\there") is not None
    assert text_problem("Café crème 250 g") is None


def test_notes_may_hold_line_breaks_but_names_may_not():
    assert text_problem("line one\nline two", multiline=True, max_length=1000) is None
    assert text_problem("line one\nline two") is not None


def test_text_length_bounds():
    assert text_problem("") is not None
    assert text_problem("x" * TEXT_MAX) is None
    assert text_problem("x" * (TEXT_MAX + 1)) is not None


def test_only_ascii_digits_are_numbers():
    assert parse_ascii_int("42") == 42
    assert parse_ascii_int("²") is None
    assert parse_ascii_int("٣") is None
    assert parse_ascii_int("1528136557709570048", maximum=100_000) is None
    assert parse_ascii_int("-5", minimum=-10) == -5
    assert parse_ascii_int("-5") is None


def test_control_characters_in_query_strings_are_seen():
    assert has_control_characters("abc\x00")
    assert not has_control_characters("érable")
