"""Selectors for passages of a source text: what ``qgraph quote`` prints, and what ``qgraph new``
and ``qgraph propose`` write.

Every answer comes from the build's own matcher (:func:`qgraph.checks.quotes.find_quote`), so a
selector made here is one the build accepts, with the same tolerance (page-break whitespace)
and nothing more.

>>> text = "a cat. a cat! a dog."
>>> r = explain(text, "a cat")
>>> r.status, [(o.line, o.prefix, o.suffix) for o in r.occurrences]
('ambiguous', [(1, None, '.'), (1, '.', None)])
>>> r = explain("It\u2019s here.", "It's here")
>>> r.status, r.difference
('missing', "character 3 of the quote: \u2019 (U+2019 RIGHT SINGLE QUOTATION MARK) in the text, ' (U+0027 APOSTROPHE) in the quote")
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from qgraph.checks.quotes import find_quote, normalise

__all__ = ["Occurrence", "Explanation", "explain", "selector", "selector_turtle", "line_of"]

_MAX_CONTEXT = 200


@dataclass(frozen=True)
class Occurrence:
    """One place a passage is found: its span, line, and the context that picks it alone."""

    start: int
    end: int
    line: int
    prefix: str | None = None
    suffix: str | None = None
    #: False where the passage is found more than once and no prefix or suffix of at most
    #: :data:`_MAX_CONTEXT` characters picks this place: no selector of it can work
    picked: bool = True


@dataclass
class Explanation:
    """What ``qgraph quote`` found: ``found`` (once), ``ambiguous`` (several) or ``missing``."""

    status: str
    exact: str
    occurrences: list[Occurrence] = field(default_factory=list)
    nearest: str | None = None  # for a missing passage: the text that comes closest
    nearest_line: int | None = None
    difference: str | None = None  # the first differing character, named


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def selector(text: str, exact: str) -> Occurrence | None:
    """The one place ``exact`` is found, with the shortest prefix or suffix needed to pick it
    when it is found more than once (the first occurrence then); ``None`` when not found."""
    spans = find_quote(text, exact)
    if not spans:
        return None
    return _occurrence(text, exact, spans, 0)


def explain(text: str, passage: str) -> Explanation:
    """Where ``passage`` is in ``text`` and what selector picks it; or why it is not there."""
    exact = normalise(passage)
    if not exact:
        raise ValueError("the passage is empty")
    spans = find_quote(text, exact)
    if len(spans) == 1:
        return Explanation("found", exact, [Occurrence(spans[0][0], spans[0][1], line_of(text, spans[0][0]))])
    if spans:
        return Explanation("ambiguous", exact, [_occurrence(text, exact, spans, i) for i in range(len(spans))])
    nearest, start, diff = _nearest(text, exact)
    return Explanation("missing", exact, [], nearest, line_of(text, start) if nearest else None, diff)


def _occurrence(text: str, exact: str, spans: list[tuple[int, int]], i: int) -> Occurrence:
    s, e = spans[i]
    line = line_of(text, s)
    if len(spans) == 1:
        return Occurrence(s, e, line)
    best: tuple[int, str | None, str | None] | None = None
    for k in _word_bounds_before(text, s):
        cand = text[k:s]
        if cand.strip() and find_quote(text, exact, prefix=cand) == [(s, e)]:
            best = (len(normalise(cand)), normalise(cand), None)
            break
    for k in _word_bounds_after(text, e):
        cand = text[e:k]
        if cand.strip() and find_quote(text, exact, suffix=cand) == [(s, e)]:
            if best is None or len(normalise(cand)) < best[0]:
                best = (len(normalise(cand)), None, normalise(cand))
            break
    if best is None:
        return Occurrence(s, e, line, picked=False)
    return Occurrence(s, e, line, best[1], best[2])


def _word_bounds_before(text: str, s: int) -> list[int]:
    """Starts of ever longer contexts before ``s``: each character up to the first word, then
    word by word (so a context is ``"."`` or ``"the"``, never half a word), within the limit."""
    out = []
    k = s
    while k > 0 and text[k - 1].isspace():
        k -= 1
    while k > 0 and s - k < _MAX_CONTEXT:
        k -= 1
        if not text[k].isalnum() or k == 0 or not text[k - 1].isalnum():
            out.append(k)
    return out


def _word_bounds_after(text: str, e: int) -> list[int]:
    out = []
    k = e
    while k < len(text) and text[k].isspace():
        k += 1
    while k < len(text) and k - e < _MAX_CONTEXT:
        k += 1
        if not text[k - 1].isalnum() or k == len(text) or not text[k].isalnum():
            out.append(k)
    return out


def _nearest(text: str, exact: str) -> tuple[str | None, int, str | None]:
    """The passage of ``text`` closest to ``exact`` and the first character where they differ.

    The longest start of the quote that the build's matcher finds anchors it (its occurrence
    whose continuation is most like the rest of the quote, by difflib's ratio); when not even the
    first few characters are found, difflib's longest common block anchors it instead."""
    lo, hi = 0, len(exact)
    while lo < hi:  # the longest found prefix (found-ness of a prefix is monotone)
        mid = (lo + hi + 1) // 2
        if exact[:mid].strip() and find_quote(text, exact[:mid]):
            lo = mid
        else:
            hi = mid - 1
    k = lo
    if len(exact[:k].strip()) >= 3:
        rest = exact[k:]
        spans = find_quote(text, exact[:k])
        s, e = max(spans, key=lambda sp: (difflib.SequenceMatcher(None, text[sp[1]:sp[1] + len(rest)], rest,
                                                                  autojunk=False).ratio(), -sp[0]))
        got = text[e:e + 1]
        if got.isspace() and not exact[k:k + 1].isspace():
            j = e
            while j < len(text) and text[j].isspace():
                j += 1
            got = text[j:j + 1]
        near = normalise(text[s:e + len(rest) + 20])[: len(exact) + 20]
        return near, s, _difference(k, got, exact[k:k + 1])
    m = difflib.SequenceMatcher(None, text, exact, autojunk=False).find_longest_match(0, len(text), 0, len(exact))
    if m.size < 3:
        return None, 0, None
    start = max(0, m.a - m.b)
    near = normalise(text[start:start + len(exact) + 20])[: len(exact) + 20]
    for i, (a, b) in enumerate(zip(near, exact, strict=False)):
        if a != b:
            return near, start, _difference(i, a, b)
    return near, start, None


def _difference(i: int, in_text: str, in_quote: str) -> str:
    def name(c: str) -> str:
        if not c:
            return "the end"
        if unicodedata.category(c) == "Cc":  # a control character: not written raw, named as one
            return f"U+{ord(c):04X} (a control character)"
        return f"{c} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')})"

    return f"character {i + 1} of the quote: {name(in_text)} in the text, {name(in_quote)} in the quote"


def selector_turtle(exact: str, prefix: str | None = None, suffix: str | None = None, indent: str = "    ") -> str:
    """The ``oa:hasSelector [ … ]`` block for a data file (literals escaped as Turtle needs)."""
    lines = [f"{indent}oa:hasSelector [", f"{indent}    a oa:TextQuoteSelector ;",
             f"{indent}    oa:exact {turtle_string(exact)} ;"]
    if prefix:
        lines.append(f"{indent}    oa:prefix {turtle_string(prefix)} ;")
    if suffix:
        lines.append(f"{indent}    oa:suffix {turtle_string(suffix)} ;")
    lines.append(f"{indent}] ;")
    return "\n".join(lines)


#: control characters rdflib writes raw into a Turtle string (an escape sequence from a source
#: text reached the terminal through `qgraph quote`): written as ``\\uXXXX``, the same value
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def turtle_string(value: str, lang: str | None = None) -> str:
    """A Turtle string literal (rdflib's escaping, control characters as ``\\uXXXX``), with an
    optional language tag.

    >>> turtle_string("a\\x1b[31mb")
    '"a\\\\u001B[31mb"'
    """
    from rdflib import Literal

    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04X}", Literal(value, lang=lang).n3())
