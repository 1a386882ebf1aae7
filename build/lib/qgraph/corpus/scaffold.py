"""Making corpora and documents: ``qgraph init DIR`` and ``qgraph new DOC_ID --source FILE``.

Both write only files that do not exist yet (anything in the way is an error, exit 2, and
nothing is written), each file atomically, and leave a corpus that builds green at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from qgraph.errors import QgraphError
from qgraph.project import MARKER

MARKER_TEXT = """\
# qgraph corpus marker: this folder is a qgraph corpus. qgraph finds it from here and from any
# folder below (as git finds .git); --root DIR or $QGRAPH_ROOT point elsewhere.
[corpus]
name = "{name}"

# qgraph ships an ontology, SHACL shapes, competency questions and checks; this corpus uses
# them, extended by its own ontology/*.ttl and queries/*.rq (a file of the same name replaces
# the shipped one). Set to false to use only this folder's own.
[defaults]
ontology = true
queries = true
"""

README_TEXT = """\
# {name}

A qgraph corpus: documents of quantum diplomacy, encoded fact by fact, each fact with the exact
passage of its source that states it.

| path | what goes there |
|---|---|
| `qgraph.toml` | marks this folder as a corpus (and its settings) |
| `data/sources/<doc-id>.txt` | each source text, byte for byte as published; never edited |
| `data/sources/README.md` | where each text comes from and under which licence |
| `data/<doc-id>.ttl` | one Turtle file per document: its facts and their evidence |
| `ontology/*.ttl` (optional) | terms and shapes of your own, beside those qgraph ships |
| `queries/*.rq` (optional) | competency questions of your own (`<name>.csv`: the expected answer) |

Add a document:

```sh
qgraph new my-doc --source path/to/text.txt --title "Its title" --url https://...
qgraph propose my-doc          # proposed facts with their passages, for review
qgraph quote my-doc "a passage"  # the selector for a passage, checked against the text
qgraph build                   # checks every quote and shape, writes dist/
```
"""

SOURCES_README = """\
# Source texts

Each `<doc-id>.txt` is a source text, byte for byte as published, so that every evidence quote in
`data/<doc-id>.ttl` can be checked against it mechanically. Do not edit them: fix a data file.

| file | what it is | origin | licence |
|---|---|---|---|
"""


def write_new(files: dict[Path, bytes]) -> list[Path]:
    """Write ``files`` (none of which may exist), each atomically; all or nothing."""
    from qgraph.publish.exports import write_atomically

    taken = [p for p in files if p.exists()]
    if taken:
        raise QgraphError(f"{taken[0]}: already exists (nothing was written; qgraph never overwrites here)")
    return write_atomically({p: (lambda fh, b=b: fh.write(b)) for p, b in files.items()})


def init(folder: Path | str, name: str | None = None) -> list[Path]:
    """Make a new, empty corpus in ``folder`` (created if missing); returns the files written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise QgraphError(f"{folder}: exists and is not a folder")
    if (folder / MARKER).exists():
        raise QgraphError(f"{folder / MARKER}: already exists (this folder is a corpus already)")
    name = name or folder.resolve().name or "qgraph corpus"
    if not re.fullmatch(r"[^\"\\\n]{1,200}", name):
        raise QgraphError(f"corpus name {name!r}: at most 200 characters, no quotes or backslashes")
    (folder / "data" / "sources").mkdir(parents=True, exist_ok=True)
    return write_new({
        folder / MARKER: MARKER_TEXT.format(name=name).encode("utf-8"),
        folder / "README.md": README_TEXT.format(name=name).encode("utf-8"),
        folder / "data" / "sources" / "README.md": SOURCES_README.encode("utf-8"),
    })
