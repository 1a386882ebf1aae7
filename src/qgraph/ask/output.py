"""Query results as text: an aligned table, SPARQL 1.1 CSV / TSV, or SPARQL 1.1 JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from qgraph.corpus.store import Result

# C0 controls, DEL and C1 controls (ESC, BEL, CSI …): a terminal obeys them (retitles, clears,
# moves the cursor), so text from the data never reaches it raw
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable(text: str, keep: str = "") -> str:
    """``text`` with every terminal control character shown as an escape (``\\x1b``, ``\\n``),
    except those in ``keep`` (``"\\n"`` for text whose lines are its structure).

    >>> printable("Denmark\\x1b]0;pwned\\x07")
    'Denmark\\\\x1b]0;pwned\\\\x07'
    """
    def escape(m: re.Match) -> str:
        c = m.group()
        return c if c in keep else _NAMED.get(c, f"\\x{ord(c):02x}")

    return _CONTROLS.sub(escape, text)


def render(result: Result, fmt: str, prefixes: dict[str, str], width: int | None = None,
           terminal: bool = False) -> str:
    """``result`` as text in ``fmt``; a table fits ``width`` columns when given (the terminal's);
    ``terminal``: the text goes to a terminal, so CSV and TSV are written with their control
    characters escaped too (the table always is; JSON escapes its own). A CONSTRUCT/DESCRIBE
    result is printed as Turtle (``table``, ``turtle``) or N-Triples."""
    text = _render(result, fmt, prefixes, width)
    if terminal and fmt in ("csv", "tsv"):
        return printable(text, keep="\t\n\r")
    return text


def _render(result: Result, fmt: str, prefixes: dict[str, str], width: int | None = None) -> str:
    if result.kind == "graph" and fmt in ("table", "turtle", "ntriples"):
        return graph_text(result, "ntriples" if fmt == "ntriples" else "turtle", prefixes)
    if fmt in ("turtle", "ntriples"):
        from qgraph.errors import QgraphError

        raise QgraphError(f"--format {fmt} is for CONSTRUCT and DESCRIBE queries; this one is "
                          f"{'an ASK' if result.kind == 'ask' else 'a SELECT'} (table, csv, tsv or json)")
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "csv":
        from qgraph.ask.catalogue import to_csv

        return to_csv(result)
    if fmt == "tsv":
        from qgraph.ask.catalogue import to_csv

        return to_csv(result, sep="\t")
    if fmt == "json":
        # json escapes C0 controls itself; DEL and C1 (a terminal's CSI is U+009B) only in strings
        text = json.dumps(sparql_json(result), indent=2, ensure_ascii=False)
        return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
    return table(result, prefixes, width)


def graph_text(result: Result, fmt: str, prefixes: dict[str, str]) -> str:
    """CONSTRUCT/DESCRIBE triples as Turtle with the project's prefixes, or N-Triples (sorted)."""
    import pyoxigraph as ox

    from qgraph.corpus.terms import to_oxigraph

    triples = sorted({ox.Triple(*(to_oxigraph(t) for t in row)) for row in result.rows}, key=str)
    if fmt == "ntriples":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    used = {p: ns for p, ns in sorted(prefixes.items()) if p and any(
        str(t).startswith("<" + ns) for tr in triples for t in (tr.subject, tr.predicate, tr.object))}
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used).decode("utf-8")


MIN_COLUMN = 6  # a column is never cut narrower than this (or its header, if shorter)


def fit(widths: list[int], width: int | None, minimum: list[int] | None = None) -> list[int]:
    """Column widths that fit ``width`` characters with two spaces between columns: the widest
    columns give way first, none below ``MIN_COLUMN``. Without ``width``: at most 80 each.

    >>> fit([10, 40, 30], 60)
    [10, 23, 23]
    >>> fit([10, 40, 30], None)
    [10, 40, 30]
    >>> fit([50, 50], 20)
    [9, 9]
    """
    if width is None:
        return [min(w, 80) for w in widths]
    out = list(widths)
    floor = [min(w, max(MIN_COLUMN, m)) for w, m in zip(widths, minimum or [0] * len(widths), strict=True)]
    budget = width - 2 * (len(out) - 1)
    while sum(out) > budget:
        i = max(range(len(out)), key=lambda k: (out[k] - floor[k] > 0, out[k], -k))
        if out[i] <= floor[i]:
            break
        out[i] -= 1
    return out


def table(result: Result, prefixes: dict[str, str], width: int | None = None) -> str:
    """An aligned table; with ``width``, long cells are cut (…) so that each line fits."""
    from qgraph.corpus.terms import display

    cells = [[printable(display(t, prefixes)) for t in row] for row in result.rows]
    head = list(result.vars)
    widths = fit([max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(head)], width)

    def line(values: list[str]) -> str:
        return "  ".join((v if len(v) <= w else v[:max(w - 1, 0)] + "…").ljust(w)
                         for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(head), "  ".join("-" * w for w in widths)] + [line(r) for r in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def sparql_json(result: Result) -> dict[str, Any]:
    from rdflib import BNode, Literal

    def term(t: Any) -> dict[str, str]:
        if isinstance(t, BNode):
            return {"type": "bnode", "value": str(t)}
        if isinstance(t, Literal):
            d = {"type": "literal", "value": str(t)}
            if t.language:
                d["xml:lang"] = t.language
            elif t.datatype is not None:
                d["datatype"] = str(t.datatype)
            return d
        return {"type": "uri", "value": str(t)}

    bindings = [{v: term(t) for v, t in zip(result.vars, row, strict=True) if t is not None} for row in result.rows]
    return {"head": {"vars": list(result.vars)}, "results": {"bindings": bindings}}
