"""``qgraph serve``: the HTTP server (waitress, a WSGI server) and the routes.

Why waitress, not the standard library's ``ThreadingHTTPServer`` (decided in issue 13; the
reasons are in docs/design.md, "The server"): ``ThreadingHTTPServer`` gives one thread per
connection, no connection cap, a per-read (not total) header timeout, answers a request whose
header section was cut off by the client closing, and leaves the body of a ``GET`` in the stream
to be read as the next request. waitress reads every request whole (request line, headers and
body, with size caps) in one I/O loop *before* any worker thread sees it, runs the application on
a fixed number of threads, caps the open connections and parses framing strictly (hardened
after its request-smuggling advisories). On top of it this module adds, in small subclasses:

- a request deadline (:attr:`Limits.header_timeout`): a request (headers and body) not fully
  received that long after its first byte is dropped; an idle connection is dropped as well;
- a connection cap (:attr:`Limits.max_connections`) that, when exceeded, closes the
  connections that have waited longest without a complete request, so a burst of half-open
  connections cannot crowd out clients that send their request at once;
- stricter framing: ``Transfer-Encoding`` together with ``Content-Length`` (or in HTTP/1.0) is a
  400 and the connection is closed; a chunked body gets 411 (send a ``Content-Length``).

The work that can hurt (a query) runs in worker processes with a deadline
(:mod:`qgraph.web.pool`); a query that the guard refuses is refused here, in the request thread,
before any worker or its time limit is involved (:mod:`qgraph.web.guard`); a text the guard has
not seen is parsed for it by a checker process, under a time limit of its own
(:attr:`Limits.check_timeout`, :class:`qgraph.web.pool.Checkers`), not in the request thread.

Thread safety: the page threads share one in-memory ``pyoxigraph.Store`` (safe for concurrent
reads) through fixed, parameterised queries; no rdflib graph is shared between threads.

Routes::

    GET  /                       explorer: search, questions, SPARQL editor, pictures
    GET  /network /timeline /map a picture on its own page
    GET  /query[?query=…&$var=…] the query editor (YASGUI, vendored); ?query= opens and runs that query
    GET  /search?q=              search results (HTML)
    GET  /.well-known/void      the dataset's VoID/DCAT description (dist/void.ttl; Turtle, JSON-LD, N-Triples)
    GET  /ontology               the ontology: documentation (HTML, dist/ontology.html) or Turtle/JSON-LD/N-Triples by Accept
    GET  /doc/ /doc/<doc-id>     the documents; one document's text with its evidence passages (web/reading.py)
    GET  /id/<local>             https://w3id.org/qgraph/id/<local>: HTML, Turtle, JSON-LD or N-Triples by Accept
    GET  /resource?iri=<IRI>     the same for any IRI of the graph (400 for a malformed IRI)
    GET|POST /sparql             SPARQL 1.1 Protocol, read-only; $var=value binds ?var (as query --param)
    GET  /api/search?q=  /api/network  /api/timeline  /api/map  /api/queries  /api/graphs   (JSON)
    GET  /api/coordinates?iri=…&iri=…  {iri: [lat, long, label]} of places and nations with a point
    GET  /api/labels?iri=…&iri=…       {iri: label} of those that have one (both at most MAX_LOOKUP
                                       IRIs; for static/views.js and the editor's labels beside IRIs)
    GET  /favicon.ico            the favicon (static/favicon.svg), for pages that name none
    GET  /static/<path>          the explorer's scripts, style sheets and vendored libraries (static/vendor/)
"""
from __future__ import annotations

import json
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from qgraph.errors import QgraphError
from qgraph.web.pool import Limits

STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".json": "application/json", ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml",
                ".png": "image/png", ".woff2": "font/woff2", ".map": "application/json"}
MAX_BODY = 256 * 1024  # bytes of a POST body (413 beyond)
MAX_LOOKUP = 200  # iri parameters of one /api/coordinates or /api/labels request
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: the query editor's page (/query) allows, beyond ``style-src 'self'``, exactly the styles that
#: YASGUI (static/vendor/yasgui/yasgui.min.js, 4.6.2) writes into the page itself, by their hashes:
#: the ``<style>`` element of the results table's column resizer (column-resizer, bundled), the
#: one it adds while a column is dragged, and the ``style="text-decoration:underline"`` of YASQE's
#: syntax-error tooltip (a style *attribute*, hence ``'unsafe-hashes'``, limited to that hash).
#: No ``'unsafe-inline'``; scripts stay ``'self'``. tests/test_editor.py recomputes the hashes
#: from the vendored file.
EDITOR_STYLE_HASHES = {
    "column-resizer": "sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=",
    "column-resizer-drag": "sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg=",
    "yasqe-tooltip": "sha256-EntWS0hFrz2vH7susM+dPUxvHlL6sBswmM8K80E5oUk=",
}
EDITOR_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-hashes' " + " ".join(
    f"'{h}'" for h in EDITOR_STYLE_HASHES.values()))
ENTITY_OFFER = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
FORMAT_PARAM = {"html": "text/html", "turtle": "text/turtle", "ttl": "text/turtle", "jsonld": "application/ld+json",
                "json-ld": "application/ld+json", "ntriples": "application/n-triples", "nt": "application/n-triples"}


@dataclass
class App:
    """Everything the handlers share (read-only after start-up)."""

    loaded: Any
    explorer: Any
    pool: Any
    static: dict[str, tuple[bytes, str]]
    quiet: bool = False
    max_body: int = MAX_BODY
    answers: Any = None  # the AnswerCache of /sparql (web/cache.py), made from the pool's limits
    in_flight: Any = None  # identical /sparql requests in flight merged into one evaluation (web/cache.py)
    checkers: Any = None  # parse the query texts the guard has not seen (web/pool.py Checkers); None: here

    def __post_init__(self) -> None:
        from qgraph.web.cache import AnswerCache, InFlight

        if self.answers is None:
            self.answers = AnswerCache(getattr(getattr(self.pool, "limits", None), "cache_bytes", 0))
        if self.in_flight is None:
            self.in_flight = InFlight()

    def close(self) -> None:
        self.pool.close()
        if self.checkers is not None:
            self.checkers.close()


def make_app(root: Path | str | None = None, limits: Limits | None = None, quiet: bool = False,
             progress: Callable[[str], None] | None = None, cache: bool = False) -> App:
    """Load the project at ``root``, start the query workers and warm the pages' data.

    ``cache``: the explorer's pictures kept in the corpus's cache folder are used if the corpus
    has not changed since they were worked out, and kept there otherwise
    (:mod:`qgraph.web.kept_pictures`; ``qgraph serve`` does this, but with ``--no-cache``).

    ``progress``: called with one line as each step of the start-up ends (with its time). The
    workers are started first: one process loads the whole graph (1M triples, measured alone:
    ~5.3-7 s) and each worker is forked from it (:class:`qgraph.web.pool.Pool`), and meanwhile
    this process parses the catalogue's questions, opens its own store and works out the
    explorer's pictures (~10 s alone), which waited for the workers before (start-up at 1M:
    30.5-32.0 s, then 17-19 s; 21-25 s on the slower machine of the later benchmark runs; each
    worker loading the graph itself, 20.4-21.6 s where forked workers took 15.3-15.7 s)."""
    import logging

    import pyoxigraph as ox

    from qgraph.corpus.loading import load
    from qgraph.corpus.store import OxigraphStore
    from qgraph.pipeline import Steps
    from qgraph.web import kept_pictures
    from qgraph.web.explorer import Explorer
    from qgraph.web.pool import Checkers, Pool

    # a client's ill-typed $name=value ("abc"^^xsd:integer) is answered as it is: rdflib's
    # traceback for it is noise in the server's log (as qgraph.cli silences it; the workers too)
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    step = Steps(progress)
    limits = limits or Limits()
    project, basis = None, None
    if cache:
        from qgraph.project import Project

        project = root if isinstance(root, Project) else Project.at(root)
        basis = kept_pictures.key(project)  # before the files are read (see the module)
        root = project
    loaded = load(root)
    step(f"loaded {len(loaded.quads):,} triples from {len(loaded.files)} files")
    if loaded.project is not None:
        from qgraph.web import pages

        pages.CORPUS_NAME = loaded.project.name  # after each page's title
    explorer = Explorer(loaded, None)  # its store opened below, while the workers load theirs
    nquads = ox.serialize(loaded.quads, format=ox.RdfFormat.N_QUADS)
    questions = [q["query"] for q in explorer.questions()]
    pool = Pool(nquads, loaded.prefixes, explorer.graphs, limits, known=questions)
    step(f"{max(1, limits.workers)} query worker(s) started, "
         + ("forked from one process that loads the graph" if pool.zygote is not None else "each loading the graph"))
    checkers = None
    try:
        checkers = Checkers(limits)
        # while the workers load the graph: the guard parses each catalogue question once, so
        # that the first visitor to ask one does not wait for the parse (rdflib: up to ~0.1 s);
        # each worker does the same for its own check (pool.Pool's ``known``)
        from qgraph.web.guard import remember

        remember(questions)
        kept = kept_pictures.read(project, basis) if basis is not None else None  # (while the workers load)
        # the default graph read as Oxigraph's view of the union, not a copy of the merge (1M
        # triples: this step 8-11 s -> 5.3-6.8 s beside the workers' loading, the server ~250 MiB
        # smaller): every query of the pages answers alike on both (tests/test_explorer_union.py)
        explorer.store = OxigraphStore.union_view(loaded.quads, loaded.prefixes)
        step("store (oxigraph) of the pages ready")
        if kept is not None:
            explorer.adopt(kept)
            step("the explorer's labels, network, timeline and map read from the cache (the files unchanged)")
        else:
            pictures = explorer.pictures()
            step("the explorer's labels, network, timeline and map worked out")
            if basis is not None:
                kept_pictures.write(project, basis, pictures)
        _start_workers(pool, len(loaded.quads), len(nquads), limits)
        step("query workers ready")
    except BaseException:
        pool.close()
        if checkers is not None:
            checkers.close()
        raise
    from importlib.resources import files

    static = load_static(files("qgraph.web") / "static")  # package data of the wheel
    return App(loaded, explorer, pool, static, quiet, checkers=checkers)


def load_static(folder: Any, prefix: str = "") -> dict[str, tuple[bytes, str]]:
    """Every servable file under ``folder`` (its subfolders too, e.g. ``vendor/<library>/``), keyed
    by its path relative to ``folder`` with ``/`` separators: ``/static/vendor/x/x.js``."""
    out: dict[str, tuple[bytes, str]] = {}
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.is_dir():
            out.update(load_static(p, f"{prefix}{p.name}/"))
        elif p.is_file() and Path(p.name).suffix in STATIC_TYPES:
            out[prefix + p.name] = (p.read_bytes(), STATIC_TYPES[Path(p.name).suffix])
    return out


def _start_workers(pool: Any, quads: int, size: int, limits: Limits) -> None:
    """Wait until every query worker holds the graph; a worker that cannot is a clear error.

    The process the workers are forked from (else each worker) parses the whole graph and copies
    it into its default graph (1M triples, 180 MiB of N-Quads, measured alone: ~5.3 s and ~820 MiB
    resident at its peak; copied from Python it was ~9 s and ~1.2 GiB), so the wait grows with
    the graph: 60 s plus 1 s per MiB. One that dies while loading (most likely its address-space
    cap, ``Limits.memory``) closes its pipe; that is reported, not raised as a bare ``EOFError``."""
    cap = f"{limits.memory >> 20} MiB" if limits.memory else "no cap"
    try:
        pool.wait_ready(60.0 + size / (1 << 20))
    except (EOFError, OSError, RuntimeError) as e:
        why = "a worker stopped while loading it" if isinstance(e, EOFError) else (str(e) or type(e).__name__)
        raise QgraphError(f"the query workers could not load the graph ({quads} quads, {size >> 20} MiB of "
                          f"N-Quads; memory per worker: {cap}): {why}") from None


Reply = tuple  # (status, content type, body bytes, extra headers)


@dataclass
class Request:
    """One request as the routes see it (the body already read whole by waitress)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    remote: str = ""
    version: str = "HTTP/1.1"
    server: str = "127.0.0.1"  # the address the request came to (host:port), where it names no Host


def _request(environ: dict[str, Any]) -> Request:
    uri = environ.get("REQUEST_URI") or (environ.get("PATH_INFO", "/") + (
        "?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""))
    if uri.startswith(("http://", "https://")):  # the absolute form (RFC 9112, 3.2.2)
        parts = urlsplit(uri)
        path, query = parts.path, parts.query
    else:  # the origin form: a path that begins "//" is a path, not a host (urlsplit reads a host)
        path, _, query = uri.partition("?")
        path = path.partition("#")[0]
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    for k in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(k):
            headers[k.replace("_", "-").lower()] = environ[k]
    try:
        n = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:  # pragma: no cover - waitress accepts digits only
        n = 0
    body = environ["wsgi.input"].read(n) if n > 0 else b""
    return Request(environ.get("REQUEST_METHOD", "GET").upper(), path or "/", query, headers, body,
                   environ.get("REMOTE_ADDR", ""), environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                   f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}")


#: a Host header's value (RFC 9110 §7.2: uri-host [":" port]; a reg-name, IPv4 or [IPv6])
_HOST = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=%-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?")


def _host_fault(req: Request) -> str | None:
    """Why the request's Host header is refused (RFC 9112 §3.2: a server MUST answer 400 to an
    HTTP/1.1 request without one, or with an invalid one), or ``None``."""
    host = req.headers.get("host")
    if host is None:
        return "an HTTP/1.1 request needs a Host header" if req.version == "HTTP/1.1" else None
    if not _HOST.fullmatch(host):
        from qgraph.ask.output import printable

        return f"the Host header {printable(host)!r} is not a host[:port]"
    return None


#: answers at least this long are gzipped for a client that accepts it (shorter ones gain little)
GZIP_MIN = 1024
_COMPRESSIBLE = ("text/", "application/json", "application/ld+json", "application/sparql-results",
                 "application/n-triples", "application/n-quads", "application/trig", "application/xml")


def _accepts_gzip(value: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip: named (or ``*``) with a q-value above 0
    (RFC 9110 §12.5.3: ``gzip;q=0`` says "not gzip"); an empty header asks for none."""
    from qgraph.web.negotiation import parse_accept

    if not value.strip():
        return False
    codings = {c: q for c, q, _ in parse_accept(value)}
    q = codings.get("gzip", codings.get("x-gzip", codings.get("*", 0.0)))
    return q > 0


def _conditional(req: Request, status: int, ctype: str, body: bytes,
                 headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """ETag, 304 Not Modified and gzip for a successful GET/HEAD answer.

    The entity tag is a hash of the uncompressed body and its media type (the graph does not
    change while the server runs, so the same request gives the same bytes), with ``-gzip``
    for the compressed representation: a strong tag names one representation (RFC 9110
    §8.8.3), and the gzipped and plain answers, or the same bytes as ``application/json`` and
    as ``application/sparql-results+json``, had one tag. ``If-None-Match`` naming either
    encoding's tag gets ``304`` with no body (its comparison is weak). A client that accepts
    gzip gets long textual answers compressed (``mtime=0``: the same bytes every time), with
    ``Vary: Accept-Encoding``."""
    if status != 200 or req.method not in ("GET", "HEAD"):
        return status, body, headers
    import hashlib

    digest = hashlib.sha256(ctype.encode("utf-8") + b"\n" + body).hexdigest()[:32]
    plain, zipped = f'"{digest}"', f'"{digest}-gzip"'
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    if "Accept-Encoding" not in vary:
        headers["Vary"] = ", ".join([*vary, "Accept-Encoding"])
    gzipped = _accepts_gzip(req.headers.get("accept-encoding", "")) and len(body) >= GZIP_MIN and ctype.startswith(_COMPRESSIBLE)
    headers["ETag"] = zipped if gzipped else plain
    wanted = [t.strip().removeprefix("W/") for t in req.headers.get("if-none-match", "").split(",")]
    if plain in wanted or zipped in wanted or "*" in wanted:
        return 304, b"", headers
    if gzipped:
        import gzip

        body = gzip.compress(body, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return status, body, headers


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8"), headers or {}


def _json(data: Any, status: int = 200) -> Reply:
    body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return status, "application/json; charset=utf-8", body, {"Access-Control-Allow-Origin": "*"}


def _html(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return status, "text/html; charset=utf-8", body, headers or {}


class Application:
    """The WSGI application: routes a :class:`Request` to a :data:`Reply`."""

    def __init__(self, app: App):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        req = _request(environ)
        try:
            status, ctype, body, headers = self.route(req)
        except Exception:  # a bug must cost one answer, not the server
            traceback.print_exc(file=sys.stderr)
            status, ctype, body, headers = _text(500, "internal error (logged on the server)")
        status, body, headers = _conditional(req, status, ctype, body, dict(headers))
        out = [("Content-Type", ctype), ("Content-Length", str(len(body))),
               ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
        if ctype.startswith("text/html") and "Content-Security-Policy" not in headers:
            out.append(("Content-Security-Policy", CSP))
        out += list(headers.items())
        if not self.app.quiet:
            sys.stderr.write(f"{req.remote} - \"{req.method} {req.path}{'?' if req.query else ''}{req.query[:200]}\" "
                             f"{status}\n")
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:  # pragma: no cover - every status used here is a standard one
            phrase = "Status"
        start_response(f"{status} {phrase}", out)
        return [b"" if req.method == "HEAD" else body]

    # ------------------------------------------------------------------ routes
    def route(self, req: Request) -> Reply:
        fault = _host_fault(req)
        if fault is not None:
            return _text(400, fault)
        # the methods of the resource asked for (RFC 9110 §10.2.1): POST only to the endpoint
        endpoint = req.path in ("/sparql", "/sparql/")
        allow = "GET, HEAD, POST, OPTIONS" if endpoint else "GET, HEAD, OPTIONS"
        if req.method == "OPTIONS":
            return 204, "text/plain", b"", {"Allow": allow, "Access-Control-Allow-Origin": "*",
                                            "Access-Control-Allow-Methods": "GET, POST, OPTIONS" if endpoint else "GET, OPTIONS",
                                            "Access-Control-Allow-Headers": "Content-Type, Accept"}
        if req.method not in ("GET", "HEAD", "POST"):
            return _text(405, "method not allowed: this server is read-only (GET, HEAD, POST to /sparql)",
                         {"Allow": allow})
        method = "GET" if req.method == "HEAD" else req.method
        path = req.path
        if path in ("/sparql", "/sparql/"):
            return self.sparql(req, method)
        if method != "GET":
            return _text(405, "only GET here (POST goes to /sparql)", {"Allow": allow})
        params = parse_qs(req.query, keep_blank_values=True)
        x = self.app.explorer
        from qgraph.web import pages

        if path == "/":
            return _html(pages.home(x))
        if path in ("/network", "/timeline", "/map"):
            return _html(pages.picture_page(path[1:]))
        if path in ("/query", "/query/"):
            return _html(pages.query_page(x), headers={"Content-Security-Policy": EDITOR_CSP})
        if path in ("/.well-known/void", "/ontology", "/ontology/"):
            return self.publication(req, path, params)
        if path in ("/doc", "/doc/") or path.startswith("/doc/"):
            return self.reading(path)
        if path == "/search":
            q = (params.get("q") or [""])[0]
            return _html(pages.search_page(x, q, x.search(q)))
        if path.startswith("/id/"):
            from qgraph.corpus.loading import QGID

            return self.entity(req, QGID + unquote(path[len("/id/"):]), params)
        if path == "/resource":
            iris = params.get("iri") or []
            if len(iris) != 1 or not iris[0]:
                return _text(400, "give exactly one iri parameter: /resource?iri=<URL-encoded IRI>")
            return self.entity(req, iris[0], params)
        if path.startswith("/api/"):
            return self.api(path[len("/api/"):], params)
        if path == "/favicon.ico":  # asked by browsers on pages that name none (Turtle, JSON, text)
            body, ctype = self.app.static["favicon.svg"]
            return 200, ctype, body, {"Cache-Control": "max-age=300"}
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name in self.app.static:
                body, ctype = self.app.static[name]
                return 200, ctype, body, {"Cache-Control": "max-age=300"}
        return _html(pages.not_found(f"No page at {path}."), 404)

    def publication(self, req: Request, path: str, params: dict[str, list[str]]) -> Reply:
        from qgraph.web import publication as pub

        loaded = self.app.loaded
        is_doc = path.startswith("/ontology")
        vary = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
        media = pub.choose_format(req.headers.get("accept"), (params.get("format") or [""])[0], html=is_doc)
        if media == "":
            return _text(400, "unknown format (turtle, jsonld, ntriples" + (", html)" if is_doc else ")"), vary)
        if media is None:
            return _text(406, "offered: " + ", ".join((["text/html"] if is_doc else []) + list(pub.RDF_OFFER)), vary)
        if media == "text/html":
            from qgraph.publish.ontology_doc import STYLE_HASH

            csp = CSP.replace("style-src 'self'", f"style-src 'self' {STYLE_HASH}")
            return _html(pub.ontology_html(loaded), headers={**vary, "Content-Security-Policy": csp,
                                                             "Link": '</ontology?format=turtle>; rel="alternate"; type="text/turtle"'})
        if is_doc:
            ctype, body = pub.rdf_body(media, pub.ontology_triples(loaded), self.app.explorer.prefixes)
        else:
            ctype, body = pub.rdf_body(media, pub.void_triples(loaded), self.app.explorer.prefixes, pub.void_turtle(loaded))
        return 200, ctype, body, vary

    def reading(self, path: str) -> Reply:
        from qgraph.web import pages, reading

        doc_id = unquote(path[len("/doc/"):]) if path.startswith("/doc/") else ""
        if not doc_id:
            return _html(reading.index_page(self.app.explorer))
        body = reading.page(self.app.explorer, doc_id)
        if body is None:
            return _html(pages.not_found(f"No document {doc_id!r} in this project."), 404)
        return _html(body)

    def api(self, name: str, params: dict[str, list[str]]) -> Reply:
        x = self.app.explorer
        if name == "search":
            return _json(x.search((params.get("q") or [""])[0]))
        if name == "network":
            return _json(x.network)
        if name == "timeline":
            return _json(x.timeline)
        if name == "map":
            return _json(x.places)
        if name in ("coordinates", "labels"):  # the "show as" views of a result (static/views.js)
            iris = params.get("iri") or []
            if len(iris) > MAX_LOOKUP:
                return _json({"error": f"at most {MAX_LOOKUP} iri parameters at once"}, 400)
            return _json(x.coordinates(iris) if name == "coordinates" else x.labels_of(iris))
        if name == "queries":
            return _json(x.questions())
        if name == "graphs":
            return _json({"graphs": x.graphs})
        return _json({"error": f"no API {name!r}"}, 404)

    def entity(self, req: Request, iri: str, params: dict[str, list[str]]) -> Reply:
        from qgraph.web import pages, results
        from qgraph.web.negotiation import choose

        fmt = (params.get("format") or [""])[0].lower()
        if fmt and fmt not in FORMAT_PARAM:
            return _text(400, f"unknown format {fmt!r} (html, turtle, jsonld, ntriples)")
        from qgraph.web.guard import valid_iri

        why = valid_iri(iri)
        if why is not None:
            from qgraph.ask.output import printable

            return _text(400, f"not a valid IRI: {iri!r} ({printable(why)})")  # the code point named, not written raw
        ctype = FORMAT_PARAM[fmt] if fmt else choose(req.headers.get("accept"), ENTITY_OFFER)
        from qgraph.web import publication
        from qgraph.web.explorer import href

        link = publication.alternates(href(iri), {"html": "text/html", "turtle": "text/turtle",
                                                  "jsonld": "application/ld+json", "ntriples": "application/n-triples"})
        vary = {"Vary": "Accept", "Access-Control-Allow-Origin": "*", "Link": link}
        if ctype is None:
            return _text(406, "offered: " + ", ".join(ENTITY_OFFER), vary)
        x = self.app.explorer
        if ctype == "text/html":
            e = x.entity(iri)
            if e is None:
                return _html(pages.not_found(f"{iri} is not in this graph."), 404, vary)
            return _html(pages.entity_page(x, e, x.blanks(iri)), headers=vary)
        if not x.exists(iri):
            return _text(404, f"{iri} is not in this graph", vary)
        kind = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "ntriples"}[ctype]
        if kind == "jsonld":  # compacted with the project's context, as dist/qgraph.jsonld
            body = publication.compact_jsonld(self.app.loaded, x.describe(iri))
        else:
            body = results.graph(kind, x.describe(iri), x.prefixes)
        return 200, ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""), body, vary

    def service_description(self, req: Request) -> list[Any]:
        """This endpoint as a SPARQL 1.1 Service Description: its address (as the request named
        the host), the language, the result formats it offers, its default graph (the union of
        the named graphs) and each named graph."""
        import pyoxigraph as ox

        from qgraph.vocab import RDF_TYPE, SD
        from qgraph.web import results
        from qgraph.web.results import FORMAT_IRIS

        host = req.headers.get("host") or req.server  # a valid host[:port] (route refuses others)
        svc, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")

        def t(s: Any, p: str, o: Any) -> Any:
            return ox.Triple(s, ox.NamedNode(p), o)

        out = [t(svc, RDF_TYPE, ox.NamedNode(SD + "Service")),
               t(svc, SD + "endpoint", ox.NamedNode(f"http://{host}/sparql")),
               t(svc, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query")),
               t(svc, SD + "feature", ox.NamedNode(SD + "UnionDefaultGraph")),
               t(svc, SD + "defaultDataset", dataset),
               t(dataset, RDF_TYPE, ox.NamedNode(SD + "Dataset")),
               t(dataset, SD + "defaultGraph", default),
               t(default, RDF_TYPE, ox.NamedNode(SD + "Graph"))]
        offered = dict.fromkeys(results.SELECT_OFFER + results.ASK_OFFER + results.GRAPH_OFFER)
        out += [t(svc, SD + "resultFormat", ox.NamedNode(FORMAT_IRIS[m])) for m in offered if m in FORMAT_IRIS]
        for k, g in enumerate(self.app.explorer.graphs):
            named = ox.BlankNode(f"graph{k}")
            out += [t(dataset, SD + "namedGraph", named), t(named, RDF_TYPE, ox.NamedNode(SD + "NamedGraph")),
                    t(named, SD + "name", ox.NamedNode(g))]
        return out

    def sparql(self, req: Request, method: str) -> Reply:
        from qgraph.web.endpoint import parse_request
        from qgraph.web.guard import Refused, inspect
        from qgraph.web.negotiation import choose
        from qgraph.web.pool import Job

        cors = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}
        accept = req.headers.get("accept")
        if method == "GET" and not req.query and choose(accept, ["application/sparql-results+json", "text/html"]) == "text/html":
            return 303, "text/plain; charset=utf-8", b"see /query\n", {"Location": "/query"}
        if method == "GET" and not req.query:
            # the service description (SPARQL 1.1 Service Description §2: a GET without a query
            # string); it was a 400
            from qgraph.vocab import SD
            from qgraph.web import results

            ctype = choose(accept, results.GRAPH_OFFER)
            # asking for SPARQL results, a client forgot its query (400 below); asking for a format
            # offered for nothing, only the format is at fault (it was a 400, "missing the query")
            if ctype is None and choose(accept, results.SELECT_OFFER + results.ASK_OFFER) is None:
                return (*_text(406, "a GET without a query asks for the service description, offered as "
                                    f"{', '.join(results.GRAPH_OFFER)}; a query goes in …/sparql?query=SELECT …")[:3],
                        cors)
            if ctype is not None:
                body = results.graph(results.GRAPH_TYPES[ctype], self.service_description(req),
                                     {"sd": SD, "formats": results.FORMATS_NS})
                return 200, ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""), body, cors
        body = req.body if method == "POST" else b""
        job = parse_request(method, req.query, req.headers.get("content-type"), body, accept)
        if not isinstance(job, Job):
            status, ctype, payload = job
            return status, ctype, payload, cors
        # the guard, here and not only in the worker: a refusal must not wait for a free worker
        # nor run under a query's time limit (it stays a 403 when every worker is busy). A text
        # it has not seen is parsed by a checker process, under a time limit of its own
        try:
            form = inspect(job.query, self.app.explorer.graphs, self.app.loaded.prefixes, job.default_graphs,
                           job.named_graphs, checker=self.app.checkers).form
        except Refused as e:
            status, ctype, payload = _text(e.status, e.message)[:3]
            return status, ctype, payload, cors
        if job.params:  # $name=value: bound as `qgraph query --param` binds (the engine substitutes)
            from qgraph.ask.catalogue import bind

            try:
                job.bindings = bind(job.query, job.params, self.app.loaded.prefixes)
            except QgraphError as e:
                status, ctype, payload = _text(400, f"parameter: {e}")[:3]
                return status, ctype, payload, cors
        # the answer depends on Accept only through the type negotiated for the query's form
        # (as the worker negotiates it), so clients that word Accept differently share answers
        from qgraph.web import results

        offer = {"SELECT": results.SELECT_OFFER, "ASK": results.ASK_OFFER}.get(form, results.GRAPH_OFFER)
        negotiated = choose(job.accept, offer)
        key = (job.query, negotiated, tuple(job.default_graphs), tuple(job.named_graphs), job.dataset_given,
               tuple(sorted(job.params.items())))
        from qgraph.ask.kept_answers import keepable

        # NOW(), RAND(), UUID(), STRUUID(), BNODE(): a new value at each evaluation (SPARQL 1.1
        # Query §17.4), so such an answer is neither kept nor shared with a request in flight
        shared = negotiated is not None and keepable(job.query)
        hit = self.app.answers.get(key) if shared else None
        if hit is not None:
            status, ctype, payload = hit
            return status, ctype, payload, cors
        if not shared:  # not acceptable (the worker says so, 406), or an answer of its own
            status, ctype, payload = self.app.pool.run(job)
            return status, ctype, payload, cors

        def evaluate() -> tuple:
            reply = self.app.pool.run(job)
            status, ctype, payload = reply
            if status == 200 and ctype.split(";")[0] == negotiated:
                self.app.answers.put(key, reply, len(payload) + len(job.query))
            return reply

        # the same request already being evaluated: wait for that answer rather than for a worker
        status, ctype, payload = self.app.in_flight.run(key, evaluate, _text(500, "the query failed; try again")[:3])
        return status, ctype, payload, cors


# ---------------------------------------------------------------------- waitress, hardened

def _waitress_classes() -> tuple[type, type]:
    """The parser, channel and server subclasses (built on first use: waitress is imported late,
    so that ``qgraph --help`` does not pay for it)."""
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError
    from waitress.server import TcpWSGIServer
    from waitress.utilities import Error

    class LengthRequired(Error):
        code = 411
        reason = "Length Required"

    class URITooLong(Error):
        code = 414
        reason = "URI Too Long"

    class Parser(HTTPRequestParser):
        """waitress's parser, stricter about how a body is framed."""

        def __init__(self, adj: Any):
            super().__init__(adj)
            self.started = time.monotonic()  # the first byte of this request (the deadline counts from here)
            self.line_ended = False  # the request line's end received

        def received(self, data: bytes) -> int:
            if not self.line_ended and b"\n" in data:
                self.line_ended = True
            consumed = super().received(data)
            # the header limit reached before the request line ended: its target is what is too long
            # (RFC 9110 §15.5.15: 414), not the header fields (431, waitress's answer)
            if self.error is not None and self.error.code == 431 and not self.line_ended:
                self.error = URITooLong(f"the request line is longer than {self.adj.max_request_header_size} bytes "
                                        "(send a long query by POST)")
            return consumed

        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if (self.chunked or "TRANSFER_ENCODING" in self.headers) and "CONTENT_LENGTH" in self.headers:
                raise ParsingError("both Transfer-Encoding and Content-Length: ambiguous message framing")
            if "TRANSFER_ENCODING" in self.headers:  # waitress honours it in HTTP/1.1 only
                raise ParsingError("Transfer-Encoding in an HTTP/1.0 request")
            if self.chunked:
                self.chunked = False
                self.body_rcv = None
                self.error = LengthRequired("chunked bodies are not accepted; send a Content-Length")

    class Channel(HTTPChannel):
        parser_class = Parser

        def __init__(self, *args: Any, **kw: Any):
            super().__init__(*args, **kw)
            self.opened = time.monotonic()

    class Server(TcpWSGIServer):
        channel_class = Channel
        header_timeout = 10.0
        max_connections = 100

        def _waiting(self) -> list[Any]:
            """Open channels with no request being served, the longest-waiting first."""
            chans = [c for c in list(self.active_channels.values()) if not c.will_close and not c.requests]
            return sorted(chans, key=lambda c: c.request.started if c.request is not None else c.opened)

        def maintenance(self, now: float) -> None:
            super().maintenance(now)  # idle connections (channel_timeout)
            cutoff = time.monotonic() - self.header_timeout
            for c in self._waiting():
                if c.request is not None and not c.request.completed and c.request.started < cutoff:
                    c.will_close = True  # the request did not arrive in time

        def handle_accept(self) -> None:
            super().handle_accept()
            open_ = [c for c in list(self.active_channels.values()) if not c.will_close]
            excess = len(open_) - self.max_connections
            if excess > 0:
                for c in self._waiting()[:excess]:
                    c.will_close = True

    return Server, LengthRequired


class Server:
    """waitress bound to ``host:port``; :meth:`run` serves until :meth:`stop` (or Ctrl-C)."""

    def __init__(self, app: App, host: str, port: int, limits: Limits):
        import math

        server_class, _ = _waitress_classes()
        self._stop = threading.Event()
        if app.quiet:  # tests and benchmarks: no queue-depth or socket-error chatter
            import logging

            logging.getLogger("waitress").setLevel(logging.ERROR)
        try:
            self.server = server_class(
                # server_name: where a request names no Host (HTTP/1.0), the address it came to
                # (waitress's own default, "waitress.invalid", went into the service description)
                Application(app), host=host, port=port, ident="qgraph", threads=max(1, limits.threads), server_name=host,
                connection_limit=2 * limits.max_connections + 16, channel_timeout=max(1, math.ceil(limits.header_timeout)),
                cleanup_interval=1, max_request_body_size=app.max_body + 1, max_request_header_size=64 * 1024,
                log_socket_errors=not app.quiet, expose_tracebacks=False, clear_untrusted_proxy_headers=True)
        except OSError as e:
            raise QgraphError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
        except ValueError as e:  # waitress: "Invalid host/port specified." (--host 'not a host')
            raise QgraphError(f"cannot listen on {host}:{port}: {e}") from None
        self.server.header_timeout = limits.header_timeout
        self.server.max_connections = limits.max_connections
        self.server_address = (self.server.effective_host, int(self.server.effective_port))

    def run(self) -> None:
        from waitress import wasyncore

        while not self._stop.is_set():
            wasyncore.loop(timeout=0.2, map=self.server._map, use_poll=True, count=1)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        from waitress import wasyncore

        self._stop.set()
        self.server.task_dispatcher.shutdown()
        wasyncore.close_all(self.server._map)


def make_server(app: App, host: str = "127.0.0.1", port: int = 8080, limits: Limits | None = None) -> Server:
    return Server(app, host, port, limits or app.pool.limits)


def serve(root: Path | str | None = None, host: str = "127.0.0.1", port: int = 8080,
          limits: Limits | None = None, progress: Callable[[str], None] | None = None,
          cache: bool = False) -> None:
    """Run the server until Ctrl-C (``progress``, ``cache``: as for :func:`make_app`)."""
    import signal

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)  # `kill` stops the server as Ctrl-C does
    app = make_app(root, limits, progress=progress, cache=cache)
    try:
        server = make_server(app, host, port)
        shown = f"[{host}]" if ":" in host else host
        print(f"qgraph: serving http://{shown}:{server.server_address[1]}/  (SPARQL at /sparql; Ctrl-C stops)",
              file=sys.stderr, flush=True)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
    finally:
        app.close()


class Running:
    """A server on a background thread (tests, benchmarks): ``.url``, ``.stop()``."""

    def __init__(self, root: Path | str | None = None, limits: Limits | None = None, host: str = "127.0.0.1",
                 port: int = 0, quiet: bool = True):
        self.app = make_app(root, limits, quiet=quiet)
        try:
            self.server = make_server(self.app, host, port)
        except BaseException:
            self.app.close()
            raise
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="qgraph-serve")
        self.thread.start()

    def stop(self) -> None:
        self.server.stop()
        self.thread.join(30)
        self.server.close()
        self.app.close()

    def __enter__(self) -> "Running":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
