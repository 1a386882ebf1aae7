"""The storage interface: run SPARQL over the loaded graph, in one of two backends.

- ``oxigraph`` (default): an in-memory ``pyoxigraph.Store``; its default graph holds the merge
  of all named graphs (each triple once), so queries see the union by default.
- ``rdflib``: an rdflib ``Dataset`` with ``default_union``.

Both take parameters as a mapping of variable name → rdflib term (pyoxigraph's substitutions,
rdflib's ``initBindings``), never as text, and both return a :class:`Result` of rdflib terms, so
callers cannot tell the backends apart. Nothing is fetched: ``SERVICE`` is refused and rdflib's
loading of ``FROM`` graphs is switched off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from qgraph.errors import QgraphError

BACKENDS = ("oxigraph", "rdflib")
DEFAULT_BACKEND = "oxigraph"


@dataclass
class Result:
    """Query result: ``kind`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE)."""

    kind: str
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None


_STRINGS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.S)
_IRIS = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENTS = re.compile(r"#[^\n]*")
_SERVICE = re.compile(r"(?<![?$:\w-])SERVICE(?![\w:-])", re.I)


def strip_query(text: str) -> str:
    """The query without strings, IRIs and comments (for keyword checks)."""
    out = _STRINGS.sub('""', text)
    out = _IRIS.sub("<>", out)
    return _COMMENTS.sub("", out)


#: the token before a "." that ends where a SERVICE begins (a prefixed name's local part may hold a
#: "." inside it: ``ex:Customer.Service`` is one name)
_BEFORE_DOT = re.compile(r"[\w.:%\\-]*$")


def refuse_remote(text: str) -> None:
    """Refuse a query that would reach out over the network (``SERVICE``)."""
    stripped = strip_query(text)
    for m in _SERVICE.finditer(stripped):
        head = stripped[:m.start()]
        if head.endswith("."):
            token = _BEFORE_DOT.search(head[:-1]).group()
            before = head[:len(head) - 1 - len(token)]
            if ":" in token and not before.endswith(("?", "$")):  # inside a prefixed name
                continue
        raise QgraphError("SERVICE is not supported: qgraph answers from the local graph only")


class Store:
    """Base class of the backends. ``repeats_union``: the default graph repeats a triple stated
    in two graphs (:meth:`OxigraphStore.union_view`) rather than holding their merge."""

    name = "?"
    repeats_union = False

    def merge(self) -> None:
        """Make the default graph the merge of the graphs where it repeats them (``repeats_union``)."""

    def query(self, text: str, bindings: dict[str, Any] | None = None) -> Result:
        raise NotImplementedError


#: quads handed to pyoxigraph's bulk loader at a time (:func:`bulk_extend`)
BULK_PART = 250_000


#: the SPARQL update that makes a pyoxigraph store's default graph the merge (a set) of its named
#: graphs, as rdflib's default_union reads it (Oxigraph's use_default_graph_as_union would repeat
#: a triple stated in two graphs): copied by Oxigraph itself, no Python object per quad (1M
#: triples: 2.2 s, against 3.1 s adding each quad's triple from Python, 6.4 s copying them out of
#: the store first as ``qgraph serve``'s workers did; the same graph)
MERGE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def bulk_extend(store: Any, quads: Any, part: int = BULK_PART) -> None:
    """``store.bulk_extend(quads)``, ``part`` quads at a time: pyoxigraph copies every quad it is
    given into a list of its own before loading them, so that a million at once held ~230 MiB
    more, at the build's highest point but one; a quarter of a million at a time, ~40 MiB (at
    1M triples: ~0.2 s more).

    Done on a thread of its own (this one waits; the loader holds the interpreter's lock anyway),
    so that the C allocator gives the store's memory an arena of its own: freed, it goes back
    to the system. Filled on the thread that then goes on allocating Python objects, the store's
    blocks and theirs were interleaved: where a 1M build freed its store, its resident size fell
    by ~280 MiB, against ~500 filled on a thread of its own (one run each; alone, in a script,
    the two were alike, ~330 MiB)."""
    from qgraph.forked import Beside

    if not isinstance(quads, list):
        quads = list(quads)

    def fill() -> None:
        if len(quads) <= part:
            store.bulk_extend(quads)
            return
        for start in range(0, len(quads), part):
            store.bulk_extend(quads[start:start + part])

    Beside(fill, name="qgraph-store-fill").result()


class OxigraphStore(Store):
    """pyoxigraph in memory (the default, fast)."""

    name = "oxigraph"

    def __init__(self, quads: list[Any], prefixes: dict[str, str], store: Any = None, missing: Any = None):
        """``store``: a pyoxigraph Store that already holds every quad but ``missing`` (the build
        validates on it first); those are added here."""
        import pyoxigraph as ox

        if store is None:
            store = ox.Store()
            bulk_extend(store, quads)  # a fresh in-memory store: no transaction needed
        else:
            store.bulk_extend(missing)
        self._store = store
        self._prefixes = dict(prefixes)
        self._merge()

    def _merge(self) -> None:
        self._store.update(MERGE)
        self.repeats_union = False

    def merge(self) -> None:
        """Make the default graph the merge of the graphs, where it was read as the view of their
        union (:meth:`union_view`, :meth:`completed_view`): from now on every query is answered as
        on a store opened whole. Nothing to do where it is the merge already."""
        if self.repeats_union:
            self._merge()

    @classmethod
    def over(cls, store: Any, prefixes: dict[str, str]) -> OxigraphStore:
        """Queries on a pyoxigraph Store as it is (nothing added to it)."""
        self = cls.__new__(cls)
        self._store = store
        self._prefixes = dict(prefixes)
        return self

    @classmethod
    def union_view(cls, quads: list[Any], prefixes: dict[str, str]) -> OxigraphStore:
        """The named graphs alone, the default graph read as Oxigraph's view of their union, which
        repeats a triple stated in two graphs: only for queries whose answer does not change when
        a solution is repeated (DISTINCT, ASK, GROUP BY without counts; ``qgraph show``'s card,
        ``qgraph stats``'s counts, see :func:`qgraph.ask.counts.store_counts`), and with no copy
        of the union to make (1M triples: 1.8 s and ~470 MiB less)."""
        import pyoxigraph as ox

        return cls.completed_view(ox.Store(), quads, prefixes)

    @classmethod
    def completed_view(cls, store: Any, missing: list[Any], prefixes: dict[str, str]) -> OxigraphStore:
        """As :meth:`union_view`, on a pyoxigraph Store that holds every quad but ``missing`` (the
        build validates on it first, see :func:`open_store`): ``missing`` added, no copy of the
        union made (1M triples: 2.2 s and ~470 MiB less) until :meth:`merge` asks for it."""
        store.bulk_extend(missing)
        self = cls.over(store, prefixes)
        self.repeats_union = True
        return self

    def close(self) -> None:
        """Let the pyoxigraph store go: its memory is freed when nothing else holds it. Not
        emptied first: Oxigraph's ``clear`` frees none of a store's memory (pyoxigraph 0.5: 1M
        triples, 0.16 s and ~6 of ~340 MiB), which only dropping the store does (~0.35 s, holding
        the interpreter's lock)."""
        self._store = None

    def query(self, text: str, bindings: dict[str, Any] | None = None, own_terms: bool = False) -> Result:
        """``own_terms``: the rows hold pyoxigraph's terms, not rdflib's (rdflib is then not
        imported: :func:`qgraph.ask.catalogue.run_checks` after an edit)."""
        import pyoxigraph as ox

        from qgraph.corpus.terms import to_oxigraph, to_rdflib

        convert = _as_it_is if own_terms else to_rdflib
        if self._store is None:
            raise ValueError("query on a closed store")
        refuse_remote(text)
        subs = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        try:
            res = self._store.query(text, prefixes=self._prefixes, substitutions=subs or None,
                                    use_default_graph_as_union=self.repeats_union)
        except SyntaxError as e:
            from qgraph.corpus.sparql_syntax import explain

            raise QgraphError(explain(text, e)) from None
        except OSError as e:
            raise QgraphError(f"query failed: {e}") from None
        if isinstance(res, ox.QueryBoolean):
            return Result("ask", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = [v.value for v in res.variables]
            # a solution's values in the order of its variables, each term converted once
            # (a query's rows repeat a person, a document, a label)
            seen: dict[Any, Any] = {}
            rows = []
            for sol in res:
                row = []
                for t in sol:
                    got = seen.get(t)
                    if got is None and t is not None:
                        got = seen[t] = convert(t)
                    row.append(got)
                rows.append(tuple(row))
            return Result("select", names, rows)
        rows = [(convert(t.subject), convert(t.predicate), convert(t.object)) for t in res]
        return Result("graph", ["subject", "predicate", "object"], rows)


def _as_it_is(term: Any) -> Any:
    return term


def return_freed_memory() -> None:
    """Give the pages the C allocator holds free back to the system (glibc's ``malloc_trim``;
    elsewhere nothing). A dropped pyoxigraph store's memory stays with the allocator otherwise:
    at a million triples, ~340 MiB kept resident, ~45 MiB returned."""
    import ctypes

    trim = _glibc("malloc_trim")
    if trim is None:
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


def _glibc(name: str) -> Any:
    """The C library's function ``name`` on Linux (``None`` elsewhere, or where it has none:
    musl has neither ``malloc_trim`` nor ``mallopt``'s parameters)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


#: glibc's mallopt parameter for the size from which a block is mapped on its own (malloc.h)
_M_MMAP_THRESHOLD = -3
#: that size, for the heavy commands (:func:`map_large_blocks`): glibc's initial default
LARGE_BLOCK = 128 * 1024


def map_large_blocks() -> bool:
    """Have the C allocator map every block of :data:`LARGE_BLOCK` or more on its own, so that
    its memory goes back to the system the moment it is freed (glibc's ``mallopt``; elsewhere
    nothing; ``False`` then). glibc raises that size as large blocks are freed (up to 32 MiB),
    after which such blocks come from its heaps and stay resident once freed: a query's hash
    tables on the checks' thread, the exports' buffers. The build at 1M triples held ~140 MiB
    less at its highest point, in the same time. Called by the build and the validation before
    they load anything; inherited by the processes they fork."""
    import ctypes

    mallopt = _glibc("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK) == 1


class LazyStore(Store):
    """A store made by ``make`` when it is first queried (:func:`qgraph.pipeline.cached_check`
    needs the whole query store only when a check is answered neither from the cache nor
    beside; building it takes seconds at a million triples)."""

    name = "oxigraph"

    def __init__(self, make: Any) -> None:
        self._make = make
        self._store: Store | None = None

    @property
    def made(self) -> bool:
        return self._store is not None

    def query(self, text: str, bindings: dict[str, Any] | None = None) -> Result:
        if self._store is None:
            self._store = self._make()
        return self._store.query(text, bindings)


class RdflibStore(Store):
    """rdflib ``Dataset`` with ``default_union`` (the reference, slow)."""

    name = "rdflib"

    def __init__(self, dataset: Any, prefixes: dict[str, str]):
        import rdflib.plugins.sparql as sparql

        sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM/FROM NAMED graphs
        self._ds = dataset
        self._prefixes = dict(prefixes)

    def query(self, text: str, bindings: dict[str, Any] | None = None) -> Result:
        from rdflib import Variable
        from rdflib.plugins.sparql import prepareQuery

        refuse_remote(text)
        try:
            prepared = prepareQuery(text, initNs=self._prefixes)
        except Exception as e:  # pyparsing's ParseException, or an unknown prefix
            from qgraph.corpus.sparql_syntax import readable

            raise QgraphError(readable(str(e), text)) from None
        init = {Variable(k): v for k, v in (bindings or {}).items()}
        res = self._ds.query(prepared, initBindings=init)
        if res.type == "ASK":
            return Result("ask", boolean=bool(res.askAnswer))
        if res.type == "SELECT":
            names = [str(v) for v in res.vars]
            rows = [tuple(row[i] for i in range(len(names))) for row in res]
            return Result("select", names, rows)
        return Result("graph", ["subject", "predicate", "object"], [tuple(t) for t in res.graph])


def open_store(loaded: Any, backend: str = DEFAULT_BACKEND, validated: Any = None, view: bool = False) -> Store:
    """A store of ``backend`` holding every graph of ``loaded`` (a :class:`~qgraph.corpus.loading.Loaded`).

    ``validated``: the pyoxigraph Store the fast validator ran on (:func:`qgraph.checks.validation.fast`;
    every graph, the ill-typed literals put back), used here rather than loaded a second time; with
    ``view``, its default graph read as the view of the union until :meth:`OxigraphStore.merge`
    (:meth:`OxigraphStore.completed_view`: for queries whose answer a repeated solution does not
    change)."""
    if backend == "oxigraph":
        if validated is not None:
            missing: list[Any] = []  # the validator's store holds every graph (the enrichment too)
            if view:
                return OxigraphStore.completed_view(validated, missing, loaded.prefixes)
            return OxigraphStore(loaded.quads, loaded.prefixes, validated, missing)
        return OxigraphStore(loaded.quads, loaded.prefixes)
    if backend == "rdflib":
        return RdflibStore(loaded.dataset, loaded.prefixes)
    raise QgraphError(f"unknown store {backend!r} (choose from {', '.join(BACKENDS)})")
