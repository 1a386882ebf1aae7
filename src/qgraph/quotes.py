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
from functools import lru_cache

__all__ = ["find_quote", "describe_matches", "normalise"]

# Between two visible characters of the quote, the text may hold a page break: whitespace that
# contains at least one line break.
_PAGE_BREAK = r"(?:[ \t\f\v]*[\r\n]\s*)?"


def normalise(s: str) -> str:
    """Fold every whitespace run to one space and strip the ends (for messages and comparison).

    >>> normalise("  a\\n\\n b\\t")
    'a b'
    """
    return " ".join(s.split())


@lru_cache(maxsize=4096)
def _pattern(quote: str) -> str:
    """Regular expression (as text) for a quote, with the page-break tolerance."""
    parts: list[str] = []
    prev_visible = False
    for token in re.split(r"(\s+)", quote):
        if not token:
            continue
        if token.isspace():
            parts.append(r"\s+")
            prev_visible = False
            continue
        for ch in token:
            if prev_visible:
                parts.append(_PAGE_BREAK)
            parts.append(re.escape(ch))
            prev_visible = True
    return "".join(parts)


def find_quote(
    text: str, exact: str, prefix: str | None = None, suffix: str | None = None
) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` spans of ``text`` where the selector matches.

    A selector is good when the list has exactly one span. ``exact`` must have visible
    characters; surrounding whitespace in it is ignored.
    """
    exact = exact.strip()
    if not exact:
        raise ValueError("an empty quote matches nothing useful")
    body = re.compile(_pattern(exact))
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = body.search(text, pos)
        if m is None:
            break
        start, end = m.span()
        if _prefix_ok(text, start, prefix) and _suffix_ok(text, end, suffix):
            spans.append((start, end))
        pos = start + 1
    return spans


def _prefix_ok(text: str, start: int, prefix: str | None) -> bool:
    """The prefix must end right before the quote (whitespace between them is folded)."""
    if not prefix or not prefix.strip():
        return True
    window = text[max(0, start - 4 * len(prefix) - 64) : start]
    return re.search(_pattern(prefix.strip()) + r"\s*\Z", window) is not None


def _suffix_ok(text: str, end: int, suffix: str | None) -> bool:
    """The suffix must start right after the quote (whitespace between them is folded)."""
    if not suffix or not suffix.strip():
        return True
    window = text[end : end + 4 * len(suffix) + 64]
    return re.match(r"\s*" + _pattern(suffix.strip()), window) is not None


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
    where = ", ".join(str(s) for s, _ in spans[:5])
    return f"quote found {len(spans)} times in the source text (at characters {where}): add oa:prefix or oa:suffix"
