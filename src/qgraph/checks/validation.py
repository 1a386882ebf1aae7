"""SHACL validation, results mapped to ``file:line``.

Two validators give the same problems (tests/test_validation.py holds them to it):

- ``fast`` (the default): :mod:`qgraph.checks.shacl`, the SHACL Core constraints of the shapes
  translated to SPARQL on pyoxigraph;
- ``pyshacl``: pySHACL, the reference.

The data graph is the union of every data file, the ontology (so ``sh:class`` sees the class
hierarchy), the links and the enrichment graph (see :attr:`Loaded.union`). No inference. Only
``sh:Violation`` fails a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from qgraph.checks.report import Problem, locate, node_tokens, shown, where
from qgraph.corpus.loading import Loaded, parse_file, read_text
from qgraph.errors import QgraphError
from qgraph.vocab import RDFS, RDFS_LABEL, SH


def load_shapes(path: Path, rel: str) -> tuple[Any, dict[str, str]]:
    """The shapes graph as an rdflib ``Graph`` (syntax errors → ``rel:line: …``)."""
    parsed = parse_shapes(path, rel)
    return parsed.graph, parsed.prefixes


def parse_shapes(path: Path, rel: str) -> "ParsedShapes":
    """The shapes file parsed (syntax errors → ``rel:line: …``); its rdflib graph made when asked."""
    if not path.is_file():
        raise QgraphError(f"{rel}: missing (the SHACL shapes)")
    quads, prefixes = parse_file(path, "urn:x-qgraph:shapes", rel)
    return ParsedShapes(quads, prefixes)


class ParsedShapes:
    """The shapes file's quads (pyoxigraph's) and prefixes; :attr:`graph`, the rdflib ``Graph``
    that the shapes check, the compiler and pySHACL read, made on first use: after an edit,
    with the compilation and what else is read of the graph kept (:func:`_compiled`,
    :func:`_shape_facts`), nothing asks for it, and rdflib is not imported (~0.1 s)."""

    def __init__(self, quads: list[Any], prefixes: dict[str, str]) -> None:
        self.quads, self.prefixes = quads, prefixes

    @cached_property
    def graph(self) -> Any:
        from rdflib import Graph

        from qgraph.corpus.terms import to_rdflib

        g = Graph(bind_namespaces="none")
        for q in self.quads:
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return g


def shacl(loaded: Loaded, shapes: Path | None = None) -> list[Problem]:
    """Validate ``loaded`` with pySHACL (default shapes ``ontology/shapes.ttl``); every problem."""
    return validate(loaded, "pyshacl", shapes)


VALIDATORS = ("fast", "pyshacl")


def validate(loaded: Loaded, validator: str = "fast", shapes: Path | None = None,
             store: Any = None, memo: Any = None, meta: Any = None, kept: Any = None) -> list[Problem]:
    """Every SHACL problem of ``loaded``, by the chosen validator (``fast`` or ``pyshacl``).
    See :func:`_validate`."""
    later = _validate(loaded, validator, shapes, store, memo, meta, kept)
    return later.finish(later.queries())


@dataclass
class Later:
    """A validation in three parts (:func:`validate_later`): what was done when it was made,
    :attr:`queries` (the validator's SPARQL, which Oxigraph evaluates without the GIL: run on
    another thread while this one works on) and :attr:`finish`, given what :attr:`queries` returned (each result
    located, the ill-typed literals put back in the store, the problems of the literals and
    the shapes added). :attr:`ahead`: what :attr:`finish` reads of the Python quads whatever
    the queries find (the footprints behind the "shape selects nothing" warnings), done when
    called, else by :attr:`finish`."""

    queries: Callable[[], Any]
    finish: Callable[[Any], list[Problem]]
    ahead: Callable[[], None]


def validate_later(loaded: Loaded, store: Any, memo: Any = None, meta: Any = None) -> Later:
    """:func:`validate` by the fast validator in parts (:class:`Later`): what reads the Python
    quads (the shapes check, the ill-typed literals, filling ``store``, the raw literals) done
    now; the queries then, on another thread, while this one does other Python work (the build:
    the exports' sort); the rest once they are done. ``store`` must not be changed before
    :attr:`Later.finish` has returned."""
    return _validate(loaded, "fast", None, store, memo, meta, None)


def _validate(loaded: Loaded, validator: str, shapes: Path | None, store: Any, memo: Any, meta: Any,
              kept: Any) -> Later:
    """:func:`validate`'s work until its queries (see :class:`Later`).

    Before either runs: the shapes are checked (:mod:`qgraph.checks.shapecheck`: no network,
    valid SHACL, declared terms; a :class:`~qgraph.checks.shapecheck.ShapesError` otherwise) and
    the ill-typed literals are taken out and reported (:mod:`qgraph.checks.literals`). After:
    a Warning for each shape that selects nothing.

    ``store``: for ``fast``, an empty pyoxigraph Store to validate in (it is left holding the
    validated graphs and the ill-typed literals, see :func:`fast`).

    ``memo`` (:class:`qgraph.checks.cache.Memo`): the shapes check is skipped when it passed on
    the same shapes and ontology, and the literal gate skips a file it found clean as it is.

    ``meta``: a :class:`~qgraph.checks.shapecheck.MetaShacl` started on the project's shapes
    file (SHACL-for-SHACL run beside the loading); its result is used when it checked these
    very shapes.

    ``kept``: for ``fast`` with ``memo``, the kept validation store
    (:class:`qgraph.checks.kept_store.KeptStore`) of the files the memo's results were computed
    on, and ``loaded`` a :class:`~qgraph.corpus.loading.LazyLoaded` over it: the graphs of its
    fresh files, the ontology and the links are replaced in the store, and the other files are
    read from it only where a step asks."""
    from qgraph.checks import literals, shapecheck
    from qgraph.corpus.loading import ONTOLOGY_GRAPH

    if validator not in VALIDATORS:
        raise QgraphError(f"unknown validator {validator!r} (choose from {', '.join(VALIDATORS)})")
    shapes = shapes or loaded.project.shapes_file
    rel = _rel(shapes, loaded.root)
    parsed = parse_shapes(shapes, rel)
    prefixes = {**parsed.prefixes, **loaded.prefixes}
    lines = read_text(shapes, rel).splitlines()
    declared = shapecheck.declared_terms(q for f in loaded.file_for_graph(ONTOLOGY_GRAPH) for q in loaded.quads_of(f))
    key = shapes_key(loaded.project, shapes, rel, memo)
    if memo is None or memo.get("shapes", rel, key) is None:
        if shipped_shapes(shapes):  # SHACL-for-SHACL passes on them: not run again
            found: list[str] | None = []
            if meta is not None:
                meta.close()
        else:
            found = meta.result(shapes, prefixes) if meta is not None else None
        shapecheck.check(parsed.graph, rel, lines, prefixes, declared or None, found)
        if memo is not None:
            memo.put("shapes", rel, key, True)
    elif meta is not None:
        meta.close()
    gate, bad = literals.check(loaded, memo)
    if kept is not None:  # the graphs replaced in the kept store (the others are as validated)
        quads = [q for f in _replaced_files(loaded) for q in loaded.quads_of(f)]
    else:
        quads = loaded.quads
    if bad:
        quads = [q for q in quads if q not in bad]
    parts = None
    if validator == "fast":
        parts = fast(loaded, parsed, prefixes, rel, quads, store, memo, left_out=bad, kept=kept, later=True,
                     compiled_key=key)

    def queries() -> Any:
        return None if parts is None else parts[0]()

    # a shape selecting nothing is worth a warning in the corpus's own shapes; the shipped shapes
    # cover every kind of fact and a small corpus (a new one) has only some of them
    own = Path(str(shapes)).resolve().is_relative_to(loaded.root.resolve())
    prints: list[Any] = []
    facts: list[dict[str, Any]] = []

    def fact(name: str) -> Any:
        if not facts:
            facts.append(_shape_facts(parsed, memo, key, lines, prefixes))
        return facts[0][name]

    def ahead() -> None:
        if own and not prints:
            prints.append(_footprints(loaded, set(fact("targets")), bad, memo))

    def finish(found: Any) -> list[Problem]:
        nonlocal parts, store
        if parts is None:
            results = _pyshacl(loaded, parsed.graph, prefixes, quads if bad else None)
        else:
            results = parts[1](found)
            if store is not None and bad and kept is None:
                store.bulk_extend(sorted(bad, key=str))
            # the validator and the store let go: the caller is then all that holds the store
            # (the build's outcome, which frees it with itself; tests/test_store_freed.py)
            parts = store = None
        results = label_clashes(loaded, literals.drop_covered(results, gate))
        ahead()
        unused = []
        if own:
            seen = prints[0] if prints[0] is not None else [shapecheck.footprint(quads, set(fact("targets")))]
            unused = shapecheck.unused_of(fact("unused"), seen, rel)
        return sorted(set(gate + results + unused), key=Problem.sort_key)

    return Later(queries, finish, ahead)


def shipped_shapes(path: Any) -> bool:
    """Whether ``path`` holds the shapes qgraph ships, byte for byte. SHACL-for-SHACL
    (:func:`~qgraph.checks.shapecheck.meta_shacl`, a function of the shapes graph alone) finds
    nothing in them (tests/test_shapes_checked.py runs it on them), so it is not run again on
    them: ~2 s of pySHACL at each validation or build without a cache of it (``qgraph validate
    --no-cache`` at 100k triples: 4.0 -> 1.9 s; the build ran it in a child beside the loading)."""
    from qgraph.project import resources

    try:
        return Path(str(path)).read_bytes() == (resources() / "ontology" / "shapes.ttl").read_bytes()
    except OSError:
        return False


def shapes_key(project: Any, shapes: Path, rel: str, memo: Any) -> str | None:
    """The validation cache's key for the shapes check of ``shapes`` (``None``: not kept)."""
    if memo is None:
        return None
    from qgraph.checks.cache import combine

    digest = memo.digest("shapes") if shapes == project.shapes_file else None
    return combine("shapes", rel, digest, memo.ontology) if digest is not None else None


def shapes_checked(project: Any, memo: Any) -> bool:
    """Whether the validation cache holds a passed shapes check of the project's shapes file."""
    if memo is None:
        return False
    shapes = project.shapes_file
    rel = _rel(shapes, project.root)
    return memo.has("shapes", rel, shapes_key(project, shapes, rel, memo))


def _shape_facts(parsed: ParsedShapes, memo: Any, key: str | None, lines: list[str],
                 prefixes: dict[str, str]) -> dict[str, Any]:
    """What the validation reads of the shapes graph besides their compilation: the IRIs they
    name with ``sh:targetNode`` (``targets``) and the table the "shape selects nothing" warnings
    are made of (``unused``, :func:`qgraph.checks.shapecheck.unused_table`); with ``memo`` and
    ``key`` (the shapes file's, :func:`shapes_key`), kept under it and the prefixes (kind
    ``shape-facts``). What the cache holds that is not such facts is worked out again."""
    from qgraph.checks import shapecheck

    name_key = None
    if memo is not None and key is not None:
        from qgraph.checks.cache import combine

        name_key = combine(key, *[f"{k}={v}" for k, v in sorted(prefixes.items())])
        got = memo.get("shape-facts", "shapes", name_key)
        if shapecheck.is_unused_table(got.get("unused") if isinstance(got, dict) else None) and isinstance(
                got.get("targets"), list) and all(isinstance(t, str) for t in got["targets"]):
            return got
    made = {"targets": sorted(shapecheck.target_nodes(parsed.graph)),
            "unused": shapecheck.unused_table(parsed.graph, lines, prefixes)}
    if memo is not None:
        memo.put("shape-facts", "shapes", name_key, made)
    return made


def _footprints(loaded: Loaded, wanted: set[str], bad: set, memo: Any) -> list[dict[str, list]] | None:
    """Per file, what the "shape selects nothing" warnings read of it
    (:func:`qgraph.checks.shapecheck.footprint`, its ill-typed literals left out); with ``memo``,
    a data file's is kept under its hash and the shapes' target nodes ``wanted`` (``None``
    without)."""
    from qgraph.checks import shapecheck

    if memo is None:
        return None
    from qgraph.checks.cache import combine

    wanted_key = combine(*sorted(wanted))
    per_graph: dict[str, int] = {}
    for f in loaded.files:
        per_graph[f.graph] = per_graph.get(f.graph, 0) + 1
    prints = []
    terms = _Interned(memo)
    for f in loaded.files:
        digest = memo.digest(f.rel) if f.stem is not None and per_graph[f.graph] == 1 else None
        # the file's ill-typed literals are its own: they are found in its quads alone
        key = combine("footprint", f.rel, digest, wanted_key) if digest is not None else None
        fp = terms.decode(memo.get("footprint", f.rel, key))
        if fp is None:
            quads = loaded.quads_of(f)
            fp = shapecheck.footprint((q for q in quads if q not in bad) if bad else quads, wanted)
            memo.put("footprint", f.rel, key, terms.encode(fp))
        prints.append(fp)
    terms.keep()
    return prints


class _Interned:
    """A footprint as the cache keeps it: each IRI as its position in one list of IRIs kept
    beside the footprints (kind ``footprint-terms``), not spelt out in each file's (at 1M
    triples the footprints were 5.7 of the state's 10 MB, read and written whole by every
    ``qgraph validate``). The list only grows: a footprint kept from an earlier run reads its
    positions in it still."""

    KIND, NAME, KEY = "footprint-terms", "iris", "1"

    def __init__(self, memo: Any) -> None:
        self.memo = memo
        entry = memo.old.get(self.KIND, {}).get(self.NAME)
        table = entry[1] if isinstance(entry, list) and len(entry) == 2 and entry[0] == self.KEY else []
        self.iris: list[str] = table if isinstance(table, list) and all(isinstance(t, str) for t in table) else []
        self.at = {iri: i for i, iri in enumerate(self.iris)}

    def decode(self, fp: Any) -> dict[str, list] | None:
        """The footprint kept as ``fp`` (``None`` when there is none, or it cannot be read)."""
        if not isinstance(fp, dict):
            return None
        iris = self.iris
        try:
            return {"p": [iris[i] for i in fp["p"]], "t": [iris[i] for i in fp["t"]],
                    "s": [[iris[i], iris[j]] for i, j in fp["s"]], "n": [iris[i] for i in fp["n"]]}
        except (KeyError, TypeError, ValueError, IndexError):
            return None

    def encode(self, fp: dict[str, list]) -> dict[str, list]:
        def at(iri: str) -> int:
            i = self.at.get(iri)
            if i is None:
                i = self.at[iri] = len(self.iris)
                self.iris.append(iri)
            return i

        return {"p": [at(t) for t in fp["p"]], "t": [at(t) for t in fp["t"]],
                "s": [[at(a), at(b)] for a, b in fp["s"]], "n": [at(t) for t in fp["n"]]}

    def keep(self) -> None:
        self.memo.new.setdefault(self.KIND, {})[self.NAME] = [self.KEY, self.iris]


def label_clashes(loaded: Loaded, problems: list[Problem]) -> list[Problem]:
    """Point each violation on ``rdfs:label`` of a node that two files label differently (a
    shared node: a nation, a forum) at the file that introduced the other label, naming both.

    The label most files give is the established one (on a tie, the first file's); every file
    giving another gets its own problem at the line of that label. Other problems pass as they are.
    """
    from qgraph.corpus.terms import expand

    out = []
    for p in problems:
        clash = None
        if p.severity == "Violation" and p.path == "rdfs:label" and p.focus:
            iri = expand(p.focus, loaded.prefixes) or (p.focus[1:-1] if p.focus.startswith("<") else None)
            clash = _clash(loaded, p, iri) if iri else None
        out.extend(clash or [p])
    return sorted(set(out), key=Problem.sort_key)


def _clash(loaded: Loaded, p: Problem, iri: str) -> list[Problem] | None:
    import pyoxigraph as ox

    from qgraph.checks.report import string_literals

    node = ox.NamedNode(iri)
    by_lang: dict[str, dict[str, list[Any]]] = {}
    for f in loaded.node_files.get(node, []):
        if f.stem is None:
            continue
        for q in loaded.quads_of(f):
            if q.subject == node and q.predicate.value == RDFS_LABEL and isinstance(q.object, ox.Literal):
                files = by_lang.setdefault(q.object.language or "", {}).setdefault(q.object.value, [])
                if f not in files:
                    files.append(f)
    out = []
    for lang, labels in sorted(by_lang.items()):
        if len(labels) < 2:
            continue
        order = {id(f): k for k, f in enumerate(loaded.files)}
        ranked = sorted(labels.items(), key=lambda kv: (-len(kv[1]), min(order[id(f)] for f in kv[1])))
        (usual, usual_files), others = ranked[0], ranked[1:]
        tag = f"@{lang}" if lang else ""
        where = ", ".join(f.rel for f in usual_files[:3]) + (f" and {len(usual_files) - 3} more" if len(usual_files) > 3 else "")
        for label, files in others:
            for f in files:
                names = {"rdfs:label", f"<{RDFS_LABEL}>"} | {f"{k}:label" for k, v in f.prefixes.items() if v == RDFS}
                lines = [ln for ln, v, pred in string_literals("\n".join(f.lines)) if v == label and pred in names]
                line = lines[0] if lines else locate(f.lines, node_tokens(iri, f.prefixes))
                # the shape's constraint component kept (the Turtle report's
                # sh:sourceConstraintComponent was check:CheckConstraintComponent without it)
                out.append(Problem(
                    f.rel, line, p.severity, p.shape, p.focus, p.path,
                    f'rdfs:label "{label}"{tag} here, but "{usual}"{tag} in {where}: a node has one '
                    f"preferred label; use \"{usual}\"{tag} and give \"{label}\" as skos:altLabel",
                    None, p.component))
    return out or None


def _pyshacl(loaded: Loaded, shapes_graph: Any, prefixes: dict[str, str], quads: list | None) -> list[Problem]:
    """pySHACL on the union graph (``quads``: the union without the ill-typed literals)."""
    import pyshacl
    from rdflib import Graph, URIRef

    from qgraph.corpus.terms import to_rdflib

    if quads is None:
        data = loaded.union
    else:  # never converts an ill-typed literal (rdflib would log a traceback for each)
        data = Graph(bind_namespaces="none")
        for q in quads:
            data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    # advanced=True runs SHACL-AF (SPARQL targets, rules): safe because shapecheck refused any
    # query that could reach beyond the data graph
    try:
        _, results, _ = pyshacl.validate(
            data,
            shacl_graph=shapes_graph,
            inference="none",
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            advanced=True,
            meta_shacl=False,
            do_owl_imports=False,
        )
    except TypeError as e:  # pySHACL 0.30 compares two xsd:gMonthDay (sh:lessThanOrEquals) with "<="
        raise QgraphError(f"pySHACL could not evaluate these shapes on this data, a limitation of pySHACL "
                          f"({str(e).replace(': ', ' ')}); the default validator (--validator fast) evaluates "
                          "them") from None
    problems = []
    # the report's top-level results only: sh:detail results nested in them (from sh:node,
    # sh:or) are the same problem seen from inside and would be reported twice
    for r in results.objects(None, URIRef(SH + "result")):
        problems.append(_problem(loaded, results, shapes_graph, r, prefixes))
    return problems


def fast(loaded: Loaded, parsed: ParsedShapes, prefixes: dict[str, str], rel: str, quads: list,
         store: Any = None, memo: Any = None, left_out: Any = (), kept: Any = None,
         later: bool = False, compiled_key: str | None = None) -> Any:
    """Validate ``quads`` with :mod:`qgraph.checks.shacl` on a pyoxigraph store.

    ``store``: an empty pyoxigraph Store to use (left holding the quads of the validated
    graphs, so that the build's query store need not load them again); default a new one.

    ``memo``: where each result is written (:func:`_where`) is kept under the hashes of the
    files that state its focus node.

    ``left_out``: the quads of ``loaded`` left out of ``quads`` (the ill-typed literals): which files state a node is then asked of the store
    (:meth:`~qgraph.corpus.loading.Loaded.node_files_from`).

    ``kept``: the kept validation store (see :func:`validate`), in which ``quads`` replace their
    graphs; ``store`` is not used then. With ``memo`` asking for it (``keep_validated``), what
    is validated is recorded there, for a kept store to be written of it (``memo.validated``).

    ``later``: the store filled and the validator made now, and two calls returned: one runs
    the queries, the other makes their results problems (see :class:`Later`).

    ``parsed``: the shapes file (:func:`parse_shapes`).

    ``compiled_key``: the shapes' key in ``memo`` (:func:`shapes_key`), under which they are
    kept compiled (:func:`_compiled`)."""
    import pyoxigraph as ox

    from qgraph.checks import shacl as fastshacl

    if kept is not None:
        store = kept.store
        # the data files' graphs only: a kept store is used only when no input but the data files
        # and their texts changed since it was written (pipeline._open_kept), so its ontology and
        # links graphs are those that would be put there again (1M triples: ~45 ms of RocksDB)
        graphs = {f.graph for f in _replaced_files(loaded) if f.stem is not None}
        quads = [q for q in quads if q.graph_name.value in graphs]
        kept.replace(sorted(graphs), quads)
    else:
        from qgraph.corpus.store import bulk_extend

        if store is None:
            store = ox.Store()
        bulk_extend(store, quads)
    loaded.node_files_from(store, left_out)
    try:
        shapes = _compiled(parsed, memo, compiled_key)
        if kept is not None:
            validator = fastshacl.Validator(store, shapes, [])
            validator.raw = kept.raw
            validator.add_raw(quads)
        else:
            validator = fastshacl.Validator(store, shapes, quads)
        if memo is not None and memo.keep_validated and kept is None:
            from qgraph.checks.kept_store import raw_json

            # the raw literals as the JSON the store keeps: held until the writer is forked, past
            # the build's exports, where the dict was 21 MiB of its highest point at 1M (6 MiB so)
            memo.validated = (store, left_out, raw_json(validator.raw))
    except fastshacl.Unsupported as e:
        raise _unsupported(rel, e) from None

    def queries() -> list:
        try:
            return _results(loaded, validator, memo)
        except fastshacl.Unsupported as e:
            raise _unsupported(rel, e) from None

    def located(results: list) -> list[Problem]:
        return _problems(loaded, results, prefixes, memo)

    return (queries, located) if later else located(queries())


def _compiled(parsed: Any, memo: Any, key: str | None) -> Any:
    """The shapes compiled to SPARQL (:class:`qgraph.checks.shacl.Shapes`); with ``memo`` and
    ``key`` (the shapes file's, :func:`shapes_key`), as kept compiled by the last run on these
    very shapes (kind ``compiled``), else compiled now and kept. What the cache holds that is not
    a compilation is not trusted: compiled again."""
    from qgraph.checks import shacl as fastshacl

    if memo is None or key is None:
        return fastshacl.Shapes(parsed.graph)
    kept = memo.get("compiled", "shapes", key)
    if kept is not None:
        try:
            return fastshacl.Shapes.from_compiled(lambda: parsed.graph, kept)
        except (KeyError, TypeError, ValueError):
            pass
    shapes = fastshacl.Shapes(parsed.graph)
    reading = _reading_predicates(parsed.graph)
    shapes.reading = None if reading is None else [[t.value for t in ts] for pair in reading for ts in pair]
    memo.put("compiled", "shapes", key, shapes.compiled())
    return shapes


def _unsupported(rel: str, e: Exception) -> QgraphError:
    return QgraphError(f"{rel}: the fast validator cannot check this: {e} (use --validator pyshacl)")


def _problems(loaded: Loaded, results: list, prefixes: dict[str, str], memo: Any) -> list[Problem]:
    """The fast validator's results as problems, each located (:func:`_where`). Their terms are
    pyoxigraph's: rdflib is not imported (~0.1 s of each ``qgraph validate`` after an edit) but
    to show a typed literal as it normalises it (:func:`qgraph.corpus.terms.display`)."""
    import pyoxigraph as ox

    from qgraph.corpus.terms import display, from_ntriples

    def term(text: str | None) -> Any:
        return None if text is None else from_ntriples(text)

    # what many results share (their shape, path and component: a few dozen), worked out once
    names: dict[str, str] = {}
    paths: dict[str | None, tuple[Any, Any]] = {}
    components: dict[str, str | None] = {}
    problems = []
    for r in results:
        shape_name = names.get(r.shape)
        if shape_name is None:
            shape_name = names[r.shape] = _fast_shape_name(r.shape, prefixes)
        got = paths.get(r.path)
        if got is None:
            path = _path_term(r.path)
            iri = type(path) is ox.NamedNode
            if not iri and r.path is not None:
                path = "(complex path)"
            got = paths[r.path] = (path, display(path, prefixes) if iri else path)
        path, path_shown = got
        if r.component not in components:
            components[r.component] = display(ox.NamedNode(r.component), prefixes) if r.component else None
        component = components[r.component]
        focus, value = term(r.focus), term(r.value)
        file, line = _where(loaded, r, focus, path if type(path) is ox.NamedNode else None, value, memo)
        value_shown = shown(loaded, value, prefixes) if value is not None else None
        problems.append(Problem(
            file, line, r.severity.removeprefix(SH), shape_name,
            shown(loaded, focus, prefixes) if focus is not None else None,
            path_shown,
            r.message or r.component.removeprefix(SH),
            value_shown,
            component,
            r.lang or None,
            None if value is None else value_shown if type(value) is ox.BlankNode else str(value),
        ))
    return problems


def _path_term(text: str | None) -> Any:
    """The term of a result's path as :func:`_problems` reads it: an IRI, else ``None`` (a path
    that is not one IRI, or none)."""
    from qgraph.corpus.terms import from_ntriples

    if text is None or not text.startswith("<") or not text.endswith(">"):
        return None
    try:
        return from_ntriples(text)
    except (SyntaxError, ValueError):  # a SPARQL path of several IRIs: <a>/<b>, ^<a>…
        return None


def _replaced_files(loaded: Loaded) -> list[Any]:
    """The files whose graphs the kept store replaces: the fresh files, the ontology's and the
    links' (a file left empty still empties its graph)."""
    fresh = getattr(loaded, "fresh", ())
    return [f for f in loaded.files if f.stem is None or f.rel in fresh]


#: more changed data files than this, or more focus nodes to validate again: a whole validation
MAX_CHANGED_FILES = 20
MAX_REFOCUSED = 20_000
#: how many steps a shape reads away from a focus node (sh:class, sh:node/sh:or nested at most
#: five deep, see ``fastshacl.Shapes._conforms``): the referrers of a changed node are followed
#: this far back
REFERRER_STEPS = 7


def _results(loaded: Loaded, validator: Any, memo: Any) -> list:
    """The fast validator's results: with ``memo``, from the last run's results when only some
    data files changed (:func:`_revalidate`), else of a whole validation; kept for the next run
    with the hashes of the data files they were computed on."""
    if memo is None:
        return validator.validate()
    from qgraph.checks.cache import combine, row

    # every input but the data files (kept by name in the entry) and their source texts (which
    # SHACL does not read): the links under data/links/ are in the key
    project = loaded.project
    own = {f.rel for f in loaded.data_files} | {project.display(project.source_text(f.stem)) for f in loaded.data_files}
    # (the competency questions are parsed by a validation, and read by no shape)
    key = combine("shacl", *[f"{k}={v}" for k, v in sorted(memo.hashes.items())
                             if k not in own and not k.startswith("question:")])
    files = {f.rel: memo.digest(f.rel) for f in loaded.data_files}
    results = None
    old = memo.old.get("shacl", {}).get("results")
    if None not in files.values() and isinstance(old, list) and len(old) == 2 and old[0] == key:
        try:
            results = _revalidate(loaded, validator, memo, old[1], files)
        except (KeyError, TypeError, ValueError, IndexError):  # a damaged entry: validated whole
            results = None
    if results is None:
        results = validator.validate()
    if None not in files.values():
        from qgraph.checks.kept_store import new_token

        token = new_token()  # what a kept store of these very quads is known by
        memo.put("shacl", "results", key, {"files": files, "results": [row(r) for r in results], "token": token})
        memo.shacl_basis = (files, token)
        memo.keep_copies({files[f.rel]: f.path for f in loaded.data_files})
    return results


def _revalidate(loaded: Loaded, validator: Any, memo: Any, old: dict, files: dict[str, str]) -> list | None:
    """The results of a whole validation, computed from ``old`` (the last run's, on the data
    files ``old["files"]``) by validating again only the focus nodes an edit can reach; ``None``
    when that cannot be done soundly (then the caller validates everything).

    Reached by a changed file: every node of its old and new versions (the old one read from the
    cache's copy, :meth:`qgraph.checks.cache.Memo.snapshot`), and every node that points, in
    :data:`REFERRER_STEPS` steps or fewer, at a node with a triple added or removed; plus, since
    a blank node's id is new on every parse, every focus node of a node shape that had a result
    on a blank node, and every focus node with a result whose value is a blank node; a blank
    node reached brings every node of its graph. Refused: a
    shape reading further than one step along a path (``Shapes.local``), ``sh:sparql``, an
    ``rdfs:subClassOf`` triple added or removed (the class hierarchy would change)."""
    import pyoxigraph as ox

    from qgraph.checks import shacl as fastshacl
    from qgraph.vocab import RDFS_SUBCLASSOF

    shapes = validator.shapes
    if not shapes.local or shapes.sparql_constraints:
        return _whole(memo, "the shapes read further than one step or use sh:sparql")
    before: dict[str, str] = old["files"]
    changed = sorted(rel for rel in set(before) | set(files) if before.get(rel) != files.get(rel))
    if len(changed) > MAX_CHANGED_FILES:
        return _whole(memo, f"{len(changed)} data files changed")
    previous = [fastshacl.Result(*r) for r in old["results"]]
    if not changed and not any(r.focus.startswith("_:") or (r.value or "").startswith("_:") for r in previous):
        # (a source text edited alone) no file that changed states a node; with a result on a
        # blank node, whose id is this parse's only where the kept store was parsed with the
        # last results, those results are made again as after any edit (below)
        memo.restated = set()
        return previous
    by_rel = {f.rel: f for f in loaded.data_files}
    restated: set[str] = set()  # the IRIs a changed file states, before or after (for _where)
    diff: set = set()
    nodes: set[str] = set()
    graphs = []
    for rel in changed:
        triples_old: set = set()
        if rel in before:
            quads = memo.snapshot(before[rel], rel)
            if quads is None:
                return _whole(memo, f"no usable copy of {rel} as last checked")
            triples_old = {(q.subject, q.predicate, q.object) for q in quads}
        triples_new: set = set()
        if rel in by_rel:
            triples_new = {(q.subject, q.predicate, q.object) for q in loaded.quads_of(by_rel[rel])}
        restated.update(t[0].value for t in triples_old | triples_new if type(t[0]) is ox.NamedNode)
        exact = _exact_diff(triples_old, triples_new)
        if exact is not None:
            # no blank node's statement changed: the nodes of what changed and their readers are
            # all a result can differ on (not every node of the file; its blank nodes' results,
            # under their old ids, are validated again below, as after any edit)
            diff |= exact
            continue
        if rel in by_rel:
            graphs.append(by_rel[rel].graph)
        for s, _, o in triples_old | triples_new:
            for n in (s, o):
                if type(n) is ox.NamedNode:
                    nodes.add(n.value)
        diff |= triples_old ^ triples_new
    if any(p.value == RDFS_SUBCLASSOF for _, p, _ in diff):
        return _whole(memo, "an rdfs:subClassOf triple added or removed")
    reading = _kept_reading(shapes) if shapes.reading is not None else _reading_predicates(shapes.graph)
    if reading is None:
        return _whole(memo, "a shape reads a value node along a path of more than one step")
    touched = {n for s, _, o in diff for n in (s, o) if type(n) is ox.NamedNode}
    store = validator.store
    frontier, reach = touched, set(touched)
    blank_graphs: set[str] = set()
    for step in range(REFERRER_STEPS):
        # first step: whoever reads a changed node's triples (sh:class, sh:node, sh:or); further
        # steps: whoever reads through such a reader (sh:node, sh:or only)
        fwd, inv = reading[0] if step == 0 else reading[1]
        nxt = set()
        for n in frontier:
            for p in fwd:
                for q in store.quads_for_pattern(None, p, n, None):
                    if q.subject not in reach:
                        nxt.add(q.subject)
                        if type(q.subject) is ox.BlankNode:  # validated with the nodes of its graph
                            blank_graphs.add(q.graph_name.value)
            for p in inv:
                for q in store.quads_for_pattern(n, p, None, None):
                    if type(q.object) in (ox.NamedNode, ox.BlankNode) and q.object not in reach:
                        nxt.add(q.object)
                        if type(q.object) is ox.BlankNode:
                            blank_graphs.add(q.graph_name.value)
        reach |= nxt
        frontier = nxt
        if len(reach) > MAX_REFOCUSED:
            return _whole(memo, f"more than {MAX_REFOCUSED:,} nodes reached")
        if not frontier:
            break
    focus = nodes | {n.value for n in reach if type(n) is ox.NamedNode}
    graphs += sorted(blank_graphs - set(graphs))
    node_shape_of: dict[str, set[str]] = {}
    for chk in shapes.checks:
        node_shape_of.setdefault(chk.shape, set()).add(chk.node_shape)
    whole: set[str] = set()
    kept = []
    for r in previous:
        if not r.focus.startswith(("<", "_:")):
            return _whole(memo, "a result on a literal")
        if r.focus.startswith("_:"):
            whole |= node_shape_of.get(r.shape, set())
            if r.shape not in node_shape_of:
                return _whole(memo, "a result of an unknown shape")
        elif r.value is not None and r.value.startswith("_:"):
            focus.add(r.focus[1:-1])
        elif r.focus[1:-1] not in focus:
            kept.append(r)
    if len(focus) > MAX_REFOCUSED:
        return _whole(memo, f"more than {MAX_REFOCUSED:,} nodes reached")
    fresh = validator.validate(focus_graphs=graphs, focus_nodes=sorted(focus), whole=sorted(whole))
    memo.restated = restated
    memo.notes.append(f"SHACL: the last results kept but for {len(focus):,} node(s) near {len(changed)} changed "
                      f"file(s), every node of {len(graphs)} graph(s) (whose blank nodes' statements changed, "
                      f"or reached) and {len(whole)} node shape(s) with blank-node results, validated again")
    return sorted(set(kept) | set(fresh), key=fastshacl.result_order)


def _exact_diff(old: set, new: set) -> set | None:
    """The statements added or removed between two versions of a file, when none of them is
    a blank node's: compared with their blank nodes named by what is around them
    (:func:`qgraph.corpus.blanks.named_triples`), where a parse names them anew; ``None`` when a
    blank node's statements changed (or the naming is refused)."""
    import pyoxigraph as ox

    from qgraph.corpus.blanks import named_triples

    try:
        diff = named_triples(old, "d") ^ named_triples(new, "d")
    except QgraphError:
        return None
    blank = ox.BlankNode
    return None if any(type(t[0]) is blank or type(t[2]) is blank for t in diff) else diff


def _reading_predicates(g: Any) -> tuple[tuple[list, list], tuple[list, list]] | None:
    """The predicates along which a focus node's result reads another node's triples: of the
    property shapes (any, nested ones too) with ``sh:class``, ``sh:node`` or ``sh:or``, as
    ((forward, inverse) of them all, (forward, inverse) of those with ``sh:node``/``sh:or``,
    which read further than the value's types); ``None`` when such a path is not one IRI or
    the inverse of one."""
    import pyoxigraph as ox
    from rdflib import URIRef

    out: tuple[set, set, set, set] = (set(), set(), set(), set())
    reads = [URIRef(SH + k) for k in ("class", "node", "or")]
    for ps, path in g.subject_objects(URIRef(SH + "path")):
        kinds = {str(r) for r in reads if (ps, r, None) in g}
        if not kinds:
            continue
        inverse = g.value(path, URIRef(SH + "inversePath"))
        if isinstance(path, URIRef):
            at = 0
        elif isinstance(inverse, URIRef):
            at, path = 1, inverse
        else:
            return None
        out[at].add(ox.NamedNode(str(path)))
        if kinds - {SH + "class"}:
            out[2 + at].add(ox.NamedNode(str(path)))
    return (sorted(out[0], key=str), sorted(out[1], key=str)), (sorted(out[2], key=str), sorted(out[3], key=str))


def _kept_reading(shapes: Any) -> tuple[tuple[list, list], tuple[list, list]]:
    """:func:`_reading_predicates` of the shapes, as kept with their compilation (:func:`_compiled`)."""
    import pyoxigraph as ox

    a, b, c, d = ([ox.NamedNode(iri) for iri in iris] for iris in shapes.reading)
    return (a, b), (c, d)


def _whole(memo: Any, why: str) -> None:
    memo.notes.append(f"SHACL: validated whole ({why})")
    return None


def _where(loaded: Loaded, r: Any, focus: Any, path: Any, value: Any, memo: Any) -> tuple[str | None, int | None]:
    """:func:`qgraph.checks.report.where` of a fast validator's result; with ``memo``, kept under
    the result's focus, path and value and the names and hashes of the files that state the
    focus node, in order (``where`` reads those files alone), when every one is a data file.
    Which files state it is asked of the store only when a changed file states it (before or
    after the change, ``memo.restated``, see :func:`_revalidate`), or nothing says which did."""
    if memo is None or focus is None or r.focus.startswith("_:") or (r.value or "").startswith("_:"):
        # a blank node's id is not kept from one run to the next
        return where(loaded, focus, path, value)
    from qgraph.checks.cache import combine
    from qgraph.corpus.terms import to_oxigraph

    name = "\0".join((r.focus, path.value if path is not None else "-", r.value or "-"))
    parts = None
    if memo.restated is not None and r.focus[1:-1] not in memo.restated:
        # no file that changed states the node, before or after: the files that state it are
        # those the last run found (kept with its location), without asking the store again
        entry = memo.old.get("where", {}).get(name)
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], list) and len(entry[1]) == 3:
            rels = entry[1][2]
            if isinstance(rels, list) and all(isinstance(rel, str) and memo.digest(rel) for rel in rels):
                parts = [f"{rel}={memo.digest(rel)}" for rel in rels]
    if parts is None:
        files = loaded.node_files.get(to_oxigraph(focus), [])
        parts = []
        for f in files:
            digest = memo.digest(f.rel) if f.stem is not None else None
            if digest is None:
                return where(loaded, focus, path, value)
            parts.append(f"{f.rel}={digest}")
    key = combine("where", *parts)
    found = memo.get("where", name, key)
    if isinstance(found, list) and len(found) == 3:
        return found[0], found[1]
    file, line = where(loaded, focus, path, value)
    memo.put("where", name, key, [file, line, [part.rpartition("=")[0] for part in parts]])
    return file, line


def _problem(loaded: Loaded, results: Any, shapes_graph: Any, r: Any, prefixes: dict[str, str]) -> Problem:
    from rdflib import BNode, URIRef

    from qgraph.corpus.terms import display

    def one(p: str) -> Any:
        return results.value(r, URIRef(SH + p))

    focus, path, value = one("focusNode"), one("resultPath"), one("value")
    severity = str(one("resultSeverity")).removeprefix(SH)
    shape = one("sourceShape")
    if isinstance(shape, BNode):  # a property shape without IRI: name it by its node shape
        parent = shapes_graph.value(None, URIRef(SH + "property"), shape)
        shape_name = (display(parent, prefixes) if parent is not None else "(shape)") + (
            f"/{display(path, prefixes)}" if isinstance(path, URIRef) else "")
    else:
        shape_name = display(shape, prefixes)
    messages = sorted(str(m) for m in results.objects(r, URIRef(SH + "resultMessage")))
    en = [str(m) for m in results.objects(r, URIRef(SH + "resultMessage")) if getattr(m, "language", None) == "en"]
    message = en[0] if en else (messages[0] if messages else str(one("sourceConstraintComponent") or "violation"))
    lang = next((m.language for m in results.objects(r, URIRef(SH + "resultMessage")) if str(m) == message), None)
    component = one("sourceConstraintComponent")
    file, line = where(loaded, focus, path, value)
    value_shown = shown(loaded, value, prefixes) if value is not None else None
    return Problem(
        file, line, severity, shape_name,
        shown(loaded, focus, prefixes) if focus is not None else None,
        display(path, prefixes) if isinstance(path, URIRef) else ("(complex path)" if path is not None else None),
        message,
        value_shown,
        display(component, prefixes) if component is not None else None,
        lang,
        None if value is None else value_shown if isinstance(value, BNode) else value.n3(),
    )


def _fast_shape_name(key: str, prefixes: dict[str, str]) -> str:
    """A shape as the pySHACL path names it: its IRI, or for a blank-node property shape
    ``<parent node shape>/<path>`` (fastshacl's key is ``parent-IRI/<path-IRI>``), or the
    parent alone when the path is not one IRI (the key's path is then SPARQL in parentheses)."""
    from qgraph.corpus.terms import shorten

    if key.endswith(">") and "/<" in key:
        parent, path = key.rsplit("/<", 1)
        parent = parent.split("|")[0]
        return f"{shorten(parent, prefixes)}/{shorten(path[:-1], prefixes)}"
    if key.endswith("/(node)"):
        return shorten(key.removesuffix("/(node)").split("|")[0], prefixes)
    if key.endswith(")") and "/(" in key:  # a path that is not one IRI: named by its node shape alone
        return shorten(key[:key.index("/(")].split("|")[0], prefixes)
    return shorten(key, prefixes)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


class MetaShacl:
    """:func:`~qgraph.checks.shapecheck.meta_shacl` of a shapes file, run in a child process
    while the corpus loads.

    It takes about two seconds whatever the corpus's size (pySHACL), and the build has the
    second core idle while it parses the corpus. The child is forked before anything large is
    loaded (so it shares nothing large) and reads the shapes file itself; :meth:`result` gives
    its problems only when the file it read is the one the caller reads (same bytes) and the
    prefixes are the caller's, else ``None`` (and on any failure of the child: the caller then
    runs the check itself, which reports the error as usual)."""

    def __init__(self, path: Any, rel: str) -> None:
        from qgraph.forked import Forked

        self._child = Forked(lambda: _meta_child(path, rel), name="qgraph-meta-shacl")

    def result(self, path: Any, prefixes: dict[str, str]) -> list[str] | None:
        got = self._child.result()
        if got is None:
            return None
        digest, used, problems = got
        if used != prefixes or digest != _file_digest(path):
            return None
        return problems

    def close(self) -> None:
        """Stop the child if it still runs (its result unused) and let it go (again: nothing)."""
        self._child.close()


def _file_digest(path: Any) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _meta_child(path: Any, rel: str) -> tuple[str, dict[str, str], list[str]] | None:
    """In the child: (digest of the shapes file, prefixes, SHACL-for-SHACL's problems), or
    ``None`` when the file changed while it was read (an exception: ``None`` too, see
    :class:`qgraph.forked.Forked`; the caller then runs the check itself and reports it)."""
    from qgraph.checks.shapecheck import meta_shacl
    from qgraph.corpus.loading import project_prefixes

    before = _file_digest(path)
    shapes, shape_prefixes = load_shapes(path, rel)
    prefixes = {**shape_prefixes, **project_prefixes()}
    lines = read_text(path, rel).splitlines()
    problems = meta_shacl(shapes, rel, lines, prefixes)
    if before is not None and before == _file_digest(path):
        return before, prefixes, problems
    return None
