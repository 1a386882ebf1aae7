"""SHACL validation, results mapped to ``file:line``.

Two validators give the same problems (tests/test_validation.py holds them to it):

- ``fast`` (the default): :mod:`qgraph.checks.shacl`, the SHACL Core constraints of the shapes
  translated to SPARQL on pyoxigraph;
- ``pyshacl``: pySHACL, the reference.

The data graph is the union of every data file, the ontology (so ``sh:class`` sees the class
hierarchy) and the links; the enrichment graph is left out (see :attr:`Loaded.union`). No
inference. Only ``sh:Violation`` fails a build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgraph.checks.report import Problem, locate, locate_quote, node_tokens
from qgraph.corpus.loading import Loaded, parse_file
from qgraph.errors import QgraphError
from qgraph.vocab import OA, RDFS, RDFS_LABEL, SH


def load_shapes(path: Path, rel: str) -> tuple[Any, dict[str, str]]:
    """The shapes graph as an rdflib ``Graph`` (syntax errors → ``rel:line: …``)."""
    from rdflib import Graph

    from qgraph.corpus.terms import to_rdflib

    if not path.is_file():
        raise QgraphError(f"{rel}: missing (the SHACL shapes)")
    quads, prefixes = parse_file(path, "urn:x-qgraph:shapes", rel)
    g = Graph(bind_namespaces="none")
    for q in quads:
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g, prefixes


def shacl(loaded: Loaded, shapes: Path | None = None) -> list[Problem]:
    """Validate ``loaded`` against the shapes (default ``ontology/shapes.ttl``); every result."""
    import pyshacl
    from rdflib import URIRef

    shapes = shapes or loaded.project.shapes_file
    rel = _rel(shapes, loaded.root)
    shapes_graph, shape_prefixes = load_shapes(shapes, rel)
    _, results, _ = pyshacl.validate(
        loaded.union,
        shacl_graph=shapes_graph,
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=True,
        meta_shacl=False,
        do_owl_imports=False,
    )
    prefixes = {**shape_prefixes, **loaded.prefixes}
    problems = []
    # the report's top-level results only: sh:detail results nested in them (from sh:node,
    # sh:or) are the same problem seen from inside and would be reported twice
    for r in results.objects(None, URIRef(SH + "result")):
        problems.append(_problem(loaded, results, shapes_graph, r, prefixes))
    return sorted(set(problems))


VALIDATORS = ("fast", "pyshacl")


def validate(loaded: Loaded, validator: str = "fast", shapes: Path | None = None,
             store: Any = None) -> list[Problem]:
    """Every SHACL problem of ``loaded``, by the chosen validator (``fast`` or ``pyshacl``).

    ``store``: for ``fast``, an empty pyoxigraph Store to validate in (it is left holding the
    validated graphs, see :func:`fast`)."""
    if validator == "pyshacl":
        return label_clashes(loaded, shacl(loaded, shapes))
    if validator == "fast":
        return label_clashes(loaded, fast(loaded, shapes, store))
    raise QgraphError(f"unknown validator {validator!r} (choose from {', '.join(VALIDATORS)})")


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
    return sorted(set(out))


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
                out.append(Problem(
                    f.rel, line, p.severity, p.shape, p.focus, p.path,
                    f'rdfs:label "{label}"{tag} here, but "{usual}"{tag} in {where}: a node has one '
                    f"preferred label; use \"{usual}\"{tag} and give \"{label}\" as skos:altLabel"))
    return out or None


def fast(loaded: Loaded, shapes: Path | None = None, store: Any = None) -> list[Problem]:
    """Validate with :mod:`qgraph.checks.shacl` on a pyoxigraph store of the same union graph.

    ``store``: an empty pyoxigraph Store to use (left holding the quads of the validated
    graphs, so that the build's query store need not load them again); default a new one."""
    import pyoxigraph as ox
    from rdflib import BNode, URIRef
    from rdflib.util import from_n3

    from qgraph.checks import shacl as fastshacl
    from qgraph.corpus.terms import display

    shapes = shapes or loaded.project.shapes_file
    shapes_graph, shape_prefixes = load_shapes(shapes, _rel(shapes, loaded.root))
    from qgraph.corpus.loading import ENRICHMENT_GRAPH

    quads = loaded.quads_except(ENRICHMENT_GRAPH)
    if store is None:
        store = ox.Store()
    store.bulk_extend(quads)
    try:
        results = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), quads).validate()
    except fastshacl.Unsupported as e:
        raise QgraphError(f"{_rel(shapes, loaded.root)}: the fast validator cannot check this: {e} "
                          "(use --validator pyshacl)") from None
    prefixes = {**shape_prefixes, **loaded.prefixes}

    def term(text: str | None) -> Any:
        if text is None:
            return None
        if text.startswith("_:"):
            return BNode(text[2:])
        return from_n3(text)

    problems = []
    for r in results:
        focus, path, value = term(r.focus), term(r.path), term(r.value)
        if not isinstance(path, URIRef) and r.path is not None:
            path = "(complex path)"
        shape_name = _fast_shape_name(r.shape, prefixes)
        file, line = where(loaded, focus, path if isinstance(path, URIRef) else None, value)
        problems.append(Problem(
            file, line, r.severity.removeprefix(SH), shape_name,
            display(focus, prefixes) if focus is not None else None,
            display(path, prefixes) if isinstance(path, URIRef) else path,
            r.message or r.component.removeprefix(SH),
            display(value, prefixes) if value is not None else None,
        ))
    return sorted(set(problems))


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
    file, line = where(loaded, focus, path, value)
    return Problem(
        file, line, severity, shape_name,
        display(focus, prefixes) if focus is not None else None,
        display(path, prefixes) if isinstance(path, URIRef) else ("(complex path)" if path is not None else None),
        message,
        display(value, prefixes) if value is not None else None,
    )


def _fast_shape_name(key: str, prefixes: dict[str, str]) -> str:
    """A shape as the pySHACL path names it: its IRI, or for a blank-node property shape
    ``<parent node shape>/<path>`` (fastshacl's key is ``parent-IRI/<path-IRI>``)."""
    from rdflib import URIRef

    from qgraph.corpus.terms import display

    if key.endswith(">") and "/<" in key:
        parent, path = key.rsplit("/<", 1)
        parent = parent.split("|")[0]
        return f"{display(URIRef(parent), prefixes)}/{display(URIRef(path[:-1]), prefixes)}"
    if key.endswith("/(node)"):
        return display(URIRef(key.removesuffix("/(node)").split("|")[0]), prefixes)
    return display(URIRef(key), prefixes)


def where(loaded: Loaded, focus: Any, path: Any = None, value: Any = None) -> tuple[str | None, int | None]:
    """The file and line that describe ``focus`` (a triple with ``path``/``value`` first).

    Looks the node up in :attr:`Loaded.node_files` and reads only those files' quads: asking
    every file's rdflib graph took minutes for 25k problems in a project of 2,500 files."""
    import pyoxigraph as ox
    from rdflib import BNode, URIRef

    from qgraph.corpus.terms import to_oxigraph

    if focus is None:
        return None, None
    node = to_oxigraph(focus)
    files = loaded.node_files.get(node, [])
    if isinstance(focus, BNode):
        for f in files:
            quads = loaded.quads_of(f)
            exact = next((q.object for q in quads if q.subject == node and q.predicate.value == OA + "exact"), None)
            parent = next((q.subject for q in quads if q.object == node and type(q.subject) is ox.NamedNode), None)
            if exact is not None:
                own = locate(f.lines, node_tokens(parent.value, f.prefixes)) if parent is not None else None
                line = locate_quote(f.lines, exact.value, f.prefixes, own)
                if line:
                    return f.rel, line
            if parent is not None:
                return f.rel, locate(f.lines, node_tokens(parent.value, f.prefixes))
            return f.rel, None
        return None, None
    if not files:
        return None, None
    p = str(path) if isinstance(path, URIRef) else None
    o = to_oxigraph(value) if p is not None and value is not None else None
    order = {id(f): k for k, f in enumerate(loaded.data_files + [f for f in loaded.files if f.stem is None])}
    candidates = []
    for f in files:
        score = 0
        if p is not None:
            for q in loaded.quads_of(f):
                if q.subject == node and q.predicate.value == p:
                    score = max(score, 2 if o is not None and q.object == o else 1)
        candidates.append((-score, order.get(id(f), len(order)), f.rel))
    best = min(candidates)
    f = next(f for f in files if f.rel == best[2])
    return f.rel, locate(f.lines, node_tokens(str(focus), f.prefixes))


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
