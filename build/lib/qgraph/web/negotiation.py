"""``Accept`` header negotiation (RFC 9110 §12.5.1): media ranges with q-values.

>>> choose("text/csv;q=0.5, application/sparql-results+json", ["application/sparql-results+json", "text/csv"])
'application/sparql-results+json'
>>> choose("text/*", ["application/sparql-results+json", "text/csv"])
'text/csv'
>>> choose("image/png", ["text/turtle"]) is None
True
>>> choose("", ["text/turtle", "text/html"])
'text/turtle'
"""

from __future__ import annotations


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """``(media range, q, position)`` for each entry of ``header`` (``*/*`` when empty)."""
    out = []
    for i, part in enumerate((header or "*/*").split(",")):
        bits = [b.strip() for b in part.split(";")]
        rng = bits[0].lower()
        if not rng:
            continue
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((rng, q, i))
    return out or [("*/*", 1.0, 0)]


def _specificity(rng: str, offered: str) -> int | None:
    if rng == offered:
        return 3
    kind, _, sub = rng.partition("/")
    okind = offered.partition("/")[0]
    if sub == "*" and kind == okind:
        return 2
    if rng == "*/*":
        return 1
    return None


def quality(header: str | None, offered: str) -> float:
    """The q-value ``header`` gives ``offered`` (the most specific matching range wins)."""
    best: tuple[int, float] | None = None
    for rng, q, _ in parse_accept(header):
        s = _specificity(rng, offered)
        if s is not None and (best is None or s > best[0]):
            best = (s, q)
    return best[1] if best else 0.0


def choose(header: str | None, offered: list[str]) -> str | None:
    """The offered type the client likes best (ties go to the server's order); None: 406."""
    scored = [(quality(header, o), -i, o) for i, o in enumerate(offered)]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return None
    return max(scored)[2]
