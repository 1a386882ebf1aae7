"""The ``qgraph`` command: argparse only; every command is one call into the library.

Exit codes: 0 ok; 1 the data does not conform; 2 usage or tool error (one line, no traceback).
Nothing from the RDF stack is imported until a command runs, and ``qgraph --help``, ``-h``,
``--version``, ``qgraph COMMAND --help`` and a bare ``qgraph`` are answered from the pre-rendered
qgraph/_help.py (scripts/gen_help.py) without importing argparse, so they start quickly.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start-up
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from pathlib import Path
    from typing import Any

EXIT_OK, EXIT_NONCONFORMANT, EXIT_ERROR = 0, 1, 2
QUERY_FORMATS = ("table", "csv", "tsv", "json", "turtle", "ntriples")
EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")  # = qgraph.publish.exports.FORMATS
FRAMES = ("agreements", "forums", "meetings", "people")  # = qgraph.publish.jsonld.FRAMES
STORES = ("oxigraph", "rdflib")  # = qgraph.corpus.store.BACKENDS
VALIDATORS = ("fast", "pyshacl")  # = qgraph.checks.validation.VALIDATORS

MAIN_HELP = """\
qgraph builds, checks and serves a knowledge graph of quantum diplomacy in which every fact
is traced to the passage of its source document.

examples:
  qgraph init my-corpus             make a new corpus folder
  qgraph new my-doc --source t.txt  add a document (its text and a data file)
  qgraph propose my-doc             draft its facts with their passages, for review
  qgraph build                      check everything and write dist/
  qgraph validate                   the same checks, problems with file:line
  qgraph queries                    list the competency questions
  qgraph query qdg-members          run one
  qgraph show Denmark               an entity card with its evidence

exit codes: 0 ok, 1 the data does not conform, 2 usage or tool error,
  130 stopped by Ctrl-C, 143 stopped by kill (SIGTERM)
"""

COMMANDS = {
    "init": ("make a new corpus folder that builds at once", """\
Writes qgraph.toml (the marker that makes DIR a corpus), README.md, data/ and data/sources/
(with the attribution table). qgraph then finds the corpus from DIR and every folder below it.
Nothing is overwritten: an existing qgraph.toml is an error (exit 2).

examples:
  qgraph init my-corpus && cd my-corpus && qgraph build
  qgraph init . --name "Nordic quantum statements"
"""),
    "new": ("add a document: its text, its attribution row and a data file that builds at once", """\
Copies FILE byte for byte to data/sources/DOC_ID.txt, adds its row to data/sources/README.md
and writes data/DOC_ID.ttl: the prefixes and the document node (qg:SourceDocument with its
identifier, title, --url as qg:copySource, --licence or qg:licenceStated false, and
--completeness as qg:textCompleteness), each with evidence quoting the text. The build is green
right after; without --completeness it warns that the document does not say whether its text
is complete, an excerpt or damaged (a copy does not tell qgraph: you do).
Nothing is overwritten: an existing text or data file is an error (exit 2).

examples:
  qgraph new us-sweden-statement --source statement.txt --title "Joint statement" --url https://...
  qgraph new uk-mou --source mou.txt --licence https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/
"""),
    "quote": ("check a passage against a document's text and print its selector", """\
Found once: prints the selector (oa:exact, and oa:prefix/oa:suffix only when needed) and its
line in the text (exit 0). Found several times: each place with the shortest oa:prefix or
oa:suffix that picks it alone (exit 1). Not found: the nearest passage of the text and the
first character that differs, named (a curly ’ U+2019 in the text, a straight ' U+0027 in the
quote) (exit 1). The same matcher as the build: strict, except that a whitespace run in the
quote matches any whitespace run, and a page break in the text may match nothing.

examples:
  qgraph quote us-sweden-statement "The United States of America and Sweden intend"
"""),
    "propose": ("draft the facts a document states, each with its passage, for review", """\
Reads data/sources/DOC_ID.txt and writes a Turtle draft (stdout, or --out FILE; never a data
file: the build does not load drafts): mentions of the nations, forums, organisations, people,
offices, places and concepts the graph knows, by every label and alternative name, with their
IRIs; new things with a proposed IRI, marked new; dates (absolute, partial without a year,
relative only against a date the text states, else flagged); amounts with their currency;
ordinals; lists of nations; quotations with their speaker; the meeting or agreement the text
is about. Every proposal carries a selector checked against the text and a confidence; a
proposal whose passage does not anchor is dropped and counted. Offline and deterministic.
--extractor MODULE:FUNCTION adds an external extractor's proposals (checked the same way).

examples:
  qgraph propose us-sweden-statement
  qgraph propose us-sweden-statement --out drafts/us-sweden-statement.proposed.ttl
  qgraph propose my-doc --extractor my_llm_plugin:extract
"""),
    "build": ("check the data and write every export into DIR", """\
Loads the ontology and data/*.ttl, checks every evidence quote against data/sources/,
validates with SHACL (ontology/shapes.ttl) and the queries/checks/ queries, then writes
qgraph.ttl, .nt, .nq, .trig, .jsonld, context.jsonld and framed/*.jsonld into DIR.
Nothing is written if a check finds a violation (exit 1).

SHACL runs on the fast validator (SHACL Core as SPARQL on Oxigraph); --validator pyshacl
uses pySHACL, the reference (slower; both report the same problems).

With the cache (.qgraph-cache/), the build keeps what `qgraph validate` keeps: each
check's results, the counts `qgraph stats` prints, and, once the build has answered,
the validated store (written by a process of its own, also when the build is refused
for violations; $QGRAPH_KEEP_STORE: later (default), now or off), so that
`qgraph validate` after an edit reads the changed files alone.

example:
  qgraph build --out dist
"""),
    "validate": ("run every check; report problems with file and line", """\
The cache (.qgraph-cache/) keeps each step's results by the hashes of what it read.
After a whole validation, a process of its own writes the validated store to
.qgraph-cache/store/ once the verdict is out; the next run after an edit of a few
data files opens it and parses only those files. $QGRAPH_KEEP_STORE: later
(default), now (before answering) or off.

example:
  qgraph validate
  qgraph validate --format json > report.json
  qgraph validate --format jsonld > report.jsonld     # the SHACL report as JSON-LD
  qgraph validate --validator pyshacl          # the reference SHACL validator
  qgraph validate --progress                   # each step and its time, on stderr
"""),
    "query": ("run a competency question, a .rq file or a query on stdin", """\
Parameters are bound to the query's variables (never pasted into its text). A value is an
IRI <https://...>, a prefixed name qgid:denmark, a literal "Denmark"@en or "5"^^xsd:integer,
or plain text (a plain literal). The project's prefixes are predeclared.

examples:
  qgraph query qdg-members
  qgraph query qdg-members --param nation=qgid:denmark --format csv
  echo 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | qgraph query -

Each answer is kept in the cache folder (.qgraph-cache/answers/ at the corpus root): while no
file of the corpus changes, the same question (text, parameters, format, table width) is
answered from there without reading the corpus. A query calling NOW, RAND, UUID, STRUUID or
BNODE, or naming a SERVICE, is never kept; nor is anything with --no-cache, --store rdflib or
--endpoint. Kept answers from another version of qgraph, or damaged, are never used.

With --endpoint URL the query runs at that SPARQL endpoint (through SPARQLWrapper) instead of
on the local graph; parameters are then sent as a VALUES block of RDF terms. The store must show
the union of the named graphs as its default graph (docs/external-stores.md in qgraph's source
repository says how, store by store), or name the graphs with --default-graph. Credentials:
QGRAPH_ENDPOINT_USER and QGRAPH_ENDPOINT_PASSWORD (or QGRAPH_ENDPOINT_TOKEN) in the environment.

  qgraph query qdg-members --endpoint http://127.0.0.1:7878/query
"""),
    "queries": ("list the competency questions with their summaries", """\
example:
  qgraph queries
"""),
    "show": ("an entity card: types, labels, facts both ways, evidence passages", """\
ENTITY is an IRI, a prefixed name or a label (case-insensitive).

Each card is kept in the cache folder (.qgraph-cache/answers/ at the corpus root): while no file
of the corpus changes, the same ENTITY is shown from there without reading the corpus.
--no-cache neither reads nor writes it; nor does --store rdflib.

examples:
  qgraph show qgid:denmark
  qgraph show "Liz Kendall"
"""),
    "export": ("write the whole graph in one format", """\
Without --out the export goes to stdout. JSON-LD also writes context.jsonld beside --out.

examples:
  qgraph export --format trig --out dist/qgraph.trig
  qgraph export --format jsonld --frame agreements --out agreements.jsonld
"""),
    "link": ("rebuild the link and enrichment graphs; refresh them from Wikidata", """\
Offline (default): writes data/links/links.ttl from accepted.sssom.tsv and
data/links/enrichment.ttl from the shipped cache enrichment-cache.json.
--refresh asks the endpoint again (memberships, capitals, coordinates, and whether each
linked item still exists or was redirected), prints what changed and rewrites the cache
and both graphs atomically; a failed refresh leaves every file as it was.
--suggest proposes Wikidata candidates for unlinked entities into
data/links/candidates.sssom.tsv, for review; nothing unreviewed enters the graph.

examples:
  qgraph link
  qgraph link --refresh
  qgraph link --refresh --endpoint http://127.0.0.1:7878/query
  qgraph link --suggest
"""),
    "reuse": ("find passages one document shares with another; write the text-reuse graph", """\
Compares the text units of every two documents (provisions, recitals, guiding principles,
commitments, lists of principles) by word 3-shingles and Jaccard similarity and writes the
pairs scoring 0.1 or more to data/links/text-reuse.ttl (its own named graph, text-reuse),
each with both passages, the score and the method.
Run it after adding or changing a document. --check writes nothing and exits 1 when the file
is not what the documents give.

examples:
  qgraph reuse
  qgraph reuse --check
  qgraph query cross-provision-reuse --param agreement=qgid:doc-uk-denmark-quantum-mou
"""),
    "expected": ("show how the questions' expected answers would change; --write updates them", """\
Runs every competency question (or the NAMEs given) and compares its answer with its expected
answer (queries/<name>.csv). Prints what changed, question by question, and exits 1 when
anything differs, so that you review it first; --write then writes the new answers into this
corpus's queries/ (atomically). Run it after adding or changing a document.

examples:
  qgraph expected                       review what adding a document changed
  qgraph expected --write               accept it
  qgraph expected cross-recurring-topics --write
"""),
    "stats": ("counts by class, property and document; facts with and without evidence", """\
The counts are kept in the cache folder (.qgraph-cache/stats.json at the corpus root), as
`qgraph build` keeps those of its summary: while no file of the corpus changes, the next
`qgraph stats` prints them without reading the corpus. Kept counts from another version of
qgraph, or damaged, are never used (counted again); --no-cache neither reads nor writes them.
The cache is used with the default store (oxigraph) only.

examples:
  qgraph stats
  qgraph stats --format json --no-cache
"""),
    "push": ("replace each named graph in an external SPARQL 1.1 store, then verify the counts", """\
Checks the project as `qgraph build` does, then replaces each named graph (one per document,
the ontology, links) in one request: a SPARQL update (DROP SILENT GRAPH + INSERT DATA) sent to
--update-endpoint (default: --endpoint), or with --graph-store a Graph Store Protocol PUT.
Pushing twice changes nothing; a failure leaves each graph as it was or fully replaced, and the
message says which. Each graph's triple count is then checked at --endpoint. Blank nodes become
…/.well-known/genid/<label> IRIs (qgraph.vocab.GENID) unless --keep-blank-nodes.
Credentials come only from the environment: QGRAPH_ENDPOINT_USER + QGRAPH_ENDPOINT_PASSWORD
(HTTP Basic; QGRAPH_ENDPOINT_AUTH=digest for Digest) or QGRAPH_ENDPOINT_TOKEN (Bearer).
docs/external-stores.md, in qgraph's source repository, covers Virtuoso, GraphDB, Fuseki and Neptune.

examples:
  qgraph push --endpoint http://127.0.0.1:7878/query --graph-store http://127.0.0.1:7878/store
  qgraph push --endpoint http://127.0.0.1:7878/query --update-endpoint http://127.0.0.1:7878/update
"""),
    "serve": ("serve a read-only SPARQL endpoint, linked-data pages and the explorer", """Routes: / (explorer: search, questions, SPARQL editor, network, timeline, map), /sparql
(SPARQL 1.1 Protocol, read-only), /id/<name> (an entity: HTML, Turtle, JSON-LD or N-Triples by
Accept), /resource?iri=<IRI>. Updates, LOAD, SERVICE and foreign FROM graphs are refused; a
query over --timeout or over --max-results is an error (503 / 500), never a cut answer. A
successful /sparql answer is kept for the same request (--cache-bytes; the graph is read-only while
serving), and the same request arriving while it is evaluated waits for that answer. The
explorer's labels, network, timeline and map, worked out at start-up, are kept in the cache
folder (.qgraph-cache/ at the corpus root) for the next start on the same files (1M triples:
~5 s of the start-up); --no-cache neither reads nor writes them.

examples:
  qgraph serve
  qgraph serve --host 0.0.0.0 --port 8000 --timeout 5
  qgraph serve --cache-bytes 0              every request evaluated
"""),
}


def _parser() -> argparse.ArgumentParser:
    import argparse

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=_path, metavar="DIR",
                        help="corpus folder (default: $QGRAPH_ROOT, else the nearest folder upwards with qgraph.toml)")
    class _Main(argparse.ArgumentParser):
        """``qgraph`` alone prints the help and exits 0 (as ``git`` does), not a usage error."""

        def parse_args(self, args: Any = None, namespace: Any = None) -> Any:  # type: ignore[override]
            if not (sys.argv[1:] if args is None else list(args)):
                self.print_help()
                self.exit(0)
            return super().parse_args(args, namespace)

    p = _Main(prog="qgraph", description=MAIN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    from qgraph._version import __version__

    p.add_argument("--version", action="version", version=f"qgraph {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str) -> argparse.ArgumentParser:
        summary, epilog = COMMANDS[name]
        return sub.add_parser(name, help=summary, description=summary, epilog=epilog, parents=[common],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    ini = sub.add_parser("init", help=COMMANDS["init"][0], description=COMMANDS["init"][0],
                         epilog=COMMANDS["init"][1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ini.add_argument("dir", type=_path, metavar="DIR", help="folder to make the corpus in (created if missing)")
    ini.add_argument("--name", help="the corpus's name (default: the folder's name)")
    nw = add("new")
    nw.add_argument("doc_id", metavar="DOC_ID", help="the document id: lower-case words joined by '-'")
    nw.add_argument("--source", type=_path, required=True, metavar="FILE", help="the text (UTF-8), copied byte for byte")
    nw.add_argument("--url", metavar="URL", help="address of the copy (qg:copySource, the attribution row)")
    nw.add_argument("--title", help="the document's title (rdfs:label, dcterms:title)")
    nw.add_argument("--licence", metavar="URL", help="the licence the copy states (default: qg:licenceStated false)")
    nw.add_argument("--completeness", choices=("complete", "excerpt", "damaged"),
                    help="how complete the stored text is (default: not stated; the build warns until it is)")
    qt = add("quote")
    qt.add_argument("doc_id", metavar="DOC_ID")
    qt.add_argument("passage", metavar="PASSAGE", help="the passage as it stands in the text")
    pr = add("propose")
    pr.add_argument("doc_id", metavar="DOC_ID")
    pr.add_argument("--out", type=_path, metavar="FILE",
                    help="write the draft here (default: stdout); never inside data/, ontology/ or queries/")
    pr.add_argument("--extractor", action="append", default=[], metavar="MODULE:FUNCTION",
                    help="an external extractor to add proposals (repeatable)")
    b = add("build")
    b.add_argument("--out", type=_path, metavar="DIR", help="output folder (default: dist/ in the corpus folder)")
    v = add("validate")
    v.add_argument("--format", choices=("text", "json", "turtle", "jsonld"), default="text",
                   help="text (default); json (also on an error such as a Turtle syntax error); "
                        "turtle or jsonld (a SHACL validation report)")
    for cmd in (b, v):
        cmd.add_argument("--no-cache", dest="cache", action="store_false",
                         help="check everything, neither reading nor writing the cache (.qgraph-cache/ at the corpus root)")
        cmd.add_argument("--validator", choices=VALIDATORS, default="fast",
                         help="SHACL validator: fast (default) or pyshacl (the reference)")
        cmd.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="report each step and its time on stderr (default: when stderr is a terminal)")
    q = add("query")
    q.add_argument("query", metavar="NAME|FILE|-", help="catalogue name, .rq file, or - for stdin")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a variable (repeatable)")
    q.add_argument("--format", choices=QUERY_FORMATS, default="table")
    q.add_argument("--store", choices=STORES, default="oxigraph", help="query engine (default: oxigraph)")
    q.add_argument("--endpoint", metavar="URL", help="run the query at this remote SPARQL endpoint instead")
    q.add_argument("--default-graph", action="append", default=[], metavar="IRI",
                   help="with --endpoint: a graph of the default graph (default-graph-uri; repeatable)")
    q.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="with --endpoint: total time per request, connect to last byte (default: "
                        "$QGRAPH_ENDPOINT_TIMEOUT or 60)")
    q.add_argument("--deadline", type=float, metavar="SECONDS",
                   help="with --endpoint: total time for the request (default: 3600)")
    q.add_argument("--no-cache", dest="cache", action="store_false",
                   help="answer afresh, neither reading nor writing the answers kept in the cache (.qgraph-cache/ at the corpus root)")
    add("queries")
    s = add("show")
    s.add_argument("entity", metavar="ENTITY")
    s.add_argument("--store", choices=STORES, default="oxigraph")
    s.add_argument("--no-cache", dest="cache", action="store_false",
                   help="read the corpus afresh, neither reading nor writing the cards kept in the cache (.qgraph-cache/ at the corpus root)")
    e = add("export")
    e.add_argument("--format", choices=EXPORT_FORMATS,
                   help="the format (default: from --out's extension: .ttl .nt .nq .trig .jsonld)")
    e.add_argument("--out", type=_path, metavar="FILE", help="output file (default: stdout)")
    e.add_argument("--frame", choices=FRAMES, help="framed JSON-LD view (with --format jsonld)")
    lk = add("link")
    mode = lk.add_mutually_exclusive_group()
    mode.add_argument("--refresh", action="store_true", help="re-run the enrichment and verification queries")
    mode.add_argument("--suggest", action="store_true", help="propose candidates for unlinked entities")
    lk.add_argument("--endpoint", default="https://query.wikidata.org/sparql", metavar="URL",
                    help="SPARQL endpoint (default: Wikidata's query service)")
    lk.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                    help="total time per request, connect to last byte (default: 60)")
    lk.add_argument("--deadline", type=float, default=3600.0, metavar="SECONDS", help="total time for all the command's requests (default: 3600)")
    ru = add("reuse")
    ru.add_argument("--check", action="store_true", help="write nothing; exit 1 if data/links/text-reuse.ttl is stale")
    ex = add("expected")
    ex.add_argument("names", nargs="*", metavar="NAME", help="questions to check (default: all)")
    ex.add_argument("--write", action="store_true", help="write the new expected answers into queries/")
    st = add("stats")
    st.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    st.add_argument("--store", choices=STORES, default="oxigraph")
    st.add_argument("--no-cache", dest="cache", action="store_false",
                    help="count afresh, neither reading nor writing the counts kept in the cache (.qgraph-cache/ at the corpus root)")
    pu = add("push")
    pu.add_argument("--endpoint", required=True, metavar="URL", help="SPARQL query endpoint (the counts are checked there)")
    pu.add_argument("--update-endpoint", metavar="URL", help="SPARQL update endpoint (default: --endpoint)")
    pu.add_argument("--graph-store", metavar="URL", help="Graph Store Protocol endpoint: replace each graph by one PUT there")
    pu.add_argument("--keep-blank-nodes", action="store_true", help="send blank nodes instead of skolem IRIs")
    pu.add_argument("--timeout", type=float, metavar="SECONDS",
                    help="total time per request, connect to last byte (default: $QGRAPH_ENDPOINT_TIMEOUT or 60)")
    pu.add_argument("--deadline", type=float, default=3600.0, metavar="SECONDS", help="total time for all the command's requests (default: 3600)")
    sv = add("serve")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    sv.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="time limit per query (default: 10)")
    sv.add_argument("--max-results", type=int, default=100_000, metavar="N", help="rows or triples per answer (default: 100000)")
    sv.add_argument("--workers", type=int, default=2, metavar="N",
                    help="query worker processes, each holding the graph (default: 2; on Linux forked "
                         "from one process that loads it once)")
    sv.add_argument("--cache-bytes", type=int, default=256 << 20, metavar="N",
                    help="bytes of /sparql answers kept for the same request again (default: 268435456, "
                         "256 MiB; 0: none, every request evaluated)")
    sv.add_argument("--no-cache", dest="cache", action="store_false",
                    help="work out the explorer's pictures afresh, neither reading nor writing those kept in the cache "
                         "(.qgraph-cache/ at the corpus root)")
    sv.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="report each step of the start-up and its time on stderr (default: when stderr is a terminal)")
    for name, parser in sub.choices.items():
        parser.set_defaults(func=globals()["cmd_" + name])
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command; its exit code. Called as the process's command (``argv`` None: the
    ``qgraph`` script, ``python -m qgraph``), a command that has written all it had to (a build
    that succeeded, a validation's verdict) ends the process at once once its output is flushed
    (:func:`_end_now`)."""
    _alive.clear()
    _as_process[:] = [argv is None]
    try:
        code = _main(argv)
    finally:
        _as_process[:] = [False]
    if argv is None and _alive:
        _end_now(code)
    _alive.clear()
    return code


class Terminated(BaseException):
    """Raised in the main thread when the process is sent SIGTERM (``kill``, ``timeout``, a CI
    job stopped) while a command runs: it unwinds as Ctrl-C does, so that what the command was
    writing is removed (the exports' temporary files, a cache folder the run created) rather
    than left behind (:func:`_stop_on_term`); the command then exits with 128 + 15."""


EXIT_INTERRUPTED = 130  # 128 + SIGINT (Ctrl-C)
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process it stopped


def _stop_on_term() -> Any:
    """Make SIGTERM raise :class:`Terminated` in the main thread; the handler it replaces
    (``None`` when none was set: not the main thread, or no signals here). Forked children set
    it back to the default (:func:`qgraph.forked.reset_term`): they are stopped at once, as before;
    one sent SIGTERM before it could (the parent stops a child it no longer wants as soon as it
    has started) ends as the default would, not with this process's exception."""
    import os
    import signal

    owner = os.getpid()

    def stop(signum: int, frame: Any) -> None:
        if os.getpid() != owner:  # a child forked before it set its own
            from qgraph.forked import reset_term

            reset_term()
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated

    try:
        return signal.signal(signal.SIGTERM, stop)
    except (ValueError, AttributeError, OSError):  # not the main thread; no SIGTERM here
        return None


def _restore_term(before: Any) -> None:
    if before is None:
        return
    import signal

    try:
        signal.signal(signal.SIGTERM, before)
    except (ValueError, OSError):
        pass


#: whether the command runs as the process's command (:func:`main` without ``argv``), which then
#: ends at once once the command has made all it had to (:func:`_nothing_left`)
_as_process: list[bool] = [False]


#: what the command run made, once it has nothing left to do but free it (:func:`_nothing_left`);
#: kept referenced until the process ends (not freed on the way out)
_alive: list[object] = []


def _nothing_left(made: object) -> None:
    """Called by a command once every output is written and renamed, the cache saved and the
    children joined (the build, validate, query, show, stats): its process may end at once
    (:func:`main`). ``made``: its result (the loaded corpus, the stores), held here so that it is
    not freed one object at a time when the command's function returns."""
    _alive.append(made)


def _without_collector(command: Any) -> Any:
    """Run ``command`` with Python's cyclic garbage collector paused: a full collection scans
    every parsed quad (0.18 s at a million triples), and ``qgraph validate`` ran one while it
    sorted and wrote its report (the edit-check at 1M: 5.64 -> 5.47 s, three pairs alternated).
    Restored afterwards, but not when the process ends at once (:func:`main`, :func:`_end_now`):
    turned on again, the collector's first run scans every object made while it was off (0.13 s
    after loading a million triples, more after a build), just before the process ends; and
    around the build's steps, each pausing it on its own, it ran between them. For the build,
    validate, query, show and stats; not for ``serve``, which runs for days."""

    def run(args: argparse.Namespace) -> int:
        import gc

        was = gc.isenabled()
        gc.disable()
        try:
            return command(args)
        finally:
            if was and not (_as_process[0] and _alive):
                gc.enable()

    run.__name__, run.__doc__ = command.__name__, command.__doc__
    return run


def _end_now(code: int) -> None:
    """Flush stdout and stderr and end the process without the interpreter's teardown: freeing
    a million parsed quads and the stores one object at a time took 1-2 s of a 1M-triple build,
    0.7 s of a ``qgraph validate`` after one edit."""
    import os

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)


class _ClosedStdout:
    """``sys.stdout`` where the process has none: writing to it is a clean error (exit 2); an
    ``OSError`` too, which argparse's messages and the help's answer pass over, as for a stream
    that fails."""

    def write(self, text: str) -> int:
        from qgraph.errors import QgraphError

        class StdoutClosed(QgraphError, OSError):
            pass

        raise StdoutClosed("cannot write to stdout: it is closed (give --out FILE, or redirect it)")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _main(argv: list[str] | None) -> int:
    given = sys.argv[1:] if argv is None else argv
    for arg in given:  # bytes that are not UTF-8 reach Python as lone surrogates
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            print(f"qgraph: error: argument '{shown}': not UTF-8 text", file=sys.stderr)
            return EXIT_ERROR
    if sys.stdout is None:  # started with stdout closed (`>&-`): what a command writes there fails cleanly
        sys.stdout = _ClosedStdout()
    _answer_from_help_file(given)
    args = _parser().parse_args(argv)
    import logging

    # rdflib logs a traceback for every ill-typed literal it converts (a check's answer row, a
    # card); qgraph's literal gate reports each of them once, with file:line
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    from qgraph.errors import NonConformant, QgraphError

    before = _stop_on_term()  # after the help's answer: nothing to stop there, and no import
    try:
        return args.func(args)
    except NonConformant as e:
        from qgraph.checks.report import format_text

        sys.stdout.write(format_text(e.problems))
        print(f"qgraph: {e}", file=sys.stderr)
        if e.after is not None:
            sys.stdout.flush()
            e.after()
        return EXIT_NONCONFORMANT
    except QgraphError as e:
        print(f"qgraph: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Terminated:
        return EXIT_TERMINATED
    except MemoryError:
        print("qgraph: error: out of memory (a file or a literal too large for this machine?)", file=sys.stderr)
        return EXIT_ERROR
    except OSError as e:
        # what the machine refuses (a folder qgraph may not read, a full disk), met where no step
        # said it more precisely: the path and the reason, not a traceback (it was exit 1, "does
        # not conform", with a PermissionError's traceback for an unreadable data/sources/)
        said = _os_error(e)
        if said is None:
            raise
        print(f"qgraph: error: {said}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        _restore_term(before)


#: the errors of the machine, not of qgraph: said in one line (:func:`_main`)
_MACHINE_ERRNOS = ("EACCES", "EPERM", "ENOSPC", "EDQUOT", "EROFS", "EIO", "ENAMETOOLONG", "ELOOP", "ENOTDIR",
                   "EMFILE", "ENFILE")


def _os_error(e: OSError) -> str | None:
    """One line for an error of the machine (a permission, a full disk), naming the path; ``None``
    for any other (a bug, which keeps its traceback)."""
    import errno
    import os

    if e.errno not in {getattr(errno, n) for n in _MACHINE_ERRNOS if hasattr(errno, n)}:
        return None
    reason = e.strerror or os.strerror(e.errno)
    if e.filename is None:
        return reason
    path = os.fsdecode(e.filename)
    try:
        shown = os.path.relpath(path)
        path = shown if not shown.startswith("..") else path
    except ValueError:
        pass
    from qgraph.ask.output import printable

    return f"{printable(path)}: {reason}"


def _tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _answer_from_help_file(argv: list[str]) -> None:
    """Print what argparse would for the help, version and no-argument cases, and exit as it would.

    The answers are pre-rendered in qgraph/_help.py for one terminal width; any other argument
    list or width returns, and argparse answers (the same bytes, only slower).
    """
    if len(argv) > 2 or (argv and argv[-1] not in ("-h", "--help", "--version")):
        return
    from qgraph._help import ANSWERS, COLUMNS

    argv = [*argv[:-1], "--help"] if argv and argv[-1] == "-h" else list(argv)
    answer = ANSWERS.get(" ".join(argv))
    if answer is None or _terminal_columns() != COLUMNS:
        return
    code, out, err = answer
    for text, stream in ((out, sys.stdout), (err, sys.stderr)):
        if text:  # as argparse's _print_message: a missing or failing stream is not an error here
            try:
                (stream or sys.stderr).write(text)
            except (AttributeError, OSError):
                pass
    raise SystemExit(code)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` (argparse's width) without importing shutil."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())
    except (AttributeError, ValueError, OSError):
        return 80
    return size.columns or 80


def _path(text: str) -> Path:
    """argparse type for paths; pathlib is imported here, not at start-up (``qgraph --help``)."""
    from pathlib import Path

    if not text:  # Path("") is the current folder: `--out ""` wrote into the corpus's root
        import argparse

        raise argparse.ArgumentTypeError("an empty path")
    return Path(text)


def _root(args: argparse.Namespace) -> Path | None:
    return args.root


def cmd_init(args: argparse.Namespace) -> int:
    from qgraph.api import init

    written = init(args.dir, args.name)
    print(f"made a qgraph corpus in {args.dir}: " + ", ".join(str(p.relative_to(args.dir)) for p in written))
    import shlex

    # the folder quoted for the shell: "cd /tmp/a b" was "too many arguments"
    print(f"next: cd {shlex.quote(str(args.dir))} && qgraph new DOC_ID --source TEXT_FILE, then qgraph build")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from qgraph.api import new

    written = new(args.doc_id, args.source, _root(args), args.url, args.title, args.licence, args.completeness)
    print("wrote " + ", ".join(str(p) for p in written))
    if args.completeness is None:
        print("note: no --completeness given, so the document states none (the build warns until it does)")
    print(f"next: qgraph propose {args.doc_id}, move the facts you accept into data/{args.doc_id}.ttl, then qgraph build")
    return EXIT_OK


def cmd_quote(args: argparse.Namespace) -> int:
    from qgraph.api import quote
    from qgraph.corpus.passages import _MAX_CONTEXT as MAX_CONTEXT
    from qgraph.corpus.passages import selector_turtle

    r = quote(args.doc_id, args.passage, _root(args))
    where = f"data/sources/{args.doc_id}.txt"
    if r.status == "found":
        print(f"found once, line {r.occurrences[0].line} of {where}:")
        print(selector_turtle(r.exact))
        return EXIT_OK
    if r.status == "ambiguous":
        print(f"found {len(r.occurrences)} times in {where}; the selector for each place:")
        for o in r.occurrences:
            print(f"# line {o.line}")
            if o.picked:
                print(selector_turtle(r.exact, o.prefix, o.suffix))
            else:  # a selector without context would be found again at every place
                print(f"# no oa:prefix or oa:suffix of at most {MAX_CONTEXT} characters picks this place: "
                      "quote a longer passage")
        return EXIT_NONCONFORMANT
    print(f"not found in {where}")
    if r.nearest:
        from qgraph.ask.output import printable

        print(f"nearest passage (line {r.nearest_line}): \"{printable(r.nearest)}\"")  # a source's controls shown escaped
    if r.difference:
        print(f"first difference at {r.difference}")
    return EXIT_NONCONFORMANT


def cmd_propose(args: argparse.Namespace) -> int:
    from qgraph.api import propose
    from qgraph.project import Project

    draft = propose(args.doc_id, _root(args), args.extractor)
    if args.out is None:
        sys.stdout.write(draft.turtle)
    else:
        draft.write(args.out, Project.at(_root(args)))
        print(f"wrote {args.out}", file=sys.stderr)
    print(draft.summary(), file=sys.stderr)
    return EXIT_OK


@_without_collector
def cmd_build(args: argparse.Namespace) -> int:
    from qgraph.pipeline import build, summary

    if args.out is None:
        # the corpus's dist/, wherever the command is run from (it was the current folder's:
        # run in data/, "--out dist: inside the corpus's data/", an option nobody typed)
        import os
        from pathlib import Path

        from qgraph.project import locate

        root = locate(_root(args))
        out = root / "dist"
        shown = os.path.relpath(out)  # as short as it reads: "dist", "../dist" from data/
        inside = Path.cwd().resolve().is_relative_to(root.resolve())
        args.out = Path(shown) if inside or not shown.startswith(os.pardir) else out

    outcome = build(args.out, _root(args), validator=args.validator, progress=_progress(args), cache=args.cache,
                    notice=lambda line: print(f"qgraph: {line}", file=sys.stderr, flush=True))
    sys.stdout.write(summary(outcome, args.out))
    if outcome.store_writer is not None:  # once the build has answered, as `qgraph validate` does
        sys.stdout.flush()
        outcome.store_writer()
    _nothing_left(outcome)
    return EXIT_OK


def _progress(args: argparse.Namespace):  # noqa: ANN202
    """Each step on stderr as it ends: with --progress, or by default when stderr is a terminal."""
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    if not show:
        return None
    return lambda line: print(f"qgraph: {line}", file=sys.stderr, flush=True)


@_without_collector
def cmd_validate(args: argparse.Namespace) -> int:
    from qgraph.checks import report
    from qgraph.errors import QgraphError
    from qgraph.pipeline import check

    try:
        if args.cache:
            from qgraph.pipeline import cached_check

            outcome = cached_check(_root(args), validator=args.validator, progress=_progress(args),
                                  notice=lambda line: print(f"qgraph: {line}", file=sys.stderr, flush=True))
        else:
            outcome = check(_root(args), validator=args.validator, progress=_progress(args))
    except QgraphError as e:
        if args.format == "json":  # JSON on stdout whatever happens; the one-line error on stderr too
            sys.stdout.write(report.format_json_error(str(e)))
        raise
    if args.format == "json":
        sys.stdout.write(report.format_json(outcome.problems))
    elif args.format == "turtle":
        sys.stdout.write(report.format_turtle(outcome.problems, outcome.loaded.prefixes))
    elif args.format == "jsonld":
        sys.stdout.write(report.format_jsonld(outcome.problems, outcome.loaded.prefixes))
    else:
        sys.stdout.write(report.format_text(outcome.problems))
    _nothing_left(outcome)
    return EXIT_OK if outcome.conforms else EXIT_NONCONFORMANT


def _params(pairs: list[str]) -> dict[str, str]:
    from qgraph.errors import QgraphError

    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QgraphError(f"--param {pair!r}: expected NAME=VALUE")
        key = name.strip().lstrip("?$")
        if key in out:  # the last one silently won: a variable is bound to one value
            raise QgraphError(f"--param {key} given twice ({out[key]!r} and {value!r}): a variable takes one value")
        out[key] = value
    return out


@_without_collector
def cmd_query(args: argparse.Namespace) -> int:
    from qgraph.ask import catalogue
    from qgraph.ask.output import render
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store

    spec = args.query
    if spec == "-":
        from qgraph.errors import QgraphError

        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # no stdin, or a text stream put in its place
            data = sys.stdin.read().encode("utf-8", "surrogateescape") if sys.stdin is not None else b""
        else:
            data = stream.read()
        try:  # the bytes, decoded here: a text stream's surrogates for bad bytes reached Oxigraph
            spec = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise QgraphError(f"stdin: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None
        if not catalogue.looks_like_query(spec):
            raise QgraphError("stdin: no SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE) read")
    params = _params(args.param)
    if args.timeout is not None and not _seconds(args.timeout):
        from qgraph.errors import QgraphError

        raise QgraphError("--timeout: expected a positive, finite number of seconds")
    if args.endpoint:
        return _query_endpoint(args, spec, params)
    if args.default_graph or args.deadline is not None or args.timeout is not None:
        from qgraph.errors import QgraphError

        given = "--default-graph" if args.default_graph else "--deadline" if args.deadline is not None else "--timeout"
        raise QgraphError(f"{given} applies to --endpoint only")
    from qgraph.project import Project

    project = Project.at(_root(args))
    label, text = catalogue.resolve(spec, project.root)
    width, terminal = _table_width(), _tty()
    made: list[object] = []

    def opened() -> tuple:
        if not made:
            loaded = load(project)
            made.append((loaded, open_store(loaded, args.store)))
        return made[0]

    def answer() -> str:
        loaded, store = opened()
        result = catalogue.run_resolved(store, label, text, params, loaded.prefixes)
        return render(result, args.format, loaded.prefixes, width, terminal=terminal)

    def notes() -> str:
        loaded, store = opened()
        return _param_notes(store, text, params, loaded.prefixes)

    from qgraph.ask import kept_answers

    if args.cache and args.store == "oxigraph" and kept_answers.keepable(text):
        asked = ["query", args.store, text, sorted(params.items()), args.format, width, terminal]
        sys.stdout.write(kept_answers.answered(project, asked, answer))
        said = kept_answers.answered(project, [*asked, "param-notes"], notes) if params else ""
    else:
        sys.stdout.write(answer())
        said = notes() if params else ""
    if said:
        sys.stdout.flush()
        sys.stderr.write(said)
    _nothing_left(made)
    return EXIT_OK


def _param_notes(store: Any, text: str, params: dict[str, str], prefixes: dict[str, str]) -> str:
    """A line on stderr for each ``--param`` that cannot match (an IRI the graph does not hold, a
    literal not of its datatype): the answer was an empty table and not a word why."""
    from rdflib import Literal, URIRef

    from qgraph.ask import catalogue
    from qgraph.ask.card import _EXISTS

    lines = []
    for var, term in catalogue.bind(text, params, prefixes).items():
        given = params[var]  # (_params keeps each name without its ? or $)
        if not given.strip():  # `--param nation=$NATION` with the variable unset
            lines.append(f"qgraph: note: --param {var}={given}: an empty value, bound as the empty literal \"\"\n")
        elif isinstance(term, URIRef) and not store.query(_EXISTS, {"e": term}).boolean:
            lines.append(f"qgraph: note: --param {var}={given}: <{term}> is not in the graph\n")
        elif isinstance(term, Literal) and getattr(term, "ill_typed", False):
            lines.append(f"qgraph: note: --param {var}={given}: not a valid {term.datatype}\n")
    return "".join(lines)


def _table_width() -> int | None:
    """The terminal's width for tables (``$COLUMNS`` first); ``None`` when writing to a pipe."""
    import os
    import shutil

    if os.environ.get("COLUMNS", "").isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _query_endpoint(args: argparse.Namespace, spec: str, params: dict[str, str]) -> int:
    from qgraph.ask import catalogue
    from qgraph.ask.output import render
    from qgraph.corpus.loading import project_prefixes
    from qgraph.project import Project
    from qgraph.remote.client import RemoteStore
    from qgraph.remote.deadline import command_deadline

    root = Project.at(_root(args)).root
    prefixes = project_prefixes()
    store = RemoteStore(args.endpoint, prefixes, default_graphs=args.default_graph, timeout=args.timeout)
    with command_deadline(_deadline(args)):
        result = catalogue.run(store, spec, root, params, prefixes)
    sys.stdout.write(render(result, args.format, prefixes, _table_width(), terminal=_tty()))
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    from qgraph.remote.push import Target, push_project

    if args.timeout is not None and not _seconds(args.timeout):
        from qgraph.errors import QgraphError

        raise QgraphError("--timeout: expected a positive, finite number of seconds")
    from qgraph.remote.deadline import command_deadline

    target = Target(args.endpoint, args.update_endpoint, args.graph_store, args.timeout)
    with command_deadline(_deadline(args)):
        push_project(target, _root(args), skolemise=not args.keep_blank_nodes,
                     log=lambda line: print(line, flush=True))
    return EXIT_OK


def _seconds(value: float) -> bool:
    """Whether ``value`` is a time limit: positive and finite (argparse's float takes nan and inf)."""
    return 0 < value < float("inf")


def _deadline(args: argparse.Namespace) -> float:
    if args.deadline is None:  # `qgraph query` leaves it unset, to refuse it without --endpoint
        return 3600.0
    if not _seconds(args.deadline):
        from qgraph.errors import QgraphError

        raise QgraphError("--deadline: expected a positive, finite number of seconds")
    return args.deadline


def cmd_queries(args: argparse.Namespace) -> int:
    from qgraph.ask import catalogue
    from qgraph.project import Project

    project = Project.at(_root(args))
    entries = catalogue.entries(project)
    if not entries:
        from qgraph.errors import QgraphError

        raise QgraphError(f"{project.queries_dir}: no *.rq queries found")
    width = max(len(e.name) for e in entries)
    for e in entries:
        params = f"  [params: {', '.join('?' + n for n, _ in e.params)}]" if e.params else ""
        print(f"{e.name:<{width}}  {e.summary}{params}")
    return EXIT_OK


@_without_collector
def cmd_show(args: argparse.Namespace) -> int:
    from qgraph.api import show

    made: list[object] = []
    sys.stdout.write(show(args.entity, _root(args), args.store, keep=made.append, cache=args.cache))
    _nothing_left(made)
    return EXIT_OK


#: an export file's extension → its format (``--out x.ttl`` needs no ``--format``)
EXPORT_EXTENSIONS = {".ttl": "turtle", ".turtle": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig",
                     ".jsonld": "jsonld", ".json": "jsonld"}


def _format_from_extension(out: Path | None) -> str:
    from pathlib import Path

    from qgraph.errors import QgraphError

    if out is None:
        raise QgraphError("give --format (turtle, ntriples, nquads, trig, jsonld), or --out FILE with an extension "
                          f"that names one ({' '.join(sorted(EXPORT_EXTENSIONS))})")
    fmt = EXPORT_EXTENSIONS.get(Path(out).suffix.lower())
    if fmt is None:
        raise QgraphError(f"{out}: the extension does not name a format ({' '.join(sorted(EXPORT_EXTENSIONS))}); "
                          "give --format")
    return fmt


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qgraph.api import export

    fmt = args.format or _format_from_extension(args.out)
    if args.format and args.out is not None:
        named = EXPORT_EXTENSIONS.get(Path(args.out).suffix.lower())
        if named is not None and named != args.format:  # --format turtle --out x.jsonld wrote Turtle silently
            from qgraph.errors import QgraphError

            raise QgraphError(f"--out {args.out}: its extension names {named}, not --format {args.format} "
                              "(drop --format, or change the extension)")
    result = export(fmt, args.out, _root(args), args.frame)
    if args.out is None:
        sys.stdout.write(result)
    else:
        print(f"wrote {result}", file=sys.stderr)
    return EXIT_OK


def cmd_expected(args: argparse.Namespace) -> int:
    from qgraph.api import expected

    changes = expected(_root(args), args.names or None, write=args.write)
    from qgraph.ask.catalogue import UNRECORDED

    unrecorded = [c.entry.name for c in changes if c.diffs == [UNRECORDED]]
    for c in changes:
        if c.entry.name in unrecorded and len(unrecorded) > 3:
            continue  # said in one line below
        print(f"{c.entry.name}:")
        for line in c.diffs:
            print(f"  {line}")
    if len(unrecorded) > 3:
        shown = ", ".join(unrecorded[:3])
        print(f"{len(unrecorded)} questions have no expected answer yet ({shown}, …): "
              + ("their current answers written" if args.write else "`qgraph expected --write` records their current answers"))
    if not changes:
        print("every expected answer is current")
        return EXIT_OK
    if args.write:
        print(f"wrote {len(changes)} expected answer(s) into queries/")
        return EXIT_OK
    differ = len(changes) - len(unrecorded)
    if differ:
        print(f"{differ} expected answer(s) differ; review the lines above, then run `qgraph expected --write`",
              file=sys.stderr)
    return EXIT_NONCONFORMANT


@_without_collector
def cmd_stats(args: argparse.Namespace) -> int:
    from qgraph.api import stats
    from qgraph.ask.counts import format_text
    from qgraph.publish.jsonld import dumps

    made: list[object] = []
    s = stats(_root(args), args.store, keep=made.append, cache=args.cache)
    sys.stdout.write(dumps(s.as_dict()) if args.format == "json" else format_text(s))
    _nothing_left(made)
    return EXIT_OK


def cmd_link(args: argparse.Namespace) -> int:
    from qgraph.project import Project

    root = Project.at(_root(args)).root
    if args.refresh or args.suggest:
        from qgraph.links.refresh import Client, refresh, suggest
        from qgraph.remote.deadline import command_deadline

        client = Client(endpoint=args.endpoint, timeout=args.timeout)
        with command_deadline(_deadline(args)):
            (refresh if args.refresh else suggest)(root, client)
        return EXIT_OK
    from qgraph.links.enrich import rebuild
    from qgraph.links.tables import counts

    written = rebuild(root)
    per = ", ".join(f"{k} {n}" for k, n in counts(root).items()) or "none (data/links/accepted.sssom.tsv has no rows)"
    print(f"links: {per}; wrote " + ", ".join(str(w.relative_to(root)) for w in written))
    return EXIT_OK


def cmd_reuse(args: argparse.Namespace) -> int:
    from qgraph.api import reuse

    outcome = reuse(_root(args), write=not args.check)
    print(f"text reuse: {len(outcome.links)} pair(s) of passages shared by two documents "
          f"({outcome.documents} documents, {outcome.units} text units compared)")
    if args.check:
        if outcome.changed:
            print(f"{outcome.rel} is not current; run `qgraph reuse`", file=sys.stderr)
            return EXIT_NONCONFORMANT
        print(f"{outcome.rel} is current")
        return EXIT_OK
    print(f"wrote {outcome.rel}" if outcome.changed else f"{outcome.rel} unchanged")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from qgraph.errors import QgraphError
    from qgraph.web.pool import Limits
    from qgraph.web.server import serve

    if not _seconds(args.timeout) or args.max_results < 1 or args.workers < 1 or not 0 <= args.port <= 65535:
        raise QgraphError("--timeout, --max-results and --workers must be positive, --port 0-65535")
    if args.cache_bytes < 0:
        raise QgraphError("--cache-bytes must be 0 (no answer cache) or more")
    serve(_root(args), args.host, args.port, Limits(timeout=args.timeout, max_results=args.max_results,
                                                    workers=args.workers, cache_bytes=args.cache_bytes),
          progress=_progress(args), cache=args.cache)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
