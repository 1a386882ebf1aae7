"""``qgraph serve``: the HTTP server (standard library ``ThreadingHTTPServer``).

Why the standard library: the server answers a small, fixed graph on one machine; one thread per
connection is plenty, and the work that can hurt (a query) runs in worker processes with a
deadline (:mod:`qgraph.web.pool`), not in the request threads. A WSGI stack would add
dependencies without removing any of that work.

Thread safety: the page threads share one in-memory ``pyoxigraph.Store`` (safe for concurrent
reads) through fixed, parameterised queries; no rdflib graph is shared between threads.

Routes::

    GET  /                       explorer: search, questions, SPARQL editor, pictures
    GET  /network /timeline /map a picture on its own page
    GET  /search?q=              search results (HTML)
    GET  /.well-known/void      the dataset's VoID/DCAT description (dist/void.ttl; Turtle, JSON-LD, N-Triples)
    GET  /ontology               the ontology: documentation (HTML, dist/ontology.html) or Turtle/JSON-LD/N-Triples by Accept
    GET  /doc/ /doc/<doc-id>     the documents; one document's text with its evidence passages (web/reading.py)
    GET  /id/<local>             https://w3id.org/qgraph/id/<local>: HTML, Turtle, JSON-LD or N-Triples by Accept
    GET  /resource?iri=<IRI>     the same for any IRI of the graph
    GET|POST /sparql             SPARQL 1.1 Protocol, read-only
    GET  /api/search?q=  /api/network  /api/timeline  /api/map  /api/queries  /api/graphs   (JSON)
    GET  /static/<file>          the explorer's script and style sheet
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from qgraph.errors import QgraphError
from qgraph.web.pool import Limits

STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".json": "application/json", ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml"}
MAX_BODY = 256 * 1024  # bytes of a POST body (413 beyond)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
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

    def close(self) -> None:
        self.pool.close()


def make_app(root: Path | str | None = None, limits: Limits | None = None, quiet: bool = False) -> App:
    """Load the project at ``root``, start the query workers and warm the pages' data."""
    import pyoxigraph as ox

    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import Explorer
    from qgraph.web.pool import Pool

    limits = limits or Limits()
    loaded = load(root)
    explorer = Explorer(loaded, open_store(loaded, "oxigraph"))
    nquads = ox.serialize(loaded.quads, format=ox.RdfFormat.N_QUADS)
    pool = Pool(nquads, loaded.prefixes, explorer.graphs, limits)
    try:
        _start_workers(pool, len(loaded.quads), len(nquads), limits)
        _ = explorer.labels, explorer.types, explorer.network, explorer.timeline, explorer.places
    except BaseException:
        pool.close()
        raise
    from importlib.resources import files

    folder = files("qgraph.web") / "static"  # package data of the wheel
    static = {p.name: (p.read_bytes(), STATIC_TYPES.get(Path(p.name).suffix, "application/octet-stream"))
              for p in sorted(folder.iterdir(), key=lambda p: p.name)
              if p.is_file() and Path(p.name).suffix in STATIC_TYPES}
    return App(loaded, explorer, pool, static, quiet)


def _start_workers(pool: Any, quads: int, size: int, limits: Limits) -> None:
    """Wait until every query worker holds the graph; a worker that cannot is a clear error.

    A worker parses the whole graph (measured: ~17 s and a peak of ~1.5 GB of address space for
    1M triples, 180 MiB of N-Quads), so the wait grows with the graph: 60 s plus 1 s per MiB.
    A worker that dies while loading (most likely its address-space cap, ``Limits.memory``)
    closes its pipe; that is reported, not raised as a bare ``EOFError``."""
    cap = f"{limits.memory >> 20} MiB" if limits.memory else "no cap"
    try:
        pool.wait_ready(60.0 + size / (1 << 20))
    except (EOFError, OSError, RuntimeError) as e:
        why = "a worker stopped while loading it" if isinstance(e, EOFError) else (str(e) or type(e).__name__)
        raise QgraphError(f"the query workers could not load the graph ({quads} quads, {size >> 20} MiB of "
                          f"N-Quads; memory per worker: {cap}): {why}") from None


class Handler(BaseHTTPRequestHandler):
    server_version = "qgraph"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request
    app: App  # set on the subclass made by make_server

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if not self.app.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if ctype.startswith("text/html") and "Content-Security-Policy" not in (headers or {}):
            self.send_header("Content-Security-Policy", CSP)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8"), headers)

    def _json(self, data: Any, status: int = 200) -> None:
        body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self._send(status, "application/json; charset=utf-8", body, {"Access-Control-Allow-Origin": "*"})

    def _html(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self._send(status, "text/html; charset=utf-8", body, headers)

    def _body(self) -> bytes | None:
        """The request body, or None after answering 411/413 (the connection is then closed)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._text(411, "chunked bodies are not accepted; send a Content-Length")
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._text(400, "bad Content-Length")
            return None
        if n > self.app.max_body:
            self.close_connection = True
            self._text(413, f"request body too large: {n} bytes (at most {self.app.max_body})")
            return None
        return self.rfile.read(n)

    def _dispatch(self, method: str) -> None:
        try:
            self._route(method)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug must cost one answer, not the server
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._text(500, "internal error (logged on the server)")
            except OSError:
                pass

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._send(204, "text/plain", b"", {"Allow": "GET, HEAD, POST, OPTIONS",
                                            "Access-Control-Allow-Origin": "*",
                                            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                            "Access-Control-Allow-Headers": "Content-Type, Accept"})

    def _not_allowed(self) -> None:
        self._body()
        self.close_connection = True
        self._text(405, "method not allowed: this server is read-only (GET, HEAD, POST to /sparql)",
                   {"Allow": "GET, HEAD, POST, OPTIONS"})

    do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    # ------------------------------------------------------------------ routes
    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = parts.query
        if path in ("/sparql", "/sparql/"):
            return self._sparql(method, query)
        if method != "GET":
            self._body()
            return self._text(405, "only GET here (POST goes to /sparql)", {"Allow": "GET, HEAD"})
        params = parse_qs(query, keep_blank_values=True)
        x = self.app.explorer
        from qgraph.web import pages

        if path == "/":
            return self._html(pages.home(x))
        if path in ("/network", "/timeline", "/map"):
            return self._html(pages.picture_page(path[1:]))
        if path in ("/.well-known/void", "/ontology", "/ontology/"):
            return self._publication(path, params)
        if path in ("/doc", "/doc/") or path.startswith("/doc/"):
            return self._reading(path)
        if path == "/search":
            q = (params.get("q") or [""])[0]
            return self._html(pages.search_page(x, q, x.search(q)))
        if path.startswith("/id/"):
            from qgraph.corpus.loading import QGID

            return self._entity(QGID + unquote(path[len("/id/"):]), params)
        if path == "/resource":
            iris = params.get("iri") or []
            if len(iris) != 1 or not iris[0]:
                return self._text(400, "give exactly one iri parameter: /resource?iri=<URL-encoded IRI>")
            return self._entity(iris[0], params)
        if path.startswith("/api/"):
            return self._api(path[len("/api/"):], params)
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name in self.app.static:
                body, ctype = self.app.static[name]
                return self._send(200, ctype, body, {"Cache-Control": "max-age=300"})
        return self._html(pages.not_found(f"No page at {path}."), 404)

    def _publication(self, path: str, params: dict[str, list[str]]) -> None:
        from qgraph.web import publication as pub

        loaded = self.app.loaded
        is_doc = path.startswith("/ontology")
        vary = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
        media = pub.choose_format(self.headers.get("Accept"), (params.get("format") or [""])[0], html=is_doc)
        if media == "":
            return self._text(400, "unknown format (turtle, jsonld, ntriples" + (", html)" if is_doc else ")"), vary)
        if media is None:
            return self._text(406, "offered: " + ", ".join((["text/html"] if is_doc else []) + list(pub.RDF_OFFER)), vary)
        if media == "text/html":
            from qgraph.publish.ontology_doc import STYLE_HASH

            csp = CSP.replace("style-src 'self'", f"style-src 'self' {STYLE_HASH}")
            return self._html(pub.ontology_html(loaded), headers={**vary, "Content-Security-Policy": csp,
                                                                  "Link": '</ontology?format=turtle>; rel="alternate"; type="text/turtle"'})
        if is_doc:
            ctype, body = pub.rdf_body(media, pub.ontology_triples(loaded), self.app.explorer.prefixes)
        else:
            ctype, body = pub.rdf_body(media, pub.void_triples(loaded), self.app.explorer.prefixes, pub.void_turtle(loaded))
        return self._send(200, ctype, body, vary)

    def _reading(self, path: str) -> None:
        from qgraph.web import pages, reading

        doc_id = unquote(path[len("/doc/"):]) if path.startswith("/doc/") else ""
        if not doc_id:
            return self._html(reading.index_page(self.app.explorer))
        body = reading.page(self.app.explorer, doc_id)
        if body is None:
            return self._html(pages.not_found(f"No document {doc_id!r} in this project."), 404)
        return self._html(body)

    def _api(self, name: str, params: dict[str, list[str]]) -> None:
        x = self.app.explorer
        if name == "search":
            return self._json(x.search((params.get("q") or [""])[0]))
        if name == "network":
            return self._json(x.network)
        if name == "timeline":
            return self._json(x.timeline)
        if name == "map":
            return self._json(x.places)
        if name == "queries":
            return self._json(x.questions())
        if name == "graphs":
            return self._json({"graphs": x.graphs})
        return self._json({"error": f"no API {name!r}"}, 404)

    def _entity(self, iri: str, params: dict[str, list[str]]) -> None:
        from qgraph.web import pages, results
        from qgraph.web.negotiation import choose

        fmt = (params.get("format") or [""])[0].lower()
        if fmt and fmt not in FORMAT_PARAM:
            return self._text(400, f"unknown format {fmt!r} (html, turtle, jsonld, ntriples)")
        ctype = FORMAT_PARAM[fmt] if fmt else choose(self.headers.get("Accept"), ENTITY_OFFER)
        from qgraph.web import publication
        from qgraph.web.explorer import href

        link = publication.alternates(href(iri), {"html": "text/html", "turtle": "text/turtle",
                                                  "jsonld": "application/ld+json", "ntriples": "application/n-triples"})
        vary = {"Vary": "Accept", "Access-Control-Allow-Origin": "*", "Link": link}
        if ctype is None:
            return self._text(406, "offered: " + ", ".join(ENTITY_OFFER), vary)
        x = self.app.explorer
        if ctype == "text/html":
            e = x.entity(iri)
            if e is None:
                return self._html(pages.not_found(f"{iri} is not in this graph."), 404, vary)
            return self._html(pages.entity_page(x, e, x.blanks(iri)), headers=vary)
        if not x.exists(iri):
            return self._text(404, f"{iri} is not in this graph", vary)
        kind = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "ntriples"}[ctype]
        if kind == "jsonld":  # compacted with the project's context, as dist/qgraph.jsonld
            body = publication.compact_jsonld(self.app.loaded, x.describe(iri))
        else:
            body = results.graph(kind, x.describe(iri), x.prefixes)
        return self._send(200, ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""), body, vary)

    def _sparql(self, method: str, query: str) -> None:
        from qgraph.web.endpoint import parse_request
        from qgraph.web.negotiation import choose
        from qgraph.web.pool import Job

        cors = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}
        body = b""
        if method == "POST":
            got = self._body()
            if got is None:
                return
            body = got
        accept = self.headers.get("Accept")
        if method == "GET" and not query and choose(accept, ["application/sparql-results+json", "text/html"]) == "text/html":
            return self._send(303, "text/plain; charset=utf-8", b"see /#query\n", {"Location": "/#query"})
        job = parse_request(method, query, self.headers.get("Content-Type"), body, accept)
        if not isinstance(job, Job):
            status, ctype, payload = job
            return self._send(status, ctype, payload, cors)
        status, ctype, payload = self.app.pool.run(job)
        return self._send(status, ctype, payload, cors)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def make_server(app: App, host: str = "127.0.0.1", port: int = 8080) -> Server:
    handler = type("BoundHandler", (Handler,), {"app": app})
    try:
        return Server((host, port), handler)
    except OSError as e:
        raise QgraphError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def serve(root: Path | str | None = None, host: str = "127.0.0.1", port: int = 8080,
          limits: Limits | None = None) -> None:
    """Run the server until Ctrl-C."""
    import signal

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)  # `kill` stops the server as Ctrl-C does
    app = make_app(root, limits)
    try:
        server = make_server(app, host, port)
        shown = f"[{host}]" if ":" in host else host
        print(f"qgraph: serving http://{shown}:{server.server_address[1]}/  (SPARQL at /sparql; Ctrl-C stops)",
              file=sys.stderr, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        app.close()


class Running:
    """A server on a background thread (tests, benchmarks): ``.url``, ``.stop()``."""

    def __init__(self, root: Path | str | None = None, limits: Limits | None = None, host: str = "127.0.0.1",
                 port: int = 0, quiet: bool = True):
        self.app = make_app(root, limits, quiet=quiet)
        self.server = make_server(self.app, host, port)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="qgraph-serve")
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.app.close()

    def __enter__(self) -> "Running":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
