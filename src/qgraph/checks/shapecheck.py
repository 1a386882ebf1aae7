"""The shapes themselves, checked before either validator runs them.

A shapes file is part of the corpus a user edits, so the command checks it rather than trusting
it (the test suite is not the only place a typo shows):

- **no network**: a SPARQL query in a shape (``sh:select``, ``sh:ask``, ``sh:construct``,
  ``sh:update``: constraints, SPARQL targets, rules) with ``SERVICE``, ``FROM``/``FROM NAMED``
  or ``LOAD`` would make the validator fetch from the network (rdflib's engine does, and
  pySHACL runs targets and rules with it). Refused, for both validators, before anything runs;
- **valid SHACL**: SHACL-for-SHACL (pySHACL's ``meta_validate``, the W3C shapes graph for shapes
  graphs): ``sh:minCount "one"`` is reported, not a traceback; a ``sh:datatype`` in the XSD
  namespace that RDF does not know (``xsd:strng``) is named;
- **declared terms**: every ``sh:targetClass``, ``sh:class``, ``sh:targetSubjectsOf``/
  ``sh:targetObjectsOf`` and every property in a ``sh:path`` is declared in the ontology (a
  misspelt ``qg:Natoin`` would make a shape check nothing).

These are errors in the shapes: :class:`ShapesError` (a :class:`~qgraph.errors.QgraphError`, exit
2, one line ``ontology/shapes.ttl:LINE: …``, with the count of further problems).

- **every shape selects something**: a node shape with targets that selects no node of the
  corpus is reported as a Warning (:func:`unused_of`); it may be a typo the ontology also has, or a
  class the corpus has no instance of yet.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from qgraph.checks.report import Problem, locate, node_tokens
from qgraph.errors import QgraphError
from qgraph.vocab import OWL, RDF, RDF_TYPE, RDFS, RDFS_SUBCLASSOF, SH, XSD

UNUSED_SHAPE = "check:shape-selects-nothing"
_SPARQL_TEXTS = ("select", "ask", "construct", "update")
_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
_RDF_DATATYPES = {RDF + t for t in ("langString", "HTML", "XMLLiteral", "JSON", "PlainLiteral")}
#: properties and classes every graph may use without declaring them (RDF's own, and OWL 2's
#: built-in annotation properties)
_BUILTIN = {RDF_TYPE, RDF + "first", RDF + "rest", RDF + "value", RDFS_SUBCLASSOF, RDFS + "subPropertyOf",
            RDFS + "Resource", RDFS + "Class", OWL + "Thing", RDF + "Property"} | {
    RDFS + p for p in ("label", "comment", "seeAlso", "isDefinedBy")} | {
    OWL + p for p in ("deprecated", "versionInfo", "priorVersion", "backwardCompatibleWith", "incompatibleWith")}
_KINDS = {OWL + k for k in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")} | {
    RDFS + "Class", RDF + "Property", RDFS + "Datatype"}


class ShapesError(QgraphError):
    """The shapes are not usable as they stand (exit 2)."""


def check(shapes: Any, rel: str, lines: list[str], prefixes: dict[str, str],
          declared: set[str] | None, meta: list[str] | None = None) -> None:
    """Raise :class:`ShapesError` for the first problem of the shapes graph ``shapes``.

    ``declared``: IRIs the ontology declares (``None``: skip the declared-terms check).
    ``meta``: :func:`meta_shacl`'s problems for these shapes when already found (by
    :class:`qgraph.checks.validation.MetaShacl`), else it runs here."""
    problems = network(shapes, rel, lines, prefixes)
    if problems:  # refused before anything else looks at the queries
        _raise(problems)
    if meta is None:
        meta = meta_shacl(shapes, rel, lines, prefixes)
    problems = datatypes(shapes, rel, lines, prefixes) + meta
    if declared is not None and not problems:
        problems = undeclared(shapes, rel, lines, prefixes, declared)
    if problems:
        _raise(problems)


def _raise(problems: list[str]) -> None:
    more = f" (and {len(problems) - 1} more problem(s) in the shapes)" if len(problems) > 1 else ""
    raise ShapesError(problems[0] + more)


# --- where ----------------------------------------------------------------------------------


def owner(shapes: Any, node: Any) -> Any:
    """The named shape a blank node of the shapes graph belongs to (the node if it is named)."""
    from rdflib import BNode

    seen = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        parent = next(iter(sorted(shapes.subjects(None, node), key=str)), None)
        if parent is None:
            break
        node = parent
    return node


def _name(term: Any, prefixes: dict[str, str]) -> str:
    from qgraph.corpus.terms import display

    return display(term, prefixes)


def _line(lines: list[str], term: Any, prefixes: dict[str, str], needle: str | None = None) -> int | None:
    """The line of ``needle`` (searched from the line of the shape ``term`` on), else the shape's."""
    from rdflib import URIRef

    start = locate(lines, node_tokens(str(term), prefixes)) if isinstance(term, URIRef) else None
    if needle:
        pat = re.compile(needle, re.I)
        for i in range((start or 1) - 1, len(lines)):
            if pat.search(lines[i]):
                return i + 1
    return start


def _where(rel: str, line: int | None) -> str:
    return f"{rel}:{line}" if line else rel


# --- no network -----------------------------------------------------------------------------


def _parse_names(text: str, update: bool) -> set[str]:
    """The names of the parse-tree nodes of a SPARQL query or update (rdflib's parser)."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    tree = parseUpdate(text) if update else parseQuery(text)
    names: set[str] = set()
    todo: list[Any] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, CompValue):
            names.add(node.name)
            todo.extend(node.values())
        elif isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            todo.extend(node)
    return names


def network(shapes: Any, rel: str, lines: list[str], prefixes: dict[str, str]) -> list[str]:
    """A problem for each SPARQL query of the shapes that would reach beyond the data graph."""
    from rdflib import URIRef

    problems = []
    for kind in _SPARQL_TEXTS:
        for node, text in sorted(shapes.subject_objects(URIRef(SH + kind)), key=lambda so: str(so[1])):
            shape = owner(shapes, node)
            where = _name(shape, prefixes)
            try:
                names = _parse_names(str(text), kind == "update")
            except Exception as e:  # pyparsing's ParseException and friends
                line = _line(lines, shape, prefixes, rf"sh:{kind}\b")
                msg = str(e).splitlines()[0] if str(e) else type(e).__name__
                problems.append(f"{_where(rel, line)}: shape {where}: sh:{kind} is not valid SPARQL ({msg})")
                continue
            for name, word, what in (("ServiceGraphPattern", "SERVICE", "SERVICE (a federated query)"),
                                     ("DatasetClause", "FROM", "FROM/FROM NAMED (a graph read from an IRI)"),
                                     ("Load", "LOAD", "LOAD")):
                if name in names:
                    line = _line(lines, shape, prefixes, rf"\b{word}\b")
                    problems.append(f"{_where(rel, line)}: shape {where}: sh:{kind} uses {what}; a shape must "
                                    "never make qgraph reach the network, so these shapes are refused")
    return problems


# --- valid SHACL ----------------------------------------------------------------------------


def datatypes(shapes: Any, rel: str, lines: list[str], prefixes: dict[str, str]) -> list[str]:
    """A problem for each ``sh:datatype`` in the XSD or RDF namespace that does not exist."""
    from rdflib import URIRef

    from qgraph.checks.literals import RDF_XSD_TYPES

    problems = []
    for node, dt in sorted(shapes.subject_objects(URIRef(SH + "datatype")), key=lambda so: str(so[1])):
        text = str(dt)
        unknown = (text.startswith(XSD) and text[len(XSD):] not in RDF_XSD_TYPES) or (
            text.startswith(RDF) and text not in _RDF_DATATYPES) or not isinstance(dt, URIRef)
        if unknown:
            shape = owner(shapes, node)
            name = _name(dt, prefixes)
            line = _line(lines, shape, prefixes, re.escape(name) if isinstance(dt, URIRef) else r"sh:datatype")
            problems.append(f"{_where(rel, line)}: shape {_name(shape, prefixes)}: sh:datatype {name} is not a "
                            "known datatype (a misspelling? XSD datatypes RDF uses: xsd:string, xsd:date, …)")
    return problems


def meta_shacl(shapes: Any, rel: str, lines: list[str], prefixes: dict[str, str]) -> list[str]:
    """SHACL-for-SHACL: the shapes graph validated against the W3C shapes for shapes graphs."""
    from pyshacl.entrypoints import meta_validate
    from rdflib import URIRef

    conforms, report, _ = meta_validate(shapes, inference="none")
    if conforms:
        return []
    u = lambda local: URIRef(SH + local)  # noqa: E731
    problems = []
    for r in report.objects(None, u("result")):
        focus, path, value = report.value(r, u("focusNode")), report.value(r, u("resultPath")), report.value(r, u("value"))
        shape = owner(shapes, focus)
        path_name = _name(path, prefixes) if isinstance(path, URIRef) else None
        line = _line(lines, shape, prefixes, re.escape(path_name) if path_name else None)
        what = f"{path_name} {value.n3() if value is not None else ''}".strip() if path_name else "a node"
        message = str(report.value(r, u("resultMessage")) or report.value(r, u("sourceConstraintComponent")))
        problems.append(f"{_where(rel, line)}: shape {_name(shape, prefixes)}: {what} is not valid SHACL "
                        f"(SHACL-for-SHACL: {message})")
    return sorted(problems)


# --- declared terms -------------------------------------------------------------------------


def declared_terms(quads: Iterable[Any]) -> set[str]:
    """The IRIs the ontology quads declare (typed as a class, property or datatype)."""
    import pyoxigraph as ox

    out = set()
    for q in quads:
        if q.predicate.value == RDF_TYPE and type(q.subject) is ox.NamedNode and q.object.value in _KINDS:
            out.add(q.subject.value)
    return out


def _path_iris(shapes: Any, path: Any) -> list[Any]:
    from rdflib import URIRef

    if isinstance(path, URIRef):
        return [path]
    out, todo, seen = [], [path], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            if isinstance(o, URIRef) and str(p) in (RDF + "first", SH + "inversePath", SH + "zeroOrMorePath",
                                                    SH + "oneOrMorePath", SH + "zeroOrOnePath"):
                out.append(o)
            elif not isinstance(o, URIRef) and str(p) != RDF_TYPE:
                todo.append(o)
    return out


def undeclared(shapes: Any, rel: str, lines: list[str], prefixes: dict[str, str], declared: set[str]) -> list[str]:
    """A problem for each class or property a shape names that the ontology does not declare."""
    from rdflib import URIRef

    known = declared | _BUILTIN | {str(s) for s in shapes.subjects(URIRef(RDF_TYPE), URIRef(RDFS + "Class"))} | {
        str(s) for s in shapes.subjects(URIRef(RDF_TYPE), URIRef(OWL + "Class"))}
    problems = set()
    for pred in ("targetClass", "class", "targetSubjectsOf", "targetObjectsOf", "path"):
        for node, obj in shapes.subject_objects(URIRef(SH + pred)):
            iris = _path_iris(shapes, obj) if pred == "path" else [obj]
            for iri in iris:
                if isinstance(iri, URIRef) and str(iri) not in known:
                    shape = owner(shapes, node)
                    name = _name(iri, prefixes)
                    line = _line(lines, shape, prefixes, rf"(?<![\w:]){re.escape(name)}(?![\w-])")
                    problems.add(f"{_where(rel, line)}: shape {_name(shape, prefixes)}: sh:{pred} {name} is not "
                                 "declared in the ontology (a misspelling? the shape would check nothing)")
    return sorted(problems, key=_line_order)


def _line_order(problem: str) -> tuple:
    m = re.match(r"[^:]*:(\d+):", problem)
    return (int(m.group(1)) if m else 0, problem)


# --- every shape selects something ----------------------------------------------------------


def target_nodes(shapes: Any) -> set[str]:
    """The IRIs the shapes name with ``sh:targetNode``."""
    from rdflib import URIRef

    return {str(o) for o in shapes.objects(None, URIRef(SH + "targetNode"))}


def footprint(quads: Iterable[Any], wanted: set[str]) -> dict[str, list]:
    """What :func:`unused_of` reads of ``quads``: the predicates, the classes given by ``rdf:type``,
    the ``rdfs:subClassOf`` pairs, and which of the IRIs ``wanted`` (the shapes' target nodes)
    occur as a node. The footprint of a union of quads is the union of their footprints
    (:func:`merge`), so a file's can be kept while the file is unchanged."""
    import pyoxigraph as ox

    preds, types, nodes = set(), set(), set()
    sub = set()
    for q in quads:
        p = q.predicate.value
        preds.add(p)
        if wanted:
            if type(q.subject) is ox.NamedNode and q.subject.value in wanted:
                nodes.add(q.subject.value)
            if type(q.object) is ox.NamedNode and q.object.value in wanted:
                nodes.add(q.object.value)
        if p == RDF_TYPE:
            types.add(q.object.value)
        elif p == RDFS_SUBCLASSOF:
            sub.add((q.object.value, q.subject.value))
    return {"p": sorted(preds), "t": sorted(types), "s": sorted(list(x) for x in sub), "n": sorted(nodes)}


def merge(prints: Iterable[dict[str, list]]) -> dict[str, set]:
    out: dict[str, set] = {"p": set(), "t": set(), "s": set(), "n": set()}
    for fp in prints:
        out["p"].update(fp["p"])
        out["t"].update(fp["t"])
        out["s"].update(tuple(x) for x in fp["s"])
        out["n"].update(fp["n"])
    return out


def subclass_pairs(graph: Any) -> list[list[str]]:
    """The ``rdfs:subClassOf`` pairs [subclass, class] of an rdflib graph, as IRIs, sorted."""
    from rdflib import URIRef

    return sorted([str(s), str(o)] for s, o in graph.subject_objects(URIRef(RDFS_SUBCLASSOF)))


def unused_table(shapes: Any, lines: list[str], prefixes: dict[str, str]) -> dict[str, list]:
    """What :func:`unused_of` reads of the shapes graph, as JSON (kept between runs, so that a run
    after an edit needs no rdflib graph of the shapes): the graph's ``rdfs:subClassOf`` pairs
    and, for each active node shape with targets, its targets, line, name and targets as the
    warning names them."""
    from rdflib import URIRef

    sub = subclass_pairs(shapes)
    shape_nodes = {s for t in _TARGETS for s in shapes.subjects(URIRef(SH + t), None)}
    for cls_kind in (RDFS + "Class", OWL + "Class"):
        for s in shapes.subjects(URIRef(RDF_TYPE), URIRef(cls_kind)):
            if (s, URIRef(RDF_TYPE), URIRef(SH + "NodeShape")) in shapes:
                shape_nodes.add(s)
    rows = []
    for shape in sorted(shape_nodes, key=str):
        if str(shapes.value(shape, URIRef(SH + "deactivated"))).lower() == "true":
            continue
        targets = [(t, str(o)) for t in _TARGETS for o in shapes.objects(shape, URIRef(SH + t))]
        if (shape, URIRef(RDF_TYPE), URIRef(RDFS + "Class")) in shapes or (
                shape, URIRef(RDF_TYPE), URIRef(OWL + "Class")) in shapes:
            targets.append(("targetClass", str(shape)))
        if not targets:
            continue
        names = ", ".join(f"sh:{t} {_name(URIRef(o), prefixes)}" for t, o in sorted(targets))
        rows.append([[list(t) for t in targets], _line(lines, shape, prefixes), _name(shape, prefixes), names])
    return {"sub": sub, "shapes": rows}


def is_unused_table(table: Any) -> bool:
    """Whether ``table`` is what :func:`unused_table` gives (a kept one read back)."""
    def strings(x: Any, n: int) -> bool:
        return isinstance(x, list) and len(x) == n and all(isinstance(i, str) for i in x)

    return (isinstance(table, dict) and isinstance(table.get("sub"), list) and isinstance(table.get("shapes"), list)
            and all(strings(p, 2) for p in table["sub"])
            and all(isinstance(r, list) and len(r) == 4 and isinstance(r[0], list) and all(strings(t, 2) for t in r[0])
                    and (r[1] is None or (isinstance(r[1], int) and not isinstance(r[1], bool)))
                    and isinstance(r[2], str) and isinstance(r[3], str) for r in table["shapes"]))


def unused_of(table: dict[str, list], prints: Iterable[dict[str, list]], rel: str) -> list[Problem]:
    """A Warning for each node shape with targets (of the shapes whose :func:`unused_table` is
    ``table``) that selects no node of the data whose :func:`footprint` s are ``prints`` (their
    union: a file's footprint is kept while the file is unchanged)."""
    seen_all = merge(prints)
    types, node_iris = seen_all["t"], seen_all["n"]
    subjects_of = objects_of = seen_all["p"]  # sh:targetObjectsOf selects literal objects too
    sub: dict[str, set[str]] = {}
    for o, s in seen_all["s"]:
        sub.setdefault(o, set()).add(s)
    for s, o in table["sub"]:
        sub.setdefault(o, set()).add(s)

    def has_instances(cls: str) -> bool:
        seen, todo = {cls}, [cls]
        while todo:
            c = todo.pop()
            if c in types:
                return True
            for s in sub.get(c, ()):
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return False

    out = []
    for targets, line, name, names in table["shapes"]:
        hit = any((t == "targetClass" and has_instances(o)) or (t == "targetNode" and o in node_iris)
                  or (t == "targetSubjectsOf" and o in subjects_of) or (t == "targetObjectsOf" and o in objects_of)
                  for t, o in targets)
        if not hit:
            out.append(Problem(rel, line, "Warning", UNUSED_SHAPE, name, None,
                               f"the shape selects no node of the corpus ({names}): a misspelt target, "
                               "or nothing of that kind in the data yet"))
    return out
