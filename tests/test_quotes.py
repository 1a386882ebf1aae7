"""The text-quote matcher: strict, except for extraction's page breaks."""

from pathlib import Path

import pytest

from qgraph.checks.quotes import describe_matches, find_quote

SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources"


def test_whitespace_runs_match_each_other():
    assert find_quote("a  b\n\tc", "a b c") == [(0, 7)]


def test_page_break_inside_a_word_may_vanish():
    assert find_quote("real-\n\nworld", "real-world") == [(0, 12)]


def test_space_without_line_break_must_be_in_the_quote():
    # only a break that contains a newline is tolerated as missing
    assert find_quote("real- world", "real-world") == []


@pytest.mark.parametrize(
    "quote",
    ["Real-world", "real world", "real-world.", "realworld!"],
)
def test_strict_otherwise(quote):
    assert find_quote("real-\n\nworld", quote) == []


def test_prefix_and_suffix_pick_one_of_several():
    text = "one fish, two fish, red fish"
    assert len(find_quote(text, "fish")) == 3
    assert find_quote(text, "fish", prefix="two") == [(14, 18)]
    assert find_quote(text, "fish", suffix=", red") == [(14, 18)]
    assert find_quote(text, "fish", prefix="red") == [(24, 28)]


def test_regex_characters_are_literal():
    assert find_quote("cost (£2 billion) + more", "(£2 billion) +") == [(5, 19)]
    assert find_quote("a.b", "a*b") == []


def test_empty_quote_is_an_error():
    with pytest.raises(ValueError):
        find_quote("abc", "   ")


def test_messages():
    assert describe_matches("x y", "x y") == ""
    assert "not found" in describe_matches("x y", "z")
    assert "2 times" in describe_matches("x x", "x")
    assert "prefix" in describe_matches("ab ab", "ab", prefix="zz")


def test_real_sources_page_breaks():
    """The two page breaks the sources README names are found across the break."""
    qdg = (SOURCES / "qdg-2026-london-summit.txt").read_text(encoding="utf-8")
    assert len(find_quote(qdg, "It will mean working hand-in-hand with our trusted partners")) == 1
    assert len(find_quote(qdg, "translate into real-world innovation, investment")) == 1
    # the priority areas are stated twice (news story and communique)
    assert len(find_quote(qdg, "Fostering a more supportive investment environment")) == 2


# --- the matcher against a reference ------------------------------------------------------
# The regular-expression matcher qgraph used first: slow to compile per quote (milliseconds),
# which dominated validation of large graphs, but a direct statement of the rule. The fast
# matcher must find exactly the same spans.
import random  # noqa: E402
import re  # noqa: E402

_REF_BREAK = r"(?:[ \t\f\v]*[\r\n]\s*)?"


def _ref_pattern(quote: str) -> str:
    parts, prev_visible = [], False
    for token in re.split(r"(\s+)", quote.strip()):
        if not token:
            continue
        if token.isspace():
            parts.append(r"\s+")
            prev_visible = False
            continue
        for ch in token:
            if prev_visible:
                parts.append(_REF_BREAK)
            parts.append(re.escape(ch))
            prev_visible = True
    return "".join(parts)


def _ref_find(text: str, exact: str) -> list[tuple[int, int]]:
    body, spans, pos = re.compile(_ref_pattern(exact)), [], 0
    while (m := body.search(text, pos)) is not None:
        spans.append(m.span())
        pos = m.start() + 1
    return spans


def _mutations(rng: random.Random, text: str, n: int):
    """Quotes cut from the text, with whitespace runs changed, removed or added at random."""
    for _ in range(n):
        a = rng.randrange(0, len(text) - 2)
        piece = text[a : a + rng.randrange(1, 80)]
        out = []
        for ch in piece:
            r = rng.random()
            if ch.isspace():
                out.append(rng.choice([" ", "", "\n", "  ", ch]) if r < 0.5 else ch)
            else:
                out.append(ch + (" " if r < 0.05 else ""))
        q = "".join(out)
        if q.strip():
            yield q


@pytest.mark.parametrize("name", ["qdg-2026-london-summit.txt", "uk-denmark-quantum-mou.txt"])
def test_fast_matcher_equals_reference(name):
    text = (SOURCES / name).read_text(encoding="utf-8")
    rng = random.Random(20261121)
    checked = found = 0
    for q in _mutations(rng, text, 400):
        assert find_quote(text, q) == _ref_find(text, q), repr(q)
        checked += 1
        found += bool(_ref_find(text, q))
    assert checked > 300 and found > 50  # the mutations both hit and miss


@pytest.mark.parametrize("text, quote", [("aa", "a a"), ("5 5b", "5 5 b"), ("x a a y", "a a"), ("a aa", "a a a")])
def test_a_first_word_of_one_character_repeated_keeps_its_space(text, quote):
    """A quote's space after a first word of one character that the next word repeats is a
    space like any other: "a a" is not found in "aa" (it was: a one-character string is one
    object in CPython, and the gaps were told apart by identity)."""
    assert find_quote(text, quote) == _ref_find(text, quote)
    assert find_quote("aa", "a a") == []
    assert find_quote("a a", "a a") == [(0, 3)]


def test_fast_matcher_equals_reference_on_short_words():
    """Texts and quotes of one- and two-character words, spaces and page breaks: where a
    position is read wrong, the matchers part."""
    rng = random.Random(20261202)
    checked = found = 0
    for _ in range(3000):
        text = "".join(rng.choice("ab c\n\n-\t \r\n.") for _ in range(rng.randrange(1, 40)))
        if not text.strip():
            continue
        a = rng.randrange(len(text))
        quote = text[a:rng.randrange(a, len(text) + 1)]
        if rng.random() < 0.5:
            quote = " ".join(quote.split())
        if not quote.strip():
            continue
        assert find_quote(text, quote) == _ref_find(text, quote), (text, quote)
        checked += 1
        found += bool(_ref_find(text, quote))
    assert checked > 1500 and found > 1000


def test_a_quote_found_more_than_five_times_says_the_list_goes_on():
    """Six places, five listed: the message said "6 times (at characters 0, 2, 4, 6, 8)" as if
    that were all of them."""
    msg = describe_matches("a a a a a a", "a")
    assert "6 times" in msg and "(at characters 0, 2, 4, 6, 8, …)" in msg
    assert "(at characters 0, 2)" in describe_matches("a a", "a")
