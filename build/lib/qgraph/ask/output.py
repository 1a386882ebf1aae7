"""Query results as text: an aligned table, SPARQL 1.1 CSV / TSV, or SPARQL 1.1 JSON."""

from __future__ import annotations

import json
from typing import Any

from qgraph.corpus.store import Result


def render(result: Result, fmt: str, prefixes: dict[str, str]) -> str:
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
        return json.dumps(sparql_json(result), indent=2, ensure_ascii=False) + "\n"
    return table(result, prefixes)


def table(result: Result, prefixes: dict[str, str]) -> str:
    from qgraph.corpus.terms import display

    cells = [[display(t, prefixes) for t in row] for row in result.rows]
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
