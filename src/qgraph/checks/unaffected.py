"""Which triples a query reads: the checks that read the default graph alone, kept across an edit
that cannot change their rows.

A SPARQL ``SELECT`` or ``ASK`` query reads the data through its triple patterns alone (those of
its ``WHERE`` clause, of its ``OPTIONAL``, ``MINUS``, ``UNION`` and ``EXISTS`` groups, of its
sub-queries and its property paths) and, for a path step that may be of length zero (``p*``,
``p?``), the nodes of the graph. Its result over a graph ``D`` is therefore its result over
``D'`` when no pattern can match a triple that is in one and not in the other: each pattern then
matches the same triples in both, and all the query computes from them is the same.
:func:`patterns` lists a query's patterns, :func:`may_match` says whether a triple could match
one of them.

The patterns are read from rdflib's parse tree of the query (not its algebra, which leaves out
the ``FILTER`` of a group nested in an ``EXISTS``), every triple block wherever it stands. A term
is an IRI that the triple must hold there, :data:`IRI_ONLY` (any IRI) or ``None`` (anything: a
variable, a blank node, a literal, which Oxigraph may compare by value). A property path counts
as one pattern per IRI in it, anything for subject and object (a single IRI, or its inverse, as
a plain pattern), and as anything at all when it may be of length zero or is a negated set.

A ``FILTER`` of a group whose top-level conjuncts require ``isIRI(?v)`` (or ``isURI``) narrows the
patterns of that group's own triple blocks (not those of its nested groups): every solution of
the group built from a match of such a pattern binds ``?v`` to the matched term, and the filter
removes it unless that term is an IRI. So ``dangling-reference`` (``?s ?p ?o FILTER(isIRI(?o))``)
reads only triples whose object is an IRI: editing a literal keeps its rows.

Anything else (another query form, a ``SERVICE``, a parse failure): ``None``, never kept.
"""

from __future__ import annotations

from typing import Any, Iterable

#: a pattern: (subject, predicate, object), each an IRI (str) that must be there, ``None``
#: (anything) or :data:`IRI_ONLY`
Pattern = tuple[Any, Any, Any]
IRI_ONLY = "<any IRI>"
_ANY: Pattern = (None, None, None)

#: expression nodes that wrap their one operand when they have nothing else
_WRAPPERS = ("ConditionalOrExpression", "ConditionalAndExpression", "RelationalExpression",
             "AdditiveExpression", "MultiplicativeExpression", "UnaryNot", "BrackettedExpression")


def patterns(text: str, prefixes: dict[str, str] | None = None) -> list[Pattern] | None:
    """Every triple pattern the query ``text`` reads with (``prefixes``: those the store adds to
    its own); ``None`` when it is not a ``SELECT`` or ``ASK`` query rdflib parses, or names a
    ``SERVICE``."""
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(text)
        prologue = translatePrologue(parsed[0], None, initNs=prefixes or {})
        query = parsed[1]
        if query.name not in ("SelectQuery", "AskQuery"):
            return None
        out: list[Pattern] = []
        _walk(query, prologue, out)
    except Exception:  # noqa: BLE001 (whatever rdflib cannot read is never kept)
        return None
    return out


def kept_patterns(memo: Any, name: str, text: str) -> list[Pattern] | None:
    """:func:`patterns` of the check ``name`` (with the project's prefixes), kept in the
    validation cache's ``memo`` under the check's text (kind ``patterns``): rdflib's parser
    takes ~0.25 s for the shipped checks, its import included, which the edit-check need not
    spend. Not counted among the cache's results used or computed."""
    from qgraph.checks.cache import combine
    from qgraph.corpus.loading import project_prefixes

    key = combine("patterns", text)
    if memo.has("patterns", name, key):
        found = memo.old["patterns"][name][1].get("found") if isinstance(memo.old["patterns"][name][1], dict) else None
        if found is None or isinstance(found, list):
            memo.put("patterns", name, key, {"found": found})
            return None if found is None else [tuple(p) for p in found]
    found = patterns(text, project_prefixes())
    memo.put("patterns", name, key, {"found": found})
    return found


def _get(node: Any, key: str) -> Any:
    """``node[key]``, ``None`` when missing (``CompValue.get`` gives the key's name instead)."""
    return dict.get(node, key)


def _plain(node: Any) -> Any:
    """An expression without the wrappers of a lone operand."""
    from rdflib.plugins.sparql.parserutils import CompValue

    while isinstance(node, CompValue) and node.name in _WRAPPERS and node.name != "UnaryNot" \
            and set(node.keys()) - {"_vars"} == {"expr"}:
        node = node["expr"]
    return node


def _iri_vars(expr: Any) -> set[str]:
    """The variables a ``FILTER`` expression requires to be IRIs, by its top-level conjuncts."""
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    expr = _plain(expr)
    if not isinstance(expr, CompValue):
        return set()
    if expr.name == "ConditionalAndExpression":
        found: set[str] = set()
        for part in [expr["expr"], *(_get(expr, "other") or [])]:
            found |= _iri_vars(part)
        return found
    if expr.name in ("Builtin_isIRI", "Builtin_isURI"):
        arg = _plain(_get(expr, "arg"))
        if isinstance(arg, Variable):
            return {str(arg)}
    return set()


def _walk(node: Any, prologue: Any, out: list[Pattern]) -> None:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        name = node.name
        if name == "ServiceGraphPattern":
            raise ValueError("SERVICE")
        if name == "GroupGraphPatternSub":
            parts = list(_get(node, "part") or [])
            iri_vars: set[str] = set()
            for part in parts:
                if isinstance(part, CompValue) and part.name == "Filter":
                    iri_vars |= _iri_vars(part["expr"])
            for part in parts:
                if isinstance(part, CompValue) and part.name == "TriplesBlock":
                    _block(part, prologue, frozenset(iri_vars), out)
                else:
                    _walk(part, prologue, out)
            return
        if name == "TriplesBlock":
            _block(node, prologue, frozenset(), out)
            return
        for key, value in node.items():
            if key != "_vars":
                _walk(value, prologue, out)
    elif isinstance(node, (list, tuple, ParseResults)):
        for value in node:
            _walk(value, prologue, out)
    elif isinstance(node, dict):
        for value in node.values():
            _walk(value, prologue, out)


def _block(block: Any, prologue: Any, iri_vars: frozenset[str], out: list[Pattern]) -> None:
    """The patterns of one triple block (its triples: subject, predicate, object, … in turn)."""
    for terms in block["triples"]:
        terms = list(terms)
        if len(terms) % 3:
            out.append(_ANY)  # not understood: reads anything
            continue
        for i in range(0, len(terms), 3):
            out.extend(_triple(terms[i], terms[i + 1], terms[i + 2], prologue, iri_vars))


def _term(t: Any, prologue: Any, iri_vars: frozenset[str]) -> Any:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef, Variable

    if isinstance(t, CompValue) and t.name == "pname":
        t = prologue.absolutize(t)
    if isinstance(t, URIRef):
        return str(prologue.absolutize(t))
    if isinstance(t, Variable) and str(t) in iri_vars:
        return IRI_ONLY
    return None


def _triple(s: Any, p: Any, o: Any, prologue: Any, iri_vars: frozenset[str]) -> list[Pattern]:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef, Variable

    if isinstance(p, (URIRef, Variable)) or (isinstance(p, CompValue) and p.name == "pname"):
        return [(_term(s, prologue, iri_vars), _term(p, prologue, iri_vars), _term(o, prologue, iri_vars))]
    steps: list[tuple[str, bool]] = []  # (IRI, inverse?)
    if not _path(p, prologue, steps, False):
        return [_ANY]
    if len(steps) == 1 and _single(p):
        iri, inverse = steps[0]
        subject, obj = (o, s) if inverse else (s, o)
        return [(_term(subject, prologue, iri_vars), iri, _term(obj, prologue, iri_vars))]
    return [(None, iri, None) for iri, _ in steps]


def _single(path: Any) -> bool:
    """Whether a path is one IRI (or its inverse), with nothing around it but the parser's
    wrappers of one alternative, one step."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    while isinstance(path, CompValue):
        parts = _get(path, "part")
        if path.name in ("PathAlternative", "PathSequence"):
            if not isinstance(parts, (list, ParseResults)) or len(parts) != 1:
                return False
            path = parts[0]
        elif path.name in ("PathElt", "PathEltOrInverse"):
            if _get(path, "mod") is not None:
                return False
            path = parts
        elif path.name == "pname":
            return True
        else:
            return False
    return True


def _path(path: Any, prologue: Any, steps: list[tuple[str, bool]], inverse: bool) -> bool:
    """The IRIs of a property path into ``steps``; ``False`` when it may read any predicate (a
    negated set) or the graph's nodes (a step of length zero: ``*``, ``?``), or is not understood."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef

    if isinstance(path, CompValue) and path.name == "pname":
        path = prologue.absolutize(path)
    if isinstance(path, URIRef):
        steps.append((str(prologue.absolutize(path)), inverse))
        return True
    if isinstance(path, (list, ParseResults)):
        return all(_path(p, prologue, steps, inverse) for p in path)
    if not isinstance(path, CompValue):
        return False
    if path.name in ("PathAlternative", "PathSequence"):
        return _path(_get(path, "part"), prologue, steps, inverse)
    if path.name == "PathElt":
        if _get(path, "mod") not in (None, "+"):
            return False
        return _path(_get(path, "part"), prologue, steps, inverse)
    if path.name == "PathEltOrInverse":
        return _path(_get(path, "part"), prologue, steps, not inverse)
    return False  # PathNegatedPropertySet, or anything else


def may_match(found: Iterable[Pattern], triple: tuple[Any, Any, Any]) -> bool:
    """Whether one of the patterns ``found`` could match ``triple`` (pyoxigraph terms)."""
    import pyoxigraph as ox

    for pattern in found:
        for want, got in zip(pattern, triple, strict=True):
            if want is None:
                continue
            if type(got) is not ox.NamedNode or (want != IRI_ONLY and want != got.value):  # == : read back from JSON
                break
        else:
            return True
    return False
