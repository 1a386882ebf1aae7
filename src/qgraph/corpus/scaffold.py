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
    # the folders are made by the write, and removed if it fails (made first, they were left
    # behind when a README.md already there refused the init: "nothing was written")
    return write_new({
        folder / MARKER: MARKER_TEXT.format(name=name).encode("utf-8"),
        folder / "README.md": README_TEXT.format(name=name).encode("utf-8"),
        folder / "data" / "sources" / "README.md": SOURCES_README.encode("utf-8"),
    })


DOC_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
DOC_ID_MAX = 200


def check_doc_id(doc_id: str) -> str:
    """``doc_id``, or a :class:`QgraphError` if it is not one: lower-case words joined by '-', short
    enough for its file names (and never a path: ``../x`` read a file outside the corpus)."""
    if not DOC_ID.fullmatch(doc_id):
        raise QgraphError(f"document id {doc_id!r}: lower-case letters and digits, words joined by '-'")
    if len(doc_id) > DOC_ID_MAX:  # its file names must fit the file system's (255 bytes)
        raise QgraphError(f"document id {doc_id[:40]}…: {len(doc_id)} characters; at most {DOC_ID_MAX}")
    return doc_id


def check_doc_name(doc_id: str) -> str:
    """``doc_id`` as ``quote`` and ``propose`` take it: the stem of a file of the corpus, never a
    path (``../x`` read a text outside the corpus); looser than :func:`check_doc_id`, which a new
    document's id must pass, so that a corpus's own files named otherwise can still be read."""
    if not doc_id or doc_id.startswith(".") or "/" in doc_id or "\\" in doc_id or "\0" in doc_id:
        raise QgraphError(f"document id {doc_id!r}: the name of a data file (data/NAME.ttl), not a path")
    return doc_id


COMPLETENESS = ("complete", "excerpt", "damaged")
_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def new(doc_id: str, source: Path | str, root: Path | str | None = None, url: str | None = None,
        title: str | None = None, licence: str | None = None, completeness: str | None = None) -> list[Path]:
    """Add document ``doc_id`` to the corpus: its text (copied byte for byte), its attribution
    row, and ``data/<doc_id>.ttl`` with the prefixes and the document node with its evidence.
    ``completeness`` (``complete``, ``excerpt``, ``damaged``) is the curator's to give: without
    it the document states none, and the build warns until one is stated.

    Writes nothing if the text or the data file exists already, or on any bad input."""
    from qgraph.corpus.passages import selector
    from qgraph.project import Project
    from qgraph.publish.exports import write_atomically

    check_doc_id(doc_id)
    if completeness is not None and completeness not in COMPLETENESS:
        raise QgraphError(f"--completeness {completeness!r}: choose from {', '.join(COMPLETENESS)}")
    for what, value in (("--url", url), ("--licence", licence)):
        if value is not None and not _IRI.fullmatch(value):
            raise QgraphError(f"{what} {value!r}: not an http(s) address")
    if title is not None and not title.strip():
        raise QgraphError("--title is empty")
    source = Path(source)
    try:
        raw = source.read_bytes()
    except OSError as e:
        raise QgraphError(f"{source}: cannot read ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise QgraphError(f"{source}: not UTF-8 (byte {e.start}); convert the text first, keeping every character") from None
    if not text.strip():
        raise QgraphError(f"{source}: the text is empty")
    project = Project.at(root)
    txt, ttl = project.source_text(doc_id), project.data_file(doc_id)
    for p in (txt, ttl):
        if p.exists():
            raise QgraphError(f"{project.display(p)}: already exists (nothing was written; qgraph never overwrites here)")

    # a byte-order mark is not part of the first line (the text is still copied byte for byte)
    lines = [ln.strip() for ln in text.removeprefix("\ufeff").splitlines() if ln.strip()]
    title_sel = selector(text, title) if title else None
    head = (title_sel, 0) if title_sel else _first_passage(text, lines)
    tail = _last_passage(text, lines)
    if head is None or tail is None:
        raise QgraphError(f"{source}: no line of the text can be quoted (every line is repeated or blank)")
    readme = project.sources_dir / "README.md"
    if readme.is_file():
        from qgraph.corpus.loading import read_text

        old_readme = read_text(readme, project.display(readme))
    else:
        old_readme = SOURCES_README
    row = "| `{}.txt` | {} | {} | {} |\n".format(
        doc_id, _cell(title or "(what it is: to add)"), _cell(url or "(origin: to add)"),
        _cell(licence or "not stated in the copy"))
    new_readme = _add_row(old_readme, row)
    ttl_text = _document_turtle(doc_id, text, title, url, licence, completeness, head, tail, bool(title_sel))
    project.sources_dir.mkdir(parents=True, exist_ok=True)
    return write_atomically({
        txt: (lambda fh: fh.write(raw)),
        ttl: (lambda fh: fh.write(ttl_text.encode("utf-8"))),
        readme: (lambda fh: fh.write(new_readme.encode("utf-8"))),
    })


def _cell(s: str) -> str:
    return " ".join(s.split()).replace("|", "\\|")


def _add_row(readme: str, row: str) -> str:
    """``row`` after the last row of the first table (the attribution table)."""
    lines = readme.splitlines(keepends=True)
    last = None
    for i, ln in enumerate(lines):
        if ln.startswith("|"):
            last = i
        elif last is not None:
            break
    if last is None:
        return readme + ("" if readme.endswith("\n") else "\n") + SOURCES_README.split("\n", 2)[2] + row
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    return "".join(lines[: last + 1]) + row + "".join(lines[last + 1:])


def _first_passage(text: str, lines: list[str]) -> tuple[object, int] | None:
    """The text's opening: its first line (at most 300 characters) where it stands first, with
    the context that picks it there if it recurs; else the next line that can be picked. A
    first line found again later was skipped for a later one (a label not the first line)."""
    return _picked(text, lines[:20], lambda ln: ln[:300], 0)


def _last_passage(text: str, lines: list[str]) -> tuple[object, int] | None:
    """The text's last words (at most 12 of its last line) where they stand last, with the
    context that picks them there if they recur (they were skipped for an earlier line's)."""
    return _picked(text, list(reversed(lines[-20:])), lambda ln: " ".join(ln.split()[-12:]), -1)


def _picked(text: str, lines: list[str], passage, which: int) -> tuple[object, int] | None:  # noqa: ANN001
    """The ``which`` place (0: first, -1: last) of the first of ``lines`` (each made a
    ``passage``) that a selector can pick there, and its index among ``lines``."""
    from qgraph.checks.quotes import find_quote
    from qgraph.corpus.passages import _occurrence

    for n, ln in enumerate(lines):
        exact = passage(ln)
        spans = find_quote(text, exact) if exact.strip() else []
        if not spans:
            continue
        occ = _occurrence(text, exact, spans, which % len(spans))
        if occ.picked:
            return occ, n
    return None


def _document_turtle(doc_id: str, text: str, title: str | None, url: str | None, licence: str | None,
                     completeness: str | None, head_at, tail_at, title_quoted: bool) -> str:  # noqa: ANN001
    """``head_at``, ``tail_at``: the opening and closing passages, each with the index of its
    line among those tried (0: the first line, the last words)."""
    from qgraph.corpus.passages import selector_turtle, turtle_string
    from qgraph.vocab import turtle_prologue

    def quoted(occ) -> str:  # noqa: ANN001
        return " ".join(text[occ.start:occ.end].split())

    (head, head_index), (tail, tail_index) = head_at, tail_at

    doc, ev = f"qgid:doc-{doc_id}", f"qgid:{doc_id}-ev"
    out = [
        f"# qgraph data: {' '.join((title or doc_id).split())}",  # one comment line, whatever the title holds
        "#",
        f"# Source text: data/sources/{doc_id}.txt (byte-for-byte; every oa:exact below is copied",
        "# from it and must be found there exactly once: `qgraph quote " + doc_id + ' "PASSAGE"` makes the selector).',
        "# Written by `qgraph new`; `qgraph propose " + doc_id + "` drafts facts with their passages for review.",
        "",
        turtle_prologue(["dcterms", "oa", "qg", "qgid", "rdf", "rdfs", "skos", "xsd"]).rstrip("\n"),
        "",
        "# " + "=" * 93,
        "# The document",
        "# " + "=" * 93,
        "",
        doc,
        "    a qg:SourceDocument ;",
    ]
    if title:
        out += [f"    rdfs:label {turtle_string(title, 'en')} ;", f"    dcterms:title {turtle_string(title, 'en')} ;"]
    else:  # a label is required: the first line of the text, as it stands
        out.append(f"    rdfs:label {turtle_string(quoted(head), 'en')} ;")
    out.append(f"    dcterms:identifier {turtle_string(doc_id)} ;")
    if completeness is not None:
        out.append(f"    qg:textCompleteness qgid:text-{completeness} ;")
    out.append(f"    dcterms:license <{licence}> ;" if licence else "    qg:licenceStated false ;")
    if url:
        out.append(f"    qg:copySource <{url}> ;")
    notes = []
    if not licence:
        notes.append("No licence is stated in the copy (qg:licenceStated false).")
    if title and not title_quoted:
        notes.append("The title was given to qgraph new; the text does not state it in these words.")
    if not title and head_index == 0:
        notes.append("No title was given to qgraph new; the label is the text's first line.")
    elif not title:
        notes.append(f"No title was given to qgraph new; the label is line {head.line} of the text, the first "
                     "line that a selector picks alone (the lines before it are repeated later).")
    if completeness is None:
        notes.append("qgraph new was not told how complete the stored text is, and the text cannot say so: state "
                     "qg:textCompleteness (qgid:text-complete, qgid:text-excerpt or qgid:text-damaged) with its "
                     "evidence, or run qgraph new again with --completeness.")
    if url:
        notes.append("qg:copySource is the address of the stored copy, recorded for attribution only, not as evidence.")
    if notes:
        out.append("    skos:editorialNote " + " ,\n        ".join(turtle_string(n, "en") for n in notes) + " ;")
    out.append(f"    qg:evidence {ev}-title , {ev}-text-ends ." if completeness else f"    qg:evidence {ev}-title .")
    out += ["", "# " + "=" * 93, "# Evidence", "# " + "=" * 93, ""]
    supports = "rdf:type, dcterms:identifier, rdfs:label" + (", dcterms:title" if title else "")
    given = ("The title was given to qgraph new, not quoted from the text; this passage (the text's opening) "
             "is the document it names." if title and not title_quoted else None)
    out += [f"{ev}-title", "    a qg:Evidence ;", f"    oa:hasSource {doc} ;",
            selector_turtle(quoted(head), head.prefix, head.suffix),
            f"    qg:supports {supports} ;" if given else f"    qg:supports {supports} .",
            *([f"    qg:derivation {turtle_string(given, 'en')} ;", '    qg:confidence "medium" .'] if given else []), ""]
    if completeness is None:
        return "\n".join(out)
    ends = ("The stored text ends with these words" if tail_index == 0 else
            f"The stored text ends a few lines after these words (line {tail.line}; its last lines recur "
            "earlier and no selector picks them alone)")
    derivation = {
        "complete": f"{ends}; qgraph new recorded it as complete (the curator confirms it, or sets qgid:text-excerpt or qgid:text-damaged).",
        "excerpt": "The stored text ends here, before the document does, so the copy is an excerpt.",
        "damaged": "The stored text is damaged (the curator quotes the damaged passage here).",
    }[completeness]
    out += [f"{ev}-text-ends", "    a qg:Evidence ;", f"    oa:hasSource {doc} ;",
            selector_turtle(quoted(tail), tail.prefix, tail.suffix), "    qg:supports qg:textCompleteness ;",
            f"    qg:derivation {turtle_string(derivation, 'en')} .", ""]
    return "\n".join(out)
