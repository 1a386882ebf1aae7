"""The counts of ``qgraph stats`` kept between runs: ``.qgraph-cache/stats.json``.

Counting a corpus means parsing every file and asking a store of them (1M triples: ~8.5 s,
:func:`qgraph.ask.counts.compute`), and the counts change only when a file the store is filled
from does. ``qgraph build`` counts them for its summary and keeps them here, as ``qgraph stats``
does; the next ``qgraph stats`` whose inputs are those of the counts prints them without
reading the corpus.

What is kept: the counts (:class:`~qgraph.ask.counts.Stats`, every field), the tool's version
(:func:`qgraph.checks.cache.tool_version`), and a key of the content hash of every input of the
validation cache (:func:`qgraph.checks.cache.inputs`: the ontology, the data files, their source
texts, the link graphs, ``qgraph.toml``, the shapes and checks; more than the counts read, so a
change to any of them counts again). The hashes are those of the cache's scan
(:meth:`qgraph.checks.cache.Cache.scan`), taken before the corpus is read: a file changed while
it was read leaves counts under the key of its earlier content, which no later run matches.

Never trusted otherwise: a file that is missing, truncated or damaged (its first line is the hash
of the rest), from another version, under another key, or not of the counts' shape is counted
again and written anew. One that cannot be written is not an error: the next run counts again.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from qgraph.ask.counts import Stats

FILE = "stats.json"
#: the validation cache's verdict key of the counts (:meth:`qgraph.checks.cache.Cache.verdict_key`)
KIND = "stats"


def key(project: Any) -> str:
    """The key of the counts of ``project`` as its files are now (:func:`qgraph.checks.cache.inputs_key`)."""
    from qgraph.checks.cache import inputs_key

    return inputs_key(project, KIND)


def read(project: Any, want: str) -> Stats | None:
    """The counts kept under the key ``want``; ``None`` when there are none to trust."""
    from qgraph.checks.cache import CACHE_DIR, kept_entry

    kept = kept_entry(project.root / CACHE_DIR / FILE, want)
    fields = kept.get("stats") if kept is not None else None
    if not isinstance(fields, dict) or set(fields) != {f.name for f in dataclasses.fields(Stats)}:
        return None
    return Stats(**fields)


def write(project: Any, under: str, stats: Stats) -> bool:
    """Keep ``stats`` under the key ``under`` (written to a temporary file and renamed);
    ``False`` when it could not be written."""
    from qgraph.checks.cache import CACHE_DIR, keep_entry

    return keep_entry(project.root / CACHE_DIR, FILE, under, stats=dataclasses.asdict(stats))
