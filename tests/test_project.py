"""A tool apart from its corpus: the corpus is found like git finds a repository, `qgraph init`
makes one that builds at once, and an installed (non-editable) qgraph carries its defaults."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qgraph.errors import QgraphError
from qgraph.project import MARKER, Project, find_root, locate

PROJECT = Path(__file__).resolve().parents[1]


def _qgraph(args: list[str], cwd: Path, env: dict[str, str] | None = None,
            python: str = sys.executable) -> subprocess.CompletedProcess:
    env = dict(os.environ if env is None else env)
    return subprocess.run([python, "-m", "qgraph", *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture()
def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("QGRAPH_ROOT", None)
    return env


def test_found_from_a_subfolder():
    assert find_root(PROJECT / "data" / "sources") == PROJECT
    assert (PROJECT / MARKER).is_file()


def test_not_found_outside(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("QGRAPH_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert find_root(tmp_path) is None
    with pytest.raises(QgraphError, match="not inside a qgraph corpus.*qgraph init"):
        locate()


def test_root_and_environment_override(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QGRAPH_ROOT", str(PROJECT))
    assert locate() == PROJECT
    with pytest.raises(QgraphError, match="not a qgraph corpus"):
        locate(tmp_path)
    with pytest.raises(QgraphError, match="no such folder"):
        locate(tmp_path / "nope")


def test_validate_from_data_finds_the_corpus(clean_env):
    r = _qgraph(["validate", "--format", "json"], PROJECT / "data", clean_env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("[") or r.stdout.startswith("{")


def test_outside_a_corpus_exit_2_with_the_hint(tmp_path: Path, clean_env):
    for command in (["build", "--out", str(tmp_path / "out")], ["validate"], ["stats"], ["queries"]):
        r = _qgraph(command, tmp_path, clean_env)
        assert r.returncode == 2, (command, r.stderr)
        assert r.stderr.startswith("qgraph: error: ") and "qgraph init" in r.stderr and "Traceback" not in r.stderr
        assert r.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_init_builds_green_at_once(tmp_path: Path, clean_env):
    corpus = tmp_path / "x"
    r = _qgraph(["init", str(corpus)], tmp_path, clean_env)
    assert r.returncode == 0, r.stderr
    assert (corpus / MARKER).is_file() and (corpus / "data" / "sources" / "README.md").is_file()
    r = _qgraph(["build"], corpus, clean_env)
    assert r.returncode == 0, r.stderr
    assert (corpus / "dist" / "qgraph.ttl").is_file() and "documents: 0" in r.stdout
    # the shipped questions and checks are there; nothing was overwritten by a second init
    r = _qgraph(["queries"], corpus, clean_env)
    assert r.returncode == 0 and "qdg-members" in r.stdout
    before = (corpus / MARKER).read_bytes()
    r = _qgraph(["init", str(corpus)], tmp_path, clean_env)
    assert r.returncode == 2 and "already exists" in r.stderr
    assert (corpus / MARKER).read_bytes() == before


def test_a_corpus_extends_the_shipped_defaults(tmp_path: Path):
    from qgraph.api import init

    init(tmp_path)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "my-question.rq").write_text("# Mine\nSELECT ?s WHERE { ?s a qg:Nation }\n")
    (tmp_path / "queries" / "qdg-members.rq").write_text("# Replaced\nSELECT ?s WHERE { ?s a qg:Forum }\n")
    project = Project.at(tmp_path)
    names = {Path(p.name).stem: p for p in project.query_files}
    assert "my-question" in names and "mou-parties" in names
    assert names["qdg-members"] == tmp_path / "queries" / "qdg-members.rq"  # same name: the corpus's own
    (tmp_path / MARKER).write_text("[defaults]\nqueries = false\nontology = false\n")
    project = Project.at(tmp_path)
    assert sorted(Path(p.name).stem for p in project.query_files) == ["my-question", "qdg-members"]
    with pytest.raises(QgraphError, match="ontology/qgraph.ttl: missing"):
        _ = project.ontology_files


def test_a_bad_marker_is_one_line(tmp_path: Path):
    (tmp_path / MARKER).write_text("[defaults\n")
    with pytest.raises(QgraphError, match=f"{MARKER}: "):
        _ = Project.at(tmp_path).settings


@pytest.mark.slow
def test_installed_wheel_builds_the_same_exports(tmp_path: Path, clean_env):
    """A plain (non-editable) install carries the ontology, shapes and queries as package data:
    built into a wheel offline, installed into a folder of its own, run in the checkout."""
    import shutil

    # build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "qgraph.toml"):
        shutil.copyfile(PROJECT / name, source / name)
    for folder in ("src", "ontology", "queries", "bin"):
        shutil.copytree(PROJECT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "resources"))
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                        "-w", str(wheels), str(source)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    [wheel] = list(wheels.glob("qgraph-*.whl"))
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                        str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (target / "qgraph" / "resources" / "ontology" / "shapes.ttl").is_file()
    # the command: the plain script bin/qgraph, its #!python line rewritten by pip at install
    script = target / "bin" / "qgraph"
    assert script.read_text(encoding="utf-8").splitlines()[0] == f"#!{sys.executable}"
    r = subprocess.run([str(script), "--version"], env=dict(clean_env, PYTHONPATH=str(target)),
                       capture_output=True, text=True, cwd=tmp_path)
    assert (r.returncode, r.stdout.split()[0]) == (0, "qgraph"), r.stderr
    installed = dict(clean_env, PYTHONPATH=str(target))
    where = subprocess.run([sys.executable, "-c", "import qgraph; print(qgraph.__file__)"], env=installed,
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.stdout.startswith(str(target)), where.stdout
    outs = {}
    for name, env in (("installed", installed), ("editable", clean_env)):
        r = _qgraph(["build", "--out", str(tmp_path / name)], PROJECT, env)
        assert r.returncode == 0, r.stderr
        outs[name] = {str(p.relative_to(tmp_path / name)): p.read_bytes()
                      for p in sorted((tmp_path / name).rglob("*")) if p.is_file()}
    assert len(outs["editable"]) >= 10
    assert outs["installed"] == outs["editable"]
    assert not (PROJECT / "build").exists() or not any((PROJECT / "build").rglob("qgraph"))  # nothing built in-tree
    # and in a corpus of its own, with only the shipped defaults
    corpus = tmp_path / "fresh"
    assert _qgraph(["init", str(corpus)], tmp_path, installed).returncode == 0
    r = _qgraph(["build"], corpus, installed)
    assert r.returncode == 0, r.stderr


def test_package_licence_is_an_spdx_expression_with_its_files():
    """setuptools deprecates ``project.license`` as a table (builds stop working in 2027): the
    licence is an SPDX expression, and every licence file it names exists."""
    import glob
    import tomllib

    meta = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert isinstance(meta["license"], str) and "MIT" in meta["license"]
    files = [f for pattern in meta["license-files"] for f in glob.glob(str(PROJECT / pattern))]
    assert (PROJECT / "LICENSE").is_file() and str(PROJECT / "LICENSE") in files
    vendored = sorted((PROJECT / "src" / "qgraph" / "web" / "static" / "vendor").iterdir())
    assert [d for d in vendored if d.is_dir()], "no vendored library found"
    for d in vendored:  # each vendored library's licence travels in the wheel's metadata
        if d.is_dir():
            assert any(f.startswith(str(d) + os.sep) for f in files), d.name


def test_display_shows_paths_as_resolving_them_would_and_resolves_each_folder_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A path shown relative to the corpus root where its real path lies inside, else as given:
    a plain file, a link to a file inside, a link to a file outside, a missing file, a path
    through ``..``, a relative path, a folder. The same as resolving each path, while the
    files of one folder resolve that folder once (resolving every path again took 0.7 s of
    ``qgraph validate`` at 2,000 documents)."""
    import os

    from qgraph.project import MARKER, Project

    root = tmp_path / "corpus"
    (root / "data").mkdir(parents=True)
    (root / MARKER).write_text("", encoding="utf-8")
    outside = tmp_path / "elsewhere.ttl"
    outside.write_text("", encoding="utf-8")
    names = [f"d{i:03}.ttl" for i in range(50)]
    for n in names:
        (root / "data" / n).write_text("", encoding="utf-8")
    (root / "data" / "inside-link.ttl").symlink_to(root / "data" / "d000.ttl")
    (root / "data" / "outside-link.ttl").symlink_to(outside)
    (root / "linked-data").symlink_to(root / "data", target_is_directory=True)
    monkeypatch.chdir(root)
    paths = ([root / "data" / n for n in names] + [
        root / "data" / "inside-link.ttl", root / "data" / "outside-link.ttl", root / "data" / "missing.ttl",
        root / "data" / ".." / "data" / "d001.ttl", Path("data/d002.ttl"), root / "data", root / "linked-data" / "d003.ttl",
        outside, root / "data" / "..", root])

    def plain(path: Path) -> str:  # how a path was shown before: resolved whole, every time
        try:
            return str(Path(str(path)).resolve().relative_to(root.resolve()))
        except ValueError:
            return str(path)

    expected = [plain(p) for p in paths]
    assert expected[50:55] == ["data/d000.ttl", str(root / "data" / "outside-link.ttl"), "data/missing.ttl",
                               "data/d001.ttl", "data/d002.ttl"]
    resolved: list[str] = []
    real = Path.resolve

    def counted(self: Path, strict: bool = False) -> Path:
        resolved.append(str(self))
        return real(self, strict)

    monkeypatch.setattr(Path, "resolve", counted)
    project = Project(real(root))
    assert [project.display(p) for p in paths] == expected
    assert [project.display(p) for p in paths] == expected  # shown again: no path resolved again
    assert len(resolved) < 15, resolved  # the 50 files of data/ resolved their folder once
    assert os.path.islink(root / "data" / "outside-link.ttl")


def test_display_asks_nothing_of_the_files_a_listing_found_not_to_be_links(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    """Once data/ and the source texts' folder are listed (data_paths, note_texts), a file
    found there not to be a symbolic link is shown without an ``lstat`` (4,000 of them took
    ~15 ms of ``qgraph validate`` at 1M), and a link, inside or outside, as resolving it shows it."""
    import os

    from qgraph.project import MARKER, Project

    root = tmp_path / "corpus"
    (root / "data" / "sources").mkdir(parents=True)
    (root / MARKER).write_text("", encoding="utf-8")
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("", encoding="utf-8")
    for i in range(20):
        (root / "data" / f"d{i:02}.ttl").write_text("", encoding="utf-8")
        (root / "data" / "sources" / f"d{i:02}.txt").write_text("", encoding="utf-8")
    (root / "data" / "sources" / "linked.txt").symlink_to(outside)
    (root / "data" / "inside.ttl").symlink_to(root / "data" / "d00.ttl")
    project = Project(root)
    asked: list[str] = []
    real_islink = os.path.islink
    monkeypatch.setattr(os.path, "islink", lambda p: (asked.append(str(p)), real_islink(p))[1])
    paths = project.data_paths()
    project.note_texts()
    texts = [project.source_text(p.stem) for p in paths] + [root / "data" / "sources" / "linked.txt"]
    shown = [project.display(p) for p in [*paths, *texts]]
    assert shown[:2] == ["data/d00.ttl", "data/d01.ttl"] and "data/d00.ttl" in shown[20:22]  # inside.ttl: its target
    assert shown[-1] == str(root / "data" / "sources" / "linked.txt")
    assert "data/sources/d19.txt" in shown
    missing = [t for t in texts if not t.exists()]
    assert missing and shown[len(paths) + texts.index(missing[0])] == project.display(missing[0])
    links = [root / "data" / "inside.ttl", root / "data" / "sources" / "linked.txt"]
    assert sorted(asked) == sorted(map(str, [*links, *missing])), "only the links and what no listing found"


def test_data_paths_are_the_glob_of_data(tmp_path: Path):
    """The data files listed as ``Path.glob("*.ttl")`` lists them (here, on POSIX: names matched
    case-sensitively, a leading dot included, a folder so named too), in order of name; none
    when data/ is missing or is a file."""
    from qgraph.project import Project

    project = Project(tmp_path)
    assert project.data_paths() == []  # no data/ folder
    data = tmp_path / "data"
    data.write_text("not a folder", encoding="utf-8")
    assert project.data_paths() == []
    data.unlink()
    data.mkdir()
    # (a name ending in .TTL is an error since the thirty-fourth round: the test below)
    for name in ("b.ttl", "a.ttl", ".hidden.ttl", ".HIDDEN.TTL", "c.ttl.bak", ".ttl", "x.nt", "é.ttl"):
        (data / name).write_text("", encoding="utf-8")
    (data / "d.ttl").mkdir()
    (data / "links").mkdir()
    got = project.data_paths()
    # as glob lists them, but a name with a leading dot (an editor's lock, macOS's ._ files)
    visible = [p for p in sorted(data.glob("*.ttl"), key=lambda p: p.name) if not p.name.startswith(".")]
    assert got == visible
    assert [p.name for p in got] == ["a.ttl", "b.ttl", "d.ttl", "é.ttl"]
    # listed afresh at each call (only each file's Path is kept): a file added or removed shows
    (data / "a.ttl").unlink()
    (data / "0.ttl").write_text("", encoding="utf-8")
    assert [p.name for p in project.data_paths()] == ["0.ttl", "b.ttl", "d.ttl", "é.ttl"]


def test_root_that_is_a_file_says_so(tmp_path: Path):
    (tmp_path / "f").write_text("x\n", encoding="utf-8")
    with pytest.raises(QgraphError, match="f: not a folder"):
        locate(tmp_path / "f")


@pytest.mark.parametrize("text,needle", [
    ("[corpus]\nname = 'x'\n[defaults]\nontolgy = false\n", "unknown key [defaults] ontolgy (did you mean ontology?)"),
    ("[corpas]\nname = 'x'\n", "unknown table or key corpas (did you mean corpus?)"),
])
def test_a_misspelt_setting_is_an_error(tmp_path: Path, text, needle):
    """Regression: `ontolgy = false` was ignored, and the shipped ontology stayed in use."""
    (tmp_path / MARKER).write_text(text, encoding="utf-8")
    with pytest.raises(QgraphError, match=re.escape(needle)):
        Project.at(tmp_path).settings  # noqa: B018 - reading it checks it


def test_an_editors_lock_file_in_data_is_not_a_document(tmp_path: Path, cli_env):
    """Emacs writes ``data/.#doc.ttl``, a link to nowhere, while a buffer is unsaved: validate
    stopped with "data/curator@laptop.4242:…: a document id must be lower-case words"."""
    import subprocess
    import sys

    root = tmp_path / "c"
    subprocess.run([sys.executable, "-m", "qgraph", "init", str(root)], check=True, capture_output=True, env=cli_env)
    src = tmp_path / "s.txt"
    src.write_text("Small statement\n\nSome text here.\nThe end.\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "qgraph", "new", "small", "--root", str(root), "--source", str(src)],
                   check=True, capture_output=True, env=cli_env)
    (root / "data" / ".#small.ttl").symlink_to("curator@laptop.4242:1764670000")
    (root / "data" / "._small.ttl").write_bytes(b"\x00\x05\x16\x07")
    r = subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(root), "--no-cache", "--no-progress"],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "curator@laptop" not in r.stderr and "._small" not in r.stdout + r.stderr


def test_a_refused_init_leaves_nothing(tmp_path: Path):
    """Regression: `qgraph init` into a folder with a README.md said "nothing was written" and left
    data/ and data/sources/ behind."""
    from qgraph.api import init
    from qgraph.errors import QgraphError

    (tmp_path / "README.md").write_text("mine")
    with pytest.raises(QgraphError, match="already exists"):
        init(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_a_data_file_ending_in_upper_case_ttl_is_named_not_ignored(fixture_root: Path):
    """Regression: data/doc.TTL was left out without a word (its facts missing, and the other
    files' references to them reported as faults of theirs)."""
    from qgraph.errors import QgraphError
    from qgraph.project import Project

    data = sorted((fixture_root / "data").glob("*.ttl"))
    assert data, "no data file in the fixture"
    data[0].rename(data[0].with_suffix(".TTL"))
    with pytest.raises(QgraphError, match=r"\.TTL: a data file's name ends in \.ttl, lower-case"):
        Project(fixture_root).data_paths()
