"""The validation store kept between runs: what lets ``qgraph validate`` after an edit of a few
data files read only those files.

A whole validation (:func:`qgraph.pipeline.check`) fills a pyoxigraph store with every quad it
validates (1M triples: 1.5 s) after parsing every file (1.4 s). This module keeps that store on
disk, under ``.qgraph-cache/store/``, beside the validation cache's state
(:mod:`qgraph.checks.cache`), so that the next run after an edit opens it (~0.02 s), replaces
the changed files' graphs, and validates again only the nodes the edit can reach
(:func:`qgraph.checks.validation._revalidate`), on a corpus whose other files are parsed only
when a step asks for them (:class:`qgraph.corpus.loading.LazyLoaded`).

What is kept, in ``store/``:

- the RocksDB files of a pyoxigraph ``Store``: the quads the SHACL validation read (every file's
  but the enrichment graph's and the ill-typed literals), each data file in its own graph, with
  the blank-node ids of the parse that put them there;
- ``raw.json``: the literals of the predicates whose parsed form the store does not keep (the
  xsd:integer family, :attr:`qgraph.checks.shacl.Shapes.raw_predicates`), as the validator
  records them;
- ``basis.json``, written last: the tool's version, the data files' content hashes the store
  holds, and a token, drawn at random when the store was written, that the SHACL results kept in
  the state (kind ``shacl``) carry too. The store is used only when the state's results carry
  the same token and were computed on the same files: the blank nodes in those results are the
  store's.

A store is never trusted otherwise: no ``basis.json`` (a run stopped while writing it, or one
stopped while changing the store: ``basis.json`` is removed first), another version, other
files, another token, or a store that does not open (damaged, or in use) means the run checks
as without it, and writes a new one. Writers and users take ``store.lock`` (``flock``); a run
that cannot take it at once waits for it (at most :data:`WAIT` seconds: the store being written
is the one its results were computed on), then reads the basis, and goes on without the store
if it is still held.

A whole validation writes the store in a process of its own, forked once the state is saved
(:func:`write_later`; 1M triples: ~6.4 s, after ``qgraph validate`` has answered; :func:`load_in_parts`), into
a temporary folder renamed into place. :func:`settled` waits for it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

STORE = "store"
LOCK = "store.lock"
BASIS = "basis.json"
RAW = "raw.json"


def new_token() -> str:
    return secrets.token_hex(8)


#: whether this process has opened (or tried to open) an on-disk store: RocksDB then has threads
#: and locks of its own, which a forked child inherits without the threads, and a store the
#: child opens can hang there for good (a damaged kept store, found so by this run, left its
#: writer waiting with the lock held, so that no later run could use or write a kept store)
_opened_here = False


def opened_here() -> bool:
    """Whether a writer forked now could hang (see :data:`_opened_here`): write in process."""
    return _opened_here


def _open(path: Path) -> Any:
    global _opened_here
    import pyoxigraph as ox

    _opened_here = True
    return ox.Store(str(path))


class KeptStore:
    """An opened kept store (its lock held until :meth:`close`)."""

    def __init__(self, folder: Path, raw: dict, lock_fd: int) -> None:
        self.folder = folder
        self._store: Any = None  # opened when first used: a run that fails before leaves it as it was
        self.raw = raw  # (subject, predicate) -> [(lexical form, datatype, graph)], as Validator.raw
        self._lock_fd: int | None = lock_fd
        self.touched = False  # basis.json removed: the store is being changed
        self._replaced: set[str] = set()  # the graphs replace() replaced
        self._before: list = []  # their raw literals before

    @property
    def store(self) -> Any:
        """The pyoxigraph Store (``OSError`` when it cannot be opened: damaged, or in use)."""
        if self._store is None:
            try:
                self._store = _open(self.folder)
            except (OSError, RuntimeError) as e:  # RocksDB's "Corruption: …" is a RuntimeError
                raise OSError(f"kept store damaged or in use: {str(e).splitlines()[0] if str(e) else e!r}") from None
        return self._store

    def replace(self, graphs: list[str], quads: list) -> None:
        """Drop the named graphs ``graphs`` and add ``quads`` (of those graphs); the basis is
        removed first, so that a run stopped halfway leaves a store no run trusts."""
        import pyoxigraph as ox

        self._untrust()
        for g in graphs:
            self.store.remove_graph(ox.NamedNode(g))
        self.store.extend(quads)
        self._replaced = replaced = set(graphs)
        raw = self.raw
        # one pass over the literals finds those of the replaced graphs; only their keys are
        # filtered (filtering every key's list took ~25 ms of an edit-check at 1M: 30,170 rows)
        gone = [(key, r) for key, rows in raw.items() for r in rows if r[2] in replaced]
        self._before = sorted([s, p, *r] for (s, p), r in gone)
        for key in dict.fromkeys(key for key, _ in gone):
            kept = [r for r in raw[key] if r[2] not in replaced]
            if kept:
                raw[key] = kept
            else:
                del raw[key]

    def _untrust(self) -> None:
        if not self.touched:
            self.touched = True
            try:
                (self.folder / BASIS).unlink()
            except FileNotFoundError:
                pass
            _sync_dir(self.folder)

    def commit(self, version: dict, files: dict[str, str], token: str) -> None:
        """Record what the store now holds (``files``: data file → content hash; ``token``: the
        one the state's SHACL results carry)."""
        self._untrust()
        self.store.flush()
        if _raw_rows(self.raw, self._replaced) != self._before:  # raw.json as it was, else
            _write_json(self.folder / RAW, raw_json(self.raw))
        _write_json(self.folder / BASIS, {"version": version, "files": files, "token": token})

    def close(self) -> None:
        store, self._store = self._store, None
        del store  # RocksDB closes with its last reference
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


#: seconds a run waits for the kept store's lock (:func:`open_kept`): held by the writer of the
#: store the last run's results were computed on (1M triples: ~7 s after that run answered), or
#: by another run using the store
WAIT = 30.0


def open_kept(cache_dir: Path, version: dict, files: dict[str, str], token: str,
              waiting: Callable[[str], None] | None = None) -> tuple[KeptStore | None, str]:
    """The kept store of ``cache_dir`` if it holds exactly the data files ``files`` (rel →
    content hash) with the results of ``token`` for this ``version``; else ``None`` and why.
    RocksDB's files are opened when the store is first used (:attr:`KeptStore.store`).

    The lock is taken first: when it is held (a writer is writing the store of the last run's
    results, or another run uses the store), this run waits for it, at most :data:`WAIT`
    seconds, telling ``waiting`` once who holds it. Going on without the store instead (a whole
    validation, whose results then carry a new token) left the store being written stale
    before it was done: at 1M triples, runs less than ~7 s apart each took ~6 s, for good."""
    fd, held = _take_lock(cache_dir, block=False)
    if held:
        fd = _wait_for_lock(cache_dir, waiting)
        if fd is None:
            return None, f"kept store in use by another run (waited {WAIT:g} s)"
    elif fd is None:
        return None, "kept store's lock cannot be taken"
    folder = cache_dir / STORE
    try:
        basis = orjson.loads((folder / BASIS).read_bytes())
    except FileNotFoundError:
        os.close(fd)
        return None, "no kept store"
    except (OSError, ValueError):
        os.close(fd)
        return None, "kept store damaged (basis unreadable)"
    why = ""
    if not isinstance(basis, dict) or basis.get("version") != version:
        why = "kept store made by another version of qgraph"
    elif basis.get("token") != token or basis.get("files") != files:
        why = "kept store stale (not the files the last results were computed on)"
    else:
        try:
            raw = _raw_dict(orjson.loads((folder / RAW).read_bytes()))
        except (OSError, ValueError, TypeError, IndexError, KeyError) as e:
            why = f"kept store damaged (raw.json: {type(e).__name__})"
    if why:
        os.close(fd)
        return None, why
    return KeptStore(folder, raw, fd), ""


def _wait_for_lock(cache_dir: Path, waiting: Callable[[str], None] | None) -> int | None:
    """The kept store's lock, taken within :data:`WAIT` seconds (``None``: it was not let go)."""
    import time

    try:
        holder = (cache_dir / LOCK).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        holder = ""
    if waiting is not None:
        who = f"being written by process {holder}" if holder.isdigit() else "in use by another run"
        waiting(f"cache: the kept store is {who}: waiting for it (at most {WAIT:g} s)")
    deadline = time.monotonic() + WAIT
    while True:
        fd, held = _take_lock(cache_dir, block=False)
        if not held or time.monotonic() >= deadline:
            return fd
        time.sleep(0.05)


def validated_quads(store: Any, left_out: Any) -> Iterator[Any]:
    """The quads of the validation store ``store`` that were validated: those of its named
    graphs, less ``left_out`` (the ill-typed literals, put back after the validation), each made
    anew from the store (the writer, a forked process, reads no object of its parent's: touching
    one copies its memory page)."""
    import pyoxigraph as ox

    named = ox.NamedNode
    for q in store.quads_for_pattern(None, None, None, None):
        if type(q.graph_name) is named and (not left_out or q not in left_out):
            yield q


def raw_json(raw: dict) -> bytes:
    """The raw literals ``raw`` (as ``Validator.raw``) as ``raw.json`` holds them: in columns, a
    literal's place the same in each (its subject, predicate, lexical form, datatype and graph;
    in the order of their sorted rows), each predicate, datatype and graph named once in
    ``names`` and given by its place there. Read back (:func:`_raw_dict`) at 1M (30,170
    literals) in ~13 ms, where a list of five strings per literal took ~60 ms of each
    edit-check."""
    rows = _raw_rows(raw)
    names: dict[str, int] = {}
    at = names.setdefault
    columns = {"s": [r[0] for r in rows], "p": [at(r[1], len(names)) for r in rows], "lex": [r[2] for r in rows],
               "dt": [at(r[3], len(names)) for r in rows], "g": [at(r[4], len(names)) for r in rows]}
    return orjson.dumps({"names": list(names), **columns})


def write(cache_dir: Path, quads: Iterable[Any], raw: bytes | dict, version: dict, files: dict[str, str],
          token: str, lock_fd: int | None = None) -> bool:
    """Write a kept store of ``quads`` and the raw literals ``raw`` (:func:`raw_json`, or the
    dict it is made of), in a
    temporary folder renamed into place, under the lock (``lock_fd``: taken already); ``False``
    when it could not be (the lock is taken, the folder not writable)."""
    import shutil

    fd = lock_fd if lock_fd is not None else _lock(cache_dir, block=False)
    if fd is None:
        return False
    tmp = cache_dir / f".{STORE}.{os.getpid()}.tmp"
    try:
        # the temporary folders of writers stopped while writing (a kill, a power loss): each
        # wrote under the lock, which this one holds now, so none of them is still at work
        for stale in cache_dir.glob(f".{STORE}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        # every quad read first, then loaded: reading them from the validation store while the
        # bulk loader's threads run was much slower in the forked writer (1M: 7.9 s against 5.5 s,
        # the same quads; it was not, run in the validating process itself)
        quads = quads if isinstance(quads, list) else list(quads)
        store = _open(tmp)
        load_in_parts(store, quads)
        store.flush()
        del store
        _write_json(tmp / RAW, raw if isinstance(raw, bytes) else raw_json(raw))
        _write_json(tmp / BASIS, {"version": version, "files": files, "token": token})
        folder = cache_dir / STORE
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(tmp, folder)
        _sync_dir(cache_dir)
        return True
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    finally:
        if lock_fd is None:
            os.close(fd)


#: quads per call of the on-disk store's bulk loader (:func:`load_in_parts`)
WRITE_PART = 50_000


def load_in_parts(store: Any, quads: Iterable[Any], part: int | None = None) -> None:
    """``store.bulk_extend(quads)`` on an on-disk store, ``part`` quads at a time: the bulk
    loader sorts what it is given at once in memory before writing it out, which grew faster
    than the quads (1M triples at once: 8.3 s and a peak of 1,414 MiB, against 0.52 s at 100k;
    a part of 50,000 at a time: 4.8 s and 580 MiB, 0.49 s at 100k). The store holds the same
    quads either way."""
    from itertools import islice

    it, part = iter(quads), part or WRITE_PART
    while True:
        chunk = list(islice(it, part))
        if not chunk:
            return
        store.bulk_extend(chunk)


def write_later(cache_dir: Path, quads: Iterable[Any], raw: bytes | dict, version: dict, files: dict[str, str],
                token: str) -> bool:
    """:func:`write` in a process of its own, which outlives this one (forked twice, detached,
    its standard streams on ``/dev/null``); the lock is taken here first and held by that
    process until it is done. ``False`` when nothing was started (the lock is taken, no fork,
    or another thread runs: a lock it held at the fork would stay held in the writer, which
    could then hang holding the store's lock). When this process has opened an on-disk store
    (:func:`opened_here`: a damaged kept store, found so), a writer forked now could hang for
    good: written in this process instead, as the damaged store must be replaced for any later
    run to have one (``True`` when it was)."""
    import threading

    from qgraph.forked import can_fork, reset_term

    if opened_here():
        return threading.active_count() == 1 and write(cache_dir, quads, raw, version, files, token)
    if not can_fork() or threading.active_count() > 1:
        return False
    fd = _lock(cache_dir, block=False)
    if fd is None:
        return False
    pid = os.fork()
    if pid:
        os.close(fd)  # the grandchild holds the lock
        os.waitpid(pid, 0)
        return True
    try:  # the child: fork the writer and leave at once (no zombie for the caller to reap)
        reset_term()  # stopped at once by SIGTERM, as before; the next writer removes its folder
        os.setsid()
        if os.fork():
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)  # no pipe of the caller's kept open
        os.close(null)
        try:
            os.closerange(3, fd)
            os.closerange(fd + 1, 1 << 16)
        except OSError:
            pass
        with contextlib.suppress(OSError):  # who holds the lock (the benchmark reads its peak memory)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        write(cache_dir, quads, raw, version, files, token, lock_fd=fd)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            # the lock let go now, not when the process ends: taking down a process that
            # shares a large parent's pages takes a while, and the store is in place already
            os.close(fd)
    finally:
        os._exit(0)


def settled(cache_dir: Path) -> None:
    """Wait until no kept store is being written for ``cache_dir`` (by :func:`write_later`)."""
    fd = _lock(cache_dir, block=True)
    if fd is not None:
        os.close(fd)


def _lock(cache_dir: Path, block: bool) -> int | None:
    """The lock of ``cache_dir``'s kept store, taken (an open file descriptor), or ``None`` when
    it is held and ``block`` is false, or cannot be had (no ``flock`` here: no kept store)."""
    return _take_lock(cache_dir, block)[0]


def _take_lock(cache_dir: Path, block: bool) -> tuple[int | None, bool]:
    """As :func:`_lock`, and whether it was not taken because another process holds it (rather
    than because it cannot be had: no ``flock``, a lock file that cannot be opened)."""
    try:
        import fcntl
    except ImportError:
        return None, False

    try:
        cache_dir.mkdir(exist_ok=True)
        fd = os.open(cache_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None, False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if block else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        os.close(fd)
        return None, isinstance(e, BlockingIOError)
    return fd, False


def _raw_rows(raw: dict, graphs: set[str] | None = None) -> list:
    """``raw``'s literals as sorted rows (those of ``graphs`` alone, when given)."""
    return sorted([s, p, *r] for (s, p), rows in raw.items() for r in rows if graphs is None or r[2] in graphs)


def _raw_dict(doc: Any) -> dict:
    """``Validator.raw`` of what :func:`raw_json` wrote (``ValueError``, ``TypeError`` or
    ``IndexError`` when it is not that), made by C-level calls but where a subject has more than
    one literal of a predicate."""
    names, s, p, lex, dt, g = (doc[k] for k in ("names", "s", "p", "lex", "dt", "g"))
    if not all(type(c) is list for c in (names, s, p, lex, dt, g)) or not len(s) == len(p) == len(lex) == len(dt) == len(g):
        raise ValueError("not columns of one length")
    if not all(type(x) is str for c in (names, s, lex) for x in c):
        raise TypeError("a term that is not a string")
    if min(min(c, default=0) for c in (p, dt, g)) < 0:  # (a negative index would name a place from the end)
        raise IndexError("a negative place in names")
    name = names.__getitem__  # an index out of range is an IndexError, one that is not an integer a TypeError
    keys = list(zip(s, map(name, p), strict=True))
    rows = list(zip(lex, map(name, dt), map(name, g), strict=True))
    out = dict(zip(keys, map(list, zip(rows, strict=True)), strict=True))  # each key's literal as a list of one
    if len(out) < len(keys):  # some key has several: gathered
        out = {}
        for key, row in zip(keys, rows, strict=True):
            out.setdefault(key, []).append(row)
    return out


def _write_json(path: Path, value: Any) -> None:
    """``value`` as JSON at ``path`` (bytes: JSON already), written to a temporary file and
    renamed; that file removed whatever stops the write (an error, Ctrl-C, SIGTERM)."""
    from qgraph.checks.cache import removed_if_unfinished

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with removed_if_unfinished(tmp):
        with open(tmp, "wb") as fh:
            fh.write(value if isinstance(value, bytes) else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
