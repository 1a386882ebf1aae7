"""The entity card (``qgraph show``): types, labels, facts both ways, evidence passages.

An entity is named by its IRI, a prefixed name, or one of its labels (``rdfs:label``,
``skos:altLabel``, ``skos:prefLabel``, ``foaf:name``, ``dcterms:title``; case-insensitive).
"""

from __future__ import annotations

import difflib
import textwrap
from typing import Any

from qgraph.corpus.loading import GRAPH_NS, Loaded
from qgraph.corpus.store import Store
from qgraph.errors import QgraphError

_LABEL_PROPS = "rdfs:label skos:altLabel skos:prefLabel foaf:name dcterms:title"
_BY_LABEL = f"""SELECT DISTINCT ?s ?needle WHERE {{
  VALUES ?p {{ {_LABEL_PROPS} }} ?s ?p ?l . FILTER(LCASE(STR(?l)) = ?needle) }} ORDER BY ?s"""
_ALL_LABELS = f"SELECT DISTINCT ?l WHERE {{ VALUES ?p {{ {_LABEL_PROPS} }} ?s ?p ?l }}"
_EXISTS = "ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }"
_WHAT = """SELECT ?e ?t ?g WHERE { { GRAPH ?g { ?e a ?t } } UNION { GRAPH ?g { ?e ?p ?o } } }"""
_OUT = """SELECT DISTINCT ?e ?p ?o ?label ?g WHERE {
  GRAPH ?g { ?e ?p ?o } OPTIONAL { ?o rdfs:label ?label } }"""
_IN = """SELECT DISTINCT ?e ?s ?p ?label WHERE {
  ?s ?p ?e . FILTER(?p != qg:evidence) OPTIONAL { ?s rdfs:label ?label } }"""
_EVIDENCE = """SELECT ?e ?ev ?doc ?id ?exact ?derivation ?confidence
  (GROUP_CONCAT(DISTINCT STR(?sup); separator=" ") AS ?supports) WHERE {
  ?e qg:evidence ?ev . ?ev oa:hasSource ?doc ; oa:hasSelector ?sel . ?sel oa:exact ?exact .
  OPTIONAL { ?doc dcterms:identifier ?id } OPTIONAL { ?ev qg:supports ?sup }
  OPTIONAL { ?ev qg:derivation ?derivation } OPTIONAL { ?ev qg:confidence ?confidence }
} GROUP BY ?e ?ev ?doc ?id ?exact ?derivation ?confidence
ORDER BY ?id ?ev ?doc ?exact ?derivation ?confidence ?supports"""


def resolve(loaded: Loaded, store: Store, entity: str) -> Any:
    """The IRI (rdflib ``URIRef``) of ``entity``; a clear error if it is unknown or ambiguous."""
    from rdflib import URIRef

    from qgraph.corpus.terms import checked_iri, expand

    iri = expand(entity.strip(), loaded.prefixes)
    if iri is not None:
        node = URIRef(checked_iri(iri, entity.strip()))
        if store.query(_EXISTS, {"e": node}).boolean:
            return node
        raise QgraphError(f"{entity}: not in the graph")
    found = candidates(loaded, store, entity)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        own = [c for c in found if _own(c)]
        if len(own) == 1:  # the corpus's own entity, not its twin in another dataset (wd:Q84 for London)
            return own[0]
        names = "; ".join(describe_candidate(loaded, store, c) for c in found)
        raise QgraphError(f"{entity!r} names {len(found)} entities: {names}; give one of these instead")
    labels = sorted({str(r[0]) for r in store.query(_ALL_LABELS).rows})
    close = difflib.get_close_matches(entity.strip(), labels, n=3, cutoff=0.6)
    hint = f" (did you mean {' / '.join(repr(c) for c in close)}?)" if close else ""
    raise QgraphError(f"no entity named {entity!r}{hint}")


def candidates(loaded: Loaded, store: Store, entity: str) -> list[Any]:
    """The entities (rdflib terms) with a label equal to ``entity`` (case-insensitive), in IRI order."""
    from rdflib import Literal

    return [r[0] for r in store.query(_BY_LABEL, {"needle": Literal(entity.strip().lower())}).rows]


def _own(node: Any) -> bool:
    """An entity of the corpus (``qgid:``), not one the enrichment minted (``qgid:wd-``) or
    another dataset's (Wikidata, GeoNames)."""
    from qgraph.vocab import QGID

    return str(node).startswith(QGID) and not str(node).startswith(QGID + "wd-")


def describe_candidate(loaded: Loaded, store: Store, node: Any) -> str:
    """``qgid:london (qg:City; documents)`` / ``wd:Q84 (no type; enrichment)``: one candidate."""
    from qgraph.corpus.terms import display

    types, graphs = set(), set()
    for _, t, g in store.query(_WHAT, {"e": node}).rows:
        if t is not None:
            types.add(display(t, loaded.prefixes))
        graphs.add(str(g).removeprefix(GRAPH_NS))
    docs = sorted(g for g in graphs if g not in ("enrichment", "links", "ontology"))
    where = ", ".join(([f"{len(docs)} document(s)"] if docs else []) + sorted(graphs & {"enrichment", "links", "ontology"}))
    return f"{display(node, loaded.prefixes)} ({', '.join(sorted(types)) or 'no type'}; {where or 'no graph'})"


def card(loaded: Loaded, store: Store, entity: str) -> str:
    """The entity card as text."""
    from rdflib import Literal, URIRef

    from qgraph.corpus.terms import display

    node = resolve(loaded, store, entity)

    def d(t: Any) -> str:
        if isinstance(t, Literal):
            lang = f"@{t.language}" if t.language else ""
            return f'"{t}"{lang}'
        return display(t, loaded.prefixes)

    b = {"e": node}
    out_rows = _grouped(store.query(_OUT, b).rows, (1, 2), 3, 4)
    in_rows = _grouped(store.query(_IN, b).rows, (1, 2), 3, None)
    ev_rows = store.query(_EVIDENCE, b).rows
    types = [d(o) for _, p, o, _, _ in out_rows if str(p).endswith("22-rdf-syntax-ns#type")]
    labels = [str(o) for _, p, o, _, _ in out_rows if str(p).endswith("#label") and isinstance(o, Literal)]
    lines = [f"{d(node)}  {labels[0] if labels else ''}".rstrip(), f"  <{node}>",
             f"  types: {', '.join(types) or '(none)'}"]
    others = [c for c in candidates(loaded, store, entity) if c != node]
    if others:  # the name is shared (London and its Wikidata twin): say which others bear it
        lines.append(f"  also named {entity.strip()!r}: " + "; ".join(describe_candidate(loaded, store, c) for c in others))
    lines += ["", "facts:"]
    for _, p, o, label, graphs in out_rows:
        if str(p).endswith("22-rdf-syntax-ns#type") or str(p).endswith("ontology#evidence"):
            continue
        docs = " ".join(sorted(str(g).removeprefix(GRAPH_NS) for g in graphs))
        extra = f"  ({label})" if label is not None and isinstance(o, URIRef) else ""
        lines.append(f"  {d(p)} {_short(d(o))}{extra}   [{docs}]")
    lines += ["", "referenced by:"]
    lines += [f"  {d(s)} {d(p)}{f'  ({label})' if label is not None else ''}" for _, s, p, label, _ in in_rows] or ["  (nothing)"]
    lines += ["", "evidence:"]
    for _, ev, doc, ident, exact, derivation, confidence, supports in ev_rows:
        # in name order (GROUP_CONCAT's order is the order the engine met the values in)
        sup = " ".join(sorted(display(URIRef(s), loaded.prefixes) for s in set(str(supports or "").split())))
        head = f"  [{ident or d(doc)}] {d(ev)}" + (f" supports {sup}" if sup else "")
        if confidence is not None:
            head += f" (confidence: {confidence})"
        lines.append(head)
        lines += textwrap.wrap(" ".join(str(exact).split()), 96, initial_indent='      "',
                               subsequent_indent="       ")
        lines[-1] += '"'
        if derivation is not None:
            lines.append(f"      derivation: {derivation}")
    if not ev_rows:
        lines.append("  (none)")
    from qgraph.ask.output import printable

    # values from the data may hold terminal control characters (ESC, BEL): shown escaped
    return printable("\n".join(lines), keep="\n") + "\n"


def _short(s: str, n: int = 100) -> str:
    """``s`` (a term as shown) in at most ``n`` characters, cut inside its IRI or its text with
    what closes it kept (``…>``, ``…"@en``): a long IRI was closed with a quote mark.

    >>> _short("<https://example.org/" + "a" * 100 + ">", 30)
    '<https://example.org/aaaaaaa…>'
    >>> _short('"' + "b" * 100 + '"@en', 12)
    '"bbbbbb…"@en'
    """
    s = " ".join(s.split())
    if len(s) <= n:
        return s
    close = ""
    if s.startswith("<") and s.endswith(">"):
        close = ">"
    elif s.startswith('"') and s.rfind('"') > 0:
        close = s[s.rfind('"'):]
    return s[: max(1, n - 1 - len(close))] + "…" + close


def _grouped(rows: list[tuple], key: tuple[int, int], label: int, graph: int | None) -> list[tuple]:
    """Rows ``(e, a, b, first label, graphs)`` grouped by ``key``, sorted; no SPARQL aggregates
    (rdflib and Oxigraph differ on aggregates over unbound values)."""
    groups: dict[tuple, list] = {}
    for row in rows:
        k = tuple(row[i] for i in key)
        g = groups.setdefault(k, [row[0], None, set()])
        if row[label] is not None and (g[1] is None or str(row[label]) < g[1]):
            g[1] = str(row[label])
        if graph is not None and row[graph] is not None:
            g[2].add(row[graph])
    return [(e, *k, lab, sorted(gs)) for k, (e, lab, gs) in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0])))]
