"""Inspect a SPARQL request before anything is evaluated, and refuse what a read-only public
endpoint must not run.

The query is *parsed* (rdflib's SPARQL 1.1 parser) and the parse tree inspected:

- an update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP`` …) is refused (403);
- ``SERVICE`` anywhere in the query is refused (403): the engine would fetch the IRI;
- ``FROM`` / ``FROM NAMED`` and the protocol's ``default-graph-uri`` / ``named-graph-uri`` may
  name only the graph's own named graphs (403 otherwise).

A keyword scan over the query with strings, IRIs and comments removed
(:func:`qgraph.corpus.store.refuse_remote`) is kept as a second line for ``SERVICE``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urljoin

#: rdflib's SPARQL parser (pyparsing) is not safe to run on several threads at once: the HTTP
#: threads of the server inspect queries one at a time
_PARSE_LOCK = threading.Lock()


class Refused(Exception):
    """A request the endpoint will not evaluate: ``status`` (4xx) and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Inspected:
    """What the parse tells: the query form and the dataset named in the query."""

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    from_graphs: list[str]
    from_named: list[str]


_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
          "DescribeQuery": "DESCRIBE"}


def _walk(node: Any) -> Iterable[Any]:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, CompValue):
            yield n
            stack.extend(n.values())
        elif isinstance(n, (list, tuple, ParseResults)):
            stack.extend(n)


def _iri(value: Any, prefixes: dict[str, str], base: str | None) -> str:
    from rdflib import URIRef
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(value, CompValue) and value.name == "pname":
        ns = prefixes.get(value.get("prefix") or "")
        if ns is None:
            raise Refused(400, f"unknown prefix {value.get('prefix') or ''}: in a dataset clause")
        iri = ns + (value.get("localname") or "")
    elif isinstance(value, URIRef):
        iri = str(value)
    else:
        raise Refused(400, "a dataset clause names something that is not an IRI")
    return urljoin(base, iri) if base else iri


#: what :func:`_parse` found for a query text (it depends on the text alone), most recent last;
#: bounded by the characters of the texts it holds. Parsing is the guard's whole cost (rdflib's
#: pyparsing grammar: 3–120 ms a catalogue query, under one lock for every HTTP thread), and a
#: public endpoint is asked the same questions again and again.
_PARSED: "OrderedDict[str, Any]" = OrderedDict()
_PARSED_CHARS = 0
PARSED_MAX_CHARS = 4 << 20


def _parse(text: str) -> Any:
    """``(form, the query's own PREFIX declarations, BASE, [(named?, dataset clause value)])``
    or the :class:`Refused` that refuses ``text`` (syntax, update, SERVICE), memoised."""
    global _PARSED_CHARS
    with _PARSE_LOCK:
        if text in _PARSED:
            _PARSED.move_to_end(text)
            return _PARSED[text]
        outcome = _parse_uncached(text)
        if len(text) <= PARSED_MAX_CHARS // 16:
            _PARSED[text] = outcome
            _PARSED_CHARS += len(text)
            while _PARSED_CHARS > PARSED_MAX_CHARS:
                old, _ = _PARSED.popitem(last=False)
                _PARSED_CHARS -= len(old)
        return outcome


def remember(texts: Iterable[str]) -> None:
    """Parse ``texts`` into the memo now (the server's start-up: the catalogue's questions)."""
    for text in texts:
        _parse(text)


def remembered(text: str) -> bool:
    """Whether the memo holds ``text`` (parsed already)."""
    with _PARSE_LOCK:
        return text in _PARSED


def _parse_uncached(text: str) -> Any:
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    from qgraph.corpus.store import refuse_remote
    from qgraph.errors import QgraphError

    try:
        tree = parseQuery(text)
    except RecursionError:
        return Refused(400, "the query is nested too deeply")
    except Exception as query_error:  # pyparsing's ParseException, or a bad escape
        try:
            parseUpdate(text)
        except Exception:
            from qgraph.corpus.sparql_syntax import readable

            return Refused(400, readable(str(query_error), text))
        return Refused(403, "this endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, "
                            "CLEAR, DROP, CREATE …) are not accepted")
    nodes = list(_walk(tree))
    if any(n.name == "ServiceGraphPattern" for n in nodes):
        return Refused(403, "SERVICE is not allowed: this endpoint answers from its own graph only")
    try:
        refuse_remote(text)
    except QgraphError as e:
        return Refused(403, str(e))
    declared: dict[str, str] = {}
    base = None
    for n in nodes:
        if n.name == "PrefixDecl":
            declared[str(n.get("prefix") or "")] = str(n.get("iri"))
        elif n.name == "Base":
            base = str(n.get("iri"))
    form = next((_FORMS[n.name] for n in nodes if n.name in _FORMS), None)
    if form is None:
        return Refused(400, "not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    clauses = [(True, n["named"]) if "named" in n else (False, n["default"])
               for n in nodes if n.name == "DatasetClause"]
    return form, declared, base, clauses



def inspect(text: str, allowed_graphs: Iterable[str], prefixes: dict[str, str] | None = None,
            default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = ()) -> Inspected:
    """Parse ``text`` (once per text: :func:`_parse`) and check it; raises :class:`Refused` (4xx)
    for anything not allowed."""
    allowed = set(allowed_graphs)
    parsed = _parse(text)
    if isinstance(parsed, Refused):
        raise Refused(parsed.status, parsed.message)
    form, query_prefixes, base, clauses = parsed
    declared = {**(prefixes or {}), **query_prefixes}
    from_graphs: list[str] = []
    from_named: list[str] = []
    for named, value in clauses:
        (from_named if named else from_graphs).append(_iri(value, declared, base))
    for iri in [*from_graphs, *from_named, *default_graph_uris, *named_graph_uris]:
        if iri not in allowed:
            raise Refused(403, f"the dataset may name only this graph's own named graphs; <{iri}> is "
                               "not one of them (see /api/graphs)")
    return Inspected(form, from_graphs, from_named)
