"""Deterministic, atomic, offline exports of the built graph.

Formats (``FORMATS``): ``turtle`` (the union graph, each triple once), ``ntriples`` (sorted,
distinct), ``nquads`` (sorted; one named graph per source document plus the ontology), ``trig``
(the same graphs), ``jsonld`` (the named graphs compacted with the context made from the
ontology; ``context.jsonld`` is written beside it). ``framed/<view>.jsonld`` nest each
agreement, meeting, forum or person with what belongs to it.

Everything is written straight from the parsed pyoxigraph quads (``Loaded.quads``): sorted once
by their N-Quads text, serialised by pyoxigraph (N-Triples, N-Quads, Turtle, TriG: literals keep
their lexical form) or compacted by :class:`qgraph.publish.jsonld.Writer` and streamed as JSON. Turtle
and TriG list the triples in that sorted order (TriG graph by graph, in name order) with the
project's prefixes.

Blank nodes get stable labels (a hash of their surroundings, prefixed by their graph), so
building twice gives byte-identical files. Every file is written to a temporary file in the
same folder and renamed into place only when all of a job's files are complete.
"""

from __future__ import annotations

import os
import re
import tempfile
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, wraps
from itertools import accumulate, compress, groupby
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, Callable

from qgraph.corpus.blanks import MAX_SYMMETRIC_BNODES, _relabel  # noqa: F401 (MAX_SYMMETRIC_BNODES re-exported)
from qgraph.corpus.loading import GRAPH_NS, ONTOLOGY_GRAPH, Loaded, paused_gc
from qgraph.errors import QgraphError
from qgraph.vocab import RDFS_SUBCLASSOF

FORMATS = {
    "turtle": "qgraph.ttl",
    "ntriples": "qgraph.nt",
    "nquads": "qgraph.nq",
    "trig": "qgraph.trig",
    "jsonld": "qgraph.jsonld",
}
CONTEXT_FILE = "context.jsonld"
_CHUNK = 4096  # lines per write
_BATCH = 2048  # quads per batch of whole subjects sorted at once (Exporter._sort)


def _no_gc(fn: Callable) -> Callable:
    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with paused_gc():
            return fn(*args, **kwargs)

    return run


def _reverse_links() -> set[str]:
    """Every property a framed view nests in reverse (qgraph.publish.jsonld.FRAMES)."""
    from qgraph.publish.jsonld import FRAMES

    return {p for _, reverse in FRAMES.values() for p in reverse.values()}


@dataclass
class _Sorted:
    """The distinct quads sorted by their N-Quads text; positions (in ``quads``) of the quads
    whose triple is the one before's (stated in another graph too); each graph's positions;
    the (start, end) positions of each subject stated in more than one graph."""

    quads: list[Any]
    repeated: set[int]
    by_graph: dict[str, Any]  # graph IRI -> array("q") of positions
    shared: list[tuple[int, int]]

    def graph(self, name: str) -> Iterator[Any]:
        return map(self.quads.__getitem__, self.by_graph.get(name, ()))  # by C-level calls, not a generator's

    def union(self) -> Iterator[Any]:
        """Each triple once (as the first of its quads), in sorted order."""
        if not self.repeated:
            return iter(self.quads)
        keep = bytearray(b"\x01") * len(self.quads)
        for i in self.repeated:
            keep[i] = 0
        return compress(self.quads, keep)


class _Sorting:
    """:meth:`Exporter._sort`'s work on one batch of whole subjects' quads at a time (:meth:`add`),
    in the subjects' order; what it found kept in the fields of :class:`_Sorted`."""

    def __init__(self, graph_names: list[str], nquads: IO[bytes] | None, counts: Any, ntriples: IO[bytes] | None):
        self.quads: list[Any] = []
        self.repeated: set[int] = set()
        # positions as machine integers (an array, not a list of int objects: 1M quads, ~32 MiB less)
        self.by_graph: dict[str, Any] = {name: array("q") for name in graph_names}
        self.shared: list[tuple[int, int]] = []
        self.nquads, self.counts, self.ntriples = nquads, counts, ntriples

    def add(self, quads: list[Any], sizes: list[int]) -> None:
        """The quads of the next subjects (``sizes``: how many each has, in order)."""
        keys = [str(q) for q in quads]  # N-Quads line without " .": sorting these sorts the lines
        order = sorted(range(len(keys)), key=keys.__getitem__)
        keys = [keys[i] for i in order]
        quads = [quads[i] for i in order]
        ends = list(accumulate(sizes))  # where each subject's quads end
        if len(set(keys)) < len(keys):  # a quad stated twice (two files of one graph): kept once
            keep = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]]
            ends = [bisect_left(keep, end) for end in ends]
            keys = [keys[i] for i in keep]
            quads = [quads[i] for i in keep]
        cuts = [k.rindex(" <") for k in keys]  # the graph IRI is last; an IRI holds no space
        triples = [k[:c] for k, c in zip(keys, cuts, strict=True)]
        graphs = [k[c + 2:-1] for k, c in zip(keys, cuts, strict=True)]
        base = len(self.quads)
        # the same triple stated in another graph sorts next to itself
        repeated = [i for i in range(1, len(triples)) if triples[i] == triples[i - 1]]
        self.repeated.update([base + i for i in repeated])
        changes = [i for i in range(1, len(graphs)) if graphs[i] != graphs[i - 1]]
        by_graph = self.by_graph
        start = 0
        for end in [*changes, len(graphs)]:
            positions = by_graph.get(graphs[start])
            if positions is None:
                positions = by_graph[graphs[start]] = array("q")
            positions.extend(range(base + start, base + end))
            start = end
        start = 0
        for end in ends:  # a subject stated in more than one graph: its graph changes within it
            j = bisect_right(changes, start)
            if j < len(changes) and changes[j] < end:
                self.shared.append((base + start, base + end))
            start = end
        self.quads += quads
        if self.counts is not None:
            self.counts.add_batch(keys, quads, cuts, repeated, len(ends))
        if self.nquads is not None:
            _write_chunk(self.nquads, keys)
        if self.ntriples is not None:
            if repeated:
                drop = set(repeated)
                triples = [t for i, t in enumerate(triples) if i not in drop]
            _write_chunk(self.ntriples, triples)


def _touching(loaded: Loaded) -> dict[str, list[int]]:
    """Graph IRI → the positions in ``loaded.quads`` of its quads with a blank node."""
    import pyoxigraph as ox

    bnode = ox.BlankNode
    touching: dict[str, list[int]] = {}
    for i, q in enumerate(loaded.quads):
        if type(q.subject) is bnode or type(q.object) is bnode:
            touching.setdefault(q.graph_name.value, []).append(i)
    return touching


def _relabelled(loaded: Loaded, touching: dict[str, list[int]]) -> list[Any]:
    """The quads at the positions ``touching`` with stable blank-node labels, graph by graph in
    name order (:func:`_relabel`)."""
    out: list[Any] = []
    for _, quads in _relabelled_graphs(loaded, touching):
        out.extend(quads)
    return out


def _relabelled_graphs(loaded: Loaded, touching: dict[str, list[int]]) -> Iterator[tuple[str, list[Any]]]:
    """:func:`_relabelled` a graph at a time: (graph IRI, its relabelled quads), in name order."""
    files_of: dict[str, list[str]] = {}  # graph -> its files (asking per graph was quadratic)
    for f in loaded.files:
        files_of.setdefault(f.graph, []).append(f.rel)
    for name in sorted(touching):
        files = ", ".join(files_of.get(name, ())) or name
        yield name, _relabel([loaded.quads[i] for i in touching[name]], name.removeprefix(GRAPH_NS), files)


@dataclass(frozen=True)
class Relabelled:
    """What :attr:`Exporter.quads` works out, worked out elsewhere (:func:`relabelled`: the
    build does it in the child that checks the terms, a part of the files at a time (see
    :class:`RelabelledParts` and :func:`qgraph.pipeline._streamed`), while this process loads
    and checks the evidence and SHACL; 1M triples: ~1.2 s of the exports' own
    time, 0.2 s left to read it back): the number of quads it was made from, the positions of
    those with a blank node (``array("q")`` bytes, ascending), and those quads relabelled, as
    N-Quads in the order :attr:`Exporter.quads` gives them."""

    count: int
    positions: bytes
    nquads: bytes


@_no_gc
def relabelled(loaded: Loaded) -> Relabelled:
    """:class:`Relabelled` of ``loaded`` (a :class:`QgraphError` as :attr:`Exporter.quads` raises it)."""
    parts = RelabelledParts()
    parts.add(loaded)
    return parts.result()


class RelabelledParts:
    """:func:`relabelled` a part of the files at a time: each part (a :class:`Loaded` of the
    files that follow the last part's, in the order of ``Loaded.files``, with every file of
    each of its graphs) added by :meth:`add`, then :meth:`result` once all are in. The build's
    child reads the files a part at a time (:func:`qgraph.pipeline._streamed`)."""

    def __init__(self) -> None:
        self.count = 0  # quads of the parts so far
        self.positions = array("q")
        self.graphs: dict[str, bytes] = {}  # graph IRI -> its relabelled quads, as N-Quads

    @_no_gc
    def add(self, part: Loaded) -> None:
        import pyoxigraph as ox

        touching = _touching(part)
        offset = self.count
        for name, quads in _relabelled_graphs(part, touching):
            self.positions.extend([offset + i for i in touching[name]])
            self.graphs[name] = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        self.count += len(part.quads)

    def result(self) -> Relabelled:
        positions = array("q", sorted(self.positions))
        return Relabelled(self.count, positions.tobytes(), b"".join(self.graphs[name] for name in sorted(self.graphs)))


@dataclass
class Exporter:
    """The built graph in every export format, from ``loaded.quads`` (no rdflib).

    ``prepared``: :attr:`quads`' relabelling worked out beforehand (:func:`relabelled`), used
    when it was made from as many quads."""

    loaded: Loaded
    prepared: Relabelled | None = None

    @cached_property
    @_no_gc
    def quads(self) -> list[Any]:
        """``loaded.quads`` with stable blank-node labels (quads without a blank node as they
        are, the relabelled ones at the end)."""
        import pyoxigraph as ox

        ready, self.prepared = self.prepared, None  # read once: let go (1M triples: ~25 MiB)
        if ready is not None and ready.count == len(self.loaded.quads):
            positions = array("q")
            positions.frombytes(ready.positions)
            if not positions:
                return self.loaded.quads
            drop = set(positions)
            out = [q for i, q in enumerate(self.loaded.quads) if i not in drop]
            # written by pyoxigraph from valid quads: read back without checking them again
            out.extend(ox.parse(ready.nquads, format=ox.RdfFormat.N_QUADS, lenient=True))
            return out
        touching = _touching(self.loaded)
        if not touching:
            return self.loaded.quads
        drop = {i for positions in touching.values() for i in positions}
        out = [q for i, q in enumerate(self.loaded.quads) if i not in drop]
        out.extend(_relabelled(self.loaded, touching))
        return out

    @cached_property
    def graph_names(self) -> list[str]:
        """Every graph (one per file, the ontology's), in name order."""
        return sorted({f.graph for f in self.loaded.files})

    @cached_property
    def _sorted(self) -> _Sorted:
        return self._sort()

    @_no_gc
    def _sort(self, nquads: IO[bytes] | None = None, counts: Any = None, ntriples: IO[bytes] | None = None) -> _Sorted:
        """:class:`_Sorted` of :attr:`quads`, sorted by their N-Quads text a batch of subjects at a
        time: the quads grouped by their subject (a run of quads about one subject taken at once),
        the subjects sorted by their N-Triples text, then each batch of whole subjects' quads
        (about :data:`_BATCH`) sorted by their N-Quads text at once (the order of sorting every
        line: a subject's text is followed by a space in its lines, and no character of a term
        sorts before a space; so a subject that is a prefix of another, ``_:b1`` of ``_:b12``,
        sorts first either way). Only a batch's lines are held at a time: all of them, to sort
        them at once, were ~230 MiB at 1M, held at the build's highest point; one subject's at a
        time cost ~8 µs of Python per subject. Each distinct line is written to ``nquads`` (with
        " ."), each distinct triple's to ``ntriples``, and the lines fed to ``counts``
        (:class:`qgraph.publish.dataset.SortedCounts`), when given."""
        groups: dict[Any, list[Any]] = {}  # by the subject term (its text made once per subject)
        for subject, run in groupby(self.quads, attrgetter("subject")):
            group = groups.get(subject)
            if group is None:
                groups[subject] = list(run)
            else:
                group.extend(run)
        sorting = _Sorting(self.graph_names, nquads, counts, ntriples)
        batch: list[Any] = []
        sizes: list[int] = []  # the quads of each subject in the batch, in order
        for subject in sorted(groups, key=str):
            group = groups.pop(subject)
            batch += group
            sizes.append(len(group))
            if len(batch) >= _BATCH:
                sorting.add(batch, sizes)
                batch, sizes = [], []
        if batch:
            sorting.add(batch, sizes)
        return _Sorted(sorting.quads, sorting.repeated, sorting.by_graph, sorting.shared)

    @property
    def union_size(self) -> int:
        """The distinct triples of the union graph: the lines of the N-Triples dump."""
        s = self._sorted
        return len(s.quads) - len(s.repeated)

    @property
    def graphs(self) -> dict[str, list[Any]]:
        """Graph IRI → its distinct quads (pyoxigraph, stable blank-node labels), sorted by their
        N-Quads text; graphs in name order."""
        return {name: list(self._sorted.graph(name)) for name in self.graph_names}

    @property
    def ntriples(self) -> str:
        """Sorted, distinct N-Triples lines of the union graph."""
        return "".join(self._ntriples_lines())

    @property
    def nquads(self) -> str:
        """Sorted N-Quads lines, one named graph per file."""
        return "".join(self._nquads_lines())

    def _nquads_lines(self) -> Iterator[str]:
        return (f"{q} .\n" for q in self._sorted.quads)

    def _ntriples_lines(self) -> Iterator[str]:
        for q in self._sorted.union():
            line = str(q)
            yield line[:line.rindex(" <")] + " .\n"

    @cached_property
    def ontology(self) -> list[Any]:
        return list(self._sorted.graph(ONTOLOGY_GRAPH))

    @cached_property
    def context(self) -> dict[str, Any]:
        from qgraph.publish.jsonld import make_context

        return make_context(self.ontology, self.loaded.prefixes)

    @property
    def _prefixes(self) -> dict[str, str]:
        return {p: ns for p, ns in sorted(self.loaded.prefixes.items()) if p}

    @_no_gc
    def write_turtle(self, fh: IO[bytes]) -> None:
        """The union graph by pyoxigraph's Turtle serialiser: triples in N-Triples order, the
        project's prefixes."""
        import pyoxigraph as ox

        ox.serialize(map(attrgetter("triple"), self._sorted.union()), fh, ox.RdfFormat.TURTLE, prefixes=self._prefixes)

    @_no_gc
    def write_ntriples(self, fh: IO[bytes]) -> None:
        """The N-Triples dump: copied from where the sort that wrote the N-Quads dump wrote it
        (see write_nquads), else made from the sorted quads."""
        spool, self._spool = self._spool, None
        if spool is None:
            _write_lines(fh, self._ntriples_lines())
            return
        import shutil

        with spool:
            spool.seek(0)
            shutil.copyfileobj(spool, fh, 1 << 20)

    @_no_gc
    def write_nquads(self, fh: IO[bytes]) -> None:
        """The N-Quads dump; written by the sort itself when nothing has asked for it yet (the
        build's first export), which counts void.ttl's statistics on the way (see :meth:`_sort`)."""
        if "_sorted" in self.__dict__:
            _write_lines(fh, self._nquads_lines())
            return
        from qgraph.publish.dataset import SortedCounts

        counts = SortedCounts()
        spool = None
        if self._spool_dir is not None:  # the N-Triples dump is wanted too (jobs): its lines written meanwhile
            import tempfile

            try:
                # unnamed where the system allows (O_TMPFILE), else named as write_atomically
                # names its files and unlinked at once: one left by a kill in between is stale
                spool = tempfile.TemporaryFile(dir=self._spool_dir, prefix=f".{FORMATS['ntriples']}.{TEMP_MARK}-{os.getpid()}-",
                                               suffix=".tmp")
            except OSError:  # the N-Triples dump is then made from the sorted quads
                spool = None
        try:
            self.__dict__["_sorted"] = self._sort(fh, counts, spool)
        except BaseException:
            if spool is not None:
                spool.close()
            raise
        self._spool = spool
        self._counted = counts.statistics(self.loaded)

    @_no_gc
    def write_trig(self, fh: IO[bytes]) -> None:
        """Each named graph, in name order, by pyoxigraph's TriG serialiser (see write_turtle)."""
        import pyoxigraph as ox

        s = self._sorted
        quads = (q for name in self.graph_names for q in s.graph(name))
        ox.serialize(quads, fh, ox.RdfFormat.TRIG, prefixes=self._prefixes)

    @_no_gc
    def write_jsonld(self, fh: IO[bytes]) -> None:
        from qgraph.publish.jsonld import Index, Writer

        s = self._sorted
        graphs = ((name, s.graph(name)) for name in self.graph_names)
        if self._views_wanted - self._views_written and "_framing" not in self.__dict__:
            # the framed views will need the union's nodes: keep them from this pass
            writer, index = Writer(self.context), Index()
            writer.write_document(fh, graphs, index, _reverse_links(), self._shared_subjects)
            self.__dict__["_framing"] = (writer, writer.index(self._shared_union(), _reverse_links(), index))
        else:
            Writer(self.context).write_document(fh, graphs)

    @property
    def _shared_subjects(self) -> set[str]:
        import pyoxigraph as ox

        s = self._sorted
        subjects = (s.quads[start].subject for start, _ in s.shared)
        return {f"_:{t.value}" if type(t) is ox.BlankNode else t.value for t in subjects}

    def _shared_union(self) -> Iterator[Any]:
        """The union's statements about the subjects stated in more than one graph."""
        s = self._sorted
        return (s.quads[i] for start, end in s.shared for i in range(start, end) if i not in s.repeated)

    _counted: Any = None  # the statistics counted by the sort that wrote the N-Quads dump
    _spool_dir: Path | None = None  # where that sort writes the N-Triples lines (jobs), if anywhere
    _spool: Any = None  # the file it wrote them to, until the N-Triples dump is written

    @_no_gc
    def statistics(self) -> Any:
        """What void.ttl counts (:class:`qgraph.publish.dataset.Statistics`): as the sort that
        wrote the N-Quads dump counted them (:meth:`jobs` writes that first), else on the sorted
        quads' N-Quads text, made again."""
        from qgraph.publish import dataset

        if self._counted is not None:
            return self._counted
        s = self._sorted
        return dataset.sorted_statistics(self.loaded, s.quads, (str(q) for q in s.quads), s.repeated)

    def write_context(self, fh: IO[bytes]) -> None:
        from qgraph.publish.jsonld import context_document

        fh.write(context_document(self.context).encode("utf-8"))

    def framed_writer(self, view: str) -> Callable[[IO[bytes]], None]:
        from qgraph.publish.jsonld import FRAMES

        if view not in FRAMES:
            raise QgraphError(f"unknown frame {view!r} (choose from {', '.join(sorted(FRAMES))})")
        root, reverse = FRAMES[view]

        @_no_gc
        def write(fh: IO[bytes]) -> None:
            # the classes read from the ontology when written, not when the job is made: that
            # would sort the quads before the N-Quads dump can (see write_nquads)
            types = sorted(self._subclasses(root))
            writer, index = self._framing
            writer.write_view(fh, index, types, reverse)
            self._views_written.add(view)
            if self._views_written >= self._views_wanted:  # the last view: let the index go
                self.__dict__.pop("_framing", None)

        self._views_wanted.add(view)
        return write

    @cached_property
    def _views_wanted(self) -> set[str]:
        return set()

    @cached_property
    def _views_written(self) -> set[str]:
        return set()

    @cached_property
    def _framing(self) -> tuple[Any, Any]:
        """The JSON-LD writer and the :class:`qgraph.publish.jsonld.Index` of the union graph, shared by
        the framed views (dropped once every view asked for is written)."""
        from qgraph.publish.jsonld import Writer

        writer = Writer(self.context)
        return writer, writer.index(self._sorted.union(), _reverse_links())

    def _subclasses(self, cls: str) -> set[str]:
        """``cls`` and its subclasses per the ontology graph."""
        import pyoxigraph as ox

        sub = RDFS_SUBCLASSOF
        children: dict[str, set[str]] = {}
        for q in self.ontology:
            if (q.predicate.value == sub and isinstance(q.subject, ox.NamedNode)
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

    def publication_jobs(self, out: Path) -> dict[Path, Callable[[IO[bytes]], None]]:
        return _publication_jobs(self, out)

    def jobs(self, out: Path) -> dict[Path, Callable[[IO[bytes]], None]]:
        """Every file a build writes into ``out``."""
        from qgraph.publish.jsonld import FRAMES

        # the N-Quads dump first: the sort writes it, and meanwhile counts void.ttl's statistics and
        # writes the N-Triples lines to an unnamed temporary file beside it, copied into place next
        self._spool_dir = out
        jobs = {out / FORMATS["nquads"]: self.writer("nquads")}
        jobs.update({out / name: self.writer(fmt) for fmt, name in FORMATS.items() if fmt not in ("jsonld", "nquads")})
        jobs.update(self.publication_jobs(out))
        jobs[out / FORMATS["jsonld"]] = self.writer("jsonld")
        jobs[out / CONTEXT_FILE] = self.write_context
        for view in sorted(FRAMES):
            jobs[out / "framed" / f"{view}.jsonld"] = self.framed_writer(view)
        return jobs


SHAPES_FILE = "shapes.ttl"


def _copy(source: Any) -> Callable[[IO[bytes]], None]:
    def job(fh: IO[bytes]) -> None:
        fh.write(source.read_bytes())
    return job


def _publication_jobs(exporter: Exporter, out: Path) -> dict[Path, Callable[[IO[bytes]], None]]:
    """Beside the dumps: the VoID/DCAT description, the ontology's documentation, the shapes."""
    from qgraph.publish.dataset import VOID_FILE, write_void
    from qgraph.publish.ontology_doc import DOC_FILE, write_doc

    loaded = exporter.loaded
    jobs = {out / VOID_FILE: write_void(loaded, exporter.statistics), out / DOC_FILE: write_doc(loaded)}
    if loaded.project is not None:
        jobs[out / SHAPES_FILE] = _copy(loaded.project.shapes_file)
    return jobs


def _write_chunk(fh: IO[bytes], lines: list[str]) -> None:
    """``lines`` (N-Triples or N-Quads lines without " .") written as lines."""
    if lines:
        fh.write((" .\n".join(lines) + " .\n").encode("utf-8"))


def _write_lines(fh: IO[bytes], lines: Iterator[str]) -> None:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= _CHUNK:
            fh.write("".join(chunk).encode("utf-8"))
            chunk = []
    if chunk:
        fh.write("".join(chunk).encode("utf-8"))


def write_atomically(jobs: dict[Path, Callable[[IO[bytes]], None]],
                     gate: Callable[[], None] | None = None) -> list[Path]:
    """Write every job to a temporary file beside its target, then rename them all into place.

    If any job fails (or a folder cannot be made), every temporary file is removed and no
    target is touched; the error becomes a :class:`QgraphError`. ``gate``: called once every
    temporary file is complete, before any is renamed; if it raises, the temporary files and
    the folders made for them are removed and its exception goes on (the build's checks still
    run while the exports are written). Folders made for a write that fails are removed too.
    A target that is a symbolic link has the file it names replaced (the link stays); one that
    is a device or a pipe (``/dev/stdout``) is written into as it is, not replaced; one that is
    a folder is refused before anything is written. Ctrl-C or SIGTERM while the files are
    renamed takes effect once all are in place (a signal between two renames left the new
    Turtle beside the old JSON-LD). Returns the files written, as named in ``jobs`` (a link's
    own path, not the file it names).
    """
    temps: list[tuple[str, Path]] = []
    made: list[Path] = []  # folders this call created, parents first
    given = list(jobs)
    jobs = {_destination(target): job for target, job in jobs.items()}
    streams = [t for t in jobs if _is_stream(t)]  # a device or a pipe: written into, not replaced
    writing: Path | None = None
    try:
        for folder in sorted({target.parent for target in jobs if target not in streams}):
            if folder.is_dir():
                remove_stale_temporaries(folder)
        for target, job in jobs.items():
            writing = target
            if target in streams:
                with open(target, "wb") as fh:
                    job(fh)
                continue
            for folder in reversed([target.parent, *target.parent.parents]):
                if folder not in made and not folder.exists():
                    made.append(folder)
            make_dir(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{TEMP_MARK}-{os.getpid()}-", suffix=".tmp",
                                       dir=target.parent)
            temps.append((tmp, target))
            os.chmod(tmp, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as fh:
                job(fh)
                fh.flush()
                os.fsync(fh.fileno())
        writing = None
        if gate is not None:
            gate()
        with _signals_held():
            for tmp, target in temps:
                writing = target
                os.replace(tmp, target)
            temps, made = [], []
    except OSError as e:
        where = writing if writing is not None else (e.filename or "")
        raise QgraphError(f"cannot write {where}: {e.strerror or e}".replace(" :", ":")) from None
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        for folder in reversed(made):  # deepest first; only if nothing else was put there
            try:
                folder.rmdir()
            except OSError:
                pass
    return given


class _signals_held:
    """SIGINT and SIGTERM held while the body runs and delivered after it (on the main thread,
    the only one whose handlers Python runs): a run of renames is all done or not begun."""

    def __enter__(self) -> None:
        import signal
        import threading

        self.got: list[int] = []
        self.before: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self.before[signum] = signal.signal(signum, lambda n, _frame: self.got.append(n))
            except (ValueError, OSError):  # pragma: no cover - not the main interpreter
                pass

    def __exit__(self, *exc: Any) -> None:
        import signal

        for signum, handler in self.before.items():
            signal.signal(signum, handler)
        for signum in self.got:  # to the handler the command had (KeyboardInterrupt, Terminated)
            signal.raise_signal(signum)


#: in the name of every temporary file an export writes, with the writing process's id:
#: ``.qgraph.ttl.qgraph-tmp-<pid>-<random>.tmp``
TEMP_MARK = "qgraph-tmp"
_TEMP = re.compile(r"^\..+\." + TEMP_MARK + r"-(\d+)-[^/]*\.tmp$")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files a killed build left in ``folder`` (SIGKILL, SIGTERM, power
    loss: no ``finally`` ran): only files named by :func:`write_atomically` whose process is no
    longer running, so a build running beside this one keeps its own. Returns those removed."""
    removed = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        if not m:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _running(pid):
            continue
        try:
            os.unlink(folder / name)
            removed.append(folder / name)
        except FileNotFoundError:
            pass
        except OSError as e:
            raise QgraphError(f"cannot remove the stale temporary file {folder / name}: {e.strerror or e}") from None
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: leave its file alone
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _destination(target: Path) -> Path:
    """Where a job for ``target`` goes: the file a symbolic link names (the link kept, not
    replaced by a file of its own), else ``target``; a folder is refused before anything is
    written (its rename would fail once other files had been renamed into place)."""
    target = Path(target)
    if target.is_symlink() and not _is_stream(target):
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise QgraphError(f"cannot write {target}: it is a folder")
    return target


def _is_stream(target: Path) -> bool:
    """Whether ``target`` is a device, a pipe or a socket (``--out /dev/stdout``): written into as
    it is, since renaming a file over it would replace it (and no reader would see the bytes)."""
    from qgraph.project import is_special_file

    return is_special_file(target)


def make_dir(path: Path) -> None:
    """``path`` and its parents made where missing; a file in the way, or no right to, is one line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise QgraphError(f"cannot write into {path}: it is a file, not a folder") from None
    except OSError as e:
        raise QgraphError(f"cannot create folder {path}: {e.strerror or e}") from None
    if not path.is_dir():
        raise QgraphError(f"cannot write into {path}: it is not a folder")
