"""Latency of the catalogue queries through ``qgraph serve``'s SPARQL endpoint (not a test).

    python benchmarks/serve_latency.py [--rounds 5] [--root DIR] [--workers 2] [--concurrency 1]
                                       [--timeout S] [--max-results N] [--cache-bytes N]

Starts the server on 127.0.0.1 (a free port) over the project, warms up with one pass, then
POSTs every ``queries/*.rq`` (``application/sparql-query``, Accept SPARQL JSON) ``--rounds``
times and prints p50/p95/max per query and overall, in milliseconds, wall-clock at the client
(HTTP + inspection + evaluation + serialisation). With ``--concurrency N`` the requests are
spread over N client threads. ``--timeout`` and ``--max-results`` are ``qgraph serve``'s
options of the same name (default: the server's defaults); ``--cache-bytes 0`` turns the
server's answer cache off, so that every request is evaluated (with it on, the warm-up pass
fills it and the timed rounds are answered from it). A request that is not answered with
200 stops the run (exit 1), naming the query and quoting the server's message.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit


class Failed(Exception):
    """A catalogue query was not answered with 200."""


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
    args = ap.parse_args()

    from qgraph import project as paths  # noqa
    from qgraph.ask import catalogue
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = args.root or paths.Project.at().root
    entries = catalogue.entries(Path(root))
    if not entries:
        print(f"{root}/queries: no catalogue queries", file=sys.stderr)
        return 2
    limits = Limits(workers=args.workers)
    if args.timeout is not None:
        limits.timeout = args.timeout
    if args.max_results is not None:
        limits.max_results = args.max_results
    if args.cache_bytes is not None:
        limits.cache_bytes = args.cache_bytes
    with Running(root, limits) as running:
        u = urlsplit(running.url)

        def one(e: catalogue.Entry) -> float:
            text = e.text
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
            t = time.perf_counter()
            conn.request("POST", "/sparql", body=text.encode("utf-8"),
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
        try:
            for e in entries:  # warm-up
                one(e)
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as ex:
                for e, dt in zip(jobs, ex.map(one, jobs), strict=True):
                    times[e.name].append(dt)
            wall = time.perf_counter() - t0
        except Failed as exc:
            print(exc, file=sys.stderr)
            return 1
    width = max(len(n) for n in times)
    print(f"{'query':<{width}}  {'p50':>7} {'p95':>7} {'max':>7}  (ms, {args.rounds} rounds)")
    for name, ts in times.items():
        print(f"{name:<{width}}  {statistics.median(ts):7.1f} {pct(ts, 95):7.1f} {max(ts):7.1f}")
    every = [t for ts in times.values() for t in ts]
    print(f"{'ALL (' + str(len(every)) + ' requests)':<{width}}  {statistics.median(every):7.1f} {pct(every, 95):7.1f} "
          f"{max(every):7.1f}")
    print(f"throughput: {len(every) / wall:.0f} requests/s with {args.concurrency} client thread(s), "
          f"{args.workers} worker(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
