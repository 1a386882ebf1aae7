"""JSON-LD: the context made from the ontology, compaction and framing, strictly offline.

The context maps each class and property the ontology declares to its local name
(``"memberOf"``, ``"Nation"``), object properties typed ``@id``, datatype properties typed by
their one XSD range, English-labelled properties with ``@language: en``, plus every project
prefix. It is generated from the ontology, so it is always current, and written as
``context.jsonld`` beside every JSON-LD export (which also embeds it, so that no reader has to
fetch anything).

Compaction is done here, not by PyLD: the documents qgraph compacts are its own nodes against
its own generated context, a narrow case that PyLD handled correctly but slowly (its IRI
compaction took 194 s of a 255 s build of a 100k-triple graph). Two implementations:

* the reference, readable one: :func:`expanded_nodes` (what PyLD's ``from_rdf`` gives),
  :func:`frame` (the framed tree in expanded form) and :func:`compact_document`;
* the one a build uses, :class:`Writer`: compacted nodes straight from pyoxigraph quads sorted
  by :func:`qgraph.publish.exports.Exporter` (no expanded form kept, IRIs compacted once), framed views
  built from an index of compacted nodes, every document streamed node by node as JSON.

The tests hold both to PyLD's compaction of the expanded documents, byte for byte. PyLD never
loads a remote document here: its document loader refuses every URL.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from qgraph.vocab import DCTERMS, OA, ORG, OWL, QG, RDF, RDFS, SKOS, XSD

RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"

_PROPERTY_TYPES = (OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty", RDF + "Property")
_LANG_PROPS = {RDFS + "label", RDFS + "comment", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition"}

# Standard properties every qgraph file uses: always given a readable key.
_READABLE = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition",
             SKOS + "editorialNote", DCTERMS + "title", DCTERMS + "identifier")
_LANG_PROPS = _LANG_PROPS | {SKOS + "editorialNote", DCTERMS + "title"}

# Framed views: file name → (root class, reverse links to nest: term → property pointing at the root)
FRAMES: dict[str, tuple[str, dict[str, str]]] = {
    "agreements": (QG + "Agreement", {"provisions": QG + "provisionOf", "signatures": QG + "signedDocument"}),
    # agreedHere: what qg:agreedAt names the meeting for, priority areas and commitments alike (the
    # key was "priorityAreas", and held the commitments too)
    "meetings": (QG + "Meeting", {"agreedHere": QG + "agreedAt", "sideEvents": QG + "sideEventOf"}),
    "forums": (QG + "Forum", {"memberships": ORG + "organization"}),
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


def make_context(ontology: Iterable[Any], prefixes: dict[str, str]) -> dict[str, Any]:
    """The ``@context`` object (sorted, deterministic) for the ontology's triples (pyoxigraph
    ``Triple``s or ``Quad``s)."""
    import pyoxigraph as ox

    types: dict[str, set[str]] = {}   # subject IRI -> its rdf:type IRIs
    range_of: dict[str, set[str]] = {}
    for t in ontology:
        s, o = t.subject, t.object
        if type(s) is not ox.NamedNode:
            continue
        p = t.predicate.value
        if p == RDF_TYPE and type(o) is ox.NamedNode:
            types.setdefault(s.value, set()).add(o.value)
        elif p == RDFS + "range":
            range_of.setdefault(s.value, set()).add(o.value)
    ctx: dict[str, Any] = {p: ns for p, ns in sorted(prefixes.items()) if p}
    taken = set(ctx) | {"id", "type"}
    props: dict[str, set[str]] = {}
    classes: set[str] = set()
    for s, ts in types.items():
        if ts.intersection(_PROPERTY_TYPES):
            props[s] = ts.intersection(_PROPERTY_TYPES)
        if OWL + "Class" in ts or RDFS + "Class" in ts:
            classes.add(s)
    for iri in _READABLE:
        props.setdefault(iri, {OWL + "AnnotationProperty"})
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
        ranges = sorted(range_of.get(iri, ()))
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


def _ident(t: Any) -> str:
    """The JSON-LD identifier of a pyoxigraph IRI or blank node."""
    import pyoxigraph as ox

    return f"_:{t.value}" if type(t) is ox.BlankNode else t.value


def expanded_value(o: Any) -> dict[str, Any]:
    """The expanded JSON-LD value object of a pyoxigraph term (a node reference or a value)."""
    import pyoxigraph as ox

    if type(o) is not ox.Literal:
        return {"@id": _ident(o)}
    v: dict[str, Any] = {"@value": o.value}
    if o.language:
        v["@language"] = o.language
    elif o.datatype.value != XSD_STRING:
        v["@type"] = o.datatype.value
    return v


def _value_key(v: Any) -> str:
    return json.dumps(v, sort_keys=True) if isinstance(v, dict) else v


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


MAX_DEPTH = 2  # a framed tree nests two levels below its root; deeper nodes by @id
_NO_EMBED = {OA + "hasSource"}
# Listed only on a tree's root and on the nodes of its @reverse links (its provisions,
# signatures, priority areas …). A node reached by a forward link (a nation, a forum, a city, a
# person) is shared by many trees and has passages in every document that mentions it: listing
# them all in every tree made a view grow with the square of the data (2.5 GB at 1M triples).
EVIDENCE = QG + "evidence"


def frame_context(ctx: dict[str, Any], reverse: dict[str, str]) -> dict[str, Any]:
    """``ctx`` plus a ``@reverse`` term (a set) for each of a view's ``reverse`` links."""
    frame_ctx = dict(ctx)
    for term, prop in reverse.items():
        frame_ctx[term] = {"@reverse": prop, "@container": "@set"}
    return frame_ctx


def _json_key(o: Any) -> str:
    """``json.dumps(expanded_value(o), sort_keys=True)``, the order of a property's values."""
    import pyoxigraph as ox

    e = json.encoder.encode_basestring_ascii  # what json.dumps uses by default
    t = type(o)
    if t is ox.NamedNode:
        return '{"@id": ' + e(o.value) + "}"
    if t is ox.BlankNode:
        return '{"@id": ' + e("_:" + o.value) + "}"
    lang = o.language
    if lang:
        return '{"@language": ' + e(lang) + ', "@value": ' + e(o.value) + "}"
    dt = o.datatype.value
    if dt == XSD_STRING:
        return '{"@value": ' + e(o.value) + "}"
    return '{"@type": ' + e(dt) + ', "@value": ' + e(o.value) + "}"


def _dump(doc: Any) -> bytes:
    """:func:`dumps` without the final newline, as bytes."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _js(text: str) -> bytes:
    """A JSON string, as :func:`dumps` writes it (by json's C encoder; orjson was tried: each
    of its results keeps a 4 KiB buffer however short the text, and an index holds millions)."""
    return json.encoder.encode_basestring(text).encode("utf-8")  # type: ignore[attr-defined]


def _js_object(a: str, x: str, b: str, y: str) -> bytes:
    """``{a: x, b: y}`` as JSON for level 0 (``a`` < ``b``)."""
    return b"{\n  " + _js(a) + b": " + _js(x) + b",\n  " + _js(b) + b": " + _js(y) + b"\n}"


_IND = [b"\n" + b"  " * n for n in range(64)]  # newline + indentation of nesting level n
_HUB = 32  # values from which a framed node is written once and patched (Writer.write_view)
# sequences of keys a Writer keeps the groups of, and their longest (Writer.layouts; 1M triples: 209
# sequences; a node with more values is rare, and its values cost more than its groups): ~10 MB at most
_LAYOUTS_KEPT, _LAYOUT_KEYS_KEPT = 10_000, 64


def _DUMMY_IRI() -> Any:
    import pyoxigraph as ox

    return ox.NamedNode("urn:x-qgraph:any")


def _at(fragment: bytes, level: int) -> bytes:
    """A JSON value written for nesting level 0, re-indented for ``level``."""
    return fragment.replace(b"\n", _IND[level]) if level and b"\n" in fragment else fragment


# A node's layout, for writing it as JSON (what _dump gives for its compacted node object):
# (groups, entries). ``groups``: (b'"key": ', several values?) per output key, sorted by key, a
# tuple shared by every node with the same keys (Writer.layouts: 1M triples, 150,764 nodes, 83
# distinct); ``entries``: three items per value, flat (group index, value as JSON for level 0,
# id of an embeddable node or None), in expanded order (properties sorted by IRI, then values),
# the order of framing. Flat and shared, the index of the union's nodes that the framed views
# read was ~205 MiB at 1M, ~110 MiB of it a tuple per value and per group.
Layout = tuple[tuple[tuple[bytes, bool], ...], tuple[Any, ...]]


def _values(entries: tuple[Any, ...]) -> Iterator[tuple[int, bytes, "str | None"]]:
    """A :data:`Layout`'s flat ``entries`` as (group index, JSON, target) per value."""
    it = iter(entries)
    return zip(it, it, it, strict=True)


def _assemble(groups: Sequence[tuple[bytes, bool]], items: list[list[bytes]], level: int) -> bytes:
    """The JSON object at nesting ``level`` with each group's values (already written for
    their own level: ``level + 1``, or ``level + 2`` inside a list)."""
    inner, inner2 = _IND[level + 1], _IND[level + 2]
    parts = []
    for (prefix, several), values in zip(groups, items, strict=True):
        if several:
            parts.append(inner + prefix + b"[" + b",".join([inner2 + v for v in values]) + inner + b"]")
        else:
            parts.append(inner + prefix + values[0])
    return b"{" + b",".join(parts) + _IND[level] + b"}"


def _pieces(groups: Sequence[tuple[bytes, bool]], items: list[list[bytes]],
            marks: dict[tuple[int, int], tuple[str, bytes]]
            ) -> tuple[list[bytes], dict[str, int], dict[str, bytes]]:
    """:func:`_assemble` at level 0 as a list of pieces to join, with where the marked values
    ((group, index) → (id, what to put there instead)) are: id → piece index, id → replacement."""
    inner, inner2 = _IND[1], _IND[2]
    out: list[bytes] = [b"{"]
    where: dict[str, int] = {}
    refs: dict[str, bytes] = {}
    for gi, ((prefix, several), values) in enumerate(zip(groups, items, strict=True)):
        out.append((b"," if gi else b"") + inner + prefix + (b"[" if several else b""))
        for vi, v in enumerate(values):
            if several:
                out.append((b"," if vi else b"") + inner2)
            mark = marks.get((gi, vi))
            if mark is not None:
                where[mark[0]] = len(out)
                refs[mark[0]] = mark[1]
            out.append(v)
        if several:
            out.append(inner + b"]")
    out.append(_IND[0] + b"}")
    return out, where, refs


def _plain(layout: Layout, level: int) -> bytes:
    """The node of ``layout`` at nesting ``level``, nothing embedded."""
    groups, entries = layout
    items: list[list[bytes]] = [[] for _ in groups]
    one, two = level + 1, level + 2
    for gi, frag, _ in _values(entries):
        items[gi].append(_at(frag, two if groups[gi][1] else one))
    return _assemble(groups, items, level)


class Index:
    """The union graph's nodes for framing: ``nodes`` (id → :data:`Layout`), ``by_type``
    (class IRI → ids), ``pointing`` ((target id, property IRI) → ids of the nodes linking to
    it through a reverse link of :data:`FRAMES`), ``plain`` (id → the node at level 0, nothing
    embedded; filled as views are written)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Layout] = {}
        self.by_type: dict[str, list[str]] = {}
        self.pointing: dict[tuple[str, str], list[str]] = {}
        self.plain: dict[str, bytes] = {}
        self.hubs: dict[str, Any] = {}  # id -> a node with many values, written at level 0 (Writer.write_view)
        self.shared: dict[str, Layout] = {}  # id -> its layout without qg:evidence (Writer.write_view)

    def add(self, sid: str, layout: Layout, tids: list[str], links: list[tuple[str, str]]) -> None:
        self.nodes[sid] = layout
        for t in tids:
            self.by_type.setdefault(t, []).append(sid)
        for p, target in links:
            self.pointing.setdefault((target, p), []).append(sid)


class Writer:
    """Compacted JSON-LD straight from pyoxigraph quads, written as JSON node by node: the
    bytes :func:`dumps` gives for :func:`compact` and :func:`frame`, without the expanded form.

    The quads given to each method must list each subject's statements together (as sorting
    them by their N-Quads text does); a subject's values are deduplicated and sorted here."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.ctx = ctx
        self.c = _Compactor(ctx)
        self._ids: dict[str, tuple[str, str]] = {}    # IRI -> (that IRI, compacted IRI)
        self._vocab: dict[str, str] = {}              # class IRI -> compacted (vocab) IRI
        self._plain_keys: dict[str, str] = {}         # property -> key without coercion
        self._ref: dict[str, tuple[str, bool]] = {}   # property -> key of IRIs, coerced?
        self._coerced: dict[tuple[str, str, str], tuple[str, Any]] = {}
        self._ref_json: dict[tuple[str, bool], bytes] = {}
        self._prefix: dict[str, bytes] = {}           # key -> b'"key": '
        self._groups: dict[tuple, tuple] = {}         # a layout's groups -> the one tuple kept of them
        self._layouts: dict[tuple, tuple] = {}        # a node's keys, in order -> (its groups, each key's group)

    # --- compacted terms (cached: IRIs repeat) ---------------------------------------------

    def _iri(self, iri: str) -> tuple[str, str]:
        got = self._ids.get(iri)
        if got is None:
            got = self._ids[iri] = (iri, self.c.iri(iri, vocab=False))
        return got

    def _class(self, iri: str) -> str:
        got = self._vocab.get(iri)
        if got is None:
            got = self._vocab[iri] = self.c.iri(iri, vocab=True)
        return got

    def _plain_key(self, prop: str) -> str:
        got = self._plain_keys.get(prop)
        if got is None:
            got = self._plain_keys[prop] = self.c.plain.get(prop) or self.c.iri(prop, vocab=True)
        return got

    def _value_key(self, prop: str, kind: str, arg: str) -> tuple[str, Any]:
        """(key, None) for a coerced term, else (plain key, compacted datatype or True)."""
        k = (prop, kind, arg)
        got = self._coerced.get(k)
        if got is None:
            term = self.c.coerced.get(k)
            if term is not None:
                got = (term, None)
            else:
                got = (self._plain_key(prop), self._class(arg) if kind == "@type" else True)
            self._coerced[k] = got
        return got

    def _ref_bytes(self, cid: str, coerced: bool) -> bytes:
        k = (cid, coerced)
        got = self._ref_json.get(k)
        if got is None:
            got = _js(cid) if coerced else b'{\n  "@id": ' + _js(cid) + b"\n}"
            if not cid.startswith("_:"):
                self._ref_json[k] = got
        return got

    def _entry(self, prop: str, o: Any) -> tuple[str, bytes, str | None]:
        """(key, compacted value as JSON, id of the node it refers to or None) for one value."""
        import pyoxigraph as ox

        t = type(o)
        if t is ox.Literal:
            lang = o.language
            if lang:
                key, plain = self._value_key(prop, "@language", lang)
                return key, (_js_object("@language", lang, "@value", o.value) if plain else _js(o.value)), None
            dt = o.datatype.value
            if dt == XSD_STRING:
                return self._plain_key(prop), _js(o.value), None
            key, cdt = self._value_key(prop, "@type", dt)
            return key, (_js_object("@type", cdt, "@value", o.value) if cdt else _js(o.value)), None
        if t is ox.NamedNode:
            target, cid = self._iri(o.value)
        else:
            target = cid = "_:" + o.value
        ref = self._ref.get(prop)
        if ref is None:
            term = self.c.coerced.get((prop, "@type", "@id"))
            ref = self._ref[prop] = (term, True) if term is not None else (self._plain_key(prop), False)
        return ref[0], self._ref_bytes(cid, ref[1]), target

    def _key_prefix(self, key: str) -> bytes:
        got = self._prefix.get(key)
        if got is None:
            got = self._prefix[key] = _js(key) + b": "
        return got

    # --- nodes ------------------------------------------------------------------------------

    def layouts(self, quads: Iterable[Any], reverse: set[str] | frozenset[str] = frozenset()
                ) -> Iterator[tuple[str, Layout, list[str], list[tuple[str, str]]]]:
        """Per subject, in the order of ``quads``: (id, :data:`Layout`, type IRIs, links), where
        ``links`` are the (property, target id) of the properties in ``reverse``."""
        import pyoxigraph as ox

        literal, named = ox.Literal, ox.NamedNode

        def layout(s: Any, types: list[Any], props: dict[str, list[Any]]) -> tuple:
            if type(s) is named:
                sid, cid = self._iri(s.value)
            else:
                sid = cid = "_:" + s.value
            keyed: list[tuple[str, bytes, str | None]] = [("@id", _js(cid), None)]
            tids: list[str] = []
            if types:
                tids = sorted({_ident(o) for o in types})
                ct = [self._class(t) for t in tids]
                keyed.append(("@type", _js(ct[0]) if len(ct) == 1 else
                              b"[" + b",".join([b"\n  " + _js(c) for c in ct]) + b"\n]", None))
            links = []
            for p in sorted(props):
                values = props[p]
                if len(values) > 1:
                    values = [o for _, o in sorted({_json_key(o): o for o in values}.items())]
                embeddable = p not in _NO_EMBED
                for o in values:
                    key, frag, target = self._entry(p, o)
                    if target is not None:
                        if p in reverse:
                            links.append((p, target))
                        if not embeddable:
                            target = None
                    keyed.append((key, frag, target))
            keys = tuple([key for key, _, _ in keyed])
            got = self._layouts.get(keys)
            if got is None:  # nodes share their keys' sequence (1M triples: 183,496 nodes, 209 sequences)
                counts: dict[str, int] = {}
                for key in keys:
                    counts[key] = counts.get(key, 0) + 1
                order = sorted(counts)
                where = {key: i for i, key in enumerate(order)}
                groups = tuple([(self._key_prefix(key), counts[key] > 1) for key in order])
                got = (self._groups.setdefault(groups, groups), [where[key] for key in keys])
                if len(self._layouts) < _LAYOUTS_KEPT and len(keys) <= _LAYOUT_KEYS_KEPT:
                    self._layouts[keys] = got
            groups, at = got
            entries = tuple([x for i, (_, frag, target) in zip(at, keyed, strict=True) for x in (i, frag, target)])
            return sid, (groups, entries), tids, links

        cur = None
        types: list[Any] = []
        props: dict[str, list[Any]] = {}
        for s, p, o, _ in quads:
            if cur is None or s != cur:
                if cur is not None:
                    yield layout(cur, types, props)
                cur, types, props = s, [], {}
            p = p.value
            if p == RDF_TYPE and type(o) is not literal:
                types.append(o)
            else:
                values = props.get(p)
                if values is None:
                    props[p] = [o]
                else:
                    values.append(o)
        if cur is not None:
            yield layout(cur, types, props)

    def graph_object(self, name: str, quads: Iterable[Any], keep: Index | None = None,
                     reverse: set[str] | frozenset[str] = frozenset(), skip: set[str] | frozenset[str] = frozenset()
                     ) -> bytes:
        """The compacted graph object of the named graph ``name`` with ``quads``, as JSON for
        nesting level 2 (an item of the document's ``@graph``); each node's layout also added to
        ``keep`` when given, except the subjects in ``skip``."""
        nodes = []
        for sid, layout, tids, links in self.layouts(quads, reverse):
            nodes.append((sid, _plain(layout, 4)))
            if keep is not None and sid not in skip:
                keep.add(sid, layout, tids, links)
        nodes.sort(key=lambda n: n[0])
        body = b"[" + b",".join([_IND[4] + n for _, n in nodes]) + _IND[3] + b"]" if nodes else b"[]"
        return (b"{" + _IND[3] + b'"@graph": ' + body + b"," + _IND[3] + b'"@id": ' + _js(self._iri(name)[1])
                + _IND[2] + b"}")

    def write_document(self, fh: IO[bytes], graphs: Iterable[tuple[str, Iterable[Any]]],
                       keep: Index | None = None, reverse: set[str] | frozenset[str] = frozenset(),
                       skip: set[str] | frozenset[str] = frozenset()) -> None:
        """The dataset (graph IRI → its quads, in name order) as one compacted document
        (:func:`compact`), written graph by graph. With ``keep``, the layout of every node not
        in ``skip`` is added to that index (see :meth:`index`): the union graph's index when
        ``skip`` holds the subjects stated in more than one graph."""
        _stream(fh, self.ctx, (self.graph_object(name, quads, keep, reverse, skip) for name, quads in graphs))

    # --- framed views -----------------------------------------------------------------------

    def index(self, quads: Iterable[Any], reverse: set[str], into: Index | None = None) -> Index:
        """The :class:`Index` of a graph (``quads``: each triple once), with the links of the
        ``reverse`` properties (added to ``into`` when given: subjects it does not hold yet)."""
        index = into if into is not None else Index()
        for sid, layout, tids, links in self.layouts(quads, reverse):
            index.add(sid, layout, tids, links)
        return index

    def write_view(self, fh: IO[bytes], index: Index, root_types: Iterable[str],
                   reverse: dict[str, str]) -> None:
        """One framed view (:func:`frame`) of the graph of ``index``, written tree by tree."""
        frame_ctx = frame_context(self.ctx, reverse)
        reverse_terms = _Compactor(frame_ctx).reverse
        nodes, plain = index.nodes, index.plain
        hubs: dict[str, tuple[bytes, dict[str, tuple[int, int, bytes]], frozenset[str]]] = index.hubs

        ev_key = self._key_prefix(self._entry(EVIDENCE, _DUMMY_IRI())[0])
        shared_layouts = index.shared

        def shared(nid: str) -> Layout:
            """The layout of a node reached by a forward link: without qg:evidence (EVIDENCE)."""
            got = shared_layouts.get(nid)
            if got is None:
                groups, entries = nodes[nid]
                drop = [gi for gi, (prefix, _) in enumerate(groups) if prefix == ev_key]
                if not drop:
                    got = nodes[nid]
                else:
                    gone = drop[0]
                    got = (groups[:gone] + groups[gone + 1:],
                           tuple([x for gi, frag, target in _values(entries) if gi != gone
                                  for x in (gi - (gi > gone), frag, target)]))
                shared_layouts[nid] = got
            return got

        def flat(nid: str, level: int) -> bytes:
            got = plain.get(nid)
            if got is None:
                got = plain[nid] = _plain(shared(nid), 0)
            return _at(got, level)

        def embed(nid: str, seen: set[str], depth: int, level: int, own: bool = False) -> bytes:
            if depth >= MAX_DEPTH:
                seen.add(nid)
                return flat(nid, level)
            if depth == MAX_DEPTH - 1:
                return last(nid, seen, level, own)
            seen.add(nid)
            groups, entries = nodes[nid] if own else shared(nid)
            items: list[list[bytes]] = [[] for _ in groups]
            one, two = level + 1, level + 2
            deeper = depth + 1
            for gi, frag, target in _values(entries):
                at = two if groups[gi][1] else one
                if target is not None and target not in seen and target in nodes:
                    items[gi].append(embed(target, seen, deeper, at))
                else:
                    items[gi].append(_at(frag, at))
            return _assemble(groups, items, level)

        def last(nid: str, seen: set[str], level: int, own: bool = False) -> bytes:
            """A node at depth MAX_DEPTH - 1: the nodes it embeds embed nothing."""
            seen.add(nid)
            groups, entries = nodes[nid] if own else shared(nid)
            if len(entries) >= 3 * _HUB and not own:
                return hub(nid, seen, level)
            items: list[list[bytes]] = [[] for _ in groups]
            one, two = level + 1, level + 2
            for gi, frag, target in _values(entries):
                at = two if groups[gi][1] else one
                if target is not None and target not in seen and target in nodes:
                    seen.add(target)
                    items[gi].append(flat(target, at))
                else:
                    items[gi].append(_at(frag, at))
            return _assemble(groups, items, level)

        def hub(nid: str, seen: set[str], level: int) -> bytes:
            """:func:`last` for a node with many values (a nation with all its evidence, met in
            tree after tree): written once as if nothing were seen yet, then each embedded node
            already in ``seen`` put back as a reference (by C-level maps: thousands a tree)."""
            got = hubs.get(nid)
            if got is None:
                got = hubs[nid] = fresh(nid)
            pieces, where, refs, embedded = got
            hit = seen & embedded
            seen |= embedded
            if hit:
                pieces = pieces.copy()
                deque(map(pieces.__setitem__, map(where.__getitem__, hit), map(refs.__getitem__, hit)), 0)
            return _at(b"".join(pieces), level)

        def fresh(nid: str) -> tuple[list[bytes], dict[str, int], dict[str, bytes], frozenset[str]]:
            groups, entries = shared(nid)
            seen = {nid}
            items: list[list[bytes]] = [[] for _ in groups]
            marks: dict[tuple[int, int], tuple[str, bytes]] = {}
            for gi, frag, target in _values(entries):
                at = 2 if groups[gi][1] else 1
                if target is not None and target not in seen and target in nodes:
                    seen.add(target)
                    marks[(gi, len(items[gi]))] = (target, _at(frag, at))
                    items[gi].append(flat(target, at))
                else:
                    items[gi].append(_at(frag, at))
            pieces, where, refs = _pieces(groups, items, marks)
            return pieces, where, refs, frozenset(where)

        def tree(nid: str) -> bytes:
            seen = {nid}
            groups, entries = nodes[nid]
            items: list[list[bytes]] = [[] for _ in groups]
            for gi, frag, target in _values(entries):
                at = 4 if groups[gi][1] else 3
                if target is not None and target not in seen and target in nodes:
                    items[gi].append(embed(target, seen, 1, at))
                else:
                    items[gi].append(_at(frag, at))
            rev = []
            for prop in sorted(set(reverse.values())):
                kids = sorted(index.pointing.get((nid, prop), ()))
                if kids:
                    term = reverse_terms.get(prop)
                    if term is None:
                        raise ValueError(f"no @reverse term for {prop}")
                    rev.append((term, [embed(k, seen, 1, 4, own=True) if k not in seen else _at(self._ref_bytes(
                        k if k.startswith("_:") else self._iri(k)[1], False), 4) for k in kids]))
            if not rev:
                return _assemble(groups, items, 2)
            merged = sorted([(json.loads(g[0][:-2]), g[0], g[1], its) for g, its in zip(groups, items, strict=True)]
                            + [(t, self._key_prefix(t), True, vs) for t, vs in rev])
            return _assemble([(m[1], m[2]) for m in merged], [m[3] for m in merged], 2)

        roots = sorted({n for t in root_types for n in index.by_type.get(t, ())})
        _stream(fh, frame_ctx, (tree(nid) for nid in roots))


def _stream(fh: IO[bytes], ctx: dict[str, Any], items: Iterable[bytes]) -> None:
    """Write ``{"@context": ctx, "@graph": [*items]}`` as :func:`dumps` would, item by item
    (each item already JSON for nesting level 2)."""
    fh.write(b'{\n  "@context": ' + _at(_dump(ctx), 1) + b',\n  "@graph": [')
    first = True
    for item in items:
        fh.write((b"\n    " if first else b",\n    ") + item)
        first = False
    fh.write(b"]\n}\n" if first else b"\n  ]\n}\n")
