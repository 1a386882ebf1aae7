"""Latency of the catalogue queries through ``qgraph serve``'s SPARQL endpoint (not a test).

    python benchmarks/serve_latency.py [--rounds 5] [--root DIR] [--workers 2] [--concurrency 1]
                                       [--timeout S] [--max-results N] [--cache-bytes N]
                                       [--in-process]

Starts ``qgraph serve`` on 127.0.0.1 (a free port) over the project, in a new process as a user
runs it (``--in-process``: on a thread of this process instead, its front end then sharing this
interpreter with the clients), waits until it says where it serves, warms up with one pass, then
POSTs every ``queries/*.rq`` (``application/sparql-query``, Accept SPARQL JSON) ``--rounds``
times and prints p50/p95/max per query and overall, in milliseconds, wall-clock at the client
(HTTP + inspection + evaluation + serialisation). With ``--concurrency N`` the requests are
spread over N client threads. ``--timeout`` and ``--max-results`` are ``qgraph serve``'s
options of the same name (default: the server's defaults); ``--cache-bytes 0`` turns the
server's answer cache off, so that every request is evaluated (with it on, the warm-up pass
fills it and the timed rounds are answered from it). A request that is not answered with
200 stops the run (exit 1), naming the query and quoting the server's message; so does a server
that ends before it serves (quoting its last words) or is silent for ``--start-ceiling`` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from qgraph.ask import catalogue


class Failed(Exception):
    """A catalogue query was not answered with 200."""


def qgraph_command(args: list[str]) -> list[str]:
    """The command line of ``qgraph ARGS`` as a user runs it: the installed script beside this
    interpreter, else ``python -m qgraph``."""
    script = Path(sys.executable).with_name("qgraph")
    return ([str(script)] if script.exists() else [sys.executable, "-m", "qgraph"]) + args


@contextlib.contextmanager
def served(root: Path, options: list[str], ceiling: float = 1800.0) -> Iterator[str]:
    """``qgraph serve --root ROOT --port 0 OPTIONS`` in a new process; yields its URL once it says
    where it serves, and ends it as ``kill`` does (SIGTERM) afterwards. Its standard error (a line
    per request) is read on a thread throughout, so that the server never waits on a full pipe.
    :class:`Failed` if it ends before it serves or is silent for ``ceiling`` seconds."""
    cmd = qgraph_command(["serve", "--root", str(root), "--port", "0", "--no-progress", *options])
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, errors="replace")
    assert p.stderr is not None
    last: deque[str] = deque(maxlen=5)
    url: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in p.stderr:  # type: ignore[union-attr]
            last.append(line.rstrip("\n"))
            m = re.search(r"serving (http://\S+?)/?\s", line) if not url else None
            if m:
                url.append(m.group(1))
                found.set()
        found.set()  # the server ended (or closed its standard error)

    reader = threading.Thread(target=read, daemon=True, name="serve-stderr")
    reader.start()
    try:
        found.wait(ceiling)
        if not url:
            state = "ended before it served" if p.poll() is not None else f"silent for {ceiling:g} s"
            raise Failed(f"qgraph serve {state}: " + (" / ".join(last) or "no output"))
        yield url[0]
    finally:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        reader.join(5)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--root", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=None, help="seconds per query (server default if omitted)")
    ap.add_argument("--max-results", type=int, default=None, help="rows per answer (server default if omitted)")
    ap.add_argument("--cache-bytes", type=int, default=None,
                    help="the server's answer cache (Limits.cache_bytes; 0: none, every request evaluated)")
    ap.add_argument("--in-process", action="store_true",
                    help="serve on a thread of this process (the clients' interpreter), not as `qgraph serve`")
    ap.add_argument("--start-ceiling", type=float, default=1800.0,
                    help="seconds to wait for `qgraph serve` to say where it serves (default: 1800)")
    args = ap.parse_args()

    from qgraph import project as paths  # noqa
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = args.root or paths.Project.at().root
    entries = catalogue.entries(Path(root))
    if not entries:
        print(f"{root}/queries: no catalogue queries", file=sys.stderr)
        return 2
    limits = Limits(workers=args.workers)
    options = ["--workers", str(args.workers)]
    if args.timeout is not None:
        limits.timeout = args.timeout
        options += ["--timeout", str(args.timeout)]
    if args.max_results is not None:
        limits.max_results = args.max_results
        options += ["--max-results", str(args.max_results)]
    if args.cache_bytes is not None:
        limits.cache_bytes = args.cache_bytes
        options += ["--cache-bytes", str(args.cache_bytes)]
    try:
        if args.in_process:
            with Running(root, limits) as running:
                return _measure(running.url, entries, args)
        with served(Path(root), options, args.start_ceiling) as url:
            return _measure(url, entries, args)
    except Failed as exc:
        print(exc, file=sys.stderr)
        return 1


def _measure(url: str, entries: list, args: argparse.Namespace) -> int:
    """The warm-up pass, then the timed rounds against the server at ``url``; the table printed.
    :class:`Failed` for a request not answered with 200."""
    u = urlsplit(url)

    def one(e: "catalogue.Entry") -> float:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        t = time.perf_counter()
        conn.request("POST", "/sparql", body=e.text.encode("utf-8"),
                     headers={"Content-Type": "application/sparql-query",
                              "Accept": "application/sparql-results+json"})
        r = conn.getresponse()
        body = r.read()
        dt = (time.perf_counter() - t) * 1000
        conn.close()
        if r.status != 200:
            message = body.decode("utf-8", "replace").strip().splitlines() or [""]
            raise Failed(f"HTTP {r.status} for catalogue query {e.name}: {message[0][:200]}")
        return dt

    times: dict[str, list[float]] = {e.name: [] for e in entries}
    jobs = [e for _ in range(args.rounds) for e in entries]
    for e in entries:  # warm-up
        one(e)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as ex:
        for e, dt in zip(jobs, ex.map(one, jobs), strict=True):
            times[e.name].append(dt)
    wall = time.perf_counter() - t0
    width = max(len(n) for n in times)
    print(f"{'query':<{width}}  {'p50':>7} {'p95':>7} {'max':>7}  (ms, {args.rounds} rounds)")
    for name, ts in times.items():
        print(f"{name:<{width}}  {statistics.median(ts):7.1f} {pct(ts, 95):7.1f} {max(ts):7.1f}")
    every = [t for ts in times.values() for t in ts]
    print(f"{'ALL (' + str(len(every)) + ' requests)':<{width}}  {statistics.median(every):7.1f} {pct(every, 95):7.1f} "
          f"{max(every):7.1f}")
    where = "on a thread of the clients' process" if args.in_process else "`qgraph serve`, a process of its own"
    print(f"throughput: {len(every) / wall:.0f} requests/s with {args.concurrency} client thread(s), "
          f"{args.workers} worker(s); the server {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
