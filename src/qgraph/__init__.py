"""qgraph: a knowledge graph of quantum diplomacy, every fact traced to its passage.

The functions below are what the ``qgraph`` command runs. Each reads the project at ``root``
(default: ``$QGRAPH_ROOT``, else the nearest folder upwards holding ``qgraph.toml``). Nothing heavy is imported until one is called.

>>> import qgraph
>>> result = qgraph.query("SELECT ?name WHERE { qgid:denmark a qg:Nation ; rdfs:label ?name }")
>>> result.vars, [str(row[0]) for row in result.rows]
(['name'], ['Denmark'])
>>> [p for p in qgraph.validate() if p.severity == "Violation"]
[]
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start-up

from qgraph._version import __version__  # noqa: F401 (qgraph.__version__)

__all__ = ["init", "new", "quote", "propose", "load", "validate", "build", "query", "expected", "export", "show",
           "stats", "reuse", "push", "QgraphError", "NonConformant"]
#: every function of qgraph.api, as the command runs them
_API = frozenset(__all__) - {"QgraphError", "NonConformant"}

if TYPE_CHECKING:  # pragma: no cover
    from qgraph.api import (
        build,
        expected,
        export,
        init,
        load,
        new,
        propose,
        push,
        query,
        quote,
        reuse,
        show,
        stats,
        validate,
    )
    from qgraph.errors import NonConformant, QgraphError


def __getattr__(name: str) -> object:
    if name in _API:
        from qgraph import api
        return getattr(api, name)
    if name in ("QgraphError", "NonConformant"):
        from qgraph import errors
        return getattr(errors, name)
    raise AttributeError(f"module 'qgraph' has no attribute {name!r}")
