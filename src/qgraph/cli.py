"""The ``qgraph`` command: argparse only; every command is one call into the library.

Exit codes: 0 ok; 1 the data does not conform; 2 usage or tool error (one line, no traceback).
Nothing from the RDF stack is imported until a command runs, so ``qgraph --help`` is quick.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_NONCONFORMANT, EXIT_ERROR = 0, 1, 2
QUERY_FORMATS = ("table", "csv", "tsv", "json")
EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")  # = qgraph.exports.FORMATS
FRAMES = ("agreements", "forums", "meetings", "people")  # = qgraph.jsonld.FRAMES
STORES = ("oxigraph", "rdflib")  # = qgraph.store.BACKENDS

MAIN_HELP = """\
qgraph builds, checks and serves a knowledge graph of quantum diplomacy in which every fact
is traced to the passage of its source document.

examples:
  qgraph build                      check everything and write dist/
  qgraph validate                   the same checks, problems with file:line
  qgraph queries                    list the competency questions
  qgraph query qdg-members          run one
  qgraph show Denmark               an entity card with its evidence

exit codes: 0 ok, 1 the data does not conform, 2 usage or tool error
"""

COMMANDS = {
    "build": ("check the data and write every export into DIR", """\
Loads the ontology and data/*.ttl, checks every evidence quote against data/sources/,
validates with SHACL (ontology/shapes.ttl) and the queries/checks/ queries, then writes
qgraph.ttl, .nt, .nq, .trig, .jsonld, context.jsonld and framed/*.jsonld into DIR.
Nothing is written if a check finds a violation (exit 1).

example:
  qgraph build --out dist
"""),
    "validate": ("run every check; report problems with file and line", """\
example:
  qgraph validate
  qgraph validate --format json > report.json
"""),
    "query": ("run a competency question, a .rq file or a query on stdin", """\
Parameters are bound to the query's variables (never pasted into its text). A value is an
IRI <https://...>, a prefixed name qgid:denmark, a literal "Denmark"@en or "5"^^xsd:integer,
or plain text (a plain literal). The project's prefixes are predeclared.

examples:
  qgraph query qdg-members
  qgraph query qdg-members --param nation=qgid:denmark --format csv
  echo 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | qgraph query -
"""),
    "queries": ("list the competency questions with their summaries", """\
example:
  qgraph queries
"""),
    "show": ("an entity card: types, labels, facts both ways, evidence passages", """\
ENTITY is an IRI, a prefixed name or a label (case-insensitive).

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
    "stats": ("counts by class, property and document; facts with and without evidence", """\
example:
  qgraph stats
"""),
}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, metavar="DIR",
                        help="project folder (default: $QGRAPH_ROOT, or the checkout)")
    p = argparse.ArgumentParser(prog="qgraph", description=MAIN_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version="qgraph 0.1.0")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str) -> argparse.ArgumentParser:
        summary, epilog = COMMANDS[name]
        return sub.add_parser(name, help=summary, description=summary, epilog=epilog, parents=[common],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    b = add("build")
    b.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR", help="output folder (default: dist)")
    v = add("validate")
    v.add_argument("--format", choices=("text", "json", "turtle"), default="text")
    q = add("query")
    q.add_argument("query", metavar="NAME|FILE|-", help="catalogue name, .rq file, or - for stdin")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a variable (repeatable)")
    q.add_argument("--format", choices=QUERY_FORMATS, default="table")
    q.add_argument("--store", choices=STORES, default="oxigraph", help="query engine (default: oxigraph)")
    add("queries")
    s = add("show")
    s.add_argument("entity", metavar="ENTITY")
    s.add_argument("--store", choices=STORES, default="oxigraph")
    e = add("export")
    e.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    e.add_argument("--out", type=Path, metavar="FILE", help="output file (default: stdout)")
    e.add_argument("--frame", choices=FRAMES, help="framed JSON-LD view (with --format jsonld)")
    st = add("stats")
    st.add_argument("--format", choices=("text", "json"), default="text")
    st.add_argument("--store", choices=STORES, default="oxigraph")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from qgraph.errors import NonConformant, QgraphError

    try:
        return globals()[f"cmd_{args.command}"](args)
    except NonConformant as e:
        from qgraph.report import format_text

        sys.stdout.write(format_text(e.problems))
        print(f"qgraph: {e}", file=sys.stderr)
        return EXIT_NONCONFORMANT
    except QgraphError as e:
        print(f"qgraph: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def _root(args: argparse.Namespace) -> Path | None:
    return args.root


def cmd_build(args: argparse.Namespace) -> int:
    from qgraph.pipeline import build, summary

    outcome = build(args.out, _root(args))
    sys.stdout.write(summary(outcome, args.out))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from qgraph import report
    from qgraph.pipeline import check

    outcome = check(_root(args))
    if args.format == "json":
        sys.stdout.write(report.format_json(outcome.problems))
    elif args.format == "turtle":
        sys.stdout.write(report.format_turtle(outcome.problems, outcome.loaded.prefixes))
    else:
        sys.stdout.write(report.format_text(outcome.problems))
    return EXIT_OK if outcome.conforms else EXIT_NONCONFORMANT


def _params(pairs: list[str]) -> dict[str, str]:
    from qgraph.errors import QgraphError

    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QgraphError(f"--param {pair!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def cmd_query(args: argparse.Namespace) -> int:
    from qgraph import catalogue
    from qgraph.loading import load
    from qgraph.output import render
    from qgraph.store import open_store

    spec = args.query
    if spec == "-":
        spec = sys.stdin.read()
        if not catalogue.looks_like_query(spec):
            from qgraph.errors import QgraphError

            raise QgraphError("stdin: no SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE) read")
    params = _params(args.param)
    loaded = load(_root(args))
    result = catalogue.run(open_store(loaded, args.store), spec, loaded.root, params, loaded.prefixes)
    sys.stdout.write(render(result, args.format, loaded.prefixes))
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    from qgraph import catalogue, paths

    root = _root(args) or paths.project_root()
    entries = catalogue.entries(Path(root))
    if not entries:
        from qgraph.errors import QgraphError

        raise QgraphError(f"{root}/queries: no *.rq queries found")
    width = max(len(e.name) for e in entries)
    for e in entries:
        params = f"  [params: {', '.join('?' + n for n, _ in e.params)}]" if e.params else ""
        print(f"{e.name:<{width}}  {e.summary}{params}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from qgraph.api import show

    sys.stdout.write(show(args.entity, _root(args), args.store))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from qgraph.api import export

    result = export(args.format, args.out, _root(args), args.frame)
    if args.out is None:
        sys.stdout.write(result)
    else:
        print(f"wrote {result}", file=sys.stderr)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from qgraph.api import stats
    from qgraph.counts import format_text
    from qgraph.jsonld import dumps

    s = stats(_root(args), args.store)
    sys.stdout.write(dumps(s.as_dict()) if args.format == "json" else format_text(s))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
