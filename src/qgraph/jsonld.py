"""JSON-LD: the context made from the ontology, compaction and framing, strictly offline.

The context maps each class and property the ontology declares to its local name
(``"memberOf"``, ``"Nation"``), object properties typed ``@id``, datatype properties typed by
their one XSD range, English-labelled properties with ``@language: en``, plus every project
prefix. It is generated from the ontology, so it is always current, and written as
``context.jsonld`` beside every JSON-LD export (which also embeds it, so that no reader has to
fetch anything).

Compaction is done here (:func:`compact_document`), not by PyLD: the documents qgraph compacts
are its own expanded nodes against its own generated context, a narrow case that PyLD handled
correctly but slowly (its IRI compaction took 194 s of a 255 s build of a 100k-triple graph).
The tests hold this compaction to PyLD's output, byte for byte, as the reference. PyLD never
loads a remote document here: its document loader refuses every URL.
"""

from __future__ import annotations

import json
from typing import Any

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
QG = "https://w3id.org/qgraph/ontology#"

_PROPERTY_TYPES = (OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty", RDF + "Property")
_LANG_PROPS = {RDFS + "label", RDFS + "comment", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition"}

# Standard properties every qgraph file uses: always given a readable key.
_READABLE = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition",
             SKOS + "editorialNote", "http://purl.org/dc/terms/title", "http://purl.org/dc/terms/identifier")
_LANG_PROPS = _LANG_PROPS | {SKOS + "editorialNote", "http://purl.org/dc/terms/title"}

# Framed views: file name → (root class, reverse links to nest: term → property pointing at the root)
FRAMES: dict[str, tuple[str, dict[str, str]]] = {
    "agreements": (QG + "Agreement", {"provisions": QG + "provisionOf", "signatures": QG + "signedDocument"}),
    "meetings": (QG + "Meeting", {"priorityAreas": QG + "agreedAt", "sideEvents": QG + "sideEventOf"}),
    "forums": (QG + "Forum", {"memberships": "http://www.w3.org/ns/org#organization"}),
    "people": (QG + "Person", {"officeHoldings": QG + "holder", "quotations": QG + "speaker"}),
}


class RemoteDocumentRefused(Exception):
    pass


def offline_loader(url: str, options: dict | None = None) -> Any:
    """PyLD document loader that refuses everything: qgraph's JSON-LD is self-contained."""
    from pyld.jsonld import JsonLdError

    raise JsonLdError(f"qgraph does not fetch remote documents ({url})", "jsonld.LoadDocumentError",
                      {"url": url}, code="loading document failed")


def _pyld() -> Any:
    from pyld import jsonld

    jsonld.set_document_loader(offline_loader)
    return jsonld


def _local(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] if iri.rsplit(sep, 1)[1] else iri
    return iri


def make_context(ontology: Any, prefixes: dict[str, str]) -> dict[str, Any]:
    """The ``@context`` object (sorted, deterministic) for the ontology graph ``ontology``."""
    from rdflib import URIRef

    ctx: dict[str, Any] = {p: ns for p, ns in sorted(prefixes.items()) if p}
    taken = set(ctx) | {"id", "type"}
    typ = URIRef(RDF + "type")
    props: dict[str, set[str]] = {}
    for t in _PROPERTY_TYPES:
        for s in ontology.subjects(typ, URIRef(t)):
            if isinstance(s, URIRef):
                props.setdefault(str(s), set()).add(t)
    for iri in _READABLE:
        props.setdefault(iri, {OWL + "AnnotationProperty"})
    classes = {str(s) for s in ontology.subjects(typ, URIRef(OWL + "Class")) if isinstance(s, URIRef)}
    classes |= {str(s) for s in ontology.subjects(typ, URIRef(RDFS + "Class")) if isinstance(s, URIRef)}
    # our own terms first, then the reused ones; a later clash keeps its prefixed name
    order = sorted(set(props) | classes, key=lambda i: (not i.startswith(QG), i))
    for iri in order:
        name = _local(iri)
        if not name or name in taken or not name.replace("_", "a").replace("-", "a").isalnum():
            continue
        taken.add(name)
        if iri not in props:
            ctx[name] = iri
            continue
        ranges = [str(r) for r in ontology.objects(URIRef(iri), URIRef(RDFS + "range"))]
        entry: dict[str, Any] = {"@id": iri}
        if OWL + "ObjectProperty" in props[iri]:
            entry["@type"] = "@id"
        elif len(ranges) == 1 and ranges[0].startswith(XSD) and ranges[0] not in (XSD + "string",):
            entry["@type"] = ranges[0]
        elif iri in _LANG_PROPS or ranges == [RDF + "langString"]:
            entry["@language"] = "en"
        ctx[name] = entry
    return ctx


def context_document(ctx: dict[str, Any]) -> str:
    return dumps({"@context": ctx})


def dumps(doc: Any) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expanded_nodes(triples: Any) -> list[dict[str, Any]]:
    """Expanded JSON-LD node objects for rdflib triples, sorted by ``@id`` (what PyLD's
    ``from_rdf`` gives, without its quadratic N-Quads parser)."""
    from rdflib import BNode, Literal

    def ident(t: Any) -> str:
        return f"_:{t}" if isinstance(t, BNode) else str(t)

    nodes: dict[str, dict[str, Any]] = {}
    for s, p, o in triples:
        node = nodes.setdefault(ident(s), {"@id": ident(s)})
        if str(p) == RDF + "type" and not isinstance(o, Literal):
            node.setdefault("@type", []).append(ident(o))
            continue
        if isinstance(o, Literal):
            v: dict[str, Any] = {"@value": str(o)}
            if o.language:
                v["@language"] = o.language
            elif o.datatype is not None and str(o.datatype) != XSD + "string":
                v["@type"] = str(o.datatype)
        else:
            v = {"@id": ident(o)}
        node.setdefault(str(p), []).append(v)
    for node in nodes.values():
        for key, values in node.items():
            if isinstance(values, list):
                values.sort(key=lambda v: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v)
    return [nodes[k] for k in sorted(nodes)]


class _Compactor:
    """JSON-LD 1.1 compaction of qgraph's expanded documents against a qgraph context.

    Handles what qgraph produces: node objects with ``@id``, ``@type``, property arrays of
    value objects (``@value`` with ``@type`` or ``@language``) or node references/objects,
    ``@reverse`` maps, and named graphs (``@graph``). Term definitions in the context are
    strings or maps with ``@id`` and at most one of ``@type`` / ``@language``, or ``@reverse``
    with ``@container: @set``.
    """

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.prefixes: list[tuple[str, str]] = []   # (namespace, prefix), longest namespace first
        self.plain: dict[str, str] = {}             # IRI -> term without coercion
        self.coerced: dict[tuple[str, str, str], str] = {}  # (IRI, "@type"/"@language", value) -> term
        self.reverse: dict[str, str] = {}           # IRI -> @reverse term
        for term, d in sorted(ctx.items()):
            if isinstance(d, str):
                if d.endswith(("#", "/", ":")):
                    self.prefixes.append((d, term))
                self.plain.setdefault(d, term)
            elif "@reverse" in d:
                self.reverse.setdefault(d["@reverse"], term)
            elif "@type" in d:
                self.coerced.setdefault((d["@id"], "@type", d["@type"]), term)
            elif "@language" in d:
                self.coerced.setdefault((d["@id"], "@language", d["@language"]), term)
            else:
                self.plain.setdefault(d["@id"], term)
        self.prefixes.sort(key=lambda nt: (-len(nt[0]), nt[1]))

    def iri(self, iri: str, vocab: bool) -> str:
        if iri.startswith("_:"):
            return iri
        if vocab and iri in self.plain:
            return self.plain[iri]
        for ns, prefix in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def _entry(self, prop: str, v: dict[str, Any]) -> tuple[str, Any]:
        """The key and compacted value for one value of ``prop``."""
        if "@value" in v:
            if "@type" in v and (prop, "@type", v["@type"]) in self.coerced:
                return self.coerced[(prop, "@type", v["@type"])], v["@value"]
            if "@language" in v and (prop, "@language", v["@language"]) in self.coerced:
                return self.coerced[(prop, "@language", v["@language"])], v["@value"]
            key = self.plain.get(prop) or self.iri(prop, vocab=True)
            if "@type" in v:
                return key, {"@type": self.iri(v["@type"], vocab=True), "@value": v["@value"]}
            if "@language" in v:
                return key, {"@language": v["@language"], "@value": v["@value"]}
            return key, v["@value"]
        if (prop, "@type", "@id") in self.coerced:
            term = self.coerced[(prop, "@type", "@id")]
            if set(v) == {"@id"}:
                return term, self.iri(v["@id"], vocab=False)
            return term, self.node(v)
        key = self.plain.get(prop) or self.iri(prop, vocab=True)
        return key, self.node(v)

    def node(self, n: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, values in n.items():
            if key == "@id":
                out["@id"] = self.iri(values, vocab=False)
            elif key == "@type":
                types = [self.iri(t, vocab=True) for t in values]
                out["@type"] = types[0] if len(types) == 1 else types
            elif key == "@graph":
                out["@graph"] = [self.node(m) for m in values]
            elif key == "@reverse":
                for prop, kids in values.items():
                    term = self.reverse.get(prop)
                    if term is None:
                        raise ValueError(f"no @reverse term for {prop}")
                    out[term] = [self.node(k) for k in kids]
            else:
                grouped: dict[str, list[Any]] = {}
                for v in values:
                    k, cv = self._entry(key, v)
                    grouped.setdefault(k, []).append(cv)
                for k, vs in grouped.items():
                    out[k] = vs[0] if len(vs) == 1 else vs
        return out


def compact_document(doc: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (a list of graph objects, or ``{"@graph": [...]}``) compacted with ``ctx``:
    ``{"@context": ctx, "@graph": [...]}``, as PyLD's ``compact`` gives it."""
    c = _Compactor(ctx)
    items = doc["@graph"] if isinstance(doc, dict) else doc
    return {"@context": ctx, "@graph": [c.node(n) for n in items]}


def compact(graphs: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    """The dataset (graph IRI → rdflib triples; named graphs kept) compacted with ``ctx``."""
    doc = [{"@id": name, "@graph": expanded_nodes(triples)} for name, triples in sorted(graphs.items())]
    return compact_document(doc, ctx)


MAX_DEPTH = 2  # a framed tree nests two levels below its root; deeper nodes by @id
_NO_EMBED = {"http://www.w3.org/ns/oa#hasSource"}


def frame(triples: Any, ctx: dict[str, Any], root_types: list[str], reverse: dict[str, str],
          expanded: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The graph (rdflib triples) as one tree per node of ``root_types``: each tree nests the
    nodes its root refers to, two levels deep (each node embedded at its first place in the tree, referred to
    by ``@id`` after that) and, under the ``reverse`` terms, the nodes that point at the root.

    This is the shape JSON-LD framing with ``@embed: @once`` and ``@reverse`` gives, built
    directly (PyLD's framing takes seconds per view on a few thousand triples) and then
    compacted (:func:`compact_document`). ``expanded``: :func:`expanded_nodes` of ``triples``,
    when the caller already has them (a build frames four views of one graph).
    """
    nodes = {n["@id"]: n for n in (expanded if expanded is not None else expanded_nodes(triples))}
    pointing: dict[tuple[str, str], list[str]] = {}
    for nid, n in nodes.items():
        for prop in reverse.values():
            for v in n.get(prop, []):
                if "@id" in v:
                    pointing.setdefault((v["@id"], prop), []).append(nid)

    def embed(nid: str, seen: set[str], depth: int = 0) -> dict[str, Any]:
        seen.add(nid)
        node = nodes.get(nid, {"@id": nid})
        out: dict[str, Any] = {}
        for key in sorted(node):
            values = node[key]
            if key.startswith("@"):
                out[key] = values
                continue
            deeper = depth < MAX_DEPTH and key not in _NO_EMBED
            out[key] = [embed(v["@id"], seen, depth + 1) if deeper and set(v) == {"@id"} and v["@id"] in nodes
                        and v["@id"] not in seen else v for v in values]
        return out

    wanted = set(root_types)
    roots = []
    for nid in sorted(nodes):
        if not wanted.intersection(nodes[nid].get("@type", [])):
            continue
        seen: set[str] = set()
        tree = embed(nid, seen)
        rev = {}
        for prop in sorted(set(reverse.values())):
            kids = sorted(pointing.get((nid, prop), []))
            if kids:
                rev[prop] = [embed(k, seen, 1) if k not in seen else {"@id": k} for k in kids]
        if rev:
            tree["@reverse"] = rev
        roots.append(tree)
    frame_ctx = dict(ctx)
    for term, prop in reverse.items():
        frame_ctx[term] = {"@reverse": prop, "@container": "@set"}
    return compact_document({"@graph": roots}, frame_ctx)
