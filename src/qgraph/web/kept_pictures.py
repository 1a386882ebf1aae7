"""The explorer's pictures kept between runs of ``qgraph serve``: ``.qgraph-cache/explorer.json``.

At start-up the server works out, from a store of the whole graph, the labels and kinds of its
entities and the network, timeline and map the pages draw (:class:`qgraph.web.explorer.Explorer`:
1M triples, ~5 s of the ~21 s before it serves, beside its query workers loading the graph on the
same two cores). They change only when a file the store is filled from does. Kept here, the next
``qgraph serve`` of the same files reads them (1M: ~22 MB, ~0.5 s) instead; its start-up at 1M went
from 21.4-23.4 s to ~17.8 s.

What is kept, and when it is trusted, as for the counts of ``qgraph stats``
(:mod:`qgraph.ask.kept_counts`): the pictures, the tool's version, and a key of the content hash
of every input of the validation cache (:func:`qgraph.checks.cache.inputs_key`), taken before the
corpus is read. A file that is missing, truncated or damaged (its first line is the hash of the
rest), from another version, under another key, or not of the pictures' shape is worked out again
and written anew; one that cannot be written is not an error. ``qgraph serve --no-cache`` neither
reads nor writes it.
"""

from __future__ import annotations

from typing import Any

FILE = "explorer.json"
#: the validation cache's verdict key of the pictures (:meth:`qgraph.checks.cache.Cache.verdict_key`)
KIND = "explorer"

#: each picture (an :class:`~qgraph.web.explorer.Explorer` attribute) → the JSON shape it has:
#: an object of one key holding a list, or an object of texts (``labels``) or of lists of texts
#: (``types``)
SHAPES: dict[str, str | None] = {"labels": None, "types": None, "network": "nodes", "timeline": "events",
                                 "places": "points"}


def key(project: Any) -> str:
    """The key of the pictures of ``project`` as its files are now (:func:`qgraph.checks.cache.inputs_key`)."""
    from qgraph.checks.cache import inputs_key

    return inputs_key(project, KIND)


def read(project: Any, want: str) -> dict[str, Any] | None:
    """The pictures kept under the key ``want`` (picture name → value); ``None`` when there are
    none to trust."""
    from qgraph.checks.cache import CACHE_DIR, kept_entry

    kept = kept_entry(project.root / CACHE_DIR / FILE, want)
    pictures = kept.get("pictures") if kept is not None else None
    if not isinstance(pictures, dict) or set(pictures) != set(SHAPES):
        return None
    return pictures if all(_shaped(name, pictures[name]) for name in SHAPES) else None


def _shaped(name: str, value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    inner = SHAPES[name]
    if inner is not None:
        return isinstance(value.get(inner), list)
    if name == "labels":
        return all(isinstance(v, str) for v in value.values())
    return all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in value.values())


def write(project: Any, under: str, pictures: dict[str, Any]) -> bool:
    """Keep ``pictures`` under the key ``under`` (written to a temporary file and renamed);
    ``False`` when they could not be written."""
    from qgraph.checks.cache import CACHE_DIR, keep_entry

    return keep_entry(project.root / CACHE_DIR, FILE, under, pictures=pictures)
