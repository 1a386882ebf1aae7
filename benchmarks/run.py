"""Side-by-side benchmark: the rdflib baseline vs qgraph's fast path, on the same synthetic data.

    python benchmarks/run.py --triples 100000 [--json FILE] [--seed 0] [--skip-baseline | --baseline-from EARLIER.json]

Baseline: rdflib in memory (one named graph per file) + pySHACL + rdflib's SPARQL engine and
serialisers. qgraph: pyoxigraph (parsed quads into an in-memory Store) + ``qgraph.checks.shacl`` +
Oxigraph's SPARQL engine and serialisers.

Every task runs in a fresh child process (``--child``) and reports its own seconds; the parent
takes the child's peak memory from ``os.wait4`` (ru_maxrss), or, for a command that forks, the sum
of its processes' resident set sizes, sampled, when that is larger (see ``_TreePeak``).
Loading before a timed step (e.g. before validation) is done in the child but not timed; the peak
memory includes it. To keep the baseline at 1M within minutes, all queries of one side run in one
child (so their peak memory is the same number: the loaded graph plus the worst query), and
likewise all exports. A baseline query is stopped after QGRAPH_BENCH_QUERY_LIMIT seconds (default
120); its row then reports the limit, marked, so its ratio is a lower bound. A question answered
in under a second is run three times and timed best of three, on both engines alike
(``REPEAT_UNDER``). qgraph's exports are each the median of three writes (``EXPORT_RUNS``); the
baseline's, at 20-50 s each at 1M, one write.

Data: ``python -m qgraph.synth`` writes ``benchmarks/out/synth-<N>/`` (no planted faults, so the
build conforms); outputs go to ``benchmarks/out/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))  # the pySHACL oracle (tests/oracles), the baseline's validator
SRC = ROOT / "src"
OUT = HERE / "out"
GRAPH_NS = "https://w3id.org/qgraph/graph/"
ONTOLOGY_FILES = ("qgraph.ttl", "alignments.ttl", "concepts.ttl")
EXPORTS = ("turtle", "ntriples", "nquads", "trig", "jsonld")
CHANGED_DOC_INDEX = 1  # the document edited for "validate: one document changed"


# --------------------------------------------------------------------------------------------
# Children: each does one task and prints {"task": seconds, ...} as JSON on its last line
# --------------------------------------------------------------------------------------------

def _files(root: Path) -> list[tuple[Path, str]]:
    out = [(root / "ontology" / f, GRAPH_NS + "ontology") for f in ONTOLOGY_FILES]
    out += [(p, GRAPH_NS + p.stem) for p in sorted((root / "data").glob("*.ttl"))]
    return out


def _prefixes() -> dict[str, str]:
    from qgraph.corpus.loading import project_prefixes

    return project_prefixes()


def _queries() -> list[Path]:
    """The catalogue; the cross-document self-joins last, so a baseline child that hits the
    timeout on them has already timed the others."""
    return sorted((ROOT / "queries").glob("*.rq"), key=lambda p: (p.stem.startswith("cross-"), p.stem))


# --- baseline (rdflib) ----------------------------------------------------------------------

def b_load(root: Path):
    from rdflib import Dataset, URIRef

    ds = Dataset(default_union=True)
    for path, g in _files(root):
        ds.graph(URIRef(g)).parse(path, format="turtle")
    return ds


def b_union(ds):
    from rdflib import Graph

    g = Graph()
    for t in ds.triples((None, None, None)):
        g.add(t)
    return g


def b_shapes():
    from rdflib import Graph

    return Graph().parse(ROOT / "ontology" / "shapes.ttl")


def b_validate(ds, shapes):
    from oracles.pyshacl_harness import pyshacl_results  # tests/oracles: the reference, not product code

    return pyshacl_results(b_union(ds), shapes)


def b_exports(ds, out: Path) -> dict[str, float]:

    times = {}
    union = None
    for fmt in EXPORTS:
        t = time.perf_counter()
        if fmt in ("nquads", "trig"):
            ds.serialize(out / f"baseline.{fmt}", format=fmt)
        else:
            if union is None:
                union = b_union(ds)
            union.serialize(out / f"baseline.{fmt}", format={"turtle": "turtle", "ntriples": "nt",
                                                             "jsonld": "json-ld"}[fmt])
        times[fmt] = time.perf_counter() - t
    return times


# --- qgraph (pyoxigraph + fastshacl) ---------------------------------------------------------

def q_load(root: Path):
    import pyoxigraph as ox

    from qgraph.corpus.loading import paused_gc

    quads = []
    with paused_gc():  # as qgraph.pipeline.check loads (the collector would rescan the growing list)
        for path, g in _files(root):
            gn = ox.NamedNode(g)
            quads += [ox.Quad(q.subject, q.predicate, q.object, gn)
                      for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]
        store = ox.Store()
        store.bulk_extend(quads)  # as qgraph.corpus.store does: a fresh in-memory store needs no transaction
    return store, quads


def q_validator(store, quads):
    from qgraph.checks import shacl as fastshacl
    shapes = fastshacl.Shapes.from_files([ROOT / "ontology" / "shapes.ttl"])
    return fastshacl.Validator(store, shapes, quads)


def q_exports(store, quads, out: Path) -> dict[str, float]:
    """Serialise the parsed quads (not the Store: it normalises literals, see fastshacl)."""
    import pyoxigraph as ox

    times = {}
    triples = None
    prefixes = _prefixes()
    for fmt in EXPORTS:
        t = time.perf_counter()
        if fmt in ("nquads", "trig", "jsonld"):
            kw = {"prefixes": prefixes} if fmt == "trig" else {}
            ox.serialize(quads, output=str(out / f"qgraph.{fmt}"),
                         format={"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                                 "jsonld": ox.RdfFormat.JSON_LD}[fmt], **kw)
        else:
            if triples is None:
                triples = list(dict.fromkeys(q.triple for q in quads))  # union: one copy of each triple
            kw = {"prefixes": prefixes} if fmt == "turtle" else {}
            ox.serialize(triples, output=str(out / f"qgraph.{fmt}"),
                         format={"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}[fmt], **kw)
        times[fmt] = time.perf_counter() - t
    return times


def serve_rows(root: Path, timeout: float) -> list[dict]:
    """`qgraph serve` over the generated data, in a process of its own as a user runs it, the
    catalogue queries from 8 client threads of another (benchmarks/serve_latency.py): p50 and p95
    latency in seconds. No baseline: rdflib has no server of its own here. Twice: as served (the
    answer cache on: after the warm-up pass the timed rounds are answered from it), and with the
    cache off ("cache off": every request evaluated by a worker)."""
    import re
    import subprocess

    rows: list[dict] = []
    for label, extra in (("serve (8 clients)", []), ("serve (8 clients, cache off)", ["--cache-bytes", "0"])):
        cmd = [sys.executable, str(ROOT / "benchmarks" / "serve_latency.py"), "--root", str(root),
               "--concurrency", "8", "--rounds", "2", *extra]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=command_env())
        except subprocess.TimeoutExpired:
            rows.append({"task": label, "baseline_s": None, "qgraph_s": None, "ratio": None,
                         "baseline_peak_mib": None, "qgraph_peak_mib": None, "note": f"timeout after {timeout} s"})
            continue
        m = re.search(r"^ALL \(.*?\)\s+([\d.]+)\s+([\d.]+)", r.stdout, re.M)
        if r.returncode != 0 or m is None:
            rows.append({"task": label, "baseline_s": None, "qgraph_s": None, "ratio": None,
                         "baseline_peak_mib": None, "qgraph_peak_mib": None,
                         "note": "failed: " + (r.stderr.strip().splitlines() or ["no output"])[-1][:120]})
            continue
        rows += [{"task": f"{label} {k}", "baseline_s": None, "qgraph_s": round(float(v) / 1000, 4),
                  "ratio": None, "baseline_peak_mib": None, "qgraph_peak_mib": None}
                 for k, v in (("p50", m.group(1)), ("p95", m.group(2)))]
    return rows


def _edit(root: Path) -> tuple[Path, str]:
    """The edited document: a copy of document 1 with one date changed (written beside it)."""
    path = sorted((root / "data").glob("*.ttl"))[CHANGED_DOC_INDEX - 1]
    edited = OUT / f"edited-{root.name}.ttl"
    text = path.read_text(encoding="utf-8")
    import re

    edited.write_text(re.sub(r'"(\d{4})-(\d\d)-(\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}-{m.group(2)}-{m.group(3)}"^^xsd:date', text, count=1),
                      encoding="utf-8")
    return edited, GRAPH_NS + path.stem


QUERY_LIMIT = float(os.environ.get("QGRAPH_BENCH_QUERY_LIMIT", "120"))  # seconds per baseline query


class _OverLimit(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise _OverLimit in this (main) thread after ``seconds`` (SIGALRM)."""
    def ring(signum, frame):
        raise _OverLimit()

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


#: how many times the "exports" child writes every format (each export row: the median)
EXPORT_RUNS = 3

#: a competency question answered in less than this many seconds is run twice more and timed best
#: of three, on both engines alike: at a few milliseconds a single run is mostly the first
#: evaluation's one-off costs (caches, allocation), not the engine's speed
REPEAT_UNDER = 1.0


def _timed(run: Any) -> tuple[Any, float]:
    """``run()``'s value and its seconds: one run, or best of three when the first is under
    :data:`REPEAT_UNDER` (each run parses the query again, as the first did)."""
    t = time.perf_counter()
    value = run()
    best = time.perf_counter() - t
    if best < REPEAT_UNDER:
        for _ in range(2):
            t = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t)
    return value, best


def export_times(loaded: Any, out: Path) -> dict[str, float]:
    """``export:<format>`` → seconds: the median of :data:`EXPORT_RUNS` writes of each format,
    each pass from a fresh :class:`qgraph.publish.exports.Exporter` (so the Turtle, written
    first, sorts the quads again, as the build's first export does). One write each read 1.03 to
    1.14 for the exponent of the same code from 100k to 1M (``--growth``)."""
    import gc

    from qgraph.corpus.loading import paused_gc
    from qgraph.publish.exports import FORMATS, Exporter

    times: dict[str, list[float]] = {}
    for _ in range(EXPORT_RUNS):
        with paused_gc():  # as qgraph.pipeline.build writes them
            exporter = Exporter(loaded)
            for fmt, name in FORMATS.items():
                t = time.perf_counter()
                with open(out / name, "wb") as fh:
                    exporter.writer(fmt)(fh)
                times.setdefault(f"export:{fmt}", []).append(time.perf_counter() - t)
            del exporter  # its sorted quads let go before the next pass makes its own
        gc.collect()
    return {k: statistics.median(v) for k, v in times.items()}


def _progress(res: dict, stem: str) -> None:
    """Print a finished query at once, so a child killed by the timeout still reports it."""
    print(json.dumps({f"query:{stem}": res[f"query:{stem}"], f"rows:{stem}": res[f"rows:{stem}"]}), flush=True)


def child(task: str, side: str, root: Path) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    exp_dir = OUT / f"exports-{root.name}-{side}"
    exp_dir.mkdir(exist_ok=True)
    res: dict = {}
    if side == "baseline":
        if task == "load":
            t = time.perf_counter(); b_load(root); res["load"] = time.perf_counter() - t
        elif task == "validate":
            ds, shapes = b_load(root), b_shapes()
            t = time.perf_counter(); r = b_validate(ds, shapes); res["validate"] = time.perf_counter() - t
            res["results"] = len(r)
        elif task == "validate-one-doc":
            from rdflib import URIRef

            ds, shapes = b_load(root), b_shapes()
            b_validate(ds, shapes)
            edited, g = _edit(root)
            t = time.perf_counter()
            ds.remove_graph(ds.graph(URIRef(g)))
            ds.graph(URIRef(g)).parse(edited, format="turtle")
            r = b_validate(ds, shapes)
            res["validate-one-doc"] = time.perf_counter() - t
            res["results"] = len(r)
        elif task == "queries":
            from rdflib.plugins.sparql import prepareQuery

            ds = b_load(root)
            pre = _prefixes()
            for q in _queries():
                text = q.read_text(encoding="utf-8")
                try:
                    with _time_limit(QUERY_LIMIT):
                        rows, res[f"query:{q.stem}"] = _timed(lambda text=text: list(ds.query(prepareQuery(text, initNs=pre))))
                except _OverLimit:
                    # rdflib's engine is pure Python, so the alarm stops it; the row reports the
                    # limit as the baseline time (the ratio is then a lower bound)
                    res[f"query:{q.stem}"] = QUERY_LIMIT
                    res[f"over:{q.stem}"] = QUERY_LIMIT
                    print(json.dumps({f"query:{q.stem}": QUERY_LIMIT, f"over:{q.stem}": QUERY_LIMIT}), flush=True)
                    continue
                res[f"rows:{q.stem}"] = len(rows)
                _progress(res, q.stem)
        elif task == "exports":
            ds = b_load(root)
            res.update({f"export:{k}": v for k, v in b_exports(ds, exp_dir).items()})
        elif task == "build":
            t = time.perf_counter()
            ds = b_load(root)
            r = b_validate(ds, b_shapes())
            b_exports(ds, exp_dir)
            res["build"] = time.perf_counter() - t
            res["results"] = len(r)
    else:
        if task == "load":
            t = time.perf_counter(); q_load(root); res["load"] = time.perf_counter() - t
        elif task == "validate":
            store, quads = q_load(root)
            t = time.perf_counter()
            r = q_validator(store, quads).validate()
            res["validate"] = time.perf_counter() - t
            res["results"] = len(r)
        elif task == "validate-one-doc":
            import pyoxigraph as ox

            store, quads = q_load(root)
            v = q_validator(store, quads)
            previous = v.validate()
            edited, g = _edit(root)

            def reload():
                gn = ox.NamedNode(g)
                store.clear_graph(gn)
                new = [ox.Quad(q.subject, q.predicate, q.object, gn)
                       for q in ox.parse(path=str(edited), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]
                store.extend(new)
                v.add_raw(new)

            t = time.perf_counter()
            r = v.revalidate_graph(g, reload, previous)
            res["validate-one-doc"] = time.perf_counter() - t
            res["results"] = len(r)
            res["local"] = v.shapes.local
        elif task == "queries":
            import pyoxigraph as ox

            store, quads = q_load(root)
            # as qgraph.corpus.store does: the default graph holds the merge of the named graphs (each
            # triple once, as rdflib's default_union), not Oxigraph's union view (which repeats a
            # triple stated in several documents)
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
            pre = _prefixes()
            for q in _queries():
                text = q.read_text(encoding="utf-8")
                rows, res[f"query:{q.stem}"] = _timed(lambda text=text: list(store.query(text, prefixes=pre)))
                res[f"rows:{q.stem}"] = len(rows)
                _progress(res, q.stem)
        elif task == "exports":
            # the product's own writers (qgraph.publish.exports: deterministic, canonical), one file each
            from qgraph.corpus.loading import load

            res.update(export_times(load(root), exp_dir))
        elif task == "build":
            # what `qgraph build` runs (qgraph.pipeline): load, evidence check, fast SHACL, the
            # violation checks, then every export; the exports are written even though the
            # synthetic data carries planted violations (the command would stop there)
            from qgraph.corpus.loading import paused_gc
            from qgraph.pipeline import check
            from qgraph.publish.exports import Exporter, write_atomically

            t = time.perf_counter()
            outcome = check(root)
            with paused_gc():  # as qgraph.pipeline.build does
                write_atomically(Exporter(outcome.loaded).jobs(exp_dir / "build"))
            res["build (inner: pipeline.check + exports, no summary)"] = time.perf_counter() - t
            res["results"] = len(outcome.problems)
        elif task == "build-oxigraph-serialisers":
            # not the product: load + fast SHACL + pyoxigraph's own serialisers (not canonical, no
            # evidence check, no framed views); shows what the store alone could do
            t = time.perf_counter()
            store, quads = q_load(root)
            r = q_validator(store, quads).validate()
            q_exports(store, quads, exp_dir)
            res["build-oxigraph-serialisers"] = time.perf_counter() - t
            res["results"] = len(r)
    return res


# --------------------------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------------------------

def run_child(args: list[str], timeout: float | None = None) -> tuple[dict, float, float]:
    """Run a child; return (its JSON, wall seconds, peak MiB)."""
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    tree = _TreePeak(p.pid)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        partial: dict = {}
        for ln in out.splitlines():
            if ln.startswith("{"):
                partial.update(json.loads(ln))
        partial["error"] = f"timeout after {timeout:.0f} s"
        return partial, time.perf_counter() - t, tree.peak(_child_maxrss.pop(p.pid, 0.0))
    wall = time.perf_counter() - t
    # wait4 is done by communicate(); ru_maxrss read from the rusage recorded (see _TreePeak)
    peak = tree.peak(_child_maxrss.pop(p.pid, 0.0))
    if p.returncode != 0:
        return {"error": (err.strip().splitlines() or ["?"])[-1]}, wall, peak or 0.0
    merged: dict = {}
    for ln in out.strip().splitlines():
        if ln.startswith("{"):
            merged.update(json.loads(ln))
    return (merged or {"error": "no output"}), wall, peak or 0.0


_child_maxrss: dict[int, float] = {}
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _session(pid: int) -> int | None:
    """The session id of process ``pid`` (``None`` when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return int(fh.read().rpartition(")")[2].split()[3])
    except (OSError, ValueError, IndexError):
        return None


class _TreePeak:
    """The peak memory of a command that forks: ``ru_maxrss`` (from ``os.wait4``) is the largest
    single process's, so a qgraph command whose children work beside it (the term checks, the
    union checks, SHACL-for-SHACL) would be counted as its largest process alone. While the
    child ``pid`` runs, a thread looks every :attr:`EVERY` seconds for its descendants and,
    whenever there are any, sums their resident set sizes (``/proc/<pid>/statm``) over the whole
    tree: a page shared copy-on-write after a fork counts in each process that maps it, so the
    sum is an upper bound of the memory they use together. (Their proportional set sizes, which
    count such a page once, cost a walk of each process's page tables to read: 23 ms a read at
    1.5 GiB, which at this rate took a quarter of a core from the command timed and slowed the
    edit-check by ~1 s.) :meth:`peak` is the larger of that sum and the ``ru_maxrss`` given (a
    sampled sum can miss a short spike; ``ru_maxrss`` does not, for one process). Where /proc is
    missing, ``ru_maxrss`` alone."""

    EVERY = 0.1

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.sampled, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        """The command's process and its descendants in its session: a descendant that has left
        it (``setsid``: the kept validation store's writer, forked once the command has answered,
        which detaches itself at once and has a row of its own) is not the command's. Counted,
        the writer's first moments, sharing every page of a 1.2 GiB build, doubled the sum
        whenever a sample fell on them."""
        session = _session(self.pid)
        pids, i = [self.pid], 0
        while i < len(pids):
            with contextlib.suppress(OSError):
                for task in os.listdir(f"/proc/{pids[i]}/task"):
                    with open(f"/proc/{pids[i]}/task/{task}/children", encoding="ascii") as fh:
                        pids += [c for c in map(int, fh.read().split()) if _session(c) == session]
            i += 1
        return pids

    def _watch(self) -> None:
        while not self._stop.wait(self.EVERY):
            pids = self._tree()
            if len(pids) < 2:
                continue
            pages = 0
            for pid in pids:
                with contextlib.suppress(OSError, ValueError, IndexError):
                    with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                        pages += int(fh.read().split()[1])
            self.sampled = max(self.sampled, pages * PAGE / 2**20)

    def peak(self, maxrss: float) -> float:
        self._stop.set()
        self._thread.join()
        return max(maxrss, self.sampled)


def _install_wait4() -> None:
    """Make subprocess reap children with os.wait4, keeping each child's ru_maxrss (KiB on Linux)."""
    real_waitpid = os.waitpid

    def waitpid(pid, options):
        if pid <= 0:
            return real_waitpid(pid, options)
        rpid, status, usage = os.wait4(pid, options)
        if rpid:
            _child_maxrss[rpid] = usage.ru_maxrss / 1024
        return rpid, status

    subprocess.os.waitpid = waitpid  # type: ignore[attr-defined]


def fixed_work(times: int = 3) -> float:
    """Seconds of a fixed pure-Python workload (300,000 strings made from integers, then sorted),
    best of ``times``: the same work in every run on every machine, so that a run's rows can be
    read against how fast the machine was while it ran. This machine's speed moves between
    sessions and within one (the load + fast SHACL + pyoxigraph's writers row, whose code did not
    change, took 11.4 s in a run of 2026-12-01 and 16.3-17.6 s in two runs of the next session)."""
    best = float("inf")
    for _ in range(times):
        t = time.perf_counter()
        sorted([str(i * 7919 % 1000003) for i in range(300_000)])
        best = min(best, time.perf_counter() - t)
    return best


def machine_row(start: float, end: float) -> dict:
    """The "machine" row: :func:`fixed_work` at the run's start and at its end; its figure the
    slower of the two (what the machine gave at its slowest that was seen), the note both. Not a
    time of qgraph's: ``--growth`` gives it no exponent."""
    return {"task": "machine: a fixed Python workload", "baseline_s": None, "qgraph_s": round(max(start, end), 4),
            "ratio": None, "baseline_peak_mib": None, "qgraph_peak_mib": None,
            "note": f"the same work in every run: {start:.3f} s at the run's start, {end:.3f} s at its end "
                    "(best of three each); compare runs by it"}


def startup_row() -> dict:
    """`qgraph --help` (the installed console script, else ``python -m qgraph.cli``) against a
    bare ``python -c pass``: interleaved runs, median. Bytecode is compiled once into a
    temporary cache (PYTHONPYCACHEPREFIX) first, as an installed package has it; without
    that (PYTHONDONTWRITEBYTECODE, as on this machine) every run would recompile cli.py."""
    import tempfile

    py = sys.executable
    script = Path(py).with_name("qgraph")
    cli = [str(script), "--help"] if script.exists() else [py, "-m", "qgraph.cli", "--help"]
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPATH=str(SRC), PYTHONPYCACHEPREFIX=cache)

        def once(cmd: list[str]) -> tuple[float, float]:
            t = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            p.wait()
            return time.perf_counter() - t, _child_maxrss.pop(p.pid, 0.0)

        once(cli), once([py, "-c", "pass"])  # warm-up: writes the bytecode cache
        base, q = [], []
        for _ in range(21):
            base.append(once([py, "-c", "pass"]))
            q.append(once(cli))
    b, bpeak = statistics.median(t for t, _ in base), max(m for _, m in base)
    c, qpeak = statistics.median(t for t, _ in q), max(m for _, m in q)
    what = "qgraph --help" if script.exists() else "python -m qgraph.cli --help"
    return {"task": f"startup: {what} vs python -c pass", "baseline_s": round(b, 4),
            "qgraph_s": round(c, 4), "ratio": round(c / b, 2), "baseline_peak_mib": round(bpeak, 1),
            "qgraph_peak_mib": round(qpeak, 1), "note": "ratio = qgraph / python (target <= 1.5)"}


def command_env() -> dict[str, str]:
    """The environment of each timed qgraph command: qgraph's modules read from their bytecode,
    as an installed package (or a checkout with Python's defaults) has it. qgraph's own bytecode
    is compiled beside its sources once, first; ``PYTHONDONTWRITEBYTECODE`` (set on this machine)
    is left out, else every command timed would compile every qgraph module it imports again
    (the edit-check at 1M: ~0.04 s of its ~0.87 s). The libraries' bytecode is pip's."""
    if not _compiled:
        import compileall

        compileall.compile_dir(str(SRC / "qgraph"), quiet=1)  # written whatever PYTHONDONTWRITEBYTECODE says
        _compiled.append(True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")
    return env


_compiled: list[bool] = []


def _qgraph(args: list[str]) -> list[str]:
    """The command line of ``qgraph ARGS`` as a user runs it: the installed script beside this
    interpreter, else ``python -m qgraph``."""
    script = Path(sys.executable).with_name("qgraph")
    return ([str(script)] if script.exists() else [sys.executable, "-m", "qgraph"]) + args


def _time_command(args: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """One qgraph command in a new process: (wall seconds, peak MiB, exit code)."""
    cmd = _qgraph(args)
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=command_env(), cwd=cwd)
    tree = _TreePeak(p.pid)
    _, err = p.communicate()
    wall = time.perf_counter() - t
    return wall, tree.peak(_child_maxrss.pop(p.pid, 0.0)), p.returncode


def _serve_start(root: Path, ceiling: float = 1800.0) -> tuple[float, float, int, str | None]:
    """``qgraph serve`` in a new process (a free port), from its start until it says where it
    serves (its workers hold the graph and the explorer's pictures are worked out): (wall
    seconds, peak MiB of the server and its workers, 0 if it came to serve, a note of their
    proportional memory then); then stopped as ``kill`` stops it. A server still silent after ``ceiling`` seconds is killed (its exit
    code in the row)."""
    import threading

    cmd = _qgraph(["serve", "--root", str(root), "--port", "0", "--no-progress"])
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=command_env())
    tree = _TreePeak(p.pid)
    served = False
    watchdog = threading.Timer(ceiling, p.kill)
    watchdog.start()
    assert p.stderr is not None
    for line in p.stderr:
        if "serving http://" in line:
            served = True
            break
    wall = time.perf_counter() - t
    watchdog.cancel()
    shared = _proportional_mib(tree._tree()) if served else None
    p.send_signal(signal.SIGTERM)
    p.communicate()
    note = f"{shared:.0f} MiB proportional when it serves (a shared page counted once)" if shared else None
    return wall, tree.peak(_child_maxrss.pop(p.pid, 0.0)), 0 if served else (p.returncode or 1), note


def _proportional_mib(pids: list[int]) -> float | None:
    """The summed proportional set sizes (``Pss``) of ``pids``, read once: a page that processes
    share (the query workers forked from the process that holds the graph) counted once, split
    among them, where the sampled peak counts it in each. None where /proc does not say."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            return None
    return total / 1024


def _kept_store_written(root: Path) -> tuple[float, float, int]:
    """Wait for the process a whole ``qgraph validate`` (or a ``qgraph build``) leaves writing the
    kept validation store (qgraph.checks.kept_store) once it has answered: (seconds waited, that
    process's peak MiB as far as seen, 0). The edit-check is timed once it is done, as a
    curator's next run after an edit finds it."""
    import threading

    from qgraph.checks import kept_store
    from qgraph.checks.cache import CACHE_DIR

    cache = root / CACHE_DIR
    pid, peak, done = 0, 0.0, threading.Event()
    with contextlib.suppress(OSError, ValueError):
        pid = int((cache / kept_store.LOCK).read_text(encoding="ascii").strip() or 0)

    def watch() -> None:
        nonlocal peak
        while pid and not done.wait(0.05):
            with contextlib.suppress(OSError, ValueError):
                with open(f"/proc/{pid}/status", encoding="ascii") as fh:
                    for line in fh:
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]) / 1024)

    t = time.perf_counter()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    kept_store.settled(cache)
    wall = time.perf_counter() - t
    done.set()
    watcher.join()
    return wall, peak, 0


#: how many edit-checks the "edit-check" row is the median of
EDIT_CHECKS = 5

#: how many cold builds the "build" row (its qgraph side) is the median of
COLD_BUILDS = 3


def _median_row(task: str, runs: list[tuple[float, float, int]], what: str, ok: tuple[int, ...] = (0, 1)) -> dict:
    """A row of ``runs`` ((wall, peak MiB, exit code) each): the median wall, the highest peak;
    its note says what was run, the fastest and the slowest, and any exit code not in ``ok``."""
    walls = sorted(w for w, _, _ in runs)
    bad = sorted({rc for _, _, rc in runs if rc not in ok})
    note = f"median of {len(runs)} runs ({what}), fastest {walls[0]:.2f} s, slowest {walls[-1]:.2f} s"
    if bad:
        note += f"; exit code {', '.join(map(str, bad))}"
    return {"task": task, "baseline_s": None, "qgraph_s": round(statistics.median(walls), 4), "ratio": None,
            "baseline_peak_mib": None, "qgraph_peak_mib": round(max(m for _, m, _ in runs), 1), "note": note}


def cold_builds(root: Path, out_dir: Path, times: int = COLD_BUILDS, timed: Any = None,
                written: list | None = None) -> dict:
    """The "command: qgraph build" row, the qgraph side of "build": ``qgraph build`` (a new
    process, its summary included) with no cache, ``times`` times, the cache (.qgraph-cache/)
    removed before each; the median, its note the fastest and the slowest. One cold build at 1M
    was 21.2-24.2 s in four runs of this script on one machine (2026-12-01), and 23.4-25.9 s in
    six builds of the same code back to back the next session: one sample is at the mercy of the
    machine. The last build's cache is left in place (the "cache warm" row uses it).

    After each build, the process it leaves writing the kept validation store is waited for
    (untimed; :func:`_kept_store_written`, its wait and peak added to ``written`` when given), so
    that no build runs beside the last one's writer."""
    import shutil

    from qgraph.checks.cache import CACHE_DIR

    def cold() -> tuple[float, float, int]:
        return _time_command(["build", "--root", str(root), "--out", str(out_dir)])

    timed = timed or cold
    runs = []
    for _ in range(times):
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
        runs.append(timed())
        waited = _kept_store_written(root)
        if written is not None:
            written.append(waited)
    return _median_row("command: qgraph build", runs, "each with no cache", ok=(0,))


def edit_checks(root: Path, doc: Path, original: bytes, edited: bytes, times: int = EDIT_CHECKS,
                timed: Any = None) -> dict:
    """The "edit-check" row: ``qgraph validate`` (a new process) after one edit, ``times`` times,
    the document edited and restored in turn, so that each run finds one document changed since
    the last (its kept store written before each, as a curator's next run finds it). The row
    is the median, its note the fastest and the slowest: a single sub-second run is at the
    mercy of a stall of the machine (a run's one sample took 1.22 s, eleven runs timed the same
    way after it 0.80-0.93 s, 2026-12-01).
    The document is left edited or restored as the last run had it (the caller restores it)."""
    timed = timed or (lambda: _time_command(["validate", "--root", str(root)]))
    runs = []
    for i in range(times):
        doc.write_bytes(edited if i % 2 == 0 else original)
        runs.append(timed())
        _kept_store_written(root)
    return _median_row("edit-check", runs, "each after one edit")


def command_rows(root: Path) -> list[dict]:
    """What users run, each a whole command in a new process: ``qgraph build`` (the summary
    included) with no cache, three times (:func:`cold_builds`: the median; "build: kept store
    written, after the command": the wait for the process each leaves writing the kept
    validation store, the median), ``qgraph build``
    again with the cache it wrote ("command: qgraph build, cache warm"), ``qgraph validate
    --no-cache`` ("command: qgraph validate"), ``qgraph validate``
    with its cache (.qgraph-cache/) missing ("validate: cold cache"), the wait for the kept
    validation store it writes once it has answered ("validate: kept store written, after the
    command"), then again with nothing changed ("validate: nothing changed"), ``qgraph validate``
    after editing one document, its cache warmed (untimed) and its kept store written just
    before, five times (:func:`edit_checks`: "edit-check", the median), ``qgraph stats`` with
    no cache (counted), then again ("counts kept": read from the cache the first wrote),
    ``qgraph show`` and ``qgraph query`` (:data:`QUERY_ROW`), each then again ("card kept",
    "answer kept": printed from what the first kept), and ``qgraph serve`` until it serves
    (:func:`_serve_start`), then again ("pictures kept": the explorer's pictures read from what
    the first kept)."""
    import shutil

    from qgraph.checks.cache import CACHE_DIR

    out_dir = OUT / f"build-{root.name}"
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    rows = []

    def row(task: str, res: tuple, ok: tuple[int, ...] = (0,)) -> None:
        wall, peak, rc = res[:3]
        r = {"task": task, "baseline_s": None, "qgraph_s": round(wall, 4), "ratio": None,
             "baseline_peak_mib": None, "qgraph_peak_mib": round(peak, 1)}
        notes = ([f"exit code {rc}"] if rc not in ok else []) + [n for n in res[3:] if n]
        if notes:
            r["note"] = "; ".join(notes)
        rows.append(r)
        print(f"  {task}: {wall:.2f} s, peak {peak:.0f} MiB, exit {rc}", flush=True)

    def median(r: dict) -> None:
        rows.append(r)
        print(f"  {r['task']}: {r['qgraph_s']:.2f} s ({r['note']}), peak {r['qgraph_peak_mib']:.0f} MiB", flush=True)

    written: list = []
    median(cold_builds(root, out_dir, written=written))  # -> "build"
    median(_median_row("build: kept store written, after the command", written, "after each cold build"))
    # the build writes the validation cache: built again with nothing changed, then the cache removed
    row("command: qgraph build, cache warm", _time_command(["build", "--root", str(root), "--out", str(out_dir)]))
    _kept_store_written(root)  # (untimed) its writer done before the cache is removed
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    row("command: qgraph validate", _time_command(["validate", "--root", str(root), "--no-cache"]), (0, 1))
    row("validate: cold cache", _time_command(["validate", "--root", str(root)]), (0, 1))
    row("validate: kept store written, after the command", _kept_store_written(root))
    row("validate: nothing changed", _time_command(["validate", "--root", str(root)]), (0, 1))
    doc = sorted((root / "data").glob("*.ttl"))[CHANGED_DOC_INDEX - 1]
    original = doc.read_bytes()
    edited, _ = _edit(root)
    try:
        _time_command(["validate", "--root", str(root)])  # the cache warmed (untimed)
        _kept_store_written(root)
        median(edit_checks(root, doc, original, edited.read_bytes()))
    finally:
        doc.write_bytes(original)
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    row("command: qgraph stats", _time_command(["stats", "--root", str(root)]))  # no cache: counted
    row("command: qgraph stats, counts kept", _time_command(["stats", "--root", str(root)]))  # as the last one kept them
    row("command: qgraph show", _time_command(["show", "--root", str(root), f"qgid:doc-{doc.stem}"]))
    row("command: qgraph show, card kept", _time_command(["show", "--root", str(root), f"qgid:doc-{doc.stem}"]))
    asked = ["query", QUERY_ROW, "--format", "csv", "--root", str(root)]
    row("command: qgraph query", _time_command(asked))  # no answer kept: the cache's answers are new
    row("command: qgraph query, answer kept", _time_command(asked))
    row("command: qgraph serve, until it serves", _serve_start(root))  # the pictures worked out and kept
    row("command: qgraph serve, until it serves, pictures kept", _serve_start(root))
    return rows


#: the question the "command: qgraph query" rows ask (a catalogue question of the synthetic corpus)
QUERY_ROW = "cross-people-offices"


def growth(paths: list[Path]) -> str:
    """The exponent k of time ∝ triples^k between benchmark JSON files of different sizes
    (each written by --json, its size taken from the ``triples`` row)."""
    import math

    runs = []
    for p in paths:
        rows = json.loads(p.read_text(encoding="utf-8"))
        size = next((r["qgraph_s"] for r in rows if r["task"] == "triples"), None)
        if size is None:
            raise SystemExit(f"{p}: no triples row (written by an older run.py)")
        runs.append((size, {r["task"]: r["qgraph_s"] for r in rows if r.get("qgraph_s")}))
    runs.sort(key=lambda r: r[0])
    tasks = [t for t in runs[0][1] if (t == "build" or t.startswith(("validate", "export:", "command:", "edit-check",
                                                                        "load"))) and not t.endswith("%)")]
    # (a row "… (qgraph, %)" is a ratio of two times, not a time: no exponent)
    lines = ["task" + "".join(f"  k {int(a[0]):,}->{int(b[0]):,}" for a, b in zip(runs, runs[1:], strict=False))]
    for t in tasks:
        ks = []
        for (n1, a), (n2, b) in zip(runs, runs[1:], strict=False):
            ks.append(f"{math.log(b[t] / a[t]) / math.log(n2 / n1):.2f}" if t in a and t in b and a[t] > 0 else "-")
        lines.append(f"{t:44}" + "".join(f"{k:>20}" for k in ks))
    return "\n".join(lines)


def _earlier_baseline(path: Path, triples: int) -> dict[str, tuple[float, float, str]]:
    """The baseline's (seconds, peak MiB) per task from an earlier run's JSON rows, refused unless
    that run had the same number of triples (the synthetic data is a function of size and seed)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SystemExit(f"{path}: cannot read the earlier run's rows: {e}") from None
    size = next((r["qgraph_s"] for r in rows if r.get("task") == "triples"), None)
    if size != triples:
        raise SystemExit(f"{path}: that run had {size} triples, this one {triples}: the baseline does not apply")
    return {r["task"]: (r["baseline_s"], r["baseline_peak_mib"], r.get("note", "")) for r in rows
            if r.get("baseline_s") is not None and not r["task"].startswith("query:")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=10000)
    ap.add_argument("--json", type=Path, help="write the rows as JSON here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-baseline", action="store_true", help="only the qgraph side")
    ap.add_argument("--baseline-from", type=Path, metavar="JSON",
                    help="take the baseline's rows from an earlier --json output of the same size and seed "
                         "(the baseline's code does not change with qgraph's; its 1M side takes about 25 minutes) "
                         "and run only the qgraph side, but for the questions, timed afresh on both engines; the table says so")
    ap.add_argument("--timeout", type=float, default=2400, help="seconds per child (partial query results are kept)")
    ap.add_argument("--growth", nargs="+", type=Path, metavar="JSON",
                    help="only print the exponent k of time ∝ size^k between these --json outputs")
    ap.add_argument("--child", nargs=3, metavar=("TASK", "SIDE", "ROOT"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.growth:
        print(growth(a.growth))
        return 0
    if a.child:
        task, side, root = a.child
        print(json.dumps(child(task, side, Path(root))))
        return 0

    _install_wait4()
    work_start = fixed_work()
    print(f"machine: the fixed workload took {work_start:.3f} s", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    root = OUT / f"synth-{a.triples}"
    sys.path.insert(0, str(SRC))
    from qgraph import synth
    t = time.perf_counter()
    m = synth.generate(a.triples, a.seed, root, shapes_file=None)
    gen_s = time.perf_counter() - t
    print(f"generated {m.triples} triples in {len(m.documents)} documents in {gen_s:.1f} s -> {root}", flush=True)
    # the project's queries and checks, so that the build runs the checks as `qgraph build` does
    import shutil

    shutil.rmtree(root / "queries", ignore_errors=True)
    shutil.copytree(ROOT / "queries", root / "queries")

    earlier = _earlier_baseline(a.baseline_from, m.triples) if a.baseline_from else None
    sides = ["qgraph"] if a.skip_baseline or earlier else ["baseline", "qgraph"]
    # the questions are timed afresh on both engines even with --baseline-from (earlier runs
    # timed each once; the rows compare like with like only when both sides are timed alike)
    query_sides = ["qgraph"] if a.skip_baseline else ["baseline", "qgraph"]
    measured: dict[str, dict[str, tuple[float | None, float]]] = {}
    extra: dict[str, dict] = {}
    for task in ("load", "validate", "validate-one-doc", "queries", "exports", "build",
                 "build-oxigraph-serialisers"):
        for side in (["qgraph"] if task == "build-oxigraph-serialisers" else query_sides if task == "queries" else sides):
            res, wall, peak = run_child([sys.executable, __file__, "--child", task, side, str(root)], a.timeout)
            extra.setdefault(side, {}).update({k: v for k, v in res.items()
                                               if k.startswith(("rows:", "over:", "results", "local", "error"))})
            if "error" in res:
                print(f"  {task} [{side}]: ERROR {res['error']}", flush=True)
            for k, v in res.items():
                if isinstance(v, float) and not k.startswith(("rows:", "over:")):
                    measured.setdefault(k, {})[side] = (v, peak)
            print(f"  {task} [{side}] done in {wall:.1f} s, peak {peak:.0f} MiB", flush=True)

    # the qgraph side of "build" is the whole `qgraph build` command (summary included)
    commands = command_rows(root)
    build_cmd = next(r for r in commands if r["task"] == "command: qgraph build")
    build_failed = "exit code" in build_cmd["note"]  # see _median_row
    if not build_failed:
        measured.setdefault("build", {})["qgraph"] = (build_cmd["qgraph_s"], build_cmd["qgraph_peak_mib"])
    if earlier:
        for task, (secs, peak, _) in earlier.items():
            if task in measured:
                measured[task]["baseline"] = (secs, peak)
    rows = []
    for task, by_side in measured.items():
        b, q = by_side.get("baseline", (None, 0.0)), by_side.get("qgraph", (None, 0.0))
        rows.append({"task": task,
                     "baseline_s": None if b[0] is None else round(b[0], 4),
                     "qgraph_s": None if q[0] is None else round(q[0], 4),
                     "ratio": round(b[0] / q[0], 1) if b[0] is not None and q[0] else None,
                     "baseline_peak_mib": round(b[1], 1) if b[0] is not None else None,
                     "qgraph_peak_mib": round(q[1], 1) if q[0] is not None else None})
        if task.startswith("query:") and f"over:{task[6:]}" in extra.get("baseline", {}):
            rows[-1]["note"] = f"baseline stopped at the {QUERY_LIMIT:g} s limit: the ratio is a lower bound"
        if earlier and task in earlier:
            rows[-1]["note"] = "; ".join(filter(None, [f"baseline from {a.baseline_from.name}", earlier[task][2]]))
        if task.startswith("export:") and q[0] is not None:
            rows[-1]["note"] = "; ".join(filter(None, [rows[-1].get("note"),
                                                       f"qgraph: median of {EXPORT_RUNS} writes"]))
        if task == "build" and not build_failed:
            rows[-1]["note"] = "; ".join(filter(None, [rows[-1].get("note"), "qgraph: " + build_cmd["note"]]))
    # validation after one edit as a share of a full validation (target: <= 5 %)
    if "validate-one-doc" in measured and "validate" in measured:
        q1 = measured["validate-one-doc"].get("qgraph", (None,))[0]
        qf = measured["validate"].get("qgraph", (None,))[0]
        if q1 and qf:
            rows.append({"task": "validate-one-doc / validate (qgraph, %)", "baseline_s": None,
                         "qgraph_s": round(100 * q1 / qf, 2), "ratio": None,
                         "baseline_peak_mib": None, "qgraph_peak_mib": None})
    rows.append(startup_row())
    rows.extend(r for r in commands if r is not build_cmd or build_failed)  # a failed build shown
    rows.extend(serve_rows(root, a.timeout))
    rows.append(machine_row(work_start, fixed_work()))
    rows.append({"task": "triples", "baseline_s": None, "qgraph_s": m.triples, "ratio": None,
                 "baseline_peak_mib": None, "qgraph_peak_mib": None, "note": "the data's size (for --growth)"})
    # answers must agree (row counts; the catalogue tests compare the rows themselves)
    diffs = [k[5:] for k in extra.get("qgraph", {}) if k.startswith("rows:")
             and "baseline" in extra and f"over:{k[5:]}" not in extra["baseline"]
             and extra["baseline"].get(k) != extra["qgraph"][k]]

    print()
    print(f"benchmark: {m.triples} triples, {len(m.documents)} documents "
          f"(python benchmarks/run.py --triples {a.triples})")
    if earlier:
        print(f"the baseline's figures are those of {a.baseline_from} (same data: {m.triples} triples, seed {a.seed}), "
              "not measured in this run")
    hdr = f"{'task':44} {'baseline s':>11} {'qgraph s':>10} {'ratio':>7} {'base MiB':>9} {'qg MiB':>8}"
    print(hdr)
    print("-" * len(hdr))

    def f(x, w, p=3):
        return f"{'-':>{w}}" if x is None else f"{x:>{w}.{p}f}"
    for r in rows:
        note = f"  {r['note']}" if r.get("note") else ""
        print(f"{r['task'][:44]:44} {f(r['baseline_s'], 11)} {f(r['qgraph_s'], 10)} {f(r['ratio'], 7, 1)} "
              f"{f(r['baseline_peak_mib'], 9, 0)} {f(r['qgraph_peak_mib'], 8, 0)}{note}")
    print()
    for side in sides:
        print(f"{side}: validation results {extra.get(side, {}).get('results')}; "
              + (f"errors: {extra[side]['error']}" if "error" in extra.get(side, {}) else "no errors"))
    if "baseline" in extra:
        print("query row counts differ between engines:", ", ".join(diffs) if diffs else "none")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
