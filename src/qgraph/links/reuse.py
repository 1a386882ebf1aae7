"""Text reuse across documents: passages that one document shares with another.

Derived links, not facts of any text: ``qgraph reuse`` writes them to ``data/links/text-reuse.ttl``,
loaded into their own named graph (:data:`qgraph.vocab.REUSE_GRAPH`), never mixed with the
documents' graphs, the way ``qgraph link`` writes the link and enrichment graphs. A generated,
reviewed file (rather than links computed inside ``qgraph build``) keeps every change of a score
visible in a diff and lets the build, the store and the endpoint serve the links with no extra step;
``tests/test_reuse.py`` fails when the file is not what the data gives.

**What is compared** (the *units*): in each document's graph, every provision (recitals and
cooperation activities included), guiding principle and commitment, and every node that lists
principles (``qg:principle``: the MDQ page's shared values, the MoU's clause 6). A unit's text is
its own passages in that document (the ``oa:exact`` of its evidence): a passage that is evidence of
several units of the document (an introduction shared by seven principles) is not the unit's own,
a passage contained in a longer passage of the same unit adds nothing, and a passage of fewer than
:data:`MIN_WORDS` words is too short to show reuse. A principle-listing node that is no provision
is represented only by the passages that support ``qg:principle``.

**The measure** (:data:`METHOD`): the passage is lower-cased and cut into words (runs of letters
and digits; punctuation, bullets, numbering and line breaks fall away); its shingles are the runs
of :data:`SHINGLE` consecutive words; two passages score the Jaccard similarity of their shingle
sets, ``|A ∩ B| / |A ∪ B|`` (0: no run of three words in common; 1: the same words in the same
order). Two units of different documents score their best pair of passages; the pairs scoring at
least :data:`THRESHOLD` are recorded, each once, as a ``qg:TextReuse`` node with both units, both
passages, the score (``xsd:decimal``, three places) and the method. The link claims no direction
of borrowing: ``qg:reuseSource`` is the unit whose document id sorts first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

from qgraph.vocab import DCTERMS, OA, QG, QGID, RDF, RDFS, REUSE_GRAPH, XSD

REUSE_TTL = "text-reuse.ttl"
SHINGLE = 3  # words per shingle
MIN_WORDS = 8  # shorter passages are not compared
THRESHOLD = Decimal("0.1")  # the least score recorded
METHOD = QGID + "method-word-shingle-jaccard"  # the skos:Concept in ontology/concepts.ttl
UNIT_CLASSES = ("Provision", "Recital", "CooperationActivity", "GuidingPrinciple", "Commitment",
                "FundingCommitment")
HEADER = f"""\
# GENERATED FILE: do not edit. Made by `qgraph reuse` from the documents' evidence passages
# (qgraph.links.reuse: word {SHINGLE}-shingles, Jaccard similarity, pairs scoring {THRESHOLD} or more).
# Named graph: {REUSE_GRAPH} (derived links, kept apart from the document graphs).
"""
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The passage's words, lower-cased (punctuation, bullets, numbers' dots and breaks fall away).

    >>> words("1. Recognizing that Canada and the UK (UK) –")
    ['1', 'recognizing', 'that', 'canada', 'and', 'the', 'uk', 'uk']
    """
    return _WORD.findall(text.lower())


def shingles(text: str, k: int = SHINGLE) -> frozenset[tuple[str, ...]]:
    """The set of runs of ``k`` consecutive words.

    >>> sorted(shingles("freedom of inquiry, openness"))
    [('freedom', 'of', 'inquiry'), ('of', 'inquiry', 'openness')]
    """
    w = words(text)
    return frozenset(tuple(w[i:i + k]) for i in range(len(w) - k + 1))


def jaccard(a: frozenset, b: frozenset) -> Decimal:
    """``|a ∩ b| / |a ∪ b|`` rounded half-even to three places (0 for two empty sets).

    >>> jaccard(shingles("a b c d"), shingles("a b c e"))
    Decimal('0.333')
    """
    union = len(a | b)
    if not union:
        return Decimal("0.000")
    return (Decimal(len(a & b)) / Decimal(union)).quantize(Decimal("0.001"))


@dataclass(frozen=True)
class Unit:
    """A node's own text in one document: ``passages`` maps evidence IRI -> quoted passage."""

    node: str
    document: str  # the document id (the graph's name)
    passages: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reuse:
    """Two units of different documents that share wording."""

    source: Unit
    target: Unit
    source_passage: str  # evidence IRI
    target_passage: str
    score: Decimal

    @property
    def iri(self) -> str:
        key = " ".join((self.source.node, self.source.document, self.target.node, self.target.document))
        return QGID + "text-reuse-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def units(loaded: Any) -> list[Unit]:
    """The comparable units of every document graph of ``loaded``, in a fixed order."""
    from rdflib import URIRef

    q = {n: URIRef(QG + n) for n in ("evidence", "principle", "supports")}
    rdf_type, exact, selector = URIRef(RDF + "type"), URIRef(OA + "exact"), URIRef(OA + "hasSelector")
    classes = {URIRef(QG + c) for c in UNIT_CLASSES}
    out: list[Unit] = []
    for f in sorted(loaded.data_files, key=lambda f: f.stem):
        g = loaded.graph(f.graph)
        members = {s for s, o in g.subject_objects(rdf_type) if o in classes}
        listing = set(g.subjects(q["principle"], None)) - members
        owners: dict[Any, int] = {}
        for s in members:
            for ev in set(g.objects(s, q["evidence"])):
                owners[ev] = owners.get(ev, 0) + 1
        for node in sorted(members | listing, key=str):
            evs = set(g.objects(node, q["evidence"]))
            if node in listing:
                evs = {ev for ev in evs if (ev, q["supports"], q["principle"]) in g}
            else:
                evs = {ev for ev in evs if owners.get(ev, 0) == 1}
            texts = {str(ev): str(t) for ev in evs for sel in g.objects(ev, selector) for t in g.objects(sel, exact)}
            texts = {ev: t for ev, t in texts.items() if len(words(t)) >= MIN_WORDS}
            norm = {ev: " ".join(words(t)) for ev, t in texts.items()}
            own = tuple(sorted((ev, t) for ev, t in texts.items()
                               if not any(o != ev and norm[ev] in norm[o] and (norm[ev] != norm[o] or o < ev)
                                          for o in norm)))
            if own:
                out.append(Unit(str(node), f.stem, own))
    return out


def find(loaded: Any, threshold: Decimal = THRESHOLD, units_: list[Unit] | None = None) -> list[Reuse]:
    """Every pair of units of different documents (and different nodes) scoring ``threshold``
    or more, best passage pair each, sorted by score (highest first), then by IRIs."""
    us = units(loaded) if units_ is None else units_
    sh = {(u.node, u.document, ev): shingles(t) for u in us for ev, t in u.passages}
    found = []
    for a, b in combinations(us, 2):
        if a.document == b.document or a.node == b.node:
            continue
        a, b = sorted((a, b), key=lambda u: (u.document, u.node))
        score, ea, eb = min(((jaccard(sh[a.node, a.document, ea], sh[b.node, b.document, eb]), ea, eb)
                             for ea, _ in a.passages for eb, _ in b.passages),
                            key=lambda x: (-x[0], x[1], x[2]))  # best score; ties: first passages by IRI
        if score >= threshold:
            found.append(Reuse(a, b, ea, eb, score))
    return sorted(found, key=lambda r: (-r.score, r.source.node, r.target.node, r.source.document, r.target.document))


def triples(found: list[Reuse]) -> list[tuple]:
    """The RDF of ``found`` (rdflib terms)."""
    from rdflib import Literal, URIRef

    def qg(n: str) -> URIRef:
        return URIRef(QG + n)

    out = []
    for r in found:
        s = URIRef(r.iri)
        out += [
            (s, URIRef(RDF + "type"), qg("TextReuse")),
            (s, URIRef(RDFS + "label"), Literal(f"Shared wording: {_local(r.source.node)} ({r.source.document}) "
                                                f"and {_local(r.target.node)} ({r.target.document}), {decimal_lexical(r.score)}",
                                                lang="en")),
            (s, qg("reuseSource"), URIRef(r.source.node)),
            (s, qg("reuseTarget"), URIRef(r.target.node)),
            (s, qg("sourcePassage"), URIRef(r.source_passage)),
            (s, qg("targetPassage"), URIRef(r.target_passage)),
            (s, qg("similarity"), Literal(decimal_lexical(r.score), datatype=URIRef(XSD + "decimal"))),
            (s, qg("method"), URIRef(METHOD)),
            (s, URIRef(DCTERMS + "source"), URIRef(QGID + "doc-" + r.source.document)),
            (s, URIRef(DCTERMS + "source"), URIRef(QGID + "doc-" + r.target.document)),
        ]
    return out


def decimal_lexical(d: Decimal) -> str:
    """The shortest lexical form of ``d`` (no trailing zeros): what both stores print back.

    >>> [decimal_lexical(Decimal(x)) for x in ("1.000", "0.200", "0.629")]
    ['1', '0.2', '0.629']
    """
    return format(d.normalize(), "f")


def _local(iri: str) -> str:
    return iri.removeprefix(QGID)


def build(loaded: Any) -> str:
    """The canonical Turtle of the text-reuse graph of ``loaded`` (deterministic)."""
    from qgraph.links.tables import turtle

    return turtle(triples(find(loaded)), HEADER)


@dataclass
class Outcome:
    """What :func:`rebuild` found and did."""

    path: Path
    rel: str  # the path as shown to the user
    links: list[Reuse]
    units: int
    documents: int
    changed: bool  # the file differed from (or, with write, was replaced by) the computed text


def rebuild(root: Path | str | None = None, write: bool = True) -> Outcome:
    """Compute the links from the documents of the project at ``root`` (the current text-reuse
    graph is never read: the units come from the document graphs) and, with ``write``, write
    ``data/links/text-reuse.ttl`` atomically when it differs."""
    from qgraph.corpus.loading import load
    from qgraph.links.tables import turtle
    from qgraph.publish.exports import write_atomically

    loaded = load(root)
    us = units(loaded)
    found = find(loaded, units_=us)
    text = turtle(triples(found), HEADER)
    path = loaded.project.link_file(REUSE_TTL)
    from qgraph.corpus.loading import read_text

    display = loaded.project.display(path)
    changed = not path.exists() or read_text(path, display) != text  # a folder there: "cannot read", one line
    if write and changed:
        from qgraph.publish.exports import make_dir

        make_dir(path.parent)  # data/links a file: one line
        write_atomically({path: lambda fh: fh.write(text.encode("utf-8"))})
    return Outcome(path, loaded.project.display(path), found, len(us), len({u.document for u in us}), changed)


def reuse_of(store: Any, node: str) -> list[dict[str, Any]]:
    """The text-reuse links of ``node`` (a provision, principle, commitment or principle-listing
    node), for a page: the other unit, its document, both passages and the score, best first.

    ``store``: a :class:`qgraph.corpus.store.Store` holding the text-reuse graph."""
    from rdflib import URIRef

    from qgraph.vocab import sparql_prologue

    text = sparql_prologue(["qg", "oa", "dcterms"]) + """
SELECT ?node ?link ?other ?otherDocument ?passage ?otherPassage ?similarity WHERE {
  { ?link qg:reuseSource ?node ; qg:reuseTarget ?other ; qg:sourcePassage ?ev ; qg:targetPassage ?otherEv }
  UNION
  { ?link qg:reuseTarget ?node ; qg:reuseSource ?other ; qg:targetPassage ?ev ; qg:sourcePassage ?otherEv }
  ?link qg:similarity ?similarity .
  ?ev oa:hasSelector/oa:exact ?passage .
  ?otherEv oa:hasSource ?otherDocument ; oa:hasSelector/oa:exact ?otherPassage .
}
ORDER BY DESC(?similarity) ?other ?link"""
    result = store.query(text, {"node": URIRef(node)})
    return [dict(zip(result.vars, row, strict=True)) for row in result.rows]
