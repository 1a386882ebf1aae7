"""The main job: load → evidence → SHACL → violation checks → exports → summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from qgraph.checks.report import Problem, conforms, counts
from qgraph.corpus.loading import paused_gc
from qgraph.errors import NonConformant
from qgraph.forked import Beside, Forked, can_fork


@dataclass
class Outcome:
    """What a check or build found (and, for a build, wrote)."""

    loaded: Any
    store: Any
    problems: list[Problem]
    evidence: Any
    written: list[Path] = field(default_factory=list)
    asked: Any = None  # the summary's store counts, asked beside the exports (qgraph.ask.counts.store_counts)
    coverage: Any = None  # the summary's per-document counts (qgraph.ask.counts.document_counts) when counted beside
    prepared: Any = None  # the exports' blank-node relabelling, worked out beside (qgraph.publish.exports.relabelled)
    # the build's: SHACL's results located and the checks' thread started, once its first export
    # (the sort) is written; the settling does it if nothing has
    resume: Callable[[], list[Problem]] | None = None
    # the build's, with the cache: the key its summary's counts are kept under for `qgraph stats`
    # (qgraph.ask.kept_counts), from the inputs' hashes taken before they were read
    counts_key: str | None = None
    # the build's, with the cache: writes the kept validation store of what it validated
    # (qgraph.checks.kept_store, :func:`_store_writer`), called by `qgraph build` once it has answered
    store_writer: Callable[[], None] | None = None

    @property
    def conforms(self) -> bool:
        return conforms(self.problems)


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


def check(root: Path | str | None = None, backend: str = "oxigraph", validator: str = "fast",
          progress: Progress | None = None, memo: Any = None, kept: Any = None,
          fresh: list[str] | None = None) -> Outcome:
    """Load the project and run every check; never raises for non-conformance.

    ``progress``: called with one line as each step ends (what it did, how long it took).
    ``memo``: the validation cache's stored results (:class:`qgraph.checks.cache.Memo`), used by
    the steps that can tell whether what they read has changed.
    ``kept``: with ``memo``, the kept validation store (:mod:`qgraph.checks.kept_store`) of the
    files the memo's SHACL results were computed on; ``fresh``: the data files changed since
    (``rel``). Only those are parsed at once (:func:`qgraph.corpus.loading.lazy_load`)."""
    return _check(root, backend, validator, progress, beside=False, memo=memo, store_kept=kept, fresh=fresh)[0]


def _check(root: Path | str | None, backend: str, validator: str, progress: Progress | None,
           beside: bool, memo: Any = None, store_kept: Any = None,
           fresh: list[str] | None = None) -> tuple[Outcome, Callable[[], Outcome] | None]:
    """:func:`check`; with ``beside``, the SPARQL checks (queries/checks) run on a thread of
    their own and the second value, called, waits for them and returns the outcome with their
    problems too (the build writes its exports meanwhile, see :func:`build`)."""
    import threading

    from qgraph.ask import catalogue
    from qgraph.checks import evidence, validation
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import LazyStore, map_large_blocks, open_store, return_freed_memory
    from qgraph.errors import QgraphError
    from qgraph.project import Project

    step = Steps(progress)
    project = root if isinstance(root, Project) else Project.at(root)
    map_large_blocks()
    meta = _meta_shacl(project, memo) if beside else None
    kept = _kept_union(project, memo) if memo is not None and not beside and backend == "oxigraph" else {}
    union = _union_checks(project, set(kept)) if memo is not None and not beside and backend == "oxigraph" else None
    # the build's child, forked before the load: it reads the files itself, a part at a time
    # (see _streamed), rather than sharing this process's quads
    streamed = None
    if beside and can_fork():
        first, then = _streamed(project, memo)
        streamed = Forked(first, then=then, drain=True)
    if memo is not None:  # after the forks above (a fork with a thread running is not safe)
        memo.start_copies(project)
    if store_kept is not None and (memo is None or beside or backend != "oxigraph" or validator != "fast"):
        raise ValueError("a kept store is used by `qgraph validate` with the cache and the fast validator alone")
    with paused_gc(), _closing(meta), _closing(union), _closing(streamed), ExitStack() as stack:
        if store_kept is not None:
            from qgraph.corpus.loading import lazy_load

            loaded = lazy_load(project, fresh or [], store_kept)
        else:
            loaded = load(project)
        try:
            if store_kept is not None:
                step(f"parsed {loaded.parsed:,} triples of {len(loaded.fresh)} changed file(s); the other "
                     f"{len(loaded.files) - len(loaded.fresh)} files' from the kept store when a step asks")
            else:
                step(f"loaded {len(loaded.quads):,} triples from {len(loaded.files)} files")
            # A child checks a share of the evidence check's files on the second core (half; a
            # third in the build, see _theirs), while this process checks the others (1M triples,
            # no cache: 2.6 -> ~1.4 s), then the term checks. In the build, that child was forked
            # before the load (``streamed``, see _streamed) and also counts the summary's
            # per-document counts and works out the exports' blank-node relabelling (~1 s of the
            # exports at 1M), while this process loads and fills SHACL's store. ``qgraph validate``
            # forks it now, only with many files to check (a first run, --no-cache, an ontology
            # edited) and no other thread running.
            beside_child = None
            todo = evidence.to_check(loaded, memo) if can_fork() else []
            if streamed is None and can_fork() and not beside and len(todo) >= SPLIT_FROM:
                if memo is not None:
                    memo.copies_written()  # no fork while a thread runs (qgraph.forked)
                if threading.active_count() == 1:
                    theirs = _theirs(todo, False)
                    beside_child = Forked(lambda: evidence.entries(loaded, theirs),
                                          then=lambda: _terms_in_child(loaded, memo))
                    stack.callback(beside_child.close)  # however the checks end
            mine = None
            if beside_child is not None or streamed is not None:
                try:
                    mine = evidence.entries(loaded, _mine(todo, streamed is not None))
                except QgraphError:  # checked again in order, which reports the first file at fault
                    mine = None
            if beside_child is not None:
                got_theirs = beside_child.result() if mine is not None else None
                if got_theirs is None:  # the child failed (or this half did): checked here
                    ev = evidence.check(loaded, memo, given=mine)
                else:
                    ev = evidence.check(loaded, memo, given={**mine, **got_theirs})
                _evidence_step(step, ev, True)
            elif streamed is None or mine is None:
                if streamed is not None:
                    streamed.close()  # its results are not used: this process checks every file
                    streamed = None
                ev = evidence.check(loaded, memo)
                _evidence_step(step, ev, False)
            shared = None
            if validator == "fast" and backend == "oxigraph" and store_kept is None:
                import pyoxigraph as ox

                shared = ox.Store()  # validated in, then completed into the query store
            shacl_later = shacl_queries = None
            if beside and shared is not None:
                # SHACL's queries on a thread of their own (Oxigraph evaluates them without the
                # GIL) while this one goes on to the exports' sort; their results located here once
                # it is done (:meth:`Outcome.resume`), then the checks' thread started. Before,
                # this thread waited for the queries, and one core alone wrote the rest of the
                # exports once the checks were done (1M: ~6 s)
                shacl_later = validation.validate_later(loaded, shared, memo=memo, meta=meta)
            else:
                shacl = validation.validate(loaded, validator, store=shared, memo=memo, meta=meta, kept=store_kept)
            got = prepared = local = None
            if streamed is not None:  # the child's values, read once SHACL's store is filled
                if shacl_later is not None:
                    # what SHACL's finish reads of the quads whatever its queries find, worked out
                    # while the child ends (1M triples: ~0.35 s, this thread idle else; worked out
                    # once the queries were done, it held the GIL while this thread waited for them)
                    shacl_later.ahead()
                ev, got, prepared, local = _streamed_values(streamed, loaded, memo, mine, _theirs(todo, True))
                _evidence_step(step, ev, True)
            elif beside_child is not None:
                got = beside_child.later()
            if shacl_later is not None:
                shacl_queries = Beside(shacl_later.queries, name="qgraph-shacl")
                shacl = []
                step(f"SHACL ({validator}): store filled; its queries run beside")
            else:
                step(f"SHACL ({validator}): {len(shacl)} result(s)")
            terms = _terms(got, loaded, memo)
            coverage = got[4] if got is not None else None  # None: counted by summary()
            step(f"terms and qg:supports: {len(terms)} problem(s)"
                 + (" (checked beside, in a child process)" if got is not None else ""))
            problems = list(ev.problems) + terms + shacl + _questions_parse(loaded, memo)
            memo_checks = memo if backend == "oxigraph" else None
            if beside:
                loaded.forget_lines()  # the problems so far are located; the exports come next
                # the query store completed on the checks' thread too, so that the exports begin
                # at once; its default graph read as the view of the union (qgraph's own checks and
                # the summary's counts allow it), not a copy of it: 1M triples, 2.2 s and ~470 MiB
                # less. The outcome's store makes the copy if it is ever queried (_merged_later)
                made: list[Any] = []
                shacl_found: list[list[Problem]] = []

                def store_then_checks() -> tuple[list[Problem], Any]:
                    nonlocal shared
                    made.append(open_store(loaded, backend, validated=shared, view=shared is not None))
                    checks, asked = _checks_then_counts(loaded, made[0], memo_checks, local)
                    # the outcome's store the only holder of the store from now on (nor the index of
                    # where nodes are written): freed with the outcome. Not freed here: dropping
                    # it holds the GIL ~0.35 s (1M triples), at the end of the build, where this
                    # thread is the last to finish, and on 2 cores the checks end after the
                    # exports' highest point (the JSON-LD), so no peak was lower for it
                    shared = None
                    loaded.node_files_unstored()
                    return_freed_memory()  # what the checks' queries left free
                    return checks, asked

                # SHACL's results located as soon as its queries are done, then the store completed
                # and checked, all on the checks' thread (the store must not change before SHACL's
                # results are located), not once this thread has sorted the exports: the checks
                # begin and end sooner
                located = threading.Event()
                failed: list[BaseException] = []

                def shacl_then_checks() -> tuple[list[Problem], Any]:
                    if shacl_queries is not None:
                        try:
                            found = shacl_later.finish(shacl_queries.result())
                        except BaseException as e:  # raised where SHACL's problems are asked for too
                            failed.append(e)
                            located.set()
                            raise
                        shacl_found.append(found)
                        loaded.forget_lines()  # the problems so far are located
                        step(f"SHACL ({validator}): {len(found)} result(s) (its queries run beside)")
                    located.set()
                    return store_then_checks()

                running = [Beside(shacl_then_checks)]

                def resume() -> list[Problem]:
                    """SHACL's problems, once located (the checks go on beside)."""
                    located.wait()
                    if failed:
                        raise failed[0]
                    return shacl_found[0] if shacl_found else []

                # what SHACL's preparation and the store's filling left free given back (1M
                # triples: ~160 MiB)
                return_freed_memory()
            else:
                if union is None and not kept:
                    store = open_store(loaded, backend, validated=shared)
                    step(f"store ({backend}) ready")
                else:
                    store = LazyStore(lambda: open_store(loaded, backend, validated=shared))
                used: list[str] = []
                if kept and {f.rel for f in loaded.data_files} != set(memo.union_files):
                    kept = {}  # the data files are not those the cache hashed: run them
                checks = catalogue.run_checks(loaded, store, memo_checks, {**_union_results(union, loaded, memo), **kept},
                                              used)
                step(f"checks (queries/checks): {len(checks)} problem(s)" + _union_note(union, used, store, kept))
                problems += checks
        except MemoryError:
            raise _out_of_memory(loaded) from None
    if not beside:
        return Outcome(loaded, store, sorted(set(problems), key=Problem.sort_key), ev), None

    def settle() -> Outcome:
        try:
            resume()
            checks, asked = running[0].result()
        except MemoryError:
            raise _out_of_memory(loaded) from None
        step(f"store ({backend}) and checks (queries/checks), beside the exports: {len(checks)} problem(s)")
        found = problems + (shacl_found[0] if shacl_found else []) + checks
        return Outcome(loaded, _merged_later(made[0]), sorted(set(found), key=Problem.sort_key), ev,
                       asked=asked, coverage=coverage)

    # the store is being completed on the checks' thread: the settled outcome holds it (and not
    # the relabelling, for the exports alone)
    outcome = Outcome(loaded, None, sorted(set(problems), key=Problem.sort_key), ev, coverage=coverage,
                      prepared=prepared, resume=resume)
    return outcome, settle


def _questions_parse(loaded: Any, memo: Any = None) -> list[Problem]:
    """A problem at its line for each of the corpus's own competency questions (``queries/*.rq``)
    that does not parse: a broken question passed validate and build, and failed only when it
    was asked. Parsed by Oxigraph, evaluated on an empty store (~0.25 ms a question); with
    ``memo``, the last run's findings while the questions and the prefixes are as they were."""
    import re

    import pyoxigraph as ox

    from qgraph.checks.cache import combine
    from qgraph.corpus.loading import read_text
    from qgraph.corpus.sparql_syntax import explain

    project = loaded.project
    own = project.own_questions()  # (qgraph's own are tested where they are made)
    key = None
    if memo is not None:
        digests = [memo.digest(f"question:{p.name}") for p in own]
        if None not in digests:
            key = combine(*digests, *sorted(f"{k}={v}" for k, v in loaded.prefixes.items()))
            kept = memo.get("questions", "parse", key)
            if isinstance(kept, list):
                try:
                    return [Problem(f, line, "Violation", "check:query-syntax-violation", None, None, m)
                            for f, line, m in kept]
                except (TypeError, ValueError):  # a damaged entry: parsed again
                    pass
    found = []
    empty = ox.Store()
    for path in own:
        shown = project.display(path)
        text = read_text(path, shown)
        try:
            empty.query(text, prefixes=loaded.prefixes)
        except SyntaxError as e:
            said = explain(text, e)
            at = re.search(r"\bat line (\d+)", said)
            found.append(Problem(shown, int(at.group(1)) if at else None, "Violation", "check:query-syntax-violation",
                                 None, None, f"the competency question does not parse: {said}"))
        except (OSError, ValueError, TypeError, RuntimeError):  # parsed; its evaluation is the engine's
            pass
    if memo is not None:
        memo.put("questions", "parse", key, [[p.file, p.line, p.message] for p in found])
    return found


def _merged_later(store: Any) -> Any:
    """``store``, or where its default graph is read as the view of the union, a store that makes
    it the merge when first queried (an outcome's store answers as one opened whole)."""
    if not store.repeats_union:
        return store
    from qgraph.corpus.store import LazyStore

    def merged() -> Any:
        store.merge()
        return store

    return LazyStore(merged)


#: ``qgraph validate`` checks half of the evidence and the terms in a child from this many files
#: to check (a child costs a fork; below, in process)
SPLIT_FROM = 64

#: more data files changed than this: the checks reading the default graph alone all run again
MAX_CHANGED_FOR_KEPT = 20


def _kept_union(project: Any, memo: Any) -> dict[str, tuple[str, Any]]:
    """The checks reading the default graph alone whose rows the last run kept and the edit since
    cannot change (:mod:`qgraph.checks.unaffected`), as :func:`qgraph.ask.catalogue.run_checks`
    takes results computed elsewhere: name → (hash of its text, its rows). Only data files may
    have changed (every other input is in the key), at most :data:`MAX_CHANGED_FOR_KEPT` of
    them, each with the cache's copy of its version then; a check is kept when none of its
    patterns may match a triple of those files' old or new versions that is not in both (see
    :func:`_changed_triples`) and no kept row holds a blank node. ``memo.union_files``: the data
    files this was decided on."""
    from qgraph.ask import catalogue
    from qgraph.checks import unaffected
    from qgraph.checks.cache import combine, own_term, union_basis
    from qgraph.corpus.loading import parse_file
    from qgraph.corpus.store import Result
    from qgraph.errors import QgraphError

    memo.union_files = {}
    stored = memo.old.get("union")
    basis = union_basis(project, memo) if isinstance(stored, dict) and stored else None
    if basis is None:
        return {}
    key, files = basis
    memo.union_files = files
    try:
        entries = [e for e in catalogue.checks(project) if catalogue.reads_default_graph_only(e.text)]
    except (QgraphError, OSError):
        return {}
    changes: dict[str, list | None] = {}  # the files then (as JSON) -> the triples that may differ
    kept = {}
    for entry in entries:
        got = stored.get(entry.name)
        if not (isinstance(got, list) and len(got) == 2 and got[0] == combine(key, combine(entry.text))):
            continue
        value = got[1]
        try:
            then = value["files"]
            rows = [tuple(own_term(c) for c in row) for row in value["rows"]]
            result = Result(value["kind"], list(value["vars"]), rows, value["boolean"])
        except (KeyError, TypeError, ValueError, IndexError):
            continue
        if any(c is not None and c[0] == "b" for row in value["rows"] for c in row):
            continue
        label = repr(sorted(then.items())) if isinstance(then, dict) else None
        if label is None:
            continue
        if label not in changes:
            changes[label] = _changed_triples(project, memo, then, files, parse_file)
        delta = changes[label]
        found = unaffected.kept_patterns(memo, entry.name, entry.text) if delta is not None else None
        if found is None or any(unaffected.may_match(found, t) for t in delta):
            continue
        kept[entry.name] = (combine(entry.text), result)
    if kept:
        memo.notes.append(f"{len(kept)} check(s) reading the default graph alone kept their rows (the edit "
                          "cannot change them)")
    return kept


def _changed_triples(project: Any, memo: Any, then: dict[str, str], now: dict[str, str],
                     parse_file: Callable) -> list | None:
    """The triples that may be in the merge of the data files ``then`` and not in that of
    ``now`` or the other way (label → content hash): of each changed file, those of its old
    version (the cache's copy) and new one that are not in both, blank nodes named by what is
    around them (:func:`qgraph.corpus.blanks._relabel`, as the exports name them: a blank node
    is new at each parse, and a query's rows hold none of them, so a structure of blank nodes
    the same in both versions is the same to it); ``None`` when that cannot be told (too many
    files, a copy missing, a file that does not parse: the load reports it)."""
    from qgraph.checks.cache import _hash
    from qgraph.corpus.blanks import named_triples
    from qgraph.errors import QgraphError

    changed = sorted(rel for rel in set(then) | set(now) if then.get(rel) != now.get(rel))
    if len(changed) > MAX_CHANGED_FOR_KEPT:
        return None
    paths = {project.display(p): p for p in project.data_paths()}
    out: list = []
    try:
        for rel in changed:
            old: set = set()
            if rel in then:
                quads = memo.snapshot(then[rel], rel)
                if quads is None:
                    return None
                old = named_triples(((q.subject, q.predicate, q.object) for q in quads), rel, rel)
            new: set = set()
            if rel in now:
                if _hash(paths[rel].read_bytes()) != now[rel]:
                    return None  # changed again since the cache's scan: the checks run
                quads = parse_file(paths[rel], "urn:x-qgraph:snapshot", rel)[0]
                new = named_triples(((q.subject, q.predicate, q.object) for q in quads), rel, rel)
            out += sorted(old ^ new, key=str)
    except (QgraphError, KeyError, OSError):
        return None
    return out


def _union_checks(project: Any, skip: frozenset[str] | set[str] = frozenset()) -> Forked | None:
    """The checks that read the default graph alone (:func:`qgraph.ask.catalogue.reads_default_graph_only`),
    run in a child process forked now, before the corpus is loaded: it parses the same files
    itself, in Oxigraph (no Python object per triple), into the default graph of a store of
    its own, which is then the merge of every file's triples as in the query store (a store
    is a set; each file's blank nodes are its own), and runs those checks on it, while this
    process loads, validates and checks the rest on the second core. Its results are used
    only if the files it read are those the validation cache hashed (:func:`_union_results`);
    anything else, and a child that fails, falls back to the checks run here on the whole
    query store. ``None`` (nothing started) where a fork is not safe: no ``fork``, or a thread
    running (a thread holding a lock at the fork would leave it held in the child)."""
    import threading

    if not can_fork() or threading.active_count() != 1:
        return None
    import pyoxigraph  # noqa: F401 (imported before the fork, not in the child)

    from qgraph.ask import catalogue
    from qgraph.checks import cache  # noqa: F401
    from qgraph.corpus import store as _store  # noqa: F401
    from qgraph.corpus.loading import project_prefixes, sources
    from qgraph.errors import QgraphError

    try:
        wanted = [(e.name, e.text) for e in catalogue.checks(project)
                  if catalogue.reads_default_graph_only(e.text) and e.name not in skip]
        files = [(_label(rel, graph), path) for path, rel, graph in sources(project)]
    except (QgraphError, OSError):
        return None  # reported as usual when the checks are run here
    if not wanted:
        return None
    prefixes = project_prefixes()
    return Forked(lambda: _union_child(files, wanted, prefixes))


def _label(rel: str, graph: str) -> str:
    """The validation cache's label of a loaded file (as :func:`qgraph.checks.cache.inputs`)."""
    from qgraph.corpus.loading import ONTOLOGY_GRAPH

    return f"ontology:{rel}" if graph == ONTOLOGY_GRAPH else rel


def _union_child(files: list[tuple[str, Path]], wanted: list[tuple[str, str]],
                 prefixes: dict[str, str]) -> tuple[dict[str, str], dict[str, tuple]]:
    """In the child: (label → content hash of each file as read, check name → (hash of its
    text, kind, variables, rows as cache cells, boolean)); a check that fails is left out (run
    again in the parent, which reports the error)."""
    import pyoxigraph as ox

    from qgraph.checks.cache import _hash, cell, combine
    from qgraph.corpus.store import OxigraphStore
    from qgraph.errors import QgraphError

    store = ox.Store()
    hashes = {}
    for label, path in files:
        data = path.read_bytes()
        hashes[label] = _hash(data)
        # the parser of qgraph.corpus.loading.parse_file (no base IRI, strict), from the same
        # bytes; Store.load, not bulk_load, which is slower into a store in memory (1M triples:
        # 1.9 s against 2.5 s, the same quads)
        store.load(data, format=ox.RdfFormat.TURTLE)
    union = OxigraphStore.over(store, prefixes)
    results = {}
    for name, text in wanted:
        try:
            r = union.query(text)
        except QgraphError:
            continue
        results[name] = (combine(text), r.kind, r.vars, [[cell(t) for t in row] for row in r.rows], r.boolean)
    return hashes, results


def _union_results(union: Forked | None, loaded: Any, memo: Any) -> dict[str, tuple[str, Any]]:
    """The child's check results (:func:`_union_checks`) as :func:`qgraph.ask.catalogue.run_checks`
    takes them, when it read exactly the files loaded here, each with the content the cache
    hashed; else none (the checks are run here)."""
    if union is None:
        return {}
    from qgraph.checks.cache import term
    from qgraph.corpus.store import Result

    got = union.result()
    if got is None or memo is None:
        return {}
    hashes, results = got
    expected = {_label(f.rel, f.graph): memo.digest(_label(f.rel, f.graph)) for f in loaded.files}
    if hashes != expected or None in expected.values():
        return {}
    # a row with a blank node: not taken (the child's blank nodes are not those loaded here, which
    # reports name as the exports do: run here)
    return {name: (digest, Result(kind, names, [tuple(term(c) for c in row) for row in rows], boolean))
            for name, (digest, kind, names, rows, boolean) in results.items()
            if not any(c is not None and c[0] == "b" for row in rows for c in row)}


def _union_note(union: Forked | None, used: list[str], store: Any, kept: dict | None = None) -> str:
    """What --progress says of where the checks ran."""
    kept = kept or {}
    if union is None and not kept:
        return ""
    made = getattr(store, "made", True)
    parts = []
    if kept:
        parts.append(f"{len(kept)} kept from the last run (the edit cannot change them)")
    if union is not None:
        beside = len([name for name in used if name not in kept])
        parts.append(f"{beside} run beside, in a child process, on the merge of the files" if beside
                     else "none could be run beside (the child failed, or the files changed)")
    return f" ({'; '.join(parts)}; the whole query store {'built' if made else 'not needed'})"


def _terms_in_child(loaded: Any, memo: Any) -> tuple[list[Problem], dict, int, int, Any]:
    """In a child: the term and qg:supports checks, with what they left in the cache's memo
    (and ``None`` where the build's child gives the summary's per-document counts, see
    :func:`_streamed`)."""
    from qgraph.checks import vocabulary

    hits, misses = (memo.hits, memo.misses) if memo is not None else (0, 0)
    return _terms_value(vocabulary.check(loaded, memo), memo, hits, misses, None)


def _terms_value(problems: list[Problem], memo: Any, hits: int, misses: int,
                 coverage: Any) -> tuple[list[Problem], dict, int, int, Any]:
    """A child's term checks as :func:`_terms` takes them: their problems, what they left in the
    cache's memo (its hits and misses counted from ``hits`` and ``misses``), and ``coverage``."""
    if memo is None:
        return problems, {}, 0, 0, coverage
    return problems, memo.new.get("terms", {}), memo.hits - hits, memo.misses - misses, coverage


#: the build's child checks the evidence of one file in this many of those to check, this
#: process the others (:func:`_theirs`): the child also parses every file, so that with half of
#: them this process waited ~1 s for it at 1M triples
STREAMED_SHARE = 3


def _theirs(todo: list[str], streamed: bool) -> list[str]:
    """The files of ``todo`` whose evidence the child checks: one in :data:`STREAMED_SHARE` for
    the build's child (:func:`_streamed`), else one in two."""
    return todo[STREAMED_SHARE - 1::STREAMED_SHARE] if streamed else todo[1::2]


def _mine(todo: list[str], streamed: bool) -> list[str]:
    """The files of ``todo`` whose evidence this process checks (the others: :func:`_theirs`)."""
    theirs = set(_theirs(todo, streamed))
    return [rel for rel in todo if rel not in theirs]


#: the build's child reads the files in parts of about this many triples (:func:`_streamed`):
#: each part indexes the ontology's again for the checks (~1,600 triples)
PART_TRIPLES = 50_000


def _streamed(project: Any, memo: Any) -> tuple[Callable[[], Any], list[Callable[[], Any]]]:
    """The calls of the build's child (:class:`qgraph.forked.Forked`'s ``fn`` and ``then``),
    forked before the load. It reads and parses every file itself, in the load's order, a part
    of :data:`PART_TRIPLES` at a time (the ontology's files a part of their own), and on each
    part does what :func:`_check` hands it: the evidence check of its share of the files to
    check (:func:`_theirs` of :func:`qgraph.checks.evidence.to_check`), the term and qg:supports
    checks, the summary's per-document counts (:class:`qgraph.ask.counts.DocumentCounter`), the
    exports' blank-node relabelling (:class:`qgraph.publish.exports.RelabelledParts`) and the
    fact-property check's rows (:class:`_LocalRows`; asked of the store, the check held ~150 MiB
    beside the JSON-LD pass at 1M triples, the build's highest point).

    Forked once the corpus was loaded, the child shared this process's quads, and each process
    touching each quad's object (its reference count) made every page of them a copy of its
    own: the child held ~600 MiB at the build's highest point, beside SHACL's store filling
    (1M triples). Reading the files itself, it holds one part and what it keeps of each, on
    the second core, which is mostly idle while this process loads.

    The first call's value: ((rel, triples) of every file read, in order; the evidence check's
    entries of its files, see :func:`qgraph.checks.evidence.entries`); then the term checks'
    (as :func:`_terms_in_child`, with the counts), then the relabelling
    (:class:`qgraph.publish.exports.Relabelled`), then the graph-local rows. A file whose bytes
    are not those the cache hashed (changed since it was scanned) fails the child
    (:func:`_streamed_values`: all checked here); a relabelling the exports refuse fails that
    value alone."""
    done: dict[str, Any] = {}

    def everything() -> tuple[list[tuple[str, int]], dict[str, list]]:
        from qgraph.ask.counts import DocumentCounter
        from qgraph.checks import evidence, vocabulary
        from qgraph.checks.cache import _hash
        from qgraph.corpus.loading import ONTOLOGY_GRAPH, Loaded, SourceFile, _listing, parse_file, project_prefixes
        from qgraph.errors import QgraphError
        from qgraph.publish.exports import RelabelledParts

        prefixes = project_prefixes()
        listing = list(_listing(project))
        skeleton = Loaded(project.root, [SourceFile(p, rel, graph, stem) for p, rel, graph, stem in listing], [],
                          prefixes, project)
        theirs = set(_theirs(evidence.to_check(skeleton, memo), True))
        del skeleton
        hits, misses = (memo.hits, memo.misses) if memo is not None else (0, 0)
        read: list[tuple[str, int]] = []
        entries: dict[str, list] = {}
        problems: list[Problem] = []
        relabel: RelabelledParts | None = RelabelledParts()
        ontology: list[Any] = []  # the ontology's files and quads (read first), beside each part
        ontology_quads: list[Any] = []
        counter: Any = None
        local = _LocalRows(project, memo)

        def part(files: list[Any], quads: list[Any]) -> None:
            nonlocal relabel, counter
            alone = Loaded(project.root, files, quads, prefixes, project)
            if relabel is not None:
                try:
                    relabel.add(alone)
                except QgraphError as e:  # the exports raise it, where they work it out again
                    done["relabel"] = e
                    relabel = None
            local.add(alone)
            del alone
            if files[0].graph == ONTOLOGY_GRAPH:  # the ontology's part (the first)
                ontology.extend(files)
                ontology_quads.extend(quads)
                return
            if counter is None:
                counter = DocumentCounter(Loaded(project.root, ontology, ontology_quads, prefixes, project))
            whole = Loaded(project.root, ontology + files, ontology_quads + quads, prefixes, project)
            mine = [f.rel for f in files if f.rel in theirs]
            if mine:
                entries.update(evidence.entries(whole, mine))
            problems.extend(vocabulary.check(whole, memo))
            counter.add(whole)

        files: list[Any] = []
        quads: list[Any] = []
        for path, rel, graph, stem in listing:
            # a part ends between two graphs (a graph's files all in one: the ontology's), after
            # the ontology's, and from PART_TRIPLES on
            if files and graph != files[-1].graph and (len(quads) >= PART_TRIPLES or files[-1].graph == ONTOLOGY_GRAPH):
                part(files, quads)
                files, quads = [], []
            data = path.read_bytes()
            digest = memo.digest(_label(rel, graph)) if memo is not None else None
            if digest is not None and digest != _hash(data):
                raise QgraphError(f"{rel} changed since the cache's scan")
            got, declared = parse_file(path, graph, rel, data)
            del data
            files.append(SourceFile(path, rel, graph, stem, declared, len(got)))
            quads += got
            read.append((rel, len(got)))
        if files:
            part(files, quads)
        del files, quads
        if counter is None:  # no data file
            counter = DocumentCounter(Loaded(project.root, ontology, ontology_quads, prefixes, project))
        done["terms"] = _terms_value(problems, memo, hits, misses, counter.result())
        if relabel is not None:
            done["relabel"] = relabel.result()
        done["local"] = local.result()
        return read, entries

    def value(name: str) -> Callable[[], Any]:
        def get() -> Any:
            got = done.pop(name)
            if isinstance(got, BaseException):
                raise got
            return got
        return get

    return everything, [value("terms"), value("relabel"), value("local")]


class _LocalRows:
    """In the build's child (:func:`_streamed`): the shipped fact-property check's rows worked
    out a part at a time (:mod:`qgraph.checks.facts`), as :func:`qgraph.ask.catalogue.run_checks`
    takes them (``local``): check name → graph → [key, [columns, rows as cache cells]]. Not where
    there is no validation cache (the keys are its content hashes), nor where the project's check
    is not the shipped text; a graph whose rows hold a blank node is left out (a blank node is
    another in each parse): the check is run on it in the parent."""

    def __init__(self, project: Any, memo: Any) -> None:
        from qgraph.ask import catalogue
        from qgraph.checks import facts
        from qgraph.checks.cache import combine

        self._memo = memo
        self._query: str | None = None
        self._rows: dict[str, list] = {}
        self._seen: set[str] = set()
        if memo is None:
            return
        entry = next((e for e in catalogue.checks(project) if e.name == facts.NAME), None)
        if entry is not None and facts.applies(entry.text):
            self._query = combine(entry.text)

    def add(self, part: Any) -> None:
        """The rows of each graph of ``part`` (a :class:`qgraph.corpus.loading.Loaded` holding
        all of each graph's files)."""
        if self._query is None:
            return
        import pyoxigraph as ox

        from qgraph.ask.catalogue import graph_local_key
        from qgraph.checks import facts
        from qgraph.checks.cache import iri_cell

        graphs: dict[str, list[Any]] = {}
        for f in part.files:
            graphs.setdefault(f.graph, []).append(f)
        for graph, files in graphs.items():
            if graph in self._seen:  # a graph in two parts (not so read): left to the parent
                self._rows.pop(graph, None)
                continue
            self._seen.add(graph)
            key = graph_local_key(self._memo, self._query, graph, files)
            if key is None:
                continue
            found = facts.unsupported(q for f in files for q in part.quads_of(f))
            if any(not isinstance(node, ox.NamedNode) for node, _ in found):
                continue
            cells = [[iri_cell(node.value), iri_cell(prop), iri_cell(graph)] for node, prop in sorted(found, key=str)]
            self._rows[graph] = [key, [list(facts.COLUMNS), cells]]

    def result(self) -> dict[str, dict[str, list]] | None:
        if self._query is None:
            return None
        from qgraph.checks import facts

        return {facts.NAME: self._rows}


def _streamed_values(streamed: Forked, loaded: Any, memo: Any, mine: dict[str, list],
                     theirs: list[str]) -> tuple[Any, Any, Any, Any]:
    """The build's child's values (see :func:`_streamed`) as :func:`_check` uses them: the
    evidence check's summary (the child's half and ``mine``), the term checks' value (for
    :func:`_terms`), the exports' relabelling and the graph-local checks' rows (for
    :func:`qgraph.ask.catalogue.run_checks`, see :class:`_LocalRows`). Whatever the child did
    not give (it failed, or read other files than ``loaded``'s, or other contents) is worked out
    here, or later where it is asked for (``None``)."""
    from qgraph.checks import evidence

    first = streamed.result()
    if first is not None:
        read, entries = first
        if read != [(f.rel, f.triples) for f in loaded.files] or sorted(entries) != sorted(theirs):
            first = None
    if first is None:
        streamed.close()
        return evidence.check(loaded, memo, given=mine), None, None, None
    ev = evidence.check(loaded, memo, given={**mine, **entries})
    return ev, streamed.later(), streamed.later(), streamed.later()


def _evidence_step(step: Any, ev: Any, beside: bool) -> None:
    step(f"evidence: {ev.passages_found:,} of {ev.passages:,} passages found in their sources"
         + (" (half of the files checked beside, in a child process)" if beside else ""))


def _terms(got: tuple | None, loaded: Any, memo: Any) -> list[Problem]:
    """The term and qg:supports checks' problems: from the child's value ``got`` (see
    :func:`_terms_in_child`) when it ran them (its entries put into the cache's memo, as if they
    had run here), else (``None``: no child, or it failed) run here."""
    from qgraph.checks import vocabulary

    if got is None:
        return vocabulary.check(loaded, memo)
    problems, kept, hits, misses, _ = got
    if memo is not None:
        memo.new.setdefault("terms", {}).update(kept)
        memo.hits += hits
        memo.misses += misses
    return problems


@contextmanager
def _closing(meta: Any) -> Iterator[None]:
    """Let the SHACL-for-SHACL child go however the checks end (its result used or not)."""
    try:
        yield
    finally:
        if meta is not None:
            meta.close()


def _meta_shacl(project: Any, memo: Any) -> Any:
    """SHACL-for-SHACL of the project's shapes started in a child process (see
    :class:`qgraph.checks.validation.MetaShacl`), unless the validation cache holds the shapes
    check already or the shapes are the shipped ones (:func:`qgraph.checks.validation.shipped_shapes`);
    ``None`` then."""
    from qgraph.checks import validation

    if not can_fork():  # Windows: checked in process, as before
        return None
    if validation.shapes_checked(project, memo) or not project.shapes_file.is_file() \
            or validation.shipped_shapes(project.shapes_file):
        return None
    return validation.MetaShacl(project.shapes_file, validation._rel(project.shapes_file, project.root))


def _checks_then_counts(loaded: Any, store: Any, memo: Any, local: Any = None) -> tuple[list[Problem], Any]:
    """The SPARQL checks (``local``: rows worked out in the build's child, see :class:`_LocalRows`),
    then (when they find no violation: the build goes on to its summary) the summary's store
    counts, both on the checks' thread."""
    from qgraph.ask import catalogue
    from qgraph.ask.counts import store_counts

    store = _Trimming(store)
    checks = catalogue.run_checks(loaded, store, memo, local=local)
    if counts(checks)["Violation"]:
        return checks, None
    return checks, store_counts(store, triples=False)  # the triples: the exports count them (_build)


class _Trimming:
    """``store`` (a :class:`qgraph.corpus.store.Store`), giving the memory each query freed back
    to the system as soon as it is answered (:func:`qgraph.corpus.store.return_freed_memory`,
    ~3 ms), not once every check is done: the checks' thread runs its queries beside the JSON-LD
    pass, the build's highest point, and each began where the last left the allocator's heaps
    (1M triples: ~60 MiB given back at the end; `ru_maxrss` 1,335–1,339 MiB against 1,338–1,357,
    three builds each, within the scatter)."""

    def __init__(self, store: Any) -> None:
        self._inner = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        from qgraph.corpus.store import return_freed_memory

        try:
            return self._inner.query(*args, **kwargs)
        finally:
            return_freed_memory()


def _out_of_memory(loaded: Any) -> Exception:
    from qgraph.corpus.loading import largest_literal
    from qgraph.errors import QgraphError

    return QgraphError(f"out of memory while checking the corpus; {largest_literal(loaded)}")


#: when ``qgraph validate`` writes the kept validation store ($QGRAPH_KEEP_STORE)
KEEP_STORE = ("later", "now", "off")


def cached_check(root: Path | str | None = None, validator: str = "fast", progress: Progress | None = None,
                 notice: Progress | None = None, keep_store: str | None = None) -> Outcome:
    """:func:`check` with the validation cache (:mod:`qgraph.checks.cache`, ``.qgraph-cache/``):
    an :class:`Outcome` whose ``problems`` are those the uncached check finds (``loaded`` holds
    only the prefixes and ``store`` is ``None`` when the verdict came from the cache; else a
    :class:`~qgraph.corpus.store.LazyStore` when the checks that read the default graph alone ran
    beside, see :func:`_union_checks`).
    ``notice``: called with one line when the cache is rebuilt, was stale or cannot be used.
    ``keep_store``: after a whole validation, the kept validation store
    (:mod:`qgraph.checks.kept_store`) is written ``"later"`` (in a process of its own, once
    this one has answered), ``"now"``, or not at all (``"off"``: nor is one used); default
    ``$QGRAPH_KEEP_STORE``, else ``"later"``."""
    from qgraph.checks.cache import Cache, Prefixes, label
    from qgraph.corpus.loading import project_prefixes
    from qgraph.project import Project

    keep_store = _keep_store_mode(keep_store)
    project = root if isinstance(root, Project) else Project.at(root)
    say = notice or (lambda line: None)
    step = Steps(progress)
    cache = Cache(project, say)
    cache.load()
    cache.scan()
    problems = cache.verdict(validator)
    if problems is not None:
        step(f"cache: nothing changed since the last run ({len(cache.hashes)} inputs); its verdict")
        return Outcome(Prefixes(project_prefixes()), None, problems, None)
    if cache.state and cache.changed:
        shown = ", ".join(label(k) for k in cache.changed[:3]) + (
            f" and {len(cache.changed) - 3} more" if len(cache.changed) > 3 else "")
        say(f"cache: {len(cache.changed)} input(s) changed since the last run ({shown}): re-checked")
    step(f"cache: {len(cache.changed) if cache.state else len(cache.hashes)} input(s) to check again")
    memo = cache.memo()
    memo.keep_validated = bool(keep_store)
    kept, fresh, why = _open_kept(cache, memo, validator, say) if keep_store else (None, [], "")
    if why:
        step(f"cache: {why}: every file parsed")
    try:
        try:
            outcome = check(project, validator=validator, progress=progress, memo=memo, kept=kept, fresh=fresh)
        except (OSError, RuntimeError) as e:  # RocksDB's own errors are RuntimeErrors
            if kept is None:
                raise
            kept.close()
            kept = None
            memo.discard_copies()
            say(f"cache: the kept store failed ({e}): checked without it")
            memo = cache.memo()
            memo.keep_validated = True
            outcome = check(project, validator=validator, progress=progress, memo=memo)
        if memo.hits or memo.misses:
            step(f"cache: {memo.hits} stored result(s) used, {memo.misses} computed" + "".join(
                f"; {n}" for n in memo.notes))
        saved = cache.save(validator, outcome.problems, memo)
        step("cache: written")
        if kept is not None and memo.shacl_basis is not None and saved:
            try:
                kept.commit(cache.version, *memo.shacl_basis)
                step("cache: kept store brought up to date")
            except OSError as e:  # its basis is gone: the next run does without it, and writes it anew
                say(f"cache: the kept store could not be brought up to date ({e.strerror or e})")
    except BaseException:
        memo.discard_copies()  # a run that fails leaves the corpus as it found it
        raise
    finally:
        if kept is not None:
            kept.close()
    if kept is None and keep_store and saved and memo.validated is not None and memo.shacl_basis is not None:
        _store_writer(cache, memo, keep_store)()
    return outcome


def _open_kept(cache: Any, memo: Any, validator: str, say: Progress) -> tuple[Any, list[str], str]:
    """The kept validation store this run can use (:mod:`qgraph.checks.kept_store`), the data
    files changed since it was written, and, when there is none, why (``""``: nothing said).
    ``say``: told when the run waits for the store (being written)."""
    from qgraph.checks import literals
    from qgraph.checks.kept_store import open_kept

    project = cache.project
    if validator != "fast" or not cache.state or not cache.changed:
        return None, [], ""
    data = {project.display(p): p for p in project.data_paths()} if project.data_dir.is_dir() else {}
    texts = {project.display(project.source_text(p.stem)) for p in data.values()}
    old = memo.old.get("shacl", {}).get("results")
    try:
        files, token = old[1]["files"], old[1]["token"]
    except (TypeError, KeyError, IndexError):
        return None, [], "no SHACL results kept"
    if not isinstance(files, dict) or set(files) != set(data):
        return None, [], "data files added or removed"
    fresh = [k for k in cache.changed if k in data]
    if any(k not in data and k not in texts for k in cache.changed):
        return None, [], "an input other than the data files and their texts changed"
    from qgraph.checks.validation import MAX_CHANGED_FILES

    if len(fresh) > MAX_CHANGED_FILES:
        return None, [], f"{len(fresh)} data files changed"
    unclean = [rel for rel in data if rel not in fresh and not memo.has("literals", rel, literals.clean_key(memo, rel))]
    if unclean:
        return None, [], f"{unclean[0]} holds an ill-typed literal"
    kept, why = open_kept(cache.dir, cache.version, files, token, say)
    return kept, fresh, why


class Steps:
    """Reports each step with the seconds it took (``report`` ``None``: nothing reported)."""

    def __init__(self, report: Progress | None) -> None:
        import time

        self.report, self.clock = report or _quiet, time.perf_counter
        self.last = self.clock()

    def __call__(self, what: str) -> None:
        now = self.clock()
        self.report(f"{what} ({now - self.last:.1f} s)")
        self.last = now


def build(out: Path | str = "dist", root: Path | str | None = None, validator: str = "fast",
          progress: Progress | None = None, cache: bool = False, notice: Progress | None = None) -> Outcome:
    """Check, then write every export into ``out``; :class:`NonConformant` (nothing written)
    if any check finds a violation. ``progress``: as for :func:`check`.

    ``cache``: the checks use the validation cache's stored results (``.qgraph-cache/``, as
    :func:`cached_check` does: the shapes check, the per-file evidence, term and literal checks,
    the graph-local SPARQL checks) and the cache is written afterwards; the exports do not
    depend on it. ``notice``: as for :func:`cached_check`."""
    from qgraph.project import Project

    root = root if isinstance(root, Project) else Project.at(root)
    root.refuse_output_among_inputs(out, "--out")  # before anything is read
    memo: Any = None
    keep: Callable[[Outcome], None] | None = None
    saved: list[bool] = []
    if cache:
        from qgraph.checks.cache import Cache

        keep_store = _keep_store_mode(None)
        store_of = Cache(root, notice or (lambda line: None))
        store_of.load()
        store_of.scan()
        memo = store_of.memo()
        memo.keep_validated = bool(keep_store) and validator == "fast"

        def keep(outcome: Outcome) -> None:
            step = Steps(progress)
            saved.append(store_of.save(validator, outcome.problems, memo))
            step(f"cache: {memo.hits} stored result(s) used, {memo.misses} computed; written")

    def store_writer() -> Callable[[], None] | None:
        """The writer of the kept validation store, when the checks' results were saved."""
        if saved and saved[0] and memo.validated is not None and memo.shacl_basis is not None:
            return _store_writer(store_of, memo, keep_store)
        return None

    try:
        outcome = _build(Path(out), root, validator, progress, memo, keep)
    except NonConformant as e:
        # refused for its violations, the checks' results kept: so is their store, for the
        # `qgraph validate` after the fix (the command writes it once the report is out)
        if memo is not None:
            memo.discard_copies()  # nothing once the state is saved
            e.after = store_writer()
        raise
    except BaseException:
        if memo is not None:
            memo.discard_copies()  # a build that fails leaves the corpus as it found it
        raise
    if memo is not None:
        from qgraph.ask.kept_counts import KIND

        outcome.counts_key = store_of.verdict_key(KIND)
        outcome.store_writer = store_writer()
    return outcome


def _keep_store_mode(keep_store: str | None) -> str:
    """When the kept validation store is written: ``keep_store``, else ``$QGRAPH_KEEP_STORE``,
    else ``"later"``; ``""`` for ``"off"``."""
    import os

    from qgraph.errors import QgraphError

    keep_store = keep_store if keep_store is not None else os.environ.get("QGRAPH_KEEP_STORE") or "later"
    if keep_store not in KEEP_STORE:
        raise QgraphError(f"QGRAPH_KEEP_STORE={keep_store}: not one of {', '.join(KEEP_STORE)}")
    return "" if keep_store == "off" else keep_store


def _store_writer(cache: Any, memo: Any, keep_store: str) -> Callable[[], None]:
    """What writes the kept validation store of a whole validation (``memo.validated``, under
    ``memo.shacl_basis``), ``"now"`` or ``"later"`` (in a process of its own)."""
    from qgraph.checks import kept_store

    store, left_out, raw = memo.validated
    memo.validated = None
    basis = memo.shacl_basis

    def write() -> None:
        quads = kept_store.validated_quads(store, left_out)
        if keep_store == "now":
            kept_store.write(cache.dir, quads, raw, cache.version, *basis)
        else:
            kept_store.write_later(cache.dir, quads, raw, cache.version, *basis)

    return write


def _build(out: Path, root: Any, validator: str, progress: Progress | None, memo: Any,
           keep: Callable[[Outcome], None] | None) -> Outcome:
    """:func:`build` once the cache is read (``memo``, ``keep``: ``None`` without it)."""
    from qgraph.publish.exports import Exporter, write_atomically

    # The SPARQL checks run on a thread of their own while the exports are written to temporary
    # files, which are renamed into place only once every check has passed (else removed).
    outcome, settle = _check(root, "oxigraph", validator, progress, beside=True, memo=memo)
    if keep is not None:
        settle = _kept(settle, keep)

    def refuse_unless_conforming(outcome: Outcome) -> None:
        if not outcome.conforms:
            n = counts(outcome.problems)["Violation"]
            raise NonConformant(f"the data does not conform: {n} violation(s); nothing written", outcome.problems)

    if not outcome.conforms:
        refuse_unless_conforming(settle())  # the whole report, the checks' problems included
    settled: list[Outcome] = []

    def gate() -> None:
        settled.append(settle())
        refuse_unless_conforming(settled[0])

    step = Steps(progress)
    with paused_gc():
        try:
            # the relabelling handed over: the exporter lets it go once read
            exporter = Exporter(outcome.loaded, outcome.prepared)
            outcome.prepared = None
            jobs = exporter.jobs(Path(out))
            if outcome.resume is not None:
                def resume() -> None:  # SHACL's violations refused at once, as before the exports
                    if counts(outcome.resume())["Violation"]:
                        refuse_unless_conforming(settle())

                jobs = _resume_after_first(jobs, resume)
            written = write_atomically(_trimmed(jobs), gate=gate)
        except MemoryError:
            from qgraph.corpus.loading import largest_literal
            from qgraph.errors import QgraphError

            raise QgraphError(f"out of memory while writing the exports (nothing written); "
                              f"{largest_literal(outcome.loaded)}") from None
    outcome = settled[0]
    outcome.written = written
    if outcome.asked is not None and outcome.asked.triples is None:
        outcome.asked.triples = exporter.union_size  # what the store's view would count, without its hash set
    step(f"wrote {len(outcome.written)} files")
    return outcome


def _resume_after_first(jobs: dict[Path, Callable[[Any], None]], resume: Callable[[], None]
                        ) -> dict[Path, Callable[[Any], None]]:
    """``jobs`` with ``resume`` called once the first is written (the N-Quads dump: the exports'
    sort, which SHACL's queries run beside, see :func:`_check`)."""
    first = next(iter(jobs), None)
    if first is None:
        return jobs
    job = jobs[first]

    def then(fh: Any) -> None:
        job(fh)
        resume()

    return {**jobs, first: then}


def _trimmed(jobs: dict[Path, Callable[[Any], None]]) -> dict[Path, Callable[[Any], None]]:
    """``jobs``, each followed by the memory it left free given back to the system
    (:func:`qgraph.corpus.store.return_freed_memory`, ~3 ms): the next export starts from less."""
    from qgraph.corpus.store import return_freed_memory

    def then_trim(job: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(fh: Any) -> None:
            job(fh)
            return_freed_memory()

        return run

    return {target: then_trim(job) for target, job in jobs.items()}


def _kept(settle: Callable[[], Outcome], keep: Callable[[Outcome], None]) -> Callable[[], Outcome]:
    """``settle``, then ``keep`` its outcome (once, whether it conforms or not)."""
    done: list[Outcome] = []

    def settled() -> Outcome:
        if not done:
            done.append(settle())
            keep(done[0])
        return done[0]

    return settled


#: how many documents, graphs or warnings the build's summary names; the rest are counted
SUMMARY_ITEMS = 30


def _some(items: list[str], where: str) -> str:
    """``items`` joined, the first :data:`SUMMARY_ITEMS` of them and how many more (and where
    they are listed)."""
    if len(items) <= SUMMARY_ITEMS:
        return ", ".join(items)
    return ", ".join(items[:SUMMARY_ITEMS]) + f", … and {len(items) - SUMMARY_ITEMS} more ({where} lists them)"


def summary(outcome: Outcome, out: Path | None = None) -> str:
    """The short text a build prints; its counts kept for ``qgraph stats`` when the build used
    the cache (:mod:`qgraph.ask.kept_counts`)."""
    from qgraph.ask.counts import compute

    s = compute(outcome.loaded, outcome.store, outcome.asked, outcome.coverage)
    if outcome.counts_key is not None:
        from qgraph.ask import kept_counts

        kept_counts.write(outcome.loaded.project, outcome.counts_key, s)
    c = counts(outcome.problems)
    # Entities of the documents only: the link and enrichment graphs are counted by their triples.
    per_class = [(n, c) for c, n in s.document_classes.items() if c not in ("qg:Evidence", "oa:TextQuoteSelector")]
    top = ", ".join(f"{c} {n}" for n, c in per_class[:12])
    lines = [
        f"documents: {len(s.documents)} ({_some(s.documents, 'qgraph stats')})",
        f"triples: {s.triples} ({_some([f'{g} {n}' for g, n in s.triples_by_graph.items()], 'qgraph stats')})",
        f"entities in the documents by class: {top}",
        f"facts with evidence: {s.with_evidence}/{s.described}; evidence passages found in their "
        f"sources: {outcome.evidence.passages_found}/{outcome.evidence.passages}",
        f"warnings: {c['Warning']}" + ("" if not c["Warning"] else " (qgraph validate lists them)"),
    ]
    shown = [p for p in outcome.problems if p.severity != "Violation"]
    lines += ["  " + p.text() for p in shown[:SUMMARY_ITEMS]]
    if len(shown) > SUMMARY_ITEMS:
        lines.append(f"  … and {len(shown) - SUMMARY_ITEMS} more (qgraph validate lists them)")
    if out is not None and outcome.written:
        lines.append(f"wrote {len(outcome.written)} files to {out}/: " + ", ".join(
            sorted(str(p.relative_to(out)) for p in outcome.written)))
    return "\n".join(lines) + "\n"
