"""The answers of ``qgraph query`` and the cards of ``qgraph show`` kept between runs:
``.qgraph-cache/answers/``.

Answering a question or showing an entity means parsing every file of the corpus and filling a
store before asking it (1M triples: ~6-9 s, most of it reading), and the answer changes only
when a file the store is filled from does. Both commands keep what they print, as printed; the
same question asked again of the same files is printed from there without reading the corpus.

What an answer is kept under (a key of them all, :func:`key`): the content hash of every input
of the validation cache (:func:`qgraph.checks.cache.inputs`: the ontology, the data files, their
source texts, the link graphs, ``qgraph.toml``, the shapes and checks; more than the store is
filled from, so a change to any of them answers again), taken by the cache's scan before the
corpus is read, as :mod:`qgraph.ask.kept_counts` takes it; and what was asked: for a query the
store, its text as resolved (a catalogue name or a ``.rq`` file read first), the parameters as
given, the output format, the table width and whether the output is a terminal (a table is laid
out for them); for a card the entity as given. The tool's version is kept beside the answer and
must be this one.

Never kept: a query whose text calls ``NOW``, ``RAND``, ``UUID``, ``STRUUID`` or ``BNODE`` (a new
value at each evaluation) or holds the word ``SERVICE`` (another endpoint's answer, which may
change), an answer over :data:`MAX_BYTES`, and nothing with ``--no-cache``, ``--store rdflib`` or
``--endpoint``. Never trusted: a file missing, truncated or damaged (its first line is the hash
of the rest), from another version, under another key, or not of an answer's shape. The folder
keeps the answers used last (a kept answer's file is touched when it is used), at most
:data:`MAX_FILES` of them and :data:`MAX_TOTAL` bytes in all; the others are removed as a new
one is written. A file that cannot be written is not an error.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any, Callable

import orjson

#: the folder of the kept answers, in the cache folder
DIR = "answers"
#: the validation cache's verdict key of the answers (:meth:`qgraph.checks.cache.Cache.verdict_key`)
KIND = "answers"
#: answers kept at most (the least recently used removed first)
MAX_FILES = 64
#: the largest answer kept, bytes of UTF-8
MAX_BYTES = 16 << 20
#: the bytes of all the answers kept (those used last kept first)
MAX_TOTAL = 128 << 20

_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(|\bSERVICE\b", re.IGNORECASE)


def keepable(text: str) -> bool:
    """Whether an answer to the query ``text`` may be kept: no function of it gives a new value
    at each evaluation and it asks no other endpoint (read in the text as written, comments and
    strings included: a word there keeps nothing, which is only slower)."""
    return _VOLATILE.search(text) is None


def key(project: Any, asked: list[Any]) -> str:
    """The key of an answer to ``asked`` (what the command was asked, as JSON: see the module)
    as the project's files are now."""
    from qgraph.checks.cache import combine, inputs_key

    return combine(inputs_key(project, KIND), orjson.dumps(asked).decode())


def answered(project: Any, asked: list[Any], make: Callable[[], str]) -> str:
    """The answer to ``asked`` kept for the project's files as they are now, else ``make()``'s,
    then kept (the key taken before ``make`` reads the files)."""
    under = key(project, asked)
    answer = read(project, under)
    if answer is None:
        answer = make()
        write(project, under, answer)
    return answer


def _path(project: Any, under: str) -> Path:
    from qgraph.checks.cache import CACHE_DIR

    return project.root / CACHE_DIR / DIR / under


def read(project: Any, under: str) -> str | None:
    """The answer kept under the key ``under``; ``None`` when there is none to trust."""
    from qgraph.checks.cache import kept_entry

    path = _path(project, under)
    kept = kept_entry(path, under)
    answer = kept.get("answer") if kept is not None else None
    if not isinstance(answer, str):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used last: kept longest
    return answer


def write(project: Any, under: str, answer: str) -> bool:
    """Keep ``answer`` under the key ``under`` (see the module); ``False`` when it is not kept."""
    from qgraph.checks.cache import CACHE_DIR, keep_entry

    if not keep_entry(project.root / CACHE_DIR, f"{DIR}/{under}", under, MAX_BYTES, answer=answer):
        return False
    _prune(_path(project, under).parent)
    return True


def _prune(folder: Path) -> None:
    """The answers used last kept in ``folder``, at most :data:`MAX_FILES` of them and
    :data:`MAX_TOTAL` bytes in all; the others removed (and any temporary file left by a run
    that was stopped while writing)."""
    from qgraph.checks.cache import _alive_tmp

    kept: list[tuple[int, str, int, Path]] = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith("."):
                if entry.name.endswith(".tmp") and not _alive_tmp(entry.name):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                continue
            with contextlib.suppress(OSError):
                st = entry.stat()
                kept.append((st.st_mtime_ns, entry.name, st.st_size, Path(entry.path)))
    kept.sort(reverse=True)
    total = 0
    for n, (_, _, size, path) in enumerate(kept):
        total += size
        if n >= MAX_FILES or total > MAX_TOTAL:
            with contextlib.suppress(OSError):
                path.unlink()
