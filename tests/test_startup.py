"""``qgraph --help`` and friends are answered from the pre-rendered qgraph/_help.py, without argparse.

The answers must be exactly what the argparse parser in qgraph/cli.py prints (stdout, stderr, exit
code), _help.py must be current with that parser (scripts/gen_help.py), and any other terminal width
or argument list must still reach argparse. No timings here: benchmarks/run.py measures start-up.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import qgraph
from qgraph import _help, cli

import repo as paths


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_help", paths.ROOT / "scripts" / "gen_help.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_help = _load_generator()

# every argument list the fast path answers, with -h spelled both ways
FAST_CASES = [(), ("-h",), ("--help",), ("--version",)] + [
    (name, flag) for name in cli.COMMANDS for flag in ("-h", "--help")]


def _run_main(argv: tuple[str, ...], capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        cli.main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _no_argparse(monkeypatch) -> None:
    def refuse():
        raise AssertionError("argparse was used; the answer should come from qgraph/_help.py")

    monkeypatch.setattr(cli, "_parser", refuse)


def test_help_file_is_current():
    expected = gen_help.render()
    current = (paths.ROOT / "src" / "qgraph" / "_help.py").read_text(encoding="utf-8")
    assert current == expected, "src/qgraph/_help.py is stale: run  python scripts/gen_help.py"


def test_every_command_has_a_pre_rendered_help():
    assert cli.COMMANDS, "no commands found in qgraph.cli"
    assert set(_help.ANSWERS) == {" ".join(c) for c in FAST_CASES if "-h" not in c}


@pytest.mark.parametrize("argv", FAST_CASES, ids=lambda a: " ".join(a) or "(no arguments)")
def test_fast_answer_is_what_argparse_prints(argv, capsys, monkeypatch):
    expected = gen_help.run_parser(tuple("--help" if a == "-h" else a for a in argv), _help.COLUMNS)
    assert gen_help.run_parser(argv, _help.COLUMNS) == expected  # -h and --help are the same answer
    monkeypatch.setenv("COLUMNS", str(_help.COLUMNS))
    _no_argparse(monkeypatch)
    assert _run_main(argv, capsys) == expected


def test_help_says_what_it_should(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(_help.COLUMNS))
    code, out, err = _run_main(("--version",), capsys)
    assert (code, out, err) == (0, f"qgraph {qgraph.__version__}\n", "")
    code, out, err = _run_main(("push", "--help"), capsys)
    assert code == 0 and out.startswith("usage: qgraph push ") and "--graph-store URL" in out
    code, out, err = _run_main((), capsys)  # `qgraph` alone: the help, exit 0 (it was a usage error, exit 2)
    assert code == 0 and err == "" and out == _run_main(("--help",), capsys)[1]


@pytest.mark.parametrize("columns", [40, 120, 200])
def test_other_widths_go_to_argparse(columns, capsys, monkeypatch):
    cases = [("--help",), ("push", "--help"), ()]
    expected = [gen_help.run_parser(argv, columns) for argv in cases]
    monkeypatch.setenv("COLUMNS", str(columns))
    calls = []
    real = cli._parser
    monkeypatch.setattr(cli, "_parser", lambda: calls.append(1) or real())
    assert [_run_main(argv, capsys) for argv in cases] == expected
    assert len(calls) == len(cases)


def test_width_changes_the_text():
    """The width check matters: argparse's text for another width is not the pre-rendered one."""
    assert gen_help.run_parser(("push", "--help"), 200) != _help.ANSWERS["push --help"]
    assert gen_help.run_parser(("push", "--help"), 40) != _help.ANSWERS["push --help"]


@pytest.mark.parametrize("argv", [("--hel",), ("build", "--hel"), ("--help", "build"), ("build", "--version"),
                                  ("frobnicate", "--help")])
def test_other_argument_lists_go_to_argparse(argv, capsys, monkeypatch):
    expected = gen_help.run_parser(argv, _help.COLUMNS)
    monkeypatch.setenv("COLUMNS", str(_help.COLUMNS))
    calls = []
    real = cli._parser
    monkeypatch.setattr(cli, "_parser", lambda: calls.append(1) or real())
    assert _run_main(argv, capsys) == expected
    assert calls == [1]


@pytest.mark.parametrize("value", [None, "80", "100", "0", "-3", "wide", " 90 ", ""])
def test_terminal_columns_as_shutil_computes_them(value, monkeypatch):
    if value is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", value)
    assert cli._terminal_columns() == shutil.get_terminal_size().columns


def test_help_starts_without_argparse(cli_env):
    env = dict(cli_env, COLUMNS=str(_help.COLUMNS))
    code = ("import sys; sys.argv = ['qgraph', '--help']\nimport qgraph.cli\ntry:\n    qgraph.cli.main()\n"
            "except SystemExit as e:\n    code = e.code\n"
            "heavy = [m for m in ('argparse', 'shutil', 're', 'pathlib', 'typing', 'rdflib') if m in sys.modules]\n"
            "print(code, heavy, file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.stderr.strip().splitlines()[-1] == "0 []", r.stderr
    assert r.stdout == _help.ANSWERS["--help"][1]


@pytest.mark.parametrize("argv", [(), ("--help",), ("serve", "-h")])
def test_the_command_prints_the_same_bytes(argv, cli_env):
    """Through the real entry point (``python -m qgraph``), pipes and all."""
    env = dict(cli_env, COLUMNS=str(_help.COLUMNS))
    r = subprocess.run([sys.executable, "-m", "qgraph", *argv], capture_output=True, env=env)
    code, out, err = gen_help.run_parser(tuple("--help" if a == "-h" else a for a in argv), _help.COLUMNS)
    assert (r.returncode, r.stdout.decode(), r.stderr.decode()) == (code, out, err)


def _imported_by(command: list[str], env: dict[str, str]) -> set[str]:
    """The modules a command imports (PYTHONPROFILEIMPORTTIME lists each on stderr)."""
    r = subprocess.run(command, capture_output=True, text=True, env=dict(env, PYTHONPROFILEIMPORTTIME="1"))
    assert r.returncode == 0, r.stderr
    return {ln.split("|")[-1].strip() for ln in r.stderr.splitlines() if ln.startswith("import time:")}


def test_the_installed_command_imports_nothing_heavy(cli_env):
    """The ``qgraph`` the install puts beside the interpreter is the plain script bin/qgraph, not
    pip's generated entry-point launcher, which imports ``re`` (half again a bare start-up)."""
    script = Path(sys.executable).with_name("qgraph")
    assert script.is_file(), f"{script}: not installed (pip install -e .)"
    first = script.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("#!/") and "python" in first, first  # pip rewrote #!python
    modules = _imported_by([str(script), "--version"], cli_env)
    assert "qgraph.cli" in modules, modules  # the measurement works
    heavy = {"re", "argparse", "typing", "pathlib", "importlib.metadata", "rdflib"} & modules
    assert not heavy, heavy
