"""Talking to an external SPARQL 1.1 store: credentials, HTTP errors, and remote queries.

:class:`RemoteStore` runs a query at a SPARQL endpoint through SPARQLWrapper (explicit timeout,
a descriptive User-Agent, POST) and returns the same :class:`~qgraph.corpus.store.Result` of rdflib
terms as the embedded stores, so ``--format`` and the catalogue comparison work unchanged.

Parameters are never pasted into the query: each value is serialised as an RDF term (its
N-Triples form, written by pyoxigraph, which also checks IRIs) into one ``VALUES`` block
appended after the query, which is otherwise sent as written (SPARQL's trailing ``ValuesClause``, joined with the query's
pattern before projection). The finished text is parsed again to prove that the block holds
exactly the terms given.

Credentials come from the environment only (:func:`credentials`), never from the command
line, and never appear in a message: :func:`scrub` removes them from any text shown.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from qgraph._version import __version__
from qgraph.corpus.store import Result, Store, strip_query
from qgraph.errors import QgraphError
from qgraph.vocab import BASE, RDF_LANGSTRING, XSD_STRING

USER_AGENT = f"qgraph/{__version__} (SPARQL client of the qgraph knowledge graph; {BASE.rstrip('/')})"
DEFAULT_TIMEOUT = 60.0
ENV_USER = "QGRAPH_ENDPOINT_USER"
ENV_PASSWORD = "QGRAPH_ENDPOINT_PASSWORD"
ENV_TOKEN = "QGRAPH_ENDPOINT_TOKEN"
ENV_AUTH = "QGRAPH_ENDPOINT_AUTH"  # basic (default) or digest
ENV_TIMEOUT = "QGRAPH_ENDPOINT_TIMEOUT"


@dataclass(frozen=True)
class Credentials:
    """What the environment provides; ``repr`` never shows the secrets."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    scheme: str = "basic"

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password={'***' if self.password else None}, " \
               f"token={'***' if self.token else None}, scheme={self.scheme!r})"

    @property
    def secrets(self) -> list[str]:
        out = [s for s in (self.password, self.token) if s]
        if self.user and self.password:
            out.append(base64.b64encode(f"{self.user}:{self.password}".encode()).decode())
        return out

    def header(self) -> str | None:
        """The ``Authorization`` header sent up front (Basic or Bearer); None for digest/none."""
        if self.token:
            return f"Bearer {self.token}"
        if self.user and self.password is not None and self.scheme == "basic":
            return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return None


#: the largest answer ``query --endpoint`` (and push's reads) take from a store, in bytes
MAX_ANSWER_BYTES = 256 << 20


def credentials(env: dict[str, str] | None = None) -> Credentials:
    """Credentials from ``QGRAPH_ENDPOINT_USER`` + ``QGRAPH_ENDPOINT_PASSWORD`` (HTTP Basic, or
    Digest with ``QGRAPH_ENDPOINT_AUTH=digest``) or ``QGRAPH_ENDPOINT_TOKEN`` (Bearer)."""
    env = os.environ if env is None else env
    user, password, token = env.get(ENV_USER) or None, env.get(ENV_PASSWORD), env.get(ENV_TOKEN) or None
    scheme = (env.get(ENV_AUTH) or "basic").strip().lower()
    if scheme not in ("basic", "digest"):
        raise QgraphError(f"{ENV_AUTH}={scheme!r}: expected basic or digest")
    if token and user:
        raise QgraphError(f"set either {ENV_TOKEN} or {ENV_USER}/{ENV_PASSWORD}, not both")
    if user and password is None:
        raise QgraphError(f"{ENV_USER} is set but {ENV_PASSWORD} is not")
    if password and not user:
        raise QgraphError(f"{ENV_PASSWORD} is set but {ENV_USER} is not")
    for name, value in ((ENV_USER, user), (ENV_PASSWORD, password), (ENV_TOKEN, token)):
        # a header cannot carry it (a token with its line's end copied too): said here, by name,
        # never in the error of a request whose header echoed the value
        if value and any(c < " " or c == "\x7f" or ord(c) > 0xFF for c in value):
            raise QgraphError(f"{name} holds a character an HTTP header cannot carry (a line break, a control "
                              "character, or one beyond Latin-1); set it again without it")
    return Credentials(user, password, token, scheme)


def timeout_from_env(default: float = DEFAULT_TIMEOUT) -> float:
    value = os.environ.get(ENV_TIMEOUT)
    if not value:
        return default
    try:
        t = float(value)
    except ValueError:
        raise QgraphError(f"{ENV_TIMEOUT}={value!r}: expected a number of seconds") from None
    if not 0 < t < float("inf"):  # nan and inf too
        raise QgraphError(f"{ENV_TIMEOUT}={value!r}: expected a positive, finite number of seconds")
    return t


def check_url(url: str, what: str = "--endpoint") -> str:
    """An http(s) URL without credentials in it (they belong in the environment)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:  # "http://[::1" (an unclosed IPv6 address), "http://h:abc/"
        shown = re.sub(r"//[^/@]*@", "//…@", url)  # what may be credentials left out, as scrub_url does
        raise QgraphError(f"{what} {shown!r}: not a valid URL") from None
    if any(c <= " " or c == "\x7f" for c in url):
        raise QgraphError(f"{what} {scrub_url(url)!r}: a URL holds no spaces or control characters")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise QgraphError(f"{what} {scrub_url(url)!r}: expected an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise QgraphError(f"{what}: credentials in the URL are not accepted; set {ENV_USER} and "
                          f"{ENV_PASSWORD} (or {ENV_TOKEN}) in the environment")
    return url


def scrub_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def scrub(text: str, creds: Credentials | None) -> str:
    """``text`` with every secret of ``creds`` replaced by ``***``."""
    for secret in (creds.secrets if creds else []):
        text = text.replace(secret, "***")
    return text


def one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_failure(exc: BaseException, url: str, creds: Credentials | None, timeout: float) -> str:
    """One line saying why a request to ``url`` failed (never a secret)."""
    import http.client

    if isinstance(exc, urllib.error.HTTPError):
        try:
            body = exc.read().decode("utf-8", "replace")
        except Exception:  # pragma: no cover - the body could not be read: say nothing of it
            body = ""
        said = f": {one_line(scrub(body, creds), 160)}" if body.strip() else ""
        if exc.code in (401, 403):
            hint = (f"check {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}" if creds and (creds.user or creds.token)
                    else f"set {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}")
            return f"authentication refused (HTTP {exc.code}) by {url}; {hint}"
        if 300 <= exc.code < 400:
            where = exc.headers.get("Location", "") if exc.headers else ""
            return f"HTTP {exc.code} redirect from {url}" + (f" to {scrub_url(where)}; use that URL" if where else "")
        if exc.code >= 500:
            return f"the store failed (HTTP {exc.code} {exc.reason}) at {url}{said}"
        return f"the store refused the request (HTTP {exc.code} {exc.reason}) at {url}{said}"
    reason = getattr(exc, "reason", exc)
    from qgraph.remote.deadline import DeadlineExceeded

    if isinstance(reason, DeadlineExceeded) or isinstance(exc, DeadlineExceeded):
        said = reason if isinstance(reason, DeadlineExceeded) else exc
        return f"no complete answer from {url}: {said}"
    if isinstance(reason, ConnectionRefusedError):
        return f"cannot connect to {url} (connection refused)"
    if isinstance(reason, (socket.timeout, TimeoutError)) or isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer from {url} within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"cannot connect to {url} (unknown host)"
    lost = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, http.client.HTTPException)
    if isinstance(reason, lost) or isinstance(exc, lost):
        return f"the connection to {url} was lost before the store answered"
    return f"request to {url} failed ({one_line(scrub(str(reason), creds), 160)})"


# --- parameters as a VALUES block -------------------------------------------------------

_UPDATE_WORDS = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b", re.I)


def _parse(text: str) -> Any:
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        return parseQuery(text)
    except Exception as e:  # pyparsing's ParseException
        try:
            parseUpdate(text)
        except Exception:
            from qgraph.corpus.sparql_syntax import readable

            raise QgraphError(readable(str(e), text)) from None
        raise QgraphError("this is an update: query --endpoint runs queries only (push replaces graphs)") from None


def _serialise(term: Any) -> str:
    """The N-Triples form of an rdflib term, refused if a store could read it differently."""
    from rdflib import BNode, Literal, URIRef

    from qgraph.corpus.terms import to_oxigraph

    if isinstance(term, BNode) or not isinstance(term, (URIRef, Literal)):
        raise QgraphError(f"cannot bind {term!r}: only IRIs and literals can be parameters")
    try:
        text = str(to_oxigraph(term))  # pyoxigraph checks the IRI and writes N-Triples escapes
    except (ValueError, TypeError) as e:
        raise QgraphError(f"cannot bind {str(term)!r}: {one_line(str(e), 120)}") from None
    if re.search(r"\\[uU]", text):
        # SPARQL replaces \u escapes before parsing, so some stores would read another term.
        raise QgraphError(f"cannot bind {str(term)!r}: a value containing '\\u' or '\\U' cannot be passed safely")
    return text


def with_values(text: str, bindings: dict[str, Any] | None) -> str:
    """``text`` with a trailing ``VALUES (?a ?b) { (t1 t2) }`` for ``bindings`` (or unchanged).

    Refused when the query already ends in a VALUES clause, or groups its solutions and a bound
    variable is not one of the GROUP BY variables (it would no longer be in scope)."""
    from rdflib import Variable

    if not bindings:
        return text
    q = _parse(text)[1]
    if "valuesClause" in q:
        raise QgraphError("the query already ends in a VALUES clause: parameters cannot be added")
    names = sorted(bindings)
    for name in names:
        if not re.fullmatch(r"\w+", name):
            raise QgraphError(f"bad parameter name {name!r}")
    if _aggregates(q):
        keys = {str(c) for c in (q["groupby"].condition if "groupby" in q else []) if isinstance(c, Variable)}
        outside = [n for n in names if n not in keys]
        if outside:
            raise QgraphError(f"cannot bind ?{outside[0]} on a remote store: the query aggregates, and only "
                              f"GROUP BY variables ({', '.join('?' + k for k in sorted(keys)) or 'none'}) can be bound")
    terms = [_serialise(bindings[n]) for n in names]
    block = "VALUES (" + " ".join(f"?{n}" for n in names) + ") {\n  (" + " ".join(terms) + ")\n}\n"
    out = text.rstrip() + "\n" + block
    if _values_rows(out) != [{Variable(n): bindings[n] for n in names}]:
        raise QgraphError("parameters could not be bound safely")  # pragma: no cover - defence in depth
    return out


def _values_rows(text: str) -> list[dict]:
    """The rows of the query's trailing VALUES clause, as rdflib reads them."""
    from rdflib.plugins.sparql.algebra import translateQuery, translateValues

    q = _parse(text)
    translateQuery(q)  # the whole query must also translate (undeclared prefixes fail here)
    return translateValues(q[1]["valuesClause"]).res if "valuesClause" in q[1] else []


def _aggregates(q: Any) -> bool:
    if "groupby" in q or "having" in q:
        return True
    projection = q["projection"] if "projection" in q else []
    return any("expr" in p and re.search(r"\bAggregate_", repr(p["expr"])) for p in projection)


# --- the store ----------------------------------------------------------------------------


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint, queried through SPARQLWrapper (read-only)."""

    name = "remote"
    binds_any_variable = True  # its bindings are a trailing VALUES: a variable the SELECT does not return too

    def __init__(self, endpoint: str, prefixes: dict[str, str] | None = None,
                 default_graphs: list[str] | None = None, timeout: float | None = None,
                 creds: Credentials | None = None):
        self.endpoint = check_url(endpoint)
        self.prefixes = dict(prefixes or {})
        self.default_graphs = list(default_graphs or [])
        self.timeout = timeout if timeout is not None else timeout_from_env()
        self.creds = creds if creds is not None else credentials()

    def _prologue(self, text: str) -> str:
        """PREFIX lines for the project's prefixes the query uses but does not declare."""
        declared = {m.lower() for m in re.findall(r"\bPREFIX\s+([\w.-]*):", strip_query(text), re.I)}
        body = strip_query(text)
        lines = [f"PREFIX {p}: <{ns}>" for p, ns in sorted(self.prefixes.items())
                 if p and p.lower() not in declared and re.search(rf"(?<![\w.-]){re.escape(p)}:", body)]
        return "".join(line + "\n" for line in lines)

    def query(self, text: str, bindings: dict[str, Any] | None = None) -> Result:
        text = self._prologue(text) + text
        form = _parse(text)[1].name  # syntax check, and refuse updates, before any request
        text = with_values(text, bindings)
        return self._send(text, form)

    def _wrapper(self, text: str, form: str) -> Any:
        from SPARQLWrapper import DIGEST, JSON, POST, TURTLE, SPARQLWrapper

        sw = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        sw.setMethod(POST)
        sw.setTimeout(max(1, int(round(self.timeout))))
        sw.setQuery(text)
        if sw.isSparqlUpdateRequest():  # SPARQLWrapper would send it to the update endpoint
            raise QgraphError("this is an update: query --endpoint runs queries only")
        sw.setReturnFormat(TURTLE if form in ("ConstructQuery", "DescribeQuery") else JSON)
        for g in self.default_graphs:
            sw.addDefaultGraph(g)
        c = self.creds
        if c.token:
            sw.addCustomHttpHeader("Authorization", f"Bearer {c.token}")
        elif c.user:
            sw.setCredentials(c.user, c.password)
            if c.scheme == "digest":
                sw.setHTTPAuth(DIGEST)
        return sw

    def _send(self, text: str, form: str) -> Result:
        """One request, built by SPARQLWrapper and sent through a deadline-bound opener: the
        timeout is the request's total time (connect to last byte), not a per-read timeout."""
        from qgraph.remote.deadline import opener, request_deadline

        sw = self._wrapper(text, form)
        try:
            from qgraph.remote.deadline import NoRedirect

            # a redirect is reported, not followed: urllib sent the credentials on to wherever it led
            # (another host, another port), and turned the POST into a GET without the query
            handlers: list[Any] = [NoRedirect()]
            if self.creds.user and self.creds.scheme == "digest":
                mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                mgr.add_password(None, self.endpoint, self.creds.user, self.creds.password)
                handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
            request = sw._createRequest()
            with opener(request_deadline(self.timeout), *handlers).open(request) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
                ctype = response.headers.get("Content-Type", "") if response.headers else ""
            if len(body) > MAX_ANSWER_BYTES:  # read whole, then parsed, it took ~5x its size in memory
                limit = f"{MAX_ANSWER_BYTES >> 20} MiB" if MAX_ANSWER_BYTES >= 1 << 20 else f"{MAX_ANSWER_BYTES} bytes"
                raise QgraphError(f"{scrub_url(self.endpoint)} answered with more than {limit}; "
                                  "narrow the query or add a LIMIT (and page with OFFSET)")
        except QgraphError:
            raise
        except Exception as e:  # urllib, http.client, socket and SPARQLWrapper's own exceptions
            raise QgraphError(describe_failure(_unwrap(e), self.endpoint, self.creds, self.timeout)) from None
        if form in ("ConstructQuery", "DescribeQuery"):
            return _graph_result(body, ctype, self.endpoint)
        return _json_result(body, self.endpoint)


def _unwrap(e: BaseException) -> BaseException:
    """SPARQLWrapper turns 400/401/404/414/500 into its own exceptions; recover the HTTP code."""
    from SPARQLWrapper import SPARQLExceptions as X

    codes = {X.QueryBadFormed: 400, X.Unauthorized: 401, X.EndPointNotFound: 404, X.URITooLong: 414,
             X.EndPointInternalError: 500}
    for cls, code in codes.items():
        if isinstance(e, cls):
            import io

            reasons = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 414: "URI Too Long",
                       500: "Internal Server Error"}
            detail = getattr(e, "response", None) or b""
            if isinstance(detail, str):
                detail = detail.encode()
            return urllib.error.HTTPError("", code, reasons[code], None, io.BytesIO(detail))  # type: ignore[arg-type]
    return e


def _term(cell: dict[str, str]) -> Any:
    from rdflib import BNode, Literal, URIRef

    kind, value = cell.get("type"), cell.get("value")
    if not isinstance(value, str):  # every term has a "value" (SPARQL 1.1 Query Results JSON §3.2.2)
        raise ValueError(f"a {kind!r} term without a string value")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = cell.get("xml:lang") or cell.get("lang")
        if lang:
            return Literal(value, lang=lang)
        dt = cell.get("datatype")
        if dt and dt not in (XSD_STRING, RDF_LANGSTRING):
            return Literal(value, datatype=URIRef(dt))
        return Literal(value)
    if kind == "triple":  # pragma: no cover - RDF-star, not used by qgraph
        raise QgraphError("RDF-star triple terms in results are not supported")
    raise QgraphError(f"unexpected term type {kind!r} in the store's results")


def _json_result(body: bytes, url: str) -> Result:
    import json

    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise QgraphError(f"{url} did not answer with SPARQL JSON results: {one_line(body[:120].decode('utf-8', 'replace'))}") from None
    malformed = QgraphError(f"{url} answered with malformed SPARQL JSON results")
    if not isinstance(doc, dict):  # 42, null, a list
        raise malformed
    if "boolean" in doc:
        if not isinstance(doc["boolean"], bool):  # "false" is true to bool()
            raise malformed
        return Result("ask", boolean=doc["boolean"])
    try:
        names = list(doc["head"]["vars"])
        if not all(isinstance(n, str) for n in names):
            raise malformed
        rows = [tuple(_term(b[v]) if v in b else None for v in names) for b in doc["results"]["bindings"]]
    except (KeyError, TypeError, AttributeError, ValueError):  # a cell not an object; a bad language tag
        raise malformed from None
    return Result("select", names, rows)


def _refuse_xml_bombs(body: bytes, url: str) -> None:
    """An RDF/XML answer is first read by defusedxml, which refuses entity declarations
    (billion laughs, quadratic blow-up) and external entities; rdflib's parser would expand them."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree
    from defusedxml import DefusedXmlException

    try:
        defusedxml.ElementTree.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as e:
        raise QgraphError(f"{url} returned RDF/XML with a DTD or entity declarations ({type(e).__name__}); "
                          "refused: such a document can expand without bound") from None
    except ParseError as e:
        raise QgraphError(f"{url}: cannot read the RDF/XML it returned: {one_line(str(e), 120)}") from None


def _graph_result(body: bytes, ctype: str, url: str) -> Result:
    from rdflib import Graph

    fmt = "turtle"
    media = ctype.split(";")[0].strip().lower()
    if media in ("application/rdf+xml", "application/xml", "text/xml"):
        fmt = "xml"
    elif media in ("application/n-triples", "text/plain"):
        fmt = "nt"
    elif media not in ("text/turtle", "application/x-turtle", "text/n3", ""):
        raise QgraphError(f"{url} returned a graph as {media}; expected Turtle, N-Triples or RDF/XML")
    if fmt == "xml":
        _refuse_xml_bombs(body, url)
    g = Graph()
    try:
        g.parse(data=body, format=fmt)
    except Exception as e:
        raise QgraphError(f"{url}: cannot read the graph it returned ({media or 'no content type'}): {one_line(str(e), 120)}") from None
    try:
        rows = sorted((tuple(t) for t in g), key=lambda t: tuple(x.n3() for x in t))
    except Exception as e:  # rdflib: an IRI with a space it parsed, refused when written ("does not look like a valid URI")
        raise QgraphError(f"{url}: the graph it returned holds a term that is not valid RDF: {one_line(str(e), 120)}") from None
    return Result("graph", ["subject", "predicate", "object"], rows)
