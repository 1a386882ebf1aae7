"""The validation cache: what ``qgraph validate`` keeps between runs in ``<corpus>/.qgraph-cache/``.

The cache never computes a verdict of its own. It remembers results of the very steps
:func:`qgraph.pipeline.check` runs, each under a key made of the content hashes of everything
that step reads, and hands a result back only when that key is the same again:

- **the verdict** (every problem): keyed by every input of a validation (the data files, their
  source texts, the ontology, the shapes, the checks, the link graphs, ``qgraph.toml``), the
  validator chosen and the tool's version. Nothing changed: the stored problems are the answer.
- **per data file**, when some input changed: the evidence check of the file (its hash, its
  source text's hash, the ontology's hash), the term and ``qg:supports`` checks (the file's and
  the ontology's hashes), and whether the literal gate found the file clean (the file's hash).
- **the shapes check** (SHACL-for-SHACL, no network, declared terms): that the shapes passed,
  by the shapes' and the ontology's hashes.
- **the graph-local checks** (:func:`graph_local`: a check whose every pattern is inside
  ``GRAPH ?g`` of one variable ``?g``): its rows per named graph, by the check's text and the
  hashes of that graph's files; the graphs that changed are checked again on a store of their
  own (such a check's rows for a graph depend on that graph alone).

The SHACL results and where each is written, what the "selects nothing" warnings read of each
file, and the rows of the checks reading the default graph alone are kept too (see the README),
and beside this state the validation store itself (:mod:`qgraph.checks.kept_store`), with which
a run after an edit parses only the changed files. :func:`qgraph.pipeline.cached_check` runs a check with it. ``qgraph validate --no-cache`` neither reads nor writes it.

Each input is hashed (BLAKE2b) unless its size, mtime, ctime and inode are those recorded and it
was last written more than :data:`RACY_NS` before the cache (as git's index does; the ctime
changes whenever the content or the mtime is changed, so a file edited with its mtime put back
is hashed again).

``state.json`` is written whole to a temporary file and renamed over the old one; its first line
is the hash of the rest. A state that is missing, truncated, not JSON, of another format or tool
version, or whose hash does not match is not used: the run checks everything and writes a new
state (one line on stderr says why). A cache folder that cannot be read or written is a notice,
never an error: the run goes on without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import orjson

from qgraph.vocab import XSD_STRING

CACHE_DIR = ".qgraph-cache"
STATE = "state.json"
SNAPSHOTS = "files"  # a copy of each data file as last checked, named by its content hash
FORMAT = 1
RACY_NS = 2_000_000_000  # inputs written this close to the cache are hashed whatever their stat says

Notice = Callable[[str], None]


@contextlib.contextmanager
def removed_if_unfinished(tmp: Path) -> Iterator[None]:
    """Around writing ``tmp`` and renaming it into place: whatever stops that (an error, Ctrl-C,
    SIGTERM), ``tmp`` is removed and the stop goes on; the file it was to replace stays whole."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def hashed(body: bytes) -> bytes:
    """``body`` under a first line that is its hash (what :func:`unhashed` checks): a file
    truncated or changed since it was written is told from a whole one."""
    return _hash(body).encode("ascii") + b"\n" + body


def unhashed(raw: bytes) -> bytes | None:
    """The body of ``raw`` written by :func:`hashed`; ``None`` if its first line is not its hash."""
    head, sep, body = raw.partition(b"\n")
    return body if sep and head.decode("ascii", "replace") == _hash(body) else None


def read_kept(path: Path) -> bytes | None:
    """The body of a file :func:`write_kept` wrote; ``None`` when it is missing, unreadable,
    truncated or changed since (its first line is not the hash of the rest)."""
    try:
        return unhashed(path.read_bytes())
    except OSError:
        return None


def write_kept(cache_dir: Path, rel: str, body: bytes) -> bool:
    """``body`` kept as ``cache_dir/rel`` under its hash (:func:`hashed`): written to a temporary
    file beside it and renamed into place (the cache folder and ``rel``'s folder made if
    missing); ``False`` when it could not be written, which is not an error (the next run
    computes it again). Temporary files of ``rel`` left by stopped runs are removed."""
    target = cache_dir / rel
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _make_cache_dir(cache_dir)
        target.parent.mkdir(exist_ok=True)
        with removed_if_unfinished(tmp):
            with open(tmp, "wb") as fh:
                fh.write(hashed(body))
            os.replace(tmp, target)
    except OSError:
        return False
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a run stopped while writing
        if not _alive_tmp(stale.name):
            with contextlib.suppress(OSError):
                stale.unlink()
    return True


def kept_entry(path: Path, key: str) -> dict | None:
    """The JSON object :func:`keep_entry` kept at ``path`` under ``key`` with this version of
    qgraph (:func:`tool_version`); ``None`` when there is none to trust (missing, damaged, not
    an object, another version, another key)."""
    body = read_kept(path)
    if body is None:
        return None
    try:
        kept = orjson.loads(body)
    except ValueError:
        return None
    if not isinstance(kept, dict) or kept.get("version") != tool_version() or kept.get("key") != key:
        return None
    return kept


def keep_entry(cache_dir: Path, rel: str, key: str, max_bytes: int | None = None, **fields: Any) -> bool:
    """``fields`` kept as a JSON object at ``cache_dir/rel`` (:func:`write_kept`) under ``key``
    and this version of qgraph, for :func:`kept_entry`; ``False`` when not kept (not written,
    over ``max_bytes``, or a text that is not UTF-8)."""
    try:
        body = orjson.dumps({"version": tool_version(), "key": key, **fields})
    except TypeError:  # a lone surrogate in a text
        return False
    if max_bytes is not None and len(body) > max_bytes:
        return False
    return write_kept(cache_dir, rel, body)


def inputs_key(project: Any, kind: str) -> str:
    """A key of every input's content hash as the project's files are now (the cache's record of
    a file whose size, times and inode are unchanged, as its scan trusts), for what is kept of
    ``kind`` beside the validation (:mod:`qgraph.ask.kept_counts`, :mod:`qgraph.ask.kept_answers`).
    Taken before the corpus is read: a file changed while it is read leaves what was made under
    the key of its earlier content, which no later run matches."""
    cache = Cache(project, lambda line: None)  # a damaged state is the validation's to report
    cache.load()
    cache.scan()
    return cache.verdict_key(kind)


def combine(*parts: str | None) -> str:
    """One key of several hashes (a missing input counts as ``-``)."""
    return _hash("\0".join("-" if p is None else p for p in parts).encode())


def tool_version() -> dict[str, Any]:
    """What the results depend on besides the inputs: qgraph's version and its own code (each
    module's size and mtime, so an edited checkout counts as another version), and the versions
    of the libraries that compute them (:func:`_installed`)."""
    from qgraph._version import __version__

    package = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(digest_size=16)
    for p in sorted(package.rglob("*.py")):
        st = p.stat()
        h.update(f"{p.relative_to(package)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    libs = {lib: _installed(lib) for lib in ("pyoxigraph", "rdflib", "pyshacl", "xmlschema")}
    return {"format": FORMAT, "qgraph": __version__, "code": h.hexdigest(), **libs}


def _installed(name: str) -> str | None:
    """What tells one installation of the library ``name`` from another: where it is, and the
    name, size and mtime of each file at the top of its package (installing another version, or
    the same again, writes them anew); ``None`` when it is not installed. Asked of the import
    system without importing the library, nor ``importlib.metadata`` for its version (~25 ms
    of each ``qgraph validate``: that import and the email parser it brings)."""
    from importlib.util import find_spec

    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return None
    top = os.path.dirname(spec.origin) if spec.submodule_search_locations else spec.origin
    h = hashlib.blake2b(digest_size=16)
    h.update(top.encode())
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name) if os.path.isdir(top) else []
        for e in entries:
            if e.is_file():
                st = e.stat()
                h.update(f"\0{e.name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
        if not entries:
            st = os.stat(top)
            h.update(f"\0{st.st_size}\0{st.st_mtime_ns}".encode())
    except OSError:
        return None
    return h.hexdigest()


def inputs(project: Any) -> dict[str, Any]:
    """label → path of every file a validation reads (labels: ``toml``, ``ontology:<name>``,
    ``shapes``, ``check:<name>``, ``question:<name>`` (the corpus's own), and the paths of the data files, their source texts and the
    link graphs as messages show them)."""
    from qgraph.corpus.loading import LINK_FILES

    out: dict[str, Any] = {"toml": project.root / "qgraph.toml"}
    for rel, p in project.ontology_files:
        out[f"ontology:{rel}"] = p
    out["shapes"] = project.shapes_file
    for p in project.check_files:
        out[f"check:{p.name}"] = p
    for p in project.own_questions():  # parsed by a validation (qgraph.pipeline._questions_parse)
        out[f"question:{p.name}"] = p
    data = project.data_dir
    if data.is_dir():
        project.note_texts()
        for p in project.data_paths():
            out[project.display(p)] = p
            src = project.source_text(p.stem)
            out[project.display(src)] = src
    for name, _ in LINK_FILES:
        p = project.link_file(name)
        out[project.display(p)] = p
    return out


def _stat(path: Any) -> list[int] | None:
    try:
        st = os.stat(path)
    except (OSError, TypeError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _read_hash(path: Any) -> str | None:
    """The content hash of a file; ``None`` when it is missing or not a file."""
    try:
        if isinstance(path, Path):
            if not path.is_file():
                return None
            return _hash(path.read_bytes())
        if not path.is_file():  # a shipped resource (importlib traversable)
            return None
        return _hash(path.read_bytes())
    except OSError:
        return None


class Memo:
    """The earlier run's results, handed out by key, and the results of this run to keep."""

    def __init__(self, hashes: dict[str, str | None], old: dict[str, dict[str, list]] | None = None) -> None:
        self.hashes = hashes
        self.old = old or {}
        self.new: dict[str, dict[str, list]] = {}
        self.hits = 0
        self.misses = 0
        self.dir: Path | None = None  # the cache folder, where the data files' copies are kept
        self.snapshots: dict[str, Path] = {}  # content hash → data file, to keep a copy of
        self.notes: list[str] = []  # what was reused, for --progress
        self.union_files: dict[str, str] = {}  # the data files the kept union checks were decided on
        self.restated: set[str] | None = None  # the IRIs the changed data files state (validation._where)
        self.union_basis: tuple[Any] | None = None  # union_basis(), once worked out
        self.keep_validated = False  # asked for: the quads validated, for a kept store (qgraph.checks.kept_store)
        self.validated: tuple[Any, Any, dict] | None = None  # SHACL's store, ill-typed literals, raw literals
        self.shacl_basis: tuple[dict[str, str], str] | None = None  # the SHACL results' files and token
        self._copying: list[Any] = []  # the threads writing copies (keep_copies)
        self._copied: set[str] = set()  # the content hashes handed to them
        self._made: list[Path] = []  # what they created (folders, the .gitignore, copies), in order
        self._saved = False  # Cache.save has taken over the copies
        self._keys: dict[tuple[str, str], str | None] = {}  # (kind, name) -> its key this run (key())
        self._snapshots: dict[tuple[str, str], list | None] = {}  # (digest, rel) -> snapshot()
        ontology = sorted(k for k in hashes if k.startswith("ontology:"))
        self.ontology = combine(*[f"{k}={hashes[k]}" for k in ontology])

    def digest(self, label: str) -> str | None:
        return self.hashes.get(label)

    def key(self, kind: str, name: str, make: Callable[[], str | None]) -> str | None:
        """The key of ``kind``/``name`` in this run: what ``make`` gives, made once (a run asks
        for a data file's evidence and literal keys twice: at 1M, 4,000 of each, ~25 ms made
        again)."""
        k = (kind, name)
        keys = self._keys
        if k in keys:
            return keys[k]
        got = keys[k] = make()
        return got

    def has(self, kind: str, name: str, key: str | None) -> bool:
        """Whether :meth:`get` would give a stored value (counts nothing, keeps nothing)."""
        entry = self.old.get(kind, {}).get(name) if key is not None else None
        return isinstance(entry, list) and len(entry) == 2 and entry[0] == key

    def get(self, kind: str, name: str, key: str | None) -> Any:
        """The stored value of ``kind``/``name`` if it was stored under ``key`` (else ``None``)."""
        if key is None:
            return None
        entry = self.old.get(kind, {}).get(name)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == key:
            self.new.setdefault(kind, {})[name] = entry
            self.hits += 1
            return entry[1]
        self.misses += 1
        return None

    def put(self, kind: str, name: str, key: str | None, value: Any) -> None:
        if key is not None:
            self.new.setdefault(kind, {})[name] = [key, value]

    def keep_copies(self, wanted: dict[str, Path]) -> None:
        """Keep a copy of each data file of ``wanted`` (content hash → file) for the next run
        (:meth:`snapshot`): recorded for :meth:`Cache.save` (which removes the copies no longer
        wanted, once the state is written), and the missing ones written now, on a thread of
        their own, while the run goes on (a first run at a million triples copies 2,000 files:
        ~1.3 s, which the build spent after its exports; reading, hashing and writing release
        the GIL; :meth:`start_copies` starts them as the corpus loads). :meth:`copies_written`
        waits for them."""
        self.snapshots.update(wanted)
        self._copy(wanted)

    def _copy(self, wanted: dict[str, Path]) -> None:
        """Write the copies of ``wanted`` not asked for yet, on a thread of their own."""
        todo = {d: p for d, p in wanted.items() if d not in self._copied}
        if self.dir is None or not todo:
            return
        import threading

        self._copied.update(todo)
        t = threading.Thread(target=_write_copies, args=(self.dir, todo, True, self._made), name="qgraph-copies",
                             daemon=True)
        t.start()
        self._copying.append(t)

    def start_copies(self, project: Any) -> None:
        """Start writing the copies of the project's data files as hashed now, while the corpus
        loads on one core and the other is idle (:meth:`keep_copies` then records those the run
        wants; the others are removed when the state is saved): the build at 1M 22.2 -> 21.5 s on
        average over four pairs alternated."""
        if self.dir is None or not project.data_dir.is_dir():
            return
        wanted = {}
        for p in project.data_paths():
            digest = self.digest(project.display(p))
            if digest is not None:
                wanted[digest] = p
        self._copy(wanted)

    @property
    def copying(self) -> bool:
        """Whether any copy was asked for (:meth:`keep_copies`, :meth:`start_copies`)."""
        return bool(self._copied)

    def copies_written(self, saved: bool = False) -> None:
        """Wait for the copies being written; ``saved``: :meth:`Cache.save` takes them over
        (:meth:`discard_copies` then leaves them)."""
        for t in self._copying:
            t.join()
        self._copying.clear()
        self._saved = self._saved or saved

    def discard_copies(self) -> None:
        """A run that fails before its state is saved leaves the corpus as it found it: wait
        for the copies, then remove what writing them created (the cache folder too, if it did
        not exist). Nothing once :meth:`Cache.save` has run."""
        self.copies_written()
        if self._saved:
            return
        for path in reversed(self._made):
            try:
                path.rmdir() if path.is_dir() else path.unlink()
            except OSError:
                pass
        self._made.clear()

    def snapshot(self, digest: str, rel: str) -> list | None:
        """The quads of the copy of a data file as it was when its content hash was ``digest``
        (kept by :meth:`Cache.save`); ``None`` when there is none or it is not that content.
        Read once a run: the union checks' changed triples and the SHACL revalidation both ask
        for it (the list is not to be changed)."""
        k = (digest, rel)
        if k not in self._snapshots:
            self._snapshots[k] = self._snapshot(digest, rel)
        return self._snapshots[k]

    def _snapshot(self, digest: str, rel: str) -> list | None:
        from qgraph.corpus.loading import parse_file
        from qgraph.errors import QgraphError

        if self.dir is None or not re.fullmatch(r"[0-9a-f]{32}", digest):
            return None
        path = self.dir / SNAPSHOTS / f"{digest}.ttl"
        try:
            if _hash(path.read_bytes()) != digest:
                return None
            return parse_file(path, "urn:x-qgraph:snapshot", rel)[0]
        except (OSError, QgraphError):
            return None


def _mkdir(folder: Path, made: list[Path] | None = None) -> None:
    """``folder.mkdir(exist_ok=True)``, the folder added to ``made`` if it was created here."""
    try:
        folder.mkdir()
    except FileExistsError:
        if not folder.is_dir():
            raise
        return
    if made is not None:
        made.append(folder)


def _make_cache_dir(folder: Path, made: list[Path] | None = None) -> None:
    """The cache folder, with the ``.gitignore`` that keeps it out of version control (what was
    created added to ``made``)."""
    _mkdir(folder, made)
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("# qgraph's validation cache (qgraph validate --no-cache ignores it)\n*\n", encoding="utf-8")
        if made is not None:
            made.append(ignore)


def _write_copies(folder: Path, wanted: dict[str, Path], quiet: bool = True, made: list[Path] | None = None
                  ) -> set[str]:
    """Under ``folder/files/``, a copy of each data file of ``wanted`` (content hash → file) not
    there yet, written whole and renamed into place, only if the file still has that content;
    the names that were there before. ``quiet``: a folder or file that cannot be written ends
    the copying silently (a copy missing only means that the next run validates whole).
    ``made``: what is created is added to it, in order (:meth:`Memo.discard_copies`)."""
    try:
        _make_cache_dir(folder, made)
        folder = folder / SNAPSHOTS
        _mkdir(folder, made)
        have = {p.name for p in folder.iterdir()}
        for digest, path in wanted.items():
            name = f"{digest}.ttl"
            if name in have:
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if _hash(data) != digest:
                continue  # changed since it was checked: no copy (the next run validates whole)
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            with removed_if_unfinished(tmp):
                with open(tmp, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, folder / name)
            if made is not None:
                made.append(folder / name)
    except OSError:
        if not quiet:
            raise
        return set()
    return have


def cell(t: Any) -> list | None:
    """An rdflib or pyoxigraph term of a result row as JSON (:func:`term` makes the same rdflib
    term of it; a pyoxigraph term's is that of the rdflib term it converts to)."""
    if t is None:
        return None
    import pyoxigraph as ox

    kind = type(t)
    if kind is ox.NamedNode:
        return iri_cell(t.value)
    if kind is ox.BlankNode:
        return ["b", t.value]
    if kind is ox.Literal:
        if t.language:
            return ["l", t.value, None, t.language]
        if t.datatype.value == XSD_STRING:
            return ["l", t.value, None, None]
        from qgraph.corpus.terms import lexical

        return ["l", lexical(t), t.datatype.value, None]  # as rdflib normalises it
    from rdflib import BNode, Literal  # imported already: ``t`` is one of its terms

    if isinstance(t, Literal):
        return ["l", str(t), str(t.datatype) if t.datatype is not None else None, t.language]
    return ["b", str(t)] if isinstance(t, BNode) else iri_cell(str(t))


def iri_cell(iri: str) -> list:
    """:func:`cell` of the IRI ``iri``, from its text alone (no rdflib term made)."""
    return ["u", iri]


def term(c: list | None) -> Any:
    from rdflib import BNode, Literal, URIRef

    if c is None:
        return None
    if c[0] == "l":  # the lexical form as it was (already as rdflib writes it): not normalised again
        return Literal(c[1], lang=c[3], datatype=URIRef(c[2]) if c[2] is not None else None, normalize=False)
    return BNode(c[1]) if c[0] == "b" else URIRef(c[1])


def own_term(c: list | None) -> Any:
    """:func:`term` as a pyoxigraph term where the two show the same (an IRI, a blank node, a
    literal with no datatype but a language's): rdflib is then not imported. A typed literal
    stays rdflib's, its lexical form as it was kept (already as rdflib normalises it)."""
    import pyoxigraph as ox

    if c is None:
        return None
    try:
        if c[0] == "l":
            if c[2] is not None:
                return term(c)
            return ox.Literal(c[1], language=c[3]) if c[3] else ox.Literal(c[1])
        return ox.BlankNode(c[1]) if c[0] == "b" else ox.NamedNode(c[1])
    except ValueError:  # not a term pyoxigraph makes (an odd blank node id): rdflib's, as before
        return term(c)


def row(obj: Any) -> list:
    """A dataclass of plain fields (strings, numbers, ``None``) as a JSON list, field by field:
    ``list(dataclasses.astuple(obj))`` without its deep copy of each value (0.12 s of the
    edit-check at 1M, for the 4,000 results and problems it keeps)."""
    return [getattr(obj, name) for name in obj.__dataclass_fields__]


def problem_row(p: Any) -> list:
    return row(p)


def problem(row: list) -> Any:
    from qgraph.checks.report import Problem

    return Problem(*row)


class Cache:
    """The cache folder of one corpus."""

    def __init__(self, project: Any, notice: Notice) -> None:
        self.project = project
        self.dir = project.root / CACHE_DIR
        self.path = self.dir / STATE
        self.notice = notice
        self.version = tool_version()
        self.state: dict[str, Any] = {}
        self.hashes: dict[str, str | None] = {}
        self.records: dict[str, list | None] = {}
        self.changed: list[str] = []

    # --- reading ---------------------------------------------------------------------------
    def load(self) -> None:
        """Read the state; one notice (and an empty state) when it cannot be used."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            self.notice(f"cache {self._shown()} unreadable ({e.strerror or e}): checking without it")
            return
        why = self._invalid(raw)
        if why:
            self.notice(f"cache {self._shown()} {why}: rebuilt")
            return

    def _invalid(self, raw: bytes) -> str | None:
        body = unhashed(raw)
        if body is None:
            return "damaged (truncated or not written by qgraph)"
        try:
            state = orjson.loads(body)  # the stdlib's json took ~0.05 s more of each run at 1M
        except (UnicodeDecodeError, ValueError):
            return "damaged (not JSON)"
        if not isinstance(state, dict) or not isinstance(state.get("version"), dict):
            return "damaged (no version)"
        if state["version"] != self.version:
            return "made by another version of qgraph"
        if not all(isinstance(state.get(k), dict) for k in ("inputs", "verdicts", "memo")) \
                or not isinstance(state.get("written_ns"), int):
            return "damaged (incomplete)"
        self.state = state
        return None

    def _shown(self) -> str:
        return self.project.display(self.path)

    def scan(self) -> None:
        """Hash every input (or trust its stat, see the module's doc); note what changed."""
        old = self.state.get("inputs", {})
        written = self.state.get("written_ns", 0)
        for label, path in inputs(self.project).items():
            stat = _stat(path) if isinstance(path, Path) else None
            rec = old.get(label)
            if (stat is not None and isinstance(rec, list) and len(rec) == 2 and rec[0] == stat
                    and stat[1] < written - RACY_NS and stat[2] < written - RACY_NS):
                digest = rec[1]
            else:
                digest = _read_hash(path)
            self.hashes[label] = digest
            self.records[label] = [stat, digest] if stat is not None else None
        if self.state:
            self.changed = sorted(k for k in set(old) | set(self.hashes)
                                  if (old.get(k) or [None, None])[1] != self.hashes.get(k))

    # --- the verdict -----------------------------------------------------------------------
    def verdict_key(self, validator: str) -> str:
        return combine(validator, *[f"{k}={v}" for k, v in sorted(self.hashes.items())])

    def verdict(self, validator: str) -> list | None:
        """The problems of the last run if nothing it read has changed since (else ``None``)."""
        entry = self.state.get("verdicts", {}).get(validator)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == self.verdict_key(validator):
            try:
                return [problem(row) for row in entry[1]]
            except TypeError:
                return None
        return None

    def memo(self) -> Memo:
        memo = Memo(self.hashes, self.state.get("memo") if isinstance(self.state.get("memo"), dict) else None)
        memo.dir = self.dir
        return memo

    # --- writing ---------------------------------------------------------------------------
    def save(self, validator: str, problems: list, memo: Memo | None) -> bool:
        """Write the new state atomically (a notice, not an error, when it cannot be written:
        then ``False``)."""
        verdicts = {validator: [self.verdict_key(validator), [problem_row(p) for p in problems]]}
        state = {
            "version": self.version,
            "written_ns": time.time_ns(),
            "inputs": {k: v for k, v in self.records.items() if v is not None},
            "verdicts": verdicts,
            "memo": memo.new if memo is not None else self.state.get("memo", {}),
        }
        # the bytes json.dumps(state, separators=(",", ":"), ensure_ascii=False) would write
        # (held to it in tests/test_cache.py), in 0.009 s instead of 0.04-0.055 at 1M
        body = orjson.dumps(state, option=orjson.OPT_NON_STR_KEYS)
        data = hashed(body)
        tmp = self.dir / f".{STATE}.{os.getpid()}.tmp"
        if memo is not None:
            memo.copies_written(saved=True)
        try:
            _make_cache_dir(self.dir)
            with removed_if_unfinished(tmp):
                with open(tmp, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
        except OSError as e:
            self.notice(f"cache {self.project.display(self.dir)} not writable ({e.strerror or e}): "
                        "the next run checks everything again")
            return False
        self._clean()
        if memo is not None and (memo.snapshots or memo.copying):  # copies started, none wanted: removed
            try:
                self._keep_copies(memo.snapshots)
            except OSError:
                pass  # a copy missing only means that the next run validates whole
        return True

    def _keep_copies(self, wanted: dict[str, Path]) -> None:
        """A copy of each data file in ``wanted`` (content hash → file) under ``files/``
        (:func:`_write_copies`: those not written yet); other copies removed."""
        have = _write_copies(self.dir, wanted, quiet=False)
        folder = self.dir / SNAPSHOTS
        keep = {f"{d}.ttl" for d in wanted}
        for name in have - keep:
            if name.endswith(".ttl") or (name.endswith(".tmp") and not _alive_tmp(name)):
                try:
                    (folder / name).unlink()
                except OSError:
                    pass

    def _clean(self) -> None:
        """Remove temporary states left by runs that were stopped while writing."""
        for p in self.dir.glob(f".{STATE}.*.tmp"):
            pid = p.name.split(".")[-2]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                try:
                    p.unlink()
                except OSError:
                    pass


def _alive_tmp(name: str) -> bool:
    """Is the run that is writing the temporary file ``name`` (``….<pid>.tmp``) still running?"""
    pid = name.split(".")[-2]
    return pid.isdigit() and (int(pid) == os.getpid() or _alive(int(pid)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def label(label: str) -> str:
    """An input's label as a notice shows it."""
    kind, sep, rest = label.partition(":")
    return rest if sep and kind in ("ontology", "check", "link") else label


def union_basis(project: Any, memo: Memo) -> tuple[str, dict[str, str]] | None:
    """What the rows of a check reading the default graph alone are kept with (kind ``union``,
    see :mod:`qgraph.checks.unaffected`): a hash of every input but the data files and their
    source texts, and the data files' content hashes; ``None`` when a data file has none.
    Worked out once per run (``memo``)."""
    if memo.union_basis is not None:
        return memo.union_basis[0]
    got = _union_basis(project, memo)
    memo.union_basis = (got,)
    return got


def _union_basis(project: Any, memo: Memo) -> tuple[str, dict[str, str]] | None:
    data = project.data_paths() if project.data_dir.is_dir() else []
    files = {project.display(p): memo.digest(project.display(p)) for p in data}
    if None in files.values():
        return None
    own = set(files) | {project.display(project.source_text(p.stem)) for p in data}
    return combine("union", *[f"{k}={v}" for k, v in sorted(memo.hashes.items())
                              if k not in own and not k.startswith("question:")]), files  # type: ignore[return-value]


class Prefixes:
    """What the report formats read of a ``Loaded`` when the verdict came from the cache."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes


# --------------------------------------------------------------------------------------------
# Graph-local checks
# --------------------------------------------------------------------------------------------

_MASK = re.compile(r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|'
                   r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>', re.S)
_REFUSED = re.compile(r"\b(GROUP|HAVING|LIMIT|OFFSET|VALUES|SERVICE|FROM|UNION|BIND|COUNT|SUM|MIN|MAX|AVG|SAMPLE|"
                      r"GROUP_CONCAT|LOAD|INSERT|DELETE|CONSTRUCT|DESCRIBE|ASK|NAMED)\b", re.I)


def _closing(text: str, start: int, open_: str = "{", close: str = "}") -> int:
    """The index of the bracket closing the one at ``start`` (-1 if unbalanced)."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _without_subqueries(masked: str) -> str | None:
    """``masked`` with each subquery ``{ SELECT … }`` that :func:`graph_local` accepts, selecting
    its graph variable ``?g``, put as an empty ``{ GRAPH ?g { } }`` (which the outer query's
    reading then holds to the outer ``?g``); ``None`` when a subquery is not so accepted."""
    while (m := re.search(r"\{\s*SELECT\b", masked, re.I)) is not None:
        end = _closing(masked, m.start())
        if end < 0:
            return None
        sub = masked[m.end() - len("SELECT"):end]
        var = _graph_local(sub)
        head = re.match(r"SELECT\b([^{]*)\bWHERE\b|SELECT\b([^{]*)\{", sub, re.I)
        if var is None or head is None or not re.search(rf"[?$]{var}(?!\w)", head.group(1) or head.group(2) or ""):
            return None
        masked = f"{masked[:m.start()]}{{ GRAPH ?{var} {{ }} }}{masked[end + 1:]}"
    return masked


def graph_local(text: str) -> str | None:
    """The graph variable of a check whose rows for a named graph ``G`` depend on ``G`` alone,
    else ``None``.

    Accepted (by its text, strings, IRIs and comments masked): one ``SELECT`` with no aggregate,
    ``VALUES``, ``BIND``, ``UNION``, ``FROM``, ``SERVICE``, ``LIMIT`` or ``OFFSET`` outside the
    graph blocks, whose ``WHERE`` clause starts with ``GRAPH ?g {`` and outside blocks
    ``GRAPH ?g { … }`` (all of the same ``?g``) holds only ``MINUS``, ``OPTIONAL``,
    ``FILTER(…)``, ``EXISTS``, ``NOT``, braces and dots; after it, at most a ``GROUP BY`` of
    plain variables among which ``?g``, a ``HAVING (…)`` with no braces (no pattern), and an
    ``ORDER BY``. Then every triple pattern is matched in the graph ``?g`` names; ``?g`` is bound
    by the first block, so each ``MINUS``/``OPTIONAL``/``EXISTS`` block meets the outer solution
    on ``?g`` and reads the same graph; a group holds the solutions of one graph, and ``HAVING``
    reads that group alone. The rows with ``?g`` = ``G`` are therefore those of the check run
    on ``G`` alone.

    A subquery ``{ SELECT … }`` is taken as such a graph block when it is itself accepted with
    the same ``?g`` and names ``?g`` among the variables it selects: its rows with ``?g`` = ``G``
    are those of ``G`` alone, and the outer solution meets them on ``?g``.
    """
    return _graph_local(_MASK.sub(lambda m: " " * len(m.group()), text))


def _graph_local(masked: str) -> str | None:
    """:func:`graph_local` of a text whose strings, IRIs and comments are masked."""
    masked = _without_subqueries(masked)
    if masked is None or len(re.findall(r"\bSELECT\b", masked, re.I)) != 1:
        return None
    select = re.search(r"\bSELECT\b", masked, re.I)
    assert select is not None
    where = masked.find("{", select.end())
    if where < 0:
        return None
    end = _closing(masked, where)
    if end < 0:
        return None
    head, body, tail = masked[select.end():where], masked[where + 1:end], masked[end + 1:]
    if _REFUSED.search(head) or re.search(r"\(", head):
        return None
    ending = re.fullmatch(r"\s*(?:GROUP\s+BY((?:\s*[?$]\w+)+)\s*(?:HAVING\s*\([^{}]*\))?)?\s*(ORDER\s+BY[\s?$\w()]*)?\s*",
                          tail, re.I)
    if ending is None:
        return None
    first = re.match(r"\s*GRAPH\s+[?$](\w+)\s*\{", body, re.I)
    if first is None:
        return None
    var = first.group(1)
    if ending.group(1) is not None and var not in {v[1:] for v in ending.group(1).split()}:
        return None  # groups across graphs
    outside, i = [], 0
    if re.search(r"\bSERVICE\b", masked, re.I):
        return None
    for m in re.finditer(r"(?<![?$:\w])GRAPH\b", body, re.I):
        g = re.match(r"GRAPH\s+[?$](\w+)\s*\{", body[m.start():], re.I)
        if g is None or g.group(1) != var:
            return None  # every graph block, nested ones too, names the same ?g
        if m.start() < i:
            continue  # inside a block already taken out
        open_at = m.start() + g.end() - 1
        close_at = _closing(body, open_at)
        if close_at < 0:
            return None
        outside.append(body[i:m.start()])
        i = close_at + 1
    outside.append(body[i:])
    rest = " ".join(outside)
    if _REFUSED.search(rest):
        return None
    # left: FILTER expressions in parentheses, at the top level only (a brace group, as of an
    # EXISTS or a MINUS, must have held graph blocks alone, now taken out)
    rest = re.sub(r"\b(FILTER|NOT|EXISTS|MINUS|OPTIONAL)\b", " ", rest, flags=re.I)
    parens = braces = 0
    for c in rest:
        if c == "(":
            if braces:
                return None
            parens += 1
        elif c == ")":
            parens -= 1
        elif c == "{":
            braces += 1
        elif c == "}":
            braces -= 1
        elif not c.isspace() and c != "." and (braces or not parens):
            return None
        if parens < 0 or braces < 0:
            return None
    return var if parens == 0 and braces == 0 else None
