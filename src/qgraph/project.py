"""The corpus a command works on: where it is, and every path and setting of it.

A corpus is a folder with the marker file ``qgraph.toml`` at its root. It is found the way git
finds a repository: the current folder or its nearest parent that holds the marker; ``--root DIR``
or ``$QGRAPH_ROOT`` point elsewhere. ``qgraph init DIR`` makes one.

The tool carries its defaults as package data (``qgraph/resources/``: the ontology, shapes,
concept schemes, competency questions and checks, copied there from the repository's top-level
``ontology/`` and ``queries/`` when the wheel is built). A corpus uses them and extends them with
its own ``ontology/*.ttl`` and ``queries/*.rq``; a file of the same name replaces the shipped one.
``[defaults] ontology = false`` / ``queries = false`` in ``qgraph.toml`` turns the shipped set off.

:class:`Project` is the one place that knows these paths; every module asks it, none builds a
corpus path by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from qgraph.errors import QgraphError

MARKER = "qgraph.toml"
ENV = "QGRAPH_ROOT"
#: the ontology files, in load order (each replaceable by a corpus file of the same name)
ONTOLOGY_FILES = ("qgraph.ttl", "alignments.ttl", "concepts.ttl")
SHAPES = "shapes.ttl"
DEFAULT_OUT = Path("dist")
HINT = ("make one with `qgraph init DIR`, or point at one with --root DIR or $QGRAPH_ROOT")


def find_root(start: Path) -> Path | None:
    """The nearest folder from ``start`` upwards that holds ``qgraph.toml`` (``None`` if none)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def locate(root: Path | str | None = None) -> Path:
    """The corpus root: ``root`` if given, else ``$QGRAPH_ROOT``, else found from the current folder.

    Raises :class:`QgraphError` (exit 2, one line with the hint) when there is none.
    """
    if root is None:
        env = os.environ.get(ENV)
        if env:
            return _check(Path(env), f"${ENV}")
        found = find_root(Path.cwd())
        if found is None:
            raise QgraphError(f"{Path.cwd()}: not inside a qgraph corpus (no {MARKER} here or in a parent "
                              f"folder); {HINT}")
        return found
    return _check(Path(root), "--root")


def _check(root: Path, what: str) -> Path:
    if not root.is_dir():
        kind = "not a folder" if root.exists() else "no such folder"
        raise QgraphError(f"{root}: {kind} ({what}); {HINT}")
    if not (root / MARKER).is_file():
        raise QgraphError(f"{root}: not a qgraph corpus (no {MARKER}); {HINT}")
    return root.resolve()


#: what qgraph.toml may hold: its tables and their keys (a key misspelt was ignored: `ontolgy =
#: false` left the shipped ontology in use, silently)
SETTINGS: dict[str, Any] = {"corpus": {"name": None}, "defaults": {"ontology": None, "queries": None}}


def _known_keys(settings: dict[str, Any], known: dict[str, Any], where: str) -> None:
    import difflib

    for key, value in settings.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
            raise QgraphError(f"{MARKER}: unknown {'key' if where else 'table or key'} {where}{key}{hint}")
        if isinstance(known[key], dict) and isinstance(value, dict):
            _known_keys(value, known[key], f"[{key}] ")


def is_special_file(path: str | Path) -> bool:
    """Whether ``path`` (followed, if a link) is a pipe, a socket or a device; a link to nothing
    is not (the loader reports it cannot be read)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # no such file, a link to nothing or in a loop: not special
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def resources() -> Any:
    """The package's shipped defaults (``importlib.resources`` traversable of qgraph/resources)."""
    from importlib.resources import files

    return files("qgraph") / "resources"


@dataclass(frozen=True)
class Project:
    """A corpus folder and everything the tool reads from or writes to it."""

    root: Path

    @classmethod
    def at(cls, root: Path | str | None = None) -> Project:
        """The project at ``root`` (or located as :func:`locate` says)."""
        return cls(locate(root))

    # --- settings (qgraph.toml) ------------------------------------------------------------
    @cached_property
    def settings(self) -> dict[str, Any]:
        import tomllib

        path = self.root / MARKER
        try:
            text = path.read_text(encoding="utf-8")
            if text.startswith("\ufeff"):
                raise QgraphError(f"{MARKER}: the file begins with a byte-order mark (U+FEFF), which TOML does "
                                  "not allow; save it as UTF-8 without a BOM")
            settings = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise QgraphError(f"{MARKER}: {e}") from None
        except UnicodeDecodeError as e:
            raise QgraphError(f"{MARKER}: not UTF-8 text (byte {e.start})") from None
        except OSError as e:
            raise QgraphError(f"{MARKER}: cannot read: {e.strerror or e}") from None
        _known_keys(settings, SETTINGS, "")
        return settings

    @property
    def name(self) -> str:
        """The corpus's name (``[corpus] name`` in ``qgraph.toml``, which ``qgraph init --name``
        writes), else its folder's: the title of its VoID description and of the explorer's pages."""
        given = self.settings.get("corpus", {}).get("name")
        return given if isinstance(given, str) and given.strip() else self.root.resolve().name

    def _use_defaults(self, kind: str) -> bool:
        defaults = self.settings.get("defaults", {})
        if not isinstance(defaults, dict):
            raise QgraphError(f"{MARKER}: defaults must be a table ([defaults] with ontology and queries "
                              f"true or false), not {defaults!r}")
        value = defaults.get(kind, True)
        if not isinstance(value, bool):
            raise QgraphError(f"{MARKER}: [defaults] {kind} must be true or false, not {value!r}")
        return value

    # --- the corpus's own folders -------------------------------------------------------------
    # the folders and source texts as paths made once (a validation of 2,000 documents asked
    # for 40,000 of them, 0.18 s of joining paths)
    @cached_property
    def data_dir(self) -> Path:
        return self.root / "data"

    @cached_property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"

    @cached_property
    def links_dir(self) -> Path:
        return self.data_dir / "links"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def checks_dir(self) -> Path:
        return self.queries_dir / "checks"

    def data_paths(self) -> list[Path]:
        """The data files (``data/*.ttl``), in order of name (as ``sorted`` orders the paths; by
        name, sorting 2,000 paths costs 1 ms instead of 20). Listed with ``os.scandir`` where
        names match as on POSIX (case-sensitively): pathlib's glob took ~2.5 ms of 2,000 files
        each time, asked seven times by a ``qgraph validate``.

        A name with a leading dot is not a data file (a document id is lower-case words): an
        editor's lock (Emacs's ``.#doc.ttl``, a link to nowhere while a buffer is unsaved) or
        macOS's ``._doc.ttl`` stopped every command with an error naming the lock's target."""
        folder = self.data_dir
        if os.name != "posix":
            return sorted((p for p in folder.glob("*.ttl") if not p.name.startswith(".")), key=lambda p: p.name)
        try:
            with os.scandir(folder) as entries:
                listed = [e for e in entries if not e.name.startswith(".")]
        except OSError:  # no folder (or not one, or unreadable): as glob, nothing
            return []
        found = [e for e in listed if e.name.endswith(".ttl")]
        # "doc.TTL" was left out without a word (its document missing from every answer)
        other_case = sorted(e.name for e in listed if e.name.lower().endswith(".ttl") and not e.name.endswith(".ttl"))
        if other_case:
            raise QgraphError(f"{self.display(folder / other_case[0])}: a data file's name ends in .ttl, lower-case "
                              "(rename it, or move it out of data/)")
        for e in found:  # a pipe or a device named *.ttl (or a link to one): reading it would wait for ever
            if not e.is_file(follow_symlinks=False) and not e.is_dir(follow_symlinks=False) and is_special_file(e.path):
                raise QgraphError(f"{self.display(e.path)}: not a file (a pipe, a socket or a device); "
                                  "data/ holds the Turtle files of the documents")
        # each file's Path made once per project (a Path is ~1.5 µs to make: 2,000 of them, seven
        # times a validation), the folder listed afresh at every call
        self._not_links.update(e.path for e in found if not e.is_symlink())  # (from the listing's d_type, where the system gives it)
        made = self._data_paths
        return [made.get(name) or made.setdefault(name, folder / name) for name in sorted(e.name for e in found)]

    @cached_property
    def _data_paths(self) -> dict[str, Path]:
        return {}

    def source_text(self, doc_id: str) -> Path:
        made = self._source_texts
        got = made.get(doc_id)
        if got is None:
            got = made[doc_id] = self.sources_dir / f"{doc_id}.txt"
        return got

    @cached_property
    def _source_texts(self) -> dict[str, Path]:
        return {}

    def data_file(self, doc_id: str) -> Path:
        return self.data_dir / f"{doc_id}.ttl"

    def refuse_output_among_inputs(self, out: Path | str, option: str) -> None:
        """A :class:`QgraphError` if ``out`` (a file or folder a command writes) is, or lies in,
        one of the corpus's own inputs: ``data/`` (the data files, the source texts, the link
        tables), ``ontology/``, ``queries/``, the cache folder or ``qgraph.toml``. Written there, an
        export or a draft replaced a curated file, or was loaded by the next build."""
        real = Path(os.path.realpath(out))
        root = Path(os.path.realpath(self.root))
        inputs = [root / folder.name for folder in (self.data_dir, self.ontology_dir, self.queries_dir)]
        # qgraph.checks.cache.CACHE_DIR, spelt out: importing it here would close an import cycle
        inputs += [root / ".qgraph-cache", root / MARKER]
        for folder in inputs:
            if real == folder or folder in real.parents:
                raise QgraphError(f"{option} {out}: inside the corpus's {folder.name}"
                                  f"{'' if folder.name == MARKER else '/'}, which the tool reads; write it "
                                  "elsewhere (dist/, drafts/, or outside the corpus)")

    def link_file(self, name: str) -> Path:
        return self.links_dir / name

    def display(self, path: Path | Any) -> str:
        """A path as messages show it: relative to the corpus root where it lies inside (where its
        real path, links resolved, lies inside), else as given. Each path is shown once per
        project: a validation shows every data file and source text several times (the cache's
        labels, the evidence, the SHACL cache key), and resolving each path again took 0.7 s of
        ``qgraph validate`` at 2,000 documents."""
        key = str(path)
        shown = self._shown
        got = shown.get(key)
        if got is None:
            # as ``str(Path(real).relative_to(self.root))`` (else ``key``), on strings: pathlib's
            # parsing was most of showing 4,000 paths (1M triples: ~0.03 s of `qgraph validate`)
            real, inside = self._real(key), self._inside
            got = "." if real == inside[:-1] else real[len(inside):] if real.startswith(inside) else key
            shown[key] = got
        return got

    @cached_property
    def _inside(self) -> str:
        """The root with one separator after it: the start of every path inside it."""
        return os.path.join(str(self.root), "")

    @cached_property
    def _shown(self) -> dict[str, str]:
        return {}

    @cached_property
    def _real_dirs(self) -> dict[str, str]:
        return {}

    @cached_property
    def _not_links(self) -> set[str]:
        """Paths (as ``os.path.join`` spells them) that a folder's listing found not to be
        symbolic links (:meth:`data_paths`, :meth:`note_texts`): :meth:`_real` asks the system
        about none of them (an ``lstat`` each: 4,000 of them, ~15 ms of ``qgraph validate``)."""
        return set()

    def note_texts(self) -> None:
        """List the source texts' folder, noting which entries are not symbolic links (see
        :attr:`_not_links`; one listing of 2,000 entries costs ~1 ms, their ``lstat`` calls ~8 ms);
        nothing when it cannot be listed."""
        try:
            with os.scandir(self.sources_dir) as entries:
                self._not_links.update(e.path for e in entries if not e.is_symlink())
        except OSError:
            pass

    def _real(self, path: str) -> str:
        """``str(Path(path).resolve())``, its folder resolved once for all the files in it: a file
        that is not a symbolic link is its real folder joined with its name (one ``lstat``, where
        resolving the whole path again checks every part of it; none for a file a listing of
        its folder found not to be one)."""
        folder, name = os.path.split(path)
        # os.path.realpath, not Path.resolve: a link that loops is a file the loader reports
        # (it cannot be read), not a RuntimeError raised here where a message shows its path
        if name in ("", ".", "..") or (path not in self._not_links and os.path.islink(path)):
            return os.path.realpath(path)
        real = self._real_dirs.get(folder)
        if real is None:
            real = self._real_dirs[folder] = os.path.realpath(folder or ".")
        return os.path.join(real, name)

    # --- shipped defaults, extended by the corpus ----------------------------------------------
    def _merged(self, kind: str, shipped: Any, own: Path, patterns: tuple[str, ...]) -> dict[str, Any]:
        """name -> file: the shipped files (when used), then the corpus's own, replacing by name."""
        out: dict[str, Any] = {}
        if self._use_defaults(kind) and shipped.is_dir():
            for p in shipped.iterdir():
                if p.is_file() and any(Path(p.name).match(pat) for pat in patterns):
                    out[p.name] = p
        if own.is_dir():
            for pat in patterns:
                for p in own.glob(pat):
                    if p.is_file():
                        out[p.name] = p
        return out

    @cached_property
    def _ontology(self) -> dict[str, Any]:
        return self._merged("ontology", resources() / "ontology", self.ontology_dir, ("*.ttl",))

    @cached_property
    def ontology_files(self) -> list[tuple[str, Any]]:
        """(display name, file) of every ontology file: the three core files first, then the rest."""
        files = self._ontology
        missing = [n for n in ONTOLOGY_FILES if n not in files]
        if missing:
            raise QgraphError(f"ontology/{missing[0]}: missing (the ontology files are {', '.join(ONTOLOGY_FILES)}; "
                              "the installed qgraph ships them unless [defaults] ontology = false)")
        extra = sorted(n for n in files if n not in ONTOLOGY_FILES and n != SHAPES)
        return [(self._name("ontology", n, files[n]), files[n]) for n in (*ONTOLOGY_FILES, *extra)]

    @cached_property
    def shapes_file(self) -> Any:
        f = self._ontology.get(SHAPES)
        if f is None:
            raise QgraphError(f"ontology/{SHAPES}: missing")
        return f

    @cached_property
    def query_files(self) -> list[Any]:
        """The competency questions (``*.rq``), sorted by name."""
        merged = self._merged("queries", resources() / "queries", self.queries_dir, ("*.rq",))
        return [merged[n] for n in sorted(merged)]

    def own_questions(self) -> list[Any]:
        """The corpus's own competency questions (its ``queries/*.rq``), sorted by name."""
        return [p for p in self.query_files if Path(p).parent == self.queries_dir]

    @cached_property
    def check_files(self) -> list[Any]:
        """The checks (``checks/*-violation.rq``), sorted by name."""
        merged = self._merged("queries", resources() / "queries" / "checks", self.checks_dir, ("*-violation.rq",))
        return [merged[n] for n in sorted(merged)]

    def expected_answer(self, query_file: Any) -> Any | None:
        """The expected answer (the corpus's ``queries/<name>.csv``), if any. A shipped question's
        shipped answer is that of qgraph's own corpus, not this one's: in a new corpus `qgraph
        expected` listed its 1,700 rows as removed, burying the rows a first document added."""
        own = self.queries_dir / Path(query_file.name).with_suffix(".csv").name
        return own if own.is_file() else None

    def _name(self, kind: str, name: str, f: Any) -> str:
        own = (self.ontology_dir if kind == "ontology" else self.queries_dir) / name
        if isinstance(f, Path) and f == own:
            return self.display(own)
        return f"{kind}/{name} (shipped with qgraph)"
