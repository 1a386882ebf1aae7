"""Read the ontology and every data file, one named graph per file.

Each file is parsed with pyoxigraph's strict Turtle parser (its errors carry line and column,
reported as ``data/x.ttl:12: …``). The result, :class:`Loaded`, holds the quads and hands out
an rdflib ``Dataset`` or an rdflib union ``Graph`` when a step needs one (SHACL, exports).

Graph names: ``…/graph/<stem>`` (:func:`qgraph.vocab.graph_name`) for ``data/<stem>.ttl``, ``…/graph/links`` and
``…/graph/enrichment`` for ``data/links/links.ttl`` and ``data/links/enrichment.ttl``, ``…/graph/text-reuse``
for ``data/links/text-reuse.ttl`` (``qgraph reuse``; each when present), and
``…/graph/ontology`` for the ontology files.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from qgraph.errors import QgraphError
from qgraph.vocab import ENRICHMENT_GRAPH, GRAPH_NS, LINKS_GRAPH, ONTOLOGY_GRAPH, QG, QGID, REUSE_GRAPH  # noqa: F401 (re-exported)

LINK_FILES = (("links.ttl", LINKS_GRAPH), ("enrichment.ttl", ENRICHMENT_GRAPH), ("text-reuse.ttl", REUSE_GRAPH))

def project_prefixes() -> dict[str, str]:
    """The project's prefix map (prefix → namespace IRI), :data:`qgraph.vocab.PREFIXES` (which
    :mod:`qgraph.namespaces` re-exports; not imported from there, which imports rdflib)."""
    from qgraph.vocab import PREFIXES

    return dict(PREFIXES)


@dataclass
class SourceFile:
    """One parsed file: where it is, which graph it fills, the prefixes it declares."""

    path: Path
    rel: str
    graph: str
    stem: str | None  # the document id for data files, None for ontology files
    prefixes: dict[str, str] = field(default_factory=dict)
    triples: int = 0

    @cached_property
    def lines(self) -> list[str]:
        return read_text(self.path, self.rel).splitlines()


@dataclass
class Loaded:
    """The loaded project: files and quads (pyoxigraph terms), with rdflib views on demand."""

    root: Path
    files: list[SourceFile]
    quads: list[Any]
    prefixes: dict[str, str]
    project: Any = None  # the qgraph.project.Project the files were read from

    @property
    def data_files(self) -> list[SourceFile]:
        return [f for f in self.files if f.stem is not None]

    @property
    def documents(self) -> list[str]:
        return [f.stem for f in self.data_files if f.stem]

    def forget_lines(self) -> None:
        """Let every file's :attr:`SourceFile.lines` go (read again if a later step asks): the
        checks locate their problems with them, the exports need none (1M triples: ~99 MiB,
        else held to the end of the build)."""
        for f in self.files:
            f.__dict__.pop("lines", None)

    def file_for_graph(self, graph: str) -> list[SourceFile]:
        return [f for f in self.files if f.graph == graph]

    @cached_property
    def _spans(self) -> dict[str, tuple[int, int]]:
        out, start = {}, 0
        for f in self.files:
            out[f.rel] = (start, start + f.triples)
            start += f.triples
        return out

    def quads_of(self, f: SourceFile) -> list[Any]:
        """The quads parsed from ``f`` (``quads`` holds each file's quads in ``files`` order)."""
        span = self._spans.get(f.rel)
        if span is None:
            raise ValueError(f"{f.rel} is not one of the loaded files")
        return self.quads[span[0]:span[1]]

    @cached_property
    def node_files(self) -> dict[Any, list[SourceFile]]:
        """Each subject (and each blank node used as an object) → the files that state it, in
        ``files`` order: where a problem's focus node is written (built when first needed)."""
        import pyoxigraph as ox

        out: dict[Any, list[SourceFile]] = {}
        for f in self.files:
            for q in self.quads_of(f):
                for node in (q.subject, q.object) if type(q.object) is ox.BlankNode else (q.subject,):
                    where = out.get(node)
                    if where is None:
                        out[node] = [f]
                    elif where[-1] is not f:
                        where.append(f)
        return out

    def node_files_from(self, store: Any, left_out: Any = ()) -> None:
        """Answer :attr:`node_files` lookups from ``store`` from now on, one node at a time,
        rather than by a pass over every quad (0.8 s at a million triples, for the few thousand
        nodes a validation locates). ``store``: a pyoxigraph Store holding every quad of each
        file that has a named graph of its own, but ``left_out`` (quads not put in it); the other
        files (the ontology's, which share a graph, and any whose graph the store lacks) are
        indexed by a pass over their quads alone. Nothing changes when the whole index is built
        already. tests/test_loading.py holds the answers to the whole index's."""
        if "node_files" not in self.__dict__:
            self.__dict__["node_files"] = _StoreNodeFiles(self, store, left_out)

    def node_files_unstored(self) -> None:
        """Stop answering :attr:`node_files` from the store given to :meth:`node_files_from`
        (which this then no longer holds): a later lookup indexes the quads whole, as before it."""
        if type(self.__dict__.get("node_files")) is _StoreNodeFiles:
            del self.__dict__["node_files"]

    def blank_label(self, node: Any) -> str | None:
        """The label the exports give the blank node ``node`` (a pyoxigraph or rdflib blank node
        of these quads): made from what is around it in its graph, the same at every run
        (:func:`qgraph.corpus.blanks._relabel`), where a parse names it at random; for reports.
        ``None`` when it is not one of these quads' blank nodes, or rdflib's canonicaliser names
        it (a small symmetric structure)."""
        import pyoxigraph as ox

        try:
            b = node if type(node) is ox.BlankNode else ox.BlankNode(str(node))
        except ValueError:  # not an identifier a parse gives (a blank node made elsewhere)
            return None
        files = self.node_files.get(b) or []
        if not files:
            return None
        names = self._blank_names(files[0].graph)
        got = names.get(b)
        return got.value if got is not None else None

    def _blank_names(self, graph: str) -> dict[Any, Any]:
        """Blank node → its name in the exports, for the quads of ``graph`` (worked out once)."""
        import pyoxigraph as ox

        from qgraph.corpus.blanks import _relabel
        from qgraph.errors import QgraphError

        cache: dict[str, dict] = self.__dict__.setdefault("_blank_cache", {})
        names = cache.get(graph)
        if names is None:
            blank = ox.BlankNode
            quads = [q for f in self.files if f.graph == graph for q in self.quads_of(f)
                     if type(q.subject) is blank or type(q.object) is blank]
            names = {}
            try:
                _relabel(quads, graph.removeprefix(GRAPH_NS), graph, names)
            except QgraphError:  # a structure the exports refuse: labels as parsed
                names = {}
            cache[graph] = names
        return names

    def quads_except(self, graph: str) -> list[Any]:
        """Every quad not in ``graph``, by file slices (no per-quad test)."""
        out: list[Any] = []
        start = 0
        for g in self.files:
            if g.graph != graph:
                out += self.quads[start:start + g.triples]
            start += g.triples
        return out

    @cached_property
    def dataset(self) -> Any:
        """An rdflib ``Dataset`` (default graph = union) with one named graph per file."""
        from rdflib import Dataset, URIRef
        from rdflib.namespace import NamespaceManager

        from qgraph.corpus.terms import to_rdflib

        ds = Dataset(default_union=True)
        ds.namespace_manager = NamespaceManager(ds, bind_namespaces="none")
        for p, ns in self.prefixes.items():
            ds.bind(p, ns, override=True, replace=True)
        graphs: dict[str, Any] = {}
        for q in self.quads:
            name = q.graph_name.value
            g = graphs.get(name)
            if g is None:
                g = graphs[name] = ds.graph(URIRef(name))
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return ds

    @cached_property
    def union(self) -> Any:
        """An rdflib ``Graph`` with every triple of data, ontology, links and enrichment (for
        SHACL: the enrichment's memberships carry linked-data provenance, which
        ``qgsh:Membership-provenance`` accepts, where the documents' carry a passage)."""
        from rdflib import Graph, URIRef

        g = Graph(bind_namespaces="none")
        for p, ns in self.prefixes.items():
            g.bind(p, ns, override=True, replace=True)
        for name in sorted({f.graph for f in self.files}):
            for t in self.dataset.graph(URIRef(name)):
                g.add(t)
        return g

    def graph(self, name: str) -> Any:
        """An rdflib ``Graph`` of one named graph. Without the whole ``dataset`` at hand, only
        that graph's files are converted (the build's ontology page needs the ontology alone:
        converting a million triples for it took longer than every export together)."""
        from rdflib import Graph, URIRef

        if "dataset" in self.__dict__:
            return self.dataset.graph(URIRef(name))
        from rdflib.namespace import NamespaceManager

        from qgraph.corpus.terms import to_rdflib

        g = Graph(identifier=URIRef(name))
        g.namespace_manager = NamespaceManager(g, bind_namespaces="none")
        for p, ns in self.prefixes.items():
            g.bind(p, ns, override=True, replace=True)
        for f in self.file_for_graph(name):
            for q in self.quads_of(f):
                g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return g


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def read_text(path: Path, rel: str) -> str:
    """The UTF-8 text of a file; not UTF-8 or unreadable → one line naming the file (and the line
    of the first byte that is not UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise QgraphError(f"{rel}: cannot read: {e.strerror or e}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise QgraphError(f"{rel}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}: "
                          f"{e.reason}); save the file as UTF-8") from None
    except MemoryError:
        raise QgraphError(f"{rel}: out of memory while reading it ({len(data) / 1e6:.1f} MB)") from None


def largest_literal(loaded: Loaded) -> str:
    """``file:line`` and size of the longest literal loaded (for an out-of-memory message)."""
    import pyoxigraph as ox

    best, where = 0, None
    for f in loaded.files:
        for q in loaded.quads_of(f):
            if type(q.object) is ox.Literal and len(q.object.value) > best:
                best, where = len(q.object.value), (f, q.object.value)
    if where is None:
        return "no literal"
    f, value = where
    head = value[:40]
    line = next((i for i, text in enumerate(f.lines, 1) if head and head in text), None)
    return f"the longest literal, {best / 1e6:.1f} million characters, is at {f.rel}" + (f":{line}" if line else "")


def parse_file(path: Path, graph: str, rel: str, data: bytes | None = None) -> tuple[list[Any], dict[str, str]]:
    """Parse one Turtle file into quads of ``graph``; a syntax error becomes ``rel:line: …``.

    The quads come straight from the parser in ``graph`` where :func:`as_trig` can read the
    file as TriG (its triples wrapped in one ``GRAPH`` block): making a second quad of each
    parsed triple took as long as parsing it (1M triples: 1.9 -> 1.1 s). Else, and whenever
    that reading fails, the file is parsed as Turtle, whose errors are the ones reported.
    ``data``: the file's bytes, read already (else read here), which the Turtle parser then
    reads too."""
    import pyoxigraph as ox

    given = data
    if data is None:
        try:
            data = path.read_bytes()
        except OSError:
            data = None  # reported by the Turtle parser below
    trig = as_trig(data, graph) if data is not None else None
    del data
    if trig is not None:
        try:
            parser = ox.parse(trig, format=ox.RdfFormat.TRIG, rename_blank_nodes=True)
            return list(parser), dict(parser.prefixes)
        except (SyntaxError, ValueError, MemoryError):
            pass  # the Turtle parser says what is wrong
        del trig
    return _parse_turtle(path, graph, rel, given)


#: a line of a file's head: blank, a comment, or one whole prefix or base directive (either spelling)
_IRIREF = rb'<[^<>"{}|^`\\\x00-\x20]*>'
_HEAD_LINE = re.compile(
    rb'[ \t]*(?:(?:@prefix[ \t]+[^\s<>#]*:[ \t]*' + _IRIREF + rb'[ \t]*\.|@base[ \t]*' + _IRIREF + rb'[ \t]*\.'
    rb'|(?i:prefix)[ \t]+[^\s<>#]*:[ \t]*' + _IRIREF + rb'|(?i:base)[ \t]*' + _IRIREF + rb')[ \t]*)?(?:#[^\r\n]*)?\r?\n')


def _may_hold_directive(body: bytes) -> bool:
    r"""Whether ``body`` holds a brace or a word ``prefix`` or ``base`` in any case (``@prefix``
    and ``@base`` too; in strings too): as ``re.search(rb'[{}]|(?<![\w-])(?i:prefix|base)(?![\w-])')``,
    which took 0.4 s over the 45 MB of a million triples; this takes 0.05 s."""
    if b"{" in body or b"}" in body:
        return True
    low = body.lower()
    for word in (b"prefix", b"base"):
        at = low.find(word)
        while at >= 0:
            before, after = low[at - 1:at], low[at + len(word):at + len(word) + 1]
            if not (before and (before.isalnum() or before in b"_-")) \
                    and not (after and (after.isalnum() or after in b"_-")):
                return True
            at = low.find(word, at + 1)
    return False


def as_trig(data: bytes, graph: str) -> bytes | None:
    """The Turtle file ``data`` as a TriG document whose one ``GRAPH <graph> { … }`` block holds
    its triples, which a TriG parser reads as the quads of the file in ``graph``, in the same
    order, with the same prefixes; ``None`` where that is not sure, for the Turtle parser.

    Sure when the file is a head of whole-line directives, comments and blank lines, then
    statements without a directive, a brace, or a word that could start one (``PREFIX``,
    ``BASE``, ``@prefix``, ``@base``, anywhere, strings included), ending with the final ``.``
    of a statement on a line without a comment: inside a block TriG differs from Turtle only in
    letting that final ``.`` out (and a brace would end the block). Lines keep their numbers."""
    at = 0
    while True:
        m = _HEAD_LINE.match(data, at)
        if m is None or m.end() == at:
            break
        at = m.end()
    body = data[at:]
    end = body.rstrip()
    if end and (not end.endswith(b".") or b"#" in end[end.rfind(b"\n") + 1:] or _may_hold_directive(body)):
        return None
    if b"\x00" in body or not graph.isascii() or re.search(r'[<>"{}|^`\\\x00-\x20]', graph):
        return None
    return data[:at] + b"GRAPH <" + graph.encode("ascii") + b"> {" + body + b"\n}\n"


def _starts_with_bom(path: Path, data: bytes | None) -> bool:
    if data is None:
        try:
            with open(path, "rb") as fh:
                data = fh.read(3)
        except OSError:
            return False
    return data.startswith(b"\xef\xbb\xbf")


def _parse_turtle(path: Path, graph: str, rel: str, data: bytes | None = None) -> tuple[list[Any], dict[str, str]]:
    """:func:`parse_file` by the Turtle parser (of ``data`` when given, else of the file)."""
    import pyoxigraph as ox

    try:
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True) if data is None \
            else ox.parse(data, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        g = ox.NamedNode(graph)
        quads = [ox.Quad(q.subject, q.predicate, q.object, g) for q in parser]
        return quads, dict(parser.prefixes)
    except SyntaxError as e:
        line = e.lineno if e.lineno else None
        msg = str(e.msg if hasattr(e, "msg") and e.msg else e)
        msg = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", msg)
        msg = re.sub(r"^Parser error at line \d+ column \d+: ", "", msg)
        where = f"{rel}:{line}" if line else rel
        col = f" (column {e.offset})" if e.offset else ""
        if line in (None, 1) and _starts_with_bom(path, data):  # the mark itself, invisible in the message
            raise QgraphError(f"{rel}:1: the file begins with a byte-order mark (U+FEFF), which Turtle does not "
                              "allow here; save it as UTF-8 without a BOM") from None
        raise QgraphError(f"{where}: Turtle syntax error{col}: {msg}") from None
    except UnicodeDecodeError as e:
        raise QgraphError(f"{rel}: not UTF-8 text ({e.reason})") from None
    except OSError as e:
        raise QgraphError(f"{rel}: cannot read: {e.strerror or e}") from None
    except MemoryError as e:
        if "buffer maximal size" in str(e):  # pyoxigraph's limit on one token, not the machine's memory
            limit = re.search(r"\d+", str(e))
            raise QgraphError(f"{rel}:{_longest_line(path, data)}: a literal or an IRI longer than the Turtle "
                              f"parser takes ({int(limit.group()) >> 20 if limit else 16} MiB); shorten or split it") from None
        size = path.stat().st_size / 1e6
        raise QgraphError(f"{rel}: out of memory while parsing it ({size:.1f} MB; a literal too large?)") from None


def _longest_line(path: Path, data: bytes | None) -> int:
    """The number of the longest line of the file (where a token too long for the parser is)."""
    try:
        data = data if data is not None else path.read_bytes()
    except OSError:
        return 1
    lines = data.split(b"\n")
    return max(range(len(lines)), key=lambda i: len(lines[i])) + 1


def sources(project: Any) -> list[tuple[Path, str, str]]:
    """``(path, rel, graph)`` of every file :func:`load` reads, in its order, without reading
    any (no check is made: :func:`load` reports a missing data folder or a bad document id).
    tests/test_fastedit.py holds the two to the same files."""
    out = [(p, rel, ONTOLOGY_GRAPH) for rel, p in project.ontology_files]
    if project.data_dir.is_dir():
        out += [(p, project.display(p), GRAPH_NS + p.stem) for p in project.data_paths()]
    for name, graph in LINK_FILES:
        p = project.link_file(name)
        if p.is_file():
            out.append((p, project.display(p), graph))
    return out


def load(root: Path | str | Any | None = None) -> Loaded:
    """Parse the ontology and all ``data/*.ttl`` of the project at ``root`` (the cyclic garbage
    collector paused meanwhile, see :func:`paused_gc`: 1M triples 2.6 -> 2.0 s).

    Raises :class:`~qgraph.errors.QgraphError` (one line, ``file:line``) on a missing or
    malformed file.
    """
    with paused_gc():
        return _load(root)


def _load(root: Path | str | Any | None) -> Loaded:
    from qgraph.project import Project

    project = root if isinstance(root, Project) else Project.at(root)
    files: list[SourceFile] = []
    quads: list[Any] = []
    for p, rel, graph, stem in _listing(project):
        q, prefixes = parse_file(p, graph, rel)
        files.append(SourceFile(p, rel, graph, stem, prefixes, len(q)))
        quads.extend(q)
    return Loaded(root=project.root, files=files, quads=quads, prefixes=project_prefixes(), project=project)


def _listing(project: Any) -> Iterator[tuple[Path, str, str, str | None]]:
    """``(path, rel, graph, document id or None)`` of every file :func:`load` reads, in its
    order: the ontology's, the data files (a missing data folder or a bad document id raised
    when reached, so that a file listed before is parsed, and reported, first), the link graphs
    (generated by `qgraph link` / `qgraph reuse`; each in its own named graph)."""
    for rel, p in project.ontology_files:
        yield p, rel, ONTOLOGY_GRAPH, None
    data_dir = project.data_dir
    if not data_dir.is_dir():
        raise QgraphError(f"{project.display(data_dir)}: no such folder (a corpus keeps one Turtle file per "
                          "document there; `qgraph new` adds one)")
    for p in project.data_paths():
        rel = project.display(p)
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", p.stem):
            raise QgraphError(f"{rel}: a document id must be lower-case words joined by '-'")
        yield p, rel, GRAPH_NS + p.stem, p.stem
    for name, graph in LINK_FILES:
        p = project.link_file(name)
        if p.is_file():
            yield p, project.display(p), graph, None


class LazyLoaded(Loaded):
    """A :class:`Loaded` whose files are parsed when a step first asks for their quads
    (:meth:`quads_of`; :attr:`quads` parses every one): ``qgraph validate`` after an edit, with
    the kept validation store (:mod:`qgraph.checks.kept_store`), where the steps read the
    changed files and take the others' results from the cache.

    ``kept``: that store, which holds every data file but those of ``fresh`` as parsed by an
    earlier run: their quads are read from it (a parse would name their blank nodes anew, where
    the kept results use the store's ids; only their prefixes are taken from a parse).
    ``fresh``: the files parsed at once (those changed since the store was written)."""

    def __init__(self, root: Path, files: list[SourceFile], prefixes: dict[str, str], project: Any,
                 kept: Any = None, fresh: frozenset[str] = frozenset()) -> None:
        self.root, self.files, self.prefixes, self.project = root, files, prefixes, project
        self.kept = kept
        self.fresh = fresh
        self._parsed: dict[str, list[Any]] = {}
        self._ids = {id(f) for f in files}

    @property  # type: ignore[override]
    def quads(self) -> list[Any]:
        got = self.__dict__.get("_all")
        if got is None:
            got = self.__dict__["_all"] = [q for f in self.files for q in self.quads_of(f)]
        return got

    @property
    def parsed(self) -> int:
        """How many quads were parsed so far."""
        return sum(len(q) for q in self._parsed.values())

    def quads_of(self, f: SourceFile) -> list[Any]:
        if id(f) not in self._ids:
            raise ValueError(f"{f.rel} is not one of the loaded files")
        got = self._parsed.get(f.rel)
        if got is None:
            with paused_gc():
                got, f.prefixes = parse_file(f.path, f.graph, f.rel)
                if self.kept is not None and f.stem is not None and f.rel not in self.fresh:
                    import pyoxigraph as ox

                    # as the kept store holds them: the ids of its blank nodes are those of the
                    # kept results (the file is unchanged, and has no ill-typed literal)
                    got = list(self.kept.store.quads_for_pattern(None, None, None, ox.NamedNode(f.graph)))
            f.triples = len(got)
            self._parsed[f.rel] = got
        return got


class _LazyFile(SourceFile):
    """A file of a :class:`LazyLoaded`: parsed when its prefixes are first asked for too."""

    _owner: Any = None
    _prefixes: dict[str, str] | None = None

    @property  # type: ignore[override]
    def prefixes(self) -> dict[str, str]:
        if self._prefixes is None:
            self._owner.quads_of(self)  # sets them
        return self._prefixes or {}

    @prefixes.setter
    def prefixes(self, value: dict[str, str] | None) -> None:
        self._prefixes = value


def lazy_load(project: Any, fresh: list[str], kept: Any = None) -> LazyLoaded:
    """:func:`load`'s files, of which only the data files ``fresh`` (``rel``) are parsed now
    (a syntax error in one is reported here); the others when first asked for."""
    files: list[SourceFile] = [_LazyFile(p, rel, graph, stem, None)  # type: ignore[arg-type]
                               for p, rel, graph, stem in _listing(project)]
    loaded = LazyLoaded(project.root, files, project_prefixes(), project, kept, frozenset(fresh))
    for f in files:
        f._owner = loaded  # type: ignore[attr-defined]
        if f.rel in loaded.fresh:
            loaded.quads_of(f)
    return loaded


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off for a step that makes millions of objects and no
    cycles worth collecting (loading a million triples took 40% longer with it on: it rescans
    the growing lists each time it runs). Restored afterwards, also on error."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _StoreNodeFiles:
    """:attr:`Loaded.node_files` answered by a store (:meth:`Loaded.node_files_from`): the
    files of a node are those whose graph holds a quad with the node as subject (or, for a
    blank node, as object too), in ``files`` order; a graph with one file stands for that
    file. Only ``get`` is offered (the only use)."""

    def __init__(self, loaded: Loaded, store: Any, left_out: Any) -> None:
        import pyoxigraph as ox

        self._store = store
        per_graph: dict[str, list[SourceFile]] = {}
        for f in loaded.files:
            per_graph.setdefault(f.graph, []).append(f)
        # the graphs the store holds, asked once (one lookup per graph took 0.05 s of the
        # edit-check at 1M, ~2,000 graphs in the kept store): a graph is named there once a quad
        # of it is added and until it is removed whole (no quad is removed alone from the stores
        # validated in), so a graph named holds the quads of its file put in the store
        held = {g.value for g in store.named_graphs() if type(g) is ox.NamedNode}
        self._file_of = {g: files[0] for g, files in per_graph.items() if len(files) == 1 and g in held}
        self._order = {id(f): k for k, f in enumerate(loaded.files)}
        rest = Loaded(loaded.root, [], [], loaded.prefixes, loaded.project)
        for f in loaded.files:
            if f.graph not in self._file_of:
                rest.quads += loaded.quads_of(f)
                rest.files.append(f)
        self._rest = rest.node_files  # the files the store does not stand for, indexed whole
        self._left_out: dict[Any, set[str]] = {}
        for q in left_out:
            if q.graph_name.value in self._file_of:
                for node in (q.subject, q.object) if type(q.object) is ox.BlankNode else (q.subject,):
                    self._left_out.setdefault(node, set()).add(q.graph_name.value)
        self._seen: dict[Any, list[SourceFile]] = {}

    def get(self, node: Any, default: Any = None) -> Any:
        import pyoxigraph as ox

        files = self._seen.get(node)
        if files is None:
            graphs = set(self._left_out.get(node, ()))
            patterns = [(node, None, None)]
            if type(node) is ox.BlankNode:
                patterns.append((None, None, node))
            elif type(node) is not ox.NamedNode:
                patterns = []
            for s, p, o in patterns:
                for q in self._store.quads_for_pattern(s, p, o, None):
                    g = q.graph_name
                    if type(g) is ox.NamedNode:
                        graphs.add(g.value)
            files = [self._file_of[g] for g in graphs if g in self._file_of] + self._rest.get(node, [])
            files.sort(key=lambda f: self._order[id(f)])
            self._seen[node] = files
        return files or default
