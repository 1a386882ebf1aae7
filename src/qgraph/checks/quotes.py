"""Find a W3C Web Annotation text-quote selector in a source text.

Pure text, no RDF: the evidence checker calls this for every ``oa:TextQuoteSelector``.

Matching is strict, with one tolerance for what text extraction did to the sources: page breaks
survive as blank lines inside sentences. So

- a run of whitespace in the quote matches any run of whitespace in the text, and
- a run of whitespace in the text that contains a line break may also match nothing
  (``"real-world"`` is found in ``"real-\\n\\nworld"``).

Everything else (letters, case, punctuation, hyphens, quote marks) must match exactly.

>>> text = "It will mean\\n\\nworking hand-in-hand with real-\\n\\nworld partners."
>>> find_quote(text, "It will mean working hand-in-hand")
[(0, 34)]
>>> find_quote(text, "real-world partners")
[(40, 61)]
>>> find_quote(text, "Working hand-in-hand")
[]

``prefix`` and ``suffix`` narrow the matches to those preceded / followed by that text (with the
same tolerance), which is how a selector picks one of several equal passages:

>>> find_quote("a cat. a cat!", "a cat")
[(0, 5), (7, 12)]
>>> find_quote("a cat. a cat!", "a cat", suffix="!")
[(7, 12)]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

__all__ = ["find_quote", "describe_matches", "normalise"]

# A run of whitespace in the text that is a page break: it contains a line break, and before the
# first line break only spaces, tabs, form feeds or vertical tabs.
_PAGE_BREAK = re.compile(r"[ \t\f\v]*[\r\n]\s*")
_VISIBLE = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")


def normalise(s: str) -> str:
    """Fold every whitespace run to one space and strip the ends (for messages and comparison).

    >>> normalise("  a\\n\\n b\\t")
    'a b'
    """
    return " ".join(s.split())


class _Index:
    """A text without its whitespace, and where each remaining character stood (:meth:`at`)."""

    __slots__ = ("stripped", "starts", "before")

    def __init__(self, text: str) -> None:
        # \s and str.isspace() agree (both are Py_UNICODE_ISSPACE). Where each run of visible
        # characters starts, and how many visible characters come before it: a position per run,
        # not per character (4 MB of source texts, each indexed once: 0.65 -> 0.34 s; all of
        # the 1M corpus's quotes checked, ~0.6 s either way, within the scatter)
        spans = [m.span() for m in _VISIBLE.finditer(text)]
        self.starts = [a for a, _ in spans]
        self.before = list(accumulate([b - a for a, b in spans], initial=0))
        self.stripped = _SPACE.sub("", text)

    def at(self, i: int) -> int:
        """Where the ``i``-th character of :attr:`stripped` stands in the text."""
        run = bisect_right(self.before, i) - 1
        return self.starts[run] + i - self.before[run]


@lru_cache(maxsize=64)
def _index(text: str) -> _Index:
    return _Index(text)


@lru_cache(maxsize=8192)
def _shape(quote: str) -> tuple[str, tuple[bool, ...]]:
    """The quote's visible characters, and for each pair of neighbours whether whitespace
    stands between them in the quote."""
    words = quote.split()
    gaps: list[bool] = []
    for n, w in enumerate(words):
        # by place, not by identity: a one-character word is one object wherever it stands
        # ("a a" read as "aa": no gap after a first word of one character repeated next)
        if n:
            gaps.append(True)
        gaps.extend([False] * (len(w) - 1))
    return "".join(words), tuple(gaps)


def _spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Every place the quote matches. The visible characters must match one to one (so a
    match is an occurrence of them in the text without whitespace); between two of them, a
    space in the quote needs whitespace in the text, and no space in the quote allows only a
    page break in the text (or nothing)."""
    visible, gaps = _shape(quote)
    if not visible:
        raise ValueError("an empty quote matches nothing useful")
    idx = _index(text)
    at, out = idx.at, []
    plain = quote.strip()
    i = idx.stripped.find(visible)
    while i != -1:
        start = at(i)
        if text.startswith(plain, start):  # the text as written: spaces where the quote has them
            out.append((start, start + len(plain)))
            i = idx.stripped.find(visible, i + 1)
            continue
        here = start
        for k, spaced in enumerate(gaps):
            a, b = here + 1, at(i + k + 1)
            if spaced:
                if a == b:
                    break
            elif a != b and not _PAGE_BREAK.fullmatch(text, a, b):
                break
            here = b
        else:
            out.append((start, here + 1))
        i = idx.stripped.find(visible, i + 1)
    return out


def find_quote(
    text: str, exact: str, prefix: str | None = None, suffix: str | None = None
) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` spans of ``text`` where the selector matches.

    A selector is good when the list has exactly one span. ``exact`` must have visible
    characters; surrounding whitespace in it is ignored.
    """
    spans = _spans(text, exact)
    if prefix and prefix.strip():
        ends = {e for _, e in _spans(text, prefix)}
        spans = [(s, e) for s, e in spans if _before(text, s) in ends]
    if suffix and suffix.strip():
        starts = {s for s, _ in _spans(text, suffix)}
        spans = [(s, e) for s, e in spans if _after(text, e) in starts]
    return spans


def _before(text: str, start: int) -> int:
    """Where a prefix must end: ``start``, moved back over whitespace."""
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return start


def _after(text: str, end: int) -> int:
    """Where a suffix must start: ``end``, moved on over whitespace."""
    while end < len(text) and text[end].isspace():
        end += 1
    return end


def describe_matches(text: str, exact: str, prefix: str | None = None, suffix: str | None = None) -> str:
    """One line saying why a selector is not good, or ``""`` when it picks exactly one place.

    >>> describe_matches("a cat. a cat!", "a dog")
    'quote not found in the source text'
    >>> describe_matches("a cat. a cat!", "a cat")
    'quote found 2 times in the source text (at characters 0, 7): add oa:prefix or oa:suffix'
    >>> describe_matches("a cat. a cat!", "a cat", prefix="cat. ")
    ''
    """
    spans = find_quote(text, exact, prefix, suffix)
    if len(spans) == 1:
        return ""
    if not spans:
        if (prefix or suffix) and find_quote(text, exact):
            return "quote found, but not with the given oa:prefix/oa:suffix"
        return "quote not found in the source text"
    where = ", ".join(str(s) for s, _ in spans[:5]) + (", …" if len(spans) > 5 else "")  # the first five
    return f"quote found {len(spans)} times in the source text (at characters {where}): add oa:prefix or oa:suffix"
