"""The evidence check: every quote is in its source, every described node has evidence.

For each data file ``data/<stem>.ttl`` (its own named graph):

- it describes its source document: a ``qg:SourceDocument`` whose ``dcterms:identifier`` is
  ``<stem>``, and ``data/sources/<stem>.txt`` exists;
- every evidence node (typed ``qg:Evidence`` or the object of ``qg:evidence``) is described in
  the file, has that document as its one ``oa:hasSource``, and has at least one
  ``oa:TextQuoteSelector`` whose ``oa:exact`` (with ``oa:prefix``/``oa:suffix``) picks exactly
  one place in the source text (:func:`qgraph.quotes.find_quote`);
- every ``qgid:`` node the file describes, other than evidence nodes and SKOS concepts,
  carries ``qg:evidence`` in that file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qgraph.loading import QG, QGID, Loaded, SourceFile
from qgraph.report import Problem, locate, locate_quote, node_tokens

OA = "http://www.w3.org/ns/oa#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class EvidenceSummary:
    """What the check saw: passages verified and nodes with / without evidence."""

    passages: int = 0
    passages_found: int = 0
    described: int = 0
    with_evidence: int = 0
    problems: list[Problem] = field(default_factory=list)


def check(loaded: Loaded) -> EvidenceSummary:
    """Run the evidence check over every data file of ``loaded``."""
    from rdflib import Literal, URIRef

    summary = EvidenceSummary()
    concepts = _skos_concepts(loaded)
    sources_dir = loaded.root / "data" / "sources"
    for f in loaded.data_files:
        g = loaded.graph(f.graph)
        problems = summary.problems
        short = _shortener(loaded, f)

        def add(line_tokens: list[str] | None, shape: str, focus: str | None, path: str | None, msg: str,
                line: int | None = None) -> None:
            if line is None and line_tokens:
                line = locate(f.lines, line_tokens)
            problems.append(Problem(f.rel, line, "Violation", shape, focus, path, msg))

        docs = [s for s in g.subjects(URIRef(RDF_TYPE), URIRef(QG + "SourceDocument"))
                if (s, URIRef(DCT + "identifier"), Literal(f.stem)) in g]
        text = None
        src = sources_dir / f"{f.stem}.txt"
        if not docs:
            add(None, "check:source-document", None, None,
                f'describes no qg:SourceDocument with dcterms:identifier "{f.stem}"', line=1)
        elif len(docs) > 1:
            add(None, "check:source-document", None, None,
                f'describes {len(docs)} qg:SourceDocument nodes with dcterms:identifier "{f.stem}"', line=1)
        if not src.is_file():
            add(None, "check:source-document", None, None,
                f"its source text data/sources/{f.stem}.txt is missing", line=1)
        else:
            text = src.read_text(encoding="utf-8")
        doc = docs[0] if len(docs) == 1 else None

        ev_pred = URIRef(QG + "evidence")
        evidence_nodes = set(g.subjects(URIRef(RDF_TYPE), URIRef(QG + "Evidence"))) | set(g.objects(None, ev_pred))
        for ev in sorted(evidence_nodes):
            tokens = node_tokens(str(ev), f.prefixes) if isinstance(ev, URIRef) else None
            name = short(ev)
            if (ev, None, None) not in g:
                line = locate(f.lines, tokens, prefer_subject=False) if tokens else None
                add(None, "check:evidence-described", name, "qg:evidence",
                    "evidence node is not described in this file", line=line)
                continue
            sources = list(g.objects(ev, URIRef(OA + "hasSource")))
            if doc is not None and sources != [doc]:
                got = ", ".join(short(s) for s in sources) or "none"
                add(tokens, "check:evidence-source", name, "oa:hasSource",
                    f"oa:hasSource must be {short(doc)} (this file's source document), found {got}")
            selectors = list(g.objects(ev, URIRef(OA + "hasSelector")))
            if not selectors:
                add(tokens, "check:quote-found", name, "oa:hasSelector", "evidence has no oa:hasSelector")
            for sel in selectors:
                exacts = list(g.objects(sel, URIRef(OA + "exact")))
                if len(exacts) != 1:
                    add(tokens, "check:quote-found", name, "oa:exact",
                        f"a selector needs exactly one oa:exact, found {len(exacts)}")
                    continue
                summary.passages += 1
                if text is None:
                    continue
                exact = str(exacts[0])
                prefix = _one(g, sel, OA + "prefix")
                suffix = _one(g, sel, OA + "suffix")
                from qgraph.quotes import describe_matches

                try:
                    why = describe_matches(text, exact, prefix, suffix)
                except ValueError as e:
                    why = str(e)
                if why:
                    line = locate_quote(f.lines, exact) or (locate(f.lines, tokens) if tokens else None)
                    add(None, "check:quote-found", name, "oa:exact",
                        f"{why} data/sources/{f.stem}.txt: \"{_clip(exact)}\"", line=line)
                else:
                    summary.passages_found += 1

        for s in sorted(set(g.subjects())):
            if not isinstance(s, URIRef) or not str(s).startswith(QGID):
                continue
            if s in evidence_nodes or s in concepts:
                continue
            summary.described += 1
            if (s, ev_pred, None) in g:
                summary.with_evidence += 1
            else:
                add(node_tokens(str(s), f.prefixes), "check:has-evidence", short(s), "qg:evidence",
                    "described in this file without qg:evidence (every fact needs its passage)")
    return summary


def _one(g: Any, s: Any, p: str) -> str | None:
    from rdflib import URIRef

    v = g.value(s, URIRef(p))
    return None if v is None else str(v)


def _clip(s: str, n: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _skos_concepts(loaded: Loaded) -> set:
    from rdflib import URIRef

    from qgraph.loading import ONTOLOGY_GRAPH

    g = loaded.graph(ONTOLOGY_GRAPH)
    out = set()
    for cls in ("Concept", "ConceptScheme"):
        out |= set(g.subjects(URIRef(RDF_TYPE), URIRef(SKOS + cls)))
    return out


def _shortener(loaded: Loaded, f: SourceFile):
    from qgraph.terms import display

    prefixes = {**loaded.prefixes, **f.prefixes}
    return lambda t: display(t, prefixes)
