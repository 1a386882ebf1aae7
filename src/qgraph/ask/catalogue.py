"""Competency questions (``queries/*.rq``) and checks (``queries/checks/*-violation.rq``).

A catalogue query's first line is ``# <summary>``; ``# param: ?var — meaning`` lines document
its parameters. Its expected result ``queries/<name>.csv`` is SPARQL 1.1 CSV (IRIs in full,
literals as their lexical form, blank cells for unbound), compared as a bag unless the query
has ``ORDER BY``; for an ASK question, a header ``boolean`` and one row ``true`` or ``false``.
A check must return no rows.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qgraph.corpus.store import Result, Store, strip_query
from qgraph.errors import QgraphError
from qgraph.project import Project
from qgraph.vocab import XSD

XSD_DECIMAL = XSD + "decimal"

_PARAM = re.compile(r"^#\s*param:\s*[?$](\w+)\s*(?:[—–:-]+\s*)?(.*)$")


@dataclass
class Entry:
    """One catalogue query."""

    name: str
    path: Path
    summary: str
    params: list[tuple[str, str]] = field(default_factory=list)
    expected_file: Path | None = None

    @property
    def expected(self) -> Path:
        """The expected answer (``<name>.csv``; beside the query when there is none yet)."""
        return self.expected_file if self.expected_file is not None else self.path.with_suffix(".csv")

    @property
    def text(self) -> str:
        from qgraph.corpus.loading import read_text

        return read_text(self.path, str(self.path))


def _entry(path: Path, expected: Path | None = None) -> Entry:
    from qgraph.corpus.loading import read_text

    lines = read_text(path, str(path)).splitlines()
    summary = lines[0].lstrip("#").strip() if lines and lines[0].startswith("#") else ""
    params = [(m.group(1), m.group(2).strip()) for m in map(_PARAM.match, lines) if m]
    return Entry(Path(path.name).stem, path, summary, params, expected)


def entries(root: Path | Project) -> list[Entry]:
    """The catalogue: the shipped questions and the corpus's ``queries/*.rq``, by name."""
    project = root if isinstance(root, Project) else Project.at(root)
    return [_entry(p, project.expected_answer(p)) for p in project.query_files]


def checks(root: Path | Project) -> list[Entry]:
    """The checks: the shipped ones and the corpus's ``queries/checks/*-violation.rq``."""
    project = root if isinstance(root, Project) else Project.at(root)
    return [_entry(p) for p in project.check_files]


def repeat_safe(entry: Entry) -> bool:
    """Whether a check names the same problems where the default graph is read as the view of
    the union of the graphs, which repeats a triple stated in several graphs (the build's checks
    store, :meth:`qgraph.corpus.store.OxigraphStore.completed_view`), as on their merge: qgraph's
    own checks as shipped, each written so (distinct rows, or aggregates a repeated row does not
    change; tests/test_checks.py holds each to it on datasets drawn at random). A check of the
    corpus's own is asked of the merge."""
    return entry.text in _shipped_check_texts()


@functools.cache
def _shipped_check_texts() -> frozenset[str]:
    from qgraph.corpus.loading import read_text
    from qgraph.project import resources

    folder = resources() / "queries" / "checks"
    return frozenset(read_text(p, str(p)) for p in folder.iterdir() if p.name.endswith("-violation.rq"))


#: the prologue of a SPARQL text (comments, BASE and PREFIX declarations) and its first keyword
_OPENING = re.compile(r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)*(\w+)(?![\w.-])", re.IGNORECASE)
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def looks_like_query(spec: str) -> bool:
    """Whether ``spec`` is SPARQL text rather than a question's name or a file: it opens (after
    comments and PREFIX/BASE declarations) with a query form, or names one beside a group or a
    line break. ``DESCRIBE qgid:denmark`` is a query (it was read as a question's name)."""
    opening = _OPENING.match(spec)
    if opening is not None and opening.group(1).upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        return True
    return bool(re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", spec, re.I)) and ("{" in spec or "\n" in spec)


def _update_named(spec: str) -> str | None:
    """The update keyword ``spec`` opens with (``INSERT DATA {…}``), if it opens with one."""
    opening = _OPENING.match(spec)
    word = opening.group(1).upper() if opening is not None else ""
    return word if word in _UPDATES and (" " in spec.strip() or "{" in spec) else None


def resolve(spec: str, root: Path) -> tuple[str, str]:
    """``(label, text)`` for a catalogue name, a ``.rq`` file, or query text."""
    if looks_like_query(spec):
        return "query", spec
    project = Project.at(root)
    by_name = {e.name: e for e in entries(project)}
    if spec in by_name:  # named in an error by its file (the corpus's own), or as qgraph's
        path = by_name[spec].path
        shown = project.display(path) if path.resolve().is_relative_to(project.root.resolve()) else f"qgraph's {spec}.rq"
        return shown, by_name[spec].text
    p = Path(spec)
    if p.suffix == ".rq" or p.is_file():
        if not p.is_file():
            raise QgraphError(f"{spec}: no such query file")
        from qgraph.corpus.loading import read_text

        return spec, read_text(p, spec)
    if (word := _update_named(spec)) is not None:
        raise QgraphError(f"a SPARQL update ({word} …) is not run: qgraph asks queries (SELECT, ASK, CONSTRUCT "
                          "or DESCRIBE) only")
    close = difflib.get_close_matches(spec, list(by_name), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else " (`qgraph queries` lists them)"
    raise QgraphError(f"unknown query {spec!r}{hint}")


def query_variables(text: str) -> set[str]:
    return set(re.findall(r"[?$](\w+)", strip_query(text)))


_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_HEAD_END = re.compile(r"\bWHERE\b|\{|\bFROM\b", re.IGNORECASE)
_HEAD_TOKEN = re.compile(r"\(|\)|\*|\bAS\s+[?$](\w+)|[?$](\w+)", re.IGNORECASE)


def projected_variables(text: str) -> set[str] | None:
    """The variables a SELECT query returns, read from its projection (``None``: not a SELECT
    query, or ``SELECT *``, which returns every variable in scope).

    >>> sorted(projected_variables("SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?b ?c }"))
    ['a', 'n']
    >>> projected_variables("SELECT * WHERE { ?a ?b ?c }") is None
    True
    >>> projected_variables("ASK { { SELECT ?a WHERE { ?a ?b ?c } } }") is None
    True
    """
    stripped = strip_query(text)
    form = _FORM.search(stripped)
    if form is None or form.group(1).upper() != "SELECT":
        return None
    head = stripped[form.end():]
    end = _HEAD_END.search(head)
    head = head[:end.start()] if end else head
    depth, out = 0, set()
    for t in _HEAD_TOKEN.finditer(head):
        token = t.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token == "*":
            if depth == 0:
                return None
        elif t.group(1):
            out.add(t.group(1))
        elif depth == 0:
            out.add(t.group(2))
    return out


def bind(text: str, params: dict[str, str] | None, prefixes: dict[str, str],
         returned_only: bool = True) -> dict[str, Any]:
    """Parameters as rdflib terms, each checked to be a variable of the query and, with
    ``returned_only``, one its SELECT returns (Oxigraph binds no other; a remote store's trailing
    VALUES binds any, see :func:`qgraph.remote.client.with_values`)."""
    from qgraph.corpus.terms import parse_term

    out: dict[str, Any] = {}
    names = query_variables(text)
    projected = projected_variables(text) if params and returned_only else None
    for name, value in (params or {}).items():
        var = name.lstrip("?$")
        if not re.fullmatch(r"\w+", var):
            raise QgraphError(f"bad parameter name {name!r}")
        if var not in names:
            raise QgraphError(f"the query has no variable ?{var} (its variables: {', '.join(sorted(names)) or 'none'})")
        if projected is not None and var not in projected:
            # Oxigraph binds only what a SELECT returns (and refused it with an error of its own)
            raise QgraphError(f"?{var} is not among the variables the query's SELECT returns "
                              f"({', '.join('?' + v for v in sorted(projected)) or 'none'}): a parameter binds "
                              f"a returned variable; add ?{var} to the SELECT (or use SELECT *)")
        out[var] = value if not isinstance(value, str) else parse_term(value, prefixes)
    return out


def run(store: Store, spec: str, root: Path, params: dict[str, Any] | None = None,
        prefixes: dict[str, str] | None = None) -> Result:
    """Run a catalogue query (by name), a ``.rq`` file or query text on ``store``."""
    label, text = resolve(spec, root)
    return run_resolved(store, label, text, params, prefixes)


def run_resolved(store: Store, label: str, text: str, params: dict[str, Any] | None = None,
                 prefixes: dict[str, str] | None = None) -> Result:
    """:func:`run` of what :func:`resolve` gave (``label`` names the query in an error)."""
    bindings = bind(text, params, prefixes or {}, returned_only=not getattr(store, "binds_any_variable", False))
    try:
        return store.query(text, bindings)
    except QgraphError as e:
        raise QgraphError(f"{label}: {e}") from None


def csv_cell(term: Any) -> str:
    """A term as SPARQL 1.1 CSV writes it. An ``xsd:decimal`` is written in its shortest form
    (``1.0`` and ``1.000`` as ``1``, ``0.200`` as ``0.2``), as Oxigraph writes every decimal, so
    that the two stores give the same answer whichever lexical form a file used.

    >>> from rdflib import Literal, XSD
    >>> [csv_cell(Literal(x, datatype=XSD.decimal)) for x in ("1.0", "0.200", "2000000000")]
    ['1', '0.2', '2000000000']
    """
    from decimal import Decimal, InvalidOperation

    from rdflib import BNode, Literal

    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) == XSD_DECIMAL:
        try:
            return format(Decimal(str(term)).normalize(), "f")
        except InvalidOperation:
            return str(term)
    return str(term)


def result_rows(result: Result) -> list[tuple[str, ...]]:
    return [tuple(csv_cell(t) for t in row) for row in result.rows]


def read_expected(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    import io

    from qgraph.corpus.loading import read_text

    rows = list(csv.reader(io.StringIO(read_text(path, str(path)), newline="")))
    if not rows:
        raise QgraphError(f"{path}: empty (needs a header row of variable names)")
    return rows[0], [tuple(r) for r in rows[1:]]


def is_ordered(text: str) -> bool:
    return bool(re.search(r"\bORDER\s+BY\b", strip_query(text), re.I))


def compare(result: Result, entry: Entry) -> list[str]:
    """Differences between ``result`` and ``entry``'s expected CSV (empty list: they agree)."""
    head, expected = read_expected(entry.expected)
    if result.kind == "ask":  # expected: a header "boolean" and one row, true or false
        if head != ["boolean"] or len(expected) != 1 or expected[0] not in (("true",), ("false",)):
            return [f"{entry.expected.name}: an ASK question's expected answer is a 'boolean' header "
                    "and one row, true or false"]
        want = expected[0][0] == "true"
        return [] if result.boolean is want else [f"answer: expected {str(want).lower()}, got "
                                                  f"{str(result.boolean).lower()}"]
    got = result_rows(result)
    diffs = []
    if head != result.vars:
        diffs.append(f"columns: expected {head}, got {result.vars}")
        return diffs
    if is_ordered(entry.text):
        if got != expected:
            diffs.append("rows differ (ordered):")
            diffs += [f"  - {r}" for r in expected if r not in got] + [f"  + {r}" for r in got if r not in expected]
            if sorted(got) == sorted(expected):
                diffs.append("  (same rows, different order)")
    else:
        missing = Counter(expected) - Counter(got)
        extra = Counter(got) - Counter(expected)
        if missing or extra:
            diffs.append("rows differ:")
            diffs += [f"  - {r}" for r in sorted(missing.elements())] + [f"  + {r}" for r in sorted(extra.elements())]
    return diffs


def to_csv(result: Result, sep: str = ",") -> str:
    buf = io.StringIO()
    if sep == "\t":
        from qgraph.corpus.terms import to_oxigraph

        buf.write("\t".join(f"?{v}" for v in result.vars) + "\n")
        for row in result.rows:
            buf.write("\t".join("" if t is None else str(to_oxigraph(t)) for t in row) + "\n")
        return buf.getvalue()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(result.vars)
    w.writerows(result_rows(result))
    return buf.getvalue()


_NAMES_GRAPHS = re.compile(r"\b(GRAPH|FROM|SERVICE)\b", re.I)


def reads_default_graph_only(text: str) -> bool:
    """Whether a query reads the default graph alone: no ``GRAPH``, ``FROM`` (``FROM NAMED``) or
    ``SERVICE`` word outside its strings, IRIs and comments (SPARQL reaches a named graph by
    these alone). A variable or prefixed name so spelled counts too: a query is refused, never
    wrongly accepted. Such a check gives the same rows on any store whose default graph is the
    merge of the corpus's graphs, whatever else the store holds."""
    return _NAMES_GRAPHS.search(strip_query(text)) is None


def check_focus(names: list[str], row: tuple) -> tuple[Any, str | None, Any, Any]:
    """Where a check's row is written: (the node: its first IRI of the data namespace, else its
    first IRI; the graph that states it: a graph IRI among its cells; the property: its
    ``?property`` cell; the value: the cell after it). A shared node (a nation) is described in
    many files: its row was located in the first of them, not in the file that states the
    faulty triple; and a row beginning with a class (``duplicate-entity``'s ``?type``) in the
    ontology, a file the curator does not edit."""
    from qgraph.corpus.terms import is_iri
    from qgraph.vocab import GRAPH_NS, QGID

    iris = [t for t in row if is_iri(t)]
    focus = next((t for t in iris if str(t).startswith(QGID)), iris[0] if iris else None)
    graph = next((str(t) for t in iris if str(t).startswith(GRAPH_NS)), None)
    prop = value = None
    if "property" in names:
        k = names.index("property")
        prop = row[k] if is_iri(row[k]) else None
        if prop is not None and k + 1 < len(row) and not (is_iri(row[k + 1]) and str(row[k + 1]).startswith(GRAPH_NS)):
            value = row[k + 1]
    return focus, graph, prop, value


def run_checks(loaded: Any, store: Store, memo: Any = None, beside: dict[str, tuple[str, Result]] | None = None,
               used: list[str] | None = None, local: dict[str, dict[str, list]] | None = None) -> list:
    """Every ``*-violation.rq`` check as :class:`~qgraph.checks.report.Problem` rows (none: all pass).

    ``memo`` (:class:`qgraph.checks.cache.Memo`): a graph-local check
    (:func:`qgraph.checks.cache.graph_local`) keeps its rows per named graph there, and runs
    again only on the graphs whose files changed, in a store of their own.

    ``beside``: check name → (hash of the check's text, its result) computed elsewhere on the
    merge of the same files (:func:`qgraph.pipeline._union_checks`); used for a check that
    :func:`reads_default_graph_only` and whose text is still that one (its name then added to
    ``used``).

    ``local``: check name → named graph → [key, [columns, rows as cache cells]] of a graph-local
    check worked out elsewhere (the build's child, :func:`qgraph.pipeline._streamed`), used with
    ``memo`` for each graph whose key (:func:`graph_local_key`) is the one computed here, as
    if the cache had held it."""
    from qgraph.checks.report import Problem, shown, where

    problems = []
    basis = None
    if memo is not None and loaded.project is not None:
        from qgraph.checks.cache import union_basis

        basis = union_basis(loaded.project, memo)
    for entry in checks(loaded.root):
        try:
            result = None
            if beside and entry.name in beside and reads_default_graph_only(entry.text):
                from qgraph.checks.cache import combine

                digest, got = beside[entry.name]
                result = got if digest == combine(entry.text) else None
                if result is not None and used is not None:
                    used.append(entry.name)
            if result is None and memo is not None:
                result = _graph_local_rows(loaded, store, entry, memo, (local or {}).get(entry.name))
            if result is None:
                if store.repeats_union and not repeat_safe(entry):
                    store.merge()  # a corpus's own check: asked of the merge, as everywhere else
                result = store.query(entry.text)
        except QgraphError as e:
            raise QgraphError(f"queries/checks/{entry.path.name}: {e}") from None
        if basis is not None and reads_default_graph_only(entry.text):
            _keep_rows(memo, basis, entry, result)
        for row in result.rows:
            focus, graph, prop, value = check_focus(result.vars, row)
            file, line = where(loaded, focus, prop, value, graph=graph)
            values = {v: shown(loaded, t, loaded.prefixes) for v, t in zip(result.vars, row, strict=True) if t is not None}
            cells = ", ".join(f"{v}={c}" for v, c in values.items())
            # the summary's ?node, ?property… as this row has them ("fix: add … to ?node" was
            # printed as written, the values only in the list after it)
            said = _PLACEHOLDER.sub(lambda m, v=values: v.get(m.group(1), m.group()), entry.summary)
            problems.append(Problem(file, line, "Violation", f"check:{entry.name}",
                                    shown(loaded, focus, loaded.prefixes) if focus is not None else None,
                                    None, f"{said} ({cells})"))
    return problems


#: a variable named in a check's summary (its first comment line)
_PLACEHOLDER = re.compile(r"\?(\w+)")


def _keep_rows(memo: Any, basis: tuple[str, dict[str, str]], entry: Entry, result: Result) -> None:
    """Keep the rows of a check reading the default graph alone in ``memo`` (kind ``union``),
    with the data files' hashes they were found on (:mod:`qgraph.checks.unaffected`); not when a
    row holds a blank node (its label is new at each parse)."""
    from qgraph.checks.cache import cell, combine

    if result.kind not in ("select", "ask"):
        return
    cells = [[cell(t) for t in row] for row in result.rows]
    if any(c is not None and c[0] == "b" for row in cells for c in row):
        return
    key, files = basis
    from qgraph.checks.unaffected import kept_patterns

    kept_patterns(memo, entry.name, entry.text)  # read once, kept for the edits to come
    memo.put("union", entry.name, combine(key, combine(entry.text)),
             {"files": files, "kind": result.kind, "vars": list(result.vars), "rows": cells, "boolean": result.boolean})


def _graph_local_rows(loaded: Any, store: Store, entry: Entry, memo: Any,
                      given: dict[str, list] | None = None) -> Result | None:
    """The rows of a graph-local check: per named graph from ``memo`` where that graph's files are
    those they came from (else from ``given``, graph → [key, value] as the memo keeps them, where
    the key is the same; then kept in the memo), the other graphs' rows from the check run on a
    store holding only those graphs (on ``store`` when no graph's rows are stored). ``None``: not
    a graph-local check whose graph variable is a column."""
    from qgraph.checks.cache import cell, combine, graph_local, own_term
    from qgraph.corpus.store import OxigraphStore
    from qgraph.corpus.terms import text_of

    var = graph_local(entry.text)
    if var is None:
        return None
    files: dict[str, list[Any]] = {}
    for f in loaded.files:
        files.setdefault(f.graph, []).append(f)
    query = combine(entry.text)
    keys = {}
    for g, fs in files.items():
        keys[g] = graph_local_key(memo, query, g, fs)
    rows: list[tuple] = []
    names: list[str] | None = None
    todo = []
    for g in files:
        stored = memo.get("check:" + entry.name, g, keys[g])
        if stored is None and given is not None and keys[g] is not None and (got := given.get(g)) is not None \
                and got[0] == keys[g]:
            stored = got[1]
            memo.put("check:" + entry.name, g, keys[g], stored)
        if stored is None:
            todo.append(g)
            continue
        names = stored[0]
        rows += [tuple(own_term(c) for c in r) for r in stored[1]]
    if todo:
        if len(todo) == len(files):
            result = store.query(entry.text)
        else:
            wanted = set(todo)
            result = OxigraphStore([q for f in loaded.files if f.graph in wanted for q in loaded.quads_of(f)],
                                   loaded.prefixes).query(entry.text, own_terms=True)
        if result.kind != "select" or var not in result.vars:
            return None
        names = result.vars
        col = result.vars.index(var)
        fresh: dict[str, list] = {g: [] for g in todo}
        for row in result.rows:
            fresh.setdefault(text_of(row[col]), []).append(row)
        for g, got in fresh.items():
            cells = [[cell(t) for t in r] for r in got]
            if g in keys and not any(c is not None and c[0] == "b" for r in cells for c in r):
                memo.put("check:" + entry.name, g, keys[g], [names, cells])  # blank nodes: never kept
            rows += got
    return Result("select", names or [], rows)


def graph_local_key(memo: Any, query: str, graph: str, files: list[Any]) -> str | None:
    """The validation cache's key of a graph-local check's rows in ``graph`` (``query``: the hash
    of the check's text), read from the files ``files`` (those of the graph): ``None`` when the
    cache hashed no content for one of them."""
    from qgraph.checks.cache import combine

    digests = [memo.digest(_input_label(f)) for f in files]
    return None if None in digests else combine("check", query, graph, *[f.rel for f in files], *digests)


def _input_label(f: Any) -> str:
    """The cache's label of a loaded file (:func:`qgraph.checks.cache.inputs`)."""
    from qgraph.corpus.loading import ONTOLOGY_GRAPH

    return f"ontology:{f.rel}" if f.graph == ONTOLOGY_GRAPH else f.rel


@dataclass
class ExpectedChange:
    """A competency question whose expected answer differs from what it answers now."""

    entry: Entry
    target: Path  # where the new expected answer goes (the corpus's own queries/)
    text: str  # the new expected answer, SPARQL 1.1 CSV
    diffs: list[str]  # what changed (compare()'s lines); ["new"] for a question without one yet


def expected_text(result: Result, ordered: bool) -> str:
    """The expected-answer CSV of ``result``: rows sorted unless the query orders them; an ASK
    answer as a ``boolean`` header and one row."""
    if result.kind == "ask":
        return f"boolean\r\n{str(bool(result.boolean)).lower()}\r\n"
    if not ordered:
        result = Result(result.kind, result.vars, sorted(result.rows, key=lambda r: tuple(csv_cell(t) for t in r)),
                        result.boolean)
    return to_csv(result)


#: the one difference of a question with no expected answer of the corpus's own yet
UNRECORDED = "new: no expected answer yet"


def expected_changes(project: Project, store: Store, names: list[str] | None = None) -> list[ExpectedChange]:
    """The questions (all, or ``names``) whose expected answer differs from the current answer."""
    catalogue = {e.name: e for e in entries(project)}
    unknown = [n for n in names or [] if n not in catalogue]
    if unknown:
        raise QgraphError(f"unknown query {unknown[0]!r} (`qgraph queries` lists them)")
    out = []
    for name in names or sorted(catalogue):
        entry = catalogue[name]
        try:
            result = store.query(entry.text)
        except QgraphError as e:  # as `qgraph query NAME` says it: the question named
            raise QgraphError(f"{name}: {e}") from None
        if result.kind == "graph":
            continue  # CONSTRUCT/DESCRIBE questions have no CSV answer
        target = project.queries_dir / f"{name}.csv"
        text = expected_text(result, is_ordered(entry.text))
        if entry.expected_file is None or not entry.expected.is_file():
            out.append(ExpectedChange(entry, target, text, [UNRECORDED]))
            continue
        diffs = compare(result, entry)
        if diffs:
            out.append(ExpectedChange(entry, target, text, diffs))
    return out
