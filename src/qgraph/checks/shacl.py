"""Fast SHACL Core validation: the shapes translated into SPARQL, run on a pyoxigraph Store.

pySHACL stays the reference (``validation.py``); this module is the fast path, tested against it
(``tests/test_fastshacl.py``: same ``(focus, path, shape, severity)`` on the fixtures, the real
data and generated data with planted faults).

What it translates (anything else raises ``Unsupported``, so nothing passes silently):

- targets: ``sh:targetClass`` (instances through ``rdf:type/rdfs:subClassOf*``, the subclass
  closure taken from the store, i.e. from the ontology graph loaded there), implicit class
  targets (a shape that is also an ``rdfs:Class``), ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``;
- paths: IRI, ``sh:inversePath``, sequences, ``sh:alternativePath``, ``sh:zeroOrMorePath``,
  ``sh:oneOrMorePath``, ``sh:zeroOrOnePath``;
- constraints (on property shapes, and on node shapes where SHACL allows): ``sh:minCount``,
  ``sh:maxCount``, ``sh:datatype`` (with a lexical check of the common XSD types, as pySHACL
  flags ill-typed literals), ``sh:class``, ``sh:nodeKind``, ``sh:pattern`` (+ ``sh:flags``),
  ``sh:in``, ``sh:hasValue``, ``sh:minInclusive``/``maxInclusive``/``minExclusive``/
  ``maxExclusive``, ``sh:minLength``/``maxLength``, ``sh:uniqueLang``, ``sh:languageIn``, and
  ``sh:or`` whose members each hold only datatype/class/nodeKind/hasValue/in constraints.
- ``sh:sparql`` SELECT constraints: run as written (``$this`` bound to each focus node) on
  Oxigraph. **Trap**: rdflib's SPARQL engine (which pySHACL uses) evaluates a comparison of an
  ``xsd:date`` with a plain string as true where SPARQL says it is an error, so pySHACL reports
  false violations for such constraints. ``sparql_comparison_risks`` lists constraints that
  compare with ``<``/``>`` and have no ``datatype()`` guard; the equivalence test refuses them.

Semantics follow pySHACL 0.40 on a Dataset: the data graph is the **union** of the named graphs
(ontology included when it is loaded in the store).

Incremental validation (``Validator.revalidate_graph``): after a document's named graph is
replaced, only the affected focus nodes are validated again, over the union:

- every node (subject or object) of the old and the new version of that graph;
- plus every subject, in any graph, that points at a node whose set of types changed (``sh:class``
  is not local: the value's type may come from another document);
- shapes with a path longer than one step, ``sh:targetObjectsOf`` of other graphs' triples or
  ``sh:sparql`` are not local either: if the shapes have such constructs, ``local`` is False and
  ``revalidate_graph`` falls back to a full validation.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from qgraph.vocab import OWL, RDF_FIRST, RDF_LANGSTRING, RDF_TYPE, RDFS, RDFS_SUBCLASSOF, SH, XSD

__all__ = ["Unsupported", "Result", "Shapes", "Validator", "shape_key", "term_key"]



_SUBCLASS_SLOT = re.compile(r"__SUBCLASSES<([^|>]*)\|(\?\w+)>__")


class Unsupported(Exception):
    """A shape uses a SHACL feature this module does not translate."""


class _RawDatatype(Exception):
    """Internal: a datatype the Oxigraph store cannot check (see ``INTEGER_FAMILY``)."""


# Oxigraph's Store normalises literals on insert (oxigraph issues #526, #1413): every type derived
# from xsd:integer is stored as xsd:integer ("3"^^xsd:positiveInteger comes back as
# "3"^^xsd:integer) and numbers get their canonical lexical form ("03" → "3", "1.50" → "1.5").
# So sh:datatype for these types is checked on the literals as parsed (``Validator(raw=...)``).
INTEGER_FAMILY = {XSD + t for t in (
    "integer", "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger",
    "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


# Predicates on shapes that carry no constraint (or are handled separately).
_NON_VALIDATING = {
    SH + p for p in ("name", "description", "message", "severity", "order", "group", "defaultValue",
                     "deactivated", "path", "property", "targetClass", "targetNode", "targetSubjectsOf",
                     "targetObjectsOf", "flags", "prefixes", "declare", "suggestedShapesGraph")
}
_SUPPORTED = {SH + p for p in ("minCount", "maxCount", "datatype", "class", "nodeKind", "pattern", "in",
                                "hasValue", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
                                "minLength", "maxLength", "uniqueLang", "languageIn", "or", "sparql", "node",
                                "lessThan", "lessThanOrEquals")}

# Lexical forms (XSD 1.1) of the datatypes a typed literal is checked against.
_LEXICAL = {
    "date": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "gYearMonth": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "gYear": r"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "dateTime": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "integer": r"^[+-]?[0-9]+$",
    "decimal": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
    "boolean": r"^(true|false|1|0)$",
}

_NODE_KINDS = {
    "IRI": "isIRI(?v)", "BlankNode": "isBlank(?v)", "Literal": "isLiteral(?v)",
    "BlankNodeOrIRI": "(isIRI(?v) || isBlank(?v))", "BlankNodeOrLiteral": "(isBlank(?v) || isLiteral(?v))",
    "IRIOrLiteral": "(isIRI(?v) || isLiteral(?v))",
}


@dataclass(frozen=True, order=True)
class Result:
    """One validation result, in pySHACL's terms (N-Triples strings; path as a SPARQL path)."""

    focus: str
    path: str | None
    shape: str
    severity: str
    component: str = ""  # compared: results differing only in their component stay apart
    # compared too: one result per failing value, as SHACL (§3.6.2) and pySHACL give them (two
    # altLabels without a language were one result, the other shown only once the first was fixed)
    value: str | None = field(default=None)
    message: str = field(compare=False, default="")
    lang: str = field(compare=False, default="")  # the language tag of ``message``

    @property
    def key(self) -> tuple[str, str | None, str, str]:
        return (self.focus, self.path, self.shape, self.severity)


def result_order(r: Result) -> tuple:
    """A sort key of results: a node's results without a path (a node shape's) before those with
    one (``sorted`` on the results themselves fails comparing ``None`` with a path)."""
    return (r.focus, r.path is not None, r.path or "", r.shape, r.severity, r.component, r.value or "")


def term_key(term) -> str:
    """N-Triples form of an rdflib or pyoxigraph term."""
    if hasattr(term, "n3") and not hasattr(term, "value"):
        return term.n3()
    return str(term)


def _nt(term) -> str:
    """N-Triples text of an rdflib term (also for use in SPARQL)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        s = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if term.language:
            return f'"{s}"@{term.language}'
        if term.datatype:
            return f'"{s}"^^<{term.datatype}>'
        return f'"{s}"'
    if isinstance(term, BNode):
        raise Unsupported(f"a blank node as a constraint value: {term}")
    raise Unsupported(f"unexpected term {term!r}")


def shape_key(graph, node) -> str:
    """A stable name for a shape: its IRI, or for a blank-node property shape
    ``<parent node shape>/<path>`` (blank-node ids differ between parses)."""
    from rdflib import URIRef

    if isinstance(node, URIRef):
        return str(node)
    parents = sorted(shape_key(graph, p) for p in graph.subjects(URIRef(SH + "property"), node))
    path = graph.value(node, URIRef(SH + "path"))
    return f"{'|'.join(parents) or '_'}/{path_sparql(graph, path) if path is not None else '(node)'}"


def path_sparql(graph, path) -> str:
    """SHACL path → SPARQL property path text."""
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection

    if isinstance(path, URIRef):
        return f"<{path}>"
    if not isinstance(path, BNode):
        raise Unsupported(f"path {path!r}")
    first = graph.value(path, URIRef(RDF_FIRST))
    if first is not None:
        return "(" + "/".join(path_sparql(graph, p) for p in Collection(graph, path)) + ")"
    for pred, fmt in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"), ("oneOrMorePath", "{}+"),
                      ("zeroOrOnePath", "{}?")):
        inner = graph.value(path, URIRef(SH + pred))
        if inner is not None:
            return "(" + fmt.format(path_sparql(graph, inner)) + ")"
    alt = graph.value(path, URIRef(SH + "alternativePath"))
    if alt is not None:
        return "(" + "|".join(path_sparql(graph, p) for p in Collection(graph, alt)) + ")"
    raise Unsupported(f"path {path!r}")


@dataclass
class _Check:
    shape: str          # shape key
    path: str | None    # SPARQL path text, None for node-level constraints
    severity: str
    component: str
    query: str          # SELECT ?this ?v (where ?v may be unbound); uses {FOCUS} and {AFTER} placeholders
    message: str
    node_shape: str     # key of the node shape whose targets give the focus nodes
    lang: str = ""      # language tag of the shape's sh:message

    @property
    def driven(self) -> bool:
        """The query's WHERE requires ``?this <path> ?v`` (its constraints on a path mark where it
        ends with {AFTER}): every focus node of a whole validation may be tested after the values
        instead of selected first ({FOCUS}) (see :meth:`Validator._values_first`)."""
        return self.path is not None and "{AFTER}" in self.query


class Shapes:
    """SHACL shapes compiled to SPARQL checks."""

    def __init__(self, graph, subclass_pairs: Iterable[tuple[str, str]] = ()):
        self._graph, self._graph_of = graph, None
        #: kept with the compilation for the validation's own use (what it reads of the shapes
        #: graph besides: :func:`qgraph.checks.validation._reading_predicates`), else ``None``
        self.reading: Any = None
        self._extra_subclass = list(subclass_pairs)
        self.checks: list[_Check] = []
        self.targets: dict[str, list[tuple[str, str]]] = {}  # node shape key → [(kind, iri)]
        self.local = True
        self.sparql_constraints: list[tuple[str, str]] = []  # (shape key, select text)
        self.raw_predicates: set[str] = set()  # predicates whose parsed literals the Validator needs
        from rdflib import URIRef
        from rdflib.collection import Collection

        self._or_members = {m for lst in graph.objects(None, URIRef(SH + "or")) for m in Collection(graph, lst)}
        self._compile()

    @property
    def graph(self) -> Any:
        """The shapes graph (rdflib's); of shapes read back compiled, made when first asked."""
        if self._graph is None and self._graph_of is not None:
            self._graph = self._graph_of()
        return self._graph

    def compiled(self) -> dict[str, Any]:
        """What :meth:`_compile` made, as JSON values (:meth:`from_compiled` reads it back), and
        the shapes graph's ``rdfs:subClassOf`` pairs (:meth:`_subclasses` reads them)."""
        from qgraph.checks.shapecheck import subclass_pairs

        return {"checks": [[c.shape, c.path, c.severity, c.component, c.query, c.message, c.node_shape, c.lang,
                            getattr(c, "raw_datatype", None)] for c in self.checks],
                "targets": [[k, [list(t) for t in v]] for k, v in self.targets.items()],
                "local": self.local, "sparql": [list(x) for x in self.sparql_constraints],
                "raw": sorted(self.raw_predicates), "sub": subclass_pairs(self.graph),
                "reading": self.reading}

    @classmethod
    def from_compiled(cls, graph: Any, data: dict[str, Any]) -> "Shapes":
        """The shapes of ``graph`` as :meth:`compiled` gave them when they were compiled (the
        validation cache keeps them under the shapes file's hash: 1M triples, ~30 ms of each
        ``qgraph validate``); ``KeyError``, ``TypeError`` or ``ValueError`` when ``data`` is not
        what :meth:`compiled` gives. ``graph``: the shapes graph, or a function that makes it,
        called only if something asks for the graph (rdflib is not imported before: ~0.1 s of a
        ``qgraph validate`` after an edit)."""
        self = cls.__new__(cls)
        self._graph, self._graph_of = (None, graph) if callable(graph) else (graph, None)
        self._extra_subclass = []
        sub: dict[str, set[str]] = {}
        for s, o in data["sub"]:
            if not isinstance(s, str) or not isinstance(o, str):
                raise TypeError("not a subclass pair")
            sub.setdefault(o, set()).add(s)
        self._sub_index = sub
        reading = data["reading"]
        if reading is not None and not (isinstance(reading, list) and len(reading) == 4 and all(
                isinstance(x, list) and all(isinstance(i, str) for i in x) for x in reading)):
            raise TypeError("not the reading predicates")
        self.reading = reading
        checks = []
        for row in data["checks"]:
            *fields, raw_datatype = row
            if len(fields) != 8 or not all(isinstance(x, str) or x is None for x in row):
                raise ValueError("not a compiled check")
            chk = _Check(*fields)
            if raw_datatype is not None:
                chk.raw_datatype = raw_datatype  # type: ignore[attr-defined]
            checks.append(chk)
        self.checks = checks
        self.targets = {k: [(kind, iri) for kind, iri in v] for k, v in data["targets"]}
        if not isinstance(data["local"], bool):
            raise TypeError("local")
        self.local = data["local"]
        self.sparql_constraints = [(k, text) for k, text in data["sparql"]]
        self.raw_predicates = set(data["raw"])
        return self

    @classmethod
    def from_files(cls, shapes_files: Iterable[Path], ontology_files: Iterable[Path] = ()) -> "Shapes":
        from rdflib import Graph

        g = Graph()
        for f in shapes_files:
            g.parse(f)
        pairs: list[tuple[str, str]] = []
        ont = Graph()
        for f in ontology_files:
            ont.parse(f)
        from rdflib import URIRef

        for s, o in ont.subject_objects(URIRef(RDFS_SUBCLASSOF)):
            pairs.append((str(s), str(o)))
        return cls(g, pairs)

    # --- compile -------------------------------------------------------------------------------

    def _u(self, local: str):
        from rdflib import URIRef

        return URIRef(SH + local)

    def _compile(self) -> None:
        from rdflib import RDF, BNode, URIRef

        g = self.graph
        self._refuse_unrun()
        node_shapes = set(g.subjects(RDF.type, self._u("NodeShape")))
        for t in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            node_shapes |= set(g.subjects(self._u(t), None))
        # implicit class targets
        for cls_t in (URIRef(RDFS + "Class"), URIRef(OWL + "Class")):
            for s in g.subjects(RDF.type, cls_t):
                if (s, RDF.type, self._u("NodeShape")) in g:
                    node_shapes.add(s)
        for ns in sorted(node_shapes, key=str):
            if self._deactivated(ns):
                continue
            key = shape_key(g, ns)
            targets = []
            for t in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
                for o in g.objects(ns, self._u(t)):
                    targets.append((t, _nt(o)))
            for cls_t in (URIRef(RDFS + "Class"), URIRef(OWL + "Class")):
                if (ns, RDF.type, cls_t) in g:
                    targets.append(("targetClass", _nt(ns)))
            if any(t == "targetObjectsOf" for t, _ in targets):
                self.local = False
            if not targets:
                continue  # a shape without targets validates nothing by itself
            if isinstance(ns, BNode):
                raise Unsupported("a blank-node node shape with targets; give it an IRI")
            self.targets[key] = targets
            self._compile_constraints(ns, key, None, key)
            for ps in g.objects(ns, self._u("property")):
                if self._deactivated(ps):
                    continue
                path_node = g.value(ps, self._u("path"))
                if path_node is None:
                    raise Unsupported(f"property shape {shape_key(g, ps)} without sh:path")
                path = path_sparql(g, path_node)
                if not isinstance(path_node, URIRef) and not path.startswith("(^<"):
                    self.local = False
                for _nested in g.objects(ps, self._u("property")):
                    raise Unsupported(f"nested sh:property in {shape_key(g, ps)}")
                self._compile_constraints(ps, shape_key(g, ps), path, key)

    #: SHACL features this module does not run: refused, never ignored (a SPARQL target ignored
    #: would let the fast validator say "conforms" where pySHACL finds violations)
    _UNRUN = {
        "target": "sh:target (a SPARQL-based or custom target, SHACL Advanced Features)",
        "rule": "sh:rule (SHACL rules, SHACL Advanced Features)",
        "parameter": "sh:parameter (a SPARQL-based constraint component)",
        "validator": "sh:validator (a SPARQL-based constraint component)",
        "nodeValidator": "sh:nodeValidator (a SPARQL-based constraint component)",
        "propertyValidator": "sh:propertyValidator (a SPARQL-based constraint component)",
        "js": "sh:js (SHACL-JS)",
        "entailment": "sh:entailment",
    }

    def _refuse_unrun(self) -> None:
        from rdflib import URIRef

        from qgraph.checks.shapecheck import owner

        g = self.graph
        for local, what in self._UNRUN.items():
            for s in sorted(g.subjects(URIRef(SH + local), None), key=str):
                shape = owner(g, s)
                raise Unsupported(f"shape {_short(shape)} uses {what}, which it does not run")
        for s in sorted(g.subjects(URIRef(RDF_TYPE), URIRef(SH + "ConstraintComponent")), key=str):
            raise Unsupported(f"{_short(s)} is a custom sh:ConstraintComponent, which it does not run")

    def _deactivated(self, s) -> bool:
        v = self.graph.value(s, self._u("deactivated"))
        return v is not None and str(v).lower() == "true"

    def _severity(self, s) -> str:
        v = self.graph.value(s, self._u("severity"))
        return str(v) if v is not None else SH + "Violation"

    def _message(self, s, default: str) -> str:
        v = self.graph.value(s, self._u("message"))
        return str(v) if v is not None else default

    def _subclasses(self, cls: str) -> list[str]:
        """cls and all its subclasses (rdfs:subClassOf* over the ontology and shapes graphs)."""
        if not hasattr(self, "_sub_index"):
            from qgraph.checks.shapecheck import subclass_pairs

            idx: dict[str, set[str]] = {}
            for s, o in [*self._extra_subclass, *subclass_pairs(self.graph)]:
                idx.setdefault(o, set()).add(s)
            self._sub_index = idx
        seen = {cls}
        todo = [cls]
        while todo:
            c = todo.pop()
            for s in self._sub_index.get(c, ()):
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return sorted(seen)

    def _value_condition(self, pred: str, obj, s) -> str:
        """SPARQL boolean expression that is true when ?v satisfies a value-type constraint."""
        from rdflib.collection import Collection

        g = self.graph
        if pred == "datatype":
            dt = str(obj)
            if dt in INTEGER_FAMILY and s not in self._or_members:
                raise _RawDatatype(dt)
            cond = f"(isLiteral(?v) && datatype(?v) = <{dt}>"
            if dt.startswith(XSD) and dt[len(XSD):] in _LEXICAL:
                cond += f' && regex(str(?v), "{_LEXICAL[dt[len(XSD):]]}")'
            if dt == RDF_LANGSTRING:
                cond = "(isLiteral(?v) && lang(?v) != \"\""
            return cond + ")"
        if pred == "class":
            # the subclasses are filled in by the Validator, from the store's ontology graph
            # (a UNION of constant patterns: Oxigraph 0.5 evaluates VALUES inside EXISTS ~500x slower)
            return f"EXISTS {{ __SUBCLASSES<{obj}|?v>__ }}"
        if pred == "nodeKind":
            local = str(obj)[len(SH):]
            if local not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {obj}")
            return _NODE_KINDS[local]
        if pred == "pattern":
            flags = g.value(s, self._u("flags"))
            pat = str(obj).replace("\\", "\\\\").replace('"', '\\"')
            fl = f', "{flags}"' if flags is not None else ""
            return f'(!isBlank(?v) && regex(str(?v), "{pat}"{fl}))'
        if pred == "in":
            members = list(Collection(g, obj))
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm(?v, {_nt(m)})" for m in members) + ")"
        if pred == "hasValue_node":
            return f"sameTerm(?v, {_nt(obj)})"
        cmp = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
        if pred in cmp:
            return f"COALESCE(?v {cmp[pred]} {_nt(obj)}, false)"
        if pred == "minLength":
            return f"(!isBlank(?v) && STRLEN(str(?v)) >= {int(obj)})"
        if pred == "maxLength":
            return f"(!isBlank(?v) && STRLEN(str(?v)) <= {int(obj)})"
        if pred == "languageIn":
            langs = [str(x) for x in Collection(g, obj)]
            return "(" + " || ".join(f'langMatches(lang(?v), "{l}")' for l in langs) + ")" if langs else "false"
        if pred == "or":
            from rdflib.collection import Collection as _C

            parts = [self._conforms(m, "?v", 0) for m in _C(g, obj)]
            return "(" + " || ".join(parts) + ")" if parts else "false"
        if pred == "node":
            return self._conforms(obj, "?v", 0)
        raise Unsupported(f"sh:{pred}")

    _VALUE_TYPE = ("datatype", "class", "nodeKind", "pattern", "in", "minInclusive", "maxInclusive",
                   "minExclusive", "maxExclusive", "minLength", "maxLength", "languageIn", "node", "or")

    def _cond(self, pred: str, obj, s, var: str) -> str:
        """``_value_condition`` for the value in ``var``."""
        c = self._value_condition(pred, obj, s)
        c = re.sub(r"\?vt\b", var + "t", c)
        return re.sub(r"\?v\b", var, c)

    def _conforms(self, shape, var: str, depth: int) -> str:
        """SPARQL expression: the node in ``var`` conforms to ``shape`` (a node shape, or a property
        shape when it has sh:path). Used for sh:node and sh:or; raises Unsupported beyond
        minCount 1 / maxCount 0 / hasValue / value-type constraints."""

        g = self.graph
        if depth > 4:
            raise Unsupported(f"sh:node/sh:or nested too deep at {shape_key(g, shape)}")
        conds: list[str] = []
        path_node = g.value(shape, self._u("path"))
        if path_node is not None:
            path = path_sparql(g, path_node)
            z = f"{var}z{depth}"
            for p, o in g.predicate_objects(shape):
                p = str(p)
                if p == RDF_TYPE or not p.startswith(SH) or p in _NON_VALIDATING:
                    continue
                lp = p[len(SH):]
                if lp == "minCount":
                    if int(o) > 1:
                        raise Unsupported(f"sh:minCount {o} inside sh:node/sh:or ({shape_key(g, shape)})")
                    if int(o) == 1:
                        conds.append(f"EXISTS {{ {var} {path} {z} }}")
                elif lp == "maxCount":
                    if int(o) == 0:
                        conds.append(f"NOT EXISTS {{ {var} {path} {z} }}")
                    elif int(o) == 1:
                        conds.append(f"NOT EXISTS {{ {var} {path} {z} . {var} {path} {z}b FILTER(!sameTerm({z}, {z}b)) }}")
                    else:
                        raise Unsupported(f"sh:maxCount {o} inside sh:node/sh:or ({shape_key(g, shape)})")
                elif lp == "hasValue":
                    conds.append(f"EXISTS {{ {var} {path} {_nt(o)} }}")
                elif lp in self._VALUE_TYPE:
                    if lp == "datatype" and str(o) in INTEGER_FAMILY:
                        raise Unsupported(f"sh:datatype {o} inside sh:node/sh:or: the Oxigraph store "
                                          "normalises integer datatypes")
                    inner = self._cond(lp, o, shape, z) if lp not in ("node", "or") else \
                        self._conforms_list(lp, o, z, depth + 1)
                    conds.append(f"NOT EXISTS {{ {var} {path} {z} FILTER(!COALESCE({inner}, false)) }}")
                else:
                    raise Unsupported(f"sh:{lp} inside sh:node/sh:or ({shape_key(g, shape)})")
            return "(" + " && ".join(conds or ["true"]) + ")"
        for p, o in g.predicate_objects(shape):
            p = str(p)
            if p == RDF_TYPE or not p.startswith(SH) or p in _NON_VALIDATING:
                continue
            lp = p[len(SH):]
            if lp == "hasValue":
                conds.append(f"sameTerm({var}, {_nt(o)})")
            elif lp in ("node", "or"):
                conds.append(self._conforms_list(lp, o, var, depth + 1))
            elif lp in self._VALUE_TYPE:
                if lp == "datatype" and str(o) in INTEGER_FAMILY:
                    raise Unsupported(f"sh:datatype {o} inside sh:node/sh:or: the Oxigraph store "
                                      "normalises integer datatypes")
                conds.append(f"COALESCE({self._cond(lp, o, shape, var)}, false)")
            else:
                raise Unsupported(f"sh:{lp} inside sh:node/sh:or ({shape_key(g, shape)})")
        for ps in g.objects(shape, self._u("property")):
            conds.append(self._conforms(ps, var, depth + 1))
        return "(" + " && ".join(conds or ["true"]) + ")"

    def _conforms_list(self, lp: str, o, var: str, depth: int) -> str:
        from rdflib.collection import Collection

        if lp == "node":
            return self._conforms(o, var, depth)
        parts = [self._conforms(m, var, depth) for m in Collection(self.graph, o)]
        return "(" + " || ".join(parts) + ")" if parts else "false"

    def _compile_constraints(self, s, key: str, path: str | None, node_key: str) -> None:
        before = len(self.checks)
        self._compile_constraints_of(s, key, path, node_key)
        message = self.graph.value(s, self._u("message"))
        lang = getattr(message, "language", None) or ""
        for chk in self.checks[before:]:
            if message is not None and chk.message == str(message):
                chk.lang = lang

    def _compile_constraints_of(self, s, key: str, path: str | None, node_key: str) -> None:
        g = self.graph
        sev = self._severity(s)
        for p, o in sorted(g.predicate_objects(s), key=lambda po: (str(po[0]), str(po[1]))):
            p = str(p)
            if p == RDF_TYPE or not p.startswith(SH) or p in _NON_VALIDATING:
                continue
            if p not in _SUPPORTED:
                raise Unsupported(f"{p} in shape {key}: not translated by qgraph.checks.shacl")
            local = p[len(SH):]
            comp = SH + local[0].upper() + local[1:] + "ConstraintComponent"
            values = f"?this {path} ?v ." if path else "BIND(?this AS ?v)"
            if local == "minCount":
                if path is None:
                    raise Unsupported(f"sh:minCount on node shape {key}")
                n = int(o)
                if n <= 0:
                    continue
                if n == 1:
                    q = f"SELECT ?this WHERE {{ {{FOCUS}} FILTER NOT EXISTS {{ ?this {path} ?v }} }}"
                else:
                    q = (f"SELECT ?this WHERE {{ {{FOCUS}} OPTIONAL {{ ?this {path} ?v }} }} "
                         f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {n})")
                msg = f"Less than {n} values on {path}"
            elif local == "maxCount":
                if path is None:
                    raise Unsupported(f"sh:maxCount on node shape {key}")
                n = int(o)
                q = (f"SELECT ?this WHERE {{ {{FOCUS}} ?this {path} ?v {{AFTER}} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {n})")
                msg = f"More than {n} values on {path}"
            elif local == "hasValue":
                if path is None:
                    q = f"SELECT ?this WHERE {{ {{FOCUS}} FILTER(!sameTerm(?this, {_nt(o)})) }}"
                else:
                    q = f"SELECT ?this WHERE {{ {{FOCUS}} FILTER NOT EXISTS {{ ?this {path} {_nt(o)} }} }}"
                msg = f"Missing value {o} on {path}"
            elif local == "uniqueLang":
                if str(o).lower() != "true":
                    continue
                if path is None:
                    raise Unsupported(f"sh:uniqueLang on node shape {key}")
                q = (f"SELECT ?this WHERE {{ {{FOCUS}} ?this {path} ?v . FILTER(lang(?v) != \"\") {{AFTER}} }} "
                     f"GROUP BY ?this (lang(?v)) HAVING (COUNT(DISTINCT ?v) > 1)")
                msg = f"More than one value per language on {path}"
            elif local in ("lessThan", "lessThanOrEquals"):
                if path is None:
                    raise Unsupported(f"sh:{local} on node shape {key}")
                op = "<" if local == "lessThan" else "<="
                q = (f"SELECT ?this ?v WHERE {{ {{FOCUS}} ?this {path} ?v . ?this {_nt(o)} ?w . "
                     f"FILTER(!COALESCE(?v {op} ?w, false)) {{AFTER}} }}")
                msg = f"Value is not {op} the value of {o}"
            elif local == "sparql":
                self._compile_sparql(o, key, path, node_key, sev)
                continue
            else:
                try:
                    cond = self._value_condition(local, o, s)
                except _RawDatatype:
                    if path is None or not path.startswith("<"):
                        raise Unsupported(f"sh:datatype {o} on a node shape or a complex path ({key})") from None
                    # all values; the Validator checks the parsed literals (INTEGER_FAMILY)
                    q = f"SELECT ?this ?v WHERE {{ {{FOCUS}} {values} {{AFTER}} }}"
                    chk = _Check(key, path, sev, comp, q, self._message(s, f"Value is not a {o}"), node_key)
                    chk.raw_datatype = str(o)  # type: ignore[attr-defined]
                    self.raw_predicates.add(path[1:-1])
                    self.checks.append(chk)
                    continue
                q = f"SELECT ?this ?v WHERE {{ {{FOCUS}} {values} FILTER(!COALESCE({cond}, false)) {{AFTER}} }}"
                msg = f"Value does not satisfy sh:{local} {o}"
            self.checks.append(_Check(key, path, sev, comp, q, self._message(s, msg), node_key))

    def _compile_sparql(self, c, key, path, node_key, sev) -> None:

        g = self.graph
        if path is not None:
            raise Unsupported(f"sh:sparql on a property shape ({key})")
        select = g.value(c, self._u("select"))
        if select is None:
            raise Unsupported(f"sh:sparql without sh:select in {key}")
        prefixes = ""
        for decl_holder in g.objects(c, self._u("prefixes")):
            for decl in g.objects(decl_holder, self._u("declare")):
                pfx = g.value(decl, self._u("prefix"))
                ns = g.value(decl, self._u("namespace"))
                prefixes += f"PREFIX {pfx}: <{ns}>\n"
        text = str(select)
        self.local = False
        self.sparql_constraints.append((key, text))
        # $this → ?this; the SELECT must project ?this (SHACL-SPARQL); restrict it to focus nodes.
        body = re.sub(r"\$this\b", "?this", text)
        q = prefixes + body
        msg_node = g.value(c, self._u("message"))
        self.checks.append(_Check(key, None, sev, SH + "SPARQLConstraintComponent", q,
                                  str(msg_node) if msg_node is not None else "SPARQL constraint",
                                  node_key))
        self.checks[-1].is_sparql = True  # type: ignore[attr-defined]
        self.checks[-1].lang = getattr(msg_node, "language", None) or ""

    # --- queries about the shapes ---------------------------------------------------------------

    def shapes_checking(self, cls: str, path: str, component: str) -> list[str]:
        """Keys of the shapes whose targets include instances of ``cls`` and that check
        ``component`` (local name, e.g. ``MinCountConstraintComponent``) on ``path``."""
        out = set()
        for chk in self.checks:
            if chk.path != f"<{path}>" or chk.component != SH + component:
                continue
            for kind, iri in self.targets.get(chk.node_shape, []):
                if kind == "targetClass" and iri[1:-1] in self._superclasses(cls):
                    out.add(chk.shape)
                if kind == "targetSubjectsOf" and iri == f"<{path}>" and component != "MinCountConstraintComponent":
                    out.add(chk.shape)
        return sorted(out)

    def _superclasses(self, cls: str) -> set[str]:
        return {c for c in self._all_classes() if cls in self._subclasses(c)}

    def _all_classes(self) -> set[str]:
        self._subclasses("")  # build index
        out = set(self._sub_index)
        for subs in self._sub_index.values():
            out |= subs
        for targets in self.targets.values():
            out |= {iri[1:-1] for k, iri in targets if k == "targetClass"}
        return out

    def sparql_comparison_risks(self) -> list[str]:
        """sh:sparql constraints that order-compare values without checking their datatype
        (rdflib's engine and Oxigraph disagree on ``xsd:date < "plain string"``)."""
        risky = []
        for key, text in self.sparql_constraints:
            if re.search(r"[^<]<[^<>\s]*\s|\s>\s|<=|>=", text) and "datatype(" not in text.lower():
                risky.append(key)
        return risky


class Validator:
    """Runs compiled shapes on a pyoxigraph Store (union of its named graphs)."""

    def __init__(self, store, shapes: Shapes, quads: Iterable | None = None, threads: int = 0):
        """``quads``: the parsed quads (pyoxigraph) that were loaded into ``store``; needed when the
        shapes check a datatype of the xsd:integer family, which the store does not keep.
        ``threads``: queries run in parallel (0: one per CPU, at most 4)."""
        self.threads = threads
        self.store = store
        self.shapes = shapes
        self._subclass_cache: dict[str, list[str]] = {}
        #: (subject, predicate) -> [(lexical form, datatype, graph)] of the parsed literals
        self.raw: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        if shapes.raw_predicates:
            if quads is None:
                raise Unsupported("the shapes check an xsd:integer-family datatype, which the Oxigraph store "
                                  "normalises: pass the parsed quads (Validator(store, shapes, quads))")
            self.add_raw(quads)

    def add_raw(self, quads: Iterable) -> None:
        """Record the parsed literals of the predicates whose datatype the store loses."""
        import pyoxigraph as ox

        preds = self.shapes.raw_predicates
        for q in quads:
            if q.predicate.value in preds and isinstance(q.object, ox.Literal):
                graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
                self.raw.setdefault((str(q.subject), q.predicate.value), []).append(
                    (q.object.value, q.object.datatype.value, graph))

    def drop_raw(self, graph: str) -> None:
        """Forget the parsed literals of the named graph ``graph`` (before it is reloaded)."""
        for key in list(self.raw):
            kept = [r for r in self.raw[key] if r[2] != graph]
            if kept:
                self.raw[key] = kept
            else:
                del self.raw[key]

    def _store_subclasses(self, cls: str) -> list[str]:
        """cls and its subclasses according to the store (the ontology graph in it) and the shapes."""
        if not self._subclass_cache:
            idx: dict[str, set[str]] = {}
            for sol in self.store.query(f"SELECT ?s ?o WHERE {{ ?s <{RDFS_SUBCLASSOF}> ?o }}",
                                        use_default_graph_as_union=True):
                idx.setdefault(sol["o"].value if hasattr(sol["o"], "value") else str(sol["o"]), set()).add(
                    str(sol["s"])[1:-1] if str(sol["s"]).startswith("<") else str(sol["s"]))
            self._subclass_cache["__idx__"] = idx  # type: ignore[assignment]
        idx = self._subclass_cache["__idx__"]  # type: ignore[assignment]
        if cls not in self._subclass_cache:
            seen = {cls}
            todo = [cls]
            while todo:
                c = todo.pop()
                for s in idx.get(c, ()):
                    if s not in seen:
                        seen.add(s)
                        todo.append(s)
            seen |= set(self.shapes._subclasses(cls))
            self._subclass_cache[cls] = sorted(seen)
        return self._subclass_cache[cls]

    def _focus_pattern(self, node_key: str, restrict: str) -> str:
        alts = []
        for kind, iri in self.shapes.targets[node_key]:
            if kind == "targetClass":
                vals = " ".join(f"<{c}>" for c in self._store_subclasses(iri[1:-1]))
                alts.append(f"{{ ?this <{RDF_TYPE}> ?focusclass . VALUES ?focusclass {{ {vals} }} }}")
            elif kind == "targetNode":
                alts.append(f"{{ BIND({iri} AS ?this) }}")
            elif kind == "targetSubjectsOf":
                alts.append(f"{{ ?this {iri} ?focusany }}")
            elif kind == "targetObjectsOf":
                alts.append(f"{{ ?focusany {iri} ?this }}")
        return f"{{ {self._focus_select(node_key, restrict, alts)} }}"

    def _values_first(self, node_key: str, path: str | None, focus: str, counts: dict[str, int]) -> bool:
        """Should a check of every focus node of ``node_key`` on ``path`` (a :attr:`_Check.driven`
        one) find its rows from the path's triples, testing each subject after (:meth:`_driven`),
        rather than select the focus nodes first? Yes when the path (one predicate) has fewer
        than four triples per focus node: its triples are then mostly the focus nodes' own, and
        reading them is cheaper than joining them with the focus nodes. A predicate that many
        classes share (``rdfs:label``, ``qg:evidence``) has far more, and is read focus first.
        Counted here, the path's triples up to that bound (``counts``: per node shape and path,
        for one validation)."""
        if path is None or not (path.startswith("<") and path.endswith(">")):
            return False
        if node_key not in counts:
            counts[node_key] = self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ {focus} }}")
        bound = 4 * counts[node_key] + 100
        key = f"{node_key} {path}"
        if key not in counts:
            counts[key] = self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT ?s WHERE {{ ?s {path} ?o }} LIMIT {bound} }} }}")
        return counts[key] < bound

    def _count(self, q: str) -> int:
        return int(next(iter(self.store.query(q, use_default_graph_as_union=True)))["n"].value)

    def _driven(self, node_key: str) -> str:
        """A filter that keeps the rows whose ``?this`` is a focus node of the node shape, for a
        check that finds its rows from the values (``?this <path> ?v``) and tests each ``?this``
        after (:meth:`_values_first` chooses it). It names each class, not a ``VALUES`` of them
        (inside ``EXISTS`` a ``VALUES`` was slower than the join it replaced). At 1M triples, the
        whole validation on 2 threads, in process, three runs of each alternated: 6.0-6.9 s of
        CPU (3.0-3.5 s wall) with every focus selected first, 4.9-5.6 s (2.7-3.1 s) with the
        choice, its counts included; the queries of ``qg:Evidence``'s checks (50,067 nodes) took
        0.13-0.74 s each focus first."""
        alts = []
        for kind, iri in self.shapes.targets[node_key]:
            if kind == "targetClass":
                alts += [f"{{ ?this <{RDF_TYPE}> <{c}> }}" for c in self._store_subclasses(iri[1:-1])]
            elif kind == "targetNode":
                alts.append(f"{{ FILTER(sameTerm(?this, {iri})) }}")
            elif kind == "targetSubjectsOf":
                alts.append(f"{{ ?this {iri} ?focusany }}")
            elif kind == "targetObjectsOf":
                alts.append(f"{{ ?focusany {iri} ?this }}")
        return f"FILTER EXISTS {{ {' UNION '.join(alts)} }}"

    def _focus_select(self, node_key: str, restrict: str, alts: list[str] | None = None) -> str:
        """``SELECT DISTINCT ?this`` of the focus nodes of a node shape (within ``restrict``)."""
        if alts is None:
            return self._focus_pattern(node_key, restrict)[2:-2]
        return f"SELECT DISTINCT ?this WHERE {{ {restrict} {' UNION '.join(alts)} }}"

    def validate(self, focus_graphs: Iterable[str] | None = None, focus_nodes: Iterable[str] = (),
                 whole: Iterable[str] = ()) -> list[Result]:
        """Validate the union graph. With ``focus_graphs`` (graph IRIs) / ``focus_nodes`` (IRIs),
        only those focus nodes: the nodes of those graphs, plus the given IRIs; and every focus
        node of the node shapes ``whole`` (their keys)."""
        # Focus nodes per node shape, computed once; a check whose node shape selects nothing is skipped.
        focus_of: dict[str, str] = {}
        every: set[str] = set()  # the node shapes whose focus is every node they target
        if focus_graphs is None:
            for node_key in self.shapes.targets:
                pattern = self._focus_pattern(node_key, "")
                if self._ask(f"ASK {{ {pattern} }}"):
                    focus_of[node_key] = pattern
                    every.add(node_key)
        else:
            graphs = list(focus_graphs)
            iris = set(focus_nodes)
            bnode_graphs = []
            bnodes: set[str] = set()
            for gname in graphs:
                nodes = self.graph_nodes(gname)
                iris |= {n[1:-1] for n in nodes if n.startswith("<")}
                if any(n.startswith("_:") for n in nodes):
                    bnode_graphs.append(gname)
                    bnodes |= {n for n in nodes if n.startswith("_:")}
            values = "VALUES ?this { " + " ".join(f"<{n}>" for n in sorted(iris)) + " }"
            types = self._types(f"<{n}>" for n in iris)
            for node_key in self.shapes.targets:
                selected = self._select_focus(node_key, iris, types)
                blank = ""
                if bnode_graphs and self._blank_focus(node_key, bnodes):
                    alts = " UNION ".join(f"{{ GRAPH <{gname}> {{ ?this ?fp ?fo }} }} UNION "
                                          f"{{ GRAPH <{gname}> {{ ?fs ?fp ?this }} }}" for gname in bnode_graphs)
                    blank = f"{{ SELECT DISTINCT ?this WHERE {{ {alts} }} }} FILTER(isBlank(?this))"
                if blank:  # blank-node focus nodes: select them with a graph pattern
                    restrict = f"{{ {{ {values} }} UNION {{ {blank} }} }}" if iris else blank
                    focus_of[node_key] = self._focus_pattern(node_key, restrict)
                elif selected:
                    focus_of[node_key] = "VALUES ?this { " + " ".join(selected) + " }"
            for node_key in whole:
                if node_key in self.shapes.targets:
                    focus_of[node_key] = self._focus_pattern(node_key, "")
                    every.add(node_key)
        jobs = []
        counts: dict[str, int] = {}  # (see _values_first)
        for chk in self.shapes.checks:
            focus = focus_of.get(chk.node_shape)
            if focus is None:
                continue
            if getattr(chk, "is_sparql", False):
                q = self._sparql_query(chk.query, focus)
            elif chk.driven and chk.node_shape in every and self._values_first(chk.node_shape, chk.path, focus, counts):
                q = chk.query.replace("{FOCUS}", "").replace("{AFTER}", self._driven(chk.node_shape))
            else:
                q = chk.query.replace("{FOCUS}", focus).replace("{AFTER}", "")
            jobs.append((chk, _SUBCLASS_SLOT.sub(self._type_union, q)))
        results: set[Result] = set()
        workers = self.threads if self.threads else min(4, os.cpu_count() or 1)
        if workers > 1 and len(jobs) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(workers) as pool:  # Oxigraph releases the GIL while it evaluates
                for part in pool.map(lambda job: self._run_check(*job), jobs):
                    results |= part
        else:
            for job in jobs:
                results |= self._run_check(*job)
        return sorted(results, key=result_order)

    def _run_check(self, chk: _Check, q: str) -> set[Result]:
        raw_dt = getattr(chk, "raw_datatype", None)
        if raw_dt is not None:
            return self._raw_check(chk, q, raw_dt)
        out = set()
        for sol in self.store.query(q, use_default_graph_as_union=True):
            this = sol["this"]
            try:
                v = sol["v"]
            except (KeyError, IndexError):
                v = None
            out.add(Result(str(this), chk.path, chk.shape, chk.severity, chk.component,
                           str(v) if v is not None else None, chk.message, chk.lang))
        return out

    def _select_focus(self, node_key: str, iris: set[str], types: dict[str, frozenset[str]]) -> list[str]:
        """The focus nodes of a node shape among ``iris`` (in Python: a VALUES list joined with a
        class pattern makes Oxigraph scan every instance of the class)."""
        import pyoxigraph as ox

        out = set()
        for kind, iri in self.shapes.targets[node_key]:
            if kind == "targetClass":
                classes = {f"<{c}>" for c in self._store_subclasses(iri[1:-1])}
                out |= {n for n in iris if types.get(f"<{n}>", frozenset()) & classes}
            elif kind == "targetNode":
                out |= {iri[1:-1]} & iris
            elif kind == "targetSubjectsOf":
                p = ox.NamedNode(iri[1:-1])
                out |= {n for n in iris if next(iter(self.store.quads_for_pattern(ox.NamedNode(n), p, None, None)), None)}
            elif kind == "targetObjectsOf":
                p = ox.NamedNode(iri[1:-1])
                out |= {n for n in iris if next(iter(self.store.quads_for_pattern(None, p, ox.NamedNode(n), None)), None)}
        return [f"<{n}>" for n in sorted(out)]

    def _blank_focus(self, node_key: str, bnodes: set[str]) -> bool:
        """Is any of these blank nodes a focus node of the node shape? (checked in Python: blank
        nodes cannot be named in a query, and a graph pattern for them is slow)."""
        import pyoxigraph as ox

        rdf_type = ox.NamedNode(RDF_TYPE)
        for kind, iri in self.shapes.targets[node_key]:
            for b in bnodes:
                node = ox.BlankNode(b[2:])
                if kind == "targetClass":
                    classes = set(self._store_subclasses(iri[1:-1]))
                    if any(q.object.value in classes for q in self.store.quads_for_pattern(node, rdf_type, None, None)
                           if isinstance(q.object, ox.NamedNode)):
                        return True
                elif kind == "targetSubjectsOf":
                    if next(iter(self.store.quads_for_pattern(node, ox.NamedNode(iri[1:-1]), None, None)), None):
                        return True
                elif kind == "targetObjectsOf":
                    if next(iter(self.store.quads_for_pattern(None, ox.NamedNode(iri[1:-1]), node, None)), None):
                        return True
        return False

    def _type_union(self, m) -> str:
        """``{ ?v a <C> } UNION { ?v a <Sub> } …`` for an instance-of test (the value variable is
        ``?v``; ``_cond`` renames it inside nested shapes, so the slot carries it)."""
        var = m.group(2)
        return " UNION ".join(f"{{ {var} <{RDF_TYPE}> <{c}> }}" for c in self._store_subclasses(m.group(1)))

    def _ask(self, q: str) -> bool:
        return bool(self.store.query(q, use_default_graph_as_union=True))

    def _raw_check(self, chk: _Check, q: str, dt: str) -> set[Result]:
        import pyoxigraph as ox

        local = dt[len(XSD):]
        lexical = re.compile(_LEXICAL.get(local, _LEXICAL["integer"]).replace("\\\\", "\\"))
        pred = chk.path[1:-1]
        out = set()
        seen = set()
        for sol in self.store.query(q, use_default_graph_as_union=True):
            this, v = str(sol["this"]), sol["v"]
            if not isinstance(v, ox.Literal):
                out.add(Result(this, chk.path, chk.shape, chk.severity, chk.component, str(v), chk.message, chk.lang))
                continue
            if this in seen:
                continue
            seen.add(this)
            for lex, ldt, _ in self.raw.get((this, pred), ()):
                if ldt != dt or not lexical.match(lex) or not _in_range(local, lex):
                    out.add(Result(this, chk.path, chk.shape, chk.severity, chk.component,
                                   f'"{lex}"^^<{ldt}>', chk.message, chk.lang))
        return out

    @staticmethod
    def _sparql_query(select: str, focus: str) -> str:
        """Bind ?this to the focus nodes: wrap the constraint's SELECT as a subquery."""
        head, _, rest = select.partition("SELECT")
        if not rest:
            raise Unsupported("sh:select without SELECT")
        return f"{head}SELECT ?this ?value WHERE {{ {focus} {{ SELECT{rest} }} }}"

    def graph_nodes(self, graph: str) -> set[str]:
        """Subjects and non-literal objects of a named graph (N-Triples strings)."""
        out = set()
        for q in self.store.quads_for_pattern(None, None, None, _named(graph)):
            out.add(str(q.subject))
            if not _is_literal(q.object):
                out.add(str(q.object))
        return out

    def _types(self, nodes: Iterable[str]) -> dict[str, frozenset[str]]:
        import pyoxigraph as ox

        out = {}
        rdf_type = ox.NamedNode(RDF_TYPE)
        for n in nodes:
            if n.startswith("<"):
                out[n] = frozenset(str(q.object) for q in self.store.quads_for_pattern(ox.NamedNode(n[1:-1]), rdf_type, None, None))
        return out

    def revalidate_graph(self, graph: str, load, previous: list[Result]) -> list[Result]:
        """Replace the named graph ``graph`` by calling ``load()`` (which must clear and refill it),
        and return the results of a full validation, computed incrementally from ``previous``."""
        before = self.graph_nodes(graph)
        types_before = self._types(before)
        self.drop_raw(graph)  # load() records the graph's literals anew (add_raw)
        load()
        self._subclass_cache.clear()
        if not self.shapes.local:
            return self.validate()
        after = self.graph_nodes(graph)
        types_after = self._types(after | set(types_before))
        changed = [n for n in set(types_before) | set(types_after)
                   if types_before.get(n) != types_after.get(n)]
        referrers: set[str] = set()
        import pyoxigraph as ox

        for n in changed:
            for q in self.store.quads_for_pattern(None, None, ox.NamedNode(n[1:-1]), None):
                if isinstance(q.subject, ox.NamedNode):
                    referrers.add(q.subject.value)
        affected = before | after | {f"<{r}>" for r in referrers}
        fresh = self.validate(focus_graphs=[graph], focus_nodes=sorted(referrers | {
            n[1:-1] for n in before if n.startswith("<")}))
        return sorted({r for r in previous if r.focus not in affected} | set(fresh), key=result_order)


_RANGES = {"positiveInteger": (1, None), "nonNegativeInteger": (0, None), "negativeInteger": (None, -1),
           "nonPositiveInteger": (None, 0), "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1),
           "short": (-2**15, 2**15 - 1), "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1),
           "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255)}


def _in_range(local: str, lex: str) -> bool:
    lo, hi = _RANGES.get(local, (None, None))
    try:
        n = int(lex)
    except ValueError:
        return False
    return (lo is None or n >= lo) and (hi is None or n <= hi)


def _short(term) -> str:
    """A shape's name for a message: its IRI, prefixed when the namespace is a known one."""
    from rdflib import BNode

    from qgraph.corpus.terms import shorten
    from qgraph.namespaces import PREFIXES

    return "(a blank node)" if isinstance(term, BNode) else shorten(str(term), dict(PREFIXES))


def _named(graph: str):
    import pyoxigraph as ox

    return ox.NamedNode(graph)


def _is_literal(term) -> bool:
    import pyoxigraph as ox

    return isinstance(term, ox.Literal)
