"""Deterministic, atomic, offline exports of the built graph.

Formats (``FORMATS``): ``turtle`` (canonical longturtle of the union graph), ``ntriples``
(sorted), ``nquads`` (sorted; one named graph per source document plus the ontology), ``trig``
(the same graphs), ``jsonld`` (the named graphs compacted with the context made from the
ontology; ``context.jsonld`` is written beside it). ``framed/<view>.jsonld`` nest each
agreement, meeting, forum or person with what belongs to it.

Blank nodes get stable labels (a hash of their surroundings, prefixed by their graph), so
building twice gives byte-identical files. Every file is written to a temporary file in the
same folder and renamed into place only when all of a job's files are complete.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any, Callable

from qgraph.errors import QgraphError
from qgraph.loading import GRAPH_NS, ONTOLOGY_GRAPH, Loaded

FORMATS = {
    "turtle": "qgraph.ttl",
    "ntriples": "qgraph.nt",
    "nquads": "qgraph.nq",
    "trig": "qgraph.trig",
    "jsonld": "qgraph.jsonld",
}
CONTEXT_FILE = "context.jsonld"


def _relabel(triples: list[tuple], tag: str) -> list[tuple]:
    """Give the blank nodes of one graph labels that depend only on the graph's content."""
    from rdflib import BNode, Graph
    from rdflib.compare import to_canonical_graph

    bnodes = {t for tr in triples for t in (tr[0], tr[2]) if isinstance(t, BNode)}
    if not bnodes:
        return triples
    sig = {b: "" for b in bnodes}
    outgoing: dict[Any, list] = {b: [] for b in bnodes}
    incoming: dict[Any, list] = {b: [] for b in bnodes}
    for s, p, o in triples:
        if s in outgoing:
            outgoing[s].append((p, o))
        if o in incoming:
            incoming[o].append((s, p))
    for _ in range(4):
        new = {}
        for b in bnodes:
            parts = [f">{p.n3()} {sig[o] if o in sig else o.n3()}" for p, o in outgoing[b]]
            parts += [f"<{p.n3()} {sig[s] if s in sig else s.n3()}" for s, p in incoming[b]]
            new[b] = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()
        sig = new
    if len(set(sig.values())) < len(bnodes):  # symmetric blank nodes: full canonicalisation
        g = Graph()
        for t in triples:
            g.add(t)
        triples = list(to_canonical_graph(g))
        return _relabel_plain(triples, tag)
    names = {b: BNode(_label(tag, sig[b])) for b in bnodes}
    return [(names.get(s, s), p, names.get(o, o)) for s, p, o in triples]


def _label(tag: str, signature: str) -> str:
    """``b`` + hex: a label every N-Quads/JSON-LD parser accepts, distinct per graph ``tag``."""
    return "b" + hashlib.sha256(f"{tag}\n{signature}".encode()).hexdigest()[:24]


def _relabel_plain(triples: list[tuple], tag: str) -> list[tuple]:
    from rdflib import BNode

    def n(t: Any) -> Any:
        return BNode(_label(tag, str(t))) if isinstance(t, BNode) else t

    return [(n(s), p, n(o)) for s, p, o in triples]


def _exact_literal_class() -> type:
    from rdflib import Literal

    class ExactLiteral(Literal):
        """A literal that Turtle/TriG write in its own lexical form: rdflib's short form of a
        number or boolean (``2000000000.0`` for ``"2000000000"^^xsd:decimal``) is a different
        RDF term once read back."""

        def _literal_n3(self, use_plain: bool = False, qname_callback: Any = None) -> str:
            return super()._literal_n3(False, qname_callback)

    return ExactLiteral


def _ox_statements(items: list[tuple[str | None, Any]]) -> list[Any]:
    """pyoxigraph triples (graph ``None``) or quads for (graph name, rdflib triple) items."""
    import pyoxigraph as ox

    from qgraph.terms import to_oxigraph

    out = []
    for g, (s, p, o) in items:
        terms = (to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
        out.append(ox.Quad(*terms, ox.NamedNode(g)) if g else ox.Triple(*terms))
    return out


def _keep_lexical_forms(triples: list[tuple]) -> list[tuple]:
    from rdflib import Literal

    exact = None
    out = []
    for s, p, o in triples:
        if isinstance(o, Literal) and o.datatype is not None and not o.language:
            try:
                plain = o._literal_n3(use_plain=True)
            except Exception:  # pragma: no cover - rdflib could not shorten it: keep the long form
                plain = None
            if plain != o._literal_n3(use_plain=False) and plain != str(o):
                exact = exact or _exact_literal_class()
                o = exact(str(o), datatype=o.datatype)
        out.append((s, p, o))
    return out


@dataclass
class Exporter:
    """The built graph in every export format (each computed once)."""

    loaded: Loaded

    @cached_property
    def graphs(self) -> dict[str, list[tuple]]:
        """Graph IRI → its triples with stable blank-node labels, graphs in name order."""
        out = {}
        for name in sorted({f.graph for f in self.loaded.files}):
            tag = name.removeprefix(GRAPH_NS)
            out[name] = _keep_lexical_forms(_relabel(list(self.loaded.graph(name)), tag))
        return out

    def _new_graph(self) -> Any:
        from rdflib import Graph

        g = Graph(bind_namespaces="none")
        for p, ns in sorted(self.loaded.prefixes.items()):
            g.bind(p, ns, override=True, replace=True)
        return g

    def _filled(self, triples: Any) -> Any:
        """A new graph holding ``triples``, with a prefix for every namespace it uses: the
        project's, and for any other namespace ``ns1``, ``ns2``, … assigned in sorted IRI order
        (rdflib would otherwise number them in set order, which changes with the hash seed)."""
        from rdflib import RDF, Literal, URIRef

        g = self._new_graph()
        for t in triples:
            g.add(t)
        used = set(g.predicates()) | {o for o in g.objects(None, RDF.type) if isinstance(o, URIRef)}
        used |= {o.datatype for o in g.objects() if isinstance(o, Literal) and o.datatype is not None}
        for iri in sorted(used):
            try:
                g.namespace_manager.compute_qname(str(iri), generate=True)
            except ValueError:  # an IRI rdflib cannot split into namespace + local name
                pass
        return g

    @cached_property
    def union(self) -> Any:
        return self._filled(t for triples in self.graphs.values() for t in triples)

    @cached_property
    def ntriples(self) -> str:
        """Sorted, distinct N-Triples lines of the union graph (pyoxigraph's writer)."""
        return self._sorted_lines([(None, t) for triples in self.graphs.values() for t in triples])

    @cached_property
    def nquads(self) -> str:
        """Sorted N-Quads lines, one named graph per file (pyoxigraph's writer)."""
        return self._sorted_lines([(name, t) for name, triples in self.graphs.items() for t in triples])

    def _sorted_lines(self, items: list[tuple[str | None, Any]]) -> str:
        import pyoxigraph as ox

        out = _ox_statements(items)
        fmt = ox.RdfFormat.N_QUADS if any(g for g, _ in items) else ox.RdfFormat.N_TRIPLES
        text = ox.serialize(out, format=fmt).decode("utf-8")
        return "".join(sorted({line + "\n" for line in text.splitlines() if line.strip()}))

    @cached_property
    def context(self) -> dict[str, Any]:
        from qgraph.jsonld import make_context

        return make_context(self.loaded.graph(ONTOLOGY_GRAPH), self.loaded.prefixes)

    def write_turtle(self, fh: IO[bytes]) -> None:
        """The union graph as Turtle, by pyoxigraph's serialiser (rdflib's longturtle took most
        of a large build). Deterministic: triples in N-Triples order, blank nodes with the
        stable labels of _relabel, the project's prefixes."""
        self._ox_write(fh, [(None, t) for triples in self.graphs.values() for t in triples], "turtle")

    def write_ntriples(self, fh: IO[bytes]) -> None:
        fh.write(self.ntriples.encode("utf-8"))

    def write_nquads(self, fh: IO[bytes]) -> None:
        fh.write(self.nquads.encode("utf-8"))

    def write_trig(self, fh: IO[bytes]) -> None:
        """Each named graph, in name order, by pyoxigraph's TriG serialiser (see write_turtle)."""
        self._ox_write(fh, [(name, t) for name, triples in self.graphs.items() for t in triples], "trig")

    def _ox_write(self, fh: IO[bytes], items: list[tuple[str | None, Any]], fmt: str) -> None:
        import pyoxigraph as ox

        def key(item: tuple[str | None, Any]) -> tuple[str, str, str, str]:
            g, (s, p, o) = item
            return (g or "", s.n3(), p.n3(), o.n3())

        seen, kept = set(), []
        for item in sorted(items, key=key):
            k = key(item)
            if k in seen:  # the union: a triple stated in two documents is written once
                continue
            seen.add(k)
            kept.append(item)
        out = _ox_statements(kept)
        prefixes = {p: ns for p, ns in sorted(self.loaded.prefixes.items()) if p}
        fh.write(ox.serialize(out, format=ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.TURTLE,
                              prefixes=prefixes))

    def write_jsonld(self, fh: IO[bytes]) -> None:
        from qgraph.jsonld import compact, dumps

        fh.write(dumps(compact(self.graphs, self.context)).encode("utf-8"))

    def write_context(self, fh: IO[bytes]) -> None:
        from qgraph.jsonld import context_document

        fh.write(context_document(self.context).encode("utf-8"))

    def framed_writer(self, view: str) -> Callable[[IO[bytes]], None]:
        from qgraph.jsonld import FRAMES, dumps, frame

        if view not in FRAMES:
            raise QgraphError(f"unknown frame {view!r} (choose from {', '.join(sorted(FRAMES))})")
        root, reverse = FRAMES[view]
        types = sorted(self._subclasses(root))

        def write(fh: IO[bytes]) -> None:
            fh.write(dumps(frame(self.union, self.context, types, reverse, self.union_nodes)).encode("utf-8"))

        return write

    @cached_property
    def union_nodes(self) -> list[dict[str, Any]]:
        """Expanded JSON-LD nodes of the union graph, shared by the framed views."""
        from qgraph.jsonld import expanded_nodes

        return expanded_nodes(self.union)

    def _subclasses(self, cls: str) -> set[str]:
        """``cls`` and its subclasses per the ontology graph (read from the parsed quads: building
        rdflib's dataset for this took seconds on a large project)."""
        import pyoxigraph as ox

        sub = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
        children: dict[str, set[str]] = {}
        for q in self.loaded.quads:
            if (q.predicate.value == sub and isinstance(q.graph_name, ox.NamedNode)
                    and q.graph_name.value == ONTOLOGY_GRAPH and isinstance(q.subject, ox.NamedNode)
                    and isinstance(q.object, ox.NamedNode)):
                children.setdefault(q.object.value, set()).add(q.subject.value)
        found, todo = {cls}, [cls]
        while todo:
            for c in children.get(todo.pop(), ()):
                if c not in found:
                    found.add(c)
                    todo.append(c)
        return found

    def writer(self, fmt: str) -> Callable[[IO[bytes]], None]:
        if fmt not in FORMATS:
            raise QgraphError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
        return getattr(self, f"write_{fmt}")

    def jobs(self, out: Path) -> dict[Path, Callable[[IO[bytes]], None]]:
        """Every file a build writes into ``out``."""
        from qgraph.jsonld import FRAMES

        jobs = {out / name: self.writer(fmt) for fmt, name in FORMATS.items()}
        jobs[out / CONTEXT_FILE] = self.write_context
        for view in sorted(FRAMES):
            jobs[out / "framed" / f"{view}.jsonld"] = self.framed_writer(view)
        return jobs


def write_atomically(jobs: dict[Path, Callable[[IO[bytes]], None]]) -> list[Path]:
    """Write every job to a temporary file beside its target, then rename them all into place.

    If any job fails (or a folder cannot be made), every temporary file is removed and no
    target is touched; the error becomes a :class:`QgraphError`.
    """
    temps: list[tuple[str, Path]] = []
    try:
        for target, job in jobs.items():
            _make_dir(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            temps.append((tmp, target))
            os.chmod(tmp, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as fh:
                job(fh)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
        temps = []
    except OSError as e:
        raise QgraphError(f"cannot write {e.filename or ''}: {e.strerror or e}".replace(" :", ":")) from None
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return list(jobs)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise QgraphError(f"cannot write into {path}: it is a file, not a folder") from None
    except OSError as e:
        raise QgraphError(f"cannot create folder {path}: {e.strerror or e}") from None
    if not path.is_dir():
        raise QgraphError(f"cannot write into {path}: it is not a folder")
