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
from typing import Any, Callable, Iterable
from urllib.parse import urljoin

#: rdflib's SPARQL parser (pyparsing) is not safe to run on several threads at once: the HTTP
#: threads of the server inspect queries one at a time
_PARSE_LOCK = threading.Lock()
#: Python's recursion limit in the processes that parse an endpoint's queries (checkers, workers)
RECURSION_LIMIT = 20_000


class Refused(Exception):
    """A request the endpoint will not evaluate: ``status`` (4xx, or 503 when it could not be
    checked in time) and a one-line message. ``transient``: the refusal says nothing of the text
    itself (no checker free, a checker's time limit), so it is not remembered."""

    def __init__(self, status: int, message: str, transient: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.transient = transient

    def __reduce__(self) -> tuple:  # sent back by a checker process (see qgraph.web.pool.Checkers)
        return Refused, (self.status, self.message, self.transient)


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


def _clause_value(value: Any) -> tuple[str, ...]:
    """A dataset clause's value as plain strings: ``("pname", prefix, local name)``, ``("iri",
    iri)`` or ``("other",)`` (sent back by a checker process as it is)."""
    from rdflib import URIRef
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(value, CompValue) and value.name == "pname":
        return "pname", str(value.get("prefix") or ""), str(value.get("localname") or "")
    if isinstance(value, URIRef):
        return "iri", str(value)
    return ("other",)


def valid_iri(iri: str) -> str | None:
    """Why ``iri`` is not an absolute IRI (RFC 3987, as pyoxigraph checks it), or None if it is."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(iri)
    except ValueError as e:
        return str(e) or "not an IRI"
    return None


def _iri(value: tuple[str, ...], prefixes: dict[str, str], base: str | None) -> str:
    if value[0] == "pname":
        ns = prefixes.get(value[1])
        if ns is None:
            raise Refused(400, f"unknown prefix {value[1]}: in a dataset clause")
        iri = ns + value[2]
    elif value[0] == "iri":
        iri = value[1]
    else:
        raise Refused(400, "a dataset clause names something that is not an IRI")
    return urljoin(base, iri) if base else iri


#: what :func:`_parse` found for a query text (it depends on the text alone), most recent last;
#: bounded by the characters of the texts it holds. Parsing is the guard's whole cost (rdflib's
#: pyparsing grammar: 3–120 ms a catalogue query), and a public endpoint is asked the same
#: questions again and again.
_PARSED: "OrderedDict[str, Any]" = OrderedDict()
_PARSED_CHARS = 0
PARSED_MAX_CHARS = 4 << 20
_MEMO_LOCK = threading.Lock()

#: parses a text the memo does not hold, where the server gives one (:class:`qgraph.web.pool.
#: Checkers`: in processes of their own, under a time limit); else :func:`_parse_uncached` here
Checker = Callable[[str], Any]


def _parse(text: str, checker: Checker | None = None) -> Any:
    """``(form, the query's own PREFIX declarations, BASE, [(named?, dataset clause value)])``
    or the :class:`Refused` that refuses ``text`` (syntax, update, SERVICE), memoised.

    ``checker``: parses ``text`` instead of this thread. rdflib's parser takes time in proportion
    to the text, and far more on some (~0.35 ms a character of ``1+1+1…``: a 250 KB query, ~90
    s), and it runs one text at a time in a process (:data:`_PARSE_LOCK`): parsed here by the
    server's request threads, one such query held up every /sparql request for its whole parse."""
    global _PARSED_CHARS
    with _MEMO_LOCK:
        if text in _PARSED:
            _PARSED.move_to_end(text)
            return _PARSED[text]
    if checker is None:
        with _PARSE_LOCK:
            outcome = _parse_uncached(text)
    else:
        outcome = checker(text)
        if isinstance(outcome, Refused) and outcome.transient:
            return outcome
    if len(text) <= PARSED_MAX_CHARS // 16:
        with _MEMO_LOCK:
            if text not in _PARSED:
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
    with _MEMO_LOCK:
        return text in _PARSED


def _parse_uncached(text: str) -> Any:
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    from qgraph.corpus.store import refuse_remote
    from qgraph.errors import QgraphError

    try:
        tree = parseQuery(text)
    except RecursionError:
        return Refused(400, "the query is nested too deeply, or has too many triple patterns in a row, "
                            "for the endpoint's query check (rdflib's parser recurses once per pattern)")
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
    clauses = [(True, _clause_value(n["named"])) if "named" in n else (False, _clause_value(n["default"]))
               for n in nodes if n.name == "DatasetClause"]
    return form, declared, base, clauses


def _checker_child() -> None:
    """Entry point of a checker process (:class:`qgraph.web.pool.Checkers`): parses each text
    it is sent and sends back what :func:`_parse_uncached` found, until its pipe closes."""
    import os
    import signal
    import sys
    from multiprocessing.connection import Connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which then ends us
    # rdflib's parser recurses once per triple pattern of a group: Python's default limit refused
    # 90 patterns in a row; 20,000 lets ~1,000 through (a process of its own: should its stack run
    # out, the checker alone stops, and is replaced)
    sys.setrecursionlimit(RECURSION_LIMIT)
    conn = Connection(int(sys.argv[1]))
    conn.recv()  # its arguments (none used)
    _parse_uncached("ASK {}")  # rdflib's grammar built before it says it is ready
    conn.send(("ready", os.getpid(), 0))
    while True:
        try:
            text = conn.recv()
        except (EOFError, OSError):
            return
        try:
            outcome = _parse_uncached(text)
        except Exception as e:  # never let one text end the loop
            outcome = Refused(400, f"the query could not be checked: {type(e).__name__}")
        try:
            conn.send(outcome)
        except (OSError, ValueError):
            return



def inspect(text: str, allowed_graphs: Iterable[str], prefixes: dict[str, str] | None = None,
            default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = (),
            checker: Checker | None = None) -> Inspected:
    """Parse ``text`` (once per text: :func:`_parse`; by ``checker`` when given) and check it;
    raises :class:`Refused` (4xx, or 503) for anything not allowed or not checked in time."""
    allowed = set(allowed_graphs)
    parsed = _parse(text, checker)
    if isinstance(parsed, Refused):
        raise Refused(parsed.status, parsed.message, parsed.transient)
    form, query_prefixes, base, clauses = parsed
    declared = {**(prefixes or {}), **query_prefixes}
    from_graphs: list[str] = []
    from_named: list[str] = []
    for named, value in clauses:
        (from_named if named else from_graphs).append(_iri(value, declared, base))
    default_graph_uris, named_graph_uris = list(default_graph_uris), list(named_graph_uris)
    for name, given in (("default-graph-uri", default_graph_uris), ("named-graph-uri", named_graph_uris)):
        for iri in given:
            if iri not in allowed and valid_iri(iri) is not None:  # a malformed parameter: the request is bad (400), not refused
                raise Refused(400, f"{name}={iri!r} is not an absolute IRI")
    # a dataset named by the request replaces the query's FROM and FROM NAMED (SPARQL 1.1
    # Protocol §2.1.4): those, never read, are not refused
    read = [*default_graph_uris, *named_graph_uris] if default_graph_uris or named_graph_uris else [
        *from_graphs, *from_named]
    for iri in read:
        if iri not in allowed:
            raise Refused(403, f"the dataset may name only this graph's own named graphs; <{iri}> is "
                               "not one of them (see /api/graphs)")
    return Inspected(form, from_graphs, from_named)
