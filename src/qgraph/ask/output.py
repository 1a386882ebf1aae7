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


def render(result: Result, fmt: str, prefixes: dict[str, str], terminal: bool = False) -> str:
    """``result`` as text in ``fmt``; ``terminal``: the text goes to a terminal, so CSV and TSV
    are written with their control characters escaped too (the table always is; JSON escapes
    its own)."""
    text = _render(result, fmt, prefixes)
    if terminal and fmt in ("csv", "tsv"):
        return printable(text, keep="\t\n\r")
    return text


def _render(result: Result, fmt: str, prefixes: dict[str, str]) -> str:
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
    return table(result, prefixes)


def table(result: Result, prefixes: dict[str, str]) -> str:
    from qgraph.corpus.terms import display

    cells = [[printable(display(t, prefixes)) for t in row] for row in result.rows]
    head = list(result.vars)
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(head)]
    widths = [min(w, 80) for w in widths]

    def line(values: list[str]) -> str:
        return "  ".join((v if len(v) <= 80 else v[:79] + "…").ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

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
