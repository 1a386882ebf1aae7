"""Where one ``qgraph`` command's time and memory go (not a test; Linux, it reads /proc).

    python benchmarks/where.py [--every S] [--top N] [--timeline] [--json FILE] -- build --root DIR --out OUT

Runs the command (default ``build``) in a new process (``python -m qgraph``, this Python's), as a
user runs it, and samples it and every process it forks every ``--every`` seconds (default 0.25):
each thread's CPU time (user and system, from ``/proc/<pid>/task/<tid>/stat``), each process's
resident set size and its proportional set size (``/proc/<pid>/smaps_rollup``: a page shared by a
parent and its forked child counts half in each, so the sum is the memory the command holds; the
resident sizes summed count such a page twice). Then it prints:

- the wall time, and the CPU time of each thread and each process, the largest first;
- two lower bounds on the wall time that no reordering of the work can beat: the CPU time of the
  busiest thread (a thread runs on one core at a time; in qgraph that is the main thread, where
  the Python work holds the GIL) and the total CPU time divided by the cores this process may
  use;
- the peak of the resident sizes summed and of the proportional sizes summed, and when;
- with ``--timeline``, a line per interval between two samples: when it ends, the cores the
  command's threads used over it (CPU seconds over the interval's seconds), the resident sizes
  summed at its end, and the threads that used more than 5 % of a core, the busiest first, with
  how much (``pid/tid``; ``main`` is the command's main thread, ``child PID`` the main thread
  of a process it forked).
  Where the cores are idle, and which thread runs alone, is where the wall time goes beyond the
  lower bounds (a thread waiting for the GIL uses no CPU).

The total CPU time is exact: the command's and that of every child it waited for, as the system
reports it when the command ends. A process's CPU time is sampled (its threads that ended
included), a thread's too: what either does in its last interval before it ends is not seen, and
a thread that lives less than an interval may not be seen at all. Sampling costs the command time:
reading a large process's ``smaps_rollup`` walks its page tables. A cold ``qgraph build`` of 1M
triples on 2 cores took 22.5 s sampled every 0.5 s, 23.5 s every 0.25 s and 25.7–27.4 s every
0.05 s (unsampled ~22 s). The command's own output is dropped; its exit code is this script's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:  # the thread or process ended meanwhile
        return None


def _cpu(stat: str) -> tuple[str, float]:
    """(name, user + system seconds) from a ``stat`` line (the name may hold spaces and brackets)."""
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    return name, (int(fields[11]) + int(fields[12])) / TICK


def _kib(text: str | None, key: str) -> int:
    for line in (text or "").splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


class Tree:
    """The command's processes and threads, as last sampled."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.threads: dict[tuple[int, int], tuple[str, float]] = {}  # (pid, tid) -> (name, CPU s)
        self.processes: dict[int, float] = {}  # pid -> CPU s of all its threads, ended ones too
        self.parent: dict[int, int] = {}  # pid -> the pid that forked it (the command: 0)
        self.peak_rss = self.peak_pss = 0  # KiB, summed over the processes
        self.rss_at = self.pss_at = 0.0
        self.rss_now = 0  # KiB, summed, at the last sample

    def _processes(self) -> list[tuple[int, list[str]]]:
        """(pid, its thread ids) of the command and every process below it (the folder read once)."""
        out, todo = [], [(self.pid, 0)]
        while todo:
            pid, parent = todo.pop()
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:  # ended meanwhile
                continue
            out.append((pid, tids))
            self.parent.setdefault(pid, parent)
            for tid in tids:
                kids = _read(f"/proc/{pid}/task/{tid}/children") or ""
                todo += [(int(k), pid) for k in kids.split()]
        return out

    def sample(self, at: float) -> None:
        rss = pss = 0
        for pid, tids in self._processes():
            for tid in tids:
                stat = _read(f"/proc/{pid}/task/{tid}/stat")
                if stat:
                    self.threads[(pid, int(tid))] = _cpu(stat)
            stat = _read(f"/proc/{pid}/stat")
            if stat:
                self.processes[pid] = _cpu(stat)[1]
            rss += _kib(_read(f"/proc/{pid}/status"), "VmRSS:")
            pss += _kib(_read(f"/proc/{pid}/smaps_rollup"), "Pss:")
        self.rss_now = rss
        if rss > self.peak_rss:
            self.peak_rss, self.rss_at = rss, at
        if pss > self.peak_pss:
            self.peak_pss, self.pss_at = pss, at


def measure(args: list[str], every: float, timeline: list | None = None) -> tuple[int, float, float, Tree]:
    """(exit code, wall s, CPU s of the command and every child it waited for, the samples);
    with ``timeline``, each sample appended to it: (s since the start, {(pid, tid): CPU s so far},
    resident sizes summed, KiB)."""
    start = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "qgraph", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = Tree(p.pid)
    while True:
        at = time.perf_counter() - start
        tree.sample(at)
        if timeline is not None:
            timeline.append((at, {k: cpu for k, (_, cpu) in tree.threads.items()}, tree.rss_now))
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:  # reaped here, so that its CPU time is known exactly (its children's included)
            wall = time.perf_counter() - start
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, wall, usage.ru_utime + usage.ru_stime, tree
        time.sleep(every)


def report(code: int, wall: float, total: float, tree: Tree, top: int) -> dict:
    per_process = tree.processes
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busiest = max((cpu for _, cpu in tree.threads.values()), default=0.0)

    def who(pid: int) -> str:
        depth, p = 0, pid
        while tree.parent.get(p, 0):
            depth, p = depth + 1, tree.parent[p]
        return "command" if depth == 0 else "child" if depth == 1 else f"child (depth {depth})"

    threads = sorted(tree.threads.items(), key=lambda kv: -kv[1][1])
    return {
        "exit": code, "wall_s": round(wall, 2), "cpu_s": round(total, 2), "cores": cores,
        "busiest_thread_s": round(busiest, 2), "cpu_over_cores_s": round(total / cores, 2),
        "peak_rss_sum_mib": round(tree.peak_rss / 1024), "peak_rss_at_s": round(tree.rss_at, 1),
        "peak_pss_sum_mib": round(tree.peak_pss / 1024), "peak_pss_at_s": round(tree.pss_at, 1),
        "processes": [{"pid": pid, "who": who(pid), "cpu_s": round(cpu, 2)}
                      for pid, cpu in sorted(per_process.items(), key=lambda kv: -kv[1])],
        "threads": [{"pid": pid, "tid": tid, "main": pid == tid, "name": name, "cpu_s": round(cpu, 2)}
                    for (pid, tid), (name, cpu) in threads[:top]],
    }


def intervals(samples: list, tree: Tree) -> list[dict]:
    """The ``--timeline``: per interval between two samples, its end (s), the cores the
    command used over it, the resident sizes summed at its end (MiB) and the threads that used
    more than 5 % of a core (``pid/tid``, ``main`` or ``child PID``: cores), the busiest first."""
    def label(pid: int, tid: int) -> str:
        if pid == tree.pid:
            return "main" if tid == pid else f"{pid}/{tid}"
        return f"child {pid}" if tid == pid and tree.parent.get(pid) == tree.pid else f"{pid}/{tid}"

    out = []
    for (at0, cpu0, _), (at, cpu, rss) in pairwise(samples):
        span = at - at0
        if span <= 0:
            continue
        used = {k: (c - cpu0.get(k, 0.0)) / span for k, c in cpu.items()}
        busy = sorted(((u, k) for k, u in used.items() if u > 0.05), key=lambda x: (-x[0], x[1]))
        out.append({"at_s": round(at, 2), "cores": round(sum(used.values()), 2), "rss_sum_mib": round(rss / 1024),
                    "threads": {label(*k): round(u, 2) for u, k in busy}})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--every", type=float, default=0.25, help="seconds between samples (default 0.25)")
    ap.add_argument("--top", type=int, default=8, help="threads listed (default 8)")
    ap.add_argument("--timeline", action="store_true",
                    help="also print, per interval between samples, the cores used and by which threads")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="the qgraph command and its arguments (after --)")
    a = ap.parse_args()
    command = (a.command[1:] if a.command[:1] == ["--"] else a.command) or ["build"]
    if not os.path.isdir("/proc/self/task"):
        print("where.py: needs Linux's /proc", file=sys.stderr)
        return 2
    if a.every <= 0:
        ap.error("--every must be more than 0")
    if a.json is not None and not a.json.parent.is_dir():  # said before a run of minutes, not after
        print(f"where.py: cannot write {a.json}: no folder {a.json.parent}", file=sys.stderr)
        return 2
    samples: list | None = [] if a.timeline else None
    try:
        code, wall, total, tree = measure(command, a.every, samples)
    except KeyboardInterrupt:  # the command, in the same process group, had Ctrl-C too
        return 130
    r = report(code, wall, total, tree, a.top)
    if samples is not None:
        r["timeline"] = intervals(samples, tree)
    print(f"qgraph {' '.join(command)}: exit {r['exit']}, wall {r['wall_s']:.2f} s, "
          f"CPU {r['cpu_s']:.2f} s on {r['cores']} core(s)")
    print(f"lower bounds on the wall: the busiest thread's CPU {r['busiest_thread_s']:.2f} s; "
          f"all CPU / cores {r['cpu_over_cores_s']:.2f} s")
    print(f"peak memory: resident sizes summed {r['peak_rss_sum_mib']:,} MiB (at {r['peak_rss_at_s']} s; "
          f"shared pages counted in each process), proportional sizes summed {r['peak_pss_sum_mib']:,} MiB "
          f"(at {r['peak_pss_at_s']} s)")
    for p in r["processes"]:
        print(f"  process {p['pid']:>7} ({p['who']}): CPU {p['cpu_s']:.2f} s")
    for t in r["threads"]:
        print(f"  thread {t['pid']:>7}/{t['tid']:<7} {'main ' if t['main'] else '     '}{t['name']:<16} CPU {t['cpu_s']:.2f} s")
    if samples is not None:
        print("timeline (s at the interval's end: cores used, resident sizes summed, the threads using them):")
        for i in r["timeline"]:
            threads = " ".join(f"{k} {u:.2f}" for k, u in i["threads"].items())
            print(f"  {i['at_s']:7.2f}  {i['cores']:4.2f} cores  {i['rss_sum_mib']:>6,} MiB  {threads}")
    if a.json is not None:
        try:
            a.json.write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            print(f"where.py: cannot write {a.json}: {e.strerror}", file=sys.stderr)
            return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
