"""The evidence check: every quote is in its source, every described node has evidence.

For each data file ``data/<stem>.ttl`` (its own named graph):

- it describes its source document: a ``qg:SourceDocument`` whose ``dcterms:identifier`` is
  ``<stem>``, and ``data/sources/<stem>.txt`` exists;
- every evidence node (typed ``qg:Evidence`` or the object of ``qg:evidence``) is described in
  the file, has that document as its one ``oa:hasSource``, and has at least one
  ``oa:TextQuoteSelector`` whose ``oa:exact`` (with ``oa:prefix``/``oa:suffix``) picks exactly
  one place in the source text (:func:`qgraph.checks.quotes.find_quote`);
- every ``qgid:`` node the file describes, other than evidence nodes and SKOS concepts,
  carries ``qg:evidence`` in that file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from qgraph.checks.quotes import describe_matches
from qgraph.checks.report import Problem, locate, locate_quote, node_tokens
from qgraph.corpus.loading import QG, QGID, Loaded, SourceFile, _display, read_text
from qgraph.vocab import DCTERMS as DCT
from qgraph.vocab import OA, RDF_TYPE, SKOS


@dataclass
class EvidenceSummary:
    """What the check saw: passages verified and nodes with / without evidence."""

    passages: int = 0
    passages_found: int = 0
    described: int = 0
    with_evidence: int = 0
    problems: list[Problem] = field(default_factory=list)


class _Graph:
    """One named graph of the parsed quads, indexed subject → predicate → objects (pyoxigraph
    terms). The check reads each file's graph many times; rdflib's contextual store made that
    the slowest step of validating a large project."""

    def __init__(self) -> None:
        self.spo: dict[Any, dict[str, list[Any]]] = {}

    def add(self, s: Any, p: str, o: Any) -> None:
        self.spo.setdefault(s, {}).setdefault(p, []).append(o)

    def objects(self, s: Any, p: str) -> list[Any]:
        return self.spo.get(s, {}).get(p, [])

    def subjects(self, p: str, o: Any) -> list[Any]:
        return [s for s, po in self.spo.items() if o in po.get(p, ())]


#: the predicates the check reads (:func:`_check_file`, :func:`_skos_concepts`): the only ones
#: :func:`_graphs` indexes the objects of (every subject is indexed)
_READ = frozenset({RDF_TYPE, DCT + "identifier", QG + "evidence", OA + "hasSource", OA + "hasSelector",
                   OA + "exact", OA + "prefix", OA + "suffix"})


def _graphs(loaded: Loaded, skip: frozenset[str] = frozenset()) -> dict[str, _Graph]:
    """The data files' and the ontology's graphs (what the check reads), each from its files'
    slice of the quads (``skip``: data files not to index): every subject, and the objects of
    the predicates the check reads (:data:`_READ`).

    A file's statements about one subject come one after another (Turtle's ``;``), so the
    subject is looked up once per run of them, not once per quad (1M triples, the collector
    paused as the checks pause it: 0.88-0.93 s -> 0.74-0.81 s; with it running, 2.2-2.6 s ->
    1.5-1.7 s: fewer objects made; the same index of what the check reads)."""
    from itertools import groupby
    from operator import attrgetter

    from qgraph.corpus.loading import ONTOLOGY_GRAPH

    read = _READ
    subject = attrgetter("subject")
    graphs: dict[str, _Graph] = {}
    for f in loaded.files:
        if (f.stem is None and f.graph != ONTOLOGY_GRAPH) or f.rel in skip:
            continue
        g = graphs.setdefault(f.graph, _Graph())
        spo = g.spo
        for s, run in groupby(loaded.quads_of(f), subject):
            po = spo.get(s)
            if po is None:
                po = spo[s] = {}
            for q in run:
                p = q.predicate.value
                if p in read:
                    objects = po.get(p)
                    if objects is None:
                        po[p] = [q.object]
                    else:
                        objects.append(q.object)
    return graphs


def _key(loaded: Loaded, memo: Any, f: SourceFile) -> str | None:
    """The cache key of a file's result: the file, its source text and the ontology."""
    from qgraph.checks.cache import combine

    def make() -> str | None:
        src = loaded.project.display(loaded.project.source_text(f.stem))
        return combine("evidence", f.rel, memo.digest(f.rel), memo.digest(src), memo.ontology) \
            if memo.digest(f.rel) else None

    return memo.key("evidence", f.rel, make)


def to_check(loaded: Loaded, memo: Any = None) -> list[str]:
    """The data files (``rel``) whose result :func:`check` would compute, not take from ``memo``
    (counts no hit or miss)."""
    if memo is None:
        return [f.rel for f in loaded.data_files]
    return [f.rel for f in loaded.data_files if not memo.has("evidence", f.rel, _key(loaded, memo, f))]


def entries(loaded: Loaded, rels: list[str]) -> dict[str, list]:
    """The results of the files ``rels`` (data files of ``loaded``), each as the cache keeps it:
    [problem rows, passages, passages found, nodes described, nodes with evidence]. For
    :func:`check`'s ``given``: the build checks half of the files in a child process while
    this one checks the other half (1M triples: 2.6 -> ~1.4 s)."""
    from qgraph.checks.cache import problem_row

    wanted = set(rels)
    files = [f for f in loaded.data_files if f.rel in wanted]
    graphs = _graphs(loaded, frozenset(f.rel for f in loaded.data_files if f.rel not in wanted))
    concepts = _skos_concepts(graphs)
    out = {}
    for f in files:
        summary = EvidenceSummary()
        _check_file(loaded, f, graphs.get(f.graph, _Graph()), concepts, loaded.project.sources_dir, summary)
        out[f.rel] = [[problem_row(p) for p in summary.problems], summary.passages, summary.passages_found,
                      summary.described, summary.with_evidence]
    return out


def check(loaded: Loaded, memo: Any = None, given: dict[str, list] | None = None) -> EvidenceSummary:
    """Run the evidence check over every data file of ``loaded``.

    ``memo`` (:class:`qgraph.checks.cache.Memo`): a file's result is taken from it when the file,
    its source text and the ontology are those it was computed from (what the check of a file
    reads), and stored in it otherwise.

    ``given``: results computed elsewhere (:func:`entries`), used for their files as if
    computed here (stored in ``memo`` as computed)."""
    summary = EvidenceSummary()
    sources_dir = loaded.project.sources_dir
    stored: dict[str, Any] = {}
    keys: dict[str, str | None] = {}
    given = given or {}
    from qgraph.checks.cache import problem

    if memo is not None:
        for f in loaded.data_files:
            keys[f.rel] = _key(loaded, memo, f)
            value = memo.get("evidence", f.rel, keys[f.rel]) if f.rel not in given else None
            if value is not None:
                stored[f.rel] = value
    graphs = _graphs(loaded, frozenset(stored) | frozenset(given))
    concepts = _skos_concepts(graphs)
    for f in loaded.data_files:
        entry = stored.get(f.rel)
        if entry is None and f.rel in given:
            entry = given[f.rel]
            if memo is not None:
                memo.misses += 1  # computed, elsewhere
                memo.put("evidence", f.rel, keys[f.rel], entry)
        if entry is not None:
            rows, *numbers = entry
            summary.problems.extend(problem(r) for r in rows)
            for name, n in zip(("passages", "passages_found", "described", "with_evidence"), numbers, strict=True):
                setattr(summary, name, getattr(summary, name) + n)
            continue
        before = (len(summary.problems), summary.passages, summary.passages_found, summary.described,
                  summary.with_evidence)
        _check_file(loaded, f, graphs.get(f.graph, _Graph()), concepts, sources_dir, summary)
        if memo is not None:
            from qgraph.checks.cache import problem_row

            memo.put("evidence", f.rel, keys[f.rel], [
                [problem_row(p) for p in summary.problems[before[0]:]],
                summary.passages - before[1], summary.passages_found - before[2],
                summary.described - before[3], summary.with_evidence - before[4]])
    return summary


def _check_file(loaded: Loaded, f: SourceFile, g: _Graph, concepts: set, sources_dir: Any,
                summary: EvidenceSummary) -> None:
    """The evidence check of one data file (its problems and counts added to ``summary``)."""
    import pyoxigraph as ox

    ev_pred, src_pred, sel_pred = QG + "evidence", OA + "hasSource", OA + "hasSelector"
    problems = summary.problems
    short = _shortener(loaded, f)

    def add(line_tokens: list[str] | None, shape: str, focus: str | None, path: str | None, msg: str,
            line: int | None = None, f: Any = f, problems: list = problems) -> None:
        if line is None and line_tokens:
            line = locate(f.lines, line_tokens)
        problems.append(Problem(f.rel, line, "Violation", shape, focus() if callable(focus) else focus, path, msg))

    stem = ox.Literal(f.stem)
    docs = [s for s in g.subjects(RDF_TYPE, ox.NamedNode(QG + "SourceDocument"))
            if stem in g.objects(s, DCT + "identifier")]
    text = None
    src = sources_dir / f"{f.stem}.txt"
    if not docs:
        add(None, "check:source-document", None, None,
            f'describes no qg:SourceDocument with dcterms:identifier "{f.stem}"', line=1)
    elif len(docs) > 1:
        add(None, "check:source-document", None, None,
            f'describes {len(docs)} qg:SourceDocument nodes with dcterms:identifier "{f.stem}"', line=1)
    if not src.is_file():
        what = "is a folder, not a text file" if src.is_dir() else "is missing"
        add(None, "check:source-document", None, None,
            f"its source text data/sources/{f.stem}.txt {what}", line=1)
    else:
        text = read_text(src, loaded.project.display(src) if loaded.project is not None else _display(src, loaded.root))
    doc = docs[0] if len(docs) == 1 else None

    evidence_nodes = set(g.subjects(RDF_TYPE, ox.NamedNode(QG + "Evidence")))
    evidence_nodes |= {o for po in g.spo.values() for o in po.get(ev_pred, ())}
    for ev in sorted(evidence_nodes, key=str):
        tokens = node_tokens(ev.value, f.prefixes) if isinstance(ev, ox.NamedNode) else None
        name = partial(_name, short, ev)  # made only when a problem is reported
        if ev not in g.spo:
            line = locate(f.lines, tokens, prefer_subject=False) if tokens else None
            add(None, "check:evidence-described", name, "qg:evidence",
                "evidence node is not described in this file", line=line)
            continue
        sources = g.objects(ev, src_pred)
        if doc is not None and sources != [doc]:
            got = ", ".join(short(s) for s in sources) or "none"
            add(tokens, "check:evidence-source", name, "oa:hasSource",
                f"oa:hasSource must be {short(doc)} (this file's source document), found {got}")
        selectors = g.objects(ev, sel_pred)
        if not selectors:
            add(tokens, "check:quote-found", name, "oa:hasSelector", "evidence has no oa:hasSelector")
        for sel in selectors:
            exacts = g.objects(sel, OA + "exact")
            if len(exacts) != 1:
                add(tokens, "check:quote-found", name, "oa:exact",
                    f"a selector needs exactly one oa:exact, found {len(exacts)}")
                continue
            summary.passages += 1
            if text is None:
                continue
            exact = exacts[0].value
            prefix = _one(g, sel, OA + "prefix")
            suffix = _one(g, sel, OA + "suffix")
            try:
                why = describe_matches(text, exact, prefix, suffix)
            except ValueError as e:
                why = str(e)
            if why:
                own = locate(f.lines, tokens) if tokens else None
                line = locate_quote(f.lines, exact, f.prefixes, own) or own
                add(None, "check:quote-found", name, "oa:exact",
                    f"{why} data/sources/{f.stem}.txt: \"{_clip(exact)}\"{_difference(text, exact, f.stem)}", line=line)
            else:
                summary.passages_found += 1

    for s in sorted((s for s in g.spo if isinstance(s, ox.NamedNode) and s.value.startswith(QGID)), key=str):
        if s in evidence_nodes or s in concepts:
            continue
        summary.described += 1
        if g.objects(s, ev_pred):
            summary.with_evidence += 1
            if not g.objects(s, RDF_TYPE):
                # a shared thing cited here without its class: every question reading this
                # document's graph (cross-nation-passages) left it out, and validate said nothing
                add(node_tokens(s.value, f.prefixes), "check:typed-in-file", short(s), "rdf:type",
                    f"has qg:evidence in this file but no class here: type it in this file too "
                    f"({short(s)} a <its class>), as each file types the shared things it mentions")
        else:
            add(node_tokens(s.value, f.prefixes), "check:has-evidence", short(s), "qg:evidence",
                "described in this file without qg:evidence (every fact needs its passage)")


def _name(short: Any, term: Any) -> str:
    return short(term)


def _one(g: _Graph, s: Any, p: str) -> str | None:
    values = g.objects(s, p)
    return values[0].value if values else None


def _difference(text: str, exact: str, stem: str) -> str:
    """For a quote the text does not hold, where it first differs from the nearest passage (a
    curly quotation mark typed straight), as `qgraph quote` says it; "" where none is near."""
    from qgraph.corpus.passages import explain

    try:
        found = explain(text, exact)
    except ValueError:
        return ""
    if found.status != "missing" or not found.difference:
        return ""
    return f" (nearest passage: first difference at {found.difference}; `qgraph quote {stem} \"…\"` shows it)"


def _clip(s: str, n: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _skos_concepts(graphs: dict[str, _Graph]) -> set:
    import pyoxigraph as ox

    from qgraph.corpus.loading import ONTOLOGY_GRAPH

    g = graphs.get(ONTOLOGY_GRAPH, _Graph())
    out: set = set()
    for cls in ("Concept", "ConceptScheme"):
        out |= set(g.subjects(RDF_TYPE, ox.NamedNode(SKOS + cls)))
    return out


def _shortener(loaded: Loaded, f: SourceFile):
    from qgraph.corpus.terms import display

    prefixes = {**loaded.prefixes, **f.prefixes}
    return lambda t: display(t, prefixes)
