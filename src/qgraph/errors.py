"""The two kinds of failure the command reports without a traceback.

- :class:`QgraphError`: a user mistake or tool problem (bad file, unknown query, unwritable
  path). One clear line; exit code 2.
- :class:`NonConformant`: the data was read but does not conform (a SHACL violation, a quote
  that is not in its source). Carries the problems; exit code 1.
"""

from __future__ import annotations

from typing import Callable


class QgraphError(Exception):
    """A mistake the user can fix; its message is one line such as ``data/x.ttl:12: …``."""

    exit_code = 2


class NonConformant(QgraphError):
    """The data does not conform; ``problems`` lists every violation (and warning) found."""

    exit_code = 1

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])
        #: called once the report is out (a build's: the kept validation store written)
        self.after: Callable[[], None] | None = None
