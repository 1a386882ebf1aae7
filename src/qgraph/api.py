"""The Python API (re-exported by ``import qgraph``); the command is a thin layer over it.

>>> import qgraph
>>> loaded = qgraph.load()
>>> "uk-denmark-quantum-mou" in loaded.documents
True
>>> print(qgraph.export("ntriples")[:2])
<h
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, Callable

from qgraph.corpus.store import DEFAULT_BACKEND


class _DropIllTypedLiteralLogs:
    """A logging filter: rdflib logs a message and a traceback for every literal whose text is not
    of its datatype (``"abc"^^xsd:integer``) as it makes the term, given or answered; the caller
    gets the literal as it is (and :func:`query` a warning for a parameter), not a traceback."""

    def filter(self, record: Any) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


_DROP_ILL_TYPED = _DropIllTypedLiteralLogs()
_QUIETED_LOCK = threading.Lock()
_quieted = 0  # how many calls hold the filter


@contextmanager
def _ill_typed_literals_unlogged() -> Iterator[None]:
    """rdflib's log of ill-typed literals dropped while the block runs (the command sets its
    logger's level instead; a library leaves the caller's logging as it found it)."""
    import logging

    global _quieted
    log = logging.getLogger("rdflib.term")
    with _QUIETED_LOCK:  # (calls on several threads, or one inside another: the last to end removes it)
        _quieted += 1
        log.addFilter(_DROP_ILL_TYPED)
    try:
        yield
    finally:
        with _QUIETED_LOCK:
            _quieted -= 1
            if not _quieted:
                log.removeFilter(_DROP_ILL_TYPED)


def _quiet(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` run with rdflib's log of ill-typed literals dropped (a card, a count, an answer
    or an export of data holding ``"seventy"^^xsd:nonNegativeInteger`` printed its traceback on
    stderr; the checks report such a literal once, with file:line)."""

    @wraps(function)
    def quiet(*args: Any, **kwargs: Any) -> Any:
        with _ill_typed_literals_unlogged():
            return function(*args, **kwargs)

    return quiet


@_quiet
def load(root: Path | str | None = None) -> Any:
    """Parse ontology and data into a :class:`~qgraph.corpus.loading.Loaded` (one graph per file)."""
    from qgraph.corpus.loading import load as _load

    return _load(root)


@_quiet
def validate(root: Path | str | None = None) -> list:
    """Every problem (:class:`~qgraph.checks.report.Problem`) the checks find; empty when all is well."""
    from qgraph.pipeline import check

    return check(root).problems


@_quiet
def build(out: Path | str | None = None, root: Path | str | None = None) -> Any:
    """Check and write every export into ``out`` (default: the corpus's ``dist/``, as ``qgraph
    build`` does; a relative ``out`` is read from the current folder, as a Python path is); raises
    :class:`~qgraph.errors.NonConformant` (writing nothing) when the data does not conform.
    Returns the :class:`~qgraph.pipeline.Outcome`."""
    from qgraph.pipeline import build as _build
    from qgraph.project import Project

    project = root if isinstance(root, Project) else Project.at(root)
    return _build(project.root / "dist" if out is None else out, project)


@_quiet
def query(name_or_text: str, params: dict[str, Any] | None = None, store: str = DEFAULT_BACKEND,
          root: Path | str | None = None, endpoint: str | None = None) -> Any:
    """Run a catalogue query (by name), a ``.rq`` file or SPARQL text; returns a
    :class:`~qgraph.corpus.store.Result` (``vars``, ``rows`` of rdflib terms).

    ``params`` maps variable names to values: rdflib terms, or text as on the command line
    (``"qgid:denmark"``, ``"<https://…>"``, ``'"Denmark"@en'``). They are bound, not pasted.

    >>> r = query("SELECT ?s ?n WHERE { ?s foaf:name ?n }", params={"s": "qgid:liz-kendall"})
    >>> [str(n) for _, n in r.rows]
    ['Liz Kendall']
    """
    from qgraph.ask import catalogue
    from qgraph.corpus.loading import load as _load
    from qgraph.corpus.store import open_store

    name_or_text, params = _query_arguments(name_or_text, params)
    if endpoint is not None:
        from qgraph.corpus.loading import project_prefixes
        from qgraph.project import Project
        from qgraph.remote.client import RemoteStore

        prefixes = project_prefixes()
        _warn_ill_typed(params, prefixes)
        return catalogue.run(RemoteStore(endpoint, prefixes), name_or_text, Project.at(root).root, params, prefixes)
    loaded = _load(root)
    _warn_ill_typed(params, loaded.prefixes)
    return catalogue.run(open_store(loaded, store), name_or_text, loaded.root, params, loaded.prefixes)


def _warn_ill_typed(params: dict[str, Any] | None, prefixes: dict[str, str]) -> None:
    """A :class:`UserWarning` for each parameter that is a literal not of its datatype: it can
    match nothing, and the answer is empty without a word why (``qgraph query`` prints a note)."""
    import warnings

    from qgraph.corpus.terms import parse_term

    for name, value in (params or {}).items():
        try:
            term = parse_term(value, prefixes) if isinstance(value, str) else value
        except Exception:  # noqa: BLE001 - the query's own binding reports it, with its message
            continue
        if getattr(term, "ill_typed", False):
            warnings.warn(f"params: {name}={value}: not a valid {term.datatype}", UserWarning, stacklevel=4)  # the caller's line


def _query_arguments(name_or_text: Any, params: Any) -> tuple[str, dict[str, Any] | None]:
    """:func:`query`'s question (a ``Path`` to a ``.rq`` file read as its text's path) and its
    parameters, checked: a mistake of type is a :class:`~qgraph.errors.QgraphError`, as any
    other mistake is (it was an AttributeError or TypeError from deep inside)."""
    from collections.abc import Mapping

    from rdflib import BNode, Variable
    from rdflib.term import Identifier

    from qgraph.errors import QgraphError

    if isinstance(name_or_text, Path):
        name_or_text = str(name_or_text)
    if not isinstance(name_or_text, str):
        raise QgraphError(f"the question must be a name, a .rq file or SPARQL text, not {type(name_or_text).__name__}")
    if params is None:
        return name_or_text, None
    if not isinstance(params, Mapping):
        raise QgraphError(f"params must map variable names to values, not be a {type(params).__name__}")
    for name, value in params.items():
        if not isinstance(name, str):
            raise QgraphError(f"params: a variable's name is text, not {type(name).__name__} ({name!r})")
        if isinstance(value, (BNode, Variable)) or not isinstance(value, (str, Identifier)):
            raise QgraphError(f"params: {name}={value!r}: give an IRI or a literal, as an rdflib term or as text "
                              "(blank nodes and variables cannot be given)")
    return name_or_text, dict(params)


@_quiet
def expected(root: Path | str | None = None, names: list[str] | None = None, write: bool = False,
             store: str = "oxigraph") -> list[Any]:
    """The competency questions whose expected answer (``queries/<name>.csv``) differs from what
    they answer now, each with its differences (:class:`qgraph.ask.catalogue.ExpectedChange`);
    with ``write``, the new answers are written into the corpus's ``queries/`` (all or nothing)."""
    from qgraph.ask import catalogue
    from qgraph.corpus.loading import load as _load
    from qgraph.corpus.store import open_store

    loaded = _load(root)
    changes = catalogue.expected_changes(loaded.project, open_store(loaded, store), names)
    if write and changes:
        from qgraph.publish.exports import make_dir, write_atomically

        make_dir(loaded.project.queries_dir)  # a file there, or a read-only corpus: one line
        write_atomically({c.target: (lambda fh, t=c.text: fh.write(t.encode("utf-8"))) for c in changes})
    return changes


def reuse(root: Path | str | None = None, write: bool = True) -> Any:
    """Find the passages one document shares with another (:mod:`qgraph.links.reuse`) and, with
    ``write``, write ``data/links/text-reuse.ttl`` atomically when it differs. Returns a
    :class:`qgraph.links.reuse.Outcome` (``links``, ``changed``, ``path``)."""
    from qgraph.links.reuse import rebuild

    return rebuild(root, write=write)


def init(folder: Path | str, name: str | None = None) -> list[Path]:
    """Make a new corpus in ``folder`` (what ``qgraph init`` does); the files written."""
    from qgraph.corpus.scaffold import init as _init

    return _init(folder, name)


def new(doc_id: str, source: Path | str, root: Path | str | None = None, url: str | None = None,
        title: str | None = None, licence: str | None = None, completeness: str | None = None) -> list[Path]:
    """Add a document to the corpus (what ``qgraph new`` does): its text, its attribution row
    and ``data/<doc_id>.ttl`` with the document node and its evidence; the files written."""
    from qgraph.corpus.scaffold import new as _new

    return _new(doc_id, source, root, url, title, licence, completeness)


def quote(doc_id: str, passage: str, root: Path | str | None = None) -> Any:
    """Where ``passage`` is in the text of ``doc_id`` and the selector that picks it
    (:class:`qgraph.corpus.passages.Explanation`: found, ambiguous or missing, and why)."""
    from qgraph.corpus.passages import explain
    from qgraph.corpus.scaffold import check_doc_name
    from qgraph.errors import QgraphError
    from qgraph.project import Project

    check_doc_name(doc_id)
    project = Project.at(root)
    path = project.source_text(doc_id)
    if not path.is_file():
        raise QgraphError(f"{project.display(path)}: no such source text (qgraph new {doc_id} --source FILE adds it)")
    if not passage.split():
        raise QgraphError("the passage is empty")
    from qgraph.corpus.loading import read_text

    return explain(read_text(path, project.display(path)), passage)


def propose(doc_id: str, root: Path | str | None = None, extractors: list[str] | None = None) -> Any:
    """Proposed facts for ``doc_id`` with their passages (what ``qgraph propose`` does), as a
    :class:`qgraph.corpus.propose.Draft`; ``extractors``: ``module:function`` plug-ins."""
    from qgraph.corpus.propose import propose as _propose

    return _propose(doc_id, root, extractors)


@_quiet
def export(fmt: str, path: Path | str | None = None, root: Path | str | None = None,
           frame: str | None = None) -> Any:
    """The whole graph in ``fmt`` (turtle, ntriples, nquads, trig, jsonld). With ``path``, written
    atomically there (JSON-LD also writes ``context.jsonld`` beside it) and the path returned;
    without, the text returned. ``frame`` (jsonld only): agreements, meetings, forums, people."""
    import io

    from qgraph.corpus.loading import load as _load
    from qgraph.errors import QgraphError
    from qgraph.publish.exports import CONTEXT_FILE, Exporter, write_atomically

    exporter = Exporter(_load(root))
    if frame is not None and fmt != "jsonld":
        raise QgraphError("a frame applies to --format jsonld only")
    job = exporter.framed_writer(frame) if frame else exporter.writer(fmt)
    if path is None:
        buf = io.BytesIO()
        job(buf)
        return buf.getvalue().decode("utf-8")
    path = Path(path)
    if exporter.loaded.project is not None:
        exporter.loaded.project.refuse_output_among_inputs(path, "--out")
    jobs = {path: job}
    if fmt == "jsonld":
        jobs[path.parent / CONTEXT_FILE] = exporter.write_context
    write_atomically(jobs)
    return path


@_quiet
def show(entity: str, root: Path | str | None = None, store: str = DEFAULT_BACKEND,
         keep: Callable[[Any], None] | None = None, cache: bool = False) -> str:
    """The entity card of ``entity`` (IRI, prefixed name or label) as text. ``keep``: as for
    :func:`stats`.

    ``cache``: the card kept in the corpus's cache folder is used if the corpus has not changed
    since it was made, and kept there otherwise (:mod:`qgraph.ask.kept_answers`; ``qgraph show``
    does this, but with ``--no-cache``); with the default store only."""
    from qgraph.ask.card import card

    if not cache or store != DEFAULT_BACKEND:
        return card(*_opened(root, store, keep, union_view=True), entity)  # the card's queries allow it
    from qgraph.ask import kept_answers
    from qgraph.project import Project

    project = root if isinstance(root, Project) else Project.at(root)
    return kept_answers.answered(project, ["show", store, entity],
                                 lambda: card(*_opened(project, store, keep, union_view=True), entity))


def _opened(root: Path | str | None, store: str, keep: Callable[[Any], None] | None,
            union_view: bool = False) -> tuple[Any, Any]:
    """The corpus at ``root`` loaded, and a store of it; both given to ``keep`` (when given).
    ``union_view``: an Oxigraph store's default graph is its view of the union (see
    :meth:`qgraph.corpus.store.OxigraphStore.union_view`), not a copy."""
    from qgraph.corpus.loading import load as _load
    from qgraph.corpus.store import OxigraphStore, open_store

    loaded = _load(root)
    if union_view and store == "oxigraph":
        opened = OxigraphStore.union_view(loaded.quads, loaded.prefixes)
    else:
        opened = open_store(loaded, store)
    if keep is not None:
        keep((loaded, opened))
    return loaded, opened


@_quiet
def stats(root: Path | str | None = None, store: str = DEFAULT_BACKEND,
          keep: Callable[[Any], None] | None = None, cache: bool = False) -> Any:
    """Counts (:class:`~qgraph.ask.counts.Stats`) by class, property and document. ``keep``:
    given what was loaded to count them (``qgraph stats`` holds it until its process ends).

    ``cache``: the counts kept in the corpus's cache folder are used if the corpus has not
    changed since they were counted, and kept there otherwise (:mod:`qgraph.ask.kept_counts`;
    ``qgraph stats`` does this, but with ``--no-cache``); with the default store only."""
    from qgraph.ask.counts import compute

    if not cache or store != DEFAULT_BACKEND:
        return compute(*_opened(root, store, keep, union_view=True))  # the counts allow it (store_counts)
    from qgraph.ask import kept_counts
    from qgraph.project import Project

    project = root if isinstance(root, Project) else Project.at(root)
    basis = kept_counts.key(project)  # before the files are read (see the module)
    counted = kept_counts.read(project, basis)
    if counted is None:
        counted = compute(*_opened(project, store, keep, union_view=True))
        kept_counts.write(project, basis, counted)
    return counted


def push(endpoint: str, graph_store: str | None = None, root: Path | str | None = None,
         update_endpoint: str | None = None) -> Any:
    """Check the project, then replace each of its named graphs whole in the SPARQL store whose
    query endpoint is ``endpoint`` (one transactional update per graph, sent to
    ``update_endpoint`` or else ``endpoint``, or a Graph Store Protocol PUT to ``graph_store``)
    and verify the triple counts; credentials come from the environment
    (``QGRAPH_ENDPOINT_USER``/``QGRAPH_ENDPOINT_PASSWORD`` or ``QGRAPH_ENDPOINT_TOKEN``)."""
    from qgraph.remote.push import Target, push_project

    return push_project(Target(endpoint, update_endpoint, graph_store, None), root)
